import { cp, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SMALL_CLUSTER, cli, tempDir, writeTree } from './cli.ts';

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined)) !== undefined;
}

// `report --evidence-key` must judge only evidence signed by that key; unsigned evidence judged
// without it is flagged in run.json, the report and OSCAL.
describe('report on forged or unsigned evidence', () => {
  let tmp = '';
  let fingerprintA = '';
  beforeAll(async () => {
    tmp = await tempDir('forged');
    await writeTree(path.join(tmp, 'snap'), SMALL_CLUSTER);
    const a = await cli(['keys', 'generate', '--out', path.join(tmp, 'key-a')]);
    expect(a.code, a.stderr).toBe(0);
    fingerprintA = /Fingerprint: (sha256:[0-9a-f]{64})/.exec(a.stdout)?.[1] ?? '';
    expect((await cli(['keys', 'generate', '--out', path.join(tmp, 'key-b')])).code).toBe(0);
    for (const k of ['a', 'b']) {
      const r = await cli(['collect', '--snapshot', path.join(tmp, 'snap'), '--key', path.join(tmp, `key-${k}`, 'auditpack-signing.key'), '--out', path.join(tmp, `ev-${k}`)]);
      expect(r.code, r.stderr).toBe(0);
    }
    await cp(path.join(tmp, 'ev-a'), path.join(tmp, 'ev-stripped'), { recursive: true });
    await rm(path.join(tmp, 'ev-stripped', 'manifest.json'));
    await rm(path.join(tmp, 'ev-stripped', 'manifest.sig'));
    await cp(path.join(tmp, 'ev-stripped'), path.join(tmp, 'ev-unsigned'), { recursive: true });
    await rm(path.join(tmp, 'ev-unsigned', 'signer.pub.pem'));
    await rm(path.join(tmp, 'ev-unsigned', 'VERIFY.md'));
  }, 120_000);

  const pub = (): string => path.join(tmp, 'key-a', 'auditpack-signing.pub');

  it.each([
    ['manifest.json and manifest.sig deleted', 'ev-stripped'],
    ['every signature file deleted', 'ev-unsigned'],
    ['signed by another key', 'ev-b'],
  ])('--evidence-key refuses evidence with %s: exit 3, nothing written', async (_name, folder) => {
    const out = path.join(tmp, `out-${folder}`);
    const r = await cli(['report', path.join(tmp, folder), '--evidence-key', pub(), '--out', out, '--no-pdf']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/refusing to report/);
    expect(await exists(out)).toBe(false);
  }, 60_000);

  it('without --evidence-key, unsigned evidence is judged with a loud warning and recorded as unverified', async () => {
    const out = path.join(tmp, 'out-unverified');
    const r = await cli(['report', path.join(tmp, 'ev-unsigned'), '--out', out, '--no-pdf', '--log-format', 'text']);
    expect([0, 1, 3]).toContain(r.code);
    expect(r.stderr).toMatch(/WARNING: the evidence folder .* is NOT SIGNED/);
    const run = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8')) as { inputEvidence?: unknown };
    expect(run.inputEvidence).toEqual({ verified: false });
    const oscal = await readFile(path.join(out, 'oscal', 'assessment-results.json'), 'utf8');
    expect(oscal).toMatch(/"name": ?"input-evidence-verified",[^}]*"value": ?"false"/);
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toMatch(/input evidence NOT verified/);
  }, 60_000);

  it('with --evidence-key, verified evidence is recorded with the pinned key', async () => {
    const out = path.join(tmp, 'out-verified');
    const r = await cli(['report', path.join(tmp, 'ev-a'), '--evidence-key', pub(), '--out', out, '--no-pdf']);
    expect([0, 1]).toContain(r.code);
    expect(r.stderr).not.toMatch(/NOT SIGNED/);
    const run = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8')) as { inputEvidence?: unknown };
    expect(run.inputEvidence).toEqual({ verified: true, keySource: 'pinned', keyFingerprint: fingerprintA });
    const oscal = await readFile(path.join(out, 'oscal', 'assessment-results.json'), 'utf8');
    expect(oscal).toContain(fingerprintA);
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toContain(`verified with the pinned key ${fingerprintA}`);
  }, 60_000);
});
