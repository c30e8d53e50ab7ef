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

export type CatalogErrorCode = 'CATALOG_INVALID' | 'CATALOG_UNKNOWN_CHECK' | 'CATALOG_DUPLICATE_CONTROL';
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
  | 'OUTPUT_EXISTS';
export class BundleError extends AuditpackError<BundleErrorCode> {}

export type UsageErrorCode = 'USAGE' | 'CONFIG_INVALID';
export class UsageError extends AuditpackError<UsageErrorCode> {}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
