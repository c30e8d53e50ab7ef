import { scrubText } from '../evidence/scrub.ts';
import { escapeJsonText, escapeTerminal } from '../shared/terminal-text.ts';

// Where the CLI writes: stdout for what a person or script reads, stderr for logs and errors.
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  // stderr when it is a terminal (progress bar); absent: logs are lines (JSON unless --log-format text).
  tty?: NodeJS.WritableStream;
  // stdout is a terminal that may be coloured (not NO_COLOR); --no-color turns it off per command.
  color?: boolean;
  // Machine-readable output (JSON) written as it is: its strings were scrubbed and escaped when the
  // file was written, and line-wise scrubbing would rewrite JSON keys such as "pass".
  data?: (text: string) => void;
}

// Every line the process prints passes the one scrubber (nothing secret leaves) and is escaped
// (cluster data, file names and messages never drive the terminal); only our own colour marks
// (see ansi below) become escape sequences, after escaping.
export function terminalLine(line: string): string {
  return escapeTerminal(scrubText(line), { keepNewlines: true }).replace(COLOUR_MARK, '\u001b[$1m');
}

export const defaultIo: Io = {
  out: (line) => process.stdout.write(`${terminalLine(line)}\n`),
  err: (line) => process.stderr.write(`${terminalLine(line)}\n`),
  data: (text) => process.stdout.write(`${escapeJsonText(text)}\n`),
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

// Colour is written as private-use marks that terminalLine turns into SGR codes after escaping the
// line, so a hostile string can never carry its own escape sequence through.
const COLOUR_MARK = /\uE000(\d{1,2})\uE001/g;
const ansi = (open: number, close: number) => (s: string): string => `\uE000${open}\uE001${s}\uE000${close}\uE001`;
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
