// One object store behind one small interface, so the bundle logic (order, hashes, retention) is
// the same for S3, GCS and Azure Blob.

export type RetentionMode = 'COMPLIANCE' | 'GOVERNANCE';

export interface Retention {
  mode: RetentionMode;
  // Objects may not be deleted or overwritten before this date.
  retainUntil: Date;
}

export interface PutObject {
  key: string;
  body: Buffer;
  contentType: string;
  // Integrity values the store checks on arrival (S3: x-amz-checksum-sha256 + Content-MD5;
  // GCS: md5Hash; Azure: Content-MD5).
  sha256: Buffer;
  md5: Buffer;
  retention?: Retention;
}

export interface ObjectUploader {
  // Human-readable destination, e.g. "s3://bucket".
  readonly describe: string;
  // Writes one object; refuses to replace an existing one (runs never share keys, so an existing
  // key means something is wrong). Throws StorageError on failure.
  put(o: PutObject): Promise<void>;
}
