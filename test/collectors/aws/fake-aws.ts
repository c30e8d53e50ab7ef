import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local AWS endpoint speaking the three wire protocols the collector's SDK clients use:
//   Security Hub  REST-JSON  GET /accounts (DescribeHub), POST /standards/get, POST /findings;
//                             errors: status + x-amzn-errortype header + {"Message": …}
//   AWS Config    JSON 1.1   POST / with x-amz-target StarlingDoveService.<Operation>;
//                             errors: 400 + {"__type": "<Code>", "message": …}
//   STS           query/XML  POST / Action=GetCallerIdentity; errors: <ErrorResponse> XML
// Account and region come from the request's SigV4 credential scope (access key → account), so one
// server serves many accounts and regions. Every request is recorded with its IAM action.

export interface RegionData {
  // Security Hub hub; 'not-enabled' answers DescribeHub (and the other Security Hub calls) with InvalidAccessException.
  hub?: Record<string, unknown> | 'not-enabled';
  standards?: readonly unknown[];
  findings?: readonly unknown[];
  recorders?: readonly unknown[];
  recorderStatus?: readonly unknown[];
  rules?: readonly unknown[];
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
  // Request body as sent by the SDK, and the response body as sent back.
  body: string;
  response: string;
}

export interface FakeAwsOptions {
  // Access key id → account id.
  accounts: Readonly<Record<string, string>>;
  data: (account: string, region: string) => RegionData;
  pageSize?: { standards?: number; findings?: number; rules?: number };
  latencyMs?: number;
}

export interface FakeAws {
  endpoint: string;
  requests: RecordedRequest[];
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
    const account = opts.accounts[scope.accessKeyId] ?? '000000000000';
    const contentType = String(req.headers['content-type'] ?? '');
    const input = parseInput(text, contentType);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (scope.service === 'securityhub') {
      const operation = SECURITY_HUB_ROUTES[`${req.method} ${path}`];
      return operation ? { service: 'securityhub', operation, account, region: scope.region, input } : undefined;
    }
    if (scope.service === 'config') {
      const target = String(req.headers['x-amz-target'] ?? '');
      return target.startsWith('StarlingDoveService.') ? { service: 'config', operation: target.slice('StarlingDoveService.'.length), account, region: scope.region, input } : undefined;
    }
    if (scope.service === 'sts' && typeof input.Action === 'string') return { service: 'sts', operation: input.Action, account, region: scope.region, input };
    return undefined;
  }

  function send(res: ServerResponse, call: Call, status: number, body: string, contentType: string, headers: Record<string, string>, text: string): void {
    requests.push({ action: `${call.service}:${call.operation}`, account: call.account, region: call.region, status, body: text, response: body });
    res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': `req-${requests.length}`, ...headers });
    res.end(body);
  }

  function fail(res: ServerResponse, call: Call, status: number, code: string, message: string, text: string): void {
    if (call.service === 'securityhub') {
      send(res, call, status, JSON.stringify({ Code: code, Message: message }), 'application/json', { 'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/com.amazonaws.securityhub/` }, text);
    } else if (call.service === 'config') {
      send(res, call, status === 429 ? 400 : status, JSON.stringify({ __type: code, message }), 'application/x-amz-json-1.1', {}, text);
    } else {
      const xml = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req</RequestId></ErrorResponse>`;
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
    const faultKey = faults.has(`${action}@${call.region}`) ? `${action}@${call.region}` : action;
    const fault = faults.get(faultKey);
    if (fault) {
      const hits = (faultHits.get(fault) ?? 0) + 1;
      faultHits.set(fault, hits);
      if (fault.type === 'deny') {
        const who = `arn:aws:sts::${call.account}:assumed-role/auditpack-audit/auditpack`;
        return fail(res, call, call.service === 'config' ? 400 : 403, 'AccessDeniedException', `User: ${who} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`, text);
      }
      const after = fault.type === 'throttle' ? (fault.after ?? 0) : 0;
      if (fault.type === 'throttle' && hits > after && hits <= after + fault.times) {
        return call.service === 'sts' ? fail(res, call, 400, 'Throttling', 'Rate exceeded', text) : fail(res, call, 429, 'ThrottlingException', 'Rate exceeded', text);
      }
      if (fault.type === 'error') return fail(res, call, fault.status, fault.code, `${fault.code} injected`, text);
    }

    if (call.service === 'sts') {
      if (call.operation !== 'GetCallerIdentity') return fail(res, call, 400, 'InvalidAction', `Could not find operation ${call.operation}`, text);
      const xml =
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
        `<Arn>arn:aws:sts::${call.account}:assumed-role/auditpack-audit/auditpack</Arn><UserId>AROAEXAMPLEROLEID1234:auditpack</UserId><Account>${call.account}</Account>` +
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
      default:
        return fail(res, call, 400, 'UnknownOperationException', `Unknown operation ${call.operation}`, text);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// A port nothing listens on (bound, then released).
export async function closedEndpoint(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
