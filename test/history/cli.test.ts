import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

interface Captured {
  code: number;
  out: string;
  err: string;
}

async function cli(args: string[]): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'auditpack', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let tmp: string;
let history: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-history-cli-'));
  history = path.join(tmp, 'history');
  for (const name of ['one', 'two']) {
    const r = await cli(['demo', '--out', path.join(tmp, name), '--format', 'html', '--log-format', 'text']);
    expect(r.code, r.err).toBe(0);
  }
}, 120_000);

describe('CLI: history, diff, bundle and verify', () => {
  it('demo records into history/ next to --out, and verify --history passes', async () => {
    const index = (await readFile(path.join(history, 'index.jsonl'), 'utf8')).trim().split('\n');
    expect(index).toHaveLength(2);
    const r = await cli(['verify', '--history', history]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/OK: history .* verified — 2 run\(s\)/);
    const html = await readFile(path.join(tmp, 'two', 'report.html'), 'utf8');
    expect(html).toContain('Changes since last run');
  });

  it('diff prints text and --json', async () => {
    const text = await cli(['diff', path.join(tmp, 'one'), path.join(tmp, 'two'), '--history', history]);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/0 new failure\(s\), 0 resolved, \d+ still failing/);
    expect(text.out).toContain('Still failing (first seen)');
    const json = await cli(['diff', path.join(tmp, 'one'), path.join(tmp, 'two'), '--json']);
    expect(json.code, json.err).toBe(0);
    const parsed = JSON.parse(json.out) as { schemaVersion: number; newFailures: unknown[]; stillFailing: { firstSeen: string }[]; firstSeenSource: string };
    expect(parsed.schemaVersion).toBe(1);
    expect(parsed.newFailures).toEqual([]);
    expect(parsed.stillFailing.length).toBeGreaterThan(0);
    expect(parsed.firstSeenSource).toBe('old-run');
  });

  it('bundle writes a .tar.gz that verify checks without unpacking', async () => {
    const file = path.join(tmp, 'handoff.tar.gz');
    const b = await cli(['bundle', path.join(tmp, 'two'), '--out', file]);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/Archive written to .*handoff\.tar\.gz/);
    const v = await cli(['verify', file]);
    expect(v.code, v.err).toBe(0);
    expect(v.out).toMatch(/OK: .* verified without unpacking it/);
    const bad = path.join(tmp, 'bad.tar.gz');
    await (await import('node:fs/promises')).writeFile(bad, (await readFile(file)).subarray(0, 1000));
    const f = await cli(['verify', bad]);
    expect(f.code).toBe(1);
    expect(f.err).toMatch(/FAIL ARCHIVE_INVALID: .*truncated/);
  });

  it('verify --history fails with exit 1 and names the run when a month is deleted', async () => {
    const runs = (await readFile(path.join(history, 'index.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { runId: string }).runId);
    await rm(path.join(history, 'runs', runs[0] ?? ''), { recursive: true });
    const r = await cli(['verify', '--history', history]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`FAIL RUN_MISSING ${runs[0] ?? ''}`);
    expect(r.err).toMatch(/did NOT verify/);
  });

  it('verify without a bundle or --history is a usage error', async () => {
    const r = await cli(['verify']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--history DIR/);
  });
});
