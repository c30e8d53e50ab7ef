import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Ed25519Signer, generateEphemeralSigner, type Signer } from '../../src/bundle/signer.ts';
import { BundleError } from '../../src/shared/errors.ts';

describe('Ed25519Signer', () => {
  it('signs with raw 64-byte Ed25519 signatures that node:crypto verifies', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer: Signer = new Ed25519Signer(privateKey);
    const data = new TextEncoder().encode('{"files":[]}\n');
    const signature = await signer.sign(data);
    expect(signature).toBeInstanceOf(Uint8Array);
    expect(signature.byteLength).toBe(64);
    expect(verify(null, data, publicKey, signature)).toBe(true);
    expect(verify(null, new TextEncoder().encode('{"files":[]} \n'), publicKey, signature)).toBe(false);
  });

  it('describes its key: algorithm, SPKI PEM, sha256 fingerprint of the DER SPKI', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer = new Ed25519Signer(privateKey);
    expect(signer.algorithm).toBe('ed25519');
    expect(signer.publicKeyPem).toBe(publicKey.export({ type: 'spki', format: 'pem' }));
    const der = publicKey.export({ type: 'spki', format: 'der' });
    expect(signer.keyFingerprint).toBe(`sha256:${createHash('sha256').update(der).digest('hex')}`);
    expect(signer.ephemeral).toBe(false);
  });

  it('loads from PKCS#8 PEM text', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer = Ed25519Signer.fromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const data = new Uint8Array([1, 2, 3]);
    expect(verify(null, data, publicKey, await signer.sign(data))).toBe(true);
  });

  it('refuses a public key and a non-Ed25519 key with KEY_INVALID', () => {
    const ed = generateKeyPairSync('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (const key of [ed.publicKey, rsa.privateKey]) {
      let caught: unknown;
      try {
        new Ed25519Signer(key);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(BundleError);
      expect((caught as BundleError).code).toBe('KEY_INVALID');
    }
  });
});

describe('generateEphemeralSigner', () => {
  it('makes a fresh key each time, marked ephemeral', async () => {
    const a = generateEphemeralSigner();
    const b = generateEphemeralSigner();
    expect(a.ephemeral).toBe(true);
    expect(a.keyFingerprint).not.toBe(b.keyFingerprint);
    expect((await a.sign(new Uint8Array([0]))).byteLength).toBe(64);
  });
});
