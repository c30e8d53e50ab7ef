import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/bundle/verify.ts';
import type { GcpClients } from '../../src/collectors/gcp/collect.ts';
import type { EvidenceRecord } from '../../src/evidence/types.ts';
import type { CloudTarget } from '../../src/pipeline/cloud.ts';
import { runPipeline } from '../../src/pipeline/run.ts';
import { ACCOUNT, OTHER_ACCOUNT } from '../collectors/aws/aws-objects.ts';
import { ACCESS_KEY, EU, US, US2, estate, testClients } from '../collectors/aws/environment.ts';
import { startFakeAws, type FakeAws } from '../collectors/aws/fake-aws.ts';
import { SUB } from '../collectors/azure/azure-objects.ts';
import { FakeAzure, SERVICE_PRINCIPAL } from '../collectors/azure/fake-azure.ts';
import { FakeGcp, clientsFor, closeClients } from '../collectors/gcp/fake-gcp.ts';
import { PROJECT } from '../collectors/gcp/gcp-objects.ts';
import { CONSTRAINTS, installWorld } from '../collectors/gcp/world.ts';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const SNAPSHOT = path.join(ROOT, 'demo/environment/prod-eu');
const OTHER_ACCESS_KEY = 'AKIDAUDITPACKTEST02';

const MESH_PREFIXES = ['istio-', 'linkerd-', 'consul-', 'k8s-', 'mesh-'];
const CLOUD_PREFIXES = ['aws-', 'azure-', 'gcp-'];
const isMesh = (check: string): boolean => MESH_PREFIXES.some((p) => check.startsWith(p));
const isCloud = (check: string): boolean => CLOUD_PREFIXES.some((p) => check.startsWith(p));

interface FindingsResult {
  check: string;
  status: string;
  target: string;
  controls: string[];
}
interface Findings {
  run: { targets: { name: string; source: string; location: string }[] };
  results: FindingsResult[];
}

// `run` over a cluster snapshot plus cloud targets, in process: two AWS accounts in two regions each
// (real SDK clients against the fake AWS endpoint), one Azure subscription (the real SecurityCenter
// client over HTTPS, trusting the test CA, with a real ClientSecretCredential that gets its token from
// the fake Entra ID) and one GCP project (real clients against the fake Org Policy / Resource Manager
// REST endpoint), all in one signed bundle. test/e2e/cloud-config.test.ts does the same through
// `auditpack run --config` and the default credential chains.
describe('auditpack run with AWS, Azure and GCP targets next to a cluster snapshot', () => {
  let aws: FakeAws;
  const azure = new FakeAzure();
  const gcp = new FakeGcp();
  let gcpClients: GcpClients;
  let tmp = '';

  beforeAll(async () => {
    // The second account has Security Hub off and no Config recorder anywhere.
    aws = await startFakeAws({ accounts: { [ACCESS_KEY]: ACCOUNT, [OTHER_ACCESS_KEY]: OTHER_ACCOUNT }, data: estate });
    await azure.start();
    await gcp.start();
    installWorld(gcp);
    gcpClients = clientsFor(gcp.port);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-e2e-cloud-'));
  });

  afterAll(async () => {
    await closeClients(gcpClients);
    await gcp.stop();
    await azure.stop();
    await aws.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('judges every target, maps mesh and cloud results onto the same controls, and signs the bundle', async () => {
    const cloud: CloudTarget[] = [
      { provider: 'aws', target: 'aws-payments', accountId: ACCOUNT, regions: [EU, US2], clients: testClients(() => aws.endpoint), concurrency: 2 },
      { provider: 'aws', target: 'aws-sandbox', accountId: OTHER_ACCOUNT, regions: [EU, US], clients: testClients(() => aws.endpoint, OTHER_ACCESS_KEY), concurrency: 2 },
      {
        provider: 'azure',
        target: 'azure-prod',
        subscriptionId: SUB,
        credential: new ClientSecretCredential(SERVICE_PRINCIPAL.tenantId, SERVICE_PRINCIPAL.clientId, SERVICE_PRINCIPAL.clientSecret, {
          authorityHost: azure.base,
          disableInstanceDiscovery: true,
          tlsOptions: { ca: azure.caPem },
        }),
        endpoint: azure.base,
        caCertPem: azure.caPem,
      },
      { provider: 'gcp', target: 'gcp-payments', projectId: PROJECT, clients: gcpClients, constraints: CONSTRAINTS },
    ];
    const outDir = path.join(tmp, 'out');
    const summary = await runPipeline({
      snapshots: [{ dir: SNAPSHOT }],
      cloud,
      outDir,
      formats: { html: true, pdf: false, csv: true },
      clock: () => new Date('2026-11-22T12:00:00Z'),
    });

    // Both AWS accounts were really called, each in its own two regions, and GCP was called.
    const awsCalls = new Set(aws.requests.map((r) => `${r.account}@${r.region}`));
    expect([...awsCalls].sort()).toEqual([`${ACCOUNT}@${EU}`, `${ACCOUNT}@${US2}`, `${OTHER_ACCOUNT}@${EU}`, `${OTHER_ACCOUNT}@${US}`].sort());
    expect(gcp.requests.length).toBeGreaterThan(0);
    // Azure: a token from the Entra endpoint, then ARM calls carrying it.
    const issued = azure.tokenRequests.map((t) => t.issued);
    expect(issued.length).toBeGreaterThan(0);
    expect(azure.seen.length).toBeGreaterThan(0);
    expect(azure.seen.every((s) => issued.some((t) => t !== undefined && s.auth === `Bearer ${t}`))).toBe(true);

    const findings = JSON.parse(await readFile(path.join(outDir, 'findings.json'), 'utf8')) as Findings;
    const targets = ['prod-eu', 'aws-payments', 'aws-sandbox', 'azure-prod', 'gcp-payments'];
    expect(findings.run.targets.map((t) => t.name).sort()).toEqual([...targets].sort());
    expect(Object.fromEntries(findings.run.targets.map((t) => [t.name, t.source]))).toMatchObject({ 'aws-payments': 'aws', 'aws-sandbox': 'aws', 'azure-prod': 'azure', 'gcp-payments': 'gcp' });
    // Every check runs on every target; the ones that do not apply say so (not_applicable).
    const applicable = findings.results.filter((r) => r.status !== 'not_applicable');
    for (const t of targets) expect(applicable.filter((r) => r.target === t).length, t).toBeGreaterThan(0);
    // Each target is judged by its own kind of check.
    expect(applicable.filter((r) => r.target === 'prod-eu').every((r) => isMesh(r.check))).toBe(true);
    for (const t of ['aws-payments', 'aws-sandbox']) expect(applicable.filter((r) => r.target === t).every((r) => r.check.startsWith('aws-')), t).toBe(true);
    expect(applicable.filter((r) => r.target === 'gcp-payments').every((r) => r.check.startsWith('gcp-'))).toBe(true);
    expect(applicable.filter((r) => r.target === 'azure-prod').every((r) => r.check.startsWith('azure-'))).toBe(true);
    // Azure is judged from its evidence: passes and failures, not only errors.
    const azureStatuses = new Set(applicable.filter((r) => r.target === 'azure-prod').map((r) => r.status));
    expect(azureStatuses.has('pass') && azureStatuses.has('fail')).toBe(true);
    // The account with Security Hub off does not pass the Security Hub check.
    const sandboxHub = applicable.filter((r) => r.target === 'aws-sandbox' && r.check === 'aws-securityhub-enabled');
    expect(sandboxHub.length).toBeGreaterThan(0);
    expect(sandboxHub.every((r) => r.status !== 'pass')).toBe(true);
    expect(summary.results.length).toBe(findings.results.length);

    // soc2 CC7.1 counts mesh (sidecar coverage), AWS and Azure results; soc2 CC6.1 counts mesh and GCP results.
    const countedBy = (control: string): FindingsResult[] => applicable.filter((r) => r.controls.includes(control));
    const cc71 = countedBy('soc2:CC7.1');
    expect(cc71.some((r) => r.target === 'prod-eu' && isMesh(r.check))).toBe(true);
    expect(cc71.some((r) => r.check.startsWith('aws-') && r.target.startsWith('aws-'))).toBe(true);
    expect(cc71.some((r) => r.check.startsWith('azure-') && r.target === 'azure-prod')).toBe(true);
    const cc61 = countedBy('soc2:CC6.1');
    expect(cc61.some((r) => r.target === 'prod-eu' && isMesh(r.check))).toBe(true);
    expect(cc61.some((r) => r.target === 'gcp-payments' && isCloud(r.check))).toBe(true);

    // The cloud evidence is in the index, as cloud-api records of each cloud target.
    const index = (await readFile(path.join(outDir, 'evidence/index.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EvidenceRecord);
    const cloudRecords = index.filter((r) => r.source.type === 'cloud-api');
    expect(cloudRecords.length).toBeGreaterThan(0);
    expect(new Set(cloudRecords.map((r) => r.target))).toEqual(new Set(['aws-payments', 'aws-sandbox', 'azure-prod', 'gcp-payments']));
    expect(index.some((r) => r.target === 'prod-eu' && r.source.type === 'snapshot')).toBe(true);

    for (const f of ['findings.json', 'report.html', 'evidence/index.jsonl']) expect(summary.files, f).toContain(f);
    expect(summary.files.some((f) => f.endsWith('.csv'))).toBe(true);

    const verified = await verifyBundle(outDir);
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
  }, 60_000);
});
