import { createPublicKey } from 'node:crypto';
import { lstat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '../shared/canonical-json.ts';
import { BundleError, errorMessage } from '../shared/errors.ts';
import {
  BUNDLED_PUBLIC_KEY_FILE,
  MANIFEST_FILE,
  SIGNATURE_FILE,
  TIMESTAMP_FILE,
  UNLISTED_FILES,
  VERIFY_FILE,
  compareCodeUnits,
  hashFile,
  mapLimit,
  pathExists,
  removeEmptyFolders,
  unsafePathReason,
  walkBundle,
  type BundleEntry,
} from './files.ts';
import { SIGNER_CERT_FILE, SIGNING_ALGORITHMS, signingAlgorithmFor, verifyWithKey, type Signer } from './signer.ts';
import { displayUrl, requestTimestamp } from './timestamp.ts';
import { ATTESTATION_FILE, buildStatement, sha256Hex, signAttestation, type RunStats } from './attestation.ts';
import { verifyMarkdown } from './verify-md.ts';
import { crashPoint } from '../shared/crash-point.ts';

// manifest.json, schemaVersion 1. Strict objects: a verifier must not silently ignore a signed
// claim it does not understand; a new field means a new schemaVersion. Path safety and duplicates
// are checked by verifyBundle, so it can name the offending entry instead of rejecting everything.
export const ManifestFile = z.strictObject({
  path: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'),
  size: z.number().int().nonnegative(),
});
export type ManifestFile = z.infer<typeof ManifestFile>;

export const ManifestSigner = z.strictObject({
  algorithm: z.enum(SIGNING_ALGORITHMS),
  keyFingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 lowercase hex characters'),
  ephemeral: z.boolean(),
});
export type ManifestSigner = z.infer<typeof ManifestSigner>;

export const Manifest = z.strictObject({
  schemaVersion: z.literal(1),
  tool: z.strictObject({ name: z.string().min(1), version: z.string().min(1) }),
  runId: z.string().min(1),
  createdAt: z.iso.datetime({ offset: true }),
  signer: ManifestSigner,
  // Hash chain: the run recorded before this one in the evidence history (auditpack verify --history).
  previous: z
    .strictObject({
      runId: z.string().min(1),
      manifestSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'),
    })
    .optional(),
  files: z.array(ManifestFile),
});
export type Manifest = z.infer<typeof Manifest>;
export type ManifestPrevious = NonNullable<Manifest['previous']>;

/** What the caller knows about the run; createdAt comes from the injected clock (ISO 8601). */
export interface BundleMeta {
  tool: { name: string; version: string };
  runId: string;
  createdAt: string;
  /** report.pdf carries an embedded PDF signature by the signer's certificate (VERIFY.md explains how to check it). */
  signedPdf?: boolean;
  /** The previous run in the evidence history: its run id and the sha256 of its manifest.json bytes. */
  previous?: ManifestPrevious;
  /** Per-framework control counts and result counts, summarised in the attestation's predicate. */
  stats?: RunStats;
  /** RFC 3161 time-stamping authority: manifest.tsr gets its token over manifest.sig. */
  tsa?: { url: string; fetch?: typeof fetch };
}

export interface ManifestMeta extends BundleMeta {
  signer: ManifestSigner;
}

const HASH_CONCURRENCY = 8;

// Hashes every file under dir except manifest.json, manifest.sig and signer.pub.pem at the root,
// sorted by path. Throws BundleError PATH_ESCAPES on a symlink, special file or unsafe file name,
// because a signed manifest must only ever describe plain files inside the bundle.
export async function buildManifest(dir: string, meta: ManifestMeta): Promise<Manifest> {
  const listed = listableFiles(await walkBundle(dir));
  const files = await mapLimit(listed, HASH_CONCURRENCY, async (rel): Promise<ManifestFile> => {
    const digest = await hashFile(path.join(dir, rel));
    return { path: rel, sha256: digest.sha256, size: digest.size };
  });
  const manifest: Manifest = {
    schemaVersion: 1,
    tool: { name: meta.tool.name, version: meta.tool.version },
    runId: meta.runId,
    createdAt: meta.createdAt,
    signer: { algorithm: meta.signer.algorithm, keyFingerprint: meta.signer.keyFingerprint, ephemeral: meta.signer.ephemeral },
    ...(meta.previous ? { previous: { runId: meta.previous.runId, manifestSha256: meta.previous.manifestSha256 } } : {}),
    files,
  };
  // Never sign something verifyBundle would reject (e.g. a createdAt that is not ISO 8601).
  const parsed = Manifest.safeParse(manifest);
  if (!parsed.success) {
    throw new BundleError('MANIFEST_INVALID', `manifest for ${dir} is invalid: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

// The exact bytes written to manifest.json and signed: canonical JSON plus a trailing newline.
export function serializeManifest(manifest: Manifest): Uint8Array {
  return new TextEncoder().encode(`${canonicalJson(manifest)}\n`);
}

// Signs the bundle folder in place: writes VERIFY.md (first, so the manifest covers it) and
// signer.pub.pem, builds the manifest over every other file, then writes manifest.json and
// manifest.sig (raw 64-byte Ed25519 signature over manifest.json's bytes). Refuses
// (OUTPUT_EXISTS) a folder that already has manifest.json or manifest.sig: re-signing must be an
// explicit decision of the caller, who deletes them first.
// opts.signatureFile: write the signature under another name (the caller renames it to
// manifest.sig once the folder is in its final place, so a folder still being built never verifies).
export async function signBundle(dir: string, signer: Signer, meta: BundleMeta, opts: { signatureFile?: string } = {}): Promise<Manifest> {
  await assertDirectory(dir);
  for (const name of [MANIFEST_FILE, SIGNATURE_FILE, TIMESTAMP_FILE]) {
    if (await pathExists(path.join(dir, name))) {
      throw new BundleError('OUTPUT_EXISTS', `${path.join(dir, name)} already exists; the bundle is already signed`);
    }
  }
  // verify refuses empty folders (content the manifest cannot list).
  await removeEmptyFolders(dir);
  // Walk before writing anything: a symlink planted at VERIFY.md or signer.pub.pem must not be followed.
  const contents = listableFiles(await walkBundle(dir)).filter((p) => p !== VERIFY_FILE);
  if (contents.includes(ATTESTATION_FILE)) throw new BundleError('OUTPUT_EXISTS', `${path.join(dir, ATTESTATION_FILE)} already exists`);

  const signerInfo: ManifestSigner = {
    algorithm: signer.algorithm,
    keyFingerprint: signer.keyFingerprint,
    ephemeral: signer.ephemeral,
  };
  // The certificate is listed in (and so signed by) the manifest; verify checks it holds the signing key.
  if (signer.certificatePem !== undefined) {
    if (contents.includes(SIGNER_CERT_FILE)) throw new BundleError('OUTPUT_EXISTS', `${path.join(dir, SIGNER_CERT_FILE)} already exists`);
    await writeFile(path.join(dir, SIGNER_CERT_FILE), signer.certificatePem);
    contents.push(SIGNER_CERT_FILE);
  }
  await writeFile(
    path.join(dir, VERIFY_FILE),
    verifyMarkdown({
      tool: meta.tool,
      runId: meta.runId,
      createdAt: meta.createdAt,
      algorithm: signer.algorithm,
      keyFingerprint: signer.keyFingerprint,
      ephemeral: signer.ephemeral,
      certificate: signer.certificatePem !== undefined,
      signedPdf: meta.signedPdf === true && contents.includes('report.pdf'),
      files: [...contents, ATTESTATION_FILE],
      ...(meta.tsa ? { tsa: displayUrl(meta.tsa.url) } : {}),
    }),
  );
  crashPoint('sign-verify-md');
  await writeFile(path.join(dir, BUNDLED_PUBLIC_KEY_FILE), signer.publicKeyPem);
  crashPoint('sign-public-key');

  const manifest = await withAttestation(dir, signer, await buildManifest(dir, { ...meta, signer: signerInfo }), meta.stats);
  const bytes = serializeManifest(manifest);
  const signature = await signer.sign(bytes);
  assertSignatureMatches(signer, bytes, signature);
  // Asked before anything final is written: a TSA that fails leaves no half-signed folder.
  const timestamp = meta.tsa ? await requestTimestamp(meta.tsa.url, signature, meta.tsa.fetch) : undefined;
  if (timestamp) await writeFile(path.join(dir, TIMESTAMP_FILE), timestamp);
  await writeFile(path.join(dir, opts.signatureFile ?? SIGNATURE_FILE), signature);
  crashPoint('sign-signature');
  await writeFile(path.join(dir, MANIFEST_FILE), bytes);
  crashPoint('sign-manifest');
  return manifest;
}

// The in-toto statement covers every file the manifest lists; the manifest then lists (and its
// signature covers) the attestation too, so the bundle keeps one rule: every file but manifest.json,
// manifest.sig and signer.pub.pem is listed, and the extra-file check needs no exception.
async function withAttestation(dir: string, signer: Signer, manifest: Manifest, stats: RunStats | undefined): Promise<Manifest> {
  const statement = buildStatement({ ...manifest, ...(stats ? { stats } : {}) });
  const bytes = await signAttestation(signer, statement);
  await writeFile(path.join(dir, ATTESTATION_FILE), bytes);
  const entry: ManifestFile = { path: ATTESTATION_FILE, sha256: sha256Hex(bytes), size: bytes.byteLength };
  const files = [...manifest.files, entry].sort((a, b) => compareCodeUnits(a.path, b.path));
  return { ...manifest, files };
}

function listableFiles(entries: readonly BundleEntry[]): string[] {
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.kind === 'symlink') {
      throw new BundleError('PATH_ESCAPES', `refusing to sign a bundle containing a symlink: ${entry.path}`);
    }
    if (entry.kind === 'other') {
      throw new BundleError('PATH_ESCAPES', `refusing to sign a bundle containing ${entry.detail ?? 'a special file'}: ${entry.path}`);
    }
    const unsafe = unsafePathReason(entry.path);
    if (unsafe !== undefined) {
      throw new BundleError('PATH_ESCAPES', `refusing to sign a bundle file whose path ${unsafe}: ${JSON.stringify(entry.path)}`);
    }
    if (!UNLISTED_FILES.has(entry.path)) files.push(entry.path);
  }
  return files;
}

// A broken signer (wrong key, wrong algorithm, truncated output) must fail here, not at the auditor.
function assertSignatureMatches(signer: Signer, bytes: Uint8Array, signature: Uint8Array): void {
  let valid = false;
  try {
    const key = createPublicKey(signer.publicKeyPem);
    if (signingAlgorithmFor(key) !== signer.algorithm) {
      throw new Error(`the signer claims ${signer.algorithm} but its public key is a ${key.asymmetricKeyType ?? 'unknown'} key auditpack does not sign with that way`);
    }
    valid = verifyWithKey(key, bytes, signature);
  } catch (err) {
    throw new BundleError('SIGNING_FAILED', `cannot check the new signature: ${errorMessage(err)}`, { cause: err });
  }
  if (!valid) {
    throw new BundleError('SIGNING_FAILED', `the signer returned a signature that does not verify with its own public key (${signer.keyFingerprint})`);
  }
}

async function assertDirectory(dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await lstat(dir)).isDirectory();
  } catch (err) {
    throw new BundleError('FILE_MISSING', `bundle folder not found: ${dir}`, { cause: err });
  }
  if (!isDir) throw new BundleError('FILE_MISSING', `not a folder: ${dir}`);
}
