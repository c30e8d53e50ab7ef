import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, RestError, type StoragePipelineOptions } from '@azure/storage-blob';
import { StorageError, errorMessage } from '../shared/errors.ts';
import type { ObjectUploader, PutObject } from './uploader.ts';

export interface AzureBlobUploaderOptions {
  // https://<account>.blob.core.windows.net (or an emulator's http://127.0.0.1:10000/<account>).
  accountUrl: string;
  container: string;
  // AZURE_STORAGE_CONNECTION_STRING when set (shared key or SAS), else DefaultAzureCredential
  // (workload identity, managed identity, az login).
  connectionString?: string;
  pipeline?: StoragePipelineOptions;
}

// Put Blob (BlockBlob) per object, its MD5 stored as the blob's Content-MD5, with If-None-Match: *.
// Retention: a per-blob immutability policy (Locked for COMPLIANCE, Unlocked for GOVERNANCE),
// which the service accepts only in a container with version-level immutability (WORM) enabled.
export function azureBlobUploader(o: AzureBlobUploaderOptions): ObjectUploader {
  const service = o.connectionString
    ? BlobServiceClient.fromConnectionString(o.connectionString, o.pipeline)
    : new BlobServiceClient(o.accountUrl, new DefaultAzureCredential(), o.pipeline);
  const container = service.getContainerClient(o.container);
  const where = `${o.accountUrl}/${o.container}`;
  return {
    describe: where,
    async put(p: PutObject): Promise<void> {
      try {
        await container.getBlockBlobClient(p.key).upload(p.body, p.body.length, {
          blobHTTPHeaders: { blobContentType: p.contentType, blobContentMD5: p.md5 },
          metadata: { auditpacksha256: p.sha256.toString('hex') },
          conditions: { ifNoneMatch: '*' },
          ...(p.retention ? { immutabilityPolicy: { expiriesOn: p.retention.retainUntil, policyMode: p.retention.mode === 'COMPLIANCE' ? 'Locked' : 'Unlocked' } } : {}),
        });
      } catch (err) {
        const status = err instanceof RestError ? (err.statusCode ?? 0) : 0;
        throw new StorageError(status === 409 || status === 412 ? 'UPLOAD_REFUSED' : 'UPLOAD_FAILED', `${where}/${p.key}: ${errorMessage(err)}`, { cause: err });
      }
    },
  };
}
