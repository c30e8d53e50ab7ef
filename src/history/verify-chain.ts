import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { VerifyOptions } from '../bundle/verify.ts';
import { UsageError, errorMessage } from '../shared/errors.ts';
import { HISTORY_INDEX, HISTORY_RUNS, readHistoryIndex, verifyRunCopy, type HistoryEntry, type RunCopyReport } from './store.ts';

export type ChainProblemCode = 'HISTORY_INVALID' | 'RUN_INVALID' | 'RUN_MISSING' | 'RUN_EXTRA' | 'CHAIN_BROKEN';

export interface ChainProblem {
  code: ChainProblemCode;
  runId?: string;
  message: string;
}

export interface ChainReport {
  ok: boolean;
  problems: ChainProblem[];
  runs: { runId: string; startedAt: string; fingerprint?: string; keySource: RunCopyReport['keySource'] }[];
}

// Verifies an evidence history: every recorded run's signature and copied files, and the hash
// chain — each run's signed manifest names the run before it and the sha256 of that run's
// manifest.json bytes, in index order, from the first run (which names none) to the last.
// Removing, altering, replacing or reordering a month breaks a link, and the problem names it.
// (Removing the newest runs leaves a shorter, valid chain: compare the last run with your latest bundle.)
export async function verifyHistory(dir: string, opts: VerifyOptions = {}): Promise<ChainReport> {
  const root = path.resolve(dir);
  if (!(await stat(root).catch(() => undefined))?.isDirectory()) throw new UsageError('USAGE', `history folder not found: ${dir}`);
  const problems: ChainProblem[] = [];
  const runs: ChainReport['runs'] = [];
  let entries: HistoryEntry[];
  try {
    entries = await readHistoryIndex(root);
  } catch (err) {
    return { ok: false, problems: [{ code: 'HISTORY_INVALID', message: errorMessage(err) }], runs };
  }
  if (entries.length === 0) {
    return { ok: false, problems: [{ code: 'HISTORY_INVALID', message: `${path.join(dir, HISTORY_INDEX)} is missing or lists no run` }], runs };
  }

  const label = (e: HistoryEntry): string => `${e.runId} (${e.startedAt})`;
  let before: { entry: HistoryEntry; sha?: string } | undefined;
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.runId)) problems.push({ code: 'HISTORY_INVALID', runId: entry.runId, message: `run ${entry.runId} is listed more than once in ${HISTORY_INDEX}` });
    seen.add(entry.runId);
    const runDir = path.join(root, HISTORY_RUNS, entry.runId);
    if (!(await stat(runDir).catch(() => undefined))?.isDirectory()) {
      problems.push({ code: 'RUN_MISSING', runId: entry.runId, message: `run ${label(entry)} is listed in ${HISTORY_INDEX} but ${HISTORY_RUNS}/${entry.runId} is missing: the history was altered` });
      before = { entry };
      continue;
    }
    const report = await verifyRunCopy(runDir, opts);
    runs.push({ runId: entry.runId, startedAt: entry.startedAt, keySource: report.keySource, ...(report.fingerprint ? { fingerprint: report.fingerprint } : {}) });
    for (const p of report.problems) {
      problems.push({ code: 'RUN_INVALID', runId: entry.runId, message: `run ${label(entry)}: ${p.path ? `${p.path}: ` : ''}${p.message}` });
    }
    if (report.manifestSha256 !== undefined && report.manifestSha256 !== entry.manifestSha256) {
      problems.push({ code: 'RUN_INVALID', runId: entry.runId, message: `run ${label(entry)}: manifest.json has sha256 ${report.manifestSha256}, but ${HISTORY_INDEX} recorded ${entry.manifestSha256}` });
    }
    const manifest = report.manifest;
    if (manifest && manifest.runId !== entry.runId) {
      problems.push({ code: 'RUN_INVALID', runId: entry.runId, message: `${HISTORY_RUNS}/${entry.runId} holds the manifest of run ${manifest.runId}` });
    }
    if (before !== undefined && entry.startedAt < before.entry.startedAt) {
      problems.push({ code: 'CHAIN_BROKEN', runId: entry.runId, message: `run ${label(entry)} is listed after the later run ${label(before.entry)}` });
    }
    if (manifest) {
      const named = manifest.previous;
      if (before === undefined) {
        if (named !== undefined) {
          problems.push({
            code: 'CHAIN_BROKEN',
            runId: entry.runId,
            message: `broken link before ${label(entry)}: it names previous run ${named.runId} (manifest sha256 ${named.manifestSha256}), which is not in the history (removed?)`,
          });
        }
      } else if (named === undefined) {
        problems.push({ code: 'CHAIN_BROKEN', runId: entry.runId, message: `broken link ${before.entry.runId} → ${entry.runId}: run ${label(entry)} names no previous run, but follows ${label(before.entry)}` });
      } else if (named.runId !== before.entry.runId) {
        problems.push({
          code: 'CHAIN_BROKEN',
          runId: entry.runId,
          message: `broken link before ${label(entry)}: it names previous run ${named.runId}, but the history has ${label(before.entry)} before it (a run was removed, added or reordered)`,
        });
      } else if (before.sha !== undefined && named.manifestSha256 !== before.sha) {
        problems.push({
          code: 'CHAIN_BROKEN',
          runId: entry.runId,
          message: `broken link ${before.entry.runId} → ${entry.runId}: ${entry.runId}'s signed manifest names previous manifest sha256 ${named.manifestSha256}, but ${HISTORY_RUNS}/${before.entry.runId}/manifest.json has sha256 ${before.sha} (that run was altered or replaced)`,
        });
      }
    }
    before = { entry, ...(report.manifestSha256 ? { sha: report.manifestSha256 } : {}) };
  }

  const listed = new Set(entries.map((e) => e.runId));
  for (const name of (await readdir(path.join(root, HISTORY_RUNS)).catch(() => [] as string[])).sort()) {
    if (!listed.has(name)) problems.push({ code: 'RUN_EXTRA', runId: name, message: `${HISTORY_RUNS}/${name} is not listed in ${HISTORY_INDEX}` });
  }
  return { ok: problems.length === 0, problems, runs };
}
