import { z } from 'zod';
import { TargetProvenance } from './provenance.ts';

// evidence/targets.json: what was collected per target, so `report` can run again without `collect`.
// Its own module so that reading evidence back does not load the collectors and their SDKs.
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
      area: z.enum(['cluster', 'aws', 'azure', 'gcp']).optional(),
    }),
  ),
  notes: z.array(z.strictObject({ file: z.string(), line: z.number().int().optional(), message: z.string() })),
  // Where the evidence came from: cluster identity, cloud account, or snapshot files with sha256 and export time.
  provenance: TargetProvenance.optional(),
});
export type CollectedTarget = z.infer<typeof CollectedTarget>;

export const TargetsFile = z.strictObject({ schemaVersion: z.literal(1), targets: z.array(CollectedTarget) });
export type TargetsFile = z.infer<typeof TargetsFile>;

export const TARGETS_FILE = 'evidence/targets.json';
