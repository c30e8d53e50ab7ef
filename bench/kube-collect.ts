// Benchmark: one live-cluster collection against the fake Kubernetes API server (HTTPS, real SDK)
// holding a generated cluster of 2,000 namespaces and 20,000 pods.
//
//   npx tsx bench/kube-collect.ts [namespaces] [podsPerNamespace]
//
// Prints the HTTP request count and wall time twice: the collector alone (objects counted, not
// stored), and the collection into an evidence store as `auditpack collect` does it (redaction,
// sha256, raw JSON and transcript files per object). Not part of the test run.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { collectKubernetes } from '../src/collectors/kubernetes/index.ts';
import { collectTargets } from '../src/pipeline/collect.ts';
import { kubeconfigFor, startFakeApiServer } from '../test/collectors/kubernetes/fake-apiserver.ts';
import { generatedCluster } from '../test/collectors/kubernetes/fixtures.ts';

const namespaces = Number(process.argv[2] ?? 2000);
const podsPerNamespace = Number(process.argv[3] ?? 10);

const objects = generatedCluster(namespaces, podsPerNamespace);
const server = await startFakeApiServer({ objects });
const kc = new KubeConfig();
kc.loadFromString(kubeconfigFor([{ name: 'bench', server }]));
const count = (kind: string): number => objects.filter((o) => o.kind === kind).length;
console.log(`cluster: ${count('Namespace')} namespaces, ${count('Pod')} pods, ${objects.length} objects in total`);

try {
  let t0 = performance.now();
  let n = 0;
  const before = server.requests.length;
  const result = await collectKubernetes(kc, 'bench', 'bench', async () => {
    n++;
  });
  let ms = performance.now() - t0;
  console.log(`collector only:    ${n} objects, ${result.requests} requests (${result.pages} list pages, ${server.requests.length - before} seen by the server), ${result.gaps.length} gaps, ${(ms / 1000).toFixed(2)} s`);

  const work = await mkdtemp(path.join(os.tmpdir(), 'auditpack-bench-'));
  try {
    t0 = performance.now();
    const mark = server.requests.length;
    const [target] = await collectTargets({ snapshots: [], kube: [{ kubeConfig: kc, context: 'bench' }] }, work, () => new Date(), () => undefined);
    ms = performance.now() - t0;
    console.log(`into the evidence store: ${target?.objects ?? 0} objects, ${server.requests.length - mark} requests, ${target?.gaps.length ?? 0} gaps, ${(ms / 1000).toFixed(2)} s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
} finally {
  await server.close();
}
