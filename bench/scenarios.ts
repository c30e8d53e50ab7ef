// The benchmark scenarios. Each returns table rows; bench/scenario.ts adds the process's peak RSS.
import { closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import path from 'node:path';
import { CHECKS } from '../src/checks/registry.ts';
import type { CheckResult } from '../src/checks/types.ts';
import { DEFAULT_CONTROLS_DIR, loadCatalogs } from '../src/controls/load.ts';
import { evaluateChecks, mapControls } from '../src/pipeline/evaluate.ts';
import { loadEvidence } from '../src/pipeline/load-evidence.ts';
import type { RegionData } from '../test/collectors/aws/fake-aws.ts';
import { startup } from './startup.ts';
import { REGIONS, accountId, controlPlaneObjects, generateEstate, namespaceObjects, prng } from './generate-estate.ts';

export interface ScenarioResult {
  scenario: string;
  size: string;
  wallS: number;
  throughput: string;
  // The reference the scenario is measured against (ideal time, JSON parse time), and actual/ideal.
  reference?: string;
  ratio?: number;
  peakRssMb?: number;
  // Render scenarios: the highest summed RSS of the Chromium processes while printing the PDF.
  chromiumPeakRssMb?: number;
  notes?: string;
}

export type Scenario = (o: Record<string, unknown>) => Promise<ScenarioResult[]>;

function num(o: Record<string, unknown>, key: string, fallback: number): number {
  const v = o[key];
  return typeof v === 'number' ? v : fallback;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Error(`scenario option ${key} is required`);
  return v;
}

const log = (msg: string): void => void process.stderr.write(`  ${msg}\n`);
const seconds = (ms: number): number => Math.round(ms) / 1000;
const rate = (n: number, ms: number, unit: string): string => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} ${unit}/s`;

// Generates the estate and collects it into an evidence folder as `auditpack collect --snapshot`
// does (redaction, sha256, raw JSON, transcript and index record per object).
export const estate: Scenario = async (o) => {
  const out = str(o, 'out');
  // Imported here, not at the top: the collectors load every cloud SDK, which the eval process does not need.
  const { collectTargets } = await import('../src/pipeline/collect.ts');
  const workloads = num(o, 'clusters', 2) * num(o, 'namespaces', 50) * num(o, 'workloads', 100);
  const src = path.join(out, 'estate');
  let t0 = performance.now();
  const summary = await generateEstate(src, {
    clusters: num(o, 'clusters', 2),
    namespaces: num(o, 'namespaces', 50),
    workloads: num(o, 'workloads', 100),
    accounts: num(o, 'accounts', 2),
    regions: num(o, 'regions', 4),
    findings: num(o, 'findings', 300),
    seed: num(o, 'seed', 1),
  });
  log(`generated ${summary.kubeObjects} Kubernetes objects, ${summary.findings} findings in ${summary.files} files (${(summary.bytes / 2 ** 20).toFixed(0)} MiB) in ${seconds(performance.now() - t0)} s`);
  t0 = performance.now();
  const targets = await collectTargets({ snapshots: summary.targets.map((dir) => ({ dir })) }, path.join(out, 'evidence-folder'), () => new Date('2026-06-01T00:00:00Z'), () => undefined);
  const ms = performance.now() - t0;
  const objects = targets.reduce((n, t) => n + t.objects, 0);
  return [
    {
      scenario: 'collect snapshot → evidence store',
      size: `${workloads.toLocaleString('en-US')} workloads`,
      wallS: seconds(ms),
      throughput: rate(objects, ms, 'objects'),
      notes: `${objects.toLocaleString('en-US')} objects, ${summary.files} snapshot files, ${(summary.bytes / 2 ** 20).toFixed(0)} MiB`,
    },
  ];
};

// The practical limit: read and JSON.parse every raw evidence file, nothing else.
function parseAll(dir: string): { files: number; bytes: number } {
  const raw = path.join(dir, 'evidence', 'raw');
  let bytes = 0;
  let files = 0;
  for (const name of readdirSync(raw)) {
    const buf = readFileSync(path.join(raw, name));
    bytes += buf.length;
    files++;
    JSON.parse(buf.toString('utf8'));
  }
  return { files, bytes };
}

// The other JSON evaluation reads: evidence/index.jsonl, one record a line.
// Read in 4 MiB pieces, so the reference never holds the whole index.
function parseIndex(dir: string): { lines: number; bytes: number } {
  const fd = openSync(path.join(dir, 'evidence', 'index.jsonl'), 'r');
  const buf = Buffer.alloc(4 << 20);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lines = 0;
  let bytes = 0;
  const parse = (line: string): void => {
    if (line.trim() === '') return;
    JSON.parse(line);
    lines++;
  };
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) {
      bytes += n;
      const parts = (rest + decoder.write(buf.subarray(0, n))).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) parse(line);
    }
    parse(rest + decoder.end());
  } finally {
    closeSync(fd);
  }
  return { lines, bytes };
}

// Evaluation as `auditpack run`, `report` and `merge` do it, through the same functions
// (src/pipeline/run.ts renderReport): load the evidence folder without transcripts (sha256 checked,
// inventories built as objects stream in), run every check on every target, sort, apply exceptions
// (none here), roll up to controls with attestations (none).
export async function evaluateFolder(dir: string): Promise<{ results: CheckResult[]; controls: number; workloads: number }> {
  const catalogs = await loadCatalogs(DEFAULT_CONTROLS_DIR, new Set(CHECKS.map((c) => c.meta.id)));
  const loaded = await loadEvidence(dir, { transcripts: false });
  const now = new Date('2026-06-01T00:00:00Z');
  const { results } = evaluateChecks(loaded.inventories, now, []);
  const { controls } = mapControls(catalogs, results, [], now);
  return { results, controls: controls.length, workloads: loaded.inventories.reduce((n, i) => n + i.workloads.length, 0) };
}

export const evalVsParse: Scenario = async (o) => {
  const dir = path.join(str(o, 'out'), 'evidence-folder');
  const size = str(o, 'size');
  // Warm the page cache first so neither side pays for the disk.
  parseAll(dir);
  parseIndex(dir);
  // The reference is the JSON evaluation reads: every raw file and the index.
  let t0 = performance.now();
  const parsed = parseAll(dir);
  const rawMs = performance.now() - t0;
  const index = parseIndex(dir);
  const parseMs = performance.now() - t0;
  log(`JSON.parse of ${parsed.files} raw files (${(parsed.bytes / 2 ** 20).toFixed(0)} MiB): ${seconds(rawMs)} s, and of index.jsonl (${index.lines} records, ${(index.bytes / 2 ** 20).toFixed(0)} MiB): ${seconds(parseMs - rawMs)} s`);
  t0 = performance.now();
  const evaluated = await evaluateFolder(dir);
  const evalMs = performance.now() - t0;
  log(`evaluation: ${evaluated.results.length} results, ${evaluated.workloads} workloads in ${seconds(evalMs)} s`);
  const heapLimitMb = o.heapLimitMb;
  return [
    {
      // With a heap limit (bench/run.ts passes --max-old-space-size), the row shows it fits.
      scenario: typeof heapLimitMb === 'number' ? `evaluation vs JSON.parse, V8 heap capped at ${heapLimitMb} MiB` : 'evaluation vs JSON.parse',
      size,
      wallS: seconds(evalMs),
      throughput: `${((parsed.bytes / 2 ** 20) / (evalMs / 1000)).toFixed(1)} MiB/s (${rate(parsed.files, evalMs, 'objects')})`,
      reference: `parse ${seconds(parseMs)} s (raw ${seconds(rawMs)} s + index ${seconds(parseMs - rawMs)} s)`,
      // Speed of evaluation relative to the parse: ≥ 0.33 is the target.
      ratio: Math.round((parseMs / evalMs) * 100) / 100,
      notes: `${evaluated.results.length.toLocaleString('en-US')} results, ${evaluated.workloads.toLocaleString('en-US')} workloads, ${parsed.files.toLocaleString('en-US')} raw files + index (${(index.bytes / 2 ** 20).toFixed(0)} MiB)`,
    },
  ];
};

// One live cluster collected through the real Kubernetes client against the fake API server (HTTPS),
// every response delayed by a fixed latency. The collector sends its requests one after another,
// so the ideal is requests × latency / 1.
export const kubeCollect: Scenario = async (o) => {
  const namespaces = num(o, 'namespaces', 20);
  const workloads = num(o, 'workloads', 50);
  const latencyMs = num(o, 'latencyMs', 20);
  const pageSize = num(o, 'pageSize', 500);
  // Imported here, not at the top: each scenario process loads only what it measures.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { kubeconfigFor, startFakeApiServer } = await import('../test/collectors/kubernetes/fake-apiserver.ts');
  const { collectTargets } = await import('../src/pipeline/collect.ts');
  const rand = prng(7);
  const objects = [];
  for (let n = 0; n < namespaces; n++) objects.push(...namespaceObjects(0, n, workloads, rand));
  const server = await startFakeApiServer({ objects, latencyMs });
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigFor([{ name: 'bench', server }]));
  const work = await tempDir('auditpack-bench-kube-');
  try {
    const t0 = performance.now();
    const [target] = await collectTargets({ snapshots: [], kube: [{ kubeConfig: kc, context: 'bench' }], kubeOptions: { pageSize } }, work.dir, () => new Date(), () => undefined);
    const ms = performance.now() - t0;
    const requests = server.requests.length;
    const idealMs = requests * latencyMs;
    return [
      {
        scenario: `kube collection (${latencyMs} ms latency, pages of ${pageSize})`,
        size: `${(namespaces * workloads).toLocaleString('en-US')} workloads`,
        wallS: seconds(ms),
        throughput: rate(target?.objects ?? 0, ms, 'objects'),
        reference: `ideal ${seconds(idealMs)} s = ${requests} requests × ${latencyMs} ms / 1`,
        ratio: Math.round((ms / idealMs) * 100) / 100,
        notes: `${(target?.objects ?? 0).toLocaleString('en-US')} objects, ${target?.gaps.length ?? 0} gaps; actual ÷ ideal`,
      },
    ];
  } finally {
    await server.close();
    await work.done();
  }
};

// AWS accounts × regions through the real SDK clients against the local AWS endpoint, every
// response delayed. Concurrency: accounts at once × regions per account × 2 services.
export const awsCollect: Scenario = async (o) => {
  const accounts = num(o, 'accounts', 20);
  const regions = REGIONS.slice(0, num(o, 'regions', 4));
  const latencyMs = num(o, 'latencyMs', 20);
  const accountConcurrency = num(o, 'accountConcurrency', 8);
  const regionConcurrency = num(o, 'regionConcurrency', 4);
  const findingsPerRegion = num(o, 'findings', 300);
  const { collectAws } = await import('../src/collectors/aws/collect.ts');
  const { EvidenceStore } = await import('../src/evidence/store.ts');
  const { CIS_V3, FSBP, PCI_V4, controlsBody, findingBody, hubBody, recorderStatusBody, recordersBody, rulesBody, standardsBody } = await import('../test/collectors/aws/aws-objects.ts');
  const { testClients } = await import('../test/collectors/aws/environment.ts');
  const { startFakeAws } = await import('../test/collectors/aws/fake-aws.ts');
  const ids = Array.from({ length: accounts }, (_v, i) => accountId(i));
  const cache = new Map<string, RegionData>();
  const data = (account: string, region: string): RegionData => {
    const key = `${account}/${region}`;
    let d = cache.get(key);
    if (!d) {
      d = {
        hub: hubBody(account, region),
        standards: list(standardsBody([{ standard: PCI_V4 }, { standard: FSBP }, { standard: CIS_V3 }], account, region), 'StandardsSubscriptions'),
        // Controls per standard about as many as AWS has (PCI DSS v4.0.1 ~141, FSBP ~250, CIS v3 ~40).
        controls: Object.fromEntries(
          ([[PCI_V4, 141], [FSBP, 250], [CIS_V3, 40]] as const).map(([std, n]) => [
            `arn:aws:securityhub:${region}:${account}:subscription/${std}`,
            list(controlsBody(std, Array.from({ length: n }, (_v, i) => ({ control: `S3.${i + 1}`, requirements: std === PCI_V4 ? ['PCI DSS v4.0.1/4.2.1'] : [] })), account, region), 'Controls'),
          ]),
        ),
        findings: Array.from({ length: findingsPerRegion }, (_v, i) => findingBody({ control: `S3.${(i % 20) + 1}`, n: i + 1, account, region, status: i % 3 === 0 ? 'FAILED' : 'PASSED', severity: i % 7 === 0 ? 'CRITICAL' : 'MEDIUM', requirements: ['PCI DSS v4.0.1/1.4.4'] })),
        recorders: list(recordersBody([{ includeGlobal: region === 'us-east-1' }], account), 'ConfigurationRecorders'),
        recorderStatus: list(recorderStatusBody([{}]), 'ConfigurationRecordersStatus'),
        rules: list(rulesBody(Array.from({ length: 150 }, (_v, i) => ({ name: `rule-${i}`, type: i % 10 === 0 ? 'NON_COMPLIANT' : 'COMPLIANT', count: i % 10 === 0 ? 3 : 0 }))), 'ComplianceByConfigRules'),
      };
      cache.set(key, d);
    }
    return d;
  };
  const server = await startFakeAws({ accounts: Object.fromEntries(ids.map((a) => [`AKIDBENCH${a}`, a])), data, pageSize: { findings: 100, rules: 25, controls: 100 }, latencyMs });
  const work = await tempDir('auditpack-bench-aws-');
  try {
    const store = new EvidenceStore(work.dir, () => new Date());
    await store.open();
    let next = 0;
    let requests = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(accountConcurrency, accounts) }, async () => {
        while (next < ids.length) {
          const account = ids[next++] ?? '';
          const result = await collectAws({ target: `aws-${account}`, regions, clients: testClients(() => server.endpoint, `AKIDBENCH${account}`), store, concurrency: regionConcurrency });
          requests += result.requests;
        }
      }),
    );
    const ms = performance.now() - t0;
    await store.close();
    const inFlight = Math.min(accountConcurrency, accounts) * Math.min(regionConcurrency, regions.length) * 2;
    const idealMs = (server.requests.length * latencyMs) / inFlight;
    return [
      {
        scenario: `AWS collection (${latencyMs} ms latency)`,
        size: `${accounts} accounts × ${regions.length} regions`,
        wallS: seconds(ms),
        throughput: rate(requests, ms, 'calls'),
        reference: `ideal ${seconds(idealMs)} s = ${server.requests.length} calls × ${latencyMs} ms / ${inFlight}`,
        ratio: Math.round((ms / idealMs) * 100) / 100,
        notes: `${store.records.length.toLocaleString('en-US')} records, ${(accounts * regions.length * findingsPerRegion).toLocaleString('en-US')} findings; actual ÷ ideal (the per-region calls are sequential pages, so ideal is a floor)`,
      },
    ];
  } finally {
    await server.close();
    await work.done();
  }
};

function list(body: Record<string, unknown>, key: string): unknown[] {
  const v = body[key];
  return Array.isArray(v) ? v : [];
}

// Report rendering for a run of about `label` results through the real pipeline: a generated
// cluster is collected and judged; the report stage is timed without and with report.html (the
// difference is the HTML), then report.html is printed to PDF with real Chromium. Chromium runs in
// its own processes, so their memory is sampled from /proc while it prints.
export const render: Scenario = async (o) => {
  const namespaces = num(o, 'namespaces', 2);
  const workloads = num(o, 'workloads', 10);
  const label = str(o, 'label');
  const { reportFromEvidence, runPipeline } = await import('../src/pipeline/run.ts');
  const { findChrome } = await import('../src/render/chrome.ts');
  const { renderPdf } = await import('../src/render/pdf.ts');
  const { execFileSync } = await import('node:child_process');
  const work = await tempDir('auditpack-bench-render-');
  try {
    const rand = prng(11);
    const dir = path.join(work.dir, 'cluster');
    await mkdir(dir, { recursive: true });
    const items = [...controlPlaneObjects(0)];
    for (let n = 0; n < namespaces; n++) items.push(...namespaceObjects(0, n, workloads, rand));
    await writeFile(path.join(dir, 'cluster.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    const stageMs = (sink: { ms: number }) => (e: { stage: string; durationMs?: number }): void => {
      if (e.stage === 'render' && e.durationMs !== undefined) sink.ms = e.durationMs;
    };
    // findings.json, OSCAL, CSV and workloads.csv only; then the same with report.html.
    const without = { ms: 0 };
    const first = path.join(work.dir, 'first');
    const summary = await runPipeline({ snapshots: [{ dir }], outDir: first, formats: { html: false, pdf: false, csv: true }, onProgress: stageMs(without) });
    const withHtml = { ms: 0 };
    const out = path.join(work.dir, 'out');
    await reportFromEvidence({ evidenceDir: first, outDir: out, formats: { html: true, pdf: false, csv: true }, onProgress: stageMs(withHtml) });
    const htmlMs = Math.max(0, withHtml.ms - without.ms);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    log(`report stage ${seconds(without.ms)} s without HTML, ${seconds(withHtml.ms)} s with it`);

    const sampler = sampleProcessTree(process.pid, 100);
    const t0 = performance.now();
    const pdf = await renderPdf(html, { chromePath: findChrome() });
    const pdfMs = performance.now() - t0;
    const chromium = sampler.stop();
    const pdfFile = path.join(work.dir, 'report.pdf');
    await writeFile(pdfFile, pdf);
    const pages = Number(/^Pages:\s+(\d+)$/m.exec(execFileSync('pdfinfo', [pdfFile], { encoding: 'utf8' }))?.[1] ?? 0);
    const n = summary.results.length;
    const size = `${n.toLocaleString('en-US')} results (${label})`;
    log(`PDF ${pages} pages, ${(pdf.length / 2 ** 20).toFixed(1)} MiB in ${seconds(pdfMs)} s; Chromium peak RSS ${chromium.rssMb} MB (PSS ${chromium.pssMb} MB, ${chromium.processes} processes)`);
    return [
      { scenario: 'render HTML (report stage with − without report.html)', size, wallS: seconds(htmlMs), throughput: rate(n, htmlMs, 'results'), reference: `stage ${seconds(withHtml.ms)} s`, notes: `report.html ${(html.length / 2 ** 20).toFixed(1)} MiB; RSS is the Node process (pipeline and PDF)` },
      {
        scenario: 'render PDF (Chromium)',
        size,
        wallS: seconds(pdfMs),
        throughput: rate(n, pdfMs, 'results'),
        notes: `${pages} pages, ${(pdf.length / 2 ** 20).toFixed(1)} MiB; Chromium peak ${chromium.rssMb} MB RSS summed over ${chromium.processes} processes (PSS ${chromium.pssMb} MB)`,
        chromiumPeakRssMb: chromium.rssMb,
      },
    ];
  } finally {
    await work.done();
  }
};

// Samples every `intervalMs` the memory of the processes below `root` (Chromium's browser, zygote,
// GPU and renderer processes), and keeps the highest sum. RSS counts shared pages once per
// process, so the sum over-states; PSS (from smaps_rollup) shares them out and is the fairer figure.
function sampleProcessTree(root: number, intervalMs: number): { stop: () => { rssMb: number; pssMb: number; processes: number } } {
  let peakRss = 0;
  let peakPss = 0;
  let processes = 0;
  const sample = (): void => {
    const children = new Map<number, number[]>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // The command name is in parentheses and may hold spaces: the ppid is the 2nd field after it.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
      } catch {
        // The process ended between readdir and read.
      }
    }
    const tree: number[] = [];
    const queue = [...(children.get(root) ?? [])];
    while (queue.length > 0) {
      const pid = queue.shift() ?? 0;
      tree.push(pid);
      queue.push(...(children.get(pid) ?? []));
    }
    let rss = 0;
    let pss = 0;
    for (const pid of tree) {
      try {
        const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
        rss += Number(/^Rss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
        pss += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
      } catch {
        // Gone, or not ours to read.
      }
    }
    if (rss > peakRss) {
      peakRss = rss;
      processes = tree.length;
    }
    peakPss = Math.max(peakPss, pss);
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { rssMb: Math.round(peakRss / 1024), pssMb: Math.round(peakPss / 1024), processes };
    },
  };
}

export const SCENARIOS: Record<string, Scenario> = {
  startup,
  estate,
  eval: evalVsParse,
  'kube-collect': kubeCollect,
  'aws-collect': awsCollect,
  render,
};

export async function tempDir(prefix: string): Promise<{ dir: string; done: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, done: () => rm(dir, { recursive: true, force: true }) };
}
