import { execFile as execFileCb } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const execFile = promisify(execFileCb);
export const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
export const BIN = path.join(ROOT, 'bin', 'auditpack.js');
export const PROD_EU = path.join(ROOT, 'demo/environment/prod-eu');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// The real CLI in a child process, as a user or a CI job runs it.
export async function cli(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await execFile(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

// A user error is one line (a hint line may follow), never a stack trace, a raw errno or the whole help.
export function oneClearLine(r: Run): string {
  const lines = r.stderr.trim().split('\n');
  if (lines.length > 2) throw new Error(`expected one error line, got:\n${r.stderr}`);
  if (/\n\s+at |ENOENT|ENOTDIR|EISDIR|Usage:/.test(r.stderr)) throw new Error(`stack, errno or help in:\n${r.stderr}`);
  return lines[0] ?? '';
}
