import { Storage } from '@google-cloud/storage';
import { StorageError, errorMessage } from '../shared/errors.ts';
import type { ObjectUploader, PutObject } from './uploader.ts';

export interface GcsUploaderOptions {
  bucket: string;
  // Custom endpoint (Private Service Connect, emulators, test servers). The client sends no
  // credentials to a custom endpoint unless the environment asks for them, like gcloud emulators.
  endpoint?: string;
  projectId?: string;
}

// One multipart insert per object, with its MD5 for the server to check and ifGenerationMatch=0 so
// an existing object is never replaced. Retention: GCS object retention (`retention.mode`
// Locked/Unlocked + retainUntilTime) on a bucket with object retention enabled; a bucket-level
// retention policy (if the bucket has one) applies on top without anything from us.
export function gcsUploader(o: GcsUploaderOptions): ObjectUploader {
  const storage = new Storage({
    ...(o.endpoint ? { apiEndpoint: o.endpoint, useAuthWithCustomEndpoint: process.env.AUDITPACK_GCS_AUTH_CUSTOM_ENDPOINT === '1' } : {}),
    ...(o.projectId ? { projectId: o.projectId } : {}),
    retryOptions: { autoRetry: true, maxRetries: 3 },
  });
  const bucket = storage.bucket(o.bucket);
  return {
    describe: `gs://${o.bucket}`,
    async put(p: PutObject): Promise<void> {
      try {
        await bucket.file(p.key).save(p.body, {
          resumable: false,
          validation: 'md5',
          contentType: p.contentType,
          metadata: {
            contentType: p.contentType,
            md5Hash: p.md5.toString('base64'),
            metadata: { 'auditpack-sha256': p.sha256.toString('hex') },
            ...(p.retention ? { retention: { mode: p.retention.mode === 'COMPLIANCE' ? 'Locked' : 'Unlocked', retainUntilTime: p.retention.retainUntil.toISOString() } } : {}),
          },
          preconditionOpts: { ifGenerationMatch: 0 },
        });
      } catch (err) {
        const status = typeof err === 'object' && err !== null && 'code' in err ? Number((err as { code: unknown }).code) : 0;
        throw new StorageError(status === 412 ? 'UPLOAD_REFUSED' : 'UPLOAD_FAILED', `gs://${o.bucket}/${p.key}: ${errorMessage(err)}`, { cause: err });
      }
    },
  };
}
