import { z } from 'zod';
import { FRAMEWORKS } from '../controls/types.ts';
import { DateOrInstant } from '../exceptions/schema.ts';

// attestations.yaml: a person's signed-off statement for a control no automated check covers.

const Text = (what: string, max: number): z.ZodString =>
  z
    .string({ error: (i) => (i.input === undefined ? `missing ${what}` : `${what} must be text`) })
    .trim()
    .min(1, `missing ${what}`)
    .max(max);

export const AttestationEntry = z.strictObject({
  framework: z.enum(FRAMEWORKS),
  control: Text('control', 64).describe('control id exactly as in controls/<framework>.yaml'),
  statement: Text('statement', 4000),
  attestedBy: Text('attestedBy', 200),
  attestedAt: DateOrInstant,
  validUntil: DateOrInstant.describe('last day (UTC) the attestation counts, or an exact instant'),
  attachments: z.array(z.string().trim().min(1).max(1024)).max(50).default([]).describe('files relative to this YAML file, copied into the bundle'),
});
export type AttestationEntryInput = z.infer<typeof AttestationEntry>;

export const AttestationsFile = z.strictObject({
  $schema: z.string().optional(),
  attestations: z.array(AttestationEntry),
});
