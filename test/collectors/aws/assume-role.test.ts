import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../../src/cli/main.ts';
import { AuditpackConfig } from '../../../src/config/schema.ts';
import { EvidenceStore } from '../../../src/evidence/store.ts';
import type { EvidenceGap } from '../../../src/inventory/types.ts';
import { cloudTargetsFromConfig, collectCloudTarget } from '../../../src/pipeline/cloud.ts';
import { ACCOUNT, FSBP, OTHER_ACCOUNT, PCI_V4, findingBody, hubBody, recorderStatusBody, recordersBody, rulesBody, standardsBody } from './aws-objects.ts';
import { EU, US, US2, estate } from './environment.ts';
import { startFakeAws, type FakeAws, type RegionData } from './fake-aws.ts';

// Cross-account audit roles (aws.accounts[].roleArn + externalId): ONE set of base credentials in a
// security account assumes a role in each audited account through the fake STS (query protocol,
// trust table, AccessDenied like AWS), and every later call is made with that role's temporary
// credentials. Nothing is injected: the product's own credential chain, config and collector.

const SECURITY_ACCOUNT = '444455556666';
const THIRD_ACCOUNT = '777788889999';
const BASE_KEY = 'AKIDAUDITPACKSECOPS1';
const BASE_SECRET = 'base-secret-never-in-evidence';
const OUTSIDER_KEY = 'AKIDSOMEBODYELSE0001';
const EXTERNAL_ID = 'ext-payments-7f3a';
const ROLE_A = `arn:aws:iam::${ACCOUNT}:role/auditpack-audit`;
// A role with a path: the assumed-role ARN names the role without it.
const ROLE_B = `arn:aws:iam::${OTHER_ACCOUNT}:role/security/auditpack-audit`;
const ROLE_C = `arn:aws:iam::${THIRD_ACCOUNT}:role/auditpack-audit`;

function list(body: Record<string, unknown>, key: string): unknown[] {
  const v = body[key];
  return Array.isArray(v) ? v : [];
}

// ACCOUNT: the shared estate (failures to find); OTHER_ACCOUNT and THIRD_ACCOUNT: everything in order.
function data(account: string, region: string): RegionData {
  if (account === ACCOUNT) return estate(account, region);
  if (account !== OTHER_ACCOUNT && account !== THIRD_ACCOUNT) return {};
  return {
    hub: hubBody(account, region),
    standards: list(standardsBody([{ standard: PCI_V4 }, { standard: FSBP }], account, region), 'StandardsSubscriptions'),
    findings: [findingBody({ control: 'S3.5', n: 1, status: 'PASSED', account, region })],
    recorders: list(recordersBody([{ includeGlobal: region === US }], account), 'ConfigurationRecorders'),
    recorderStatus: list(recorderStatusBody([{}]), 'ConfigurationRecordersStatus'),
    rules: list(rulesBody([{ name: 'securityhub-s3-bucket-ssl-requests-only-3f9a1c' }]), 'ComplianceByConfigRules'),
  };
}

const roles = {
  [ROLE_A]: { trusted: [BASE_KEY], externalId: EXTERNAL_ID },
  [ROLE_B]: { trusted: [BASE_KEY] },
  // Trusts someone else only: the security account's keys are refused.
  [ROLE_C]: { trusted: [OUTSIDER_KEY] },
};

const CLOUD_ENV = /^(AWS_|AMAZON_)/;
let savedEnv: NodeJS.ProcessEnv = {};

// The default credential chain reads process.env: only what a test sets, never the machine's ~/.aws.
function setAwsEnv(dir: string, vars: Record<string, string>): void {
  savedEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => CLOUD_ENV.test(k)));
  for (const k of Object.keys(savedEnv)) delete process.env[k];
  Object.assign(process.env, {
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
    AWS_CONFIG_FILE: path.join(dir, 'no-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...vars,
  });
}

function restoreEnv(): void {
  for (const k of Object.keys(process.env)) if (CLOUD_ENV.test(k)) delete process.env[k];
  Object.assign(process.env, savedEnv);
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('role assumption per account: cloudTargetsFromConfig + the AWS collector', () => {
  let aws: FakeAws;
  let tmp = '';

  beforeAll(async () => {
    aws = await startFakeAws({ accounts: { [BASE_KEY]: SECURITY_ACCOUNT, [OUTSIDER_KEY]: '999999999999' }, roles, data, users: { [BASE_KEY]: 'auditpack-ci' } });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-assume-role-'));
    setAwsEnv(tmp, { AWS_ACCESS_KEY_ID: BASE_KEY, AWS_SECRET_ACCESS_KEY: BASE_SECRET });
  });
  afterAll(async () => {
    restoreEnv();
    await aws.close();
    await rm(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    aws.requests.length = 0;
    aws.assumeRoles.length = 0;
    aws.faults.clear();
  });

  // Collects every AWS target the config names into one evidence folder.
  async function collect(accounts: Record<string, unknown>[], regions = [EU, US2]): Promise<{ gaps: EvidenceGap[]; dir: string; store: EvidenceStore }> {
    const config = AuditpackConfig.parse({ aws: { endpoint: aws.endpoint, regions, accounts } });
    const dir = await mkdtemp(path.join(tmp, 'ev-'));
    const store = new EvidenceStore(dir, () => new Date('2026-11-22T12:00:00Z'));
    await store.open();
    const gaps: EvidenceGap[] = [];
    for (const t of cloudTargetsFromConfig(config)) gaps.push(...(await collectCloudTarget(t, store)).gaps);
    await store.close();
    return { gaps, dir, store };
  }

  it('reaches two accounts from one set of base credentials, one AssumeRole per account, evidence filed under the right account', async () => {
    const { gaps, dir, store } = await collect([
      { id: ACCOUNT, name: 'aws-payments', roleArn: ROLE_A, externalId: EXTERNAL_ID },
      { id: OTHER_ACCOUNT, name: 'aws-sandbox', roleArn: ROLE_B, regions: [EU, US] },
    ]);
    expect(gaps).toEqual([]);

    // Exactly one AssumeRole per account, with the base keys, a session named after the account and
    // the ExternalId only where configured, although each account made many calls in two regions.
    const assumed = aws.assumeRoles.map((a) => ({ caller: a.caller, role: a.roleArn, session: a.roleSessionName, externalId: a.externalId, duration: a.durationSeconds, status: a.status }));
    expect(assumed).toEqual([
      { caller: BASE_KEY, role: ROLE_A, session: `auditpack-${ACCOUNT}`, externalId: EXTERNAL_ID, duration: 3600, status: 200 },
      { caller: BASE_KEY, role: ROLE_B, session: `auditpack-${OTHER_ACCOUNT}`, externalId: undefined, duration: 3600, status: 200 },
    ]);
    // The STS call went to the endpoint override, in the account's first region.
    expect(aws.requests.filter((r) => r.action === 'sts:AssumeRole').map((r) => r.region)).toEqual([EU, EU]);

    // Every other call used the role's temporary key with its session token, in that role's account.
    const keyA = aws.assumeRoles[0]?.issued ?? '';
    const keyB = aws.assumeRoles[1]?.issued ?? '';
    const others = aws.requests.filter((r) => r.action !== 'sts:AssumeRole');
    expect(others.length).toBeGreaterThan(20);
    for (const r of others) {
      expect([keyA, keyB], r.action).toContain(r.accessKeyId);
      const session = aws.sessions.get(r.accessKeyId);
      expect(r.securityToken, r.action).toBe(session?.sessionToken);
      expect(r.account).toBe(r.accessKeyId === keyA ? ACCOUNT : OTHER_ACCOUNT);
    }
    expect(new Set(others.filter((r) => r.accessKeyId === keyA).map((r) => r.region))).toEqual(new Set([EU, US2]));
    expect(new Set(others.filter((r) => r.accessKeyId === keyB).map((r) => r.region))).toEqual(new Set([EU, US]));
    expect(aws.requests.some((r) => r.accessKeyId === BASE_KEY && r.action !== 'sts:AssumeRole')).toBe(false);

    // The collector checked the role's account against the configured id; the caller identity on
    // record is the assumed role's session.
    const identities = store.records.filter((r) => r.kind === 'AwsCallerIdentity');
    expect(identities.map((r) => r.target).sort()).toEqual(['aws-payments', 'aws-sandbox']);
    for (const r of identities) {
      const body = JSON.parse(await readFile(path.join(dir, r.path), 'utf8')) as { Account: string; Arn: string };
      const [account, role] = r.target === 'aws-payments' ? [ACCOUNT, 'auditpack-audit'] : [OTHER_ACCOUNT, 'auditpack-audit'];
      expect(body).toMatchObject({ Account: account, Arn: `arn:aws:sts::${account}:assumed-role/${role}/auditpack-${account}` });
    }
    expect(store.records.filter((r) => r.target === 'aws-payments').every((r) => r.name?.startsWith(`aws/${ACCOUNT}/`))).toBe(true);
    expect(store.records.filter((r) => r.target === 'aws-sandbox').every((r) => r.name?.startsWith(`aws/${OTHER_ACCOUNT}/`))).toBe(true);

    // Neither the base secret nor any temporary secret or session token reaches the evidence.
    const secrets = [BASE_SECRET, ...[...aws.sessions.values()].flatMap((s) => [s.secretAccessKey, s.sessionToken])];
    for (const file of await allFiles(dir)) {
      const text = await readFile(file, 'utf8');
      for (const secret of secrets) expect(text.includes(secret), `${file} holds a secret`).toBe(false);
    }
  });

  it('a denied AssumeRole is one access-denied gap for that account, naming sts:AssumeRole and the role; the other account is collected', async () => {
    const { gaps, store } = await collect([
      { id: THIRD_ACCOUNT, name: 'aws-denied', roleArn: ROLE_C },
      { id: OTHER_ACCOUNT, name: 'aws-sandbox', roleArn: ROLE_B },
    ]);
    expect(gaps).toHaveLength(1);
    const gap = gaps[0];
    expect(gap).toMatchObject({ id: 'gap-aws-sts-assume-role', target: 'aws-denied', reason: 'access-denied' });
    expect(gap?.message).toMatch(/^sts:AssumeRole of arn:aws:iam::\d+:role\/\S+ failed \(AccessDenied 403: /);
    expect(gap?.message).toContain(`sts:AssumeRole of ${ROLE_C} (session auditpack-${THIRD_ACCOUNT}) was denied`);
    expect(gap?.message).toContain(`AccessDenied`);
    expect(gap?.message).toContain(`User: arn:aws:iam::${SECURITY_ACCOUNT}:user/auditpack-ci is not authorized to perform: sts:AssumeRole on resource: ${ROLE_C}`);
    // Refused once (no retry of a denial), nothing else sent for that account, no evidence beyond the failed identity.
    expect(aws.assumeRoles.filter((a) => a.roleArn === ROLE_C).map((a) => a.status)).toEqual([403]);
    expect(aws.requests.filter((r) => r.account === THIRD_ACCOUNT)).toEqual([]);
    expect(store.records.filter((r) => r.target === 'aws-denied').map((r) => r.kind)).toEqual(['AwsCallerIdentity']);
    // The other account: collected in full.
    expect(store.records.filter((r) => r.target === 'aws-sandbox').length).toBeGreaterThan(6);
  });

  it('a missing or wrong ExternalId is denied like an untrusted caller', async () => {
    const { gaps } = await collect(
      [
        { id: ACCOUNT, name: 'aws-no-external-id', roleArn: ROLE_A },
        { id: ACCOUNT, name: 'aws-wrong-external-id', roleArn: ROLE_A, externalId: 'ext-guess' },
      ],
      [EU],
    );
    expect(gaps.map((g) => [g.target, g.reason])).toEqual([
      ['aws-no-external-id', 'access-denied'],
      ['aws-wrong-external-id', 'access-denied'],
    ]);
    for (const g of gaps) expect(g.message).toContain(`is not authorized to perform: sts:AssumeRole on resource: ${ROLE_A}`);
    expect(aws.assumeRoles.map((a) => [a.externalId, a.status])).toEqual([
      [undefined, 403],
      ['ext-guess', 403],
    ]);
  });

  it('a throttled AssumeRole is retried by the SDK and still serves the whole account', async () => {
    aws.faults.set('sts:AssumeRole', { type: 'throttle', times: 2 });
    const { gaps } = await collect([{ id: OTHER_ACCOUNT, roleArn: ROLE_B }]);
    expect(gaps).toEqual([]);
    expect(aws.requests.filter((r) => r.action === 'sts:AssumeRole').map((r) => r.status)).toEqual([400, 400, 200]);
    expect(aws.assumeRoles.filter((a) => a.status === 200)).toHaveLength(1);
  });

  it('configuration mistakes are refused before anything is sent', () => {
    const parse = (accounts: Record<string, unknown>[]): AuditpackConfig => AuditpackConfig.parse({ aws: { endpoint: aws.endpoint, accounts } });
    expect(() => cloudTargetsFromConfig(parse([{ id: OTHER_ACCOUNT }, { id: OTHER_ACCOUNT, roleArn: ROLE_A }]))).toThrow(
      `aws.accounts[1].roleArn ${ROLE_A} is a role of account ${ACCOUNT}, not ${OTHER_ACCOUNT}`,
    );
    expect(() => cloudTargetsFromConfig(parse([{ id: ACCOUNT, externalId: EXTERNAL_ID }]))).toThrow('aws.accounts[0].externalId is only sent with sts:AssumeRole: set roleArn');
    expect(aws.requests).toEqual([]);
  });
});

describe('role credentials near expiry are refreshed, not reused', () => {
  let aws: FakeAws;
  let tmp = '';
  beforeAll(async () => {
    // Credentials that live 4 minutes: always inside the 5-minute refresh margin.
    aws = await startFakeAws({ accounts: { [BASE_KEY]: SECURITY_ACCOUNT }, roles, data, sessionSeconds: 240 });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-assume-role-refresh-'));
    setAwsEnv(tmp, { AWS_ACCESS_KEY_ID: BASE_KEY, AWS_SECRET_ACCESS_KEY: BASE_SECRET });
  });
  afterAll(async () => {
    restoreEnv();
    await aws.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('asks STS again instead of sending credentials about to expire', async () => {
    const config = AuditpackConfig.parse({ aws: { endpoint: aws.endpoint, regions: [EU], accounts: [{ id: OTHER_ACCOUNT, roleArn: ROLE_B }] } });
    const store = new EvidenceStore(await mkdtemp(path.join(tmp, 'ev-')), () => new Date('2026-11-22T12:00:00Z'));
    await store.open();
    const [target] = cloudTargetsFromConfig(config);
    if (!target) throw new Error('no target');
    const { gaps } = await collectCloudTarget(target, store);
    await store.close();
    expect(gaps).toEqual([]);
    expect(aws.assumeRoles.filter((a) => a.status === 200).length).toBeGreaterThan(1);
    expect(aws.requests.filter((r) => r.status >= 400)).toEqual([]);
  });
});

describe('the fake STS holds temporary credentials to their session token and lifetime', () => {
  let aws: FakeAws;
  beforeAll(async () => {
    aws = await startFakeAws({ accounts: { [BASE_KEY]: SECURITY_ACCOUNT }, roles, data });
  });
  afterAll(async () => {
    await aws.close();
  });

  it('refuses a temporary key without its session token, and an expired one', async () => {
    const base = new STSClient({ endpoint: aws.endpoint, region: EU, credentials: { accessKeyId: BASE_KEY, secretAccessKey: BASE_SECRET } });
    const out = await base.send(new AssumeRoleCommand({ RoleArn: ROLE_B, RoleSessionName: 'probe', DurationSeconds: 900 }));
    const c = out.Credentials;
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/auditpack-audit/probe`);
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('no credentials');
    const as = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): STSClient => new STSClient({ endpoint: aws.endpoint, region: EU, credentials, maxAttempts: 1 });

    const who = await as({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }).send(new GetCallerIdentityCommand({}));
    expect(who).toMatchObject({ Account: OTHER_ACCOUNT, Arn: `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/auditpack-audit/probe` });
    expect(who.UserId).toMatch(/^AROA[A-Z0-9]+:probe$/);

    const noToken = await as({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey }).send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);
    expect(noToken).toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });

    const session = aws.sessions.get(c.AccessKeyId);
    if (!session) throw new Error('no session');
    session.expiration = new Date(Date.now() - 1000);
    const expired = await as({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }).send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);
    expect(expired).toMatchObject({ name: 'ExpiredToken', $metadata: { httpStatusCode: 403 } });

    // Longer than the role's MaxSessionDuration (3600 s): a ValidationError, as AWS answers.
    const tooLong = await base.send(new AssumeRoleCommand({ RoleArn: ROLE_B, RoleSessionName: 'probe', DurationSeconds: 7200 })).catch((e: unknown) => e);
    expect(tooLong).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
  });
});

describe('auditpack run --config: audit roles in two accounts from --aws-profile, one role refused', () => {
  let aws: FakeAws;
  let tmp = '';
  let code = -1;
  let lines: string[] = [];
  let findings: {
    run: { targets: { name: string; source: string }[] };
    results: { check: string; status: string; target: string }[];
    gaps: { id: string; target: string; reason: string; message: string }[];
  };

  beforeAll(async () => {
    aws = await startFakeAws({ accounts: { [BASE_KEY]: SECURITY_ACCOUNT, [OUTSIDER_KEY]: '999999999999' }, roles, data, users: { [BASE_KEY]: 'auditpack-ci' } });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-assume-role-cli-'));
    setAwsEnv(tmp, {});
    // The base keys live only in a named profile (given as --aws-profile), never in the environment.
    const credentials = path.join(tmp, 'aws-credentials');
    await writeFile(credentials, `[secops]\naws_access_key_id = ${BASE_KEY}\naws_secret_access_key = ${BASE_SECRET}\n`);
    const awsConfig = path.join(tmp, 'aws-config');
    await writeFile(awsConfig, '[profile secops]\nregion = eu-west-1\n');
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
    process.env.AWS_CONFIG_FILE = awsConfig;

    const configFile = path.join(tmp, 'auditpack.yaml');
    await writeFile(
      configFile,
      stringify({
        aws: {
          endpoint: aws.endpoint,
          regions: [EU, US2],
          accounts: [
            { id: ACCOUNT, name: 'aws-payments', roleArn: ROLE_A, externalId: EXTERNAL_ID },
            { id: THIRD_ACCOUNT, name: 'aws-denied', roleArn: ROLE_C },
            { id: OTHER_ACCOUNT, name: 'aws-sandbox', roleArn: ROLE_B, regions: [EU] },
          ],
        },
      }),
    );
    lines = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const out = path.join(tmp, 'bundle');
    code = await main(['node', 'auditpack', 'run', '--config', configFile, '--aws-profile', 'secops', '--out', out, '--no-pdf'], io);
    findings = JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')) as typeof findings;
  }, 120_000);
  afterAll(async () => {
    restoreEnv();
    await aws?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('assumes each role once with the profile’s keys and judges both reachable accounts', () => {
    expect(findings.run.targets.map((t) => t.name).sort(), lines.join('\n')).toEqual(['aws-denied', 'aws-payments', 'aws-sandbox']);
    expect(aws.assumeRoles.map((a) => [a.roleArn, a.caller, a.status]).sort()).toEqual(
      [
        [ROLE_A, BASE_KEY, 200],
        [ROLE_B, BASE_KEY, 200],
        [ROLE_C, BASE_KEY, 403],
      ].sort(),
    );
    // The estate of aws-payments has failures; aws-sandbox is in order: judged, not errors.
    const judged = (t: string): string[] => findings.results.filter((r) => r.target === t && r.status !== 'not_applicable').map((r) => r.status);
    expect(judged('aws-payments')).toContain('fail');
    expect(judged('aws-payments')).toContain('pass');
    expect(judged('aws-sandbox').length).toBeGreaterThan(0);
    expect(judged('aws-sandbox').every((s) => s === 'pass'), JSON.stringify(findings.results.filter((r) => r.target === 'aws-sandbox'))).toBe(true);
    expect(findings.gaps.filter((g) => g.target !== 'aws-denied')).toEqual([]);
    expect(code).toBe(1);
  });

  it('the refused account is a gap naming sts:AssumeRole and the role, and none of its checks pass', () => {
    const gaps = findings.gaps.filter((g) => g.target === 'aws-denied');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]?.reason).toBe('access-denied');
    expect(gaps[0]?.message).toContain(`sts:AssumeRole of ${ROLE_C}`);
    expect(gaps[0]?.message).toContain(`not authorized to perform: sts:AssumeRole on resource: ${ROLE_C}`);
    const results = findings.results.filter((r) => r.target === 'aws-denied');
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 'pass')).toEqual([]);
    expect(results.some((r) => r.status === 'error')).toBe(true);
  });
});
