import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { BundleError, errorMessage } from '../shared/errors.ts';

export type SigningAlgorithm = 'ed25519';

// A Signer produces the detached signature over a bundle's manifest.json bytes. Implementations
// (local Ed25519 key, cloud KMS, ...) must return the raw signature that `verifyBundle` and
// `openssl pkeyutl -verify -rawin` accept for `publicKeyPem`, and must describe that key: the
// algorithm, its SPKI PEM, its fingerprint, and whether it was made for this run only.
export interface Signer {
  /** Signature algorithm; only Ed25519 (raw 64-byte signatures, RFC 8032) today. */
  readonly algorithm: SigningAlgorithm;
  /** The verification key as SPKI PEM ("-----BEGIN PUBLIC KEY-----"). */
  readonly publicKeyPem: string;
  /** "sha256:" + hex sha256 of the DER SubjectPublicKeyInfo; what organisations publish and pin. */
  readonly keyFingerprint: string;
  /** True when the key was generated for this run and thrown away: the signature then proves integrity, not origin. */
  readonly ephemeral: boolean;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export const ED25519_SIGNATURE_BYTES = 64;

const PKCS8_HINT =
  'expected an unencrypted PKCS#8 PEM Ed25519 private key ("-----BEGIN PRIVATE KEY-----"), ' +
  'as written by `auditpack keys generate` or `openssl genpkey -algorithm ed25519`';

// sha256 of the DER SubjectPublicKeyInfo, the same bytes as
// `openssl pkey -pubin -in key.pub.pem -outform DER | sha256sum`.
export function publicKeyFingerprint(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

export function publicKeyToPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

// Parses an SPKI PEM public key and insists on Ed25519. A private key is refused on purpose:
// the verify side should never be handed signing material.
export function parseEd25519PublicKey(pem: string, source = 'public key'): KeyObject {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new BundleError('KEY_INVALID', `${source} is a private key; pass the public key (.pub, "-----BEGIN PUBLIC KEY-----")`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new BundleError('KEY_INVALID', `${source} is not a PEM public key: ${errorMessage(err)}`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new BundleError(
      'KEY_INVALID',
      `${source} is a ${key.asymmetricKeyType ?? 'unknown'} key; auditpack bundles are signed with Ed25519`,
    );
  }
  return key;
}

// Parses a PKCS#8 PEM private key and insists on Ed25519.
export function parseEd25519PrivateKey(pem: string, source = 'private key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    const encrypted = pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    const reason = encrypted ? 'it is encrypted, which auditpack does not support' : errorMessage(err);
    throw new BundleError('KEY_INVALID', `${source} cannot be loaded (${reason}); ${PKCS8_HINT}`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new BundleError(
      'KEY_INVALID',
      `${source} is a ${key.asymmetricKeyType ?? 'unknown'} key; auditpack signs with Ed25519 only (${PKCS8_HINT})`,
    );
  }
  return key;
}

export interface Ed25519SignerOptions {
  /** Mark the key as made for this run only (see Signer.ephemeral). Default false. */
  ephemeral?: boolean;
}

// Signs with a local Ed25519 private key held in memory as a KeyObject.
export class Ed25519Signer implements Signer {
  readonly algorithm = 'ed25519' as const;
  readonly publicKeyPem: string;
  readonly keyFingerprint: string;
  readonly ephemeral: boolean;
  readonly #privateKey: KeyObject;

  constructor(privateKey: KeyObject, options: Ed25519SignerOptions = {}) {
    if (privateKey.type !== 'private') {
      throw new BundleError('KEY_INVALID', `Ed25519Signer needs a private key, got a ${privateKey.type} key`);
    }
    if (privateKey.asymmetricKeyType !== 'ed25519') {
      throw new BundleError(
        'KEY_INVALID',
        `Ed25519Signer needs an Ed25519 key, got ${privateKey.asymmetricKeyType ?? 'an unknown key type'}`,
      );
    }
    this.#privateKey = privateKey;
    const publicKey = createPublicKey(privateKey);
    this.publicKeyPem = publicKeyToPem(publicKey);
    this.keyFingerprint = publicKeyFingerprint(publicKey);
    this.ephemeral = options.ephemeral ?? false;
  }

  // From the text of a PKCS#8 PEM file; `source` names it in error messages.
  static fromPem(pem: string, source?: string, options?: Ed25519SignerOptions): Ed25519Signer {
    return new Ed25519Signer(parseEd25519PrivateKey(pem, source), options);
  }

  sign(data: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      // Ed25519 takes no digest name (null); the callback form runs on the libuv thread pool.
      sign(null, data, this.#privateKey, (err, signature) => {
        if (err) {
          reject(new BundleError('SIGNING_FAILED', `Ed25519 signing failed: ${err.message}`, { cause: err }));
          return;
        }
        resolve(new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength));
      });
    });
  }
}

// A signer whose key exists only in memory for this run. Its signature shows the bundle was not
// changed after signing, but not who made it: anyone can generate such a key.
export function generateEphemeralSigner(): Ed25519Signer {
  const { privateKey } = generateKeyPairSync('ed25519');
  return new Ed25519Signer(privateKey, { ephemeral: true });
}
