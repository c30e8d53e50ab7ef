import { execFile as execFileCb } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ROOT } from './run-cli.ts';

const execFile = promisify(execFileCb);

// The published package: `npm pack` (its prepack compiles dist/), installed globally into a
// temporary prefix, runs `auditpack demo` from another folder on the compiled JavaScript.
// Dependencies come from the npm cache when they are there (--prefer-offline), else the registry.
describe('the packed package', () => {
  it('installs globally and runs the demo from another folder', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-pack-'));
    // The global install holds every dependency (hundreds of MiB): removed whatever the outcome.
    onTestFinished(() => rm(tmp, { recursive: true, force: true }));
    const env = { ...process.env, AUDITPACK_FROM_SOURCE: '', PUPPETEER_SKIP_DOWNLOAD: '1', npm_config_loglevel: 'error' };
    const { stdout } = await execFile('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 });
    const packed = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]?.files.map((f) => f.path) ?? [];
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('bin/auditpack.js');
    expect(files).toContain('demo/exceptions.yaml');
    expect(files.some((f) => f.startsWith('src/') || f.endsWith('.ts'))).toBe(false);

    const prefix = path.join(tmp, 'prefix');
    await execFile('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, packed[0]?.filename ?? '')], { cwd: tmp, env, maxBuffer: 64 * 1024 * 1024 });
    const bin = path.join(prefix, 'bin', 'auditpack');
    const work = path.join(tmp, 'elsewhere');
    await mkdir(work);
    const installed = await readdir(path.join(prefix, 'lib', 'node_modules', 'auditpack'));
    expect(installed).toContain('dist');
    expect(installed).not.toContain('src');

    const version = await execFile(bin, ['--version'], { cwd: work, env });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const demo = await execFile(bin, ['demo', '--no-pdf', '--log-format', 'text'], { cwd: work, env, maxBuffer: 64 * 1024 * 1024 });
    expect(demo.stdout).toMatch(/Report written to .*elsewhere\/reports\/demo/);
    const bundle = await readdir(path.join(work, 'reports', 'demo'));
    expect(bundle).toEqual(expect.arrayContaining(['report.html', 'findings.json', 'findings.csv', 'manifest.sig']));
    const verified = await execFile(bin, ['verify', path.join('reports', 'demo')], { cwd: work, env });
    expect(verified.stdout).toMatch(/^OK: /);
  }, 900_000);
});
