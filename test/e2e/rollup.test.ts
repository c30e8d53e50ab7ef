import { execFile as execFileCb } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

// Issue 11's done-when checks, through the real CLI on snapshot folders: the roll-up as a user sees it.

const execFile = promisify(execFileCb);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const BIN = path.join(ROOT, 'bin', 'auditpack.js');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFile(process.execPath, [BIN, ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const Edge = z.object({
  check: z.string(),
  strength: z.enum(['satisfies', 'supports']),
  rationale: z.string().min(10),
  source: z.string().min(1),
  counts: z.record(z.string(), z.number()),
  notAssessed: z.string().optional(),
});
const Findings = z.object({
  results: z.array(z.object({ id: z.string(), check: z.string(), status: z.string(), resource: z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() }), message: z.string() })),
  controls: z.array(
    z.object({
      framework: z.string(),
      id: z.string(),
      status: z.string(),
      reason: z.string().min(1),
      evidence: z.enum(['automated', 'partial', 'manual']),
      edges: z.array(Edge),
      resultIds: z.array(z.string()),
      results: z.number(),
    }),
  ),
});
type Findings = z.infer<typeof Findings>;

const yaml = (docs: string[]): string => docs.join('\n---\n');

const NAMESPACE = (labels: string): string => `apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels: {${labels}}`;

const LEDGER = (annotations = '{}'): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ledger
  namespace: payments
spec:
  replicas: 2
  selector:
    matchLabels: {app: ledger}
  template:
    metadata:
      labels: {app: ledger}
      annotations: ${annotations}
    spec:
      containers:
        - name: ledger
          image: registry.example.com/payments/ledger:4.2.0
          ports:
            - containerPort: 8080
              protocol: TCP`;

const MESH_PA = (mode: string): string => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
  creationTimestamp: "2026-09-01T10:00:00Z"
spec:
  mtls:
    mode: ${mode}`;

const ISTIO_MESH_CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
data:
  mesh: |-
    outboundTrafficPolicy:
      mode: REGISTRY_ONLY`;

async function runSnapshot(docs: string[], extra: string[] = []): Promise<{ code: number; stderr: string; findings: Findings; html: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-rollup-'));
  const snap = path.join(dir, 'prod-eu');
  await mkdir(snap);
  await writeFile(path.join(snap, 'estate.yaml'), yaml(docs));
  const out = path.join(dir, 'out');
  const run = await cli(['run', '--snapshot', snap, '--out', out, '--format', 'html,json', ...extra]);
  const findings = Findings.parse(JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')));
  const html = await readFile(path.join(out, 'report.html'), 'utf8');
  return { code: run.code, stderr: run.stderr, findings, html };
}

function control(f: Findings, framework: string, id: string): Findings['controls'][number] {
  const c = f.controls.find((x) => x.framework === framework && x.id === id);
  if (!c) throw new Error(`no control ${framework}:${id}`);
  return c;
}

// Satisfied needs a passing result on a satisfies edge; supports edges alone never satisfy.
function satisfiedThroughSupportsOnly(f: Findings): string[] {
  return f.controls
    .filter((c) => c.status === 'satisfied')
    .filter((c) => !c.edges.some((e) => e.strength === 'satisfies' && (e.counts['pass'] ?? 0) + (e.counts['waived'] ?? 0) > 0))
    .map((c) => `${c.framework}:${c.id}`);
}

describe('roll-up done-when checks (real CLI on snapshots)', () => {
  it('no mesh, one plaintext Deployment in a pci-cde namespace: mesh-mtls-coverage fails, HIPAA 164.312(e)(1) and SOC 2 CC6.7 not satisfied, exit 1', async () => {
    const { code, stderr, findings, html } = await runSnapshot([NAMESPACE('data-classification: pci-cde'), LEDGER()]);
    expect(code, stderr).toBe(1);
    const coverage = findings.results.filter((r) => r.check === 'mesh-mtls-coverage');
    expect(coverage).toHaveLength(1);
    expect(coverage[0]).toMatchObject({ status: 'fail', resource: { kind: 'Deployment', namespace: 'payments', name: 'ledger' } });
    expect(coverage[0]?.message).toMatch(/is in no service mesh .*8080 accept plaintext/);
    for (const [fw, id] of [['hipaa', '164.312(e)(1)'], ['soc2', 'CC6.7'], ['hipaa', '164.312(e)(2)(ii)'], ['pci-dss-4', '4.2.1']] as const) {
      const c = control(findings, fw, id);
      expect(c.status, `${fw}:${id}: ${c.reason}`).toBe('not_satisfied');
      expect(c.resultIds).toContain(coverage[0]?.id);
    }
    // Nothing is declared out of scope, so no control reads "does not apply".
    expect(findings.controls.filter((c) => c.status === 'not_applicable')).toEqual([]);
    // No cloud in the run: every cloud edge says it was not assessed, and no control reads "does not apply".
    const cloudEdges = findings.controls.flatMap((c) => c.edges).filter((e) => e.check.startsWith('aws-'));
    expect(cloudEdges.length).toBeGreaterThan(0);
    for (const e of cloudEdges) expect(e.notAssessed).toBe('not assessed: no AWS account in this run');
    expect(satisfiedThroughSupportsOnly(findings)).toEqual([]);
    expect(html).toMatch(/HIPAA Security Rule: \d+ standards and specifications; \d+ with automated evidence: \d+ satisfied/);
  }, 120_000);

  describe('an attestation on a partial control (SOC 2 CC6.7)', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-attest-'));
      await writeFile(
        path.join(dir, 'attestations.yaml'),
        `attestations:
  - framework: soc2
    control: CC6.7
    statement: Data leaving the cluster to partners is sent over TLS 1.2+ only; reviewed in the Q3 network review.
    attestedBy: "Dana Whitfield (CISO)"
    attestedAt: 2026-01-05
    validUntil: 2036-01-04
`,
      );
    });
    const meshed = (mode: string): string[] => [
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system`,
      ISTIO_MESH_CONFIG,
      MESH_PA(mode),
      NAMESPACE('istio-injection: enabled'),
      LEDGER(),
    ];

    it('makes it satisfied when its automated part passes', async () => {
      const { findings } = await runSnapshot(meshed('STRICT'), ['--attestations', path.join(dir, 'attestations.yaml')]);
      const c = control(findings, 'soc2', 'CC6.7');
      expect(c.evidence).toBe('partial');
      expect(c.status, c.reason).toBe('satisfied');
      expect(c.reason).toMatch(/the automated part passed .* attested by Dana Whitfield/);
      expect(satisfiedThroughSupportsOnly(findings)).toEqual([]);
    }, 120_000);

    it('leaves it needing attestation without one, and not satisfied when the automated part fails', async () => {
      const without = await runSnapshot(meshed('STRICT'));
      expect(control(without.findings, 'soc2', 'CC6.7').status).toBe('manual');
      const failing = await runSnapshot(meshed('PERMISSIVE'), ['--attestations', path.join(dir, 'attestations.yaml')]);
      const c = control(failing.findings, 'soc2', 'CC6.7');
      expect(c.status, c.reason).toBe('not_satisfied');
      expect(c.reason).toMatch(/does not override the automated results/);
      expect(failing.code).toBe(1);
    }, 120_000);
  });

  it('the demo: no control is satisfied through supports edges alone, and page 1 gives each framework one coverage line', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-demo-rollup-'));
    const out = path.join(dir, 'demo');
    const run = await cli(['demo', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const findings = Findings.parse(JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')));
    expect(satisfiedThroughSupportsOnly(findings)).toEqual([]);
    for (const c of findings.controls) {
      if (c.status !== 'satisfied') continue;
      expect(c.evidence, `${c.framework}:${c.id}`).not.toBe('manual');
    }
    // Page 1 of the PDF, read back with pdftotext: every framework's whole coverage line.
    const { stdout } = await execFile('pdftotext', ['-f', '1', '-l', '1', path.join(out, 'report.pdf'), '-']);
    const page1 = stdout.replace(/\s+/g, ' ');
    for (const [label, noun] of [['SOC 2', 'criteria'], ['HIPAA Security Rule', 'standards and specifications'], ['PCI DSS v4\\.0\\.1', 'requirements']] as const) {
      expect(page1).toMatch(new RegExp(`${label}: \\d+ ${noun}; \\d+ with automated evidence: \\d+ satisfied, \\d+ not satisfied, \\d+ insufficient; \\d+ need attestation, \\d+ attested\\.`));
    }
  }, 180_000);

  it('a control declared not applicable in the config says so, with justification and approver', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-na-'));
    const snap = path.join(dir, 'prod-eu');
    await mkdir(snap);
    await writeFile(path.join(snap, 'estate.yaml'), yaml([NAMESPACE('team: payments'), LEDGER()]));
    await writeFile(
      path.join(dir, 'auditpack.yaml'),
      `targets:
  snapshots:
    - dir: prod-eu
output:
  formats: [html, json]
notApplicable:
  - control: "pci-dss-4:A1.1.1"
    justification: We are not a multi-tenant service provider; no customer environments are hosted.
    approver: "Sam Okafor (QSA liaison)"
`,
    );
    const out = path.join(dir, 'out');
    const run = await cli(['run', '--config', path.join(dir, 'auditpack.yaml'), '--out', out]);
    const findings = Findings.parse(JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')));
    const c = control(findings, 'pci-dss-4', 'A1.1.1');
    expect(c.status, run.stderr).toBe('not_applicable');
    expect(c.reason).toBe('Declared not applicable by Sam Okafor (QSA liaison): We are not a multi-tenant service provider; no customer environments are hosted.');
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toContain('Declared by Sam Okafor (QSA liaison)');
    // A typo in a declared control id is a configuration error, never a silently ignored scoping decision.
    await writeFile(path.join(dir, 'bad.yaml'), `targets:\n  snapshots:\n    - dir: prod-eu\nnotApplicable:\n  - control: "pci-dss-4:A9.9.9"\n    justification: Not a service provider at all.\n    approver: Sam\n`);
    const bad = await cli(['run', '--config', path.join(dir, 'bad.yaml'), '--out', path.join(dir, 'out2')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown control "pci-dss-4:A9\.9\.9"/);
  }, 120_000);
});
