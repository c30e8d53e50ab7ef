import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex, openHistory, readHistoryIndex } from '../../src/history/store.ts';
import { compareRuns } from '../../src/history/compare.ts';
import { verifyHistory } from '../../src/history/verify-chain.ts';
import { runPipeline, type RunSummary } from '../../src/pipeline/run.ts';
import { Manifest } from '../../src/bundle/manifest.ts';
import { HistoryError } from '../../src/history/errors.ts';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const DEMO = path.join(ROOT, 'demo', 'environment');

let tmp: string;
let env: string;
let history: string;
const runs: Record<string, RunSummary> = {};

async function run(name: string, when: string): Promise<RunSummary> {
  const dirs = (await readdir(env)).sort();
  return runPipeline({
    snapshots: dirs.map((d) => ({ dir: path.join(env, d) })),
    outDir: path.join(tmp, name),
    history,
    clock: () => new Date(when),
    formats: { html: true, pdf: false, csv: false },
  });
}

async function manifestOf(dir: string): Promise<{ bytes: Buffer; manifest: Manifest }> {
  const bytes = await readFile(path.join(dir, 'manifest.json'));
  return { bytes, manifest: Manifest.parse(JSON.parse(bytes.toString('utf8'))) };
}

// A copy of the history to damage without touching the shared one.
async function historyCopy(): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(tmp, 'damaged-')), 'history');
  await cp(history, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-history-'));
  env = path.join(tmp, 'env');
  history = path.join(tmp, 'history');
  await cp(DEMO, env, { recursive: true });
  runs['jan'] = await run('jan', '2025-01-15T10:00:00Z');
  // February: prod-eu's mesh now lets sidecars reach any host (pass → fail), and monitoring got
  // a default-deny ingress NetworkPolicy (fail → pass).
  const mesh = path.join(env, 'prod-eu/istio-system/configmaps.yaml');
  const text = await readFile(mesh, 'utf8');
  expect(text).toContain('mode: REGISTRY_ONLY');
  await writeFile(mesh, text.replace('mode: REGISTRY_ONLY', 'mode: ALLOW_ANY'));
  await writeFile(
    path.join(env, 'prod-eu/monitoring/default-deny.yaml'),
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\n  namespace: monitoring\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n',
  );
  runs['feb'] = await run('feb', '2025-02-15T10:00:00Z');
  runs['mar'] = await run('mar', '2025-03-15T10:00:00Z');
}, 120_000);

describe('evidence history: recording and the hash chain', () => {
  it('records each run in index.jsonl with a copy that names the previous manifest digest', async () => {
    const entries = await readHistoryIndex(history);
    expect(entries.map((e) => e.runId)).toEqual([runs['jan']?.runId, runs['feb']?.runId, runs['mar']?.runId]);
    expect(entries.map((e) => e.startedAt)).toEqual(['2025-01-15T10:00:00.000Z', '2025-02-15T10:00:00.000Z', '2025-03-15T10:00:00.000Z']);
    const jan = await manifestOf(path.join(tmp, 'jan'));
    const feb = await manifestOf(path.join(tmp, 'feb'));
    expect(jan.manifest.previous).toBeUndefined();
    expect(feb.manifest.previous).toEqual({ runId: runs['jan']?.runId, manifestSha256: sha256Hex(jan.bytes) });
    expect(entries[1]?.previous).toEqual(feb.manifest.previous);
    expect(entries[0]?.manifestSha256).toBe(sha256Hex(jan.bytes));
    expect(entries[1]?.results['fail']).toBeGreaterThan(0);
    expect(entries[1]?.controlStatuses['hipaa:164.312(e)(1)']).toBe('not_satisfied');
    // The copy is the signed manifest, byte for byte, plus what later runs compare.
    const copy = path.join(history, 'runs', runs['jan']?.runId ?? '');
    expect((await readdir(copy)).sort()).toEqual(['findings.json', 'manifest.json', 'manifest.sig', 'run.json', 'signer.pub.pem']);
    expect((await readFile(path.join(copy, 'manifest.json'))).equals(jan.bytes)).toBe(true);
    expect(runs['feb']?.history).toMatchObject({ dir: history, runs: 2, previous: runs['jan']?.runId });
  });

  it('verify --history passes on the untouched history', async () => {
    const report = await verifyHistory(history);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.runs).toHaveLength(3);
  });

  it('fails when a month is deleted (folder only), naming the run', async () => {
    const h = await historyCopy();
    await rm(path.join(h, 'runs', runs['jan']?.runId ?? ''), { recursive: true });
    const report = await verifyHistory(h);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.code)).toContain('RUN_MISSING');
    expect(report.problems.find((p) => p.code === 'RUN_MISSING')?.message).toContain(runs['jan']?.runId);
  });

  it('fails when a month is deleted with its index line: the next run names a run that is gone', async () => {
    const h = await historyCopy();
    await rm(path.join(h, 'runs', runs['jan']?.runId ?? ''), { recursive: true });
    const lines = (await readFile(path.join(h, 'index.jsonl'), 'utf8')).trim().split('\n');
    await writeFile(path.join(h, 'index.jsonl'), `${lines.slice(1).join('\n')}\n`);
    const report = await verifyHistory(h);
    expect(report.ok).toBe(false);
    const broken = report.problems.find((p) => p.code === 'CHAIN_BROKEN');
    expect(broken?.message).toMatch(/broken link before run-20250215.*names previous run run-20250115.*not in the history/);
  });

  it('fails when a middle month is deleted with its index line, naming the link', async () => {
    const h = await historyCopy();
    await rm(path.join(h, 'runs', runs['feb']?.runId ?? ''), { recursive: true });
    const lines = (await readFile(path.join(h, 'index.jsonl'), 'utf8')).trim().split('\n');
    await writeFile(path.join(h, 'index.jsonl'), `${[lines[0], lines[2]].join('\n')}\n`);
    const report = await verifyHistory(h);
    expect(report.ok).toBe(false);
    expect(report.problems.find((p) => p.code === 'CHAIN_BROKEN')?.message).toContain(`names previous run ${runs['feb']?.runId ?? ''}, but the history has ${runs['jan']?.runId ?? ''}`);
  });

  it('fails when one byte of a month\'s manifest is altered: bad signature and a broken link', async () => {
    const h = await historyCopy();
    const file = path.join(h, 'runs', runs['jan']?.runId ?? '', 'manifest.json');
    const bytes = await readFile(file);
    const at = bytes.indexOf('"createdAt":"2025-01-15') + '"createdAt":"2025-01-1'.length;
    bytes[at] = '6'.charCodeAt(0);
    await writeFile(file, bytes);
    const report = await verifyHistory(h);
    expect(report.ok).toBe(false);
    const codes = report.problems.map((p) => p.code);
    expect(codes).toContain('RUN_INVALID');
    expect(report.problems.some((p) => /manifest\.sig is not a valid signature/.test(p.message))).toBe(true);
    expect(report.problems.find((p) => p.code === 'CHAIN_BROKEN')?.message).toMatch(new RegExp(`broken link ${runs['jan']?.runId ?? ''} → ${runs['feb']?.runId ?? ''}`));
  });

  it('fails when a recorded findings.json is altered (it is checked against the signed manifest)', async () => {
    const h = await historyCopy();
    const file = path.join(h, 'runs', runs['feb']?.runId ?? '', 'findings.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"status": "fail"', '"status": "pass"'));
    const report = await verifyHistory(h);
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.code === 'RUN_INVALID' && p.message.includes('findings.json changed'))).toBe(true);
  });

  it('refuses to chain a new run onto an altered last run', async () => {
    const h = await historyCopy();
    const file = path.join(h, 'runs', runs['mar']?.runId ?? '', 'findings.json');
    await writeFile(file, `${await readFile(file, 'utf8')} `);
    await expect(openHistory(h)).rejects.toThrow(HistoryError);
    await expect(openHistory(h)).rejects.toThrow(/does not verify.*findings\.json changed/);
  });

  it('refuses to record when another run was recorded meanwhile (the chain would fork)', async () => {
    const h = await historyCopy();
    const stale = await openHistory(h);
    const fresh = await openHistory(h);
    const dirs = (await readdir(env)).sort();
    await runPipeline({ snapshots: dirs.map((d) => ({ dir: path.join(env, d) })), outDir: path.join(tmp, 'apr'), history: h, clock: () => new Date('2025-04-15T10:00:00Z'), formats: { html: false, pdf: false, csv: false } });
    expect(fresh.entries).toHaveLength(3);
    await expect(stale.record(path.join(tmp, 'apr'))).rejects.toThrow(/names previous run|was recorded/);
  }, 60_000);
});

describe('auditpack diff and the report section', () => {
  const key = (check: string, name: string) => (r: { check: string; target: string; resource: { name: string } }) => r.check === check && r.target === 'prod-eu' && r.resource.name === name;

  it('lists new failures, resolved and still failing with first-seen dates from the history', async () => {
    const d = await compareRuns(path.join(tmp, 'jan'), path.join(tmp, 'feb'), { history });
    expect(d.firstSeenSource).toBe('history');
    expect(d.newFailures.filter(key('istio-egress-registry-only', 'istio'))).toHaveLength(1);
    expect(d.resolved.filter(key('k8s-netpol-default-deny-ingress', 'monitoring')).map((r) => r.status)).toEqual(['pass']);
    const sidecar = d.stillFailing.find(key('istio-sidecar-coverage', 'prometheus'));
    expect(sidecar?.firstSeen).toBe('2025-01-15T10:00:00.000Z');
    expect(d.notAssessed).toEqual([]);
    // Nothing that failed in both runs is reported as new or resolved.
    expect(d.newFailures.some(key('istio-sidecar-coverage', 'prometheus'))).toBe(false);
  });

  it('dates a failure from the first run of its unbroken streak', async () => {
    const d = await compareRuns(path.join(tmp, 'feb'), path.join(tmp, 'mar'), { history });
    expect(d.newFailures).toEqual([]);
    expect(d.resolved).toEqual([]);
    expect(d.stillFailing.find(key('istio-egress-registry-only', 'istio'))?.firstSeen).toBe('2025-02-15T10:00:00.000Z');
    expect(d.stillFailing.find(key('istio-sidecar-coverage', 'prometheus'))?.firstSeen).toBe('2025-01-15T10:00:00.000Z');
  });

  it('without a history, still-failing results date from the older run', async () => {
    const d = await compareRuns(path.join(tmp, 'feb'), path.join(tmp, 'mar'));
    expect(d.firstSeenSource).toBe('old-run');
    expect(d.stillFailing.find(key('istio-sidecar-coverage', 'prometheus'))?.firstSeen).toBe('2025-02-15T10:00:00.000Z');
  });

  it('refuses to compare a run that does not verify', async () => {
    const copy = path.join(tmp, 'feb-altered');
    await cp(path.join(tmp, 'feb'), copy, { recursive: true });
    const file = path.join(copy, 'findings.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"status": "fail"', '"status": "pass"'));
    await expect(compareRuns(path.join(tmp, 'jan'), copy)).rejects.toThrow(/does not verify.*refusing to compare/);
  });

  it('puts "Changes since last run" with an SVG trend chart in the second report', async () => {
    const html = await readFile(path.join(tmp, 'feb', 'report.html'), 'utf8');
    const section = /<section class="major changes" id="changes">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(section).toContain('Changes since last run');
    expect(section).toContain(runs['jan']?.runId);
    expect(section).toMatch(/<svg class="trend"[^>]*role="img"/);
    // Two runs in the chart, each with a not-satisfied bar. No satisfied bar: in the demo every
    // control that checks alone can decide has a failing result, and the rest need attestation.
    expect(section.match(/<rect class="t-bad"/g)).toHaveLength(2);
    expect(section.match(/<rect class="t-ok"/g)).toBeNull();
    expect(section).toMatch(/: 0 satisfied, 0 insufficient evidence, \d+ not satisfied;/);
    expect(section).not.toMatch(/<script/i);
    const newFailures = /<h3>New failures \(1\)<\/h3>[\s\S]*?<\/table>/.exec(section)?.[0] ?? '';
    expect(newFailures).toContain('istio-egress-registry-only');
    const resolved = /<h3>Resolved \((\d+)\)<\/h3>[\s\S]*?<\/table>/.exec(section)?.[0] ?? '';
    expect(resolved).toContain('k8s-netpol-default-deny-ingress');
    expect(section).toMatch(/<h3>Still failing \(\d+\)<\/h3>[\s\S]*2025-01-15/);
    // Listed in the table of contents, under the executive summary.
    expect(html).toMatch(/<a href="#changes">Changes since last run<\/a>/);
    const mar = await readFile(path.join(tmp, 'mar', 'report.html'), 'utf8');
    expect(mar.match(/<rect class="t-bad"/g)).toHaveLength(3);
  });

  it('the first report says it starts the history, and a run without history has no section', async () => {
    const jan = await readFile(path.join(tmp, 'jan', 'report.html'), 'utf8');
    expect(jan).toContain('This is the first run recorded in the evidence history');
    const dirs = (await readdir(env)).sort();
    await runPipeline({ snapshots: dirs.map((d) => ({ dir: path.join(env, d) })), outDir: path.join(tmp, 'plain'), clock: () => new Date('2025-03-16T10:00:00Z'), formats: { html: true, pdf: false, csv: false } });
    const plain = await readFile(path.join(tmp, 'plain', 'report.html'), 'utf8');
    expect(plain).not.toContain('id="changes"');
    expect(Manifest.parse(JSON.parse(await readFile(path.join(tmp, 'plain', 'manifest.json'), 'utf8'))).previous).toBeUndefined();
  }, 60_000);
});
