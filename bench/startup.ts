// Start-up of the compiled CLI (dist/, as installed): `--version`, `--help` and `verify` of the demo
// bundle, each against `node -e 0` measured in the same run, alternately (A B A B …), so a machine
// that slows down during the run slows both. Wall time and peak RSS are the child process's own.
import { execFile as execFileCb, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Scenario, ScenarioResult } from './scenarios.ts';

const execFile = promisify(execFileCb);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'auditpack.js');
const PROBE = fileURLToPath(new URL('./startup-probe.mjs', import.meta.url));

// One run: wall seconds from spawn to exit, and peak RSS in MiB.
async function once(args: readonly string[], rssFile: string): Promise<{ wallS: number; rssMb: number }> {
  await rm(rssFile, { force: true });
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PROBE, ...args], { stdio: 'ignore', env: { ...process.env, BENCH_RSS_FILE: rssFile, AUDITPACK_FROM_SOURCE: '' } });
    child.on('error', reject);
    child.on('close', resolve);
  });
  const wallS = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`);
  const kib = Number((await readFile(rssFile, 'utf8')).trim().split('\n')[0]);
  return { wallS, rssMb: kib / 1024 };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

export const startup: Scenario = async (o) => {
  const runs = typeof o.runs === 'number' ? o.runs : 15;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'auditpack-startup-'));
  try {
    process.stderr.write('  building dist/ (npm run build)\n');
    await execFile('npm', ['run', '--silent', 'build'], { cwd: ROOT });
    const bundle = path.join(scratch, 'demo');
    process.stderr.write('  writing the demo bundle to verify (no PDF)\n');
    await execFile(process.execPath, [BIN, 'demo', '--no-pdf', '--no-history', '--out', bundle, '--quiet'], { cwd: scratch, env: { ...process.env, AUDITPACK_FROM_SOURCE: '' } });
    const rssFile = path.join(scratch, 'rss');
    const cases: [string, string[], string][] = [
      ['--version', [BIN, '--version'], 'target ≤ 3× floor, < 80 MiB'],
      ['--help', [BIN, '--help'], 'target ≤ 3× floor, < 80 MiB'],
      ['verify demo bundle', [BIN, 'verify', bundle], 'target < 0.5 s'],
    ];
    const rows: ScenarioResult[] = [];
    for (const [label, args, target] of cases) {
      const a: { wallS: number; rssMb: number }[] = [];
      const b: { wallS: number; rssMb: number }[] = [];
      const ratios: number[] = [];
      await once(args, rssFile);
      await once(['-e', '0'], rssFile);
      for (let i = 0; i < runs; i++) {
        const x = await once(args, rssFile);
        const y = await once(['-e', '0'], rssFile);
        a.push(x);
        b.push(y);
        ratios.push(x.wallS / y.wallS);
      }
      const floor = median(b.map((r) => r.wallS));
      const row: ScenarioResult = {
        scenario: 'startup',
        size: label,
        wallS: median(a.map((r) => r.wallS)),
        throughput: `${runs} runs, median`,
        reference: `node -e 0: ${floor.toFixed(3)} s, ${Math.round(median(b.map((r) => r.rssMb)))} MiB`,
        ratio: median(ratios),
        peakRssMb: Math.round(median(a.map((r) => r.rssMb))),
        notes: target,
      };
      process.stderr.write(`  ${label}: ${row.wallS.toFixed(3)} s (${row.ratio?.toFixed(2)}× floor), ${row.peakRssMb} MiB\n`);
      rows.push(row);
    }
    return rows;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
};
