import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UsageError, errorMessage, type BundleErrorCode } from '../shared/errors.ts';
import {
  BUNDLED_PUBLIC_KEY_FILE,
  MANIFEST_FILE,
  SIGNATURE_FILE,
  UNLISTED_FILES,
  emptyFolders,
  hashFile,
  mapLimit,
  unsafePathReason,
  walkBundle,
  type BundleEntry,
} from './files.ts';
import { Manifest, type ManifestFile } from './manifest.ts';
import { checkAttestation, type AttestationSummary } from './attestation-verify.ts';
import { checkTimestamp } from './timestamp-verify.ts';
import type { TimestampInfo } from './timestamp.ts';
import { SIGNER_CERT_FILE, parseSigningPublicKey, publicKeyFingerprint, signatureSizeProblem, signingAlgorithmFor, verifyWithKey } from './signer.ts';

/** One reason a bundle failed verification. */
export interface VerifyProblem {
  code: BundleErrorCode;
  /** Bundle-relative POSIX path the problem is about, when there is one. */
  path?: string;
  message: string;
}

export type KeySource = 'pinned' | 'bundled';

export interface VerifyOptions {
  /**
   * SPKI PEM of the public key the auditor trusts (published by the producing organisation). When
   * absent, the bundle's own signer.pub.pem is used, which proves integrity but not origin.
   */
  publicKeyPem?: string;
  /** PEM certificate of the CA the TSA certificate must chain to; then manifest.tsr is required. */
  tsaCaPem?: string;
}

export interface VerifyReport {
  /** True only when there is no problem at all. */
  ok: boolean;
  problems: VerifyProblem[];
  /** The parsed manifest, when manifest.json was readable and valid (even if the signature was not). */
  manifest?: Manifest;
  /** Which key the signature was checked with. */
  keySource: KeySource;
  /** Fingerprint ("sha256:<hex>") of that key; absent when no usable key was found in the bundle. */
  fingerprint?: string;
  /** Listed files whose content was hashed and compared. */
  filesChecked: number;
  /** The X.509 certificate in signer.crt, when the bundle has one that holds the signing key. */
  certificate?: { subject: string; issuer: string; validFrom: string; validTo: string };
  /** attestation.sigstore.json, when the manifest lists it and its DSSE signature and subjects check out. */
  attestation?: AttestationSummary;
  /** manifest.tsr's trusted time and TSA, when it is present and checks out. */
  timestamp?: TimestampInfo;
}

// 256 MiB is roughly a million-file manifest; anything larger is not ours and is not read into memory.
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
const HASH_CONCURRENCY = 8;
// Far above any supported signature (RSA-8192 is 1024 bytes); larger files are not read.
const MAX_SIGNATURE_BYTES = 4096;

// Verifies a bundle folder against the contract in DESIGN.md: the signature over manifest.json's
// exact bytes, every listed file's sha256 and size, no missing, extra, symlinked or special files,
// and no manifest path that escapes the folder. Every problem found is reported; a bad bundle never
// throws. It throws only for caller errors: the folder does not exist (UsageError USAGE) or the
// pinned key is not an Ed25519 public key (BundleError KEY_INVALID).
export async function verifyBundle(dir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const root = await resolveRoot(dir);
  const pinned = opts.publicKeyPem === undefined ? undefined : parseSigningPublicKey(opts.publicKeyPem, 'the pinned public key');

  const problems: VerifyProblem[] = [];
  const entries = await walkBundle(root);
  const diskFiles = new Set<string>();
  const irregular = new Map<string, BundleEntry>();
  for (const entry of entries) {
    if (entry.kind === 'file') {
      diskFiles.add(entry.path);
    } else {
      irregular.set(entry.path, entry);
      const what = entry.kind === 'symlink' ? 'a symlink' : (entry.detail ?? 'not a regular file');
      problems.push({ code: 'PATH_ESCAPES', path: entry.path, message: `${entry.path} is ${what}; a bundle holds only regular files and folders` });
    }
  }

  const bundledKey = await readBundledKey(root, diskFiles, irregular, problems, pinned === undefined);
  const key = pinned ?? bundledKey?.key;
  const keySource: KeySource = pinned === undefined ? 'bundled' : 'pinned';
  const fingerprint = pinned === undefined ? bundledKey?.fingerprint : publicKeyFingerprint(pinned);
  if (pinned !== undefined && bundledKey !== undefined && bundledKey.fingerprint !== fingerprint) {
    problems.push({
      code: 'FILE_CHANGED',
      path: BUNDLED_PUBLIC_KEY_FILE,
      message: `${BUNDLED_PUBLIC_KEY_FILE} is key ${bundledKey.fingerprint}, not the pinned key ${fingerprint ?? ''}`,
    });
  }

  const manifestBytes = await readManifestBytes(root, diskFiles, irregular, problems);
  const signature = await readSignature(root, diskFiles, irregular, problems, key);
  const parsed = manifestBytes === undefined ? undefined : parseManifest(manifestBytes);

  if (manifestBytes !== undefined && signature !== undefined && key !== undefined) {
    const algorithm = signingAlgorithmFor(key);
    if (!verifyWithKey(key, manifestBytes, signature)) {
      const claimed = parsed?.manifest?.signer.keyFingerprint;
      const details = [
        `checked with the ${keySource} key ${fingerprint ?? ''}`,
        claimed === undefined ? undefined : `the manifest names signer ${claimed}`,
        pinned !== undefined && bundledKey !== undefined ? `${BUNDLED_PUBLIC_KEY_FILE} is ${bundledKey.fingerprint}` : undefined,
      ].filter((d) => d !== undefined);
      problems.push({
        code: 'SIGNATURE_INVALID',
        path: SIGNATURE_FILE,
        message: `${SIGNATURE_FILE} is not a valid signature over ${MANIFEST_FILE} (${details.join('; ')})`,
      });
    } else if (parsed?.manifest !== undefined && parsed.manifest.signer.algorithm !== algorithm) {
      problems.push({
        code: 'MANIFEST_INVALID',
        path: MANIFEST_FILE,
        message: `signer.algorithm ${parsed.manifest.signer.algorithm} is not the algorithm of the key that made the signature (${algorithm ?? 'unknown'})`,
      });
    } else if (parsed?.manifest !== undefined && parsed.manifest.signer.keyFingerprint !== fingerprint) {
      problems.push({
        code: 'MANIFEST_INVALID',
        path: MANIFEST_FILE,
        message: `signer.keyFingerprint ${parsed.manifest.signer.keyFingerprint} is not the key that made the signature (${fingerprint ?? ''})`,
      });
    }
  }

  if (parsed === undefined || parsed.manifest === undefined) {
    problems.push(...(parsed?.problems ?? []));
    return { ok: false, problems, keySource, ...(fingerprint === undefined ? {} : { fingerprint }), filesChecked: 0 };
  }

  const manifest = parsed.manifest;
  const timestamp = await checkTimestamp(root, diskFiles, opts.tsaCaPem, problems);
  const filesChecked = await checkFiles(root, manifest.files, diskFiles, irregular, problems);
  // An empty folder no listed file lives in is extra content (a folder of a deleted file is not).
  const listedFolders = new Set(manifest.files.flatMap((f) => f.path.split('/').slice(0, -1).map((_s, i, all) => all.slice(0, i + 1).join('/'))));
  for (const folder of await emptyFolders(root)) {
    if (!listedFolders.has(folder)) problems.push({ code: 'FILE_EXTRA', path: folder, message: `${folder}/ is an empty folder in the bundle; ${MANIFEST_FILE} lists files only, so it is not part of what was signed` });
  }
  const certificate = await checkCertificate(root, manifest, diskFiles, fingerprint, problems);
  // Checked once everything else holds: on a bundle that already fails it would only repeat what changed.
  const attestation = problems.length === 0 ? await checkAttestation(root, manifest, diskFiles, key, problems) : undefined;
  return {
    ok: problems.length === 0,
    problems,
    manifest,
    keySource,
    ...(fingerprint === undefined ? {} : { fingerprint }),
    filesChecked,
    ...(certificate === undefined ? {} : { certificate }),
    ...(attestation === undefined ? {} : { attestation }),
    ...(timestamp === undefined ? {} : { timestamp }),
  };
}

// signer.crt (X.509 signers) is covered by the manifest's hash; here it must also hold the very key
// that signed, or the certificate would vouch for someone else.
async function checkCertificate(
  root: string,
  manifest: Manifest,
  diskFiles: ReadonlySet<string>,
  fingerprint: string | undefined,
  problems: VerifyProblem[],
): Promise<VerifyReport['certificate']> {
  if (!diskFiles.has(SIGNER_CERT_FILE) || !manifest.files.some((f) => f.path === SIGNER_CERT_FILE)) return undefined;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(await readFile(path.join(root, SIGNER_CERT_FILE)));
  } catch (err) {
    problems.push({ code: 'KEY_INVALID', path: SIGNER_CERT_FILE, message: `${SIGNER_CERT_FILE} is not a PEM X.509 certificate: ${errorMessage(err)}` });
    return undefined;
  }
  const certFingerprint = publicKeyFingerprint(cert.publicKey);
  if (certFingerprint !== fingerprint) {
    problems.push({
      code: 'KEY_INVALID',
      path: SIGNER_CERT_FILE,
      message: `${SIGNER_CERT_FILE} certifies key ${certFingerprint}, not the key that signed (${fingerprint ?? 'none'})`,
    });
    return undefined;
  }
  return { subject: cert.subject.replaceAll('\n', ', '), issuer: cert.issuer.replaceAll('\n', ', '), validFrom: cert.validFrom, validTo: cert.validTo };
}

async function resolveRoot(dir: string): Promise<string> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch (err) {
    throw new UsageError('USAGE', `bundle folder not found: ${dir}`, { cause: err });
  }
  if (!(await stat(root)).isDirectory()) {
    throw new UsageError('USAGE', `not a folder: ${dir} (extract a .tar.gz bundle first)`);
  }
  return root;
}

interface BundledKey {
  key: KeyObject;
  fingerprint: string;
}

async function readBundledKey(
  root: string,
  diskFiles: ReadonlySet<string>,
  irregular: ReadonlyMap<string, BundleEntry>,
  problems: VerifyProblem[],
  needed: boolean,
): Promise<BundledKey | undefined> {
  if (!diskFiles.has(BUNDLED_PUBLIC_KEY_FILE)) {
    if (needed && !irregular.has(BUNDLED_PUBLIC_KEY_FILE)) {
      problems.push({
        code: 'SIGNATURE_INVALID',
        path: BUNDLED_PUBLIC_KEY_FILE,
        message: `${BUNDLED_PUBLIC_KEY_FILE} is missing and no public key was given (--key): the signature cannot be checked`,
      });
    }
    return undefined;
  }
  try {
    const pem = await readFile(path.join(root, BUNDLED_PUBLIC_KEY_FILE), 'utf8');
    const key = parseSigningPublicKey(pem, BUNDLED_PUBLIC_KEY_FILE);
    return { key, fingerprint: publicKeyFingerprint(key) };
  } catch (err) {
    problems.push({ code: 'KEY_INVALID', path: BUNDLED_PUBLIC_KEY_FILE, message: errorMessage(err) });
    if (needed) {
      problems.push({
        code: 'SIGNATURE_INVALID',
        path: SIGNATURE_FILE,
        message: `the signature cannot be checked: ${BUNDLED_PUBLIC_KEY_FILE} is unusable and no public key was given (--key)`,
      });
    }
    return undefined;
  }
}

async function readManifestBytes(
  root: string,
  diskFiles: ReadonlySet<string>,
  irregular: ReadonlyMap<string, BundleEntry>,
  problems: VerifyProblem[],
): Promise<Buffer | undefined> {
  if (!diskFiles.has(MANIFEST_FILE)) {
    // A symlinked manifest.json was already reported as PATH_ESCAPES; it is not read.
    const how = irregular.has(MANIFEST_FILE) ? 'is not a regular file' : 'is missing';
    problems.push({ code: 'MANIFEST_INVALID', path: MANIFEST_FILE, message: `${MANIFEST_FILE} ${how}` });
    return undefined;
  }
  const file = path.join(root, MANIFEST_FILE);
  const { size } = await stat(file);
  if (size > MAX_MANIFEST_BYTES) {
    problems.push({ code: 'MANIFEST_INVALID', path: MANIFEST_FILE, message: `${MANIFEST_FILE} is ${size} bytes, more than the ${MAX_MANIFEST_BYTES} allowed` });
    return undefined;
  }
  return readFile(file);
}

async function readSignature(
  root: string,
  diskFiles: ReadonlySet<string>,
  irregular: ReadonlyMap<string, BundleEntry>,
  problems: VerifyProblem[],
  key: KeyObject | undefined,
): Promise<Buffer | undefined> {
  if (!diskFiles.has(SIGNATURE_FILE)) {
    const how = irregular.has(SIGNATURE_FILE) ? 'is not a regular file' : 'is missing';
    problems.push({ code: 'SIGNATURE_INVALID', path: SIGNATURE_FILE, message: `${SIGNATURE_FILE} ${how}` });
    return undefined;
  }
  const file = path.join(root, SIGNATURE_FILE);
  const { size } = await stat(file);
  const algorithm = key === undefined ? undefined : signingAlgorithmFor(key);
  const wrongSize =
    key !== undefined && algorithm !== undefined
      ? signatureSizeProblem(algorithm, key, size)
      : size > MAX_SIGNATURE_BYTES
        ? `no supported signature is more than ${MAX_SIGNATURE_BYTES} bytes`
        : undefined;
  if (wrongSize !== undefined) {
    problems.push({ code: 'SIGNATURE_INVALID', path: SIGNATURE_FILE, message: `${SIGNATURE_FILE} is ${size} bytes; ${wrongSize}` });
    return undefined;
  }
  return readFile(file);
}

interface ParsedManifest {
  manifest?: Manifest;
  problems: VerifyProblem[];
}

function parseManifest(bytes: Buffer): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    return { problems: [{ code: 'MANIFEST_INVALID', path: MANIFEST_FILE, message: `${MANIFEST_FILE} is not valid UTF-8 JSON: ${errorMessage(err)}` }] };
  }
  const result = Manifest.safeParse(json);
  if (!result.success) {
    return {
      problems: result.error.issues.map((issue) => ({
        code: 'MANIFEST_INVALID' as const,
        path: MANIFEST_FILE,
        message: `${MANIFEST_FILE} ${issue.path.length === 0 ? '' : `${z.core.toDotPath(issue.path)}: `}${issue.message}`,
      })),
    };
  }
  return { manifest: result.data, problems: [] };
}

// Checks every listed file and returns how many were hashed. Problems are appended in manifest
// order, then extra files in path order, so the report is deterministic.
async function checkFiles(
  root: string,
  files: readonly ManifestFile[],
  diskFiles: ReadonlySet<string>,
  irregular: ReadonlyMap<string, BundleEntry>,
  problems: VerifyProblem[],
): Promise<number> {
  const listed = new Set<string>();
  const toHash: ManifestFile[] = [];
  for (const file of files) {
    const unsafe = unsafePathReason(file.path);
    if (unsafe !== undefined) {
      problems.push({ code: 'PATH_ESCAPES', path: file.path, message: `listed path ${JSON.stringify(file.path)} ${unsafe}` });
      continue;
    }
    if (file.path === MANIFEST_FILE || file.path === SIGNATURE_FILE) {
      problems.push({ code: 'MANIFEST_INVALID', path: file.path, message: `${file.path} cannot be listed in the manifest` });
      continue;
    }
    if (listed.has(file.path)) {
      problems.push({ code: 'MANIFEST_INVALID', path: file.path, message: `${file.path} is listed more than once` });
      continue;
    }
    listed.add(file.path);
    if (diskFiles.has(file.path)) {
      toHash.push(file);
    } else {
      const through = irregularAncestor(file.path, irregular);
      if (through !== undefined) {
        problems.push({ code: 'PATH_ESCAPES', path: file.path, message: `${file.path} goes through ${through}, which is not a folder in the bundle` });
      } else if (!irregular.has(file.path)) {
        // A listed symlink or special file itself was already reported as PATH_ESCAPES by the walk.
        problems.push({ code: 'FILE_MISSING', path: file.path, message: `${file.path} is listed but not in the bundle` });
      }
    }
  }

  const results = await mapLimit(toHash, HASH_CONCURRENCY, (file) => checkFile(root, file));
  for (const problem of results) {
    if (problem !== undefined) problems.push(problem);
  }

  for (const file of diskFiles) {
    if (!listed.has(file) && !UNLISTED_FILES.has(file)) {
      problems.push({ code: 'FILE_EXTRA', path: file, message: `${file} is in the bundle but not listed in ${MANIFEST_FILE}` });
    }
  }
  return toHash.length;
}

// The first proper prefix of p (e.g. "evidence/link" for "evidence/link/x.json") that is a
// symlink or special file on disk.
function irregularAncestor(p: string, irregular: ReadonlyMap<string, BundleEntry>): string | undefined {
  const segments = p.split('/');
  for (let i = 1; i < segments.length; i++) {
    const prefix = segments.slice(0, i).join('/');
    if (irregular.has(prefix)) return prefix;
  }
  return undefined;
}

async function checkFile(root: string, file: ManifestFile): Promise<VerifyProblem | undefined> {
  const absolute = path.join(root, ...file.path.split('/'));
  try {
    // Defence in depth against a parent folder swapped for a symlink after the walk.
    const real = await realpath(absolute);
    if (!real.startsWith(root + path.sep)) {
      return { code: 'PATH_ESCAPES', path: file.path, message: `${file.path} resolves to ${real}, outside the bundle` };
    }
    const actual = await hashFile(real);
    const changes: string[] = [];
    if (actual.size !== file.size) changes.push(`size ${actual.size}, manifest says ${file.size}`);
    if (actual.sha256 !== file.sha256) changes.push(`sha256 ${actual.sha256}, manifest says ${file.sha256}`);
    if (changes.length === 0) return undefined;
    return { code: 'FILE_CHANGED', path: file.path, message: `${file.path} changed: ${changes.join('; ')}` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return { code: 'FILE_MISSING', path: file.path, message: `${file.path} disappeared while verifying` };
    }
    if (code === 'ELOOP') {
      return { code: 'PATH_ESCAPES', path: file.path, message: `${file.path} is a symlink` };
    }
    return { code: 'FILE_CHANGED', path: file.path, message: `${file.path} cannot be read: ${errorMessage(err)}` };
  }
}
