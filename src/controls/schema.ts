import { z } from 'zod';
import { FRAMEWORKS } from './types.ts';

// controls/*.yaml: data owned by compliance people (format: notes/CATALOG-FORMAT.md). Strict: an
// unknown key is an error, so a typo never silently drops a mapping.

export const EVIDENCE_KINDS = ['automated', 'partial', 'manual'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export const EDGE_STRENGTHS = ['satisfies', 'supports'] as const;
export type EdgeStrength = (typeof EDGE_STRENGTHS)[number];

// SOC 2 trust services categories; Security (the common criteria) is always in scope.
export const SOC2_CATEGORIES = ['security', 'availability', 'confidentiality', 'processing-integrity', 'privacy'] as const;
export type Soc2Category = (typeof SOC2_CATEGORIES)[number];
// The categories a SOC 2 engagement may add to Security.
export const SOC2_OPTIONAL_CATEGORIES = ['availability', 'confidentiality', 'processing-integrity', 'privacy'] as const;
export type Soc2OptionalCategory = (typeof SOC2_OPTIONAL_CATEGORIES)[number];

const CHECK_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

// One reviewed (check, control) mapping: why the check is evidence for the control and whether it
// can decide the control (satisfies) or only supports a person's attestation (supports).
export const MappingEdge = z.strictObject({
  check: z.string().regex(CHECK_ID, 'check ids are kebab-case'),
  strength: z.enum(EDGE_STRENGTHS),
  rationale: z.string().trim().min(10, 'a rationale is one sentence a compliance person can judge').max(300),
  source: z.string().min(1).default('auditpack'),
});
export type MappingEdge = z.infer<typeof MappingEdge>;

export const CatalogControl = z.strictObject({
  id: z.string().min(1),
  title: z.string().min(1).max(200),
  family: z.string().min(1).optional(),
  category: z.enum(SOC2_CATEGORIES).optional(),
  requirement: z.enum(['required', 'addressable']).optional(),
  evidence: z.enum(EVIDENCE_KINDS),
  // What a person must attest: required for partial and manual controls, forbidden for automated.
  attest: z.string().trim().min(1).optional(),
  // A condition id the evidence can prove absent (then the control is not applicable).
  notApplicableWhen: z.string().regex(CHECK_ID).nullable().optional(),
  edges: z.array(MappingEdge).optional(),
});
export type CatalogControl = z.infer<typeof CatalogControl>;

export const Catalog = z.strictObject({
  framework: z.enum(FRAMEWORKS),
  title: z.string().min(1),
  version: z.string().min(1),
  source: z.url(),
  controls: z.array(CatalogControl).min(1),
});
export type Catalog = z.infer<typeof Catalog>;
// What callers may build by hand (tests, fixtures): edge `source` may be left to its default.
export type CatalogInput = z.input<typeof Catalog>;

// Check ids behind a control's edges, in catalog order, each once; `strength` narrows to one kind.
export function edgeChecks(control: Pick<CatalogControl, 'edges'>, strength?: EdgeStrength): string[] {
  const ids = (control.edges ?? []).filter((e) => strength === undefined || e.strength === strength).map((e) => e.check);
  return [...new Set(ids)];
}
