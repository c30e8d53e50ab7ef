import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeManifest, signBundle } from '../../src/bundle/manifest.ts';
import { generateEphemeralSigner, type Ed25519Signer } from '../../src/bundle/signer.ts';
import { verifyBundle, type VerifyProblem } from '../../src/bundle/verify.ts';
import { BundleError, UsageError } from '../../src/shared/errors.ts';
import { META, copyDir, expectRejectsWithCode, flipFirstByte, readManifest, resignManifest, run, useTempDirs, writeSampleRun } from './helpers.ts';

const tempDir = useTempDirs();

// One signed bundle; every test works on its own copy.
let signer: Ed25519Signer;
let pristine: string;
beforeAll(async () => {
  signer = generateEphemeralSigner();
  pristine = await mkdtemp(path.join(tmpdir(), 'auditpack-pristine-'));
  await writeSampleRun(pristine);
  await signBundle(pristine, signer, META);
});
afterAll(() => rm(pristine, { recursive: true, force: true }));

async function freshCopy(): Promise<string> {
  const dir = path.join(await tempDir(), 'bundle');
  await copyDir(pristine, dir);
  return dir;
}

function codes(problems: readonly VerifyProblem[]): string[] {
  return problems.map((p) => `${p.code} ${p.path ?? ''}`.trim());
}

describe('verifyBundle', () => {
  it('accepts the bundle signBundle wrote', async () => {
    const dir = await freshCopy();
    const report = await verifyBundle(dir);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.keySource).toBe('bundled');
    expect(report.fingerprint).toBe(signer.keyFingerprint);
    expect(report.manifest?.runId).toBe(META.runId);
    expect(report.filesChecked).toBe(report.manifest?.files.length);
  });

  it('accepts it with the pinned key', async () => {
    const report = await verifyBundle(await freshCopy(), { publicKeyPem: signer.publicKeyPem });
    expect(report).toMatchObject({ ok: true, keySource: 'pinned', fingerprint: signer.keyFingerprint, problems: [] });
  });

  describe('file content', () => {
    it('reports FILE_CHANGED for a flipped byte in every listed file, one at a time', async () => {
      const listed = (await readManifest(pristine)).files.map((f) => f.path);
      expect(listed).toEqual(expect.arrayContaining(['VERIFY.md', 'evidence/raw/x.json', 'report.html']));
      for (const file of listed) {
        const dir = await freshCopy();
        await flipFirstByte(path.join(dir, file));
        const report = await verifyBundle(dir);
        expect(report.ok, file).toBe(false);
        expect(codes(report.problems), file).toEqual([`FILE_CHANGED ${file}`]);
        expect(report.problems[0]?.message, file).toMatch(/sha256 [0-9a-f]{64}, manifest says [0-9a-f]{64}/);
      }
    });

    it('reports FILE_CHANGED with the size when a file grows', async () => {
      const dir = await freshCopy();
      await writeFile(path.join(dir, 'findings.json'), '{"schemaVersion":1,"results":[]}\n\n');
      const report = await verifyBundle(dir);
      expect(codes(report.problems)).toEqual(['FILE_CHANGED findings.json']);
      expect(report.problems[0]?.message).toMatch(/size \d+, manifest says \d+/);
    });

    it('reports FILE_MISSING for a deleted file', async () => {
      const dir = await freshCopy();
      await unlink(path.join(dir, 'evidence/raw/x.json'));
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['FILE_MISSING evidence/raw/x.json']);
    });

    it('reports FILE_MISSING for a deleted folder, once per file', async () => {
      const dir = await freshCopy();
      await rm(path.join(dir, 'evidence'), { recursive: true });
      expect(codes((await verifyBundle(dir)).problems)).toEqual([
        'FILE_MISSING evidence/cli/ev-1.txt',
        'FILE_MISSING evidence/index.jsonl',
        'FILE_MISSING evidence/raw/x.json',
      ]);
    });

    it('reports FILE_EXTRA for an added file, at the root or nested', async () => {
      const dir = await freshCopy();
      await writeFile(path.join(dir, 'evidence/raw/injected.json'), '{}');
      await writeFile(path.join(dir, 'notes.txt'), 'hi');
      // Only the root manifest.sig is exempt.
      await writeFile(path.join(dir, 'evidence/manifest.sig'), 'x');
      expect(codes((await verifyBundle(dir)).problems)).toEqual([
        'FILE_EXTRA evidence/manifest.sig',
        'FILE_EXTRA evidence/raw/injected.json',
        'FILE_EXTRA notes.txt',
      ]);
    });

    it('reports FILE_EXTRA for an empty folder no listed file lives in', async () => {
      const dir = await freshCopy();
      await mkdir(path.join(dir, 'evidence/empty/deeper'), { recursive: true });
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['FILE_EXTRA evidence/empty/deeper', 'FILE_EXTRA evidence/empty']);
    });
  });

  describe('symlinks and paths', () => {
    it('reports PATH_ESCAPES for an added symlink', async () => {
      const dir = await freshCopy();
      await symlink('../run.json', path.join(dir, 'evidence/link.json'));
      const report = await verifyBundle(dir);
      expect(codes(report.problems)).toEqual(['PATH_ESCAPES evidence/link.json']);
      expect(report.problems[0]?.message).toMatch(/symlink/);
    });

    it('reports PATH_ESCAPES when a listed file is replaced by a symlink to an identical copy outside', async () => {
      const dir = await freshCopy();
      const outside = path.join(await tempDir(), 'x.json');
      await writeFile(outside, await readFile(path.join(dir, 'evidence/raw/x.json')));
      await unlink(path.join(dir, 'evidence/raw/x.json'));
      await symlink(outside, path.join(dir, 'evidence/raw/x.json'));
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['PATH_ESCAPES evidence/raw/x.json']);
    });

    it('reports PATH_ESCAPES when a listed folder is replaced by a symlink to an identical copy outside', async () => {
      const dir = await freshCopy();
      const outside = path.join(await tempDir(), 'raw');
      await copyDir(path.join(dir, 'evidence/raw'), outside);
      await rm(path.join(dir, 'evidence/raw'), { recursive: true });
      await symlink(outside, path.join(dir, 'evidence/raw'));
      const report = await verifyBundle(dir);
      expect(codes(report.problems)).toEqual(['PATH_ESCAPES evidence/raw', 'PATH_ESCAPES evidence/raw/x.json']);
    });

    it('reports PATH_ESCAPES for a FIFO', async () => {
      const dir = await freshCopy();
      expect(run('mkfifo', [path.join(dir, 'evidence/pipe')]).status).toBe(0);
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['PATH_ESCAPES evidence/pipe']);
    });

    it('reports PATH_ESCAPES for a signed "../x" entry even when ../x exists with the right hash', async () => {
      const dir = await freshCopy();
      const text = 'outside the bundle\n';
      await writeFile(path.join(dir, '..', 'x'), text);
      const sha256 = createHash('sha256').update(text).digest('hex');
      await resignManifest(dir, signer, (m) => ({ ...m, files: [...m.files, { path: '../x', sha256, size: text.length }] }));
      const report = await verifyBundle(dir);
      expect(codes(report.problems)).toEqual(['PATH_ESCAPES ../x']);
      expect(report.problems[0]?.message).toContain('".." segment');
    });

    const unsafe: [string, string][] = [
      ['/etc/passwd', 'is absolute'],
      ['evidence/../run.json', '".." segment'],
      ['evidence\\raw\\x.json', 'backslash'],
      ['evidence/raw/x.json\u0000.txt', 'NUL'],
      ['./run.json', '"." segment'],
      ['evidence//index.jsonl', 'empty segment'],
      ['C:/Windows/win.ini', 'is absolute'],
      ['', 'is empty'],
    ];
    it.each(unsafe)('reports PATH_ESCAPES for a signed %j entry', async (entry, reason) => {
      const dir = await freshCopy();
      await resignManifest(dir, signer, (m) => ({ ...m, files: [...m.files, { path: entry, sha256: '0'.repeat(64), size: 0 }] }));
      const report = await verifyBundle(dir);
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual([expect.objectContaining({ code: 'PATH_ESCAPES', path: entry, message: expect.stringContaining(reason) })]);
    });
  });

  describe('manifest', () => {
    it('reports MANIFEST_INVALID for a duplicate entry', async () => {
      const dir = await freshCopy();
      await resignManifest(dir, signer, (m) => ({ ...m, files: [...m.files, { ...m.files[0]! }] }));
      const first = (await readManifest(dir)).files[0]!.path;
      const report = await verifyBundle(dir);
      expect(report.problems).toEqual([expect.objectContaining({ code: 'MANIFEST_INVALID', path: first, message: expect.stringContaining('more than once') })]);
    });

    it('reports MANIFEST_INVALID when the manifest lists itself or its signature', async () => {
      const dir = await freshCopy();
      await resignManifest(dir, signer, (m) => ({ ...m, files: [...m.files, { path: 'manifest.sig', sha256: '0'.repeat(64), size: 64 }] }));
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['MANIFEST_INVALID manifest.sig']);
    });

    it('reports MANIFEST_INVALID when manifest.json is missing', async () => {
      const dir = await freshCopy();
      await unlink(path.join(dir, 'manifest.json'));
      const report = await verifyBundle(dir);
      expect(report.ok).toBe(false);
      expect(codes(report.problems)).toEqual(['MANIFEST_INVALID manifest.json']);
      expect(report.manifest).toBeUndefined();
    });

    it('reports MANIFEST_INVALID for a signed manifest that is not JSON', async () => {
      const dir = await freshCopy();
      const bytes = new TextEncoder().encode('not json\n');
      await writeFile(path.join(dir, 'manifest.json'), bytes);
      await writeFile(path.join(dir, 'manifest.sig'), await signer.sign(bytes));
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['MANIFEST_INVALID manifest.json']);
    });

    it('reports every schema issue of a signed manifest', async () => {
      const dir = await freshCopy();
      await resignManifest(dir, signer, (m) => ({
        ...m,
        schemaVersion: 2 as 1,
        files: m.files.map((f, i) => (i === 0 ? { ...f, sha256: 'ABC' } : f)),
        extra: true,
      }));
      const report = await verifyBundle(dir);
      expect(report.problems.every((p) => p.code === 'MANIFEST_INVALID')).toBe(true);
      const messages = report.problems.map((p) => p.message).join('\n');
      expect(messages).toMatch(/schemaVersion/);
      expect(messages).toMatch(/files\[0\]\.sha256/);
      expect(messages).toMatch(/extra/);
      expect(report.manifest).toBeUndefined();
    });

    it('reports MANIFEST_INVALID when signer.keyFingerprint does not name the signing key', async () => {
      const dir = await freshCopy();
      const other = generateEphemeralSigner();
      await resignManifest(dir, signer, (m) => ({ ...m, signer: { ...m.signer, keyFingerprint: other.keyFingerprint } }));
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['MANIFEST_INVALID manifest.json']);
    });
  });

  describe('signature', () => {
    it('reports SIGNATURE_INVALID for an edited hash that keeps the old signature', async () => {
      const dir = await freshCopy();
      const manifest = await readManifest(dir);
      // The attacker changes a file and updates its hash and size, but cannot re-sign.
      const forged = Buffer.from('{"kind":"PeerAuthentication","spec":{"mtls":{"mode":"PERMISSIVE"}}}\n');
      await writeFile(path.join(dir, 'evidence/raw/x.json'), forged);
      const files = manifest.files.map((f) =>
        f.path === 'evidence/raw/x.json' ? { ...f, sha256: createHash('sha256').update(forged).digest('hex'), size: forged.byteLength } : f,
      );
      await writeFile(path.join(dir, 'manifest.json'), serializeManifest({ ...manifest, files }));
      const report = await verifyBundle(dir);
      expect(codes(report.problems)).toEqual(['SIGNATURE_INVALID manifest.sig']);
      expect(report.ok).toBe(false);
    });

    it('reports SIGNATURE_INVALID for a truncated manifest.sig', async () => {
      const dir = await freshCopy();
      await truncate(path.join(dir, 'manifest.sig'), 63);
      const report = await verifyBundle(dir);
      expect(codes(report.problems)).toEqual(['SIGNATURE_INVALID manifest.sig']);
      expect(report.problems[0]?.message).toMatch(/63 bytes/);
    });

    it('reports SIGNATURE_INVALID for a flipped bit in manifest.sig', async () => {
      const dir = await freshCopy();
      await flipFirstByte(path.join(dir, 'manifest.sig'));
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['SIGNATURE_INVALID manifest.sig']);
    });

    it('reports SIGNATURE_INVALID for a missing manifest.sig', async () => {
      const dir = await freshCopy();
      await unlink(path.join(dir, 'manifest.sig'));
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['SIGNATURE_INVALID manifest.sig']);
    });

    it('reports SIGNATURE_INVALID when there is neither signer.pub.pem nor a pinned key', async () => {
      const dir = await freshCopy();
      await unlink(path.join(dir, 'signer.pub.pem'));
      const report = await verifyBundle(dir);
      expect(codes(report.problems)).toEqual(['SIGNATURE_INVALID signer.pub.pem']);
      expect(report.fingerprint).toBeUndefined();
      // With the pinned key, the convenience copy is not needed.
      expect((await verifyBundle(dir, { publicKeyPem: signer.publicKeyPem })).ok).toBe(true);
    });

    it('reports KEY_INVALID and SIGNATURE_INVALID for an unusable signer.pub.pem', async () => {
      const dir = await freshCopy();
      await writeFile(path.join(dir, 'signer.pub.pem'), 'garbage');
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['KEY_INVALID signer.pub.pem', 'SIGNATURE_INVALID manifest.sig']);
    });

    it('with a pinned key, catches a bundle re-signed by a different key that the bundled key accepts', async () => {
      const dir = await freshCopy();
      const attacker = generateEphemeralSigner();
      await writeFile(path.join(dir, 'findings.json'), '{"schemaVersion":1,"results":[],"forged":true}\n');
      await rm(path.join(dir, 'manifest.json'));
      await rm(path.join(dir, 'manifest.sig'));
      await rm(path.join(dir, 'VERIFY.md'));
      await rm(path.join(dir, 'attestation.sigstore.json'));
      await signBundle(dir, attacker, META);

      // The bundled key proves integrity only: the forgery is self-consistent.
      const bundled = await verifyBundle(dir);
      expect(bundled).toMatchObject({ ok: true, keySource: 'bundled', fingerprint: attacker.keyFingerprint });

      const pinned = await verifyBundle(dir, { publicKeyPem: signer.publicKeyPem });
      expect(pinned.ok).toBe(false);
      expect(pinned.keySource).toBe('pinned');
      expect(pinned.fingerprint).toBe(signer.keyFingerprint);
      expect(codes(pinned.problems)).toEqual(['FILE_CHANGED signer.pub.pem', 'SIGNATURE_INVALID manifest.sig']);
      const message = pinned.problems[1]?.message ?? '';
      expect(message).toContain(signer.keyFingerprint);
      expect(message).toContain(attacker.keyFingerprint);
    });

    it('with a pinned key, reports a swapped signer.pub.pem even though the signature is good', async () => {
      const dir = await freshCopy();
      await writeFile(path.join(dir, 'signer.pub.pem'), generateEphemeralSigner().publicKeyPem);
      const report = await verifyBundle(dir, { publicKeyPem: signer.publicKeyPem });
      expect(codes(report.problems)).toEqual(['FILE_CHANGED signer.pub.pem']);
    });

    it('without a pinned key, a swapped signer.pub.pem fails the signature', async () => {
      const dir = await freshCopy();
      await writeFile(path.join(dir, 'signer.pub.pem'), generateEphemeralSigner().publicKeyPem);
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['SIGNATURE_INVALID manifest.sig']);
    });

    it('reports a symlinked manifest.json without reading it', async () => {
      const dir = await freshCopy();
      const outside = path.join(await tempDir(), 'manifest.json');
      await writeFile(outside, await readFile(path.join(dir, 'manifest.json')));
      await unlink(path.join(dir, 'manifest.json'));
      await symlink(outside, path.join(dir, 'manifest.json'));
      expect(codes((await verifyBundle(dir)).problems)).toEqual(['PATH_ESCAPES manifest.json', 'MANIFEST_INVALID manifest.json']);
    });
  });

  describe('usage errors', () => {
    it('throws UsageError for a folder that does not exist', async () => {
      await expectRejectsWithCode(verifyBundle(path.join(await tempDir(), 'nope')), UsageError, 'USAGE');
    });

    it('throws UsageError for a file instead of a folder', async () => {
      await expectRejectsWithCode(verifyBundle(path.join(pristine, 'run.json')), UsageError, 'USAGE');
    });

    it('throws KEY_INVALID for a pinned key that is not an Ed25519 public key', async () => {
      await expectRejectsWithCode(verifyBundle(pristine, { publicKeyPem: 'nope' }), BundleError, 'KEY_INVALID');
    });
  });
});
