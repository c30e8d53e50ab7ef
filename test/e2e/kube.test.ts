import { execFile as execFileCb } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer } from '../collectors/kubernetes/fake-apiserver.ts';
import { loadManifests } from '../collectors/kubernetes/fixtures.ts';

const execFile = promisify(execFileCb);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const BIN = path.join(ROOT, 'bin', 'auditpack.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// Async on purpose: the fake API servers run in this process and must answer while the CLI runs.
async function cli(args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await execFile(process.execPath, [BIN, ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const Findings = z.object({
  schemaVersion: z.literal(1),
  run: z.object({ targets: z.array(z.object({ name: z.string(), source: z.string(), location: z.string() })) }),
  results: z.array(
    z.object({
      check: z.string(),
      status: z.enum(['pass', 'fail', 'error', 'not_applicable', 'waived']),
      target: z.string(),
      resource: z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() }),
      message: z.string(),
      evidence: z.array(z.string()),
    }),
  ),
  controls: z.array(z.object({ framework: z.string(), id: z.string(), status: z.string() })),
  gaps: z.array(z.object({ id: z.string(), target: z.string(), reason: z.string(), kinds: z.union([z.array(z.string()), z.literal('*')]), message: z.string() })),
});
type Findings = z.infer<typeof Findings>;

const EvidenceLine = z.object({ id: z.string(), target: z.string(), source: z.object({ type: z.string(), call: z.string().optional() }), sha256: z.string(), path: z.string(), kind: z.string().optional(), cli: z.string() });

async function findings(dir: string): Promise<Findings> {
  return Findings.parse(JSON.parse(await readFile(path.join(dir, 'findings.json'), 'utf8')));
}

// What must not depend on where the objects came from.
function judged(f: Findings, rename: (t: string) => string = (t) => t): string[] {
  return f.results.map((r) => JSON.stringify({ check: r.check, status: r.status, target: rename(r.target), resource: r.resource, message: r.message }));
}

const PA_DENIED = 'missing RBAC permission: list peerauthentications.security.istio.io (cluster-wide)';

describe('auditpack run against two live clusters (fake Kubernetes API servers over HTTPS)', () => {
  let eu: FakeApiServer;
  let us: FakeApiServer;
  let work: string;
  let kubeconfig: string;
  let live: Run;
  let snap: Run;
  let denied: Run;
  let collected: Run;
  let reported: Run;
  const out = { live: '', snap: '', denied: '', collected: '', reported: '' };

  beforeAll(async () => {
    // A mesh with Istio only: Linkerd and Consul CRDs are not installed.
    const crdGroups = ['security.istio.io', 'networking.istio.io', 'install.istio.io'];
    eu = await startFakeApiServer({ objects: await loadManifests(path.join(ROOT, 'demo/environment/prod-eu')), crdGroups, token: 'token-eu' });
    us = await startFakeApiServer({ objects: await loadManifests(path.join(ROOT, 'demo/environment/prod-us')), crdGroups, token: 'token-us' });
    work = await mkdtemp(path.join(os.tmpdir(), 'auditpack-kube-e2e-'));
    kubeconfig = path.join(work, 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigFor([{ name: 'prod-eu', server: eu }, { name: 'prod-us', server: us }]));
    out.live = path.join(work, 'live');
    out.snap = path.join(work, 'snap');
    out.denied = path.join(work, 'denied');
    out.collected = path.join(work, 'collected');
    out.reported = path.join(work, 'reported');

    [live, snap, collected] = await Promise.all([
      cli(['run', '--kubeconfig', kubeconfig, '--kube-context', 'prod-eu', '--kube-context', 'prod-us', '--out', out.live, '--no-pdf', '--log-format', 'text']),
      cli(['run', '--snapshot', 'demo/environment/prod-eu', '--target-name', 'prod-eu', '--snapshot', 'demo/environment/prod-us', '--target-name', 'prod-us', '--out', out.snap, '--no-pdf']),
      cli(['collect', '--kubeconfig', kubeconfig, '--all-contexts', '--out', out.collected]),
    ]);
    reported = await cli(['report', out.collected, '--out', out.reported, '--no-pdf']);
    us.addFault({ path: '/apis/security.istio.io/v1/peerauthentications', status: 403 });
    denied = await cli(['run', '--kubeconfig', kubeconfig, '--kube-context', 'prod-eu', '--kube-context', 'prod-us', '--out', out.denied, '--no-pdf', '--log-format', 'text']);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([eu.close(), us.close()]);
  });

  it('writes one report covering both clusters, each named after its context, from the Kubernetes API', async () => {
    const f = await findings(out.live);

    expect(live.code, live.stderr).toBe(snap.code);
    expect([1, 3]).toContain(live.code);
    expect(f.run.targets.map((t) => [t.name, t.source])).toEqual([
      ['prod-eu', 'kubernetes'],
      ['prod-us', 'kubernetes'],
    ]);
    expect(f.run.targets[0]?.location).toBe(`context prod-eu (${eu.url})`);
    expect(new Set(f.results.map((r) => r.target))).toEqual(new Set(['prod-eu', 'prod-us']));
    expect(f.gaps).toEqual([]);
    expect(live.stderr).toMatch(/\[collect\] prod-eu: \d+ objects from \d+ lists \(\d+ API requests\), 0 evidence gap\(s\), 2 not installed/);
    expect(eu.requests.every((r) => r.authorization === 'Bearer token-eu' && r.method === 'GET')).toBe(true);
    expect(eu.requests.some((r) => r.path.includes('secrets'))).toBe(false);
    const html = await readFile(path.join(out.live, 'report.html'), 'utf8');
    expect(html).toContain('policy.linkerd.io not installed');
  });

  it('gives the same findings as run on the same objects from snapshot folders', async () => {
    const l = await findings(out.live);
    const s = await findings(out.snap);

    expect(l.results.length).toBeGreaterThan(20);
    expect(judged(l)).toEqual(judged(s));
    expect(l.controls.map((c) => `${c.framework}:${c.id}=${c.status}`)).toEqual(s.controls.map((c) => `${c.framework}:${c.id}=${c.status}`));
  });

  it('collect --all-contexts writes signed live evidence that report judges exactly as run does', async () => {
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stdout).toMatch(/2 target\(s\), \d+ objects, 0 evidence gap\(s\)/);
    expect(reported.code, reported.stderr).toBe(live.code);

    expect(judged(await findings(out.reported))).toEqual(judged(await findings(out.live)));
  });

  it('stores every list item as its own evidence object with its API call, sha256 and kubectl command', async () => {
    const index = (await readFile(path.join(out.live, 'evidence', 'index.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => EvidenceLine.parse(JSON.parse(l)));
    const pa = index.find((r) => r.target === 'prod-eu' && r.kind === 'PeerAuthentication');

    expect(index.every((r) => r.source.type === 'kubernetes-api')).toBe(true);
    expect(pa?.source.call).toBe('GET /apis/security.istio.io/v1/peerauthentications?limit=500');
    expect(pa?.cli).toBe('kubectl --context prod-eu get peerauthentications.security.istio.io -A -o json');
    for (const r of index) {
      const bytes = await readFile(path.join(out.live, r.path));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(r.sha256);
    }
    const raw = JSON.parse(await readFile(path.join(out.live, pa?.path ?? ''), 'utf8')) as { apiVersion?: string; kind?: string };
    expect([raw.apiVersion, raw.kind]).toEqual(['security.istio.io/v1', 'PeerAuthentication']);
  });

  it('never writes a demo secret into the bundle', async () => {
    const secrets = ['S3cr3t-ledger-pw', 'hunter2-settlement', 'Pa55w0rd!', 'f3b1c0ffee-session-secret-value', 'sk_live_51H8example'];
    for (const f of await readdir(out.live, { recursive: true, withFileTypes: true })) {
      if (!f.isFile()) continue;
      const text = await readFile(path.join(f.parentPath, f.name), 'utf8');
      for (const s of secrets) expect(text.includes(s), `${s} in ${f.name}`).toBe(false);
    }
  });

  it('shows a 403 on peerauthentications as an evidence gap: no Istio mTLS result of that cluster passes, and the missing permission is named', async () => {
    const f = await findings(out.denied);
    const mtls = f.results.filter((r) => r.target === 'prod-us' && r.check.startsWith('istio-mtls-'));

    expect(f.gaps).toEqual([{ id: expect.stringMatching(/^gap-[0-9a-f]{16}$/) as unknown as string, target: 'prod-us', reason: 'access-denied', kinds: ['PeerAuthentication'], message: PA_DENIED }]);
    expect(mtls.length).toBeGreaterThan(0);
    expect(mtls.filter((r) => r.status === 'pass')).toEqual([]);
    expect(mtls.some((r) => r.status === 'error' && r.message.includes(PA_DENIED))).toBe(true);
    // The other cluster is judged as before.
    const before = judged(await findings(out.live)).filter((r) => r.includes('"target":"prod-eu"'));
    expect(judged(f).filter((r) => r.includes('"target":"prod-eu"'))).toEqual(before);
    expect(denied.stderr).toContain(`[collect] prod-us: evidence gap: ${PA_DENIED}`);
    expect(denied.stdout).toMatch(/evidence gaps: 1/);
    expect(await readFile(path.join(out.denied, 'report.html'), 'utf8')).toContain(PA_DENIED);
    expect(denied.code).not.toBe(0);
  });

  it('auditpack verify passes on the live bundles and the collected evidence', async () => {
    const runs = await Promise.all([out.live, out.denied, out.collected].map((dir) => cli(['verify', dir])));
    for (const v of runs) {
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout).toMatch(/^OK: /);
    }
  });

  it('refuses an unknown context and two targets with one name before collecting anything', async () => {
    const before = eu.requests.length;
    const [unknown, clash] = await Promise.all([
      cli(['run', '--kubeconfig', kubeconfig, '--kube-context', 'prod-ap', '--out', path.join(work, 'x'), '--no-pdf']),
      cli(['run', '--kubeconfig', kubeconfig, '--kube-context', 'prod-eu', '--snapshot', 'demo/environment/prod-eu', '--out', path.join(work, 'y'), '--no-pdf']),
    ]);

    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown Kubernetes context "prod-ap"; the kubeconfig has: prod-eu, prod-us');
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('Two targets are both named "prod-eu"');
    expect(eu.requests.length).toBe(before);
  });
});
