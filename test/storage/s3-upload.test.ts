import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, GetObjectRetentionCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Manifest } from '../../src/bundle/manifest.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { runPipeline } from '../../src/pipeline/run.ts';
import { StorageError } from '../../src/shared/errors.ts';
import { uploadBundle } from '../../src/storage/upload-bundle.ts';
import { startFakeS3, type FakeS3 } from './fake-s3.ts';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const DEMO = path.join(ROOT, 'demo', 'environment');
const NOW = new Date('2026-12-01T03:00:00.000Z');
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };

let s3: FakeS3;
let tmp: string;
let bundle: string;
let runId: string;
let manifest: Manifest;

beforeAll(async () => {
  // The SDK's default credential chain reads these, as in a pod with static keys.
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  process.env.AWS_REGION = 'eu-west-1';
  s3 = await startFakeS3({ locked: { objectLock: true }, plain: { objectLock: false } });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-s3-'));
  bundle = path.join(tmp, 'demo');
  const dirs = (await readdir(DEMO, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => path.join(DEMO, d.name)).sort();
  const summary = await runPipeline({ snapshots: dirs.map((dir) => ({ dir })), outDir: bundle, formats: { html: true, pdf: false, csv: true } });
  runId = summary.runId;
  manifest = Manifest.parse(JSON.parse(await readFile(path.join(bundle, 'manifest.json'), 'utf8')));
});

afterAll(async () => {
  await s3.close();
  await rm(tmp, { recursive: true, force: true });
});

function client(): S3Client {
  return new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'eu-west-1', credentials });
}

describe('upload to S3 (local S3-compatible server)', () => {
  it('uploads every file of a verified demo bundle under <prefix>/<runId>/ with COMPLIANCE retention, manifest.sig last', async () => {
    const before = s3.requests.length;
    const result = await uploadBundle(bundle, { url: 's3://locked/audits/monthly', endpoint: s3.endpoint, objectLock: { mode: 'COMPLIANCE', days: 400 } }, { runId, clock: () => NOW });
    expect(result.location).toBe(`s3://locked/audits/monthly/${runId}/`);
    const expectedUntil = new Date(NOW.getTime() + 400 * 86_400_000).toISOString();
    expect(result.retainUntil).toBe(expectedUntil);

    const puts = s3.requests.slice(before).filter((r) => r.method === 'PUT');
    expect(puts.length).toBe(manifest.files.length + 3);
    expect(puts.at(-1)?.path).toBe(`/locked/audits/monthly/${runId}/manifest.sig`);
    expect(puts.at(-2)?.path).toBe(`/locked/audits/monthly/${runId}/manifest.json`);
    for (const put of puts) {
      expect(put.status).toBe(200);
      expect(put.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/s3\/aws4_request/);
      expect(put.headers['content-md5']).toBeTruthy();
      expect(put.headers['x-amz-checksum-sha256']).toBeTruthy();
      expect(put.headers['x-amz-object-lock-mode']).toBe('COMPLIANCE');
      expect(put.headers['if-none-match']).toBe('*');
    }

    // Read everything back through the SDK: the listing, each object's bytes and its retention.
    const c = client();
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await c.send(new ListObjectsV2Command({ Bucket: 'locked', Prefix: `audits/monthly/${runId}/`, MaxKeys: 50, ...(token ? { ContinuationToken: token } : {}) }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const rel = keys.map((k) => k.slice(`audits/monthly/${runId}/`.length)).sort();
    expect(rel).toEqual([...manifest.files.map((f) => f.path), 'manifest.json', 'manifest.sig', 'signer.pub.pem'].sort());

    for (const f of manifest.files) {
      const got = await c.send(new GetObjectCommand({ Bucket: 'locked', Key: `audits/monthly/${runId}/${f.path}` }));
      const bytes = Buffer.from(await got.Body?.transformToByteArray() ?? new Uint8Array());
      expect(createHash('sha256').update(bytes).digest('hex'), f.path).toBe(f.sha256);
    }
    const sig = await c.send(new GetObjectCommand({ Bucket: 'locked', Key: `audits/monthly/${runId}/manifest.sig` }));
    expect(Buffer.from(await sig.Body?.transformToByteArray() ?? new Uint8Array()).equals(await readFile(path.join(bundle, 'manifest.sig')))).toBe(true);

    const retention = await c.send(new GetObjectRetentionCommand({ Bucket: 'locked', Key: `audits/monthly/${runId}/findings.json` }));
    expect(retention.Retention?.Mode).toBe('COMPLIANCE');
    expect(retention.Retention?.RetainUntilDate?.toISOString()).toBe(expectedUntil);
    const head = await c.send(new HeadObjectCommand({ Bucket: 'locked', Key: `audits/monthly/${runId}/manifest.json` }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate?.toISOString()).toBe(expectedUntil);

    // A second upload of the same run does not replace anything, and the locked version cannot be deleted.
    await expect(uploadBundle(bundle, { url: 's3://locked/audits/monthly', endpoint: s3.endpoint, objectLock: { mode: 'COMPLIANCE', days: 1 } }, { runId, clock: () => NOW })).rejects.toMatchObject({
      code: 'UPLOAD_REFUSED',
    });
    expect(s3.buckets.get('locked')?.objects.get(`audits/monthly/${runId}/findings.json`)?.length).toBe(1);
    const versionId = head.VersionId;
    expect(versionId).toBeTruthy();
    await expect(c.send(new DeleteObjectCommand({ Bucket: 'locked', Key: `audits/monthly/${runId}/manifest.json`, VersionId: versionId }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('refuses Object Lock on a bucket without it, with S3\'s InvalidRequest, and says why', async () => {
    const err: unknown = await uploadBundle(bundle, { url: 's3://plain/x', endpoint: s3.endpoint, objectLock: { mode: 'GOVERNANCE', days: 30 } }, { runId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('UPLOAD_FAILED');
    expect((err as StorageError).message).toMatch(/InvalidRequest.*Object Lock/);
  });

  it('uploads without retention headers when no lock is configured', async () => {
    const before = s3.requests.length;
    await uploadBundle(bundle, { url: 's3://plain/nolock/', endpoint: s3.endpoint }, { runId });
    const puts = s3.requests.slice(before).filter((r) => r.method === 'PUT');
    expect(puts.length).toBe(manifest.files.length + 3);
    expect(puts.every((p) => p.status === 200 && p.headers['x-amz-object-lock-mode'] === undefined)).toBe(true);
    expect(puts.every((p) => p.path.startsWith(`/plain/nolock/${runId}/`))).toBe(true);
  });

  it('uploads nothing from a bundle that does not verify', async () => {
    const copy = path.join(tmp, 'tampered');
    await import('node:fs/promises').then((fs) => fs.cp(bundle, copy, { recursive: true }));
    await appendFile(path.join(copy, 'findings.json'), ' ');
    expect((await verifyBundle(copy)).ok).toBe(false);
    const before = s3.requests.length;
    await expect(uploadBundle(copy, { url: 's3://plain/t', endpoint: s3.endpoint }, { runId: 'run-x' })).rejects.toMatchObject({ code: 'BUNDLE_NOT_VERIFIED' });
    expect(s3.requests.length).toBe(before);
  });

  it('fails clearly when the store answers an error', async () => {
    s3.failPuts = { status: 403, code: 'AccessDenied' };
    try {
      await expect(uploadBundle(bundle, { url: 's3://plain/denied', endpoint: s3.endpoint }, { runId })).rejects.toThrow(/s3:\/\/plain\/denied\/run-.*AccessDenied \(HTTP 403\)/);
    } finally {
      delete s3.failPuts;
    }
  });
});

describe('--upload on the command line', () => {
  it('uploads after the run, and on a failed upload exits 4 with the local bundle kept and verifying', async () => {
    const { main } = await import('../../src/cli/main.ts');
    const { writeFile } = await import('node:fs/promises');
    const config = path.join(tmp, 'auditpack.yaml');
    await writeFile(config, `output:\n  upload:\n    url: s3://locked/cli\n    endpoint: ${s3.endpoint}\n    objectLock: { mode: GOVERNANCE, days: 7 }\n`);
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const out = path.join(tmp, 'cli-run');
    const code = await main(['node', 'auditpack', 'run', '--config', config, '--snapshot', path.join(DEMO, 'prod-eu'), '--out', out, '--no-pdf'], io);
    expect([0, 1, 3]).toContain(code);
    const uploaded = lines.find((l) => l.startsWith('Uploaded '));
    expect(uploaded).toMatch(/^Uploaded \d+ objects to s3:\/\/locked\/cli\/run-[^/]+\/ \(GOVERNANCE retention until /);

    s3.failPuts = { status: 403, code: 'AccessDenied' };
    try {
      const failed: string[] = [];
      const out2 = path.join(tmp, 'cli-run-2');
      const code2 = await main(['node', 'auditpack', 'run', '--snapshot', path.join(DEMO, 'prod-eu'), '--out', out2, '--no-pdf', '--upload', 's3://plain/failing', '--config', config], { out: (l) => failed.push(l), err: (l) => failed.push(l) });
      expect(code2).toBe(4);
      expect(failed.join('\n')).toMatch(/AccessDenied.*local bundle is complete and kept at .*cli-run-2 \[UPLOAD_FAILED\]/);
      expect((await verifyBundle(out2)).ok).toBe(true);
    } finally {
      delete s3.failPuts;
    }
  });
});
