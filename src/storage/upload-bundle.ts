import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { BUNDLED_PUBLIC_KEY_FILE, MANIFEST_FILE, SIGNATURE_FILE, TIMESTAMP_FILE } from '../bundle/files.ts';
import { verifyBundle } from '../bundle/verify.ts';
import { StorageError } from '../shared/errors.ts';
import { azureBlobUploader } from './azure-blob.ts';
import { gcsUploader } from './gcs.ts';
import { s3Uploader } from './s3.ts';
import { objectKey, parseUploadUrl, type UploadTarget } from './target.ts';
import type { ObjectUploader, RetentionMode } from './uploader.ts';

export interface UploadSettings {
  url: string;
  objectLock?: { mode: RetentionMode; days: number };
  endpoint?: string;
  region?: string;
}

export interface UploadResult {
  // Where the run landed, e.g. s3://bucket/prefix/run-…/
  location: string;
  objects: { key: string; bytes: number; sha256: string }[];
  retainUntil?: string;
}

export function uploaderFor(target: UploadTarget, settings: Pick<UploadSettings, 'endpoint' | 'region'>): ObjectUploader {
  if (target.provider === 's3') return s3Uploader({ bucket: target.bucket, ...(settings.region ? { region: settings.region } : {}), ...(settings.endpoint ? { endpoint: settings.endpoint } : {}) });
  if (target.provider === 'gcs') return gcsUploader({ bucket: target.bucket, ...(settings.endpoint ? { endpoint: settings.endpoint } : {}) });
  const connectionString = process.env.AZURE_STORAGE_CONNECTION_STRING;
  return azureBlobUploader({ accountUrl: settings.endpoint ?? target.accountUrl, container: target.container, ...(connectionString ? { connectionString } : {}) });
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.html': 'text/html; charset=utf-8',
  '.pdf': 'application/pdf',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.pem': 'application/x-pem-file',
  '.sig': 'application/octet-stream',
  '.tsr': 'application/timestamp-reply',
};

// Copies a finished bundle to durable storage, only after it verifies: every manifest-listed file
// (each re-hashed against the manifest as it is read), then signer.pub.pem and manifest.json, and
// manifest.sig last, so a reader who finds the signature finds everything it covers. The local
// bundle is never touched; on failure the caller keeps it and reports the error.
export async function uploadBundle(
  dir: string,
  settings: UploadSettings,
  opts: { runId: string; publicKeyPem?: string; clock?: () => Date; uploader?: ObjectUploader; concurrency?: number },
): Promise<UploadResult> {
  const target = parseUploadUrl(settings.url);
  const report = await verifyBundle(dir, opts.publicKeyPem ? { publicKeyPem: opts.publicKeyPem } : {});
  if (!report.ok || !report.manifest) {
    const first = report.problems[0];
    throw new StorageError('BUNDLE_NOT_VERIFIED', `${dir} does not verify (${report.problems.length} problem(s), first: ${first?.message ?? 'no manifest'}); nothing was uploaded`);
  }
  const uploader = opts.uploader ?? uploaderFor(target, settings);
  const retainUntil = settings.objectLock ? new Date((opts.clock ?? (() => new Date()))().getTime() + settings.objectLock.days * 86_400_000) : undefined;
  const retention = settings.objectLock && retainUntil ? { mode: settings.objectLock.mode, retainUntil } : undefined;
  const expected = new Map(report.manifest.files.map((f) => [f.path, f.sha256]));
  const objects: UploadResult['objects'] = [];

  const putFile = async (rel: string): Promise<void> => {
    const body = await readFile(path.join(dir, ...rel.split('/')));
    const sha256 = createHash('sha256').update(body).digest();
    const want = expected.get(rel);
    // The bundle could change between verification and upload; what leaves must be what was signed.
    if (want !== undefined && want !== sha256.toString('hex')) throw new StorageError('BUNDLE_NOT_VERIFIED', `${rel} changed after the bundle was verified; upload stopped`);
    const key = objectKey(target.prefix, opts.runId, rel);
    await uploader.put({
      key,
      body,
      contentType: CONTENT_TYPES[path.extname(rel).toLowerCase()] ?? 'application/octet-stream',
      sha256,
      md5: createHash('md5').update(body).digest(),
      ...(retention ? { retention } : {}),
    });
    objects.push({ key, bytes: body.length, sha256: sha256.toString('hex') });
  };

  const limit = pLimit(opts.concurrency ?? 4);
  // The first failure stops the queue, and we wait for the puts in flight, so nothing is still
  // uploading once the error is reported.
  let failure: { err: unknown } | undefined;
  await Promise.all(
    report.manifest.files.map((f) =>
      limit(async () => {
        if (failure) return;
        await putFile(f.path).catch((err: unknown) => {
          failure ??= { err };
        });
      }),
    ),
  );
  if (failure) throw failure.err;
  const hasPub = await stat(path.join(dir, BUNDLED_PUBLIC_KEY_FILE)).then(() => true, () => false);
  const hasTsr = await stat(path.join(dir, TIMESTAMP_FILE)).then(() => true, () => false);
  for (const rel of [...(hasPub ? [BUNDLED_PUBLIC_KEY_FILE] : []), ...(hasTsr ? [TIMESTAMP_FILE] : []), MANIFEST_FILE, SIGNATURE_FILE]) await putFile(rel);
  const base = target.provider === 'azure' ? `${target.accountUrl}/${target.container}` : `${target.provider === 's3' ? 's3' : 'gs'}://${target.bucket}`;
  return { location: `${base}/${objectKey(target.prefix, opts.runId, '')}/`, objects, ...(retainUntil ? { retainUntil: retainUntil.toISOString() } : {}) };
}
