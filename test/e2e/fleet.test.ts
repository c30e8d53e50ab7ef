import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { main } from '../../src/cli/main.ts';
import { LogLine } from '../../src/logging/reporter.ts';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer } from '../collectors/kubernetes/fake-apiserver.ts';

// A fleet of live clusters through the real CLI: 50 fake Kubernetes API servers over HTTPS, one
// kubeconfig context each, one of them stopped. The 49 others are compliant, so the only thing
// between the run and exit 0 is the dead cluster, which must surface as an evidence gap (exit 3).

const Findings = z.object({
  run: z.object({ targets: z.array(z.object({ name: z.string(), source: z.string(), location: z.string() })) }),
  results: z.array(z.object({ check: z.string(), status: z.string(), target: z.string() })),
  controls: z.array(z.object({ framework: z.string(), id: z.string(), status: z.string() })),
  gaps: z.array(z.object({ id: z.string(), target: z.string(), reason: z.string(), kinds: z.union([z.array(z.string()), z.literal('*')]), message: z.string() })),
});
type Findings = z.infer<typeof Findings>;

const Targets = z.object({ targets: z.array(z.object({ name: z.string(), objects: z.number(), gaps: z.array(z.object({ kinds: z.union([z.array(z.string()), z.literal('*')]), message: z.string() })) })) });

// A small cluster that satisfies every automated control it is in scope for: its namespaces deny
// ingress and egress by default. `extra` namespaces make clusters differ in size.
function compliantCluster(extra: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let n = 0; n <= extra; n++) {
    const ns = `shop-${n}`;
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, creationTimestamp: '2026-03-01T00:00:00Z' } });
    out.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: ns }, spec: { selector: { app: 'api' }, ports: [{ port: 80 }] } });
  }
  return out;
}

interface CliRun {
  code: number;
  out: string[];
  err: string[];
  ms: number;
}

async function run(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const t0 = performance.now();
  const code = await main(['node', 'auditpack', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err, ms: performance.now() - t0 };
}

async function findings(dir: string): Promise<Findings> {
  return Findings.parse(JSON.parse(await readFile(path.join(dir, 'findings.json'), 'utf8')));
}

function logLines(err: readonly string[]): LogLine[] {
  return err.map((line, i) => {
    const parsed = LogLine.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`stderr line ${i + 1} is not a log event: ${line}`);
    return parsed.data;
  });
}

const CLUSTERS = 50;
const DEAD = 17;
const name = (i: number): string => `cluster-${String(i).padStart(2, '0')}`;

describe('a 50-cluster fleet with one API server down', () => {
  let servers: FakeApiServer[];
  let work: string;
  let result: CliRun;
  let outDir: string;

  beforeAll(async () => {
    servers = await Promise.all(Array.from({ length: CLUSTERS }, (_, i) => startFakeApiServer({ objects: compliantCluster(i % 4), crdGroups: [], token: `token-${i}` })));
    work = await mkdtemp(path.join(os.tmpdir(), 'auditpack-fleet-'));
    const kubeconfig = path.join(work, 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigFor(servers.map((server, i) => ({ name: name(i), server }))));
    // Stopped: its port now refuses connections.
    await servers[DEAD]?.close();
    outDir = path.join(work, 'out');
    result = await run(['run', '--kubeconfig', kubeconfig, '--all-contexts', '--out', outDir, '--no-pdf', '--format', 'json', '--log-format', 'json', '--concurrency', '8']);
    const requests = servers.map((s) => s.requests.length);
    // Figures for the report, not assertions.
    console.log(`fleet: ${CLUSTERS} clusters, wall time ${(result.ms / 1000).toFixed(1)} s, ${requests.reduce((a, b) => a + b, 0)} API requests answered (min ${Math.min(...requests.filter((_, i) => i !== DEAD))}, max ${Math.max(...requests)} per live cluster), exit ${result.code}`);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(servers.filter((_, i) => i !== DEAD).map((s) => s.close()));
  });

  it('completes, reports the dead cluster as a target-level gap naming the cause, and exits 3', async () => {
    const f = await findings(outDir);

    expect(result.code, result.err.slice(-5).join('\n')).toBe(3);
    expect(f.run.targets.map((t) => t.name)).toEqual(Array.from({ length: CLUSTERS }, (_, i) => name(i)));
    expect(f.gaps).toHaveLength(1);
    expect(f.gaps[0]).toMatchObject({ target: name(DEAD), kinds: '*', reason: 'api-error' });
    expect(f.gaps[0]?.message).toMatch(new RegExp(`discovery failed for context ${name(DEAD)} \\(https://127\\.0\\.0\\.1:\\d+\\).*ECONNREFUSED.*gave up after 3 attempts`));
    expect(result.out.join('\n')).toContain('evidence gaps: 1');
  });

  it('judges the 49 live clusters: nothing fails, and nothing from the dead one passes', async () => {
    const f = await findings(outDir);
    const judged = new Set(f.results.filter((r) => r.status === 'pass').map((r) => r.target));

    expect(judged.size).toBe(CLUSTERS - 1);
    expect(judged.has(name(DEAD))).toBe(false);
    expect(f.results.filter((r) => r.status === 'fail')).toEqual([]);
    expect(f.results.filter((r) => r.target === name(DEAD)).every((r) => r.status === 'error' || r.status === 'not_applicable')).toBe(true);
    expect(f.controls.filter((c) => c.status === 'not_satisfied')).toEqual([]);
    expect(f.controls.some((c) => c.status === 'insufficient_evidence')).toBe(true);
    servers.forEach((s, i) => {
      // These generated clusters have no kube-system namespace: the identity read of its uid gets 404.
      if (i !== DEAD) expect(s.requests.every((r) => (r.status === 200 || (r.status === 404 && r.path === '/api/v1/namespaces/kube-system')) && r.authorization === `Bearer token-${i}`)).toBe(true);
    });
  });

  it('gives up on the dead server after the bounded connection retries, not the target timeout', () => {
    const lines = logLines(result.err);
    const retries = lines.filter((l) => l.event === 'retry' && l.target === name(DEAD));

    expect(retries.map((l) => l.message)).toEqual([expect.stringMatching(/ECONNREFUSED.*retry 1 in 0\.5 s/), expect.stringMatching(/ECONNREFUSED.*retry 2 in 1\.0 s/)]);
    expect(lines.some((l) => /per-target timeout/.test(l.message))).toBe(false);
  });

  it('logs one JSON event per stderr line, with a start and a timed finish per target', () => {
    const lines = logLines(result.err);
    const finished = lines.filter((l) => l.event === 'finish' && l.stage === 'collect' && l.target !== undefined);

    expect(finished.map((l) => l.target).sort()).toEqual(Array.from({ length: CLUSTERS }, (_, i) => name(i)));
    expect(finished.every((l) => typeof l.durationMs === 'number')).toBe(true);
    expect(lines.filter((l) => l.event === 'start' && l.stage === 'collect' && l.target !== undefined)).toHaveLength(CLUSTERS);
    expect(lines.find((l) => l.event === 'start' && l.target === undefined)?.total).toBe(CLUSTERS);
    expect(lines.find((l) => l.event === 'gap')).toMatchObject({ level: 'warn', target: name(DEAD) });
    for (const stage of ['evaluate', 'render', 'sign'] as const) expect(lines.some((l) => l.stage === stage && l.event === 'finish')).toBe(true);
    // Bearer tokens of the fleet never reach the log.
    expect(result.err.some((l) => /token-\d+/.test(l))).toBe(false);
  });

  it('keeps evidence in target order whatever order the clusters finished in', async () => {
    const index = (await readFile(path.join(outDir, 'evidence', 'index.jsonl'), 'utf8')).trim().split('\n').map((l) => z.object({ target: z.string() }).parse(JSON.parse(l)).target);
    const order = [...new Set(index)];
    const targets = Targets.parse(JSON.parse(await readFile(path.join(outDir, 'evidence', 'targets.json'), 'utf8'))).targets;

    expect(order).toEqual(Array.from({ length: CLUSTERS }, (_, i) => name(i)).filter((_, i) => i !== DEAD));
    // Grouped: each target's records are contiguous.
    expect(index.filter((t, i) => i > 0 && t !== index[i - 1]).length).toBe(order.length - 1);
    expect(targets.map((t) => t.name)).toEqual(Array.from({ length: CLUSTERS }, (_, i) => name(i)));
    expect(targets[DEAD]?.objects).toBe(0);
  });
});

// A server that accepts TCP connections and never says a word: the TLS handshake never completes.
async function silentServer(): Promise<{ url: string; connections: number; open: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    // Read (and ignore) the ClientHello, so the client's close is seen.
    socket.resume();
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('per-target timeout and determinism', () => {
  let healthy: FakeApiServer[];
  let hanging: Awaited<ReturnType<typeof silentServer>>;
  let work: string;
  let kubeconfig: string;

  beforeAll(async () => {
    healthy = await Promise.all([0, 1, 2, 3].map((i) => startFakeApiServer({ objects: compliantCluster(i * 3), crdGroups: [], token: `t-${i}` })));
    hanging = await silentServer();
    work = await mkdtemp(path.join(os.tmpdir(), 'auditpack-timeout-'));
    kubeconfig = path.join(work, 'kubeconfig');
    const contexts = healthy.map((server, i) => ({ name: `ok-${i}`, server }));
    // The hanging cluster reuses a healthy server's CA and token; only its URL differs.
    const first = healthy[0];
    if (!first) throw new Error('no server');
    const stuck = { ...first, url: hanging.url };
    await writeFile(kubeconfig, kubeconfigFor([...contexts.slice(0, 2), { name: 'stuck', server: stuck }, ...contexts.slice(2)]));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...healthy.map((s) => s.close()), hanging.close()]);
  });

  it('aborts a cluster that never answers at its per-target timeout and reports it as a gap, while the others finish', async () => {
    const out = path.join(work, 'stuck');
    const r = await run(['run', '--kubeconfig', kubeconfig, '--all-contexts', '--out', out, '--no-pdf', '--format', 'json', '--log-format', 'json', '--target-timeout', '3s']);
    const f = await findings(out);

    expect(r.code, r.err.join('\n')).toBe(3);
    expect(hanging.connections).toBeGreaterThan(0);
    // The aborted request's connection is torn down, not left to the 60 s request timeout.
    await vi.waitFor(() => expect(hanging.open).toBe(0), { timeout: 10_000 });
    expect(f.gaps).toEqual([
      expect.objectContaining({ target: 'stuck', kinds: '*', message: expect.stringMatching(/^collection of stuck did not finish within the per-target timeout of 3 s; its requests were aborted after 0 object\(s\) were stored; nothing from this target is accepted as a pass$/) }),
    ]);
    expect(new Set(f.results.filter((r2) => r2.status === 'pass').map((r2) => r2.target))).toEqual(new Set(['ok-0', 'ok-1', 'ok-2', 'ok-3']));
    expect(f.results.filter((r2) => r2.target === 'stuck').every((r2) => r2.status !== 'pass')).toBe(true);
    const stuckFinish = logLines(r.err).find((l) => l.event === 'finish' && l.target === 'stuck');
    expect(stuckFinish?.message).toMatch(/not finished/);
  }, 120_000);

  it('writes the same evidence and findings one target at a time as four at a time (set in auditpack.yaml)', async () => {
    const one = path.join(work, 'c1');
    const four = path.join(work, 'c4');
    const config = path.join(work, 'auditpack.yaml');
    await writeFile(config, 'collection:\n  concurrency: 4\n  targetTimeout: 10m\nlogging:\n  format: json\n');
    const contexts = ['ok-0', 'ok-1', 'ok-2', 'ok-3'].flatMap((c) => ['--kube-context', c]);
    const [a, b] = [
      await run(['run', '--kubeconfig', kubeconfig, ...contexts, '--out', one, '--no-pdf', '--format', 'json', '--log-format', 'text', '--concurrency', '1']),
      await run(['run', '--config', config, '--kubeconfig', kubeconfig, ...contexts, '--out', four, '--no-pdf', '--format', 'json']),
    ];
    const strip = (text: string): string => text.replace(/"collectedAt":"[^"]+"/g, '');

    // 0: nothing fails and no evidence is missing. Controls only cloud checks evidence are "not
    // assessed" (insufficient evidence with that reason), a scoping fact that does not make it 3.
    expect(a.code, a.err.join('\n')).toBe(0);
    expect(b.code, b.err.join('\n')).toBe(0);
    expect(strip(await readFile(path.join(four, 'evidence', 'index.jsonl'), 'utf8'))).toBe(strip(await readFile(path.join(one, 'evidence', 'index.jsonl'), 'utf8')));
    const fa = await findings(one);
    const fb = await findings(four);
    expect(fb.results).toEqual(fa.results);
    expect(fb.controls).toEqual(fa.controls);
    expect(logLines(b.err)[0]?.message).toBe('4 target(s), up to 4 at a time, 10 min each at most');
    // Text logs: plain lines, no JSON, no start events.
    expect(a.err.some((l) => l.startsWith('{'))).toBe(false);
    expect(a.err).toContainEqual(expect.stringMatching(/^\[collect\] ok-0: \d+ objects from \d+ lists \(\d+ API requests\), 0 evidence gap\(s\), \d+ not installed \(\d+\.\d s\)$/));
  }, 120_000);

  it('rejects a bad --concurrency or --target-timeout as a usage error (exit 2)', async () => {
    const bad1 = await run(['run', '--kubeconfig', kubeconfig, '--all-contexts', '--out', path.join(work, 'bad1'), '--concurrency', '0']);
    const bad2 = await run(['run', '--kubeconfig', kubeconfig, '--all-contexts', '--out', path.join(work, 'bad2'), '--target-timeout', 'soon']);

    expect(bad1.code).toBe(2);
    expect(bad1.err.join('\n')).toMatch(/--concurrency 0: give a whole number from 1 to 256/);
    expect(bad2.code).toBe(2);
    expect(bad2.err.join('\n')).toMatch(/--target-timeout "soon" is not a duration/);
  });
});
