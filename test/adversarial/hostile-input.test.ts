import { execFile as execFileCb } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const execFile = promisify(execFileCb);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

const HUGE = `huge-${'x'.repeat(1024 * 1024)}-end`;
const HOSTILE = {
  script: '<script>alert("pwned")</script>',
  handlebars: '{{constructor.constructor("alert(1)")()}}',
  ansi: '\u001b[31mRED\u001b[0m\u001b]0;title\u0007',
  rlo: 'invoice\u202Egnp.exe',
  html: '<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>',
};

// Every kind of hostile and broken input in one snapshot, mixed into the demo cluster: the run must
// finish, judge what it can, report each problem as a gap or an ignored input, escape and bound
// every string, and keep the full values in raw evidence.
function hostileFiles(): Record<string, string> {
  const aliasBomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) aliasBomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  const depth = 5000;
  const deep = `${'{"d":'.repeat(depth)}{"leaf":"bottom"}${'}'.repeat(depth)}`;
  return {
    'hostile/namespace.yaml': [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: hostile',
      // Labels, not annotations: annotation values no check reads are redacted (issue 13), labels
      // stay and are shown, so they carry the hostile strings to the report.
      '  labels:',
      '    istio-injection: enabled',
      ...Object.entries(HOSTILE).map(([k, v]) => `    hostile/${k}: ${JSON.stringify(v)}`),
      `    hostile/huge: ${JSON.stringify(HUGE)}`,
    ].join('\n'),
    'hostile/workload.json': JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'svc-with-odd-labels', namespace: 'hostile', labels: { team: HOSTILE.script } },
      spec: { template: { metadata: { labels: { app: 'odd' } }, spec: { containers: [{ name: 'app', image: HOSTILE.html, ports: [{ containerPort: 8080 }] }] } } },
    }),
    'broken/invalid.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n  labels: {a: [unclosed\n',
    'broken/invalid.json': '{"apiVersion": "v1", "kind": "Service",\n "metadata": {"name": "x"},\n "spec": }\n',
    'broken/alias-bomb.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb, namespace: hostile}\ndata:\n${aliasBomb.map((l) => `  ${l}`).join('\n')}\n`,
    'broken/unknown-kind.yaml': 'apiVersion: example.com/v1\nkind: FluxCapacitor\nmetadata: {name: doc, namespace: hostile}\nspec: {gigawatts: 1.21}\n',
    'broken/no-metadata.yaml': 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nspec: {mtls: {mode: STRICT}}\n',
    'broken/duplicate.yaml': [
      'apiVersion: security.istio.io/v1',
      'kind: AuthorizationPolicy',
      'metadata: {name: twice, namespace: hostile}',
      'spec: {}',
      '---',
      'apiVersion: security.istio.io/v1',
      'kind: AuthorizationPolicy',
      'metadata: {name: twice, namespace: hostile}',
      'spec: {rules: [{}]}',
    ].join('\n'),
    'broken/future-version.yaml': 'apiVersion: security.istio.io/v2alpha9\nkind: PeerAuthentication\nmetadata: {name: future, namespace: hostile}\nspec:\n  mtls: {mode: STRICT}\n  quantumResistant: {enabled: true}\n',
    'broken/bad-enum.yaml': 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: typo, namespace: hostile}\nspec: {mtls: {mode: STRICTT}}\n',
    'broken/deep.json': `{"apiVersion":"example.com/v1","kind":"Deep","metadata":{"name":"deep","namespace":"hostile"},"spec":${deep}}`,
    'broken/empty.yaml': '',
    'broken/not-k8s.json': '{"Findings": [], "NextToken": null}',
  };
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

interface Findings {
  results: { check: string; status: string; resource: { name: string; namespace?: string } }[];
  gaps: { reason: string; file?: string; line?: number; kinds: string[] | '*'; message: string }[];
}

describe('hostile and broken input (adversarial suite)', () => {
  let out: string;
  let code: number;
  let stdout: string;
  let stderr: string;
  let findings: Findings;
  let html: string;

  beforeAll(async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-hostile-'));
    const snap = path.join(tmp, 'prod-eu');
    await cp(path.join(ROOT, 'demo/environment/prod-eu'), snap, { recursive: true });
    for (const [name, text] of Object.entries(hostileFiles())) {
      await mkdir(path.dirname(path.join(snap, name)), { recursive: true });
      await writeFile(path.join(snap, name), text);
    }
    // A 500 MB snapshot file (sparse, so the test stays cheap) is refused with a clear limit.
    await writeFile(path.join(snap, 'broken', 'huge.json'), '');
    await truncate(path.join(snap, 'broken', 'huge.json'), 500 * 1024 * 1024);
    out = path.join(tmp, 'out');
    const r = await execFile(process.execPath, [path.join(ROOT, 'bin/auditpack.js'), 'run', '--snapshot', snap, '--out', out], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).then(
      (x) => ({ code: 0, ...x }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    ({ code, stdout, stderr } = r);
    findings = JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')) as Findings;
    html = await readFile(path.join(out, 'report.html'), 'utf8');
  }, 180_000);

  it('completes, signs and verifies despite every broken input', async () => {
    expect([1, 3], stderr).toContain(code);
    const verify = await execFile(process.execPath, [path.join(ROOT, 'bin/auditpack.js'), 'verify', out], { cwd: ROOT });
    expect(verify.stdout).toMatch(/^OK/);
  });

  it('reports each unreadable file as a gap with file and line', () => {
    const byFile = (f: string) => findings.gaps.find((g) => g.file === f);
    expect(byFile('broken/invalid.yaml')).toMatchObject({ reason: 'parse-error', kinds: ['ConfigMap'] });
    // The flow sequence opened on line 5 is found unterminated at the end of the file.
    expect(byFile('broken/invalid.yaml')?.line).toBeGreaterThanOrEqual(5);
    expect(byFile('broken/invalid.json')).toMatchObject({ reason: 'parse-error', line: 3, kinds: ['Service'] });
    expect(byFile('broken/alias-bomb.yaml')).toMatchObject({ reason: 'parse-error', kinds: ['ConfigMap'] });
    expect(byFile('broken/huge.json')).toMatchObject({ reason: 'too-large', kinds: '*' });
    expect(byFile('broken/huge.json')?.message).toMatch(/524288000 bytes, above the 67108864-byte limit/);
    expect(findings.gaps.some((g) => g.reason === 'schema-invalid' && g.message.includes('STRICTT') === false && g.kinds !== '*' && g.kinds.includes('PeerAuthentication'))).toBe(true);
  });

  it('never lets a broken PeerAuthentication turn into a pass for the namespace it was in', () => {
    const hostileMtls = findings.results.filter((r) => r.check === 'istio-mtls-strict' && r.resource.namespace === 'hostile');
    expect(hostileMtls.length).toBeGreaterThan(0);
    expect(hostileMtls.every((r) => r.status !== 'pass')).toBe(true);
  });

  it('lists unknown kinds, duplicates, empty and non-Kubernetes documents as ignored inputs', () => {
    expect(html).toContain('FluxCapacitor');
    expect(html).toMatch(/duplicate of ev-[0-9a-f]{16}/);
    expect(html).toContain('not a Kubernetes object');
  });

  it('escapes hostile strings and bounds huge ones in HTML', () => {
    expect(html).not.toContain(HOSTILE.script);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).toContain('&lt;script&gt;alert(');
    expect(html).not.toContain('\u001b');
    expect(html).not.toContain('\u202E');
    expect(html).not.toContain('x'.repeat(5000));
    expect(html.length).toBeLessThan(3 * 1024 * 1024);
  });

  it('shows hostile strings as text in the PDF', async () => {
    const { stdout: text } = await execFile('pdftotext', [path.join(out, 'report.pdf'), '-'], { maxBuffer: 64 * 1024 * 1024 });
    expect(text).toContain('<script>alert("pwned")');
    expect(text).not.toContain('x'.repeat(5000));
  });

  it('keeps the full values in raw evidence', async () => {
    // Only a raw file big enough to hold the value can hold it: read those, not all of them.
    const raws = (await listFiles(out)).filter((f) => f.startsWith('evidence/raw/'));
    const sizes = await Promise.all(raws.map(async (f) => ({ f, size: (await stat(path.join(out, f))).size })));
    const candidates = sizes.filter((x) => x.size >= HUGE.length).map((x) => x.f);
    expect(candidates.length).toBeGreaterThan(0);
    let found = false;
    for (const f of candidates) if ((await readFile(path.join(out, f), 'utf8')).includes(HUGE)) found = true;
    expect(found).toBe(true);
  });

  it('keeps terminal output free of escape sequences from the input', () => {
    expect(stdout + stderr).not.toContain('\u001b[31m');
    expect(stdout + stderr).not.toContain('\u202E');
  });

  it('stores transcripts that cannot drive a terminal', async () => {
    for (const f of (await listFiles(out)).filter((x) => x.startsWith('evidence/cli/'))) {
      expect(await readFile(path.join(out, f), 'utf8')).not.toMatch(/[\u001b\u0007\u202E]/);
    }
  });
});
