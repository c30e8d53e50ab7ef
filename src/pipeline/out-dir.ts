import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { SIGNATURE_FILE, pathExists } from '../bundle/files.ts';
import { verifyBundle } from '../bundle/verify.ts';
import { crashPoint } from '../shared/crash-point.ts';
import { BundleError } from '../shared/errors.ts';
import { processAlive } from '../shared/process-alive.ts';

// How a bundle reaches --out without a crash ever leaving a folder that verifies but is
// incomplete, or losing the last good bundle:
//   1. built and signed in <out>.partial-<pid>-<hex>, the signature written as
//      .manifest.sig.pending-<pid> (so the work folder never verifies);
//   2. a previous bundle at <out> is renamed to <out>.old-<pid>-<hex>;
//   3. the work folder is renamed to <out> (still unsigned: does not verify);
//   4. the pending signature is renamed to manifest.sig (the commit point);
//   5. the old bundle is deleted.
// A later run first recovers from a crash at any step (recoverOutDir).

export function pendingSignatureName(pid = process.pid): string {
  return `.manifest.sig.pending-${pid}`;
}

export function workDirFor(outDir: string): string {
  return `${outDir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
}

// Steps 2-5.
export async function commitBundle(work: string, outDir: string): Promise<void> {
  let old: string | undefined;
  if (await pathExists(outDir)) {
    old = `${outDir}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
    await rename(outDir, old);
    crashPoint('replace-moved-aside');
  }
  await rename(work, outDir);
  crashPoint('replace-renamed-in');
  await rename(path.join(outDir, pendingSignatureName()), path.join(outDir, SIGNATURE_FILE));
  crashPoint('replace-signed');
  if (old) await rm(old, { recursive: true, force: true });
  crashPoint('replace-cleaned');
}

// Cleans up after runs that were killed (their process is gone): a bundle renamed into place but
// not yet signed is finished if its pending signature verifies, else set aside; a previous bundle
// moved aside comes back when no bundle that verifies took its place; work folders go. A moved-aside
// bundle is deleted only once a bundle at outDir verifies. Folders of live runs are left alone.
export async function recoverOutDir(outDir: string): Promise<void> {
  const parent = path.dirname(outDir);
  const base = path.basename(outDir);
  const names = await readdir(parent).catch(() => [] as string[]);
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(partial|old)-(\\d+)-[0-9a-f]{8}$`);
  const olds: string[] = [];
  for (const name of names.sort()) {
    const m = pattern.exec(name);
    if (!m || processAlive(Number(m[2]))) continue;
    if (m[1] === 'partial') await rm(path.join(parent, name), { recursive: true, force: true });
    else olds.push(path.join(parent, name));
  }
  await finishPendingSignature(outDir);
  if (olds.length === 0) return;
  if (!(await pathExists(outDir))) {
    // The newest moved-aside bundle comes back (names sort by pid, so order by time).
    const newest = (await Promise.all(olds.map(async (o) => ({ o, t: (await stat(o)).mtimeMs })))).sort((a, b) => b.t - a.t)[0]?.o;
    if (newest) {
      await rename(newest, outDir);
      olds.splice(olds.indexOf(newest), 1);
    }
  }
  if (!(await verifies(outDir))) return;
  for (const o of olds) await rm(o, { recursive: true, force: true });
}

// A run killed between renaming its folder into place and renaming its signature: the folder is
// complete, so it is finished when the pending signature verifies, else set aside as a partial.
async function finishPendingSignature(outDir: string): Promise<void> {
  const entries = await readdir(outDir).catch(() => undefined);
  if (!entries || entries.includes(SIGNATURE_FILE)) return;
  const pending = entries.map((n) => /^\.manifest\.sig\.pending-(\d+)$/.exec(n)).find((m) => m !== null);
  if (!pending || processAlive(Number(pending[1]))) return;
  await rename(path.join(outDir, pending[0]), path.join(outDir, SIGNATURE_FILE));
  if (await verifies(outDir)) return;
  await rename(path.join(outDir, SIGNATURE_FILE), path.join(outDir, pending[0]));
  await rename(outDir, `${outDir}.partial-${pending[1]}-${randomBytes(4).toString('hex')}`);
}

async function verifies(dir: string): Promise<boolean> {
  if (!(await pathExists(dir))) return false;
  const report = await verifyBundle(dir).catch(() => undefined);
  return report?.ok === true;
}

// An existing output folder is replaced only when it is empty or an auditpack bundle that verifies:
// never a folder that merely holds a file named manifest.json.
export async function assertReplaceable(outDir: string): Promise<void> {
  const s = await stat(outDir).catch(() => undefined);
  if (!s) return;
  if (!s.isDirectory()) throw new BundleError('OUTPUT_EXISTS', `Output path ${outDir} exists and is not a folder`);
  const entries = await readdir(outDir);
  if (entries.length === 0) return;
  if (await verifies(outDir)) return;
  throw new BundleError(
    'OUTPUT_EXISTS',
    entries.includes('manifest.json')
      ? `Output folder ${outDir} holds a manifest.json but does not verify as an auditpack bundle, so it is not replaced; check it with \`auditpack verify\`, or choose another --out`
      : `Output folder ${outDir} is not empty and is not an auditpack bundle; choose another --out`,
  );
}

export async function ensureParent(outDir: string): Promise<void> {
  await mkdir(path.dirname(outDir), { recursive: true });
}
