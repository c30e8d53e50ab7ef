import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local AWS endpoint speaking the three wire protocols the collector's SDK clients use:
//   Security Hub  REST-JSON  GET /accounts (DescribeHub), POST /standards/get, POST /findings,
//                             GET /standards/controls/{StandardsSubscriptionArn+}?NextToken&MaxResults;
//                             errors: status + x-amzn-errortype header + {"Message": …}
//   AWS Config    JSON 1.1   POST / with x-amz-target StarlingDoveService.<Operation>;
//                             errors: 400 + {"__type": "<Code>", "message": …}
//   STS           query/XML  POST / Action=GetCallerIdentity | AssumeRole; errors: <ErrorResponse> XML
// Account and region come from the request's SigV4 credential scope (access key → account), so one
// server serves many accounts and regions. Every request is recorded with its IAM action.
//
// AssumeRole follows a trust table (role ARN → the base access keys its trust policy names and its
// sts:ExternalId condition). The temporary access key it issues (ASIA…) belongs to the role's account
// for every later call, which must carry the session token in X-Amz-Security-Token and be made before
// the credentials expire; GetCallerIdentity then answers with the assumed-role ARN.

export interface RegionData {
  // Security Hub hub; 'not-enabled' answers DescribeHub (and the other Security Hub calls) with InvalidAccessException.
  hub?: Record<string, unknown> | 'not-enabled';
  standards?: readonly unknown[];
  findings?: readonly unknown[];
  // DescribeStandardsControls: StandardsControl objects per StandardsSubscriptionArn.
  controls?: Readonly<Record<string, readonly unknown[]>>;
  recorders?: readonly unknown[];
  recorderStatus?: readonly unknown[];
  rules?: readonly unknown[];
  // DescribeConfigRules: ConfigRule objects (name, Source.Owner / SourceIdentifier, CreatedBy).
  configRules?: readonly unknown[];
  // DescribeConformancePacks details, and per pack name its ConformancePackRuleComplianceList.
  packs?: readonly unknown[];
  packRules?: Readonly<Record<string, readonly unknown[]>>;
}

export type Fault =
  | { type: 'deny' }
  // Throttle `times` requests (Infinity: always) after letting the first `after` (default 0) through.
  | { type: 'throttle'; times: number; after?: number }
  | { type: 'error'; status: number; code: string };

export interface RecordedRequest {
  action: string;
  account: string;
  region: string;
  status: number;
  // The access key id of the SigV4 credential scope, and the X-Amz-Security-Token header if sent.
  accessKeyId: string;
  securityToken: string | undefined;
  // Request body as sent by the SDK, and the response body as sent back.
  body: string;
  response: string;
}

// The trust policy of a role the fake STS lets callers assume. The role's credentials belong to the
// account in its ARN.
export interface FakeRole {
  // Base access key ids the trust policy names as principals.
  trusted: readonly string[];
  // The trust policy's sts:ExternalId condition: AssumeRole without exactly this value is denied.
  externalId?: string;
  // The role's MaxSessionDuration (default 3600 s); a longer DurationSeconds is a ValidationError.
  maxSessionDuration?: number;
}

// One sts:AssumeRole request, allowed or not.
export interface AssumeRoleRequest {
  caller: string;
  region: string;
  roleArn: string | undefined;
  roleSessionName: string | undefined;
  externalId: string | undefined;
  durationSeconds: number | undefined;
  status: number;
  // The temporary access key id issued (allowed requests only).
  issued: string | undefined;
}

export interface FakeSession {
  account: string;
  roleArn: string;
  sessionName: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface FakeAwsOptions {
  // Access key id → account id (long-term keys).
  accounts: Readonly<Record<string, string>>;
  // Role ARN → trust policy, for sts:AssumeRole.
  roles?: Readonly<Record<string, FakeRole>>;
  // Lifetime of the credentials AssumeRole issues (default: the DurationSeconds asked for).
  sessionSeconds?: number;
  // Access key id → IAM user name, for the caller ARN in AccessDenied messages (default 'auditor').
  users?: Readonly<Record<string, string>>;
  data: (account: string, region: string) => RegionData;
  pageSize?: { standards?: number; controls?: number; findings?: number; rules?: number; packs?: number };
  latencyMs?: number;
}

export interface FakeAws {
  endpoint: string;
  requests: RecordedRequest[];
  assumeRoles: AssumeRoleRequest[];
  // Temporary credentials issued, by access key id.
  sessions: Map<string, FakeSession>;
  // Keyed by IAM action ('securityhub:GetFindings') or action@region ('securityhub:GetFindings@eu-west-1').
  faults: Map<string, Fault>;
  close(): Promise<void>;
}

const SECURITY_HUB_ROUTES: Readonly<Record<string, string>> = {
  'GET /accounts': 'DescribeHub',
  'POST /standards/get': 'GetEnabledStandards',
  'POST /findings': 'GetFindings',
};

interface Call {
  service: 'securityhub' | 'config' | 'sts';
  operation: string;
  account: string;
  region: string;
  input: Record<string, unknown>;
  accessKeyId: string;
  securityToken: string | undefined;
}

const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
// RoleSessionName: 2 to 64 of [\w+=,.@-] (the STS API reference).
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function credentialScope(req: IncomingMessage): { accessKeyId: string; region: string; service: string } | undefined {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '');
  return m && m[1] && m[2] && m[3] ? { accessKeyId: m[1], region: m[2], service: m[3] } : undefined;
}

function parseInput(text: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text).entries());
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function page<T>(items: readonly T[], input: Record<string, unknown>, size: number | undefined): { items: T[]; next: string | undefined } {
  const offset = typeof input.NextToken === 'string' && input.NextToken.startsWith('tok-') ? Number(input.NextToken.slice(4)) : 0;
  const max = typeof input.MaxResults === 'number' ? input.MaxResults : Infinity;
  const n = Math.min(max, size ?? Infinity, items.length - offset);
  const end = offset + Math.max(0, n);
  return { items: items.slice(offset, end), next: end < items.length ? `tok-${end}` : undefined };
}

// The subset of the Security Hub StringFilter semantics the collector uses: EQUALS values are ORed.
function matchesFilters(finding: unknown, filters: unknown): boolean {
  if (typeof filters !== 'object' || filters === null || typeof finding !== 'object' || finding === null) return true;
  const f = finding as { RecordState?: unknown; Compliance?: { Status?: unknown } };
  const fields: Record<string, unknown> = { RecordState: f.RecordState, ComplianceStatus: f.Compliance?.Status };
  for (const [field, conditions] of Object.entries(filters as Record<string, unknown>)) {
    if (!Array.isArray(conditions) || !(field in fields)) continue;
    const values = conditions.flatMap((c: unknown) => (typeof c === 'object' && c !== null && (c as { Comparison?: unknown }).Comparison === 'EQUALS' ? [(c as { Value?: unknown }).Value] : []));
    if (values.length > 0 && !values.includes(fields[field])) return false;
  }
  return true;
}

export async function startFakeAws(opts: FakeAwsOptions): Promise<FakeAws> {
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, Fault>();
  // Counted per fault object, so replacing or clearing a fault starts its count again.
  const faultHits = new WeakMap<Fault, number>();
  const assumeRoles: AssumeRoleRequest[] = [];
  const sessions = new Map<string, FakeSession>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const respond = (): void => handle(req, res, text);
      if (opts.latencyMs) setTimeout(respond, opts.latencyMs);
      else respond();
    });
  });

  function identify(req: IncomingMessage, text: string): Call | undefined {
    const scope = credentialScope(req);
    if (!scope) return undefined;
    const account = opts.accounts[scope.accessKeyId] ?? sessions.get(scope.accessKeyId)?.account ?? '000000000000';
    const token = req.headers['x-amz-security-token'];
    const who = { account, region: scope.region, accessKeyId: scope.accessKeyId, securityToken: typeof token === 'string' ? token : undefined };
    const contentType = String(req.headers['content-type'] ?? '');
    const input = parseInput(text, contentType);
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (scope.service === 'securityhub') {
      // REST-JSON GET operations take their input in the query string and the path.
      if (req.method === 'GET' && path.startsWith('/standards/controls/')) {
        const query = Object.fromEntries(url.searchParams.entries());
        const max = query.MaxResults === undefined ? {} : { MaxResults: Number(query.MaxResults) };
        return { service: 'securityhub', operation: 'DescribeStandardsControls', input: { ...query, ...max, StandardsSubscriptionArn: decodeURIComponent(path.slice('/standards/controls/'.length)) }, ...who };
      }
      const operation = SECURITY_HUB_ROUTES[`${req.method} ${path}`];
      return operation ? { service: 'securityhub', operation, input, ...who } : undefined;
    }
    if (scope.service === 'config') {
      const target = String(req.headers['x-amz-target'] ?? '');
      return target.startsWith('StarlingDoveService.') ? { service: 'config', operation: target.slice('StarlingDoveService.'.length), input, ...who } : undefined;
    }
    if (scope.service === 'sts' && typeof input.Action === 'string') return { service: 'sts', operation: input.Action, input, ...who };
    return undefined;
  }

  function send(res: ServerResponse, call: Call, status: number, body: string, contentType: string, headers: Record<string, string>, text: string): void {
    requests.push({
      action: `${call.service}:${call.operation}`,
      account: call.account,
      region: call.region,
      status,
      accessKeyId: call.accessKeyId,
      securityToken: call.securityToken,
      body: text,
      response: body,
    });
    res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': `req-${requests.length}`, ...headers });
    res.end(body);
  }

  function fail(res: ServerResponse, call: Call, status: number, code: string, message: string, text: string): void {
    if (call.service === 'securityhub') {
      send(res, call, status, JSON.stringify({ Code: code, Message: message }), 'application/json', { 'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/com.amazonaws.securityhub/` }, text);
    } else if (call.service === 'config') {
      send(res, call, status === 429 ? 400 : status, JSON.stringify({ __type: code, message }), 'application/x-amz-json-1.1', {}, text);
    } else {
      const xml = `<ErrorResponse xmlns="${STS_NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>req-${requests.length + 1}</RequestId></ErrorResponse>`;
      send(res, call, status === 429 ? 400 : status, xml, 'text/xml', {}, text);
    }
  }

  function ok(res: ServerResponse, call: Call, body: Record<string, unknown>, text: string): void {
    send(res, call, 200, JSON.stringify(body), call.service === 'config' ? 'application/x-amz-json-1.1' : 'application/json', {}, text);
  }

  function handle(req: IncomingMessage, res: ServerResponse, text: string): void {
    const call = identify(req, text);
    if (!call) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"message":"unknown operation"}');
      return;
    }
    const action = `${call.service}:${call.operation}`;
    // Temporary credentials: the session token must come with them, before they expire.
    const session = opts.accounts[call.accessKeyId] === undefined ? sessions.get(call.accessKeyId) : undefined;
    if (session) {
      const json = call.service !== 'sts';
      if (call.securityToken !== session.sessionToken) {
        return fail(res, call, call.service === 'config' ? 400 : 403, json ? 'UnrecognizedClientException' : 'InvalidClientTokenId', 'The security token included in the request is invalid.', text);
      }
      if (session.expiration.getTime() <= Date.now()) {
        return fail(res, call, call.service === 'config' ? 400 : 403, json ? 'ExpiredTokenException' : 'ExpiredToken', 'The security token included in the request is expired', text);
      }
    }
    const faultKey = faults.has(`${action}@${call.region}`) ? `${action}@${call.region}` : action;
    const fault = faults.get(faultKey);
    if (fault) {
      const hits = (faultHits.get(fault) ?? 0) + 1;
      faultHits.set(fault, hits);
      if (fault.type === 'deny') {
        const who = session ? assumedRoleArn(session) : `arn:aws:sts::${call.account}:assumed-role/auditpack-audit/auditpack`;
        return fail(res, call, call.service === 'config' ? 400 : 403, 'AccessDeniedException', `User: ${who} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`, text);
      }
      const after = fault.type === 'throttle' ? (fault.after ?? 0) : 0;
      if (fault.type === 'throttle' && hits > after && hits <= after + fault.times) {
        return call.service === 'sts' ? fail(res, call, 400, 'Throttling', 'Rate exceeded', text) : fail(res, call, 429, 'ThrottlingException', 'Rate exceeded', text);
      }
      if (fault.type === 'error') return fail(res, call, fault.status, fault.code, `${fault.code} injected`, text);
    }

    if (call.service === 'sts') {
      if (call.operation === 'AssumeRole') return assumeRole(res, call, text);
      if (call.operation !== 'GetCallerIdentity') return fail(res, call, 400, 'InvalidAction', `Could not find operation ${call.operation}`, text);
      const arn = session ? assumedRoleArn(session) : `arn:aws:sts::${call.account}:assumed-role/auditpack-audit/auditpack`;
      const userId = session ? `${roleId(session.roleArn)}:${session.sessionName}` : 'AROAEXAMPLEROLEID1234:auditpack';
      const xml =
        `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult>` +
        `<Arn>${xmlEscape(arn)}</Arn><UserId>${xmlEscape(userId)}</UserId><Account>${call.account}</Account>` +
        '</GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>';
      return send(res, call, 200, xml, 'text/xml', {}, text);
    }

    const data = opts.data(call.account, call.region);
    if (call.service === 'securityhub') {
      if (data.hub === 'not-enabled' || data.hub === undefined) {
        return fail(res, call, 401, 'InvalidAccessException', `Account ${call.account} is not subscribed to AWS Security Hub`, text);
      }
      if (call.operation === 'DescribeHub') return ok(res, call, data.hub, text);
      if (call.operation === 'GetEnabledStandards') {
        const p = page(data.standards ?? [], call.input, opts.pageSize?.standards);
        return ok(res, call, { StandardsSubscriptions: p.items, ...(p.next ? { NextToken: p.next } : {}) }, text);
      }
      if (call.operation === 'DescribeStandardsControls') {
        const arn = String(call.input.StandardsSubscriptionArn);
        // A subscription of GetEnabledStandards without listed controls answers with none.
        const subscribed = (data.standards ?? []).some((x) => typeof x === 'object' && x !== null && (x as { StandardsSubscriptionArn?: unknown }).StandardsSubscriptionArn === arn);
        const controls = data.controls?.[arn] ?? (subscribed ? [] : undefined);
        if (!controls) return fail(res, call, 400, 'InvalidInputException', `The request was rejected because the standards subscription ${arn} does not exist`, text);
        const p = page(controls, call.input, opts.pageSize?.controls);
        return ok(res, call, { Controls: p.items, ...(p.next ? { NextToken: p.next } : {}) }, text);
      }
      const matching = (data.findings ?? []).filter((f) => matchesFilters(f, call.input.Filters));
      const p = page(matching, call.input, opts.pageSize?.findings);
      return ok(res, call, { Findings: p.items, ...(p.next ? { NextToken: p.next } : {}) }, text);
    }

    switch (call.operation) {
      case 'DescribeConfigurationRecorders':
        return ok(res, call, { ConfigurationRecorders: data.recorders ?? [] }, text);
      case 'DescribeConfigurationRecorderStatus':
        return ok(res, call, { ConfigurationRecordersStatus: data.recorderStatus ?? [] }, text);
      case 'DescribeComplianceByConfigRule': {
        const p = page(data.rules ?? [], call.input, opts.pageSize?.rules);
        return ok(res, call, { ComplianceByConfigRules: p.items, ...(p.next ? { NextToken: p.next } : {}) }, text);
      }
      case 'DescribeConfigRules': {
        const p = page(data.configRules ?? [], call.input, opts.pageSize?.rules);
        return ok(res, call, { ConfigRules: p.items, ...(p.next ? { NextToken: p.next } : {}) }, text);
      }
      case 'DescribeConformancePacks': {
        const p = page(data.packs ?? [], { ...call.input, MaxResults: call.input.Limit }, opts.pageSize?.packs);
        return ok(res, call, { ConformancePackDetails: p.items, ...(p.next ? { NextToken: p.next } : {}) }, text);
      }
      case 'DescribeConformancePackCompliance': {
        const pack = String(call.input.ConformancePackName);
        const list = data.packRules?.[pack];
        if (!list) return fail(res, call, 400, 'NoSuchConformancePackException', `Conformance pack ${pack} does not exist`, text);
        const p = page(list, { ...call.input, MaxResults: call.input.Limit }, opts.pageSize?.packs);
        return ok(res, call, { ConformancePackName: pack, ConformancePackRuleComplianceList: p.items, ...(p.next ? { NextToken: p.next } : {}) }, text);
      }
      default:
        return fail(res, call, 400, 'UnknownOperationException', `Unknown operation ${call.operation}`, text);
    }
  }

  // sts:AssumeRole as the trust table allows it: the caller must be a principal of the role's trust
  // policy (long-term keys only here, no role chaining) and give the ExternalId the policy requires.
  function assumeRole(res: ServerResponse, call: Call, text: string): void {
    const str = (k: string): string | undefined => (typeof call.input[k] === 'string' ? call.input[k] : undefined);
    const roleArn = str('RoleArn');
    const sessionName = str('RoleSessionName');
    const externalId = str('ExternalId');
    const durationText = str('DurationSeconds');
    const duration = durationText === undefined ? undefined : Number(durationText);
    const entry: AssumeRoleRequest = { caller: call.accessKeyId, region: call.region, roleArn, roleSessionName: sessionName, externalId, durationSeconds: duration, status: 0, issued: undefined };
    assumeRoles.push(entry);
    const reply = (status: number, code: string, message: string): void => {
      entry.status = status;
      fail(res, call, status, code, message, text);
    };
    if (!roleArn || !sessionName) return reply(400, 'ValidationError', `1 validation error detected: Value null at '${roleArn ? 'roleSessionName' : 'roleArn'}' failed to satisfy constraint: Member must not be null`);
    if (!SESSION_NAME.test(sessionName)) {
      return reply(400, 'ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
    }
    const role = opts.roles?.[roleArn];
    const caller = opts.accounts[call.accessKeyId];
    const user = `arn:aws:iam::${call.account}:user/${opts.users?.[call.accessKeyId] ?? 'auditor'}`;
    const callerArn = caller === undefined && sessions.get(call.accessKeyId) ? assumedRoleArn(sessions.get(call.accessKeyId) as FakeSession) : user;
    if (!role || caller === undefined || !role.trusted.includes(call.accessKeyId) || (role.externalId !== undefined && externalId !== role.externalId)) {
      // The same message whatever the reason (unknown role, untrusted caller, wrong or missing ExternalId), as AWS does.
      return reply(403, 'AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    }
    const max = role.maxSessionDuration ?? 3600;
    const asked = duration ?? 3600;
    if (!Number.isInteger(asked) || asked < 900) {
      return reply(400, 'ValidationError', `1 validation error detected: Value '${durationText ?? ''}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
    }
    if (asked > max) return reply(400, 'ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

    const n = sessions.size + 1;
    const accessKeyId = `ASIAFAKE${String(n).padStart(12, '0')}`;
    const session: FakeSession = {
      account: roleArn.split(':')[4] ?? '000000000000',
      roleArn,
      sessionName,
      secretAccessKey: `fake-temporary-secret-${n}-${Math.random().toString(36).slice(2)}`,
      sessionToken: `FwoGZXIvYXdzEFAKE//${n}/${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`,
      // Whole seconds, as STS answers.
      expiration: new Date(Math.floor(Date.now() / 1000) * 1000 + (opts.sessionSeconds ?? asked) * 1000),
    };
    sessions.set(accessKeyId, session);
    entry.status = 200;
    entry.issued = accessKeyId;
    const xml =
      `<AssumeRoleResponse xmlns="${STS_NS}"><AssumeRoleResult>` +
      `<AssumedRoleUser><AssumedRoleId>${xmlEscape(`${roleId(roleArn)}:${sessionName}`)}</AssumedRoleId><Arn>${xmlEscape(assumedRoleArn(session))}</Arn></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${xmlEscape(session.secretAccessKey)}</SecretAccessKey>` +
      `<SessionToken>${xmlEscape(session.sessionToken)}</SessionToken><Expiration>${session.expiration.toISOString().replace('.000Z', 'Z')}</Expiration></Credentials>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>req-${requests.length + 1}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
    send(res, call, 200, xml, 'text/xml', {}, text);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    assumeRoles,
    sessions,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// arn:aws:sts::<account>:assumed-role/<role name>/<session name> (the role name without its path).
function assumedRoleArn(s: FakeSession): string {
  const [, partition = 'aws', , , account = '', resource = ''] = s.roleArn.split(':');
  const name = resource.split('/').pop() ?? resource;
  return `arn:${partition}:sts::${account}:assumed-role/${name}/${s.sessionName}`;
}

// A stable role id (AROA…) derived from the ARN, as the unique id AWS gives each role.
function roleId(roleArn: string): string {
  let h = 0;
  for (const c of roleArn) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `AROA${h.toString(36).toUpperCase().padStart(17, 'X')}`;
}

// A port nothing listens on (bound, then released).
export async function closedEndpoint(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
