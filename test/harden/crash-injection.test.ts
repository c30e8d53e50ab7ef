import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { CRASH_POINTS } from '../../src/shared/crash-point.ts';
import { SMALL_CLUSTER, cli, tempDir, writeTree } from './cli.ts';

async function verifies(dir: string): Promise<boolean> {
  return (await verifyBundle(dir).catch(() => undefined))?.ok === true;
}

async function runId(dir: string): Promise<string> {
  return (JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8')) as { id: string }).id;
}

// The run is killed (SIGKILL) right after every write and rename of the bundle commit
// (AUDITPACK_CRASH_AT), over a good bundle from an earlier run. Then a later run fails. At no point
// may a partial folder verify, and the good bundle (or the complete new one) must survive.
describe('crash injection at every write and rename of the bundle', () => {
  let tmp = '';
  let pristine = '';
  let goodId = '';
  const args = (out: string): string[] => ['run', '--snapshot', path.join(tmp, 'snap'), '--out', out, '--format', 'csv'];
  beforeAll(async () => {
    tmp = await tempDir('crash');
    await writeTree(path.join(tmp, 'snap'), SMALL_CLUSTER);
    pristine = path.join(tmp, 'pristine', 'bundle');
    const r = await cli(args(pristine));
    expect(r.code, r.stderr).toBe(1);
    expect(await verifies(pristine)).toBe(true);
    goodId = await runId(pristine);
  }, 120_000);

  it.each(CRASH_POINTS)('killed after %s: no partial folder verifies, no good bundle is lost', async (point) => {
    const parent = path.join(tmp, point);
    const out = path.join(parent, 'bundle');
    await mkdir(parent, { recursive: true });
    await cp(pristine, out, { recursive: true });

    const crashed = await cli(args(out), { env: { AUDITPACK_CRASH_AT: point } });
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    const left = await readdir(parent);
    for (const name of left.filter((n) => n.includes('.partial-'))) expect(await verifies(path.join(parent, name)), `${name} must not verify`).toBe(false);
    const good = [];
    for (const name of left) if (await verifies(path.join(parent, name))) good.push(name);
    expect(good.length, `a good bundle survives the crash (left: ${left.join(', ')})`).toBeGreaterThan(0);

    // A later run that fails after its start-up recovery (the time-stamping authority it must
    // reach refuses the connection while the bundle is signed) must not delete the good bundle.
    // (A browser that cannot start no longer fails a run: the bundle is signed without the PDF.)
    const failed = await cli([...args(out), '--tsa', 'http://127.0.0.1:9/tsr']);
    expect(failed.signal).toBeUndefined();
    expect(failed.code, failed.stderr).toBe(4);
    expect(await verifies(out), `bundle after the failing run (left: ${(await readdir(parent)).join(', ')})`).toBe(true);
    const after = await readdir(parent);
    for (const name of after.filter((n) => n !== 'bundle')) expect(await verifies(path.join(parent, name)), `${name} must not verify`).toBe(false);
    // Before the commit point the old bundle is back; after it, the new complete one is in place.
    const committed = CRASH_POINTS.indexOf(point) >= CRASH_POINTS.indexOf('replace-renamed-in');
    if (!committed) expect(await runId(out)).toBe(goodId);
    else expect(await runId(out)).not.toBe(goodId);
    expect(after).toEqual(['bundle']);
  }, 180_000);

  it('--out never replaces a folder that merely holds a manifest.json', async () => {
    const out = path.join(tmp, 'precious');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'manifest.json'), '{"name": "my-app"}\n');
    await writeFile(path.join(out, 'thesis.tex'), 'five years of work\n');
    const r = await cli(args(out));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/does not verify as an auditpack bundle/);
    expect((await readdir(out)).sort()).toEqual(['manifest.json', 'thesis.tex']);
  }, 120_000);
});
