import { scrubText } from '../evidence/scrub.ts';

// Where the CLI writes: stdout for what a person or script reads, stderr for logs and errors.
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  // stderr when it is a terminal (progress bar); absent: logs are lines (JSON unless --log-format text).
  tty?: NodeJS.WritableStream;
  // stdout is a terminal that may be coloured (not NO_COLOR); --no-color turns it off per command.
  color?: boolean;
}

export const defaultIo: Io = {
  // Every line the process prints passes the one scrubber (issue 13: nothing secret leaves).
  out: (line) => process.stdout.write(`${scrubText(line)}\n`),
  err: (line) => process.stderr.write(`${scrubText(line)}\n`),
  ...(process.stderr.isTTY ? { tty: process.stderr } : {}),
  color: process.stdout.isTTY === true && !('NO_COLOR' in process.env && process.env.NO_COLOR !== ''),
};

// Program-wide switches (`auditpack --quiet run …` or `auditpack run … --quiet`).
export interface GlobalFlags {
  logFormat?: 'auto' | 'json' | 'text';
  quiet?: boolean;
  verbose?: boolean;
  color: boolean;
  debug?: boolean;
}

export interface Style {
  ok: (s: string) => string;
  bad: (s: string) => string;
  warn: (s: string) => string;
  bold: (s: string) => string;
}

const ansi = (open: number, close: number) => (s: string): string => `\u001b[${open}m${s}\u001b[${close}m`;
const plain = (s: string): string => s;

// Colour only on a terminal, never with NO_COLOR or --no-color.
export function styleFor(io: Io, flags: Pick<GlobalFlags, 'color'>): Style {
  if (io.color !== true || !flags.color) return { ok: plain, bad: plain, warn: plain, bold: plain };
  return { ok: ansi(32, 39), bad: ansi(31, 39), warn: ansi(33, 39), bold: ansi(1, 22) };
}

// What a command needs from the program: output, style and the program-wide switches.
export interface Ctx {
  io: Io;
  globals: () => GlobalFlags;
  onExit: (code: number) => void;
}

// --quiet keeps stdout for what was asked (JSON on stdout) and errors; summaries are dropped.
export function summaryOut(ctx: Ctx): (line: string) => void {
  return ctx.globals().quiet ? () => undefined : ctx.io.out;
}
