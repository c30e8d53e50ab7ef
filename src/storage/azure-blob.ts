import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, RestError, type BlockBlobUploadOptions, type StoragePipelineOptions } from '@azure/storage-blob';
import { StorageError, errorMessage } from '../shared/errors.ts';
import type { ObjectUploader, PutObject } from './uploader.ts';

export interface AzureBlobUploaderOptions {
  // https://<account>.blob.core.windows.net (or an emulator's http://127.0.0.1:10000/<account>).
  accountUrl: string;
  container: string;
  // AZURE_STORAGE_CONNECTION_STRING when set (account key or SAS), else DefaultAzureCredential
  // (workload identity, managed identity, Azure CLI login, AZURE_CLIENT_ID/SECRET…).
  connectionString?: string;
  pipeline?: StoragePipelineOptions;
}

// Origin + path, without query (a SAS) or trailing slash, to compare account endpoints.
function endpointOf(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
}

function describeError(err: unknown): { status: number; code: string | undefined; text: string } {
  if (err instanceof RestError) {
    const status = err.statusCode ?? 0;
    // The service's message carries "RequestId:…\nTime:…" lines; keep the first line.
    const message = (err.message.split('\n')[0] ?? '').trim();
    return { status, code: err.code, text: `${err.code ?? 'error'} (HTTP ${status}): ${message}` };
  }
  return { status: 0, code: undefined, text: errorMessage(err) };
}

// Put Blob (BlockBlob) per object, with If-None-Match: * so nothing is ever replaced, and the
// body's MD5 as Content-MD5 (the service checks it on arrival and stores it as the blob's MD5).
// Retention: a per-blob immutability policy (Locked for COMPLIANCE, Unlocked for GOVERNANCE),
// which the service accepts only in a container with version-level immutability (WORM) enabled.
export function azureBlobUploader(o: AzureBlobUploaderOptions): ObjectUploader {
  let service: BlobServiceClient;
  if (o.connectionString) {
    try {
      service = BlobServiceClient.fromConnectionString(o.connectionString, o.pipeline);
    } catch (err) {
      // The SDK's message never echoes the key; ours must not either.
      throw new StorageError('UPLOAD_FAILED', `AZURE_STORAGE_CONNECTION_STRING is not a valid storage connection string (${errorMessage(err)})`, { cause: err });
    }
    // The connection string names its own endpoint; evidence must go where the URL says.
    if (endpointOf(service.url) !== endpointOf(o.accountUrl)) {
      throw new StorageError('UPLOAD_FAILED', `AZURE_STORAGE_CONNECTION_STRING is for ${endpointOf(service.url)}, but the upload URL names ${endpointOf(o.accountUrl)}`);
    }
  } else {
    service = new BlobServiceClient(o.accountUrl, new DefaultAzureCredential(), o.pipeline);
  }
  const container = service.getContainerClient(o.container);
  const where = `${endpointOf(o.accountUrl)}/${o.container}`;
  return {
    describe: where,
    async put(p: PutObject): Promise<void> {
      try {
        // 12.32 still sends `transactionalContentMD5` (as Content-MD5) under the default
        // "Customized" checksum algorithm but no longer declares it in BlockBlobUploadOptions; the
        // tests check the header arrives.
        const options: BlockBlobUploadOptions & { transactionalContentMD5: Uint8Array } = {
          contentChecksumAlgorithm: 'Customized',
          transactionalContentMD5: p.md5,
          blobHTTPHeaders: { blobContentType: p.contentType, blobContentMD5: p.md5 },
          metadata: { auditpacksha256: p.sha256.toString('hex') },
          conditions: { ifNoneMatch: '*' },
          ...(p.retention ? { immutabilityPolicy: { expiriesOn: p.retention.retainUntil, policyMode: p.retention.mode === 'COMPLIANCE' ? 'Locked' : 'Unlocked' } } : {}),
        };
        await container.getBlockBlobClient(p.key).upload(p.body, p.body.length, options);
      } catch (err) {
        const { status, code, text } = describeError(err);
        const exists = code === 'BlobAlreadyExists' || status === 412;
        const hint = exists
          ? ' (the blob already exists; uploads never replace blobs)'
          : p.retention && (status === 400 || status === 409)
            ? ' (a blob immutability policy needs a container with version-level immutability support enabled)'
            : '';
        throw new StorageError(exists ? 'UPLOAD_REFUSED' : 'UPLOAD_FAILED', `${where}/${p.key}: ${text}${hint}`, { cause: err });
      }
    },
  };
}
