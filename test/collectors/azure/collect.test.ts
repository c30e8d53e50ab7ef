import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialUnavailableError, type TokenCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { azureDefenderPlansEnabled } from '../../../src/checks/azure/azure-defender-plans-enabled.ts';
import { azureRegulatoryCompliance } from '../../../src/checks/azure/azure-regulatory-compliance.ts';
import { azureSecureScore } from '../../../src/checks/azure/azure-secure-score.ts';
import { evaluateCheck } from '../../../src/checks/evaluate.ts';
import type { Check, CheckResult } from '../../../src/checks/types.ts';
import { DEFAULT_AZURE_STANDARDS, collectAzure, standardSelected, type CollectAzureOptions } from '../../../src/collectors/azure/collect.ts';
import { EvidenceStore } from '../../../src/evidence/store.ts';
import type { EvidenceRecord } from '../../../src/evidence/types.ts';
import type { EvidenceGap, TargetInventory } from '../../../src/inventory/types.ts';
import { collectTargets } from '../../../src/pipeline/collect.ts';
import { API_RESPONSE_GROUP, loadEvidence } from '../../../src/pipeline/load-evidence.ts';
import { recognizeCloudOutput } from '../../../src/sources/cloud-cli/recognize.ts';
import { FIXTURE_STANDARD, SUB, azCliItem, fixtureBody, fixtures, pricing, secureScore } from './azure-objects.ts';
import { ASSESS_PATH, ARM_SCOPE, FakeAzure, LISTS, PCI4, PRICINGS, SCORE_PAGES, SECURITY, SOC, STANDARD_PAGES, STD_PATH, TOKEN, armError, authorizationFailed, json } from './fake-azure.ts';

const TARGET = 'azure-prod';
const NOW = new Date('2026-11-22T12:00:00Z');
// The defaults plus the retired PCI DSS 3.2 of the fixtures.
const STANDARDS = [...DEFAULT_AZURE_STANDARDS, FIXTURE_STANDARD];
const FAST_RETRY = { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 };

// ---- A local Azure Resource Manager over HTTPS, signed by a test CA (fake-azure.ts) ----------------

const fake = new FakeAzure();
beforeAll(() => fake.start());
afterAll(() => fake.stop());

// ---- Per-test evidence folder ----------------------------------------------------------------------

let outDir = '';
let store: EvidenceStore;
const scopes: string[][] = [];
const credential: TokenCredential = {
  getToken: async (scope) => {
    scopes.push(Array.isArray(scope) ? scope : [scope]);
    return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};

beforeEach(async () => {
  fake.reset();
  scopes.length = 0;
  outDir = mkdtempSync(join(tmpdir(), 'auditpack-azure-ev-'));
  store = new EvidenceStore(outDir, () => NOW);
  await store.open();
});
afterEach(async () => {
  await store.close();
  rmSync(outDir, { recursive: true, force: true });
});

function collect(extra: Partial<CollectAzureOptions> = {}): Promise<{ gaps: EvidenceGap[]; requests: number }> {
  return collectAzure({ target: TARGET, subscriptionId: SUB, credential, endpoint: fake.base, store, standards: STANDARDS, caCertPem: fake.caPem, retryOptions: FAST_RETRY, ...extra });
}

function raw(record: EvidenceRecord): unknown {
  return JSON.parse(readFileSync(join(outDir, record.path), 'utf8')) as unknown;
}

function recordsOf(kind: string): EvidenceRecord[] {
  return store.records.filter((r) => r.kind === kind);
}

// The live evidence folder read back through loadEvidence, as `auditpack report` does.
async function loadLive(gaps: EvidenceGap[]): Promise<TargetInventory> {
  await store.close();
  writeFileSync(
    join(outDir, 'evidence/targets.json'),
    JSON.stringify({ schemaVersion: 1, targets: [{ name: TARGET, source: 'kubernetes', location: fake.base, files: 0, objects: store.records.length, gaps, notes: [] }] }),
  );
  const loaded = await loadEvidence(outDir);
  const inv = loaded.inventories[0];
  if (!inv) throw new Error('no inventory');
  return inv;
}

const CHECKS: Check[] = [azureDefenderPlansEnabled, azureSecureScore, azureRegulatoryCompliance];

function judge(inv: TargetInventory): Record<string, CheckResult[]> {
  return Object.fromEntries(CHECKS.map((c) => [c.meta.id, evaluateCheck(c, inv, NOW)]));
}

function statuses(results: CheckResult[] | undefined): string[] {
  return (results ?? []).map((r) => `${r.status}:${r.resource.kind.replace('Microsoft.Security/', '')}/${r.resource.name}:${r.messageId}`);
}

const EXPECTED = {
  'azure-defender-plans-enabled': [
    'fail:pricings/VirtualMachines:partial',
    'error:pricings/KeyVaults:foreign',
    'fail:pricings/Dns:legacyNotCovered',
    'pass:pricings/Arm:covered',
    'fail:pricings/StorageAccounts:free',
  ],
  'azure-secure-score': ['fail:secureScores/ascScore:below'],
  'azure-regulatory-compliance': [
    `fail:regulatoryComplianceStandards/regulatoryComplianceControls/${FIXTURE_STANDARD}/1.1:controlFailed`,
    `error:regulatoryComplianceStandards/regulatoryComplianceControls/${FIXTURE_STANDARD}/2:controlSkipped`,
    `error:regulatoryComplianceStandards/regulatoryComplianceControls/${FIXTURE_STANDARD}/2.1:controlManual`,
    'error:regulatoryComplianceStandards/Azure-CIS-1.1.0:standardSkipped',
    `pass:regulatoryComplianceStandards/regulatoryComplianceControls/${PCI4}/1.2.1:controlPassed`,
    `pass:regulatoryComplianceStandards/regulatoryComplianceControls/${PCI4}/8.3.1:controlPassed`,
    `pass:regulatoryComplianceStandards/regulatoryComplianceControls/${SOC}/CC6.1:controlPassed`,
    `fail:regulatoryComplianceStandards/regulatoryComplianceControls/${SOC}/CC7.2:controlFailed`,
  ],
};

// ---- Tests -------------------------------------------------------------------------------------------

describe('collectAzure', () => {
  it('reads every list through the SecurityCenter client over HTTPS, follows nextLink, and stores each page verbatim', async () => {
    const { gaps, requests } = await collect();
    expect(gaps).toEqual([]);
    expect(requests).toBe(fake.seen.length);
    expect(fake.seen.every((s) => s.auth === `Bearer ${TOKEN}`)).toBe(true);
    // The token scope stays ARM's even against another endpoint.
    expect(scopes[0]).toEqual([ARM_SCOPE]);

    expect(store.records.map((r) => [r.kind, r.name, r.source.type, r.source.call])).toEqual([
      ['AzureDefenderPricings', `azure/${SUB}/pricings`, 'cloud-api', `GET ${SECURITY}/pricings?api-version=2024-01-01`],
      ['AzureSecureScores', `azure/${SUB}/secureScores`, 'cloud-api', `GET ${SECURITY}/secureScores?api-version=2020-01-01`],
      ['AzureSecureScores', `azure/${SUB}/secureScores#page-2`, 'cloud-api', `GET ${SECURITY}/secureScores?api-version=2020-01-01&$skipToken=2`],
      ['AzureRegulatoryComplianceStandards', `azure/${SUB}/regulatoryComplianceStandards`, 'cloud-api', `GET ${SECURITY}/regulatoryComplianceStandards?api-version=2019-01-01-preview`],
      ['AzureRegulatoryComplianceStandards', `azure/${SUB}/regulatoryComplianceStandards#page-2`, 'cloud-api', `GET ${SECURITY}/regulatoryComplianceStandards?api-version=2019-01-01-preview&$skipToken=2`],
      ['AzureRegulatoryComplianceControls', `azure/${SUB}/regulatoryComplianceStandards/${FIXTURE_STANDARD}/regulatoryComplianceControls`, 'cloud-api', `GET ${STD_PATH(FIXTURE_STANDARD)}?api-version=2019-01-01-preview`],
      ['AzureRegulatoryComplianceAssessments', `azure/${SUB}/regulatoryComplianceStandards/${FIXTURE_STANDARD}/regulatoryComplianceControls/1.1/regulatoryComplianceAssessments`, 'cloud-api', `GET ${ASSESS_PATH(FIXTURE_STANDARD, '1.1')}?api-version=2019-01-01-preview`],
      ['AzureRegulatoryComplianceAssessments', `azure/${SUB}/regulatoryComplianceStandards/${FIXTURE_STANDARD}/regulatoryComplianceControls/2/regulatoryComplianceAssessments`, 'cloud-api', `GET ${ASSESS_PATH(FIXTURE_STANDARD, '2')}?api-version=2019-01-01-preview`],
      ['AzureRegulatoryComplianceControls', `azure/${SUB}/regulatoryComplianceStandards/${PCI4}/regulatoryComplianceControls`, 'cloud-api', `GET ${STD_PATH(PCI4)}?api-version=2019-01-01-preview`],
      ['AzureRegulatoryComplianceControls', `azure/${SUB}/regulatoryComplianceStandards/${PCI4}/regulatoryComplianceControls#page-2`, 'cloud-api', `GET ${STD_PATH(PCI4)}?api-version=2019-01-01-preview&$skipToken=2`],
      ['AzureRegulatoryComplianceAssessments', `azure/${SUB}/regulatoryComplianceStandards/${PCI4}/regulatoryComplianceControls/1.2.1/regulatoryComplianceAssessments`, 'cloud-api', `GET ${ASSESS_PATH(PCI4, '1.2.1')}?api-version=2019-01-01-preview`],
      ['AzureRegulatoryComplianceAssessments', `azure/${SUB}/regulatoryComplianceStandards/${PCI4}/regulatoryComplianceControls/8.3.1/regulatoryComplianceAssessments`, 'cloud-api', `GET ${ASSESS_PATH(PCI4, '8.3.1')}?api-version=2019-01-01-preview`],
      ['AzureRegulatoryComplianceControls', `azure/${SUB}/regulatoryComplianceStandards/${SOC}/regulatoryComplianceControls`, 'cloud-api', `GET ${STD_PATH(SOC)}?api-version=2019-01-01-preview`],
      ['AzureRegulatoryComplianceAssessments', `azure/${SUB}/regulatoryComplianceStandards/${SOC}/regulatoryComplianceControls/CC6.1/regulatoryComplianceAssessments`, 'cloud-api', `GET ${ASSESS_PATH(SOC, 'CC6.1')}?api-version=2019-01-01-preview`],
      ['AzureRegulatoryComplianceAssessments', `azure/${SUB}/regulatoryComplianceStandards/${SOC}/regulatoryComplianceControls/CC7.2/regulatoryComplianceAssessments`, 'cloud-api', `GET ${ASSESS_PATH(SOC, 'CC7.2')}?api-version=2019-01-01-preview`],
    ]);
    // Azure-CIS-1.1.0 is not configured, and 2.1 (Unsupported) has no assessment to list.
    expect(fake.seen.some((s) => s.path.includes('Azure-CIS'))).toBe(false);
    expect(fake.seen.some((s) => s.path === ASSESS_PATH(FIXTURE_STANDARD, '2.1'))).toBe(false);

    // The HTTP bodies themselves (not the SDK's flattened models), nextLink included.
    expect(raw(recordsOf('AzureDefenderPricings')[0] as EvidenceRecord)).toEqual(PRICINGS);
    expect(raw(recordsOf('AzureSecureScores')[0] as EvidenceRecord)).toEqual({ ...SCORE_PAGES[0], nextLink: `${fake.base}${SECURITY}/secureScores?api-version=2020-01-01&$skipToken=2` });
    expect(raw(recordsOf('AzureSecureScores')[1] as EvidenceRecord)).toEqual(SCORE_PAGES[1]);
    expect(store.records.every((r) => r.apiVersion === `${API_RESPONSE_GROUP}/v1` && r.redactions.length === 0)).toBe(true);

    expect(recordsOf('AzureDefenderPricings')[0]?.cli).toBe(`az security pricing list --subscription ${SUB} -o json`);
    expect(recordsOf('AzureSecureScores').map((r) => r.cli)).toEqual([`az security secure-scores list --subscription ${SUB} -o json`, `az security secure-scores list --subscription ${SUB} -o json`]);
    expect(recordsOf('AzureRegulatoryComplianceAssessments')[0]?.cli).toBe(
      `az security regulatory-compliance-assessments list --standard-name ${FIXTURE_STANDARD} --control-name 1.1 --subscription ${SUB} -o json`,
    );
  });

  it('the stored evidence, read back with loadEvidence, goes through the inventory into the checks', async () => {
    const { gaps } = await collect();
    const inv = await loadLive(gaps);
    expect(inv.azure.present).toBe(true);
    expect(inv.azure.subscriptions.map((s) => s.id)).toEqual([SUB]);
    expect(inv.ignored).toEqual([]);
    expect(inv.gaps).toEqual([]);
    const r = judge(inv);
    expect(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, statuses(v)]))).toEqual(EXPECTED);
    expect(r['azure-secure-score']?.[0]?.message).toContain('is 60% (23.53 of 39 points)');
    for (const results of Object.values(r)) for (const x of results) expect(x.evidence.length, `${x.check} ${x.messageId}`).toBeGreaterThan(0);
  });

  it('the default standards select PCI DSS 4 / 3.2.1, SOC 2, HIPAA HITRUST and NIST SP 800-53 R5 names, not others', async () => {
    for (const name of ['PCI-DSS-4', 'PCI-DSS-4.0.1', 'PCI DSS 3.2.1', 'SOC-TSP', 'SOC-2-Type-2', 'HIPAA-HITRUST', 'HITRUST-9.2', 'NIST-SP-800-53-R5', 'NIST SP 800-53 R5']) {
      expect(standardSelected(name, DEFAULT_AZURE_STANDARDS), name).toBe(true);
    }
    for (const name of ['PCI-DSS-3.2', 'Azure-CIS-1.1.0', 'ISO-27001', 'NIST-SP-800-53-R4', 'NIST-SP-800-171-R2']) expect(standardSelected(name, DEFAULT_AZURE_STANDARDS), name).toBe(false);
    await collect({ standards: undefined });
    const controlsListed = [...new Set(fake.seen.filter((s) => s.path.endsWith('/regulatoryComplianceControls')).map((s) => s.path))];
    expect(controlsListed).toEqual([STD_PATH(PCI4), STD_PATH(SOC)]);
  });

  it('AuthorizationFailed (403) is an access-denied gap naming the permission and the Security Reader role, never an empty list', async () => {
    fake.overrides[`${SECURITY}/pricings`] = (_req, res) => authorizationFailed(res, 'Microsoft.Security/pricings/read');
    const { gaps } = await collect();
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ id: `gap-azure-${SUB}-defenderpricings`, target: TARGET, reason: 'access-denied', kinds: ['AzureDefenderPricings'], namespace: SUB });
    expect(gaps[0]?.message).toContain('HTTP 403 AuthorizationFailed');
    expect(gaps[0]?.message).toContain('Microsoft.Security/pricings/read');
    expect(gaps[0]?.message).toContain('Security Reader');
    expect(fake.hits.get(`${SECURITY}/pricings`)).toBe(1);
    expect(recordsOf('AzureDefenderPricings')).toEqual([]);
    const failed = recordsOf('AzureCallFailed');
    expect(failed.map((f) => [f.name, f.cli])).toEqual([[`azure/${SUB}/pricings`, `az security pricing list --subscription ${SUB} -o json`]]);

    const r = judge(await loadLive(gaps));
    expect(statuses(r['azure-defender-plans-enabled'])).toEqual([`error:Subscription/${SUB}:listFailed`, `error:Cluster/${TARGET}:evidenceGap`]);
    // The other lists were read and are still judged.
    expect(statuses(r['azure-secure-score'])).toEqual(EXPECTED['azure-secure-score']);
  });

  it('a subscription where every call is denied is judged as errors, not as "no Azure evidence"', async () => {
    for (const path of [`${SECURITY}/pricings`, `${SECURITY}/secureScores`, `${SECURITY}/regulatoryComplianceStandards`]) {
      fake.overrides[path] = (_req, res) => authorizationFailed(res, 'Microsoft.Security/read');
    }
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([
      ['access-denied', ['AzureDefenderPricings']],
      ['access-denied', ['AzureSecureScores']],
      ['access-denied', ['AzureRegulatoryComplianceStandards']],
    ]);
    const r = judge(await loadLive(gaps));
    for (const [id, results] of Object.entries(r)) {
      expect(results.map((x) => x.status), id).toEqual(['error', 'error']);
      expect(results[0]?.messageId, id).toBe('listFailed');
    }
  });

  it('429 with Retry-After is retried by the SDK policy, then succeeds', async () => {
    fake.overrides[`${SECURITY}/secureScores`] = (_req, res, hit) => hit <= 2 && armError(res, 429, 'TooManyRequests', 'Rate limit exceeded', { 'Retry-After': '0' });
    const { gaps, requests } = await collect();
    expect(gaps).toEqual([]);
    expect(fake.hits.get(`${SECURITY}/secureScores`)).toBe(4);
    expect(requests).toBe(fake.seen.length);
    expect(recordsOf('AzureSecureScores')).toHaveLength(2);
  });

  it('persistent 429 is bounded by maxRetries and ends in an api-error gap', async () => {
    fake.overrides[`${SECURITY}/secureScores`] = (_req, res) => armError(res, 429, 'TooManyRequests', 'Rate limit exceeded', { 'Retry-After': '0' });
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['AzureSecureScores']]]);
    expect(gaps[0]?.message).toContain('throttled (HTTP 429');
    expect(fake.hits.get(`${SECURITY}/secureScores`)).toBe(FAST_RETRY.maxRetries + 1);
  });

  it('a Retry-After beyond the bound ends the call at once instead of waiting an hour', async () => {
    fake.overrides[`${SECURITY}/pricings`] = (_req, res) => armError(res, 429, 'TooManyRequests', 'Rate limit exceeded', { 'Retry-After': '3600' });
    const t0 = Date.now();
    const { gaps } = await collect({ maxRetryAfterMs: 1000 });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(fake.hits.get(`${SECURITY}/pricings`)).toBe(1);
    expect(gaps[0]?.message).toContain('Retry-After 3600 s, beyond the 1 s bound');
  });

  it('a failing second page keeps the first page and reports the list as incomplete', async () => {
    fake.overrides[`${SECURITY}/regulatoryComplianceStandards`] = (req, res) =>
      (req.url ?? '').includes('skipToken=2') && armError(res, 500, 'InternalServerError', 'Encountered internal server error.');
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['AzureRegulatoryComplianceStandards']]]);
    expect(gaps[0]?.message).toContain('only 1 page(s) were read');
    expect(gaps[0]?.message).toMatch(/^GET \/subscriptions\/[^ ]+\/regulatoryComplianceStandards\?api-version=2019-01-01-preview&\$skipToken=2 \(AzureRegulatoryComplianceStandards\) failed with HTTP 500 InternalServerError/);
    expect(recordsOf('AzureRegulatoryComplianceStandards')).toHaveLength(1);
    const r = judge(await loadLive(gaps));
    expect(r['azure-regulatory-compliance']?.some((x) => x.status === 'pass')).toBe(false);
  });

  it('a nextLink to another origin is refused: the bearer token never leaves the endpoint', async () => {
    fake.overrides[`${SECURITY}/secureScores`] = (_req, res) => json(res, 200, { ...SCORE_PAGES[0], nextLink: 'https://attacker.example/steal?api-version=2020-01-01' });
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['AzureSecureScores']]]);
    expect(gaps[0]?.message).toContain('refused to send the token to https://attacker.example');
    expect(gaps[0]?.message.startsWith('GET https://attacker.example/steal?')).toBe(true);
    expect(recordsOf('AzureSecureScores')).toHaveLength(1);
  });

  it('an unreachable endpoint is an api-error gap, never an exception, and the rest is not attempted', async () => {
    const closed = createHttpsServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const { gaps, requests } = await collect({ endpoint: `https://127.0.0.1:${port}` });
    expect(gaps.map((g) => [g.reason, g.kinds[0]])).toEqual([
      ['api-error', 'AzureDefenderPricings'],
      ['api-error', 'AzureSecureScores'],
      ['api-error', 'AzureRegulatoryComplianceStandards'],
    ]);
    expect(gaps[0]?.message).toContain('ECONNREFUSED');
    expect(gaps[1]?.message).toContain('was not attempted');
    expect(requests).toBe(FAST_RETRY.maxRetries + 1);
    // Recorded as failed calls, so the target is judged (errors), not "no Azure evidence".
    expect(store.records.map((r) => r.kind)).toEqual(['AzureCallFailed', 'AzureCallFailed', 'AzureCallFailed']);
  });

  it('TLS verification stays on: without the test CA the server is refused', async () => {
    const { gaps } = await collect({ caCertPem: undefined });
    expect(gaps).toHaveLength(3);
    expect(gaps[0]?.message).toMatch(/certificate/i);
    expect(fake.seen).toEqual([]);
  });

  it('a credential that cannot produce a token is an access-denied gap and nothing is sent', async () => {
    const none: TokenCredential = {
      getToken: async () => {
        throw new CredentialUnavailableError('DefaultAzureCredential: no managed identity, environment credential or az login is available');
      },
    };
    const { gaps, requests } = await collect({ credential: none });
    expect(gaps.map((g) => g.reason)).toEqual(['access-denied', 'access-denied', 'access-denied']);
    expect(gaps[0]?.message).toContain('no Microsoft Entra ID token');
    expect(requests).toBe(0);
    expect(fake.seen).toEqual([]);
  });
});

// ---- Offline: the same data as `az … -o json` files in a snapshot folder ----------------------------

function cliFiles(): Record<string, unknown> {
  const flat = (pages: readonly Record<string, unknown>[]): unknown[] => pages.flatMap((p) => (p.value as Record<string, unknown>[]).map(azCliItem));
  const files: Record<string, unknown> = {
    // `az security pricing list` prints { value: [...] }; the other lists print bare arrays.
    'pricing.json': { value: (PRICINGS.value as Record<string, unknown>[]).map(azCliItem) },
    'secure-scores.json': flat(SCORE_PAGES),
    'standards.json': flat(STANDARD_PAGES),
  };
  for (const std of [FIXTURE_STANDARD, PCI4, SOC]) files[`controls/${std}.json`] = flat(LISTS[STD_PATH(std)] ?? []);
  for (const [std, ctl] of [[FIXTURE_STANDARD, '1.1'], [PCI4, '1.2.1'], [PCI4, '8.3.1'], [SOC, 'CC6.1'], [SOC, 'CC7.2']] as const) {
    files[`assessments/${std}-${ctl}.json`] = flat(LISTS[ASSESS_PATH(std, ctl)] ?? []);
  }
  // An empty list names no subscription: read, and contributes nothing.
  files[`assessments/${FIXTURE_STANDARD}-2.json`] = [];
  return files;
}

describe('offline az … -o json snapshot', () => {
  it('the recognizers give the kind, name and command of live collection, and the checks the same results', async () => {
    const { gaps } = await collect();
    const live = await loadLive(gaps);
    const liveRecords = [...store.records];

    const snapDir = mkdtempSync(join(tmpdir(), 'auditpack-azure-snap-'));
    const workDir = mkdtempSync(join(tmpdir(), 'auditpack-azure-work-'));
    try {
      const dir = join(snapDir, TARGET);
      for (const [file, content] of Object.entries(cliFiles())) {
        mkdirSync(join(dir, file, '..'), { recursive: true });
        writeFileSync(join(dir, file), `${JSON.stringify(content, null, 2)}\n`);
      }
      const [collected] = await collectTargets({ snapshots: [{ dir }] }, workDir, () => NOW, () => undefined);
      expect(collected?.gaps).toEqual([]);
      expect(collected?.notes).toEqual([]);
      expect(collected?.files).toBe(Object.keys(cliFiles()).length);
      const offline = (await loadEvidence(workDir)).inventories[0] as TargetInventory;
      expect(offline.ignored).toEqual([]);
      expect(offline.gaps).toEqual([]);

      // Each recognised file is named and reproduced exactly like the first page of the live call.
      const indexLines = readFileSync(join(workDir, 'evidence/index.jsonl'), 'utf8').trim().split('\n');
      const offlineRecords = indexLines.map((l) => JSON.parse(l) as EvidenceRecord);
      const identity = (r: EvidenceRecord): string => `${r.kind} ${r.name} ${r.cli}`;
      const liveFirstPages = new Set(liveRecords.filter((r) => !(r.name ?? '').includes('#page-')).map(identity));
      for (const r of offlineRecords) expect(liveFirstPages.has(identity(r)), identity(r)).toBe(true);

      const view = (results: CheckResult[]): string[] => results.map((x) => `${x.status} ${x.resource.kind} ${x.resource.namespace ?? ''} ${x.resource.name} ${x.messageId} ${x.message} ${x.warning ?? ''}`);
      const a = judge(live);
      const b = judge(offline);
      for (const c of CHECKS) expect(view(b[c.meta.id] ?? []), c.meta.id).toEqual(view(a[c.meta.id] ?? []));
      expect(Object.fromEntries(Object.entries(b).map(([k, v]) => [k, statuses(v)]))).toEqual(EXPECTED);
    } finally {
      rmSync(snapDir, { recursive: true, force: true });
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('recognises only Defender for Cloud lists', () => {
    const pricingFile = { value: (PRICINGS.value as Record<string, unknown>[]).map(azCliItem) };
    expect(recognizeCloudOutput(pricingFile, 'pricing.json')).toEqual({
      kind: 'AzureDefenderPricings',
      name: `azure/${SUB}/pricings`,
      cli: `az security pricing list --subscription ${SUB} -o json`,
    });
    // The verbatim REST page (az rest) is the same call.
    expect(recognizeCloudOutput(fixtures.controls(), 'controls.json')).toMatchObject({ kind: 'AzureRegulatoryComplianceControls', name: `azure/${SUB}/regulatoryComplianceStandards/${FIXTURE_STANDARD}/regulatoryComplianceControls` });
    expect(recognizeCloudOutput(fixtures.assessments(), 'a.json')).toMatchObject({
      cli: `az security regulatory-compliance-assessments list --standard-name ${FIXTURE_STANDARD} --control-name 1.1 --subscription ${SUB} -o json`,
    });
    // A security assessment (recommendation, NotApplicable/OffByPolicy) is another API, not regulatory compliance.
    expect(recognizeCloudOutput(fixtureBody('GetAssessmentWithExpand_example.json'), 'assessment.json')).toBeUndefined();
    expect(recognizeCloudOutput([fixtureBody('GetAssessmentWithExpand_example.json')], 'assessments.json')).toBeUndefined();
    // `az security pricing show` (one plan, not the list call) and empty or mixed lists are not recognised.
    expect(recognizeCloudOutput(fixtures.dnsPricing(), 'dns.json')).toBeUndefined();
    expect(recognizeCloudOutput([], 'empty.json')).toBeUndefined();
    expect(recognizeCloudOutput([pricing('Arm', 'Standard'), secureScore(1, 2, 0.5)], 'mixed.json')).toBeUndefined();
  });
});
