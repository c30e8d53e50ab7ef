import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { StorageError, errorMessage } from '../shared/errors.ts';
import type { ObjectUploader, PutObject } from './uploader.ts';

export interface S3UploaderOptions {
  bucket: string;
  region?: string;
  // S3-compatible endpoints (MinIO, VPC endpoints, test servers); addressed path-style.
  endpoint?: string;
  // Default: the AWS SDK's credential chain (env, profile, IRSA / pod identity, instance role).
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
}

// PutObject per file. With retention, each object carries ObjectLockMode + RetainUntilDate, which
// S3 accepts only on a bucket created with Object Lock (it answers InvalidRequest otherwise) and
// only with an integrity header: we always send Content-MD5 and x-amz-checksum-sha256.
export function s3Uploader(o: S3UploaderOptions): ObjectUploader {
  const client = new S3Client({
    region: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(o.endpoint ? { endpoint: o.endpoint, forcePathStyle: true } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}),
  });
  return {
    describe: `s3://${o.bucket}`,
    async put(p: PutObject): Promise<void> {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: o.bucket,
            Key: p.key,
            Body: p.body,
            ContentType: p.contentType,
            ContentLength: p.body.length,
            ContentMD5: p.md5.toString('base64'),
            ChecksumSHA256: p.sha256.toString('base64'),
            // Never replace an object: a run's keys are new by construction.
            IfNoneMatch: '*',
            ...(p.retention ? { ObjectLockMode: p.retention.mode, ObjectLockRetainUntilDate: p.retention.retainUntil } : {}),
          }),
        );
      } catch (err) {
        if (err instanceof S3ServiceException) {
          const status = err.$metadata.httpStatusCode ?? 0;
          const code = status === 412 ? 'UPLOAD_REFUSED' : 'UPLOAD_FAILED';
          const hint = err.name === 'InvalidRequest' && p.retention ? ' (Object Lock needs a bucket created with Object Lock enabled)' : '';
          throw new StorageError(code, `s3://${o.bucket}/${p.key}: ${err.name} (HTTP ${status}): ${err.message}${hint}`, { cause: err });
        }
        throw new StorageError('UPLOAD_FAILED', `s3://${o.bucket}/${p.key}: ${errorMessage(err)}`, { cause: err });
      }
    },
  };
}
