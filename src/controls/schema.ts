import { z } from 'zod';
import { FRAMEWORKS } from './types.ts';

// controls/*.yaml: data owned by compliance people. Strict: an unknown key is an error, so a typo
// never silently drops a mapping.
export const CatalogControl = z.strictObject({
  id: z.string().min(1),
  title: z.string().min(1).max(200),
  family: z.string().min(1).optional(),
  requirement: z.enum(['required', 'addressable']).optional(),
  checks: z.array(z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)).min(1).optional(),
  // What a person must attest when no automated check covers the control (or only partly).
  manual: z.string().min(1).optional(),
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
