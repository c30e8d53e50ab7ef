import path from 'node:path';
import { UsageError } from '../shared/errors.ts';
import type { ShardDeclaration } from '../pipeline/run.ts';
import type { CloudTarget } from '../pipeline/cloud.ts';
import type { ConsulApiTarget, KubeTarget, SnapshotTarget } from '../pipeline/collect.ts';

export const MAX_SHARDS = 1000;

// `--shard I/N` (1-based, like test runners), or `--shards N` with JOB_COMPLETION_INDEX (0-based,
// set by a Kubernetes Indexed Job). Neither: no sharding.
export function parseShard(shard: string | undefined, shards: string | undefined, env: NodeJS.ProcessEnv = process.env): ShardDeclaration | undefined {
  if (shard !== undefined && shards !== undefined) throw new UsageError('USAGE', 'Give either --shard I/N or --shards N (with JOB_COMPLETION_INDEX), not both');
  if (shard !== undefined) {
    const m = /^(\d{1,4})\/(\d{1,4})$/.exec(shard.trim());
    const index = Number(m?.[1]);
    const count = Number(m?.[2]);
    if (!m || count < 1 || count > MAX_SHARDS || index < 1 || index > count) throw new UsageError('USAGE', `--shard ${shard}: expected I/N with 1 ≤ I ≤ N ≤ ${MAX_SHARDS}, e.g. --shard 2/4`);
    return { index, count };
  }
  if (shards !== undefined) {
    const count = /^\d{1,4}$/.test(shards.trim()) ? Number(shards) : NaN;
    if (!(count >= 1 && count <= MAX_SHARDS)) throw new UsageError('USAGE', `--shards ${shards}: expected a number from 1 to ${MAX_SHARDS}`);
    const raw = env.JOB_COMPLETION_INDEX;
    if (raw === undefined || !/^\d{1,4}$/.test(raw.trim())) throw new UsageError('USAGE', `--shards ${shards} needs JOB_COMPLETION_INDEX (0-based, set by a Kubernetes Indexed Job); got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`);
    const zeroBased = Number(raw);
    if (zeroBased >= count) throw new UsageError('USAGE', `JOB_COMPLETION_INDEX=${raw} is out of range for --shards ${count} (0..${count - 1})`);
    return { index: zeroBased + 1, count };
  }
  return undefined;
}

// Round-robin over the sorted, distinct target names: every target lands in exactly one shard, the
// shards differ in size by at most one, and every shard computes the same split from the same
// configuration without talking to the others.
export function shardTargets(names: readonly string[], spec: ShardDeclaration): Set<string> {
  const sorted = [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Set(sorted.filter((_, i) => i % spec.count === spec.index - 1));
}

export interface ShardableTargets {
  snapshots: SnapshotTarget[];
  kube: KubeTarget[];
  consul: ConsulApiTarget[];
  cloud: CloudTarget[];
}

export function targetNames(t: ShardableTargets): string[] {
  return [...t.snapshots.map((s) => s.name ?? path.basename(path.resolve(s.dir))), ...t.kube.map((k) => k.name ?? k.context), ...t.cloud.map((c) => c.target)];
}

// This shard's slice; a Consul API goes with the target it serves.
export function selectShard(t: ShardableTargets, spec: ShardDeclaration): ShardableTargets & { mine: string[]; all: string[] } {
  const all = targetNames(t);
  const mine = shardTargets(all, spec);
  return {
    snapshots: t.snapshots.filter((s) => mine.has(s.name ?? path.basename(path.resolve(s.dir)))),
    kube: t.kube.filter((k) => mine.has(k.name ?? k.context)),
    // A Consul API naming no known target stays, so collect reports it as it would unsharded.
    consul: t.consul.filter((c) => mine.has(c.target) || !all.includes(c.target)),
    cloud: t.cloud.filter((c) => mine.has(c.target)),
    mine: [...mine],
    all,
  };
}
