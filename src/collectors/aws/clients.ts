import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

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

// Builds real clients per region from the default credential chain. Clients are cached per region;
// assumed-role credentials are shared by every client and refreshed five minutes before they expire.
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
// share the pending call, and a failed call is retried by the next caller.
function assumeRoleCredentials(
  roleArn: string,
  opts: AwsEnvironmentOptions,
  common: { maxAttempts: number; profile?: string; endpoint?: string },
): (region: string) => Promise<TemporaryCredentials> {
  let sourceSts: STSClient | undefined;
  let cached: { promise: Promise<TemporaryCredentials>; value?: TemporaryCredentials } | undefined;
  const assume = async (region: string): Promise<TemporaryCredentials> => {
    sourceSts ??= new STSClient({ ...common, region });
    const out = await sourceSts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: opts.roleSessionName ?? 'auditpack',
        DurationSeconds: 3600,
        ...(opts.externalId ? { ExternalId: opts.externalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new Error(`STS AssumeRole ${roleArn} returned no credentials`);
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
