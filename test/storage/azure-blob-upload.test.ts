import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Manifest } from '../../src/bundle/manifest.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { runPipeline } from '../../src/pipeline/run.ts';
import { StorageError } from '../../src/shared/errors.ts';
import { uploadBundle } from '../../src/storage/upload-bundle.ts';
import { startFakeAzureBlob, type FakeAzureBlob } from './fake-azure-blob.ts';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const SNAPSHOT = path.join(ROOT, 'demo', 'environment', 'prod-eu');
const NOW = new Date('2026-12-01T03:00:00.000Z');
// Retention must lie in the future for the store to accept it, whatever the date the tests run.
const clock = (): Date => new Date(Math.max(Date.now(), NOW.getTime()));

let az: FakeAzureBlob;
let tmp: string;
let bundle: string;
let runId: string;
let manifest: Manifest;

beforeAll(async () => {
  az = await startFakeAzureBlob({ worm: { versionLevelImmutability: true }, plain: { versionLevelImmutability: false } }, { pageSize: 20 });
  // Shared-key credentials the way a CronJob gets them: a connection string in the environment.
  process.env.AZURE_STORAGE_CONNECTION_STRING = az.connectionString;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-azblob-'));
  bundle = path.join(tmp, 'bundle');
  const summary = await runPipeline({ snapshots: [{ dir: SNAPSHOT }], outDir: bundle, formats: { html: true, pdf: false, csv: false } });
  runId = summary.runId;
  manifest = Manifest.parse(JSON.parse(await readFile(path.join(bundle, 'manifest.json'), 'utf8')));
});

afterAll(async () => {
  await az.close();
  await rm(tmp, { recursive: true, force: true });
});

function container(name: string): ContainerClient {
  return BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient(name);
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (stream) for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}

const puts = (from: number) => az.requests.slice(from).filter((r) => r.method === 'PUT');

describe('upload to Azure Blob Storage (local Blob service, shared key)', () => {
  it('uploads every file of a verified bundle under <prefix>/<runId>/ with a Locked immutability policy, manifest.sig last, never replacing', async () => {
    const before = az.requests.length;
    const now = clock();
    const url = `${az.accountUrl}/worm/audits/monthly`;
    const result = await uploadBundle(bundle, { url, objectLock: { mode: 'COMPLIANCE', days: 400 } }, { runId, clock: () => now });
    expect(result.location).toBe(`${az.accountUrl}/worm/audits/monthly/${runId}/`);
    const until = new Date(now.getTime() + 400 * 86_400_000);
    expect(result.retainUntil).toBe(until.toISOString());

    const sent = puts(before);
    expect(sent.length).toBe(manifest.files.length + 3);
    expect(sent.at(-1)?.path).toBe(`/${az.accountName}/worm/audits/monthly/${runId}/manifest.sig`);
    expect(sent.at(-2)?.path).toBe(`/${az.accountName}/worm/audits/monthly/${runId}/manifest.json`);
    for (const put of sent) {
      expect(put.status).toBe(201);
      // Signature verified by the fake; here the shape.
      expect(put.headers.authorization).toMatch(new RegExp(`^SharedKey ${az.accountName}:[A-Za-z0-9+/]{43}=$`));
      expect(put.headers['x-ms-blob-type']).toBe('BlockBlob');
      expect(put.headers['if-none-match']).toBe('*');
      expect(put.headers['content-md5']).toEqual(expect.any(String));
      expect(put.headers['x-ms-immutability-policy-mode']).toBe('Locked');
      // RFC 1123 carries whole seconds.
      expect(put.headers['x-ms-immutability-policy-until-date']).toBe(until.toUTCString());
    }

    // Read it all back through the SDK: the listing (paged), each blob's bytes and its policy.
    const c = container('worm');
    const names: string[] = [];
    let pages = 0;
    for await (const page of c.listBlobsFlat({ prefix: `audits/monthly/${runId}/`, includeImmutabilityPolicy: true, includeMetadata: true }).byPage({ maxPageSize: 20 })) {
      pages++;
      for (const b of page.segment.blobItems) {
        names.push(b.name);
        expect(b.properties.immutabilityPolicyMode?.toLowerCase(), b.name).toBe('locked');
        expect(b.properties.immutabilityPolicyExpiresOn?.toUTCString(), b.name).toBe(until.toUTCString());
      }
    }
    expect(pages).toBeGreaterThan(1);
    const rel = names.map((n) => n.slice(`audits/monthly/${runId}/`.length)).sort();
    expect(rel).toEqual([...manifest.files.map((f) => f.path), 'manifest.json', 'manifest.sig', 'signer.pub.pem'].sort());
    for (const f of manifest.files) {
      const got = await c.getBlobClient(`audits/monthly/${runId}/${f.path}`).download();
      expect(createHash('sha256').update(await readAll(got.readableStreamBody)).digest('hex'), f.path).toBe(f.sha256);
    }
    const sig = await c.getBlobClient(`audits/monthly/${runId}/manifest.sig`).download();
    expect((await readAll(sig.readableStreamBody)).equals(await readFile(path.join(bundle, 'manifest.sig')))).toBe(true);
    const props = await c.getBlobClient(`audits/monthly/${runId}/findings.json`).getProperties();
    expect(props.immutabilityPolicyMode?.toLowerCase()).toBe('locked');
    expect(props.immutabilityPolicyExpiresOn?.toUTCString()).toBe(until.toUTCString());
    expect(props.metadata?.auditpacksha256).toBe(manifest.files.find((f) => f.path === 'findings.json')?.sha256);
    expect(Buffer.from(props.contentMD5 ?? new Uint8Array()).toString('base64')).toBe(createHash('md5').update(await readFile(path.join(bundle, 'findings.json'))).digest('base64'));

    // A second upload of the same run replaces nothing; the locked version cannot be deleted.
    const again: unknown = await uploadBundle(bundle, { url, objectLock: { mode: 'COMPLIANCE', days: 1 } }, { runId, clock }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(StorageError);
    expect((again as StorageError).code).toBe('UPLOAD_REFUSED');
    expect((again as StorageError).message).toMatch(/BlobAlreadyExists \(HTTP 409\): The specified blob already exists\..*never replace/);
    expect(az.containers.get('worm')?.blobs.get(`audits/monthly/${runId}/findings.json`)?.length).toBe(1);
    const manifestBlob = c.getBlobClient(`audits/monthly/${runId}/manifest.json`);
    const { versionId } = await manifestBlob.getProperties();
    expect(versionId).toBeTruthy();
    await expect(manifestBlob.withVersion(versionId ?? '').delete()).rejects.toMatchObject({ statusCode: 409, code: 'BlobImmutableDueToPolicy' });
    expect(az.containers.get('worm')?.blobs.get(`audits/monthly/${runId}/manifest.json`)?.length).toBe(1);
  });

  it('maps GOVERNANCE to an Unlocked policy', async () => {
    const before = az.requests.length;
    await uploadBundle(bundle, { url: `${az.accountUrl}/worm/governance`, objectLock: { mode: 'GOVERNANCE', days: 7 } }, { runId, clock });
    expect(puts(before).every((p) => p.status === 201 && p.headers['x-ms-immutability-policy-mode'] === 'Unlocked')).toBe(true);
    const props = await container('worm').getBlobClient(`governance/${runId}/manifest.sig`).getProperties();
    expect(props.immutabilityPolicyMode?.toLowerCase()).toBe('unlocked');
  });

  it('uploads without immutability headers when no retention is configured', async () => {
    const before = az.requests.length;
    await uploadBundle(bundle, { url: `${az.accountUrl}/plain/nolock/` }, { runId });
    const sent = puts(before);
    expect(sent.length).toBe(manifest.files.length + 3);
    expect(sent.every((p) => p.status === 201 && p.headers['x-ms-immutability-policy-mode'] === undefined && p.headers['x-ms-immutability-policy-until-date'] === undefined)).toBe(true);
    const props = await container('plain').getBlobClient(`nolock/${runId}/findings.json`).getProperties();
    expect(props.immutabilityPolicyMode).toBeUndefined();
  });

  it('refuses retention in a container without version-level immutability, and says why', async () => {
    const err: unknown = await uploadBundle(bundle, { url: `${az.accountUrl}/plain/x`, objectLock: { mode: 'GOVERNANCE', days: 30 } }, { runId, clock }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('UPLOAD_FAILED');
    expect((err as StorageError).message).toMatch(/\(HTTP 409\).*needs a container with version-level immutability support enabled/);
  });

  it('fails clearly on 403 and leaves the local bundle as it was', async () => {
    az.failPuts = { status: 403, code: 'AuthorizationPermissionMismatch', message: 'This request is not authorized to perform this operation using this permission.' };
    try {
      const before = az.requests.length;
      const err: unknown = await uploadBundle(bundle, { url: `${az.accountUrl}/plain/denied` }, { runId }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).code).toBe('UPLOAD_FAILED');
      expect((err as StorageError).message).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${az.accountName}/plain/denied/run-[^:]+: AuthorizationPermissionMismatch \\(HTTP 403\\): This request is not authorized to perform this operation using this permission\\.$`));
      expect(puts(before).length).toBeLessThanOrEqual(4);
      expect(puts(before).some((p) => p.path.endsWith('manifest.sig'))).toBe(false);
    } finally {
      delete az.failPuts;
    }
    expect((await verifyBundle(bundle)).ok).toBe(true);
  });

  it('rejects a wrong account key (the fake verifies the HMAC) and a connection string for another account', async () => {
    const saved = process.env.AZURE_STORAGE_CONNECTION_STRING;
    try {
      process.env.AZURE_STORAGE_CONNECTION_STRING = az.connectionString.replace(az.accountKey, Buffer.alloc(64, 7).toString('base64'));
      await expect(uploadBundle(bundle, { url: `${az.accountUrl}/plain/badkey` }, { runId })).rejects.toThrow(/AuthenticationFailed \(HTTP 403\): Server failed to authenticate the request/);
      const before = az.requests.length;
      process.env.AZURE_STORAGE_CONNECTION_STRING = az.connectionString.replace(az.accountUrl, 'https://otheraccount.blob.core.windows.net');
      await expect(uploadBundle(bundle, { url: `${az.accountUrl}/plain/elsewhere` }, { runId })).rejects.toThrow(/AZURE_STORAGE_CONNECTION_STRING is for https:\/\/otheraccount\.blob\.core\.windows\.net, but the upload URL names http:\/\/127\.0\.0\.1/i);
      expect(az.requests.length).toBe(before);
    } finally {
      process.env.AZURE_STORAGE_CONNECTION_STRING = saved;
    }
    expect(az.containers.get('plain')?.blobs.has(`badkey/${runId}/manifest.sig`)).toBe(false);
  });
});
