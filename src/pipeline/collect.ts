import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { collectConsulApi } from '../collectors/consul/collect.ts';
import { collectCloudTarget, type CloudTarget } from './cloud.ts';
import { collectKubernetes, type KubeCollectOptions } from '../collectors/kubernetes/index.ts';
import { scrubDeep } from '../evidence/scrub.ts';
import { EvidenceStore, type PutInput, type StoredEvidence } from '../evidence/store.ts';
import { API_RESPONSE_GROUP } from '../evidence/api-response.ts';
import { AuditpackError, CollectorError, UsageError, errorMessage } from '../shared/errors.ts';
import { readSnapshot } from '../sources/snapshot/read-snapshot.ts';
import type { EvidenceGap } from '../inventory/types.ts';
import { displayPath } from '../shared/display-path.ts';
import { CollectedTarget, TARGETS_FILE, TargetsFile } from '../evidence/targets-file.ts';
import { describeCluster, snapshotProvenance } from '../evidence/provenance.ts';
import { clusterIdentity } from '../collectors/kubernetes/identity.ts';

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
  collection?: CollectionOptions;
}

// How targets are collected side by side. Within a target the collectors keep their own limits
// (Kubernetes list paging, aws.concurrency).
export interface CollectionOptions {
  // Targets collected at once.
  concurrency?: number;
  // Time one target (its Consul API included) may take; then its requests are aborted and the
  // target becomes an evidence gap. 0: no limit.
  targetTimeoutMs?: number;
}

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_TARGET_TIMEOUT_MS = 15 * 60_000;

export interface ProgressEvent {
  stage: 'collect' | 'evaluate' | 'map' | 'render' | 'sign' | 'done';
  // start/finish bracket a stage or one target's collection (finish carries durationMs); gap and
  // retry are problems met along the way. Without it: a plain note.
  event?: 'start' | 'finish' | 'gap' | 'retry';
  target?: string;
  message: string;
  durationMs?: number;
  // On the collect stage's start event: how many targets will be collected.
  total?: number;
}

export type Progress = (event: ProgressEvent) => void;

// evidence/targets.json (CollectedTarget, TargetsFile) lives in src/evidence/targets-file.ts.
export { CollectedTarget, TARGETS_FILE, TargetsFile } from '../evidence/targets-file.ts';

// Collects every snapshot target (see collectTargets).
export async function collectSnapshots(
  snapshots: readonly SnapshotTarget[],
  workDir: string,
  clock: () => Date,
  progress: Progress,
): Promise<CollectedTarget[]> {
  return collectTargets({ snapshots }, workDir, clock, progress);
}

// One target to collect: what is known before collecting, and how to collect it.
interface TargetTask {
  name: string;
  source: CollectedTarget['source'];
  location: string;
  // Transcript line naming where every object of the target was read (a cloud account), when the collector does not say.
  origin?: string;
  // The target and a one-line summary for the progress log.
  collect: (store: EvidenceStore, signal: AbortSignal) => Promise<{ target: CollectedTarget; summary: string }>;
}

// The reason a target's collection was aborted when its time ran out.
class TargetTimeout extends Error {
  constructor(readonly target: string, readonly ms: number) {
    super(`collection of ${target} did not finish within the per-target timeout of ${formatDuration(ms)}`);
    this.name = 'TargetTimeout';
  }
}

// One target's view of the shared store: once the target is aborted (timed out), puts from its
// collectors, which may still be winding down, are refused, so nothing lands after the verdict.
class TargetStore extends EvidenceStore {
  objects = 0;
  private readonly inner: EvidenceStore;
  private readonly signal: AbortSignal;
  private readonly origin: string | undefined;

  constructor(inner: EvidenceStore, signal: AbortSignal, workDir: string, clock: () => Date, origin?: string) {
    super(workDir, clock);
    this.inner = inner;
    this.signal = signal;
    this.origin = origin;
  }

  override async put(input: PutInput): Promise<StoredEvidence> {
    this.signal.throwIfAborted();
    const stored = await this.inner.put(this.origin !== undefined && input.origin === undefined ? { ...input, origin: this.origin } : input);
    this.objects++;
    return stored;
  }
}

// Collects every target (snapshot folders, live clusters, cloud accounts, each with its Consul API)
// into the evidence store of `workDir`: each object verbatim after redaction, its index record and
// terminal transcript, plus the gaps and notes per target. Up to `concurrency` targets run at once,
// each within its time budget; a target that fails or runs out of time becomes an evidence gap
// and the others go on. Output order is the input order, whatever order the targets finish in.
export async function collectTargets(
  input: CollectInput,
  workDir: string,
  clock: () => Date,
  progress: Progress,
): Promise<CollectedTarget[]> {
  const concurrency = input.collection?.concurrency ?? DEFAULT_CONCURRENCY;
  const timeoutMs = input.collection?.targetTimeoutMs ?? DEFAULT_TARGET_TIMEOUT_MS;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('USAGE', `Concurrency must be a whole number of at least 1, not ${concurrency}`);
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new UsageError('USAGE', `The per-target timeout must be 0 (none) or a positive duration`);

  const tasks = targetTasks(input, progress);
  assertUniqueNames(tasks.map((t) => t.name));
  const consul = new Map<string, ConsulApiTarget[]>();
  for (const c of input.consul ?? []) {
    if (!tasks.some((t) => t.name === c.target)) {
      throw new UsageError('USAGE', `--consul-addr names target "${c.target}", which is not among the targets (${tasks.map((t) => t.name).join(', ')})`);
    }
    consul.set(c.target, [...(consul.get(c.target) ?? []), c]);
  }

  const store = new EvidenceStore(workDir, clock);
  await store.open();
  const t0 = Date.now();
  progress({ stage: 'collect', event: 'start', total: tasks.length, message: `${tasks.length} target(s), up to ${Math.min(concurrency, tasks.length)} at a time${timeoutMs > 0 ? `, ${formatDuration(timeoutMs)} each at most` : ''}` });
  // A usage error (a snapshot folder that does not exist) stops the run: the others are aborted.
  const fatal = new AbortController();
  const limit = pLimit(concurrency);
  let settled: PromiseSettledResult<CollectedTarget>[];
  try {
    settled = await Promise.allSettled(
      tasks.map((task) =>
        limit(async () => {
          fatal.signal.throwIfAborted();
          return collectOne(task, consul.get(task.name) ?? [], store, { workDir, clock, timeoutMs, progress, fatal: fatal.signal }).catch((err: unknown) => {
            fatal.abort(err);
            throw err;
          });
        }),
      ),
    );
  } finally {
    await store.close();
  }
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const targets = settled.map((r) => (r as PromiseFulfilledResult<CollectedTarget>).value);
  await orderIndex(workDir, targets.map((t) => t.name));
  const file: TargetsFile = { schemaVersion: 1, targets };
  // Locations (kubeconfig servers, Consul URLs) and gap messages (API error bodies) are free text.
  await writeFile(path.join(workDir, TARGETS_FILE), `${JSON.stringify(scrubDeep(file), null, 2)}\n`);
  const gaps = targets.reduce((n, t) => n + t.gaps.length, 0);
  progress({ stage: 'collect', event: 'finish', message: `${targets.length} target(s) collected, ${gaps} input(s) unreadable or denied`, durationMs: Date.now() - t0 });
  return targets;
}

function targetTasks(input: CollectInput, progress: Progress): TargetTask[] {
  const tasks: TargetTask[] = [];
  for (const snap of input.snapshots) {
    const name = snap.name ?? path.basename(path.resolve(snap.dir));
    tasks.push({
      name,
      source: 'snapshot',
      location: displayPath(snap.dir),
      collect: async (store) => {
        const target = await collectSnapshotTarget(snap, name, store);
        return { target, summary: `${target.files} files, ${target.objects} objects, ${target.gaps.length} unreadable inputs` };
      },
    });
  }
  for (const k of input.kube ?? []) {
    const name = k.name ?? k.context;
    tasks.push({
      name,
      source: 'kubernetes',
      location: kubeLocation(k, k.kubeConfig.getCluster(k.kubeConfig.getContextObject(k.context)?.cluster ?? '')?.server ?? 'unknown server'),
      collect: (store, signal) => collectKubeTarget(k, store, { ...input.kubeOptions, signal }, progress),
    });
  }
  for (const c of input.cloud ?? []) {
    tasks.push({
      name: c.target,
      source: c.provider,
      location: c.provider === 'aws' ? `AWS account ${c.accountId}` : c.provider === 'gcp' ? `GCP project ${c.projectId}` : `Azure subscription ${c.subscriptionId}`,
      origin: `read live from ${c.provider === 'aws' ? `AWS account ${c.accountId}` : c.provider === 'gcp' ? `GCP project ${c.projectId}` : `Azure subscription ${c.subscriptionId}`}`,
      collect: async (store) => {
        const r = await collectCloudTarget(c, store);
        for (const g of r.gaps) progress({ stage: 'collect', event: 'gap', target: c.target, message: `evidence gap: ${g.message}` });
        return {
          target: {
            name: c.target,
            source: c.provider,
            location: r.location,
            files: r.requests,
            objects: r.requests,
            gaps: r.gaps,
            notes: [],
            provenance: c.provider === 'aws' ? { type: 'cloud', provider: 'aws', scope: 'account', id: c.accountId } : c.provider === 'gcp' ? { type: 'cloud', provider: 'gcp', scope: 'project', id: c.projectId } : { type: 'cloud', provider: 'azure', scope: 'subscription', id: c.subscriptionId },
          },
          summary: `${r.location}: ${r.requests} API requests, ${r.gaps.length} evidence gap(s)`,
        };
      },
    });
  }
  return tasks;
}

interface CollectContext {
  workDir: string;
  clock: () => Date;
  timeoutMs: number;
  progress: Progress;
  fatal: AbortSignal;
}

// One target within its time budget, its Consul APIs included. Whatever happens, the result is a
// CollectedTarget: a timeout or a failed collection becomes a gap on every kind of the target, so
// nothing from it can pass. Only usage errors (a missing snapshot folder) are thrown.
async function collectOne(task: TargetTask, consul: readonly ConsulApiTarget[], shared: EvidenceStore, ctx: CollectContext): Promise<CollectedTarget> {
  const { progress } = ctx;
  const t0 = Date.now();
  const controller = new AbortController();
  const onFatal = (): void => controller.abort(ctx.fatal.reason);
  ctx.fatal.addEventListener('abort', onFatal, { once: true });
  const store = new TargetStore(shared, controller.signal, ctx.workDir, ctx.clock, task.origin);
  progress({ stage: 'collect', event: 'start', target: task.name, message: `collecting ${task.location}` });

  const work = (async () => {
    const { target, summary } = await task.collect(store, controller.signal);
    const notes: string[] = [];
    for (const c of consul) {
      const c0 = Date.now();
      const { gaps } = await collectConsulApi({
        address: c.address,
        target: c.target,
        store,
        ...(c.token ? { token: c.token } : {}),
        ...(c.caCertPem ? { caCertPem: c.caCertPem } : {}),
      });
      controller.signal.throwIfAborted();
      target.gaps.push(...gaps);
      for (const g of gaps) progress({ stage: 'collect', event: 'gap', target: c.target, message: `evidence gap: ${g.message}` });
      progress({ stage: 'collect', target: c.target, message: `Consul HTTP API ${new URL(/^https?:/i.test(c.address) ? c.address : `http://${c.address}`).origin}: ${gaps.length} evidence gap(s)`, durationMs: Date.now() - c0 });
      notes.push(`Consul ${gaps.length} gap(s)`);
    }
    return { target, summary: notes.length > 0 ? `${summary}; ${notes.join(', ')}` : summary };
  })();
  // After a timeout the collection may still be winding down; its late failure is nobody's concern.
  work.catch(() => undefined);

  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    if (ctx.timeoutMs <= 0) return;
    timer = setTimeout(() => {
      const reason = new TargetTimeout(task.name, ctx.timeoutMs);
      controller.abort(reason);
      reject(reason);
    }, ctx.timeoutMs);
  });
  expired.catch(() => undefined);
  try {
    const { target, summary } = await Promise.race([work, expired]);
    progress({ stage: 'collect', event: 'finish', target: task.name, message: summary, durationMs: Date.now() - t0 });
    return target;
  } catch (err) {
    if (ctx.fatal.aborted && err === ctx.fatal.reason && !(err instanceof TargetTimeout)) throw err;
    if (err instanceof AuditpackError && !(err instanceof CollectorError)) throw err;
    const gap = targetGap(task.name, task.source, err instanceof TargetTimeout ? `${err.message}; its requests were aborted after ${store.objects} object(s) were stored` : `collection of ${task.name} failed: ${errorMessage(err)}`);
    progress({ stage: 'collect', event: 'gap', target: task.name, message: `evidence gap: ${gap.message}` });
    progress({ stage: 'collect', event: 'finish', target: task.name, message: `${store.objects} objects, 1 evidence gap(s) (not finished)`, durationMs: Date.now() - t0 });
    return { name: task.name, source: task.source, location: task.location, files: 0, objects: store.objects, gaps: [gap], notes: [] };
  } finally {
    clearTimeout(timer);
    ctx.fatal.removeEventListener('abort', onFatal);
    if (!controller.signal.aborted) controller.abort(new Error(`collection of ${task.name} ended`));
  }
}

// A gap on every kind of a target: nothing collected from it is accepted as a pass. A live target's
// source says what it is (a cluster, a cloud account), so only that kind of check errs on it.
function targetGap(target: string, source: CollectedTarget['source'], message: string): EvidenceGap {
  const id = `gap-${createHash('sha256').update(`${target}\0collect\0target\0api-error`).digest('hex').slice(0, 16)}`;
  const area = source === 'snapshot' ? undefined : source === 'kubernetes' ? 'cluster' : source;
  return { id, target, reason: 'api-error', kinds: '*', message: `${message}; nothing from this target is accepted as a pass`, ...(area ? { area } : {}) };
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

// Targets finish in any order, so index.jsonl is put back in target order (each target's records
// in the order its collector stored them): the same inputs give the same evidence listing.
async function orderIndex(workDir: string, order: readonly string[]): Promise<void> {
  const file = path.join(workDir, 'evidence', 'index.jsonl');
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  const rank = new Map(order.map((n, i) => [n, i]));
  const keyed = lines.map((line, i) => {
    const target = (JSON.parse(line) as { target?: unknown }).target;
    return { line, i, rank: typeof target === 'string' ? (rank.get(target) ?? order.length) : order.length };
  });
  if (keyed.every((k, i) => i === 0 || (keyed[i - 1]?.rank ?? 0) <= k.rank)) return;
  keyed.sort((a, b) => a.rank - b.rank || a.i - b.i);
  await writeFile(file, keyed.map((k) => `${k.line}\n`).join(''));
}

async function collectSnapshotTarget(snap: SnapshotTarget, name: string, store: EvidenceStore): Promise<CollectedTarget> {
  const read = await readSnapshot(snap.dir, { target: name });
  const provenance = await snapshotProvenance(read.root, read.files);
  const byFile = new Map(provenance.files.map((f) => [f.path, f]));
  const fileSource = (file: string): { fileSha256?: string; exportedAt?: string; exportedAtSource?: 'collected-at-file' | 'file-mtime' } => {
    const f = byFile.get(file);
    return f ? { fileSha256: f.sha256, exportedAt: f.exportedAt, exportedAtSource: f.exportedAtSource } : {};
  };
  for (const o of read.objects) {
    if (o.apiResponse) {
      await store.put({
        target: read.target,
        source: { type: 'snapshot', file: o.file, line: o.line, document: o.document, ...fileSource(o.file) },
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
      source: { type: 'snapshot', file: o.file, line: o.line, document: o.document, ...fileSource(o.file) },
      raw: o.object,
      ...(typeof o.object.apiVersion === 'string' ? { apiVersion: o.object.apiVersion } : {}),
      ...(typeof o.object.kind === 'string' ? { kind: o.object.kind } : {}),
      ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
      ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
    });
  }
  return { name: read.target, source: 'snapshot', location: displayPath(snap.dir), files: read.files.length, objects: read.objects.length, gaps: read.gaps, notes: read.notes, provenance };
}

function kubeLocation(k: KubeTarget, server: string): string {
  return `${k.inCluster ? 'in-cluster service account' : `context ${k.context}`} (${server})`;
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
async function collectKubeTarget(k: KubeTarget, store: EvidenceStore, options: KubeCollectOptions, progress: Progress): Promise<{ target: CollectedTarget; summary: string }> {
  const name = k.name ?? k.context;
  const cluster = await clusterIdentity(k.kubeConfig, k.context, { ...(options.signal ? { signal: options.signal } : {}), ...(k.inCluster ? { inCluster: true } : {}) });
  const origin = `cluster: ${describeCluster(cluster)}`;
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
        origin,
      });
    },
    {
      ...(k.inCluster ? { kubectlContext: null } : {}),
      onRetry: (e) => progress({ stage: 'collect', event: 'retry', target: name, message: `${e.error.message}; retry ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)} s` }),
      ...options,
    },
  );
  for (const g of collection.gaps) progress({ stage: 'collect', event: 'gap', target: name, message: `evidence gap: ${g.message}` });
  const summary = `${collection.objects} objects from ${collection.lists} lists (${collection.requests} API requests), ${collection.gaps.length} evidence gap(s), ${collection.notes.length} not installed`;
  const target: CollectedTarget = {
    name,
    source: 'kubernetes',
    location: kubeLocation(k, collection.server),
    // For a live target: the list responses (pages) read.
    files: collection.pages,
    objects: collection.objects,
    gaps: collection.gaps,
    notes: collection.notes,
    provenance: { type: 'kubernetes', cluster },
  };
  return { target, summary };
}

// A duration for --target-timeout / collection.targetTimeout: "90s", "10m", "1.5h", "500ms", or a
// plain number of seconds; 0 means no limit.
export function parseDuration(value: string | number, what: string): number {
  const text = String(value).trim();
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/i.exec(text);
  if (!m) throw new UsageError('USAGE', `${what} "${text}" is not a duration; write e.g. 90s, 10m, 1h or a number of seconds (0: no limit)`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'h' ? n * 3_600_000 : n * 60_000;
  // Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer one fires at once.
  if (Math.round(ms) > MAX_TIMER_MS) throw new UsageError('USAGE', `${what} "${text}" is longer than the ${MAX_DURATION_TEXT} a timer can wait; give at most ${MAX_DURATION_TEXT} (e.g. 24h), or 0 for no limit`);
  return Math.round(ms);
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_DURATION_TEXT = '596h (24.8 days)';
