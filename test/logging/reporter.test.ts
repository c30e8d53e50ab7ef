import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createReporter, LogLine, resolveLogFormat, scrub } from '../../src/logging/reporter.ts';
import type { ProgressEvent } from '../../src/pipeline/collect.ts';

// A terminal-like stream: cli-progress draws only on a TTY.
function fakeTty(): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  Object.assign(stream, { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream, text: () => chunks.join('') };
}

const EVENTS: ProgressEvent[] = [
  { stage: 'collect', event: 'start', total: 2, message: '2 target(s), up to 2 at a time' },
  { stage: 'collect', event: 'start', target: 'eu', message: 'collecting context eu' },
  { stage: 'collect', event: 'retry', target: 'eu', message: 'GET /api: 503 ServiceUnavailable; retry 1 in 0.5 s' },
  { stage: 'collect', event: 'finish', target: 'eu', message: '10 objects', durationMs: 1234.4 },
  { stage: 'collect', event: 'gap', target: 'us', message: 'evidence gap: GET /api failed with Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123' },
  { stage: 'collect', event: 'finish', target: 'us', message: '0 objects', durationMs: 12 },
  { stage: 'evaluate', event: 'finish', message: '38 checks', durationMs: 3 },
];

describe('log reporters', () => {
  it('picks a progress bar on a terminal and JSON lines off one; explicit formats win', () => {
    const tty = fakeTty();
    expect(resolveLogFormat(undefined, { err: () => undefined, tty: tty.stream })).toBe('bar');
    expect(resolveLogFormat('auto', { err: () => undefined })).toBe('json');
    expect(resolveLogFormat('text', { err: () => undefined, tty: tty.stream })).toBe('text');
    expect(resolveLogFormat('json', { err: () => undefined, tty: tty.stream })).toBe('json');
  });

  it('writes one schema-valid JSON event per line, warnings at warn level, secrets masked', () => {
    const lines: string[] = [];
    const r = createReporter('json', { err: (l) => lines.push(l) });
    for (const e of EVENTS) r.onProgress(e);
    r.warn(['', 'WARNING: one-time key,', '   publish a key']);
    r.error('auditpack: boom [USAGE]');

    const parsed = lines.map((l) => LogLine.parse(JSON.parse(l)));
    expect(parsed).toHaveLength(EVENTS.length + 2);
    expect(parsed[3]).toMatchObject({ level: 'info', event: 'finish', stage: 'collect', target: 'eu', durationMs: 1234, message: '10 objects' });
    expect(parsed.filter((p) => p.level === 'warn').map((p) => p.event)).toEqual(['retry', 'gap', 'warning']);
    expect(parsed[EVENTS.length]?.message).toBe('WARNING: one-time key, publish a key');
    expect(parsed.at(-1)).toMatchObject({ level: 'error', event: 'error' });
    expect(lines.join('\n')).not.toContain('abcdefghijklmnopqrstuvwxyz0123');
    expect(parsed[4]?.message).toContain('Bearer [redacted: 30 chars]');
  });

  it('prints the plain lines in text mode, without start events', () => {
    const lines: string[] = [];
    const r = createReporter('text', { err: (l) => lines.push(l) });
    for (const e of EVENTS) r.onProgress(e);

    expect(lines).toEqual([
      '[collect] eu: GET /api: 503 ServiceUnavailable; retry 1 in 0.5 s',
      '[collect] eu: 10 objects (1.2 s)',
      '[collect] us: evidence gap: GET /api failed with Authorization: Bearer [redacted: 30 chars]',
      '[collect] us: 0 objects (0.0 s)',
      '[evaluate] 38 checks (0.0 s)',
    ]);
  });

  it('draws one bar over the targets on a terminal and prints gaps above it', () => {
    const tty = fakeTty();
    const lines: string[] = [];
    const r = createReporter('auto', { err: (l) => lines.push(l), tty: tty.stream });
    for (const e of EVENTS) r.onProgress(e);
    r.close();
    r.onProgress({ stage: 'sign', event: 'finish', message: 'signed' });

    expect(r.format).toBe('bar');
    expect(tty.text()).toMatch(/2\/2 targets \| evaluate 38 checks/);
    expect(tty.text()).toContain('[collect] us: evidence gap: GET /api failed with Authorization: Bearer [redacted: 30 chars]');
    expect(tty.text()).not.toContain('abcdefghijklmnopqrstuvwxyz0123');
    // After the bar stops, events are plain lines.
    expect(lines).toEqual(['[sign] signed']);
  });

  it('masks credentials in messages', () => {
    expect(scrub('GET https://admin:hunter22@10.0.0.1:6443/api failed')).not.toContain('hunter22');
    expect(scrub('consul token=s3cr3t-value denied')).not.toContain('s3cr3t-value');
    expect(scrub('10 objects from 3 lists')).toBe('10 objects from 3 lists');
  });
});
