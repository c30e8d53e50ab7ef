import { z } from 'zod';
import { FRAMEWORKS } from '../controls/types.ts';

// controls/mappings/<table>.yaml: a shipped mapping from one kind of cloud source control (a GCP
// constraint, an AWS Config rule) to framework controls, one row per (source control, control).

const ControlRef = z
  .string()
  .regex(new RegExp(`^(${FRAMEWORKS.join('|')}):\\S+$`), 'must be <framework>:<control id> with a known framework')
  .transform((s) => s as `${(typeof FRAMEWORKS)[number]}:${string}`);

export const MappingRow = z.strictObject({
  // The source control as the result data names it (e.g. gcp.restrictTLSVersion).
  from: z.string().min(1),
  control: ControlRef,
  strength: z.enum(['satisfies', 'supports']),
  rationale: z.string().min(10).max(300),
  // Overrides of the table's source and licence for one row.
  source: z.string().min(1).optional(),
  licence: z.string().min(1).optional(),
});

export const MappingTable = z.strictObject({
  table: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(1),
  // The check whose results the table maps, and the result data field naming the source control.
  check: z.string().min(1),
  key: z.string().min(1),
  source: z.string().min(1),
  licence: z.string().min(1),
  rows: z.array(MappingRow).min(1),
});
export type MappingTable = z.infer<typeof MappingTable>;
