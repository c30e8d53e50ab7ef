import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EvidenceStore } from '../evidence/store.ts';
import { UsageError } from '../shared/errors.ts';
import { readSnapshot } from '../sources/snapshot/read-snapshot.ts';
import type { EvidenceGap } from '../inventory/types.ts';

export interface SnapshotTarget {
  dir: string;
  // Target name; default: the folder's name.
  name?: string;
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
  source: z.enum(['snapshot', 'kubernetes']),
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

// Collects every target into the evidence store of `workDir`: each object verbatim after
// redaction, its index record and terminal transcript, plus the gaps and notes per target.
export async function collectSnapshots(
  snapshots: readonly SnapshotTarget[],
  workDir: string,
  clock: () => Date,
  progress: Progress,
): Promise<CollectedTarget[]> {
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
  } finally {
    await store.close();
  }
  const file: TargetsFile = { schemaVersion: 1, targets };
  await writeFile(path.join(workDir, TARGETS_FILE), `${JSON.stringify(file, null, 2)}\n`);
  return targets;
}
