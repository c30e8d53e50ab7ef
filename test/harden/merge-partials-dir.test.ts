import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SMALL_CLUSTER, cli, tempDir, writeTree } from './cli.ts';

// A folder under --partials-dir without a manifest (a collect still writing, killed, or stripped)
// must stop the merge by name: skipping it would judge the estate without its targets.
describe('merge --partials-dir', () => {
  it('refuses a partial without a manifest, naming it, and writes nothing', async () => {
    const tmp = await tempDir('merge-dir');
    const partials = path.join(tmp, 'partials');
    for (const name of ['eu', 'us']) {
      await writeTree(path.join(tmp, 'snap', name), SMALL_CLUSTER);
      const r = await cli(['collect', '--snapshot', path.join(tmp, 'snap', name), '--out', path.join(partials, `collect-${name}`)]);
      expect(r.code, r.stderr).toBe(0);
    }
    // Both partials complete: merged, and run.json records that the evidence was verified.
    const good = path.join(tmp, 'merged-good');
    const ok = await cli(['merge', '--partials-dir', partials, '--out', good, '--format', 'csv']);
    expect(ok.code, ok.stderr).toBe(1);
    const run = JSON.parse(await readFile(path.join(good, 'run.json'), 'utf8')) as { inputEvidence?: { verified: boolean; keySource: string } };
    expect(run.inputEvidence).toMatchObject({ verified: true, keySource: 'bundled' });

    await rm(path.join(partials, 'collect-us', 'manifest.json'));
    const out = path.join(tmp, 'merged');
    const r = await cli(['merge', '--partials-dir', partials, '--out', out, '--no-pdf']);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(1);
    expect(r.stderr).toMatch(/collect-us has no manifest\.json, so it is not a signed partial.*refusing to merge/);
    expect(await stat(out).catch(() => undefined)).toBeUndefined();
  }, 120_000);
});
