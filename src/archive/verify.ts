import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MANIFEST_FILE, walkBundle } from '../bundle/files.ts';
import { verifyBundle, type VerifyOptions, type VerifyReport } from '../bundle/verify.ts';
import { UsageError, errorMessage } from '../shared/errors.ts';
import { ArchiveError } from './errors.ts';
import { extractArchive } from './extract.ts';
import { BUNDLE_FOLDER, deriveArchiveFiles } from './views.ts';

export interface ArchiveProblem {
  code: string;
  path?: string;
  message: string;
}

export interface ArchiveVerifyReport extends Omit<VerifyReport, 'problems'> {
  problems: ArchiveProblem[];
  // 'handoff': written by `auditpack bundle` (bundle/ plus derived files); 'bundle': a plain tar of a bundle folder.
  layout?: 'handoff' | 'bundle';
  derivedChecked: number;
}

export function isArchivePath(p: string): boolean {
  return /\.(tar\.gz|tgz)$/i.test(p);
}

// `auditpack verify FILE.tar.gz`: unpacks into a private temp folder (refusing unsafe entries),
// verifies the signed bundle inside, and — for a hand-off archive — rebuilds every file outside
// bundle/ from the verified bundle and requires identical bytes and no other file.
export async function verifyArchive(file: string, opts: VerifyOptions = {}): Promise<ArchiveVerifyReport> {
  if (!(await stat(file).catch(() => undefined))?.isFile()) throw new UsageError('USAGE', `archive not found: ${file}`);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-verify-'));
  try {
    try {
      await extractArchive(file, tmp);
    } catch (err) {
      if (!(err instanceof ArchiveError)) throw err;
      return failed([{ code: err.code, message: err.message }]);
    }
    let root = tmp;
    const top = await readdir(root, { withFileTypes: true });
    if (top.length === 1 && top[0]?.isDirectory()) root = path.join(root, top[0].name);
    if (await isFile(path.join(root, BUNDLE_FOLDER, MANIFEST_FILE))) return await verifyHandoff(root, opts);
    if (await isFile(path.join(root, MANIFEST_FILE))) {
      const report = await verifyBundle(root, opts);
      return { ...report, layout: 'bundle', derivedChecked: 0 };
    }
    return failed([{ code: 'ARCHIVE_INVALID', message: `${file} holds no auditpack bundle (no manifest.json at its top, nor ${BUNDLE_FOLDER}/manifest.json)` }]);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function verifyHandoff(root: string, opts: VerifyOptions): Promise<ArchiveVerifyReport> {
  const bundleDir = path.join(root, BUNDLE_FOLDER);
  const report = await verifyBundle(bundleDir, opts);
  const problems: ArchiveProblem[] = report.problems.map((p) => ({ ...p, ...(p.path ? { path: `${BUNDLE_FOLDER}/${p.path}` } : {}) }));
  if (!report.ok) {
    // Derived files are only meaningful next to a bundle that verifies.
    return { ...report, problems, layout: 'handoff', derivedChecked: 0 };
  }
  let expected: Map<string, Buffer>;
  try {
    expected = (await deriveArchiveFiles(bundleDir)).files;
  } catch (err) {
    problems.push({ code: 'ARCHIVE_INVALID', message: `the index files cannot be rebuilt from the bundle: ${errorMessage(err)}` });
    return { ...report, ok: false, problems, layout: 'handoff', derivedChecked: 0 };
  }
  let checked = 0;
  for (const entry of await walkBundle(root)) {
    if (entry.path.startsWith(`${BUNDLE_FOLDER}/`)) continue;
    const want = expected.get(entry.path);
    if (want === undefined) {
      problems.push({ code: 'FILE_EXTRA', path: entry.path, message: `${entry.path} is in the archive but is neither in the signed bundle nor derived from it` });
      continue;
    }
    const have = await readFile(path.join(root, ...entry.path.split('/')));
    if (!have.equals(want)) {
      problems.push({ code: 'FILE_CHANGED', path: entry.path, message: `${entry.path} differs from what the signed bundle produces (${entry.path.includes('/') ? 'index' : 'report copy'} altered)` });
    }
    checked++;
    expected.delete(entry.path);
  }
  for (const missing of [...expected.keys()].sort()) {
    problems.push({ code: 'FILE_MISSING', path: missing, message: `${missing} is missing from the archive` });
  }
  return { ...report, ok: problems.length === 0, problems, layout: 'handoff', derivedChecked: checked };
}

function failed(problems: ArchiveProblem[]): ArchiveVerifyReport {
  return { ok: false, problems, keySource: 'bundled', filesChecked: 0, derivedChecked: 0 };
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isFile() ?? false;
}
