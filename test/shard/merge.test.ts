import { appendFile, cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { runPipeline, type RunSummary } from '../../src/pipeline/run.ts';
import { mergePartials } from '../../src/shard/merge.ts';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const DEMO = path.join(ROOT, 'demo', 'environment');
const NOW = new Date('2026-12-01T03:00:00.000Z');
const clock = (): Date => NOW;
const formats = { html: true, pdf: false, csv: true };

let tmp: string;
let dirs: string[];
let single: RunSummary;
const partials: string[] = [];

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await main(['node', 'auditpack', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
  }
}

// What must not differ between one run and a merge of shards: every result and control, without
// run ids and times.
function comparable(s: Pick<RunSummary, 'results' | 'controls' | 'gaps'>): unknown {
  return JSON.parse(JSON.stringify({ results: s.results, controls: s.controls, gaps: s.gaps }));
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-shard-'));
  dirs = (await readdir(DEMO, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => path.join(DEMO, d.name)).sort();
  single = await runPipeline({ snapshots: dirs.map((dir) => ({ dir })), outDir: path.join(tmp, 'single'), formats, clock });
  const snapshotFlags = dirs.flatMap((d) => ['--snapshot', d]);
  // Shards 1 and 3 through --shard I/N, shard 2 the Indexed Job way.
  for (const i of [1, 2, 3]) {
    const out = path.join(tmp, `part-${i}`);
    const r = i === 2 ? await cli(['run', ...snapshotFlags, '--shards', '3', '--out', out], { JOB_COMPLETION_INDEX: '1' }) : await cli(['run', ...snapshotFlags, '--shard', `${i}/3`, '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`Shard ${i}/3`);
    partials.push(out);
  }
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('sharded collection and merge', () => {
  it('each shard writes signed partial evidence for its slice, declaring its place', async () => {
    const names: string[] = [];
    for (const [i, p] of partials.entries()) {
      expect((await verifyBundle(p)).ok).toBe(true);
      const run = JSON.parse(await readFile(path.join(p, 'run.json'), 'utf8')) as { stage: string; shard: unknown; targets: { name: string }[] };
      expect(run.stage).toBe('collect');
      expect(run.shard).toEqual({ index: i + 1, count: 3 });
      names.push(...run.targets.map((t) => t.name));
      await expect(readFile(path.join(p, 'findings.json'))).rejects.toThrow();
    }
    expect(names.sort()).toEqual(dirs.map((d) => path.basename(d)).sort());
  });

  it('merging the 3 partials gives the same results and controls as one run', async () => {
    const merged = await mergePartials({ partials: [partials[2] ?? '', partials[0] ?? '', partials[1] ?? ''], outDir: path.join(tmp, 'merged'), formats, clock });
    expect(comparable(merged)).toEqual(comparable(single));
    expect(merged.results.length).toBeGreaterThan(0);
    expect((await verifyBundle(merged.outDir)).ok).toBe(true);
    const findingsSingle = JSON.parse(await readFile(path.join(single.outDir, 'findings.json'), 'utf8')) as { results: unknown; controls: unknown };
    const findingsMerged = JSON.parse(await readFile(path.join(merged.outDir, 'findings.json'), 'utf8')) as { results: unknown; controls: unknown };
    expect(findingsMerged.results).toEqual(findingsSingle.results);
    expect(findingsMerged.controls).toEqual(findingsSingle.controls);
    const recorded = JSON.parse(await readFile(path.join(merged.outDir, 'evidence', 'partials.json'), 'utf8')) as { partials: { shard: { index: number } }[] };
    expect(recorded.partials.map((p) => p.shard.index)).toEqual([1, 2, 3]);
  });

  it('the merge command reports through the CLI with the usual exit codes', async () => {
    // As the chart's merge job does: every bundle under --partials-dir.
    const day = path.join(tmp, 'partials', new Date().toISOString().slice(0, 10));
    for (const [i, p] of partials.entries()) await cp(p, path.join(day, `shard-${i}`), { recursive: true });
    const r = await cli(['merge', '--partials-dir', path.join(tmp, 'partials', '{date}'), '--out', path.join(tmp, 'merged-cli', '{month}'), '--no-pdf']);
    expect(r.out).toContain(path.join(tmp, 'merged-cli', new Date().toISOString().slice(0, 7)));
    expect(r.out).toContain('Merged 3 partial(s): 5 target(s)');
    expect(r.code).toBe(1); // the demo has controls that are not satisfied, as in `auditpack demo`
  });

  it('refuses a tampered partial', async () => {
    const bad = path.join(tmp, 'tampered');
    await cp(partials[1] ?? '', bad, { recursive: true });
    const index = path.join(bad, 'evidence', 'index.jsonl');
    await appendFile(index, '\n');
    await expect(mergePartials({ partials: [partials[0] ?? '', bad, partials[2] ?? ''], outDir: path.join(tmp, 'never'), formats, clock })).rejects.toMatchObject({ code: 'FILE_CHANGED' });
    const r = await cli(['merge', partials[0] ?? '', bad, partials[2] ?? '', '--out', path.join(tmp, 'never2'), '--no-pdf']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/does not verify/);
  });

  it('refuses a missing shard, a shard given twice, and a target in two partials', async () => {
    await expect(mergePartials({ partials: [partials[0] ?? '', partials[2] ?? ''], outDir: path.join(tmp, 'n1'), formats, clock })).rejects.toMatchObject({ code: 'MERGE_SHARD_MISSING', message: expect.stringMatching(/2\/3/) as unknown });
    await expect(mergePartials({ partials: [partials[0] ?? '', partials[0] ?? '', partials[1] ?? '', partials[2] ?? ''], outDir: path.join(tmp, 'n2'), formats, clock })).rejects.toMatchObject({
      code: 'MERGE_DUPLICATE_TARGET',
    });
    // Two unsharded collects of overlapping targets.
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    expect((await cli(['collect', '--snapshot', dirs[0] ?? '', '--snapshot', dirs[1] ?? '', '--out', a])).code).toBe(0);
    expect((await cli(['collect', '--snapshot', dirs[1] ?? '', '--out', b])).code).toBe(0);
    await expect(mergePartials({ partials: [a, b], outDir: path.join(tmp, 'n3'), formats, clock })).rejects.toMatchObject({ code: 'MERGE_DUPLICATE_TARGET' });
    await expect(mergePartials({ partials: [b, partials[0] ?? ''], outDir: path.join(tmp, 'n4'), formats, clock })).rejects.toMatchObject({ code: 'MERGE_SHARD_MISMATCH' });
  });
});
