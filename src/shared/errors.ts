// One base class so every layer's failure carries a typed, machine-readable code.
export class AuditpackError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export type SnapshotErrorCode = 'SNAPSHOT_NOT_FOUND' | 'SNAPSHOT_PARSE' | 'SNAPSHOT_TOO_LARGE';
export class SnapshotError extends AuditpackError<SnapshotErrorCode> {}

export type CatalogErrorCode = 'CATALOG_INVALID' | 'CATALOG_UNKNOWN_CHECK' | 'CATALOG_DUPLICATE_CONTROL' | 'CATALOG_UNKNOWN_CONTROL' | 'CATALOG_INVALID_MAPPING';
export class CatalogError extends AuditpackError<CatalogErrorCode> {
  readonly issues: readonly string[];

  constructor(code: CatalogErrorCode, message: string, issues: readonly string[]) {
    super(code, `${message}\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.issues = issues;
  }
}

export type RenderErrorCode = 'CHROME_NOT_FOUND' | 'PDF_FAILED' | 'TEMPLATE_FAILED';
export class RenderError extends AuditpackError<RenderErrorCode> {}

export type BundleErrorCode =
  | 'KEY_INVALID'
  | 'KEY_NOT_FOUND'
  | 'SIGNING_FAILED'
  | 'MANIFEST_INVALID'
  | 'SIGNATURE_INVALID'
  | 'FILE_CHANGED'
  | 'FILE_MISSING'
  | 'FILE_EXTRA'
  | 'PATH_ESCAPES'
  | 'OUTPUT_EXISTS'
  | 'KEY_ACCESS_DENIED';
export class BundleError extends AuditpackError<BundleErrorCode> {}

export type UsageErrorCode = 'USAGE' | 'CONFIG_INVALID';
export class UsageError extends AuditpackError<UsageErrorCode> {}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type CollectorErrorCode =
  | 'CREDENTIALS'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'GONE'
  | 'THROTTLED'
  | 'SERVER_ERROR'
  | 'TRANSPORT'
  | 'INVALID_RESPONSE'
  | 'HTTP_ERROR'
  | 'RETRIES_EXHAUSTED';
// A failed API call of a live collector. Collectors turn it into an evidence gap; it only escapes
// when the caller asked for the raw client.
export class CollectorError extends AuditpackError<CollectorErrorCode> {
  // HTTP status, when the server answered (0 for transport failures).
  readonly status: number;
  // The request that failed, e.g. "GET /apis/security.istio.io/v1/peerauthentications?limit=500".
  readonly call: string;
  // Whether another attempt may succeed (throttling, server errors, dropped connections).
  readonly retryable: boolean;
  // The server's Retry-After, in milliseconds.
  readonly retryAfterMs: number | undefined;

  constructor(
    code: CollectorErrorCode,
    message: string,
    details: { status: number; call: string; retryable?: boolean; retryAfterMs?: number },
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.status = details.status;
    this.call = details.call;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export type StorageErrorCode = 'UPLOAD_FAILED' | 'UPLOAD_REFUSED' | 'BUNDLE_NOT_VERIFIED';
// Durable storage: the local bundle is complete and kept; only the copy to the store failed.
export class StorageError extends AuditpackError<StorageErrorCode> {}

export type MergeErrorCode = 'MERGE_DUPLICATE_TARGET' | 'MERGE_SHARD_MISSING' | 'MERGE_SHARD_MISMATCH' | 'MERGE_NOT_EVIDENCE';
// `auditpack merge`: the partial bundles do not add up to one complete collection.
export class MergeError extends AuditpackError<MergeErrorCode> {}
