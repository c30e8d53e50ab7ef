import { ApiError, Storage } from '@google-cloud/storage';
import { StorageError, errorMessage } from '../shared/errors.ts';
import type { ObjectUploader, PutObject } from './uploader.ts';

export interface GcsUploaderOptions {
  bucket: string;
  // Custom JSON API endpoint (Private Service Connect, an emulator, a test server). Requests to it
  // are authenticated like those to storage.googleapis.com.
  endpoint?: string;
  projectId?: string;
  maxRetries?: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function checkEndpoint(endpoint: string | undefined): void {
  // The SDK takes STORAGE_EMULATOR_HOST over any apiEndpoint for part of its calls and then sends
  // no credentials: evidence would silently go elsewhere. Refuse rather than guess.
  const emulator = process.env.STORAGE_EMULATOR_HOST;
  if (emulator !== undefined && emulator !== '') {
    throw new StorageError('UPLOAD_FAILED', `STORAGE_EMULATOR_HOST is set (${emulator}); unset it and use output.upload.endpoint to point gs:// uploads at another endpoint`);
  }
  if (endpoint === undefined) return;
  const u = new URL(endpoint);
  // Bearer tokens must not travel in clear text, except to a local emulator.
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname))) {
    throw new StorageError('UPLOAD_FAILED', `output.upload.endpoint ${endpoint}: use https (plain http only for a local emulator)`);
  }
}

function describeError(err: unknown): { status: number; text: string } {
  if (err instanceof ApiError) {
    const status = typeof err.code === 'number' ? err.code : 0;
    const reason = err.errors?.[0]?.reason;
    return { status, text: `${reason ?? 'error'} (HTTP ${status}): ${err.message}` };
  }
  return { status: 0, text: errorMessage(err) };
}

// One multipart insert per object: its MD5 in the metadata for GCS to check on arrival (and the
// SDK compares the MD5 GCS reports), and ifGenerationMatch=0 so an existing object is never
// replaced. Retention: GCS object retention (`retention.mode` Locked/Unlocked + retainUntilTime),
// accepted only by a bucket with object retention enabled; a bucket retention policy (if the bucket
// has one) applies on top without anything from us.
// Credentials: application default credentials (GOOGLE_APPLICATION_CREDENTIALS — service account
// key or workload identity federation config —, gcloud ADC, GKE workload identity / metadata server).
export function gcsUploader(o: GcsUploaderOptions): ObjectUploader {
  checkEndpoint(o.endpoint);
  const storage = new Storage({
    // The SDK drops authentication for custom endpoints unless told otherwise.
    ...(o.endpoint ? { apiEndpoint: o.endpoint.replace(/\/+$/, ''), useAuthWithCustomEndpoint: true } : {}),
    // Inserting objects never uses the project ID, but without one google-auth-library looks it up
    // before the first request: a Resource Manager call with workload identity federation (which
    // fails without resourcemanager.projects.get), gcloud and metadata-server probes otherwise.
    projectId: o.projectId ?? process.env.GOOGLE_CLOUD_PROJECT ?? process.env.GCLOUD_PROJECT ?? 'auditpack-unused-project',
    retryOptions: { autoRetry: true, maxRetries: o.maxRetries ?? 3 },
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
        const { status, text } = describeError(err);
        const hint =
          status === 412
            ? ' (the object already exists; uploads never replace objects)'
            : status === 400 && p.retention && /retention/i.test(text)
              ? ' (object retention needs a bucket created with object retention enabled)'
              : '';
        throw new StorageError(status === 412 ? 'UPLOAD_REFUSED' : 'UPLOAD_FAILED', `gs://${o.bucket}/${p.key}: ${text}${hint}`, { cause: err });
      }
    },
  };
}
