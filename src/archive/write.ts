import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { walkBundle } from '../bundle/files.ts';
import { verifyBundle, type VerifyOptions } from '../bundle/verify.ts';
import { BundleError } from '../shared/errors.ts';
import { BUNDLE_FOLDER, deriveArchiveFiles } from './views.ts';

export interface ArchiveSummary {
  file: string;
  runId: string;
  top: string;
  entries: number;
  bytes: number;
}

// `auditpack bundle RUN_DIR --out FILE.tar.gz`: verifies the bundle, then writes a gzip tar with
// one top folder (the run id) holding the derived files (README, reports, by-control/, by-source/,
// by-date/) and bundle/ unchanged. Entries are sorted with fixed owner, mode and mtime (the
// bundle's createdAt), so the same bundle always gives the same tar.
export async function writeArchive(runDir: string, outFile: string, opts: VerifyOptions = {}): Promise<ArchiveSummary> {
  const check = await verifyBundle(runDir, opts);
  if (!check.ok) {
    const first = check.problems[0];
    throw new BundleError(first?.code ?? 'MANIFEST_INVALID', `${runDir} does not verify (${check.problems.length} problem(s), first: ${first?.message ?? 'unknown'}); refusing to archive it`);
  }
  const derived = await deriveArchiveFiles(runDir);
  const top = derived.manifest.runId.replace(/[^A-Za-z0-9._-]/g, '_');
  const mtime = new Date(derived.manifest.createdAt);
  const out = path.resolve(outFile);
  if ((await stat(out).catch(() => undefined))?.isDirectory()) throw new BundleError('OUTPUT_EXISTS', `${outFile} is a folder; give a file name such as ${path.join(outFile, `${top}.tar.gz`)}`);
  await mkdir(path.dirname(out), { recursive: true });
  const work = `${out}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;

  const pack = tar.pack();
  const written = pipeline(pack, createGzip({ level: 9 }), createWriteStream(work, { flags: 'wx', mode: 0o644 }));
  let entries = 0;
  const header = (name: string, size: number): EntryHeader => ({ name: `${top}/${name}`, size, mode: 0o644, mtime, uid: 0, gid: 0, uname: '', gname: '', type: 'file' });
  try {
    for (const [name, bytes] of [...derived.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      await new Promise<void>((resolve, reject) => {
        pack.entry(header(name, bytes.byteLength), bytes, (err) => (err ? reject(err) : resolve()));
      });
      entries++;
    }
    for (const entry of await walkBundle(runDir)) {
      // verifyBundle refused symlinks and special files a moment ago; a new one is a race, refused too.
      if (entry.kind !== 'file') throw new BundleError('PATH_ESCAPES', `${entry.path} in ${runDir} is not a regular file`);
      const file = path.join(runDir, ...entry.path.split('/'));
      const { size } = await stat(file);
      await streamEntry(pack, header(`${BUNDLE_FOLDER}/${entry.path}`, size), file);
      entries++;
    }
    pack.finalize();
    await written;
    await rename(work, out);
  } catch (err) {
    pack.destroy();
    await written.catch(() => undefined);
    await rm(work, { force: true });
    throw err;
  }
  return { file: out, runId: derived.manifest.runId, top, entries, bytes: (await stat(out)).size };
}

// Streams one file into the tar without holding it in memory (as tar-stream's README does).
async function streamEntry(pack: tar.Pack, header: EntryHeader, file: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    const source = createReadStream(file);
    source.on('error', (err) => {
      sink.destroy(err);
      reject(err);
    });
    source.pipe(sink as unknown as NodeJS.WritableStream);
  });
}

type EntryHeader = Partial<tar.Header> & { name: string };
