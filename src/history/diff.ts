import type { Findings, FindingsResult } from './findings.ts';
import type { ControlChange, ResultRef, RunDiff, StillFailing, TrendPoint } from './types.ts';

// The subject a result judges, stable from one run to the next: check, target, resource and port.
// Two results of one run with the same key (e.g. two servers of one Gateway) are compared as one
// subject that fails when any of them fails.
export function resultKey(r: Pick<FindingsResult, 'check' | 'target' | 'resource' | 'data'>): string {
  return [r.check, r.target, r.resource.kind, r.resource.namespace ?? '', r.resource.name, portOf(r) ?? ''].join('\u0000');
}

function portOf(r: Pick<FindingsResult, 'data'>): string | undefined {
  const port = r.data?.['port'];
  return typeof port === 'string' || typeof port === 'number' ? String(port) : undefined;
}

// Worst first: a subject with any failing result fails, then any error, and so on.
const STATUS_ORDER = ['fail', 'error', 'waived', 'pass', 'not_applicable'];
const RESOLVED = new Set(['pass', 'waived', 'not_applicable']);
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

function statusRank(s: string): number {
  const i = STATUS_ORDER.indexOf(s);
  return i < 0 ? STATUS_ORDER.length : i;
}

// One entry per subject, carrying its worst status and that result's message.
export function subjects(findings: Findings): Map<string, ResultRef> {
  const out = new Map<string, ResultRef>();
  for (const r of findings.results) {
    const key = resultKey(r);
    const existing = out.get(key);
    if (existing && statusRank(existing.status) <= statusRank(r.status)) continue;
    const port = portOf(r);
    out.set(key, {
      key,
      check: r.check,
      severity: r.severity,
      target: r.target,
      resource: { kind: r.resource.kind, ...(r.resource.namespace === undefined ? {} : { namespace: r.resource.namespace }), name: r.resource.name },
      ...(port === undefined ? {} : { port }),
      status: r.status,
      message: r.message,
    });
  }
  return out;
}

export function failingKeys(findings: Findings): Set<string> {
  const keys = new Set<string>();
  for (const r of findings.results) if (r.status === 'fail') keys.add(resultKey(r));
  return keys;
}

export interface DiffOptions {
  // First-seen date per still-failing key, from the evidence history; missing keys fall back to OLD's date.
  firstSeen?: ReadonlyMap<string, string>;
}

// Compares two runs' findings. Pure: the caller loads (and verifies) the findings and the history.
export function diffFindings(oldF: Findings, newF: Findings, opts: DiffOptions = {}): RunDiff {
  const before = subjects(oldF);
  const after = subjects(newF);
  const newFailures: ResultRef[] = [];
  const resolved: ResultRef[] = [];
  const notAssessed: ResultRef[] = [];
  const stillFailing: StillFailing[] = [];
  for (const [key, now] of after) {
    if (now.status !== 'fail') continue;
    const then = before.get(key);
    if (then?.status === 'fail') stillFailing.push({ ...now, firstSeen: opts.firstSeen?.get(key) ?? oldF.run.startedAt });
    else newFailures.push(now);
  }
  for (const [key, then] of before) {
    if (then.status !== 'fail') continue;
    const now = after.get(key);
    if (now?.status === 'fail') continue;
    const entry: ResultRef = { ...(now ?? then), status: now?.status ?? 'absent' };
    if (now && RESOLVED.has(now.status)) resolved.push(entry);
    else notAssessed.push(entry);
  }
  return {
    old: { runId: oldF.run.id, startedAt: oldF.run.startedAt },
    new: { runId: newF.run.id, startedAt: newF.run.startedAt },
    firstSeenSource: opts.firstSeen ? 'history' : 'old-run',
    newFailures: newFailures.sort(compareRefs),
    resolved: resolved.sort(compareRefs),
    notAssessed: notAssessed.sort(compareRefs),
    stillFailing: stillFailing.sort((a, b) => compareText(a.firstSeen, b.firstSeen) || compareRefs(a, b)),
    controlChanges: controlChanges(oldF, newF),
  };
}

function controlChanges(oldF: Findings, newF: Findings): ControlChange[] {
  const before = new Map(oldF.controls.map((c) => [`${c.framework}:${c.id}`, c]));
  const after = new Map(newF.controls.map((c) => [`${c.framework}:${c.id}`, c]));
  const changes: ControlChange[] = [];
  for (const [key, c] of after) {
    const from = before.get(key)?.status ?? 'absent';
    if (from !== c.status) changes.push({ framework: c.framework, id: c.id, title: c.title, from, to: c.status });
  }
  for (const [key, c] of before) {
    if (!after.has(key)) changes.push({ framework: c.framework, id: c.id, title: c.title, from: c.status, to: 'absent' });
  }
  return changes;
}

export function trendPoint(f: Pick<Findings, 'run' | 'results' | 'controls'>): TrendPoint {
  const controls = (s: string): number => f.controls.filter((c) => c.status === s).length;
  const results = (s: string): number => f.results.filter((r) => r.status === s).length;
  return {
    runId: f.run.id,
    startedAt: f.run.startedAt,
    controls: { satisfied: controls('satisfied'), notSatisfied: controls('not_satisfied'), insufficient: controls('insufficient_evidence') },
    results: { pass: results('pass'), fail: results('fail') },
  };
}

function compareRefs(a: ResultRef, b: ResultRef): number {
  return (
    rank(SEVERITY_ORDER, a.severity) - rank(SEVERITY_ORDER, b.severity) ||
    compareText(a.check, b.check) ||
    compareText(a.target, b.target) ||
    compareText(a.resource.namespace ?? '', b.resource.namespace ?? '') ||
    compareText(a.resource.kind, b.resource.kind) ||
    compareText(a.resource.name, b.resource.name) ||
    (a.port ?? '').localeCompare(b.port ?? '', undefined, { numeric: true })
  );
}

function rank(order: readonly string[], value: string): number {
  const i = order.indexOf(value);
  return i < 0 ? order.length : i;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
