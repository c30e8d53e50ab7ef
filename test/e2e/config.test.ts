import { execFile as execFileCb } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const execFile = promisify(execFileCb);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

describe('auditpack run --config', () => {
  it('takes targets, frameworks, formats and output from auditpack.yaml; flags win', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-cfg-'));
    await writeFile(
      path.join(dir, 'auditpack.yaml'),
      [
        'frameworks: [hipaa]',
        'output:',
        '  dir: out',
        '  formats: [html, csv]',
        'targets:',
        '  snapshots:',
        `    - dir: ${path.join(ROOT, 'demo/environment/prod-eu')}`,
        '      name: eu-from-config',
      ].join('\n'),
    );
    const run = await execFile(process.execPath, [path.join(ROOT, 'bin/auditpack.js'), 'run', '--config', path.join(dir, 'auditpack.yaml')], { cwd: ROOT }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect('code' in run ? run.code : 0).toBe(1);
    const findings = JSON.parse(await readFile(path.join(dir, 'out', 'findings.json'), 'utf8')) as {
      results: { target: string }[];
      controls: { framework: string }[];
    };
    expect(new Set(findings.results.map((r) => r.target))).toEqual(new Set(['eu-from-config']));
    expect(new Set(findings.controls.map((c) => c.framework))).toEqual(new Set(['hipaa']));
    await expect(readFile(path.join(dir, 'out', 'report.pdf'))).rejects.toThrow();
    await readFile(path.join(dir, 'out', 'findings.csv'));

    const flagged = await execFile(
      process.execPath,
      [path.join(ROOT, 'bin/auditpack.js'), 'run', '--config', path.join(dir, 'auditpack.yaml'), '--snapshot', path.join(ROOT, 'demo/environment/prod-us'), '--out', path.join(dir, 'out2'), '--no-pdf'],
      { cwd: ROOT },
    ).catch((e: { code: number }) => e);
    expect('code' in flagged ? flagged.code : 0).toBe(1);
    const f2 = JSON.parse(await readFile(path.join(dir, 'out2', 'findings.json'), 'utf8')) as { results: { target: string }[] };
    expect(new Set(f2.results.map((r) => r.target))).toEqual(new Set(['prod-us']));
  }, 120_000);

  it('exits 2 naming the file, path and line of a bad config', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-cfg-'));
    await writeFile(path.join(dir, 'auditpack.yaml'), 'targets:\n  snapshotz: []\n');
    const run = await execFile(process.execPath, [path.join(ROOT, 'bin/auditpack.js'), 'run', '--config', path.join(dir, 'auditpack.yaml'), '--out', path.join(dir, 'o')], { cwd: ROOT }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect('code' in run ? run.code : 0).toBe(2);
    expect('stderr' in run ? run.stderr : '').toMatch(/auditpack\.yaml:\d+: targets: Unrecognized key.*snapshotz/);
  });
});
