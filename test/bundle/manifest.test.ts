import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest, serializeManifest, signBundle } from '../../src/bundle/manifest.ts';
import { generateEphemeralSigner, type Signer } from '../../src/bundle/signer.ts';
import { canonicalJson } from '../../src/shared/canonical-json.ts';
import { BundleError } from '../../src/shared/errors.ts';
import { META, SAMPLE_FILES, expectRejectsWithCode, readManifest, run, useTempDirs, writeSampleRun } from './helpers.ts';

const tempDir = useTempDirs();

function expectBundleError(promise: Promise<unknown>, code: BundleError['code']): Promise<BundleError> {
  return expectRejectsWithCode(promise, BundleError, code);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('buildManifest', () => {
  it('lists every file but manifest.json, manifest.sig and signer.pub.pem, sorted, with sha256 and size', async () => {
    const dir = await tempDir();
    await writeSampleRun(dir);
    for (const name of ['manifest.json', 'manifest.sig', 'signer.pub.pem']) await writeFile(path.join(dir, name), 'x');
    // Only the root copies are exempt; a nested manifest.json is ordinary evidence.
    await writeFile(path.join(dir, 'evidence/raw/manifest.json'), '{}');
    const signer = generateEphemeralSigner();
    const manifest = await buildManifest(dir, {
      ...META,
      signer: { algorithm: 'ed25519', keyFingerprint: signer.keyFingerprint, ephemeral: true },
    });

    const expected = Object.entries({ ...SAMPLE_FILES, 'evidence/raw/manifest.json': '{}' })
      .map(([p, text]) => ({ path: p, sha256: sha256(text), size: Buffer.byteLength(text) }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(manifest.files).toEqual(expected);
    expect(manifest).toMatchObject({
      schemaVersion: 1,
      tool: META.tool,
      runId: META.runId,
      createdAt: META.createdAt,
      signer: { algorithm: 'ed25519', keyFingerprint: signer.keyFingerprint, ephemeral: true },
    });
  });

  it('refuses a symlink', async () => {
    const dir = await tempDir();
    await writeSampleRun(dir);
    await symlink('../run.json', path.join(dir, 'evidence/link.json'));
    const err = await expectBundleError(
      buildManifest(dir, { ...META, signer: { algorithm: 'ed25519', keyFingerprint: `sha256:${'0'.repeat(64)}`, ephemeral: true } }),
      'PATH_ESCAPES',
    );
    expect(err.message).toContain('evidence/link.json');
  });

  it('refuses a FIFO', async () => {
    const dir = await tempDir();
    await writeSampleRun(dir);
    expect(run('mkfifo', [path.join(dir, 'evidence/pipe')]).status).toBe(0);
    const err = await expectBundleError(
      buildManifest(dir, { ...META, signer: { algorithm: 'ed25519', keyFingerprint: `sha256:${'0'.repeat(64)}`, ephemeral: true } }),
      'PATH_ESCAPES',
    );
    expect(err.message).toMatch(/FIFO.*evidence\/pipe/);
  });

  it('refuses a file name with a backslash', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a\\b.json'), '{}');
    await expectBundleError(
      buildManifest(dir, { ...META, signer: { algorithm: 'ed25519', keyFingerprint: `sha256:${'0'.repeat(64)}`, ephemeral: true } }),
      'PATH_ESCAPES',
    );
  });

  it('refuses meta that verify would reject', async () => {
    const dir = await tempDir();
    await expectBundleError(
      buildManifest(dir, { ...META, createdAt: 'yesterday', signer: { algorithm: 'ed25519', keyFingerprint: `sha256:${'0'.repeat(64)}`, ephemeral: true } }),
      'MANIFEST_INVALID',
    );
  });
});

describe('signBundle', () => {
  it('writes VERIFY.md, signer.pub.pem, manifest.json (canonical JSON + newline) and a raw signature over its bytes', async () => {
    const dir = await tempDir();
    await writeSampleRun(dir);
    const signer = generateEphemeralSigner();
    const manifest = await signBundle(dir, signer, META);

    const bytes = await readFile(path.join(dir, 'manifest.json'));
    expect(bytes.toString('utf8')).toBe(`${canonicalJson(manifest)}\n`);
    expect(Buffer.from(serializeManifest(manifest)).equals(bytes)).toBe(true);
    expect(await readManifest(dir)).toEqual(manifest);

    const signature = await readFile(path.join(dir, 'manifest.sig'));
    expect(signature.byteLength).toBe(64);
    expect(await readFile(path.join(dir, 'signer.pub.pem'), 'utf8')).toBe(signer.publicKeyPem);
    expect(verify(null, bytes, createPublicKey(signer.publicKeyPem), signature)).toBe(true);

    const listed = manifest.files.map((f) => f.path);
    expect(listed).toContain('VERIFY.md');
    expect(listed).toContain('attestation.sigstore.json');
    expect(listed).not.toContain('manifest.json');
    expect(listed).not.toContain('manifest.sig');
    expect(listed).not.toContain('signer.pub.pem');
    const verifyMd = await readFile(path.join(dir, 'VERIFY.md'), 'utf8');
    expect(manifest.files.find((f) => f.path === 'VERIFY.md')?.sha256).toBe(sha256(verifyMd));
    expect(manifest.signer).toEqual({ algorithm: 'ed25519', keyFingerprint: signer.keyFingerprint, ephemeral: true });
    expect((await readdir(dir)).sort()).toEqual(
      ['VERIFY.md', 'attestation.sigstore.json', 'evidence', 'findings.csv', 'findings.json', 'manifest.json', 'manifest.sig', 'name with spaces.txt', 'oscal', 'report.html', 'run.json', 'signer.pub.pem'],
    );
  });

  it('is deterministic for the same files, key and meta', async () => {
    const signer = generateEphemeralSigner();
    const a = await tempDir();
    const b = await tempDir();
    await writeSampleRun(a);
    await writeSampleRun(b);
    await signBundle(a, signer, META);
    await signBundle(b, signer, META);
    for (const name of ['manifest.json', 'manifest.sig', 'VERIFY.md']) {
      expect(await readFile(path.join(a, name))).toEqual(await readFile(path.join(b, name)));
    }
  });

  it('refuses a folder that is already signed', async () => {
    const dir = await tempDir();
    await writeSampleRun(dir);
    await signBundle(dir, generateEphemeralSigner(), META);
    await expectBundleError(signBundle(dir, generateEphemeralSigner(), META), 'OUTPUT_EXISTS');
  });

  it('refuses a symlink planted where VERIFY.md will be written, without following it', async () => {
    const dir = await tempDir();
    const outside = await tempDir();
    await writeSampleRun(dir);
    await writeFile(path.join(outside, 'target'), 'keep me');
    await symlink(path.join(outside, 'target'), path.join(dir, 'VERIFY.md'));
    await expectBundleError(signBundle(dir, generateEphemeralSigner(), META), 'PATH_ESCAPES');
    expect(await readFile(path.join(outside, 'target'), 'utf8')).toBe('keep me');
  });

  it('fails with SIGNING_FAILED when a signer returns a signature its own key does not verify', async () => {
    const dir = await tempDir();
    await writeSampleRun(dir);
    const real = generateEphemeralSigner();
    const other = generateEphemeralSigner();
    const broken: Signer = {
      algorithm: 'ed25519',
      publicKeyPem: real.publicKeyPem,
      keyFingerprint: real.keyFingerprint,
      ephemeral: true,
      sign: (data) => other.sign(data),
    };
    await expectBundleError(signBundle(dir, broken, META), 'SIGNING_FAILED');
  });

  it('reports a missing folder', async () => {
    await expectBundleError(signBundle(path.join(await tempDir(), 'none'), generateEphemeralSigner(), META), 'FILE_MISSING');
  });
});
