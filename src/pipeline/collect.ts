import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { collectConsulApi } from '../collectors/consul/collect.ts';
import { collectCloudTarget, type CloudTarget } from './cloud.ts';
import { collectKubernetes, type KubeCollectOptions } from '../collectors/kubernetes/index.ts';
import { EvidenceStore } from '../evidence/store.ts';
import { API_RESPONSE_GROUP } from '../evidence/api-response.ts';
import { UsageError } from '../shared/errors.ts';
import { readSnapshot } from '../sources/snapshot/read-snapshot.ts';
import type { EvidenceGap } from '../inventory/types.ts';

export interface SnapshotTarget {
  dir: string;
  // Target name; default: the folder's name.
  name?: string;
}

// One live cluster: a kubeconfig context. The KubeConfig is passed in (never a module singleton).
export interface KubeTarget {
  kubeConfig: KubeConfig;
  context: string;
  // Target name; default: the context name.
  name?: string;
  // Running in a pod on its service account: evidence commands then carry no --context.
  inCluster?: boolean;
}

// A Consul HTTP API to read for one target (the cluster or snapshot it serves).
export interface ConsulApiTarget {
  target: string;
  address: string;
  // ACL token (CONSUL_HTTP_TOKEN); sent as X-Consul-Token, never stored.
  token?: string;
  caCertPem?: string;
}

export interface CollectInput {
  snapshots: readonly SnapshotTarget[];
  kube?: readonly KubeTarget[];
  consul?: readonly ConsulApiTarget[];
  cloud?: readonly CloudTarget[];
  // Paging, retry and timeout settings of the Kubernetes collector (tests inject a fast sleep).
  kubeOptions?: KubeCollectOptions;
}

export interface ProgressEvent {
  stage: 'collect' | 'evaluate' | 'map' | 'render' | 'sign' | 'done';
  target?: string;
  message: string;
  durationMs?: number;
}

export type Progress = (event: ProgressEvent) => void;

// evidence/targets.json: what was collected per target, so `report` can run again without `collect`.
export const CollectedTarget = z.strictObject({
  name: z.string().min(1),
  source: z.enum(['snapshot', 'kubernetes', 'aws', 'azure', 'gcp']),
  location: z.string(),
  files: z.number().int().min(0),
  objects: z.number().int().min(0),
  gaps: z.array(
    z.strictObject({
      id: z.string(),
      target: z.string(),
      reason: z.enum(['parse-error', 'schema-invalid', 'access-denied', 'api-error', 'not-found', 'too-large']),
      kinds: z.union([z.array(z.string()).readonly(), z.literal('*')]),
      namespace: z.string().optional(),
      message: z.string(),
      file: z.string().optional(),
      line: z.number().int().optional(),
    }),
  ),
  notes: z.array(z.strictObject({ file: z.string(), line: z.number().int().optional(), message: z.string() })),
});
export type CollectedTarget = z.infer<typeof CollectedTarget>;

export const TargetsFile = z.strictObject({ schemaVersion: z.literal(1), targets: z.array(CollectedTarget) });
export type TargetsFile = z.infer<typeof TargetsFile>;

export const TARGETS_FILE = 'evidence/targets.json';

// Collects every snapshot target (see collectTargets).
export async function collectSnapshots(
  snapshots: readonly SnapshotTarget[],
  workDir: string,
  clock: () => Date,
  progress: Progress,
): Promise<CollectedTarget[]> {
  return collectTargets({ snapshots }, workDir, clock, progress);
}

// Collects every target (snapshot folders, then live clusters) into the evidence store of
// `workDir`: each object verbatim after redaction, its index record and terminal transcript, plus
// the gaps and notes per target.
export async function collectTargets(
  input: CollectInput,
  workDir: string,
  clock: () => Date,
  progress: Progress,
): Promise<CollectedTarget[]> {
  const { snapshots } = input;
  const kube = input.kube ?? [];
  assertUniqueNames([...snapshots.map((s) => s.name ?? path.basename(path.resolve(s.dir))), ...kube.map((k) => k.name ?? k.context), ...(input.cloud ?? []).map((c) => c.target)]);
  const store = new EvidenceStore(workDir, clock);
  await store.open();
  const targets: CollectedTarget[] = [];
  try {
    for (const snap of snapshots) {
      const t0 = Date.now();
      const read = await readSnapshot(snap.dir, snap.name ? { target: snap.name } : {});
      if (targets.some((t) => t.name === read.target)) {
        throw new UsageError('USAGE', `Two targets are both named "${read.target}"; give one a distinct name with --target-name`);
      }
      for (const o of read.objects) {
        if (o.apiResponse) {
          await store.put({
            target: read.target,
            source: { type: 'snapshot', file: o.file, line: o.line, document: o.document },
            raw: o.object,
            apiVersion: `${API_RESPONSE_GROUP}/v1`,
            kind: o.apiResponse.kind,
            name: o.apiResponse.name,
            cli: o.apiResponse.cli,
          });
          continue;
        }
        const meta = (o.object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
        await store.put({
          target: read.target,
          source: { type: 'snapshot', file: o.file, line: o.line, document: o.document },
          raw: o.object,
          ...(typeof o.object.apiVersion === 'string' ? { apiVersion: o.object.apiVersion } : {}),
          ...(typeof o.object.kind === 'string' ? { kind: o.object.kind } : {}),
          ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
          ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
        });
      }
      const gaps: EvidenceGap[] = read.gaps;
      targets.push({
        name: read.target,
        source: 'snapshot',
        location: snap.dir,
        files: read.files.length,
        objects: read.objects.length,
        gaps,
        notes: read.notes,
      });
      progress({
        stage: 'collect',
        target: read.target,
        message: `${read.files.length} files, ${read.objects.length} objects, ${gaps.length} unreadable inputs`,
        durationMs: Date.now() - t0,
      });
    }
    for (const k of kube) targets.push(await collectKubeTarget(k, store, input.kubeOptions ?? {}, progress));
    for (const c of input.cloud ?? []) {
      const t0 = Date.now();
      const r = await collectCloudTarget(c, store);
      for (const g of r.gaps) progress({ stage: 'collect', target: c.target, message: `evidence gap: ${g.message}` });
      targets.push({ name: c.target, source: c.provider, location: r.location, files: r.requests, objects: r.requests, gaps: r.gaps, notes: [] });
      progress({ stage: 'collect', target: c.target, message: `${r.location}: ${r.requests} API requests, ${r.gaps.length} evidence gap(s)`, durationMs: Date.now() - t0 });
    }
    for (const c of input.consul ?? []) {
      const target = targets.find((t) => t.name === c.target);
      if (!target) throw new UsageError('USAGE', `--consul-addr names target "${c.target}", which is not among the targets (${targets.map((t) => t.name).join(', ')})`);
      const t0 = Date.now();
      const { gaps } = await collectConsulApi({
        address: c.address,
        target: c.target,
        store,
        ...(c.token ? { token: c.token } : {}),
        ...(c.caCertPem ? { caCertPem: c.caCertPem } : {}),
      });
      target.gaps.push(...gaps);
      for (const g of gaps) progress({ stage: 'collect', target: c.target, message: `evidence gap: ${g.message}` });
      progress({ stage: 'collect', target: c.target, message: `Consul HTTP API ${new URL(/^https?:/i.test(c.address) ? c.address : `http://${c.address}`).origin}: ${gaps.length} evidence gap(s)`, durationMs: Date.now() - t0 });
    }
  } finally {
    await store.close();
  }
  const file: TargetsFile = { schemaVersion: 1, targets };
  await writeFile(path.join(workDir, TARGETS_FILE), `${JSON.stringify(file, null, 2)}\n`);
  return targets;
}

// Live and snapshot targets share one namespace of names (findings and evidence are keyed by it).
function assertUniqueNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) {
      throw new UsageError('USAGE', `Two targets are both named "${n}"; give snapshots distinct names with --target-name, and do not repeat a --kube-context`);
    }
    seen.add(n);
  }
}

// One cluster through the Kubernetes collector: each list item is stored as its own evidence
// object (exactly like a snapshot object), with the page request as its source and the kubectl
// command that shows the same collection.
async function collectKubeTarget(k: KubeTarget, store: EvidenceStore, options: KubeCollectOptions, progress: Progress): Promise<CollectedTarget> {
  const t0 = Date.now();
  const name = k.name ?? k.context;
  const collection = await collectKubernetes(
    k.kubeConfig,
    k.context,
    name,
    async (o) => {
      await store.put({
        target: name,
        source: { type: 'kubernetes-api', call: o.call },
        raw: o.raw,
        apiVersion: o.apiVersion,
        kind: o.kind,
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
        ...(o.name !== undefined ? { name: o.name } : {}),
        cli: o.cli,
      });
    },
    {
      ...(k.inCluster ? { kubectlContext: null } : {}),
      onRetry: (e) => progress({ stage: 'collect', target: name, message: `${e.error.message}; retry ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)} s` }),
      ...options,
    },
  );
  for (const g of collection.gaps) progress({ stage: 'collect', target: name, message: `evidence gap: ${g.message}` });
  progress({
    stage: 'collect',
    target: name,
    message: `${collection.objects} objects from ${collection.lists} lists (${collection.requests} API requests), ${collection.gaps.length} evidence gap(s), ${collection.notes.length} not installed`,
    durationMs: Date.now() - t0,
  });
  return {
    name,
    source: 'kubernetes',
    location: `${k.inCluster ? 'in-cluster service account' : `context ${k.context}`} (${collection.server})`,
    // For a live target: the list responses (pages) read.
    files: collection.pages,
    objects: collection.objects,
    gaps: collection.gaps,
    notes: collection.notes,
  };
}
