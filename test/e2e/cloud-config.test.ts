import { execFile as execFileCb } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { cloudTargetsFromConfig } from '../../src/pipeline/cloud.ts';
import { ACCOUNT, OTHER_ACCOUNT } from '../collectors/aws/aws-objects.ts';
import { ACCESS_KEY, EU, US, US2, estate } from '../collectors/aws/environment.ts';
import { startFakeAws, type FakeAws } from '../collectors/aws/fake-aws.ts';
import { SUB } from '../collectors/azure/azure-objects.ts';
import { ARM_SCOPE, FakeAzure, SERVICE_PRINCIPAL } from '../collectors/azure/fake-azure.ts';
import { FakeGcp, writeServiceAccountKey } from '../collectors/gcp/fake-gcp.ts';
import { PROJECT } from '../collectors/gcp/gcp-objects.ts';
import { CONSTRAINTS, installWorld } from '../collectors/gcp/world.ts';

// The done-when of issue 4: one `auditpack run --config auditpack.yaml`, as a child process, over two
// AWS accounts in two regions each, one Azure subscription and one GCP project (all local test
// servers speaking the real wire protocols) plus one cluster snapshot, gives one signed report in
// which the controls count mesh and cloud results side by side.
//
// Every cloud is reached through the product's real credential chains, configured the way an
// operator would, nothing injected:
//   AWS    the default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for the first account, a named
//          profile of AWS_SHARED_CREDENTIALS_FILE for the second (accounts[].profile); aws.endpoint
//   Azure  DefaultAzureCredential → EnvironmentCredential (AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET)
//          against a local Entra ID (azure.authorityHost); azure.caFile trusts the test CA for both
//          Entra and ARM, so no NODE_EXTRA_CA_CERTS is needed
//   GCP    application default credentials from GOOGLE_APPLICATION_CREDENTIALS (a generated service
//          account key; the fake checks the self-signed JWT against its public key); gcp.endpoint

const execFile = promisify(execFileCb);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const BIN = path.join(ROOT, 'bin', 'auditpack.js');
const SNAPSHOT = path.join(ROOT, 'demo/environment/prod-eu');
const OTHER_ACCESS_KEY = 'AKIDAUDITPACKTEST02';

const MESH_PREFIXES = ['istio-', 'linkerd-', 'consul-', 'k8s-'];
const isMesh = (check: string): boolean => MESH_PREFIXES.some((p) => check.startsWith(p));
const cloudOf = (check: string): string | undefined => ['aws', 'azure', 'gcp'].find((c) => check.startsWith(`${c}-`));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  try {
    const { stdout, stderr } = await execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

// The parent's environment without any cloud credential or CA setting of the machine running the tests.
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|AZURE_|GOOGLE_|GCLOUD_|CLOUDSDK_|MSI_|IDENTITY_|NODE_EXTRA_CA_CERTS$|KUBECONFIG$)/.test(k)));
}

interface FindingsResult {
  check: string;
  status: string;
  target: string;
  controls: string[];
}
interface FindingsControl {
  framework: string;
  id: string;
  status: string;
  results: number;
  counts: Record<string, number>;
  checks: string[];
}
interface Findings {
  run: { targets: { name: string; source: string; location: string }[] };
  results: FindingsResult[];
  controls: FindingsControl[];
  gaps: { target: string; reason: string }[];
}

describe('auditpack run --config: two AWS accounts × two regions, an Azure subscription, a GCP project and a cluster snapshot', () => {
  let aws: FakeAws;
  const azure = new FakeAzure();
  const gcp = new FakeGcp();
  let tmp = '';
  let out = '';
  let run: Run;
  let findings: Findings;
  let html = '';
  let wallMs = 0;

  beforeAll(async () => {
    aws = await startFakeAws({ accounts: { [ACCESS_KEY]: ACCOUNT, [OTHER_ACCESS_KEY]: OTHER_ACCOUNT }, data: estate });
    await azure.start();
    await gcp.start();
    installWorld(gcp);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-e2e-cloud-config-'));
    out = path.join(tmp, 'bundle');

    const sa = writeServiceAccountKey(tmp, PROJECT, gcp.port);
    gcp.trustKey(sa.key);
    // The second account's keys live only in a named profile, never in the environment.
    const credentials = path.join(tmp, 'aws-credentials');
    await writeFile(credentials, `[sandbox]\naws_access_key_id = ${OTHER_ACCESS_KEY}\naws_secret_access_key = sandbox-test-secret\n`);
    const awsConfig = path.join(tmp, 'aws-config');
    await writeFile(awsConfig, '[profile sandbox]\nregion = eu-west-1\n');
    // Relative in the config: resolved against the config file's folder.
    await copyFile(azure.caFile, path.join(tmp, 'azure-ca.pem'));

    const config = {
      targets: { snapshots: [{ dir: SNAPSHOT }] },
      aws: {
        endpoint: aws.endpoint,
        regions: [EU, US2],
        concurrency: 2,
        accounts: [
          { id: ACCOUNT, name: 'aws-payments' },
          { id: OTHER_ACCOUNT, name: 'aws-sandbox', profile: 'sandbox', regions: [EU, US] },
        ],
      },
      azure: { endpoint: azure.base, authorityHost: azure.base, caFile: 'azure-ca.pem', subscriptions: [{ id: SUB, name: 'azure-prod' }] },
      gcp: { endpoint: `http://127.0.0.1:${gcp.port}`, projects: [{ id: PROJECT, name: 'gcp-payments' }], constraints: [...CONSTRAINTS] },
    };
    const configFile = path.join(tmp, 'auditpack.yaml');
    await writeFile(configFile, stringify(config));

    const env: NodeJS.ProcessEnv = {
      ...cleanEnv(),
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: 'payments-test-secret',
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: awsConfig,
      AWS_EC2_METADATA_DISABLED: 'true',
      AZURE_TENANT_ID: SERVICE_PRINCIPAL.tenantId,
      AZURE_CLIENT_ID: SERVICE_PRINCIPAL.clientId,
      AZURE_CLIENT_SECRET: SERVICE_PRINCIPAL.clientSecret,
      GOOGLE_APPLICATION_CREDENTIALS: sa.file,
    };
    const t0 = Date.now();
    run = await cli(['run', '--config', configFile, '--out', out, '--no-pdf'], env);
    wallMs = Date.now() - t0;
    const calls = { aws: aws.requests.length, azureArm: azure.seen.length, entra: azure.tokenRequests.length + azure.openIdRequests.length, gcp: gcp.requests.length };
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    console.log(`auditpack run --config (5 targets): ${wallMs} ms wall, ${total} API calls ${JSON.stringify(calls)}`);
    findings = JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')) as Findings;
    html = await readFile(path.join(out, 'report.html'), 'utf8');
  }, 180_000);

  afterAll(async () => {
    await gcp.stop();
    await azure.stop();
    await aws?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('exits 1 (the estate has failures) and names all five targets', () => {
    expect(run.code, run.stderr).toBe(1);
    const targets = Object.fromEntries(findings.run.targets.map((t) => [t.name, t.source]));
    expect(targets).toEqual({ 'prod-eu': 'snapshot', 'aws-payments': 'aws', 'aws-sandbox': 'aws', 'azure-prod': 'azure', 'gcp-payments': 'gcp' });
    const applicable = findings.results.filter((r) => r.status !== 'not_applicable');
    for (const t of Object.keys(targets)) expect(applicable.filter((r) => r.target === t).length, t).toBeGreaterThan(0);
  });

  it('reached every cloud through its real credential chain', () => {
    // AWS: the environment keys for the first account, the profile's for the second, each in its own regions.
    const awsCalls = new Set(aws.requests.map((r) => `${r.account}@${r.region}`));
    expect([...awsCalls].sort()).toEqual([`${ACCOUNT}@${EU}`, `${ACCOUNT}@${US2}`, `${OTHER_ACCOUNT}@${EU}`, `${OTHER_ACCOUNT}@${US}`].sort());
    // Azure: one client-credentials token from the local Entra ID, for ARM, and every ARM call carried it.
    expect(azure.openIdRequests.length).toBeGreaterThan(0);
    const issued = azure.tokenRequests.map((t) => t.issued);
    expect(issued.length).toBeGreaterThan(0);
    expect(issued.every((t) => t !== undefined)).toBe(true);
    expect(azure.tokenRequests[0]?.form).toMatchObject({ grant_type: 'client_credentials', client_id: SERVICE_PRINCIPAL.clientId, scope: ARM_SCOPE });
    expect(azure.seen.length).toBeGreaterThan(0);
    expect(azure.seen.every((s) => issued.some((t) => s.auth === `Bearer ${t}`))).toBe(true);
    // GCP: every request carried a JWT signed by the key of GOOGLE_APPLICATION_CREDENTIALS.
    expect(gcp.requests.length).toBeGreaterThan(0);
    expect(gcp.jwts).toHaveLength(gcp.requests.length);
    // Nothing was refused for authentication on the way.
    expect(findings.gaps.filter((g) => g.reason === 'access-denied')).toEqual([]);
    // The client secret never reaches the output.
    expect(html).not.toContain(SERVICE_PRINCIPAL.clientSecret);
  });

  it('judges Azure from the collected evidence: passes and failures, not only errors', () => {
    const azureResults = findings.results.filter((r) => r.target === 'azure-prod' && r.status !== 'not_applicable');
    expect(azureResults.every((r) => r.check.startsWith('azure-'))).toBe(true);
    const statuses = new Set(azureResults.map((r) => r.status));
    expect(statuses.has('pass')).toBe(true);
    expect(statuses.has('fail')).toBe(true);
    expect(azureResults.filter((r) => r.status === 'error').length).toBeLessThan(azureResults.length / 2);
    for (const check of ['azure-defender-plans-enabled', 'azure-secure-score', 'azure-regulatory-compliance']) {
      expect(azureResults.some((r) => r.check === check && r.status !== 'error'), check).toBe(true);
    }
  });

  it('each mixed control counts mesh and cloud results side by side, in findings.json and in report.html', () => {
    const applicable = findings.results.filter((r) => r.status !== 'not_applicable');
    const cases: [string, string, string[]][] = [
      ['soc2', 'CC6.1', ['gcp']],
      ['soc2', 'CC7.1', ['aws', 'azure']],
      ['pci-dss-4', '2.2.1', ['aws', 'gcp']],
      // GCP constraints reach HIPAA only through their own table rows (controls/mappings), not
      // as a whole check on risk management.
      ['hipaa', '164.308(a)(1)(ii)(B)', ['aws', 'azure']],
    ];
    for (const [framework, id, clouds] of cases) {
      const ref = `${framework}:${id}`;
      const row = findings.controls.find((c) => c.framework === framework && c.id === id);
      expect(row, ref).toBeDefined();
      if (!row) continue;
      // The control row counts exactly the results mapped to it, mesh and cloud alike.
      const mapped = findings.results.filter((r) => r.controls.includes(ref));
      expect(row.results, ref).toBe(mapped.length);
      const judged = applicable.filter((r) => r.controls.includes(ref));
      expect(judged.some((r) => r.target === 'prod-eu' && isMesh(r.check)), `${ref} mesh`).toBe(true);
      for (const cloud of clouds) expect(judged.some((r) => cloudOf(r.check) === cloud && r.target.startsWith(`${cloud}-`)), `${ref} ${cloud}`).toBe(true);

      // report.html: the control's block lists its mesh and cloud checks with their result counts.
      const block = controlBlock(html, framework, id);
      expect(block, `${ref} in report.html`).toBeDefined();
      const rows = checkRows(block ?? '');
      // One row per edge: a check whose results bring their own edges (a shipped table row per
      // constraint) can stand on several rows, each with its own rationale.
      expect([...new Set(rows.map((c) => c.check))].sort(), ref).toEqual([...new Set(row.checks)].sort());
      const judgedRows = rows.filter((c) => c.judged > 0);
      expect(judgedRows.some((c) => isMesh(c.check)), `${ref} mesh row`).toBe(true);
      for (const cloud of clouds) expect(judgedRows.some((c) => cloudOf(c.check) === cloud), `${ref} ${cloud} row`).toBe(true);
      expect(rows.reduce((n, c) => n + c.total, 0), ref).toBe(row.results);
    }
  });

  it('the bundle verifies', async () => {
    const verified = await cli(['verify', out], cleanEnv());
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('an unreadable azure.caFile is a configuration error naming the file', async () => {
    const bad = path.join(tmp, 'bad-ca.yaml');
    await writeFile(bad, stringify({ azure: { endpoint: azure.base, caFile: 'missing-ca.pem', subscriptions: [{ id: SUB }] } }));
    const r = await cli(['run', '--config', bad, '--out', path.join(tmp, 'never'), '--no-pdf'], cleanEnv());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`azure.caFile ${path.join(tmp, 'missing-ca.pem')}: file not found`);
  });
});

describe('cloud settings of auditpack.yaml', () => {
  it('azure.authorityHost must be https, with the line named', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-cloud-config-'));
    try {
      const file = path.join(dir, 'auditpack.yaml');
      await writeFile(file, ['azure:', '  authorityHost: http://login.azure.example', '  subscriptions:', `    - id: ${SUB}`].join('\n'));
      const err = await loadConfig(file).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
      expect((err as Error).message).toContain(`${file}:2: azure.authorityHost: an https:// URL`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an azure.caFile without a PEM certificate is refused before anything is sent', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-cloud-config-'));
    try {
      const caFile = path.join(dir, 'ca.pem');
      await writeFile(caFile, 'not a certificate\n');
      expect(() => cloudTargetsFromConfig({ azure: { caFile, subscriptions: [{ id: SUB }] } })).toThrow(`azure.caFile ${caFile} holds no PEM certificate`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// The <tbody class="control"> of one control in report.html.
function controlBlock(html: string, framework: string, id: string): string | undefined {
  const blocks = html.split('<tbody class="control"').slice(1).map((b) => b.slice(0, b.indexOf('</tbody>')));
  return blocks.find((b) => b.includes(`<span class="ctl-id">${escapeHtml(id)}</span>`) && new RegExp(`id="[^"]*${framework}[^"]*"`).test(b.slice(0, 200)));
}

// Each mapped-check row of a control block: the check id, its results judged (pass, fail, error,
// waived) and all five counts added up (N/A included).
function checkRows(block: string): { check: string; judged: number; total: number }[] {
  return [...block.matchAll(/<tr class="ck-row">(.*?)<\/tr>/gs)].map((m) => {
    const row = m[1] ?? '';
    const check = /class="mono"[^>]*>([a-z0-9-]+)</.exec(row)?.[1] ?? '';
    const counts = [...row.matchAll(/<td class="num"><span[^>]*title="([^"]+)"[^>]*>(\d+|–)<\/span><\/td>/g)].map((c) => ({ label: c[1], n: c[2] === '–' ? 0 : Number(c[2]) }));
    expect(counts, `${check}: five counts`).toHaveLength(5);
    const total = counts.reduce((n, c) => n + c.n, 0);
    return { check, judged: total - counts.filter((c) => c.label === 'N/A').reduce((n, c) => n + c.n, 0), total };
  });
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}
