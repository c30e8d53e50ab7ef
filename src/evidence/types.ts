import { z } from 'zod';

// One line of evidence/index.jsonl: where a stored object came from and how to reproduce it.
// path: a JSON pointer into the stored object; length: characters removed (absent in older bundles).
export const Redaction = z.strictObject({
  path: z.string(),
  reason: z.enum(['secret-data', 'env-value', 'command-line', 'annotation', 'config-data', 'sensitive-key', 'key-value', 'token-like', 'private-key', 'credential-in-url', 'too-deep']),
  length: z.number().int().min(0).optional(),
});
export type Redaction = z.infer<typeof Redaction>;

export const EvidenceSource = z.strictObject({
  type: z.enum(['snapshot', 'kubernetes-api', 'http-api', 'cloud-api']),
  // Snapshot: the file relative to the snapshot folder, and the 1-based document/line in it.
  file: z.string().optional(),
  line: z.number().int().optional(),
  document: z.number().int().optional(),
  // API: the call made (e.g. "GET /apis/security.istio.io/v1/peerauthentications").
  call: z.string().optional(),
  // Snapshot: sha256 of the file as read, and when it was exported (from the export script's
  // collected-at file, or the file's mtime), so a file is never mistaken for live output.
  fileSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  exportedAt: z.string().optional(),
  exportedAtSource: z.enum(['collected-at-file', 'file-mtime']).optional(),
});
export type EvidenceSource = z.infer<typeof EvidenceSource>;

// Shared with the fast reader in read-record.ts, which must accept exactly what this schema does.
export const EVIDENCE_ID_RE = /^ev-[0-9a-f]{16}$/;
export const SHA256_RE = /^[0-9a-f]{64}$/;
export const RAW_PATH_RE = /^evidence\/raw\/[0-9a-f]{64}\.json$/;
export const CLI_PATH_RE = /^evidence\/cli\/ev-[0-9a-f]{16}\.txt$/;

export const EvidenceRecord = z.strictObject({
  id: z.string().regex(EVIDENCE_ID_RE),
  target: z.string(),
  source: EvidenceSource,
  collectedAt: z.string(),
  sha256: z.string().regex(SHA256_RE),
  // Path of the raw JSON relative to the output folder: evidence/raw/<sha256>.json.
  path: z.string().regex(RAW_PATH_RE),
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  // The command an auditor runs to see the same object, and its terminal transcript file.
  cli: z.string(),
  cliPath: z.string().regex(CLI_PATH_RE),
  redactions: z.array(Redaction),
});
export type EvidenceRecord = z.infer<typeof EvidenceRecord>;
