import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/registry.ts';
import { loadConfig } from '../../src/config/load.ts';
import { runPipeline, type RunSummary } from '../../src/pipeline/run.ts';
import { evidenceGapCount } from '../../src/scope/evidence-gaps.ts';
import { kindOfArea } from '../../src/scope/target-kind.ts';
import { CSV_COLUMNS } from '../../src/render/csv.ts';
import { parseCsv } from '../render/csv-reader.ts';

// The target model and per-framework scope through the whole pipeline, on the demo's snapshots
// and its declared cardholder data environment (demo/auditpack.yaml), read back from the bundle.

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENV = path.join(ROOT, 'demo/environment');
const DEMO_TARGETS = ['prod-eu', 'prod-us', 'aws-payments-prod', 'azure-web-prod', 'gcp-analytics'];
const KIND = new Map(CHECKS.map((c) => [c.meta.id, kindOfArea(c.meta.area)]));

interface Finding {
  check: string;
  status: string;
  target: string;
  resource: { kind: string; namespace?: string; name: string };
  controls: string[];
  gaps?: string[];
}
interface Findings {
  results: Finding[];
  controls: { framework: string; id: string; status: string; results: number }[];
  scope?: { framework: string; declared: boolean; out: { target: string; what: string; reason: string }[] }[];
}

let work: string;
let scoped: { summary: RunSummary; findings: Findings; out: string; logs: string[] };
let unscoped: { summary: RunSummary; findings: Findings };

async function run(name: string, opts: { scope?: boolean; snapshots?: { dir: string; name?: string }[]; history?: string } = {}): Promise<{ summary: RunSummary; findings: Findings; out: string; logs: string[] }> {
  const out = path.join(work, name);
  const logs: string[] = [];
  const config = opts.scope ? await loadConfig(path.join(ROOT, 'demo/auditpack.yaml')) : undefined;
  const summary = await runPipeline({
    snapshots: opts.snapshots ?? DEMO_TARGETS.map((t) => ({ dir: path.join(ENV, t) })),
    outDir: out,
    formats: { html: true, pdf: false, csv: true },
    clock: () => new Date('2026-12-01T10:00:00Z'),
    ...(config?.scope ? { scope: config.scope } : {}),
    ...(opts.history ? { history: opts.history } : {}),
    onProgress: (e) => logs.push(`[${e.stage}] ${e.message}`),
  });
  return { summary, findings: JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')) as Findings, out, logs };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'auditpack-scope-'));
  scoped = await run('scoped', { scope: true, history: path.join(work, 'history') });
  unscoped = await run('unscoped');
}, 120_000);

describe('target model', () => {
  it('runs mesh and Kubernetes checks only on clusters and each cloud check only on its own accounts', () => {
    const kindOfTarget: Record<string, string> = { 'prod-eu': 'cluster', 'prod-us': 'cluster', 'aws-payments-prod': 'aws', 'azure-web-prod': 'azure', 'gcp-analytics': 'gcp' };
    for (const r of unscoped.findings.results) expect(`${r.check} on ${r.target}: ${KIND.get(r.check)}`).toBe(`${r.check} on ${r.target}: ${kindOfTarget[r.target]}`);
    // Before the target model the demo had 245 results, 144 of them not applicable (every check on every target).
    const na = unscoped.findings.results.filter((r) => r.status === 'not_applicable').length;
    expect(na).toBeLessThan(40);
    expect(unscoped.findings.results.length).toBeLessThan(150);
    // Every cloud check still judges its own account.
    for (const c of CHECKS.filter((k) => k.meta.area === 'aws')) expect(unscoped.findings.results.some((r) => r.check === c.meta.id && r.target === 'aws-payments-prod')).toBe(true);
  });

  it('keeps a truncated kubectl JSON to the checks that read Kubernetes input, in a folder that also holds cloud output', async () => {
    const mixed = path.join(work, 'mixed');
    await cp(path.join(ENV, 'prod-eu'), mixed, { recursive: true });
    await cp(path.join(ENV, 'aws-payments-prod'), path.join(mixed, 'aws'), { recursive: true });
    const clean = await run('mixed-clean', { snapshots: [{ dir: mixed }] });
    await writeFile(path.join(mixed, 'payments', 'truncated.json'), '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [\n    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api-7d9f", "namespace": "paym');
    const broken = await run('mixed-broken', { snapshots: [{ dir: mixed }] });
    expect(broken.findings.results.some((r) => KIND.get(r.check) === 'cluster' && r.status === 'error')).toBe(true);
    const aws = (f: Findings): string[] => f.results.filter((r) => KIND.get(r.check) === 'aws').map((r) => `${r.check} ${r.resource.name} ${r.status}`);
    // The AWS results are exactly those of the clean folder (some are errors of their own: a
    // Security Hub control enabled without a finding is a gap), none added by the broken file.
    expect(aws(clean.findings).length).toBeGreaterThan(5);
    expect(aws(broken.findings)).toEqual(aws(clean.findings));
  }, 60_000);

  it('gives cloud results provider, account and region columns in findings.csv, not a namespace', async () => {
    const rows = parseCsv(await readFile(path.join(scoped.out, 'findings.csv'), 'utf8'));
    const col = (row: string[], c: (typeof CSV_COLUMNS)[number]): string => row[CSV_COLUMNS.indexOf(c)] ?? '';
    const aws = rows.filter((r) => col(r, 'check') === 'aws-securityhub-enabled');
    expect(aws.length).toBeGreaterThan(0);
    for (const r of aws) {
      expect([col(r, 'target_kind'), col(r, 'provider'), col(r, 'account'), col(r, 'region'), col(r, 'namespace')]).toEqual(['aws', 'aws', '123456789012', 'us-west-1', '']);
    }
    expect(rows.some((r) => col(r, 'check') === 'azure-secure-score' && col(r, 'account') === '20ff7fc3-e762-44dd-bd96-b71116dcdc23')).toBe(true);
  });

  it('counts evidence gaps once, the same in the log, the summary and the report', async () => {
    const count = evidenceGapCount(scoped.summary.results, scoped.summary.gaps);
    const errors = scoped.summary.results.filter((r) => r.status === 'error').length;
    expect(errors).toBeGreaterThan(0);
    expect(count.total).toBe(scoped.summary.gaps.length + scoped.summary.results.filter((r) => r.status === 'error' && !r.gaps?.length).length);
    expect(scoped.logs.join('\n')).toContain(`${count.total} evidence gap(s)`);
    expect(scoped.logs.join('\n')).not.toMatch(/\b0 evidence gap/);
    const html = await readFile(path.join(scoped.out, 'report.html'), 'utf8');
    expect(html).toMatch(new RegExp(`<b>${count.total}</b> evidence gaps`));
  });

  it('writes no absolute local path in any output, the history index included', async () => {
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else files.push(p);
      }
    };
    await walk(scoped.out);
    await walk(path.join(work, 'history'));
    expect(files.some((f) => f.endsWith('index.jsonl') && f.includes('history'))).toBe(true);
    for (const f of files.filter((x) => /\.(json|jsonl|html|csv|md|txt)$/.test(x))) {
      const text = await readFile(f, 'utf8');
      for (const local of [ROOT, work, os.tmpdir(), os.homedir()]) expect(text.includes(`${local}/`) || text.includes(`${local}"`), `${path.relative(work, f)} names ${local}`).toBe(false);
    }
    const run = JSON.parse(await readFile(path.join(scoped.out, 'run.json'), 'utf8')) as { targets: { name: string; location: string; kinds: string[] }[] };
    expect(run.targets.find((t) => t.name === 'aws-payments-prod')).toMatchObject({ kinds: ['aws'] });
    expect(run.targets.every((t) => !path.isAbsolute(t.location))).toBe(true);
  });
});

describe('scope per framework', () => {
  const pci = (r: Finding): boolean => r.controls.some((c) => c.startsWith('pci-dss-4:'));
  const soc2 = (r: Finding): boolean => r.controls.some((c) => c.startsWith('soc2:'));

  it('does not count a result outside the cardholder data environment for PCI DSS, and still counts it for SOC 2', () => {
    // monitoring (prod-eu) has no data-classification label: outside the CDE.
    const outside = scoped.findings.results.filter((r) => r.target === 'prod-eu' && (r.resource.namespace ?? (r.resource.kind === 'Namespace' ? r.resource.name : '')) === 'monitoring');
    expect(outside.some((r) => r.status === 'fail')).toBe(true);
    for (const r of outside) {
      expect(pci(r), `${r.check} ${r.resource.name}`).toBe(false);
      expect(soc2(r)).toBe(true);
    }
    // The same results count for PCI DSS when no scope is declared.
    const before = unscoped.findings.results.filter((r) => r.target === 'prod-eu' && r.resource.namespace === 'monitoring');
    expect(before.some(pci)).toBe(true);
    // Excluded targets (GCP analytics, Azure marketing) count for no PCI control.
    expect(scoped.findings.results.filter((r) => r.target === 'gcp-analytics' || r.target === 'azure-web-prod').some(pci)).toBe(false);
  });

  it('keeps the CDE namespaces, the payments account and the shared control plane in PCI scope', () => {
    const inside = scoped.findings.results.filter(pci);
    expect(inside.some((r) => r.resource.namespace === 'payments')).toBe(true);
    expect(inside.some((r) => r.target === 'prod-us' && r.resource.namespace === 'checkout')).toBe(true);
    expect(inside.some((r) => r.target === 'aws-payments-prod')).toBe(true);
    // The expired Istio root CA protects the CDE's traffic: it stays in PCI scope.
    expect(inside.some((r) => r.check === 'istio-ca-cert-valid' && r.status === 'fail')).toBe(true);
  });

  it('rolls PCI controls up from in-scope results only', () => {
    for (const c of scoped.findings.controls.filter((x) => x.framework === 'pci-dss-4')) {
      const counted = scoped.findings.results.filter((r) => r.controls.includes(`pci-dss-4:${c.id}`)).length;
      expect(c.results, `pci-dss-4:${c.id}`).toBe(counted);
    }
    const pciCount = (f: Findings): number => f.controls.filter((c) => c.framework === 'pci-dss-4').reduce((n, c) => n + c.results, 0);
    expect(pciCount(scoped.findings)).toBeLessThan(pciCount(unscoped.findings));
    // SOC 2 declares no boundary: the same counts with or without the PCI scope.
    const soc = (f: Findings): string => JSON.stringify(f.controls.filter((c) => c.framework === 'soc2'));
    expect(soc(scoped.findings)).toBe(soc(unscoped.findings));
  });

  it('states the boundary, what is out and why, in findings.json and the report', async () => {
    const statement = scoped.findings.scope?.find((s) => s.framework === 'pci-dss-4');
    expect(statement?.declared).toBe(true);
    expect(statement?.out).toContainEqual({ target: 'prod-eu', what: 'namespace monitoring', reason: 'labels do not match data-classification in (pci-cde)' });
    expect(statement?.out.find((o) => o.target === 'gcp-analytics')?.reason).toMatch(/tokenised/);
    const html = await readFile(path.join(scoped.out, 'report.html'), 'utf8');
    const scopeAt = html.indexOf('id="scope-statement"');
    expect(scopeAt).toBeGreaterThan(0);
    expect(scopeAt).toBeLessThan(html.indexOf('id="contents"'));
    const section = html.slice(scopeAt, html.indexOf('</section>', scopeAt));
    expect(section).toContain('cardholder data environment');
    expect(section).toContain('namespaces payments, payments-batch (3 workloads)');
    expect(section).toContain('label selector data-classification in (pci-cde)');
    expect(section).toMatch(/3 targets: 3 namespaces with 4 workloads, 1 cloud account/);
  });
});
