import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BundleError, errorMessage } from '../shared/errors.ts';
import { pathExists } from './files.ts';
import { Ed25519Signer, parseSigningPublicKey, publicKeyFingerprint, publicKeyToPem } from './signer.ts';

export const PRIVATE_KEY_FILE = 'auditpack-signing.key';
export const PUBLIC_KEY_FILE = 'auditpack-signing.pub';

export interface GeneratedKeyPair {
  privateKeyPath: string;
  publicKeyPath: string;
  /** "sha256:<hex>" of the public key's DER SPKI: publish this so auditors can pin it. */
  fingerprint: string;
}

// Writes a new Ed25519 key pair into outDir (created if missing): the PKCS#8 PEM private key with
// mode 0600 and the SPKI PEM public key with mode 0644. Never overwrites: if either file already
// exists nothing is written, because replacing a published key silently breaks every auditor's pin.
export async function generateKeyPair(outDir: string): Promise<GeneratedKeyPair> {
  await mkdir(outDir, { recursive: true });
  const privateKeyPath = path.join(outDir, PRIVATE_KEY_FILE);
  const publicKeyPath = path.join(outDir, PUBLIC_KEY_FILE);
  for (const file of [privateKeyPath, publicKeyPath]) {
    if (await pathExists(file)) {
      throw new BundleError('OUTPUT_EXISTS', `${file} already exists; refusing to overwrite a signing key`);
    }
  }

  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // 'wx' fails if the file appeared since the check above; chmod because umask may have masked bits
  // (and for the private key, to be certain no group/other bit survives).
  await writeExclusive(privateKeyPath, privatePem, 0o600);
  await writeExclusive(publicKeyPath, publicKeyToPem(publicKey), 0o644);
  return { privateKeyPath, publicKeyPath, fingerprint: publicKeyFingerprint(publicKey) };
}

// Loads the Ed25519 signer from a PKCS#8 PEM private key file (ours or `openssl genpkey -algorithm ed25519`).
export async function loadSigner(privateKeyPath: string): Promise<Ed25519Signer> {
  const pem = await readKeyFile(privateKeyPath, 'private');
  return Ed25519Signer.fromPem(pem, privateKeyPath);
}

export interface LoadedPublicKey {
  key: KeyObject;
  /** SPKI PEM as Node re-exports it (normalised), suitable for VerifyOptions.publicKeyPem. */
  pem: string;
  fingerprint: string;
}

// Loads the public key an organisation published for `verify --key`: an SPKI PEM (Ed25519, RSA,
// ECDSA P-256, e.g. exported from KMS) or the signing X.509 certificate, whose key is used.
export async function loadPublicKey(publicKeyPath: string): Promise<LoadedPublicKey> {
  const text = await readKeyFile(publicKeyPath, 'public');
  const key = parseSigningPublicKey(text, publicKeyPath);
  return { key, pem: publicKeyToPem(key), fingerprint: publicKeyFingerprint(key) };
}

async function readKeyFile(file: string, kind: 'private' | 'public'): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new BundleError('KEY_NOT_FOUND', `${kind} key file not found: ${file}`, { cause: err });
    }
    throw new BundleError('KEY_INVALID', `cannot read ${kind} key file ${file}: ${errorMessage(err)}`, { cause: err });
  }
}

async function writeExclusive(file: string, text: string, mode: number): Promise<void> {
  try {
    await writeFile(file, text, { flag: 'wx', mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new BundleError('OUTPUT_EXISTS', `${file} already exists; refusing to overwrite a signing key`, { cause: err });
    }
    throw err;
  }
  await chmod(file, mode);
}
