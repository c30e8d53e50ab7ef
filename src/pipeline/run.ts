import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CHECKS } from '../checks/registry.ts';
import { evaluateCheck } from '../checks/evaluate.ts';
import type { CheckResult } from '../checks/types.ts';
import { DEFAULT_CONTROLS_DIR, loadCatalogs } from '../controls/load.ts';
import { controlsByCheck, rollUp } from '../controls/roll-up.ts';
import { FRAMEWORKS, type ControlOutcome } from '../controls/types.ts';
import { EvidenceStore } from '../evidence/store.ts';
import { buildInventory, type CollectedObject } from '../inventory/build-inventory.ts';
import type { EvidenceGap, TargetInventory } from '../inventory/types.ts';
import { inScopeNamespace } from '../inventory/scope.ts';
import { findChrome } from '../render/chrome.ts';
import { renderCsv } from '../render/csv.ts';
import { renderFindingsJson } from '../render/findings-json.ts';
import { renderHtml } from '../render/html.ts';
import { renderPdf } from '../render/pdf.ts';
import type { ReportInput, ReportedResult, TargetSummary } from '../render/report-input.ts';
import { BundleError } from '../shared/errors.ts';
import { TOOL } from '../shared/version.ts';
import { readSnapshot, type SnapshotRead } from '../sources/snapshot/read-snapshot.ts';
import { loadSigner } from '../bundle/keys.ts';
import { generateEphemeralSigner, type Signer } from '../bundle/signer.ts';
import { signBundle } from '../bundle/manifest.ts';

export interface SnapshotTarget {
  dir: string;
  // Target name; default: the folder's name.
  name?: string;
}

export interface OutputFormats {
  html: boolean;
  pdf: boolean;
  csv: boolean;
}

export interface RunOptions {
  snapshots: readonly SnapshotTarget[];
  outDir: string;
  formats: OutputFormats;
  chrome?: string;
  // PKCS#8 Ed25519 private key; without it the run signs with a one-time key.
  signingKey?: string;
  controlsDir?: string;
  clock?: () => Date;
  command?: string;
  onProgress?: (event: ProgressEvent) => void;
}

export interface ProgressEvent {
  stage: 'collect' | 'evaluate' | 'map' | 'render' | 'sign' | 'done';
  target?: string;
  message: string;
  durationMs?: number;
}

export interface RunSummary {
  runId: string;
  outDir: string;
  results: CheckResult[];
  controls: ControlOutcome[];
  gaps: EvidenceGap[];
  signer: { keyFingerprint: string; ephemeral: boolean };
  files: string[];
}

export function newRunId(now: Date): string {
  return `run-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

// The whole pipeline for offline snapshots: collect → evidence store → normalize → evaluate → map →
// render → sign. The bundle is built in a sibling temp folder and renamed into place only when it
// is complete and signed, so a crash never leaves a folder that verifies.
export async function runPipeline(opts: RunOptions): Promise<RunSummary> {
  const clock = opts.clock ?? (() => new Date());
  const progress = opts.onProgress ?? (() => undefined);
  const startedAt = clock();
  const runId = newRunId(startedAt);
  const outDir = path.resolve(opts.outDir);
  await assertReplaceable(outDir);

  // Fail on configuration problems before any work: catalogs, key, browser.
  const catalogs = await loadCatalogs(opts.controlsDir ?? DEFAULT_CONTROLS_DIR, new Set(CHECKS.map((c) => c.meta.id)));
  const signer: Signer = opts.signingKey ? await loadSigner(opts.signingKey) : generateEphemeralSigner();
  const chromePath = opts.formats.pdf ? findChrome(opts.chrome) : undefined;

  await mkdir(path.dirname(outDir), { recursive: true });
  const work = `${outDir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(work, { recursive: true });
  try {
    const store = new EvidenceStore(work, clock);
    await store.open();
    const inventories: TargetInventory[] = [];
    const summaries: TargetSummary[] = [];
    const ignored: ReportInput['ignored'] = [];
    const names = new Set<string>();
    for (const snap of opts.snapshots) {
      const t0 = Date.now();
      const read = await readSnapshot(snap.dir, snap.name ? { target: snap.name } : {});
      if (names.has(read.target)) {
        throw new BundleError('OUTPUT_EXISTS', `Two snapshots are both named "${read.target}"; give one a distinct name with --target-name`);
      }
      names.add(read.target);
      const inventory = await collectSnapshot(read, store);
      inventories.push(inventory);
      for (const i of inventory.ignored) ignored.push({ ...i, target: inventory.name });
      for (const n of read.notes) {
        ignored.push({ target: read.target, evidenceId: '', kind: '(file)', apiVersion: '', name: `${n.file}${n.line ? `:${n.line}` : ''}`, reason: n.message });
      }
      summaries.push({
        name: inventory.name,
        source: 'snapshot',
        location: snap.dir,
        objects: read.objects.length,
        namespaces: inventory.namespaces.length,
        workloads: inventory.workloads.length,
        istioPresent: inventory.istio.present,
        rootNamespace: inventory.istio.rootNamespace,
        namespaceDetails: inventory.namespaces.map((n) => ({
          name: n.name,
          labels: n.labels,
          annotations: n.annotations,
          inScope: inScopeNamespace(inventory, n.name),
          workloads: inventory.workloads.filter((w) => w.namespace === n.name).length,
        })),
      });
      progress({ stage: 'collect', target: read.target, message: `${read.files.length} files, ${read.objects.length} objects, ${inventory.gaps.length} gaps`, durationMs: Date.now() - t0 });
    }
    await store.close();

    const t1 = Date.now();
    const results: CheckResult[] = [];
    for (const inventory of inventories) {
      for (const check of CHECKS) results.push(...evaluateCheck(check, inventory, startedAt));
    }
    sortResults(results);
    progress({ stage: 'evaluate', message: `${CHECKS.length} checks, ${results.length} results`, durationMs: Date.now() - t1 });

    const controls = rollUp(catalogs, results);
    const byCheck = controlsByCheck(catalogs);
    const reported: ReportedResult[] = results.map((r) => ({ ...r, controls: byCheck.get(r.check) ?? [] }));
    progress({ stage: 'map', message: `${controls.length} controls in ${catalogs.length} frameworks` });

    const gaps = inventories.flatMap((i) => i.gaps);
    const input: ReportInput = {
      run: {
        id: runId,
        startedAt: startedAt.toISOString(),
        finishedAt: clock().toISOString(),
        tool: { name: TOOL.name, version: TOOL.version },
        operator: process.env.AUDITPACK_OPERATOR ?? `${safeUser()}@${os.hostname()}`,
        command: opts.command ?? 'auditpack run',
        frameworks: [...FRAMEWORKS],
        signing: { algorithm: signer.algorithm, keyFingerprint: signer.keyFingerprint, ephemeral: signer.ephemeral },
      },
      targets: summaries,
      checks: CHECKS.map((c) => c.meta),
      results: reported,
      controls,
      evidence: store.records,
      transcripts: store.transcripts,
      gaps,
      ignored,
    };

    const t2 = Date.now();
    await writeFile(path.join(work, 'findings.json'), renderFindingsJson(input));
    await writeFile(path.join(work, 'run.json'), `${JSON.stringify({ schemaVersion: 1, ...input.run, targets: summaries }, null, 2)}\n`);
    if (opts.formats.csv) await writeFile(path.join(work, 'findings.csv'), renderCsv(reported));
    if (opts.formats.html || opts.formats.pdf) {
      const html = renderHtml(input);
      if (opts.formats.html) await writeFile(path.join(work, 'report.html'), html);
      if (chromePath) await writeFile(path.join(work, 'report.pdf'), await renderPdf(html, { chromePath }));
    }
    progress({ stage: 'render', message: 'findings.json, findings.csv, report.html, report.pdf', durationMs: Date.now() - t2 });

    const manifest = await signBundle(work, signer, { tool: { name: TOOL.name, version: TOOL.version }, runId, createdAt: clock().toISOString() });
    progress({ stage: 'sign', message: `signed with ${signer.keyFingerprint}${signer.ephemeral ? ' (one-time key)' : ''}` });

    await replaceDir(work, outDir);
    return {
      runId,
      outDir,
      results,
      controls,
      gaps,
      signer: { keyFingerprint: signer.keyFingerprint, ephemeral: signer.ephemeral },
      files: manifest.files.map((f) => f.path),
    };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

async function collectSnapshot(read: SnapshotRead, store: EvidenceStore): Promise<TargetInventory> {
  const collected: CollectedObject[] = [];
  for (const o of read.objects) {
    const meta = (o.object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    const stored = await store.put({
      target: read.target,
      source: { type: 'snapshot', file: o.file, line: o.line, document: o.document },
      raw: o.object,
      ...(typeof o.object.apiVersion === 'string' ? { apiVersion: o.object.apiVersion } : {}),
      ...(typeof o.object.kind === 'string' ? { kind: o.object.kind } : {}),
      ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
      ...(typeof meta.name === 'string' ? { name: meta.name } : {}),
    });
    collected.push({ evidenceId: stored.record.id, object: stored.value, file: o.file, line: o.line });
  }
  return buildInventory(read.target, collected, read.gaps);
}

function sortResults(results: CheckResult[]): void {
  const order = new Map(CHECKS.map((c, i) => [c.meta.id, i]));
  results.sort(
    (a, b) =>
      (order.get(a.check) ?? 0) - (order.get(b.check) ?? 0) ||
      a.target.localeCompare(b.target) ||
      (a.resource.namespace ?? '').localeCompare(b.resource.namespace ?? '') ||
      a.resource.kind.localeCompare(b.resource.kind) ||
      a.resource.name.localeCompare(b.resource.name) ||
      String(a.data.port ?? '').localeCompare(String(b.data.port ?? ''), undefined, { numeric: true }) ||
      a.messageId.localeCompare(b.messageId),
  );
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

// An existing output folder is replaced only when it is empty or a previous auditpack bundle.
async function assertReplaceable(outDir: string): Promise<void> {
  const s = await stat(outDir).catch(() => undefined);
  if (!s) return;
  if (!s.isDirectory()) throw new BundleError('OUTPUT_EXISTS', `Output path ${outDir} exists and is not a folder`);
  const entries = await readdir(outDir);
  if (entries.length === 0 || entries.includes('manifest.json')) return;
  throw new BundleError('OUTPUT_EXISTS', `Output folder ${outDir} is not empty and is not an auditpack bundle; choose another --out`);
}

async function replaceDir(work: string, outDir: string): Promise<void> {
  const exists = await stat(outDir).catch(() => undefined);
  if (!exists) {
    await rename(work, outDir);
    return;
  }
  const old = `${outDir}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  await rename(outDir, old);
  await rename(work, outDir);
  await rm(old, { recursive: true, force: true });
}
