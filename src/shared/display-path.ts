import path from 'node:path';

// A local folder as outputs may name it: relative to the working directory when inside it, else
// only its own name. Absolute paths reveal the machine's layout (home folders, user names) and mean
// nothing to a reader of the bundle elsewhere, so no output carries one.
export function displayPath(dir: string, cwd: string = process.cwd()): string {
  const abs = path.resolve(cwd, dir);
  const rel = path.relative(cwd, abs);
  if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  return path.basename(abs) || '.';
}
