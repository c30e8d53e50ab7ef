import path from 'node:path';
import type { VerifyOptions } from '../bundle/verify.ts';
import { BundleError } from '../shared/errors.ts';
import { diffFindings } from './diff.ts';
import { loadFindings } from './findings.ts';
import { History, readHistoryIndex, verifyRunCopy } from './store.ts';
import type { ResultRef, RunDiff } from './types.ts';

export interface CompareOptions extends VerifyOptions {
  // Evidence history for first-seen dates; without it, a still-failing subject dates from OLD.
  history?: string;
}

// `auditpack diff OLD NEW`: both runs are verified first (a comparison of altered evidence would
// be worse than none), then compared.
export async function compareRuns(oldDir: string, newDir: string, opts: CompareOptions = {}): Promise<RunDiff> {
  const verifyOpts: VerifyOptions = opts.publicKeyPem === undefined ? {} : { publicKeyPem: opts.publicKeyPem };
  for (const dir of [oldDir, newDir]) {
    const check = await verifyRunCopy(dir, verifyOpts);
    if (!check.ok) {
      const first = check.problems[0];
      throw new BundleError(first?.code ?? 'MANIFEST_INVALID', `${dir} does not verify (${check.problems.length} problem(s), first: ${first?.message ?? 'unknown'}); refusing to compare it`);
    }
  }
  const [oldF, newF] = [await loadFindings(oldDir), await loadFindings(newDir)];
  if (opts.history === undefined) return diffFindings(oldF, newF);
  const history = new History(path.resolve(opts.history), await readHistoryIndex(path.resolve(opts.history)));
  const first = diffFindings(oldF, newF);
  const firstSeen = await history.firstSeen(oldF.run.id, first.stillFailing.map((s) => s.key));
  return diffFindings(oldF, newF, firstSeen ? { firstSeen } : {});
}

export function refText(r: ResultRef): string {
  const where = [r.resource.namespace, r.resource.name].filter((s) => s !== undefined && s !== '').join('/');
  return `${r.check} ${r.target} ${r.resource.kind} ${where}${r.port ? ` port ${r.port}` : ''} [${r.severity}]`;
}

// Plain text for the terminal; values from findings.json are stripped of control characters.
export function formatDiff(d: RunDiff): string[] {
  const lines: string[] = [];
  lines.push(`Changes from ${clean(d.old.runId)} (${clean(d.old.startedAt)}) to ${clean(d.new.runId)} (${clean(d.new.startedAt)})`);
  lines.push(
    `  ${d.newFailures.length} new failure(s), ${d.resolved.length} resolved, ${d.stillFailing.length} still failing, ${d.notAssessed.length} no longer assessed, ${d.controlChanges.length} control status change(s)`,
  );
  const section = (title: string, items: string[]): void => {
    lines.push('', `${title} (${items.length})`);
    if (items.length === 0) lines.push('  none');
    for (const i of items) lines.push(`  ${i}`);
  };
  section('New failures', d.newFailures.map((r) => `${clean(refText(r))}: ${clean(r.message)}`));
  section('Resolved', d.resolved.map((r) => `${clean(refText(r))}: now ${r.status}`));
  section('No longer assessed (errored or not reported; not a fix)', d.notAssessed.map((r) => `${clean(refText(r))}: now ${r.status}`));
  section(
    `Still failing (first seen${d.firstSeenSource === 'old-run' ? ' — no history given, so at the latest the older run' : ''})`,
    d.stillFailing.map((r) => `${clean(refText(r))}: since ${clean(r.firstSeen)}`),
  );
  section('Controls whose status changed', d.controlChanges.map((c) => `${clean(c.framework)}:${clean(c.id)} ${c.from} → ${c.to}${c.title ? ` — ${clean(c.title)}` : ''}`));
  return lines;
}

function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ');
  return plain.length > 300 ? `${plain.slice(0, 299)}…` : plain;
}
