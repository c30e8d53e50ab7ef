import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { exitCodeFor } from '../../src/cli/exit-codes.ts';
import { runPipeline, type RunSummary } from '../../src/pipeline/run.ts';

// One pipeline run over real demo snapshots (a Kubernetes cluster and a GCP project), with an
// exceptions file and an attestations file, read back from the signed bundle.

const ROOT = path.resolve(import.meta.dirname, '../..');
const SNAPSHOTS = [{ dir: path.join(ROOT, 'demo/environment/prod-eu') }, { dir: path.join(ROOT, 'demo/environment/gcp-analytics') }];
const ATTACHMENT = '# Incident response tabletop\n\nExercised 2025-11-03; all findings closed.\n';

const EXCEPTIONS = `exceptions:
  - id: EX-EGRESS
    check: k8s-netpol-default-deny-egress
    target: prod-eu
    kind: Namespace
    name: monitoring
    justification: Prometheus needs egress to every namespace.
    approver: Dana Whitfield
    ticket: SEC-1207
    expires: 2026-06-30
  # Covers failures and errors alike: only the failures may be waived.
  - id: EX-ORGPOLICY
    check: gcp-orgpolicy-constraints-enforced
    target: gcp-analytics
    name: "*"
    justification: Org policy rollout is tracked in the landing-zone programme.
    approver: Marcus Ilves
    ticket: SEC-1300
    expires: 2026-06-30
  - id: EX-OLD
    check: istio-sidecar-coverage
    target: prod-eu
    name: prometheus
    justification: Temporary.
    approver: Marcus Ilves
    expires: 2026-01-14
  - id: EX-STALE
    check: linkerd-skip-ports
    namespace: "*"
    justification: Nothing runs Linkerd here.
    approver: Marcus Ilves
    expires: 2026-12-31
`;

const ATTESTATIONS = `attestations:
  - framework: soc2
    control: CC7.4
    statement: The incident response plan was exercised in a tabletop.
    attestedBy: Dana Whitfield
    attestedAt: 2025-11-05
    validUntil: 2026-06-30
    attachments:
      - docs/tabletop.md
  - framework: soc2
    control: CC9.2
    statement: Vendor review.
    attestedBy: Priya Raman
    attestedAt: 2024-01-01
    validUntil: 2025-01-01
`;

interface Findings {
  results: { check: string; status: string; target: string; resource: { kind: string; namespace?: string; name: string }; message: string; exception?: { id: string; ticket?: string; approver: string } }[];
  controls: { framework: string; id: string; status: string; counts: { waived: number }; attestation?: { attachments: { path: string; sha256: string }[] } }[];
  exceptions: { id: string; state: string; waived: number; failing: number }[];
  attestations: { control: string; state: string }[];
}

let base: string;
const runs: Record<string, { summary: RunSummary; findings: Findings; out: string }> = {};

async function run(name: string, now: string, judged: boolean): Promise<void> {
  const out = path.join(base, name);
  const summary = await runPipeline({
    snapshots: SNAPSHOTS,
    outDir: out,
    formats: { html: true, pdf: false, csv: true },
    clock: () => new Date(now),
    ...(judged ? { exceptionsFile: path.join(base, 'input', 'exceptions.yaml'), attestationsFile: path.join(base, 'input', 'attestations.yaml') } : {}),
  });
  runs[name] = { summary, out, findings: JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')) as Findings };
}

function key(r: Findings['results'][number]): string {
  return JSON.stringify([r.check, r.target, r.resource, r.message]);
}

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'auditpack-exc-pipe-'));
  await mkdir(path.join(base, 'input', 'docs'), { recursive: true });
  await writeFile(path.join(base, 'input', 'exceptions.yaml'), EXCEPTIONS);
  await writeFile(path.join(base, 'input', 'attestations.yaml'), ATTESTATIONS);
  await writeFile(path.join(base, 'input', 'docs', 'tabletop.md'), ATTACHMENT);
  await run('baseline', '2026-01-15T09:00:00Z', false);
  await run('in-force', '2026-01-15T09:00:00Z', true);
  await run('after-expiry', '2026-07-01T00:00:00Z', true);
}, 120_000);

describe('exceptions and attestations through runPipeline', () => {
  it('waives exactly the selected failures, keeps their messages, and never waives an error', () => {
    const before = new Map(runs['baseline']?.findings.results.map((r) => [key(r), r]));
    const after = runs['in-force']?.findings.results ?? [];
    expect(after.length).toBe(before.size);
    const changed = after.filter((r) => before.get(key(r))?.status !== r.status);
    expect(changed.length).toBeGreaterThanOrEqual(2);
    for (const r of changed) {
      expect(before.get(key(r))?.status).toBe('fail');
      expect(r.status).toBe('waived');
      expect(['EX-EGRESS', 'EX-ORGPOLICY']).toContain(r.exception?.id);
    }
    const egress = after.find((r) => r.check === 'k8s-netpol-default-deny-egress' && r.resource.name === 'monitoring');
    expect(egress).toMatchObject({ status: 'waived', exception: { id: 'EX-EGRESS', ticket: 'SEC-1207', approver: 'Dana Whitfield' } });
    const orgErrors = after.filter((r) => r.check === 'gcp-orgpolicy-constraints-enforced' && r.status === 'error');
    expect(orgErrors.length).toBeGreaterThan(0);
    for (const r of orgErrors) expect(r.exception).toBeUndefined();
    // The expired exception left its failure failed.
    expect(after.find((r) => r.check === 'istio-sidecar-coverage' && r.resource.name === 'prometheus')?.status).toBe('fail');
    expect(runs['in-force']?.findings.exceptions.map((e) => [e.id, e.state])).toEqual([
      ['EX-EGRESS', 'applied'],
      ['EX-ORGPOLICY', 'applied'],
      ['EX-OLD', 'expired'],
      ['EX-STALE', 'stale'],
    ]);
    const waivedControls = runs['in-force']?.findings.controls.filter((c) => c.counts.waived > 0) ?? [];
    expect(waivedControls.length).toBeGreaterThan(0);
    // The summary the CLI prints and the exit code see the same outcome.
    expect(runs['in-force']?.summary.results.filter((r) => r.status === 'waived').length).toBe(changed.length);
  });

  it('attests a manual control, hashes its attachment into the signed manifest, and the bundle verifies', async () => {
    const r = runs['in-force'];
    if (!r) throw new Error('no run');
    const cc74 = r.findings.controls.find((c) => c.framework === 'soc2' && c.id === 'CC7.4');
    expect(cc74?.status).toBe('manual');
    const sha = createHash('sha256').update(ATTACHMENT).digest('hex');
    expect(cc74?.attestation?.attachments).toEqual([{ path: 'attestations/soc2/CC7.4/tabletop.md', sha256: sha, size: Buffer.byteLength(ATTACHMENT) }]);
    expect(r.findings.controls.find((c) => c.framework === 'soc2' && c.id === 'CC9.2')?.attestation).toBeUndefined();
    expect(r.findings.attestations.map((a) => [a.control, a.state])).toEqual([
      ['CC7.4', 'applied'],
      ['CC9.2', 'expired'],
    ]);
    const manifest = JSON.parse(await readFile(path.join(r.out, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string }[] };
    expect(manifest.files.find((f) => f.path === 'attestations/soc2/CC7.4/tabletop.md')?.sha256).toBe(sha);
    expect(await readFile(path.join(r.out, 'attestations/soc2/CC7.4/tabletop.md'), 'utf8')).toBe(ATTACHMENT);
    const verified = await verifyBundle(r.out);
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
  });

  it('shows waived results, the exceptions and the attestations in report.html and findings.csv', async () => {
    const r = runs['in-force'];
    if (!r) throw new Error('no run');
    const html = await readFile(path.join(r.out, 'report.html'), 'utf8');
    expect(html).toContain('Exceptions and attestations');
    expect(html).toMatch(/<span class="badge st-waived">Waived<\/span>/);
    expect(html).toContain('Waived under exception EX-EGRESS · ticket SEC-1207 · approved by Dana Whitfield · expires 2026-06-30');
    expect(html).toMatch(/<span class="badge st-waived">\d+ waived<\/span>/);
    for (const state of ['Applied', 'Expired', 'Stale']) expect(html).toContain(`<span class="badge st-${state === 'Applied' ? 'waived' : state === 'Expired' ? 'bad' : 'na'}">${state}</span>`);
    expect(html).toContain('attestations/soc2/CC7.4/tabletop.md');
    expect(html).toContain(createHash('sha256').update(ATTACHMENT).digest('hex'));
    expect(html).toContain('Attested by Dana Whitfield on 2025-11-05, valid until 2026-06-30');
    const csv = await readFile(path.join(r.out, 'findings.csv'), 'utf8');
    expect(csv.split('\r\n')[0]?.split(',')).toContain('exception');
    expect(csv).toMatch(/,waived,.*EX-EGRESS · SEC-1207 · Dana Whitfield · expires 2026-06-30/);
  });

  it('after expiry (clock one day past), nothing is waived and nothing is attested', () => {
    const r = runs['after-expiry'];
    if (!r) throw new Error('no run');
    expect(r.findings.results.filter((x) => x.status === 'waived')).toEqual([]);
    expect(r.findings.results.find((x) => x.check === 'k8s-netpol-default-deny-egress' && x.resource.name === 'monitoring')?.status).toBe('fail');
    expect(r.findings.exceptions.map((e) => e.state)).toEqual(['expired', 'expired', 'expired', 'stale']);
    expect(r.findings.exceptions[0]).toMatchObject({ waived: 0, failing: 1 });
    expect(r.findings.controls.some((c) => c.attestation)).toBe(false);
    expect(r.findings.attestations.map((a) => a.state)).toEqual(['expired', 'expired']);
    expect(exitCodeFor(r.summary)).toBe(1);
  });
});
