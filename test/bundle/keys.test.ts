import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, generateKeyPair, loadPublicKey, loadSigner } from '../../src/bundle/keys.ts';
import { BundleError } from '../../src/shared/errors.ts';
import { expectRejectsWithCode, run, useTempDirs } from './helpers.ts';

const tempDir = useTempDirs();

function expectBundleError(promise: Promise<unknown>, code: BundleError['code']): Promise<BundleError> {
  return expectRejectsWithCode(promise, BundleError, code);
}

describe('generateKeyPair', () => {
  it('writes a 0600 PKCS#8 private key and a 0644 SPKI public key', async () => {
    const dir = path.join(await tempDir(), 'keys'); // also creates a missing folder
    const pair = await generateKeyPair(dir);
    expect(pair.privateKeyPath).toBe(path.join(dir, PRIVATE_KEY_FILE));
    expect(pair.publicKeyPath).toBe(path.join(dir, PUBLIC_KEY_FILE));
    expect((await stat(pair.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(pair.publicKeyPath)).mode & 0o777).toBe(0o644);
    expect(await readFile(pair.privateKeyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(await readFile(pair.publicKeyPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(pair.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('reports the fingerprint openssl computes from the public key', async () => {
    const pair = await generateKeyPair(await tempDir());
    const der = run('openssl', ['pkey', '-pubin', '-in', pair.publicKeyPath, '-outform', 'DER']);
    expect(der.status).toBe(0);
    const openssl = run('bash', ['-c', `openssl pkey -pubin -in '${pair.publicKeyPath}' -outform DER | sha256sum`]);
    expect(`sha256:${openssl.stdout.split(' ')[0] ?? ''}`).toBe(pair.fingerprint);
  });

  it('writes keys that load back and sign', async () => {
    const pair = await generateKeyPair(await tempDir());
    const signer = await loadSigner(pair.privateKeyPath);
    expect(signer.keyFingerprint).toBe(pair.fingerprint);
    expect(signer.ephemeral).toBe(false);
    const pub = await loadPublicKey(pair.publicKeyPath);
    expect(pub.fingerprint).toBe(pair.fingerprint);
    const data = new TextEncoder().encode('hello');
    expect(verify(null, data, pub.key, await signer.sign(data))).toBe(true);
  });

  it('refuses to overwrite an existing private key and leaves it untouched', async () => {
    const dir = await tempDir();
    const first = await generateKeyPair(dir);
    const before = await readFile(first.privateKeyPath, 'utf8');
    await expectBundleError(generateKeyPair(dir), 'OUTPUT_EXISTS');
    expect(await readFile(first.privateKeyPath, 'utf8')).toBe(before);
  });

  it('refuses when only the public key exists, writing nothing', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, PUBLIC_KEY_FILE), 'published key');
    await expectBundleError(generateKeyPair(dir), 'OUTPUT_EXISTS');
    await expect(stat(path.join(dir, PRIVATE_KEY_FILE))).rejects.toThrow(/ENOENT/);
  });
});

describe('loadSigner', () => {
  it('loads an Ed25519 key made by openssl genpkey, and openssl verifies its signature', async () => {
    const dir = await tempDir();
    const keyPath = path.join(dir, 'k.pem');
    expect(run('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', keyPath]).status).toBe(0);
    const signer = await loadSigner(keyPath);

    const data = new TextEncoder().encode('manifest bytes\n');
    await writeFile(path.join(dir, 'data'), data);
    await writeFile(path.join(dir, 'data.sig'), await signer.sign(data));
    await writeFile(path.join(dir, 'pub.pem'), signer.publicKeyPem);
    const result = run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'data', '-sigfile', 'data.sig'], dir);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Signature Verified Successfully');

    // Same public key as openssl derives from the private key.
    const opensslPub = run('openssl', ['pkey', '-in', keyPath, '-pubout']);
    expect(createPublicKey(opensslPub.stdout).export({ type: 'spki', format: 'pem' })).toBe(signer.publicKeyPem);
  });

  it('rejects an RSA key from openssl genpkey with KEY_INVALID', async () => {
    const dir = await tempDir();
    const keyPath = path.join(dir, 'rsa.pem');
    expect(run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyPath]).status).toBe(0);
    const err = await expectBundleError(loadSigner(keyPath), 'KEY_INVALID');
    expect(err.message).toMatch(/rsa key/);
  });

  it('rejects an EC key with KEY_INVALID', async () => {
    const dir = await tempDir();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPath = path.join(dir, 'ec.pem');
    await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expectBundleError(loadSigner(keyPath), 'KEY_INVALID');
  });

  it('reports a missing file as KEY_NOT_FOUND', async () => {
    const err = await expectBundleError(loadSigner(path.join(await tempDir(), 'nope.key')), 'KEY_NOT_FOUND');
    expect(err.message).toContain('nope.key');
  });

  it('reports garbage, a public key, or an encrypted key as KEY_INVALID', async () => {
    const dir = await tempDir();
    const pair = await generateKeyPair(dir);
    const garbage = path.join(dir, 'garbage.pem');
    await writeFile(garbage, 'not a key');
    await expectBundleError(loadSigner(garbage), 'KEY_INVALID');
    await expectBundleError(loadSigner(pair.publicKeyPath), 'KEY_INVALID');

    const encrypted = path.join(dir, 'enc.pem');
    expect(
      run('openssl', ['pkey', '-in', pair.privateKeyPath, '-aes256', '-passout', 'pass:secret', '-out', encrypted]).status,
    ).toBe(0);
    const err = await expectBundleError(loadSigner(encrypted), 'KEY_INVALID');
    expect(err.message).toMatch(/encrypted/);
  });

  it('reports a folder as KEY_INVALID', async () => {
    await expectBundleError(loadSigner(await tempDir()), 'KEY_INVALID');
  });
});

describe('loadPublicKey', () => {
  it('loads a public key exported by openssl and fingerprints its DER SPKI', async () => {
    const dir = await tempDir();
    const keyPath = path.join(dir, 'k.pem');
    const pubPath = path.join(dir, 'k.pub.pem');
    expect(run('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', keyPath]).status).toBe(0);
    expect(run('openssl', ['pkey', '-in', keyPath, '-pubout', '-out', pubPath]).status).toBe(0);
    const der = await readFile(pubPath, 'utf8').then((pem) => createPublicKey(pem).export({ type: 'spki', format: 'der' }));
    const loaded = await loadPublicKey(pubPath);
    expect(loaded.fingerprint).toBe(`sha256:${createHash('sha256').update(der).digest('hex')}`);
    expect(loaded.pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it('refuses a private key, a weak RSA or non-P-256 EC public key and a missing file', async () => {
    const dir = await tempDir();
    const pair = await generateKeyPair(dir);
    const err = await expectBundleError(loadPublicKey(pair.privateKeyPath), 'KEY_INVALID');
    expect(err.message).toMatch(/private key/);

    // RSA >= 2048 and EC P-256 public keys are accepted since X.509 and KMS signing (pdf-signing/kms tests).
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const rsaPath = path.join(dir, 'rsa.pub');
    await writeFile(rsaPath, rsa.export({ type: 'spki', format: 'pem' }));
    expect((await expectBundleError(loadPublicKey(rsaPath), 'KEY_INVALID')).message).toMatch(/1024-bit rsa/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    const p384Path = path.join(dir, 'p384.pub');
    await writeFile(p384Path, p384.export({ type: 'spki', format: 'pem' }));
    expect((await expectBundleError(loadPublicKey(p384Path), 'KEY_INVALID')).message).toMatch(/secp384r1/);
    await expectBundleError(loadPublicKey(path.join(dir, 'missing.pub')), 'KEY_NOT_FOUND');
  });
});
