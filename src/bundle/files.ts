import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';
export const BUNDLED_PUBLIC_KEY_FILE = 'signer.pub.pem';
export const VERIFY_FILE = 'VERIFY.md';
/** RFC 3161 time-stamp response over manifest.sig (with --tsa); made after the signature, so never listed. */
export const TIMESTAMP_FILE = 'manifest.tsr';

// The only files at the bundle root that manifest.json does not list: the manifest cannot hash
// itself, its signature or the timestamp over that signature, and signer.pub.pem is a convenience
// copy whose trust comes from its fingerprint, not from the manifest.
export const UNLISTED_FILES: ReadonlySet<string> = new Set([MANIFEST_FILE, SIGNATURE_FILE, TIMESTAMP_FILE, BUNDLED_PUBLIC_KEY_FILE]);

export type BundleEntryKind = 'file' | 'symlink' | 'other';

export interface BundleEntry {
  /** POSIX path relative to the bundle root. */
  path: string;
  kind: BundleEntryKind;
  /** For 'other': what it is (FIFO, socket, device). */
  detail?: string;
}

// Lists everything under root except directories, without following symlinks, sorted by path
// (UTF-16 code units, the same order canonical JSON uses). Symlinks and special files are returned
// with their kind so callers can refuse (signing) or report (verifying) them.
export async function walkBundle(root: string): Promise<BundleEntry[]> {
  const entries: BundleEntry[] = [];
  await walkInto(root, '', entries);
  return entries.sort((a, b) => compareCodeUnits(a.path, b.path));
}

async function walkInto(root: string, rel: string, out: BundleEntry[]): Promise<void> {
  const names = await readdir(rel === '' ? root : path.join(root, rel));
  for (const name of names) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const stats = await lstat(path.join(root, childRel));
    if (stats.isDirectory()) {
      await walkInto(root, childRel, out);
    } else if (stats.isFile()) {
      out.push({ path: childRel, kind: 'file' });
    } else if (stats.isSymbolicLink()) {
      out.push({ path: childRel, kind: 'symlink' });
    } else {
      out.push({ path: childRel, kind: 'other', detail: describeSpecial(stats) });
    }
  }
}

// Folders (not the root) that hold nothing at all, deepest first: the manifest lists files only, so
// an empty folder is content it does not vouch for (verify reports it; signing removes it first).
export async function emptyFolders(root: string, rel = ''): Promise<string[]> {
  const names = await readdir(rel === '' ? root : path.join(root, rel), { withFileTypes: true });
  const out: string[] = [];
  let empty = true;
  for (const d of names) {
    const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) {
      const inner = await emptyFolders(root, childRel);
      out.push(...inner);
      if (inner[inner.length - 1] !== childRel) empty = false;
    } else {
      empty = false;
    }
  }
  if (empty && rel !== '') out.push(rel);
  return out;
}

export async function removeEmptyFolders(root: string): Promise<void> {
  for (const rel of await emptyFolders(root)) await rmdir(path.join(root, rel));
}

function describeSpecial(stats: { isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isCharacterDevice()) return 'a character device';
  return 'not a regular file';
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Why a manifest path is unsafe, or undefined when it is a plain relative POSIX path that stays
// inside the bundle. Besides escapes (absolute, `..`), it refuses what makes one file reachable
// under two spellings (`.`, empty segments, backslashes) and control characters, which would
// break the "sha256  path" lines VERIFY.md pipes into sha256sum.
export function unsafePathReason(p: string): string | undefined {
  if (p === '') return 'is empty';
  if (p.includes('\0')) return 'contains a NUL byte';
  if (p.includes('\\')) return 'contains a backslash';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) return 'contains a control character';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'is absolute';
  const segments = p.split('/');
  if (segments.includes('..')) return 'contains a ".." segment';
  if (segments.includes('.')) return 'contains a "." segment';
  if (segments.includes('')) return 'contains an empty segment';
  return undefined;
}

export interface FileDigest {
  sha256: string;
  size: number;
}

// Streams the file through sha256 (never reads it whole into memory). O_NOFOLLOW makes opening
// fail (ELOOP) if the last component was swapped for a symlink after the caller checked it.
export async function hashFile(file: string): Promise<FileDigest> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  const hash = createHash('sha256');
  let size = 0;
  // The stream closes the handle when it ends or fails (autoClose).
  for await (const chunk of handle.createReadStream()) {
    const bytes = chunk as Buffer;
    size += bytes.byteLength;
    hash.update(bytes);
  }
  return { sha256: hash.digest('hex'), size };
}

// Runs fn over items with at most `limit` in flight, keeping results in input order.
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// lstat, so a dangling symlink also counts as existing.
export async function pathExists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
