// `npm run bench`: every scenario in its own Node process (so peak RSS is per scenario), one table
// on stdout, the same rows as JSON in bench/results/latest.json. Never part of the test run.
//
//   npm run bench               full run (10k and 100k-workload estates; takes several minutes)
//   npm run bench -- --quick    small sizes, a smoke test of every scenario
//   npm run bench -- --only eval,render
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from './scenarios.ts';
import { tempDir } from './scenarios.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const onlyArg = process.argv[process.argv.indexOf('--only') + 1];
const only = process.argv.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : undefined;

interface Step {
  group: string;
  name: string;
  options: Record<string, unknown>;
  // Extra Node flags for the scenario process (e.g. a heap limit).
  nodeArgs?: string[];
}

// The largest estate is evaluated a second time with V8's heap capped at this many MiB: evaluation
// must fit in well under the size of the evidence it reads (issue 6: a 1 GiB estate must not need
// 1 GiB of heap). A run that needs more fails with an out-of-memory error instead of a row.
const EVAL_HEAP_LIMIT_MB = 768;

// Estates for evaluation: clusters × namespaces × workloads (Deployment + Pod + Service each, plus
// namespace and workload policies), and AWS accounts × regions × findings beside them.
const ESTATES = quick
  ? [{ label: '1k', clusters: 1, namespaces: 10, workloads: 100, accounts: 2, regions: 2, findings: 100 }]
  : [
      { label: '10k', clusters: 2, namespaces: 50, workloads: 100, accounts: 4, regions: 4, findings: 300 },
      { label: '100k', clusters: 20, namespaces: 50, workloads: 100, accounts: 20, regions: 4, findings: 300 },
    ];

const RENDERS = quick
  ? [{ label: '~100', namespaces: 2, workloads: 10 }]
  : [
      { label: '~100', namespaces: 2, workloads: 10 },
      { label: '~1,000', namespaces: 5, workloads: 50 },
      { label: '~10,000', namespaces: 25, workloads: 100 },
    ];

async function main(): Promise<void> {
  const scratch = await tempDir('auditpack-bench-');
  const steps: Step[] = [];
  steps.push({ group: 'startup', name: 'startup', options: { runs: quick ? 5 : 15 } });
  ESTATES.forEach((e, i) => {
    const out = path.join(scratch.dir, e.label);
    const size = `${(e.clusters * e.namespaces * e.workloads).toLocaleString('en-US')} workloads`;
    steps.push({ group: 'eval', name: 'estate', options: { ...e, out } });
    steps.push({ group: 'eval', name: 'eval', options: { out, size } });
    if (i === ESTATES.length - 1) steps.push({ group: 'eval', name: 'eval', options: { out, size, heapLimitMb: EVAL_HEAP_LIMIT_MB }, nodeArgs: [`--max-old-space-size=${EVAL_HEAP_LIMIT_MB}`] });
  });
  steps.push({ group: 'kube', name: 'kube-collect', options: quick ? { namespaces: 5, workloads: 20, latencyMs: 10, pageSize: 50 } : { namespaces: 50, workloads: 100, latencyMs: 20, pageSize: 500 } });
  steps.push({ group: 'aws', name: 'aws-collect', options: quick ? { accounts: 4, regions: 2, latencyMs: 10, findings: 100 } : { accounts: 50, regions: 4, latencyMs: 20, findings: 300 } });
  for (const r of RENDERS) steps.push({ group: 'render', name: 'render', options: r });

  const rows: ScenarioResult[] = [];
  try {
    for (const step of steps) {
      if (only && !only.has(step.group)) continue;
      process.stderr.write(`▶ ${step.name} ${JSON.stringify(step.options)}\n`);
      rows.push(...(await runChild(step)));
    }
  } finally {
    await scratch.done();
  }
  const table = formatTable(rows);
  process.stdout.write(`${table}\n`);
  const resultsDir = path.join(here, 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, quick ? 'latest-quick.json' : 'latest.json');
  await writeFile(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), quick, machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage: os.loadavg() }, rows }, null, 2)}\n`,
  );
  process.stderr.write(`written ${path.relative(process.cwd(), file)}\n`);
}

function runChild(step: Step): Promise<ScenarioResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(step.nodeArgs ?? []), '--import', 'tsx', path.join(here, 'scenario.ts'), step.name, JSON.stringify(step.options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`scenario ${step.name} exited with ${code}`));
        return;
      }
      const rows = out
        .split('\n')
        .filter((l) => l.startsWith('BENCH_RESULT '))
        .map((l) => JSON.parse(l.slice('BENCH_RESULT '.length)) as ScenarioResult);
      resolve(rows);
    });
  });
}

export function formatTable(rows: readonly ScenarioResult[]): string {
  const head = ['scenario', 'size', 'wall s', 'throughput', 'reference', 'ratio', 'peak RSS MB', 'Chromium peak RSS MB', 'notes'];
  const body = rows.map((r) => [r.scenario, r.size, r.wallS.toFixed(2), r.throughput, r.reference ?? '', r.ratio === undefined ? '' : r.ratio.toFixed(2), String(r.peakRssMb ?? ''), String(r.chromiumPeakRssMb ?? ''), r.notes ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

await main();
