// Benchmark: `auditpack run --all-contexts` over a fleet of fake Kubernetes API servers
// (test/collectors/kubernetes/fake-apiserver.ts: HTTPS, bearer tokens, discovery, paging), one of
// them stopped, through the real CLI entry point in this process.
//
//   npx tsx bench/fleet.ts [clusters=50] [concurrency=4] [podsPerNamespace=20] [namespaces=10]
//
// Prints wall time, API requests and the exit code (the generated clusters fail controls: 1).
// Not part of the test run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.ts';
import { kubeconfigFor, startFakeApiServer } from '../test/collectors/kubernetes/fake-apiserver.ts';
import { generatedCluster } from '../test/collectors/kubernetes/fixtures.ts';

const [clusters = 50, concurrency = 4, pods = 20, namespaces = 10] = process.argv.slice(2).map(Number);
const objects = generatedCluster(namespaces, pods);
const servers = await Promise.all(Array.from({ length: clusters }, (_v, i) => startFakeApiServer({ objects, token: `bench-${i}` })));
const work = await mkdtemp(path.join(os.tmpdir(), 'auditpack-bench-fleet-'));
const kubeconfig = path.join(work, 'kubeconfig');
await writeFile(kubeconfig, kubeconfigFor(servers.map((server, i) => ({ name: `cluster-${String(i).padStart(3, '0')}`, server }))));
const dead = Math.floor(clusters / 3);
await servers[dead]?.close();

const lines: string[] = [];
const t0 = performance.now();
const code = await main(['node', 'auditpack', 'run', '--kubeconfig', kubeconfig, '--all-contexts', '--out', path.join(work, 'out'), '--no-pdf', '--format', 'json', '--log-format', 'json', '--concurrency', String(concurrency)], {
  out: () => undefined,
  err: (l) => lines.push(l),
});
const ms = performance.now() - t0;
const collect = lines.map((l) => JSON.parse(l) as { event?: string; stage?: string; target?: string; durationMs?: number }).find((e) => e.stage === 'collect' && e.event === 'finish' && e.target === undefined);
const requests = servers.map((s) => s.requests.length);
console.log(
  `${clusters} clusters (${objects.length} objects each, #${dead} stopped), concurrency ${concurrency}: wall ${(ms / 1000).toFixed(1)} s (collect ${((collect?.durationMs ?? 0) / 1000).toFixed(1)} s), ` +
    `${requests.reduce((a, b) => a + b, 0)} API requests (${Math.max(...requests)} per live cluster), exit ${code}`,
);
await Promise.all(servers.filter((_s, i) => i !== dead).map((s) => s.close()));
await rm(work, { recursive: true, force: true });
