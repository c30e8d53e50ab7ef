import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Manifest } from '../../src/bundle/manifest.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { runPipeline } from '../../src/pipeline/run.ts';
import { StorageError } from '../../src/shared/errors.ts';
import { uploadBundle } from '../../src/storage/upload-bundle.ts';
import { crc32cBase64, startFakeGcs, type FakeGcs } from './fake-gcs.ts';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const SNAPSHOT = path.join(ROOT, 'demo', 'environment', 'prod-eu');
const NOW = new Date('2026-12-01T03:00:00.000Z');
// Retention must lie in the future for the store to accept it, whatever the date the tests run.
const clock = (): Date => new Date(Math.max(Date.now(), NOW.getTime()));

let gcs: FakeGcs;
let tmp: string;
let bundle: string;
let runId: string;
let manifest: Manifest;

beforeAll(async () => {
  gcs = await startFakeGcs({ retained: { objectRetention: true }, plain: { objectRetention: false } }, { pageSize: 20 });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-gcs-'));
  // Application default credentials as a CI job or a pod outside GCP has them: a workload identity
  // federation config whose subject token the STS endpoint exchanges for an access token.
  const subject = path.join(tmp, 'oidc-token');
  await writeFile(subject, gcs.subjectToken);
  const adc = path.join(tmp, 'adc.json');
  await writeFile(
    adc,
    JSON.stringify({
      type: 'external_account',
      audience: '//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/ci/providers/oidc',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: gcs.tokenUrl,
      credential_source: { file: subject },
    }),
  );
  process.env.GOOGLE_APPLICATION_CREDENTIALS = adc;
  delete process.env.STORAGE_EMULATOR_HOST;
  bundle = path.join(tmp, 'bundle');
  const summary = await runPipeline({ snapshots: [{ dir: SNAPSHOT }], outDir: bundle, formats: { html: true, pdf: false, csv: false } });
  runId = summary.runId;
  manifest = Manifest.parse(JSON.parse(await readFile(path.join(bundle, 'manifest.json'), 'utf8')));
});

afterAll(async () => {
  await gcs.close();
  await rm(tmp, { recursive: true, force: true });
});

function reader(): Storage {
  return new Storage({ apiEndpoint: gcs.endpoint, projectId: 'audit-project', useAuthWithCustomEndpoint: true, retryOptions: { autoRetry: false } });
}

const inserts = (from: number) => gcs.requests.slice(from).filter((r) => r.method === 'POST' && r.path.startsWith('/upload/'));

describe('upload to Cloud Storage (local JSON API server)', () => {
  it('crc32c in the fake is CRC-32C (Castagnoli)', () => {
    // Standard check value for "123456789": 0xE3069283.
    expect(Buffer.from(crc32cBase64(Buffer.from('123456789')), 'base64').toString('hex')).toBe('e3069283');
  });

  it('uploads every file of a verified bundle under <prefix>/<runId>/ with Locked retention, manifest.sig last, never replacing', async () => {
    const before = gcs.requests.length;
    const now = clock();
    const result = await uploadBundle(bundle, { url: 'gs://retained/audits/monthly', endpoint: gcs.endpoint, objectLock: { mode: 'COMPLIANCE', days: 400 } }, { runId, clock: () => now });
    expect(result.location).toBe(`gs://retained/audits/monthly/${runId}/`);
    const expectedUntil = new Date(now.getTime() + 400 * 86_400_000).toISOString();
    expect(result.retainUntil).toBe(expectedUntil);

    const puts = inserts(before);
    expect(puts.length).toBe(manifest.files.length + 3);
    expect(puts.at(-1)?.query.get('name')).toBe(`audits/monthly/${runId}/manifest.sig`);
    expect(puts.at(-2)?.query.get('name')).toBe(`audits/monthly/${runId}/manifest.json`);
    const tokenExchanges = gcs.requests.slice(before).filter((r) => r.path === '/v1/token');
    expect(tokenExchanges.length).toBeGreaterThanOrEqual(1);
    for (const put of puts) {
      expect(put.status).toBe(200);
      expect(put.query.get('uploadType')).toBe('multipart');
      expect(put.query.get('ifGenerationMatch')).toBe('0');
      expect(put.headers.authorization).toMatch(/^Bearer ya29\.fake-/);
      expect(put.resource?.md5Hash).toEqual(expect.any(String));
      expect(put.resource?.retention).toEqual({ mode: 'Locked', retainUntilTime: expectedUntil });
    }

    // Read it all back through the SDK: the listing, each object's bytes and its retention.
    const bucket = reader().bucket('retained');
    const listedFrom = gcs.requests.length;
    const [files] = await bucket.getFiles({ prefix: `audits/monthly/${runId}/` });
    expect(gcs.requests.slice(listedFrom).filter((r) => r.method === 'GET' && r.path === '/storage/v1/b/retained/o').length).toBeGreaterThan(1);
    const rel = files.map((f) => f.name.slice(`audits/monthly/${runId}/`.length)).sort();
    expect(rel).toEqual([...manifest.files.map((f) => f.path), 'manifest.json', 'manifest.sig', 'signer.pub.pem'].sort());
    for (const f of manifest.files) {
      const [bytes] = await bucket.file(`audits/monthly/${runId}/${f.path}`).download();
      expect(createHash('sha256').update(bytes).digest('hex'), f.path).toBe(f.sha256);
    }
    const [sig] = await bucket.file(`audits/monthly/${runId}/manifest.sig`).download();
    expect(sig.equals(await readFile(path.join(bundle, 'manifest.sig')))).toBe(true);
    const [meta] = await bucket.file(`audits/monthly/${runId}/findings.json`).getMetadata();
    expect(meta.retention).toEqual({ mode: 'Locked', retainUntilTime: expectedUntil });
    expect(meta.metadata?.['auditpack-sha256']).toBe(manifest.files.find((f) => f.path === 'findings.json')?.sha256);

    // A second upload of the same run replaces nothing; the retained object cannot be deleted.
    const again: unknown = await uploadBundle(bundle, { url: 'gs://retained/audits/monthly', endpoint: gcs.endpoint, objectLock: { mode: 'COMPLIANCE', days: 1 } }, { runId }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(StorageError);
    expect((again as StorageError).code).toBe('UPLOAD_REFUSED');
    expect((again as StorageError).message).toMatch(/conditionNotMet \(HTTP 412\).*already exists/);
    expect(gcs.buckets.get('retained')?.objects.get(`audits/monthly/${runId}/findings.json`)?.length).toBe(1);
    await expect(bucket.file(`audits/monthly/${runId}/manifest.json`).delete()).rejects.toMatchObject({ code: 403 });
    expect(gcs.buckets.get('retained')?.objects.get(`audits/monthly/${runId}/manifest.json`)?.length).toBe(1);
  });

  it('uploads without retention when none is configured', async () => {
    const before = gcs.requests.length;
    await uploadBundle(bundle, { url: 'gs://plain/nolock/', endpoint: gcs.endpoint }, { runId });
    const puts = inserts(before);
    expect(puts.length).toBe(manifest.files.length + 3);
    expect(puts.every((p) => p.status === 200 && p.resource !== undefined && !('retention' in p.resource))).toBe(true);
    expect(puts.every((p) => p.query.get('name')?.startsWith(`nolock/${runId}/`))).toBe(true);
    const [meta] = await reader().bucket('plain').file(`nolock/${runId}/findings.json`).getMetadata();
    expect(meta.retention).toBeUndefined();
  });

  it('refuses retention on a bucket without object retention, and says why', async () => {
    const err: unknown = await uploadBundle(bundle, { url: 'gs://plain/x', endpoint: gcs.endpoint, objectLock: { mode: 'GOVERNANCE', days: 30 } }, { runId, clock }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('UPLOAD_FAILED');
    expect((err as StorageError).message).toMatch(/^gs:\/\/plain\/x\/run-.*invalid \(HTTP 400\): Object retention is not enabled on the bucket\..*needs a bucket created with object retention enabled/);
  });

  it('fails clearly on 403 and leaves the local bundle as it was', async () => {
    gcs.failInserts = { status: 403, reason: 'forbidden', message: 'auditpack@proj.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object.' };
    try {
      const before = gcs.requests.length;
      const err: unknown = await uploadBundle(bundle, { url: 'gs://plain/denied', endpoint: gcs.endpoint }, { runId }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).code).toBe('UPLOAD_FAILED');
      expect((err as StorageError).message).toMatch(/^gs:\/\/plain\/denied\/run-[^:]+: forbidden \(HTTP 403\): auditpack@proj\.iam\.gserviceaccount\.com does not have storage\.objects\.create access/);
      // No retries on 403, and the queue stops at the first failure: at most one attempt per worker.
      expect(inserts(before).length).toBeLessThanOrEqual(4);
      expect(inserts(before).some((p) => p.query.get('name')?.endsWith('manifest.sig'))).toBe(false);
    } finally {
      delete gcs.failInserts;
    }
    expect((await verifyBundle(bundle)).ok).toBe(true);
  });

  it('fails clearly when the credentials are refused', async () => {
    const saved = gcs.subjectToken;
    gcs.subjectToken = 'another-token';
    try {
      const err: unknown = await uploadBundle(bundle, { url: 'gs://plain/badcreds', endpoint: gcs.endpoint }, { runId }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).message).toMatch(/^gs:\/\/plain\/badcreds\/run-.*invalid_grant/);
    } finally {
      gcs.subjectToken = saved;
    }
    expect(gcs.buckets.get('plain')?.objects.has(`badcreds/${runId}/manifest.sig`)).toBe(false);
  });

  it('refuses STORAGE_EMULATOR_HOST (the SDK would drop credentials and redirect) and plain http to a remote endpoint', async () => {
    const before = gcs.requests.length;
    process.env.STORAGE_EMULATOR_HOST = gcs.endpoint;
    try {
      await expect(uploadBundle(bundle, { url: 'gs://plain/emu', endpoint: gcs.endpoint }, { runId })).rejects.toThrow(/STORAGE_EMULATOR_HOST is set/);
    } finally {
      delete process.env.STORAGE_EMULATOR_HOST;
    }
    await expect(uploadBundle(bundle, { url: 'gs://plain/emu', endpoint: 'http://storage.example.com' }, { runId })).rejects.toThrow(/use https/);
    expect(gcs.requests.length).toBe(before);
  });
});
