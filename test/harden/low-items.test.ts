import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, SMALL_CLUSTER, cli, tempDir, writeTree } from './cli.ts';

interface Finding {
  check: string;
  status: string;
  resource: { kind: string; namespace?: string; name: string };
  message: string;
}

const DEPLOY = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'payments' },
  spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'example/api:1' }] } } },
};
const PEER_DISABLE = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'payments', namespace: 'payments' }, spec: { mtls: { mode: 'DISABLE' } } };

// 10 KB scalar, 50 aliases of it in a list, 50 aliases of that list: ~25 MB from ~12 KB of YAML,
// with 100 aliases (the alias count limit).
function aliasAmplifier(): string {
  return [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: amplifier, namespace: payments}',
    'data:',
    `  a: &a "${'x'.repeat(10_000)}"`,
    `  b: &b [${Array(50).fill('*a').join(', ')}]`,
    `  c: [${Array(50).fill('*b').join(', ')}]`,
  ].join('\n');
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await dirSize(p) : (await stat(p)).size;
  }
  return total;
}

describe('low-severity hardening', () => {
  let tmp = '';
  let out = '';
  let run = { code: 0, stdout: '', stderr: '' };
  beforeAll(async () => {
    tmp = await tempDir('low');
    const { 'payments/deploy.yaml': _d, ...rest } = SMALL_CLUSTER;
    await writeTree(path.join(tmp, 'snap'), {
      ...rest,
      // PowerShell 5 `kubectl get -o json > f.json`: UTF-16LE with a byte order mark.
      'payments/deploy.json': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(DEPLOY, null, 2), 'utf16le')]),
      // An editor's UTF-8 byte order mark.
      'payments/peer.json': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(PEER_DISABLE))]),
      'payments/binary.json': Buffer.from([0x7b, 0x22, 0x6b, 0x69, 0x6e, 0x64, 0x22, 0x3a, 0xc3, 0x28, 0xff, 0x7d]),
      'payments/amplifier.yaml': aliasAmplifier(),
    });
    out = path.join(tmp, 'out');
    run = await cli(['run', '--snapshot', path.join(tmp, 'snap'), '--out', out, '--format', 'html']);
  }, 180_000);

  it('UTF-16 and BOM JSON are read; undecodable bytes give a clear gap', async () => {
    expect(run.code, run.stderr).toBe(1);
    const findings = JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')) as { results: Finding[] };
    const strict = findings.results.filter((f) => f.check === 'istio-mtls-strict' && f.resource.namespace === 'payments' && f.resource.name === 'api');
    expect(strict.length).toBeGreaterThan(0);
    expect(strict.every((f) => f.status === 'fail' && /DISABLE/.test(f.message))).toBe(true);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/payments\/binary\.json is not UTF-8 text/);
    expect(html).not.toMatch(/payments\/(deploy|peer)\.json[^<]*invalid JSON/);
  });

  it('YAML alias amplification below the alias limit is bounded: a gap for that document, not a huge bundle', async () => {
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/payments\/amplifier\.yaml:\d+: document 1 was not loaded: its aliases expand it/);
    expect(await dirSize(out)).toBeLessThan(5 * 1024 * 1024);
  });

  it('an empty extra folder fails verify', async () => {
    expect((await cli(['verify', out])).code).toBe(0);
    await mkdir(path.join(out, 'evidence', 'smuggled'));
    const r = await cli(['verify', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAIL FILE_EXTRA evidence\/smuggled: evidence\/smuggled\/ is an empty folder/);
  }, 60_000);

  it('--target-timeout beyond what a Node timer holds is refused with a clear error', async () => {
    const r = await cli(['run', '--snapshot', path.join(tmp, 'snap'), '--target-timeout', '600h', '--out', path.join(tmp, 'never'), '--format', 'csv']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--target-timeout "600h" is longer than the 596h \(24\.8 days\) a timer can wait/);
    expect(await stat(path.join(tmp, 'never')).catch(() => undefined)).toBeUndefined();
  }, 60_000);

  it('a gzip bomb is refused by its expansion ratio before it fills the temp folder', async () => {
    const dir = path.join(tmp, 'bomb');
    await mkdir(dir);
    await writeFile(path.join(dir, 'manifest.json'), '{}');
    await writeFile(path.join(dir, 'zeros.bin'), '');
    await truncate(path.join(dir, 'zeros.bin'), 400 * 1024 * 1024);
    const archive = path.join(tmp, 'bomb.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', dir, 'manifest.json', 'zeros.bin']);
    expect((await stat(archive)).size).toBeLessThan(2 * 1024 * 1024);
    const r = await cli(['verify', archive]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/expands more than 200 times .*refusing a likely gzip bomb/);
  }, 120_000);
});

// kill -9 of a run while Chromium renders the PDF: Chromium must not outlive it, and its
// temporary profile is removed by the next run.
describe('kill -9 during the PDF render', () => {
  // Processes whose command line names the run's Chromium profile (Linux /proc).
  function chromeProcessesFor(prefix: string): number[] {
    const pids: number[] = [];
    for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      try {
        if (readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(prefix)) pids.push(Number(p));
      } catch {
        // the process ended meanwhile
      }
    }
    return pids;
  }

  it('leaves no Chromium process, and the next run removes the profile folder', async () => {
    const tmp = await tempDir('chrome-kill');
    await writeTree(path.join(tmp, 'snap'), SMALL_CLUSTER);
    const child = spawn(process.execPath, [BIN, 'run', '--snapshot', path.join(tmp, 'snap'), '--out', path.join(tmp, 'out')], { cwd: ROOT, stdio: 'ignore' });
    const prefix = `auditpack-chrome-${child.pid ?? 0}-`;
    let seen: number[] = [];
    for (let i = 0; i < 600 && seen.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      seen = chromeProcessesFor(prefix);
    }
    expect(seen.length, 'Chromium started').toBeGreaterThan(0);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    let left = seen;
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      left = chromeProcessesFor(prefix);
    }
    expect(left).toEqual([]);
    const r = await cli(['run', '--snapshot', path.join(tmp, 'snap'), '--out', path.join(tmp, 'out2')]);
    expect(r.code, r.stderr).toBe(1);
    expect((await readdir(os.tmpdir())).filter((n) => n.startsWith(prefix))).toEqual([]);
  }, 300_000);
});
