import { escapeJsonText, escapeTerminal } from '../shared/terminal-text.ts';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { scrubText } from '../evidence/scrub.ts';
import type { ProgressEvent } from '../pipeline/collect.ts';

// How progress and warnings reach stderr while a run is unattended or watched:
// - text: the plain `[stage] target: message (1.2 s)` lines;
// - json: one JSON object per line (pino), for log collectors;
// - auto: a progress bar on a terminal, JSON otherwise (CronJobs, CI).
// Stdout keeps the human summary either way.
export const LogFormat = z.enum(['auto', 'json', 'text']);
export type LogFormat = z.infer<typeof LogFormat>;

// One JSON log line, as written with --log-format json (the contract for log pipelines).
export const LogLine = z.object({
  time: z.iso.datetime(),
  level: z.enum(['info', 'warn', 'error']),
  event: z.enum(['start', 'finish', 'gap', 'retry', 'note', 'warning', 'error']),
  stage: z.enum(['collect', 'evaluate', 'map', 'render', 'sign', 'done']).optional(),
  target: z.string().optional(),
  durationMs: z.number().int().min(0).optional(),
  total: z.number().int().min(0).optional(),
  message: z.string(),
});
export type LogLine = z.infer<typeof LogLine>;

export interface ReporterOutput {
  // One line of text to stderr, without its newline.
  err: (line: string) => void;
  // The terminal stderr is, for the progress bar; absent when stderr is not a terminal.
  tty?: NodeJS.WritableStream;
}

export interface Reporter {
  readonly format: 'bar' | 'json' | 'text';
  onProgress: (e: ProgressEvent) => void;
  // Operator-facing warnings and errors outside the pipeline stages (one-time signing key, failures).
  warn: (lines: readonly string[]) => void;
  error: (message: string) => void;
  // Stops the progress bar; further events are printed as lines.
  close: () => void;
}

export function resolveLogFormat(format: LogFormat | undefined, out: ReporterOutput): Reporter['format'] {
  const f = format ?? 'auto';
  if (f === 'auto') return out.tty ? 'bar' : 'json';
  return f;
}

// Log lines leave the machine (log collectors): they pass the one scrubber every outgoing string
// passes (passwords in URLs, key=value secrets, secret flags, tokens, private keys).
export function scrub(message: string): string {
  return scrubText(message);
}

export function createReporter(format: LogFormat | undefined, out: ReporterOutput): Reporter {
  const resolved = resolveLogFormat(format, out);
  if (resolved === 'json') return jsonReporter(out);
  if (resolved === 'bar' && out.tty) return barReporter(out, out.tty);
  return textReporter(out);
}

function textLine(e: ProgressEvent): string {
  const took = e.durationMs === undefined ? '' : ` (${(e.durationMs / 1000).toFixed(1)} s)`;
  return escapeTerminal(`[${e.stage}]${e.target ? ` ${e.target}:` : ''} ${scrub(e.message)}${took}`);
}

function textReporter(out: ReporterOutput): Reporter {
  return {
    format: 'text',
    // Start events only announce work; the plain log shows what was done.
    onProgress: (e) => {
      if (e.event !== 'start') out.err(textLine(e));
    },
    warn: (lines) => {
      for (const l of lines) out.err(escapeTerminal(scrub(l)));
    },
    error: (message) => out.err(escapeTerminal(scrub(message), { keepNewlines: true })),
    close: () => undefined,
  };
}

function jsonReporter(out: ReporterOutput): Reporter {
  const logger: Logger = pino(
    {
      base: null,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (s: string) => out.err(escapeJsonText(s.replace(/\n$/, ''))) },
  );
  return {
    format: 'json',
    onProgress: (e) => {
      const fields = {
        event: e.event ?? 'note',
        stage: e.stage,
        ...(e.target !== undefined ? { target: e.target } : {}),
        ...(e.durationMs !== undefined ? { durationMs: Math.max(0, Math.round(e.durationMs)) } : {}),
        ...(e.total !== undefined ? { total: e.total } : {}),
      };
      const message = scrub(e.message);
      if (e.event === 'gap' || e.event === 'retry') logger.warn(fields, message);
      else logger.info(fields, message);
    },
    warn: (lines) => logger.warn({ event: 'warning' }, scrub(lines.map((l) => l.trim()).filter(Boolean).join(' '))),
    error: (message) => logger.error({ event: 'error' }, scrub(message)),
    close: () => undefined,
  };
}

// One bar over the targets (collected / total), labelled with the current stage and target;
// gaps, retries and warnings are printed above it.
function barReporter(out: ReporterOutput, stream: NodeJS.WritableStream): Reporter {
  const multi = new MultiBar(
    {
      stream,
      format: '{bar} {value}/{total} targets | {stage} {label}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 30,
    },
    Presets.shades_classic,
  );
  let bar: SingleBar | undefined;
  let done = 0;
  let stopped = false;
  const ensure = (total: number): SingleBar => {
    bar ??= multi.create(Math.max(total, 0), 0, { stage: '', label: '' });
    return bar;
  };
  const log = (line: string): void => {
    // Before the bar is drawn (or after it stopped), MultiBar would hold the line back.
    if (stopped || !bar) out.err(line);
    else multi.log(`${line}\n`);
  };
  return {
    format: 'bar',
    onProgress: (e) => {
      if (stopped) {
        if (e.event !== 'start') out.err(textLine(e));
        return;
      }
      if (e.stage === 'collect' && e.event === 'start' && e.target === undefined) {
        ensure(e.total ?? 0).setTotal(e.total ?? 0);
        return;
      }
      const b = ensure(0);
      if (e.event === 'gap' || e.event === 'retry') log(textLine(e));
      if (e.stage === 'collect' && e.event === 'finish' && e.target !== undefined) done++;
      const label = escapeTerminal(e.target ? `${e.target}: ${scrub(e.message)}` : scrub(e.message));
      b.update(done, { stage: e.stage, label: label.length > 60 ? `${label.slice(0, 59)}…` : label });
    },
    warn: (lines) => {
      for (const l of lines) log(escapeTerminal(scrub(l)));
    },
    error: (message) => log(escapeTerminal(scrub(message), { keepNewlines: true })),
    close: () => {
      if (stopped) return;
      stopped = true;
      // stop() drops lines still waiting for the next redraw; draw once more to print them.
      if (bar) multi.update();
      multi.stop();
    },
  };
}
