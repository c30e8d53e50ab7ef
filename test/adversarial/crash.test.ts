import { spawn } from 'node:child_process';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/bundle/verify.ts';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const BIN = path.join(ROOT, 'bin/auditpack.js');
const SNAPSHOTS = ['demo/environment/prod-eu', 'demo/environment/prod-us'].map((d) => path.join(ROOT, d));

// Runs the CLI and SIGKILLs it as soon as stderr shows `marker` (a pipeline stage line).
function runAndKill(out: string, marker: RegExp | undefined): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', ...SNAPSHOTS.flatMap((s) => ['--snapshot', s]), '--out', out], { cwd: ROOT });
    let killed = false;
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (marker && !killed && marker.test(err)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ killed, code }));
  });
}

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined)) !== undefined;
}

describe('crash safety: SIGKILL at each stage never leaves a bundle that verifies but is incomplete', () => {
  const stages: [string, RegExp][] = [
    ['after collecting the first target', /\[collect\] prod-eu/],
    ['after collecting every target', /\[collect\] prod-us/],
    ['after evaluation', /\[evaluate\]/],
    ['after mapping to controls', /\[map\]/],
    ['after rendering, while signing', /\[render\]/],
  ];

  for (const [name, marker] of stages) {
    it(`killed ${name}`, async () => {
      const parent = await mkdtemp(path.join(os.tmpdir(), 'auditpack-crash-'));
      const out = path.join(parent, 'bundle');
      const first = await runAndKill(out, marker);
      if (first.killed) {
        // The output folder appears only complete and signed; leftovers are never accepted.
        if (await exists(out)) expect((await verifyBundle(out)).ok).toBe(true);
        for (const leftover of (await readdir(parent)).filter((n) => n !== 'bundle')) {
          const report = await verifyBundle(path.join(parent, leftover)).catch(() => undefined);
          expect(report?.ok ?? false, `leftover ${leftover} must not verify`).toBe(false);
        }
      }
      // A re-run after the crash works and cleans up after the dead run.
      const second = await runAndKill(out, undefined);
      expect(second.code).toBe(1);
      const report = await verifyBundle(out);
      expect(report.ok).toBe(true);
      expect(report.manifest?.files.map((f) => f.path)).toEqual(expect.arrayContaining(['report.pdf', 'findings.json', 'report.html']));
      expect(await readdir(parent)).toEqual(['bundle']);
    }, 120_000);
  }
});
