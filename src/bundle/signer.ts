import { X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { BundleError, errorMessage } from '../shared/errors.ts';

// Every algorithm a manifest may be signed with. The verifier derives it from the key type (never
// from the manifest's own claim) and then checks the claim matches.
export const SIGNING_ALGORITHMS = ['ed25519', 'rsa-pkcs1-sha256', 'ecdsa-p256-sha256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export const MIN_RSA_BITS = 2048;

/** X.509 signers' certificate (leaf first, then chain) at the bundle root; listed in the manifest. */
export const SIGNER_CERT_FILE = 'signer.crt';

// A Signer produces the detached signature over a bundle's manifest.json bytes. Implementations
// (local Ed25519 key, X.509 certificate from a .p12, AWS KMS, ...) must return the signature that
// `verifyBundle` and openssl accept for `publicKeyPem` (see verifyWithKey), and must describe that
// key: the algorithm, its SPKI PEM, its fingerprint, and whether it was made for this run only.
export interface Signer {
  /**
   * ed25519: raw 64-byte RFC 8032 signature; rsa-pkcs1-sha256: RSASSA-PKCS1-v1_5 over SHA-256;
   * ecdsa-p256-sha256: DER (X9.62) ECDSA over SHA-256, what `openssl dgst -sha256 -verify` takes.
   */
  readonly algorithm: SigningAlgorithm;
  /** For X.509 signers: the certificate (leaf first, then any chain) as PEM, written to signer.crt. */
  readonly certificatePem?: string;
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

// The algorithm a public (or private) key signs with, or undefined for a key auditpack does not
// accept: Ed25519, RSA of at least 2048 bits, or EC on P-256.
export function signingAlgorithmFor(key: KeyObject): SigningAlgorithm | undefined {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'ed25519';
    case 'rsa':
      return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS ? 'rsa-pkcs1-sha256' : undefined;
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ecdsa-p256-sha256' : undefined;
    default:
      return undefined;
  }
}

function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') return `${d?.modulusLength ?? '?'}-bit rsa`;
  if (key.asymmetricKeyType === 'ec') return `ec ${d?.namedCurve ?? 'unknown curve'}`;
  return key.asymmetricKeyType ?? 'unknown';
}

const SUPPORTED_KEYS = `Ed25519, RSA (${MIN_RSA_BITS} bits or more) or ECDSA P-256`;

// Verifies a manifest signature the way its key type dictates (RSA: PKCS#1 v1.5; EC: DER ECDSA).
// Returns false, never throws, for a malformed signature.
export function verifyWithKey(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const algorithm = signingAlgorithmFor(key);
  if (algorithm === undefined) return false;
  try {
    return verify(algorithm === 'ed25519' ? null : 'sha256', data, key, signature);
  } catch {
    return false;
  }
}

// Why a signature file of `size` bytes cannot be a signature of this algorithm, if it cannot.
export function signatureSizeProblem(algorithm: SigningAlgorithm, key: KeyObject, size: number): string | undefined {
  if (algorithm === 'ed25519') {
    return size === ED25519_SIGNATURE_BYTES ? undefined : `an Ed25519 signature is exactly ${ED25519_SIGNATURE_BYTES} raw bytes`;
  }
  if (algorithm === 'rsa-pkcs1-sha256') {
    const bytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
    return size === bytes ? undefined : `an RSA signature with this key is exactly ${bytes} bytes`;
  }
  // DER SEQUENCE of two INTEGERs of at most 33 bytes each.
  return size >= 8 && size <= 72 ? undefined : 'a DER ECDSA P-256 signature is 8 to 72 bytes';
}

// Parses the public key an auditor pins (`verify --key`) or the bundled signer.pub.pem: an SPKI PEM
// public key, or an X.509 certificate PEM whose key is used. A private key is refused on purpose.
export function parseSigningPublicKey(pem: string, source = 'public key'): KeyObject {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new BundleError('KEY_INVALID', `${source} is a private key; pass the public key (.pub, "-----BEGIN PUBLIC KEY-----")`);
  }
  let key: KeyObject;
  try {
    key = pem.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(pem).publicKey : createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new BundleError('KEY_INVALID', `${source} is not a PEM public key or certificate: ${errorMessage(err)}`, { cause: err });
  }
  if (signingAlgorithmFor(key) === undefined) {
    throw new BundleError('KEY_INVALID', `${source} is a ${describeKey(key)} key; auditpack bundles are signed with ${SUPPORTED_KEYS}`);
  }
  return key;
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
