import { execFile as execFileCb } from 'node:child_process';
import { copyFile, mkdtemp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const execFile = promisify(execFileCb);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const BIN = path.join(ROOT, 'bin', 'auditpack.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], cwd = ROOT): Promise<Run> {
  try {
    const { stdout, stderr } = await execFile(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, p)));
    else out.push(p);
  }
  return out;
}

// The findings.json contract of DESIGN.md.
const Findings = z.object({
  schemaVersion: z.literal(1),
  run: z.object({ id: z.string().min(1), startedAt: z.iso.datetime(), tool: z.object({ name: z.literal('auditpack'), version: z.string() }) }),
  results: z.array(
    z.object({
      check: z.string().regex(/^[a-z0-9-]+$/),
      status: z.enum(['pass', 'fail', 'error', 'not_applicable', 'waived']),
      severity: z.enum(['critical', 'high', 'medium', 'low', 'info']),
      target: z.string(),
      resource: z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() }),
      message: z.string().min(1),
      evidence: z.array(z.string().regex(/^ev-[0-9a-f]{16}$/)),
      controls: z.array(z.string().regex(/^(soc2|hipaa|pci-dss-4):.+$/)),
    }),
  ),
  controls: z.array(
    z.object({
      framework: z.enum(['soc2', 'hipaa', 'pci-dss-4']),
      id: z.string(),
      status: z.enum(['satisfied', 'not_satisfied', 'insufficient_evidence', 'manual', 'not_applicable']),
      results: z.number().int().min(0),
    }),
  ),
});
type Findings = z.infer<typeof Findings>;

describe('auditpack demo (end to end, real Chromium)', () => {
  let out: string;
  let run: Run;
  let findings: Findings;

  beforeAll(async () => {
    out = path.join(await mkdtemp(path.join(os.tmpdir(), 'auditpack-demo-')), 'bundle');
    run = await cli(['demo', '--out', out]);
    findings = Findings.parse(JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')));
  }, 180_000);

  it('exits 0 and writes the full bundle layout', async () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/ONE-TIME key/);
    const files = await listFiles(out);
    for (const f of ['run.json', 'findings.json', 'findings.csv', 'report.html', 'report.pdf', 'manifest.json', 'manifest.sig', 'VERIFY.md', 'evidence/index.jsonl']) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => /^evidence\/raw\/[0-9a-f]{64}\.json$/.test(f))).toBe(true);
    expect(files.some((f) => /^evidence\/cli\/ev-[0-9a-f]{16}\.txt$/.test(f))).toBe(true);
  });

  it('judges both demo clusters with a mix of results, and every evidence id resolves', async () => {
    const targets = new Set(findings.results.map((r) => r.target));
    expect([...targets].sort()).toEqual(['aws-payments-prod', 'azure-web-prod', 'gcp-analytics', 'prod-eu', 'prod-us']);
    const statuses = new Set(findings.results.map((r) => r.status));
    expect(statuses.has('pass') && statuses.has('fail')).toBe(true);
    const index = (await readFile(path.join(out, 'evidence/index.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: string; sha256: string; cli: string });
    const ids = new Set(index.map((r) => r.id));
    for (const r of findings.results) for (const e of r.evidence) expect(ids.has(e)).toBe(true);
    expect(index.some((r) => r.cli.startsWith('kubectl get peerauthentications.security.istio.io default -n istio-system -o json'))).toBe(true);
    // Known demo defects are found.
    const failing = (check: string, name: string): boolean => findings.results.some((r) => r.check === check && r.status === 'fail' && r.resource.name === name);
    expect(failing('istio-sidecar-coverage', 'prometheus')).toBe(true);
    expect(failing('istio-authz-no-allow-all', 'frontend-allow-all')).toBe(true);
    expect(failing('istio-destinationrule-tls', 'legacy-db')).toBe(true);
    expect(findings.controls.find((c) => c.framework === 'hipaa' && c.id === '164.312(e)(1)')?.status).toBe('not_satisfied');
  });

  it('never writes a demo secret into the bundle', async () => {
    const secrets = ['S3cr3t-ledger-pw', 'hunter2-settlement', 'Pa55w0rd!', 'f3b1c0ffee-session-secret-value', 'sk_live_51H8example'];
    for (const f of await listFiles(out)) {
      if (f.endsWith('.pdf')) continue;
      const text = await readFile(path.join(out, f), 'utf8');
      for (const s of secrets) expect(text.includes(s), `${s} found in ${f}`).toBe(false);
    }
    const { stdout: pdfText } = await execFile('pdftotext', [path.join(out, 'report.pdf'), '-']);
    for (const s of secrets) expect(pdfText.includes(s)).toBe(false);
  });

  it('puts the executive summary on page 1 of the PDF', async () => {
    const { stdout: page1 } = await execFile('pdftotext', ['-f', '1', '-l', '1', '-layout', path.join(out, 'report.pdf'), '-']);
    expect(page1).toMatch(/Executive summary/i);
    expect(page1).toMatch(/SOC 2/);
    expect(page1).toMatch(/HIPAA/);
    expect(page1).toMatch(/PCI DSS/);
    const { stdout: info } = await execFile('pdfinfo', [path.join(out, 'report.pdf')]);
    expect(Number(/Pages:\s+(\d+)/.exec(info)?.[1])).toBeGreaterThan(2);
    const png = path.join(path.dirname(out), 'page1');
    await execFile('pdftoppm', ['-png', '-r', '40', '-f', '1', '-l', '1', '-singlefile', path.join(out, 'report.pdf'), png]);
    expect((await readFile(`${png}.png`)).subarray(1, 4).toString()).toBe('PNG');
  });

  // Annotation values no check reads are redacted by structure (issue 13): the <script> note is
  // neither markup nor text; its length marker stands in its place. Escaping of hostile text that
  // stays is covered by test/adversarial/hostile-input.test.ts.
  it('redacts a <script> namespace annotation no check reads, in HTML and PDF', async () => {
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script>alert\(/);
    expect(html).not.toMatch(/&lt;script&gt;alert\(/);
    expect(html).toContain('acme.example/notes');
    expect(html).toMatch(/\[redacted: \d+ chars\]/);
    const { stdout: pdfText } = await execFile('pdftotext', [path.join(out, 'report.pdf'), '-']);
    expect(pdfText).not.toContain("alert('web team')");
  });

  // The in-process suite (test/bundle/verify.test.ts) flips a byte in every listed file; here the
  // real CLI sees one file of each kind, flipped in place and restored, so it stays cheap on 2 cores.
  it('verifies, and fails after one flipped byte in a file of each kind', async () => {
    const ok = await cli(['verify', out]);
    expect(ok.code, ok.stderr).toBe(0);
    const files = (await listFiles(out)).filter((f) => f !== 'manifest.sig');
    const kindOf = (f: string): string => (f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : f);
    const sample = [...new Map(files.map((f) => [kindOf(f), f])).values()];
    expect(sample).toEqual(expect.arrayContaining(['manifest.json', 'report.html', 'findings.json']));
    expect(sample.some((f) => f.startsWith('evidence/raw/'))).toBe(true);
    for (const f of sample) {
      const p = path.join(out, f);
      const original = await readFile(p);
      const bytes = Buffer.from(original);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] ?? 0) ^ 0x01;
      await writeFile(p, bytes);
      try {
        const bad = await cli(['verify', out]);
        expect(bad.code, `flipping a byte in ${f} must fail verification`).toBe(1);
      } finally {
        await writeFile(p, original);
      }
    }
    const again = await cli(['verify', out]);
    expect(again.code, again.stderr).toBe(0);
  }, 120_000);
});

describe('auditpack run --snapshot on upstream Istio samples', () => {
  it('judges bookinfo, httpbin and sleep with policies, and findings.json follows the contract', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-samples-'));
    const snap = path.join(tmp, 'istio-samples');
    await mkdir(snap);
    for (const f of ['bookinfo.yaml', 'httpbin.yaml', 'sleep.yaml', 'bookinfo-destination-rule-all-mtls.yaml']) {
      await copyFile(path.join(ROOT, 'test/fixtures/upstream/istio', f), path.join(snap, f));
    }
    await copyFile(path.join(ROOT, 'test/fixtures/policies/istio-samples-policies.yaml'), path.join(snap, 'policies.yaml'));
    const out = path.join(tmp, 'out');
    const run = await cli(['run', '--snapshot', snap, '--out', out, '--no-pdf']);
    expect(run.code, run.stderr).toBe(1);
    const findings = Findings.parse(JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')));
    expect(findings.results.every((r) => r.target === 'istio-samples')).toBe(true);
    const mtls = findings.results.filter((r) => r.check === 'istio-mtls-strict' && r.resource.name === 'httpbin');
    expect(mtls.length).toBeGreaterThan(0);
    // portLevelMtls 80 is a Service port: httpbin's container port 8080 stays STRICT.
    expect(mtls.every((r) => r.status === 'pass')).toBe(true);
    expect(findings.results.find((r) => r.check === 'istio-mtls-mesh-strict')?.status).toBe('pass');
    for (const r of findings.results.filter((x) => x.check === 'istio-destinationrule-tls')) expect(r.status).toBe('pass');
    expect((await cli(['verify', out])).code).toBe(0);
  }, 120_000);

  it('exits 2 with a clear message for a missing snapshot folder', async () => {
    const run = await cli(['run', '--snapshot', '/nonexistent/dir', '--out', path.join(os.tmpdir(), 'x-out')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Snapshot folder not found: \/nonexistent\/dir/);
  });
});

describe('auditpack collect then report', () => {
  it('gives the same findings as run on the same snapshot, and refuses tampered evidence', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-stages-'));
    const snap = path.join(ROOT, 'demo/environment/prod-eu');
    const ran = await cli(['run', '--snapshot', snap, '--out', path.join(tmp, 'run'), '--no-pdf']);
    expect(ran.code, ran.stderr).toBe(1);
    const collected = await cli(['collect', '--snapshot', snap, '--out', path.join(tmp, 'evidence')]);
    expect(collected.code, collected.stderr).toBe(0);
    expect((await cli(['verify', path.join(tmp, 'evidence')])).code).toBe(0);
    const reported = await cli(['report', path.join(tmp, 'evidence'), '--out', path.join(tmp, 'report'), '--no-pdf']);
    expect(reported.code, reported.stderr).toBe(1);
    const strip = async (dir: string): Promise<unknown> => {
      const f = JSON.parse(await readFile(path.join(dir, 'findings.json'), 'utf8')) as { results: unknown; controls: unknown };
      return { results: f.results, controls: f.controls };
    };
    expect(await strip(path.join(tmp, 'report'))).toEqual(await strip(path.join(tmp, 'run')));

    const raw = (await readdir(path.join(tmp, 'evidence/evidence/raw')))[0] ?? '';
    await writeFile(path.join(tmp, 'evidence/evidence/raw', raw), '{"kind":"forged"}\n');
    const refused = await cli(['report', path.join(tmp, 'evidence'), '--out', path.join(tmp, 'report2'), '--no-pdf']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/does not verify.*refusing to report/);
  }, 120_000);
});
