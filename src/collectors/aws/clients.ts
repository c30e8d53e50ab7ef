import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient, type AssumeRoleCommandOutput } from '@aws-sdk/client-sts';
import { CollectorError, errorMessage, type CollectorErrorCode } from '../../shared/errors.ts';

// The SDK clients one region is read with. Collectors receive them (never module singletons), so
// tests point them at a local server and production builds them from the environment.
export interface AwsClients {
  securityHub: SecurityHubClient;
  config: ConfigServiceClient;
  sts: STSClient;
}

export type AwsClientFactory = (region: string) => AwsClients;

export interface AwsEnvironmentOptions {
  // Named profile from ~/.aws/config and ~/.aws/credentials (the client `profile` setting: the
  // default provider chain resolved for that profile, which includes the INI, SSO and process providers).
  profile?: string;
  // Role to assume with STS AssumeRole (cross-account audit role); the source credentials are the
  // profile's or the default chain's.
  roleArn?: string;
  externalId?: string;
  // Shown in the target account's CloudTrail as the session (default auditpack-<role's account>).
  roleSessionName?: string;
  // Endpoint override for every client, STS AssumeRole included (VPC or FIPS endpoints; test servers).
  endpoint?: string;
  // Attempts per call including the first (throttling and transient errors are retried by the SDK).
  maxAttempts?: number;
}

interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

const REFRESH_MARGIN_MS = 5 * 60_000;
// The default MaxSessionDuration of a role: longer would be refused unless the role was changed.
const SESSION_SECONDS = 3600;

// A failed sts:AssumeRole, thrown to the call that needed the role's credentials. It keeps the STS
// answer's error name and $metadata, so the SDK's retry rules and the collector's gap classification
// see that answer (AccessDenied 403: an access-denied gap), and its message names the action and role.
export class AssumeRoleError extends CollectorError {
  readonly roleArn: string;
  readonly $metadata: { httpStatusCode?: number; attempts?: number; requestId?: string };

  constructor(roleArn: string, sessionName: string, cause: unknown) {
    const e = isRecord(cause) ? cause : {};
    const meta = isRecord(e.$metadata) ? e.$metadata : {};
    const status = typeof meta.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
    const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
    const code: CollectorErrorCode =
      name === 'CredentialsProviderError' ? 'CREDENTIALS'
      : status === undefined ? 'TRANSPORT'
      : status === 403 ? 'FORBIDDEN'
      : status === 429 || /Throttl/.test(name ?? '') ? 'THROTTLED'
      : status >= 500 ? 'SERVER_ERROR'
      : status === 200 ? 'INVALID_RESPONSE'
      : 'CREDENTIALS';
    const what = status === 403 ? 'was denied' : 'failed';
    super(code, `sts:AssumeRole of ${roleArn} (session ${sessionName}) ${what}: ${errorMessage(cause)}`, { status: status ?? 0, call: `sts:AssumeRole ${roleArn}`, retryable: code === 'THROTTLED' || code === 'SERVER_ERROR' || code === 'TRANSPORT' }, { cause });
    if (name) this.name = name;
    this.roleArn = roleArn;
    this.$metadata = {
      ...(status !== undefined ? { httpStatusCode: status } : {}),
      ...(typeof meta.attempts === 'number' ? { attempts: meta.attempts } : {}),
      ...(typeof meta.requestId === 'string' ? { requestId: meta.requestId } : {}),
    };
  }
}

// Builds real clients per region from the default credential chain. Clients are cached per region;
// assumed-role credentials are shared by every client and region of the factory (one AssumeRole, not
// one per request or region) and refreshed five minutes before they expire.
export function awsClientsFromEnvironment(opts: AwsEnvironmentOptions = {}): AwsClientFactory {
  const common = {
    maxAttempts: opts.maxAttempts ?? 5,
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    // A region whose endpoint does not answer fails in seconds, not at the OS connect timeout.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  };
  const assumed = opts.roleArn ? assumeRoleCredentials(opts.roleArn, opts, common) : undefined;
  const cache = new Map<string, AwsClients>();
  return (region) => {
    let clients = cache.get(region);
    if (!clients) {
      const config = { ...common, region, ...(assumed ? { credentials: () => assumed(region) } : {}) };
      clients = { securityHub: new SecurityHubClient(config), config: new ConfigServiceClient(config), sts: new STSClient(config) };
      cache.set(region, clients);
    }
    return clients;
  };
}

// One AssumeRole call serves every client until the credentials near expiry; concurrent callers
// share the pending call, and a failed call is retried by the next caller. The call is made with the
// source credentials (profile or default chain) through the same endpoint override, in the region
// asked for first (its regional STS endpoint, in the same partition as the account's regions).
function assumeRoleCredentials(
  roleArn: string,
  opts: AwsEnvironmentOptions,
  common: { maxAttempts: number; profile?: string; endpoint?: string },
): (region: string) => Promise<TemporaryCredentials> {
  let sourceSts: STSClient | undefined;
  let cached: { promise: Promise<TemporaryCredentials>; value?: TemporaryCredentials } | undefined;
  const sessionName = opts.roleSessionName ?? defaultSessionName(roleArn);
  const assume = async (region: string): Promise<TemporaryCredentials> => {
    sourceSts ??= new STSClient({ ...common, region });
    let out: AssumeRoleCommandOutput;
    try {
      out = await sourceSts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          DurationSeconds: SESSION_SECONDS,
          ...(opts.externalId ? { ExternalId: opts.externalId } : {}),
        }),
      );
    } catch (err) {
      throw new AssumeRoleError(roleArn, sessionName, err);
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new AssumeRoleError(roleArn, sessionName, Object.assign(new Error('the response has no Credentials'), { name: 'InvalidResponse', $metadata: out.$metadata }));
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  };
  return (region) => {
    if (cached && (cached.value === undefined || cached.value.expiration.getTime() - Date.now() > REFRESH_MARGIN_MS)) return cached.promise;
    const entry: { promise: Promise<TemporaryCredentials>; value?: TemporaryCredentials } = {
      promise: assume(region).then((v) => {
        entry.value = v;
        return v;
      }),
    };
    entry.promise.catch(() => {
      if (cached === entry) cached = undefined;
    });
    cached = entry;
    return entry.promise;
  };
}

// auditpack-<account of the role>: the session the target account's CloudTrail shows for every call.
function defaultSessionName(roleArn: string): string {
  const account = /^arn:[\w-]+:iam::(\d{12}):/.exec(roleArn)?.[1];
  return account ? `auditpack-${account}` : 'auditpack';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
