import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { displayPath } from '../shared/display-path.ts';
import { z } from 'zod';
import { MANIFEST_FILE } from '../bundle/files.ts';
import { Manifest, type ManifestPrevious } from '../bundle/manifest.ts';
import { verifyBundle, type VerifyOptions, type VerifyReport } from '../bundle/verify.ts';
import type { ReportInput } from '../render/report-input.ts';
import { errorMessage } from '../shared/errors.ts';
import { diffFindings, failingKeys, trendPoint } from './diff.ts';
import { HistoryError } from './errors.ts';
import { loadFindings, parseFindings, type Findings } from './findings.ts';
import { TREND_RUNS, type ReportHistory } from './types.ts';
import { processAlive } from '../shared/process-alive.ts';

// The evidence history folder:
//   index.jsonl          one line per recorded run, oldest first (a convenience; trust comes from runs/)
//   runs/<run id>/       manifest.json, manifest.sig, signer.* (signed as-is), findings.json, run.json
// Each run's signed manifest names the previous run's manifest sha256, so the copies alone let an
// auditor check that no month was removed, replaced or reordered (auditpack verify --history).
export const HISTORY_INDEX = 'index.jsonl';
export const HISTORY_RUNS = 'runs';
// Copied from each bundle: what proves the run (manifest and signature) and what later runs compare.
export const HISTORY_CONTENT = ['findings.json', 'run.json'] as const;

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/);
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const HistoryEntry = z.strictObject({
  schemaVersion: z.literal(1),
  runId: z.string().regex(RUN_ID),
  startedAt: z.string().min(1),
  // The bundle folder the run was recorded from (it may have moved since; the copy is in runs/).
  bundle: z.string(),
  manifestSha256: SHA256,
  previous: z.strictObject({ runId: z.string().min(1), manifestSha256: SHA256 }).nullable(),
  results: z.record(z.string(), z.number().int().nonnegative()),
  controls: z.record(z.string(), z.number().int().nonnegative()),
  // "framework:id" → control status.
  controlStatuses: z.record(z.string(), z.string()),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isHistoryCopied(name: string): boolean {
  return name === MANIFEST_FILE || name === 'manifest.sig' || name.startsWith('signer.') || (HISTORY_CONTENT as readonly string[]).includes(name);
}

// Reads index.jsonl; a missing folder or index is an empty history. A bad line is an error naming it.
export async function readHistoryIndex(dir: string): Promise<HistoryEntry[]> {
  const file = path.join(dir, HISTORY_INDEX);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new HistoryError('HISTORY_INVALID', `Cannot read ${file}: ${errorMessage(err)}`);
  }
  const entries: HistoryEntry[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new HistoryError('HISTORY_INVALID', `${file}:${i + 1}: not valid JSON: ${errorMessage(err)}`);
    }
    const parsed = HistoryEntry.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new HistoryError('HISTORY_INVALID', `${file}:${i + 1}: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid entry'}`);
    }
    entries.push(parsed.data);
  });
  return entries;
}

export interface RunCopyReport extends VerifyReport {
  manifestSha256?: string;
}

// Verifies a recorded run (or a whole bundle): the signature and every file that is present. Files
// a history copy leaves out (reports, evidence) may be missing; findings.json and run.json may not.
export async function verifyRunCopy(dir: string, opts: VerifyOptions = {}): Promise<RunCopyReport> {
  const report = await verifyBundle(dir, opts);
  const problems = report.problems.filter((p) => !(p.code === 'FILE_MISSING' && p.path !== undefined && !isHistoryCopied(p.path)));
  if (report.manifest) {
    const listed = new Set(report.manifest.files.map((f) => f.path));
    for (const name of HISTORY_CONTENT) {
      if (!listed.has(name)) problems.push({ code: 'MANIFEST_INVALID', path: name, message: `${name} is not listed in ${MANIFEST_FILE}: this is not a judged run (an evidence-only bundle?)` });
    }
  }
  const bytes = await readFile(path.join(dir, MANIFEST_FILE)).catch(() => undefined);
  return { ...report, ok: problems.length === 0, problems, ...(bytes ? { manifestSha256: sha256Hex(bytes) } : {}) };
}

export class History {
  readonly dir: string;
  readonly entries: readonly HistoryEntry[];

  constructor(dir: string, entries: readonly HistoryEntry[]) {
    this.dir = dir;
    this.entries = entries;
  }

  get last(): HistoryEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  // What the next run's manifest names as its previous run.
  get previous(): ManifestPrevious | undefined {
    const last = this.last;
    return last ? { runId: last.runId, manifestSha256: last.manifestSha256 } : undefined;
  }

  runDir(runId: string): string {
    if (!RUN_ID.test(runId)) throw new HistoryError('HISTORY_INVALID', `unsafe run id ${JSON.stringify(runId)} in ${this.dir}`);
    return path.join(this.dir, HISTORY_RUNS, runId);
  }

  async findings(runId: string): Promise<Findings> {
    return loadFindings(this.runDir(runId));
  }

  // First-seen date of each key that fails in run `fromRunId`: the startedAt of the earliest run
  // of the unbroken streak of failing runs ending there. Undefined when the run is not recorded.
  async firstSeen(fromRunId: string, keys: Iterable<string>): Promise<Map<string, string> | undefined> {
    const end = this.entries.findIndex((e) => e.runId === fromRunId);
    if (end < 0) return undefined;
    const dates = new Map<string, string>();
    let open = new Set(keys);
    for (let i = end; i >= 0 && open.size > 0; i--) {
      const entry = this.entries[i] as HistoryEntry;
      const failing = failingKeys(await this.findings(entry.runId));
      const still = new Set<string>();
      for (const key of open) {
        if (!failing.has(key)) continue;
        dates.set(key, entry.startedAt);
        still.add(key);
      }
      open = still;
    }
    return dates;
  }

  // The report's "Changes since last run": compared with the last recorded run, trend over the
  // last TREND_RUNS runs including this one.
  async reportSection(input: ReportInput): Promise<ReportHistory> {
    const current: Findings = {
      schemaVersion: 1,
      run: { id: input.run.id, startedAt: input.run.startedAt },
      results: input.results.map((r) => ({
        check: r.check,
        status: r.status,
        severity: r.severity,
        target: r.target,
        resource: { kind: r.resource.kind, ...(r.resource.namespace === undefined ? {} : { namespace: r.resource.namespace }), name: r.resource.name },
        message: r.message,
        data: { ...r.data },
        evidence: r.evidence,
        controls: r.controls,
      })),
      controls: input.controls.map((c) => ({ framework: c.framework, id: c.id, title: c.title, status: c.status })),
    };
    const recent = this.entries.slice(-(TREND_RUNS - 1));
    const trend = [
      ...recent.map((e) => ({
        runId: e.runId,
        startedAt: e.startedAt,
        controls: { satisfied: e.controls['satisfied'] ?? 0, notSatisfied: e.controls['not_satisfied'] ?? 0, insufficient: e.controls['insufficient_evidence'] ?? 0 },
        results: { pass: e.results['pass'] ?? 0, fail: e.results['fail'] ?? 0 },
      })),
      trendPoint(current),
    ];
    const last = this.last;
    if (!last) return { trend, dir: displayPath(this.dir) };
    const previous = await this.findings(last.runId);
    const firstDiff = diffFindings(previous, current);
    const firstSeen = await this.firstSeen(last.runId, firstDiff.stillFailing.map((s) => s.key));
    return {
      previous: { runId: last.runId, startedAt: last.startedAt },
      diff: diffFindings(previous, current, firstSeen ? { firstSeen } : {}),
      trend,
      dir: displayPath(this.dir),
    };
  }

  // Copies the signed run at bundleDir into runs/ and appends it to index.jsonl. Refuses when
  // another run was recorded since this history was opened (the chain would fork) or when the
  // bundle does not name this history's last run as its previous one.
  async record(bundleDir: string): Promise<HistoryEntry> {
    const manifestBytes = await readFile(path.join(bundleDir, MANIFEST_FILE));
    const manifest = Manifest.parse(JSON.parse(manifestBytes.toString('utf8')));
    const expected = this.previous;
    if (manifest.previous?.runId !== expected?.runId || manifest.previous?.manifestSha256 !== expected?.manifestSha256) {
      throw new HistoryError('HISTORY_CONFLICT', `bundle ${bundleDir} names previous run ${manifest.previous?.runId ?? '(none)'}, but the last run in history ${this.dir} is ${expected?.runId ?? '(none)'}`);
    }
    const now = await readHistoryIndex(this.dir);
    if (now.length !== this.entries.length || now[now.length - 1]?.runId !== this.last?.runId) {
      throw new HistoryError(
        'HISTORY_CONFLICT',
        `another run (${now[now.length - 1]?.runId ?? 'unknown'}) was recorded in ${this.dir} while this one ran; this run was not added (the bundle at ${bundleDir} is complete)`,
      );
    }
    const findings = await loadFindings(bundleDir);
    const runs = path.join(this.dir, HISTORY_RUNS);
    await mkdir(runs, { recursive: true });
    const target = this.runDir(manifest.runId);
    if (await stat(target).catch(() => undefined)) throw new HistoryError('HISTORY_CONFLICT', `${target} already exists`);
    const work = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
    await mkdir(work);
    try {
      for (const name of (await readdir(bundleDir)).sort()) {
        if (isHistoryCopied(name)) await copyFile(path.join(bundleDir, name), path.join(work, name));
      }
      await rename(work, target);
    } catch (err) {
      await rm(work, { recursive: true, force: true });
      throw err;
    }
    const entry: HistoryEntry = {
      schemaVersion: 1,
      runId: manifest.runId,
      startedAt: findings.run.startedAt,
      // Relative to the history folder: the index names no absolute local path.
      bundle: path.relative(this.dir, path.resolve(bundleDir)).split(path.sep).join('/'),
      manifestSha256: sha256Hex(manifestBytes),
      previous: manifest.previous ?? null,
      results: countBy(findings.results.map((r) => r.status)),
      controls: countBy(findings.controls.map((c) => c.status)),
      controlStatuses: Object.fromEntries(findings.controls.map((c) => [`${c.framework}:${c.id}`, c.status])),
    };
    const index = path.join(this.dir, HISTORY_INDEX);
    const text = [...now, entry].map((e) => JSON.stringify(e)).join('\n');
    const tmp = `${index}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, `${text}\n`);
    await rename(tmp, index);
    return entry;
  }
}

// Opens (or starts) the history at dir. The last recorded run is verified first (signature,
// findings.json and the index's digest): a new run must not chain onto, or compare with, a run
// that was altered.
export async function openHistory(dir: string, opts: VerifyOptions = {}): Promise<History> {
  const root = path.resolve(dir);
  const s = await stat(root).catch(() => undefined);
  if (s && !s.isDirectory()) throw new HistoryError('HISTORY_INVALID', `history path ${dir} exists and is not a folder`);
  const entries = await readHistoryIndex(root);
  await removePartials(root);
  const history = new History(root, entries);
  const last = history.last;
  if (last) {
    const runDir = history.runDir(last.runId);
    const check = await verifyRunCopy(runDir, opts).catch((err: unknown) => {
      throw new HistoryError('HISTORY_INVALID', `the last run in history ${dir} (${last.runId}) cannot be read: ${errorMessage(err)}`);
    });
    const problem = check.problems[0]?.message ?? (check.manifestSha256 !== last.manifestSha256 ? `its manifest.json has sha256 ${check.manifestSha256 ?? '(missing)'}, the index records ${last.manifestSha256}` : undefined);
    if (problem !== undefined) {
      throw new HistoryError('HISTORY_INVALID', `the last run in history ${dir} (${last.runId}) does not verify: ${problem}. Check it with \`auditpack verify --history ${dir}\``);
    }
    // findings.json of the copy was just verified against the signed manifest; parse it once to fail early.
    parseFindings(await readFile(path.join(runDir, 'findings.json'), 'utf8'), path.join(runDir, 'findings.json'));
  }
  return history;
}

async function removePartials(root: string): Promise<void> {
  const runs = path.join(root, HISTORY_RUNS);
  for (const name of await readdir(runs).catch(() => [] as string[])) {
    const m = /\.partial-(\d+)-[0-9a-f]{8}$/.exec(name);
    if (m && !processAlive(Number(m[1]))) await rm(path.join(runs, name), { recursive: true, force: true });
  }
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of [...values].sort()) out[v] = (out[v] ?? 0) + 1;
  return out;
}
