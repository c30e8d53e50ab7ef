import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { unsafePathReason } from '../bundle/files.ts';
import { errorMessage } from '../shared/errors.ts';
import { ArchiveError } from './errors.ts';

// Bounds on what an archive may make us write: well above any real bundle, far below a full disk.
// A gzip bomb expands about 1000:1; bundles of JSON evidence stay far below `ratio`. Below
// `ratioFloor` bytes the ratio is not checked (tiny archives of repetitive text compress well).
export const EXTRACT_LIMITS = { entries: 500_000, bytes: 8 * 1024 ** 3, ratio: 200, ratioFloor: 64 * 1024 ** 2 } as const;

export interface Extracted {
  files: number;
  bytes: number;
}

// Streams FILE (gzip tar) into dest, which must be an empty folder. Only regular files and
// folders are accepted; every other entry type, any path that is absolute, has "..", "." or empty
// segments, backslashes or control characters, and any name seen twice is refused with an
// ArchiveError naming the entry — before anything is written for it.
export async function extractArchive(file: string, dest: string): Promise<Extracted> {
  const source = createReadStream(file);
  const gunzip = createGunzip();
  const extract = tar.extract();
  // A read or gzip error may arrive while an entry is being written, and the entry stream does not
  // always end then: every wait below races this promise, so a truncated file never hangs us.
  let fail: (err: unknown) => void = () => undefined;
  const failure = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  failure.catch(() => undefined);
  source.on('error', (err) => fail(err));
  gunzip.on('error', (err) => fail(err));
  extract.on('error', (err: unknown) => fail(err));
  // Counted as the data flows, so a bomb stops before it fills the temp folder.
  let compressed = 0;
  let expanded = 0;
  source.on('data', (chunk) => {
    compressed += chunk.length;
  });
  gunzip.on('data', (chunk: Buffer) => {
    expanded += chunk.length;
    if (expanded > EXTRACT_LIMITS.ratioFloor && expanded > EXTRACT_LIMITS.ratio * compressed) {
      fail(new ArchiveError('ARCHIVE_INVALID', `${file} expands more than ${EXTRACT_LIMITS.ratio} times (${expanded} bytes from the first ${compressed} compressed bytes): refusing a likely gzip bomb`));
    }
  });
  source.pipe(gunzip).pipe(extract);
  let current: WriteStream | undefined;

  const seen = new Set<string>();
  const fileNames = new Set<string>();
  let files = 0;
  let bytes = 0;
  const loop = async (): Promise<void> => {
    for await (const entry of extract) {
      const h = entry.header;
      const raw = h.name;
      const name = raw.replace(/^\.\//, '').replace(/\/+$/, '');
      if (name === '' || name === '.') {
        if (h.type === 'directory') {
          entry.resume();
          continue;
        }
      }
      const shown = JSON.stringify(raw);
      const unsafe = unsafePathReason(name);
      if (unsafe !== undefined) throw new ArchiveError('ARCHIVE_UNSAFE', `refusing archive entry ${shown}: its path ${unsafe} (it would escape or alias the extraction folder)`);
      if (h.type === 'symlink') throw new ArchiveError('ARCHIVE_UNSAFE', `refusing archive entry ${shown}: it is a symlink (to ${JSON.stringify(h.linkname ?? '')}); a bundle holds only regular files`);
      if (h.type === 'link') throw new ArchiveError('ARCHIVE_UNSAFE', `refusing archive entry ${shown}: it is a hard link (to ${JSON.stringify(h.linkname ?? '')}); a bundle holds only regular files`);
      if (h.type !== 'file' && h.type !== 'directory') throw new ArchiveError('ARCHIVE_UNSAFE', `refusing archive entry ${shown}: it is a ${h.type ?? 'unknown'} entry; a bundle holds only regular files and folders`);
      if (seen.has(name)) throw new ArchiveError('ARCHIVE_UNSAFE', `refusing archive entry ${shown}: the archive holds ${name} more than once (a later copy could replace what was checked)`);
      seen.add(name);
      const segments = name.split('/');
      for (let i = 1; i < segments.length; i++) {
        const parent = segments.slice(0, i).join('/');
        if (fileNames.has(parent)) throw new ArchiveError('ARCHIVE_UNSAFE', `refusing archive entry ${shown}: ${parent} is a file in the archive, not a folder`);
      }
      if (seen.size > EXTRACT_LIMITS.entries) throw new ArchiveError('ARCHIVE_INVALID', `the archive has more than ${EXTRACT_LIMITS.entries} entries`);
      const target = path.join(dest, ...segments);
      if (h.type === 'directory') {
        await mkdir(target, { recursive: true });
        entry.resume();
        continue;
      }
      bytes += h.size ?? 0;
      if (bytes > EXTRACT_LIMITS.bytes) throw new ArchiveError('ARCHIVE_INVALID', `the archive unpacks to more than ${EXTRACT_LIMITS.bytes} bytes`);
      fileNames.add(name);
      await mkdir(path.dirname(target), { recursive: true });
      // wx: never through an existing file (a folder entry named like this file would have been refused above).
      current = createWriteStream(target, { flags: 'wx', mode: 0o600 });
      await pipeline(entry, current);
      current = undefined;
      files++;
    }
  };
  try {
    await Promise.race([loop(), failure]);
  } catch (err) {
    current?.destroy();
    source.destroy();
    gunzip.destroy();
    extract.destroy();
    if (err instanceof ArchiveError) throw err;
    throw new ArchiveError('ARCHIVE_INVALID', `${file} cannot be read as a .tar.gz: ${readError(err)}`, { cause: err });
  }
  return { files, bytes };
}

function readError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const msg = errorMessage(err);
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(msg)) return 'the gzip stream ends early (the file is truncated)';
  if (code === 'Z_DATA_ERROR') return `not a valid gzip stream (${msg})`;
  if (/unexpected end of data/i.test(msg)) return 'the tar stream ends in the middle of an entry (the file is truncated)';
  if (/invalid tar header|unknown format|checksum/i.test(msg)) return `not a valid tar archive (${msg})`;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') return `an entry conflicts with another (${msg})`;
  return msg;
}
