import type { CheckResult } from '../checks/types.ts';
import type { ExceptionOutcome, ExceptionRule, ExceptionSelector } from './types.ts';

// Glob with `*` only (any run of characters, also none); the rest is literal and case-sensitive.
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  return re.test(value);
}

export function selects(rule: Pick<ExceptionRule, 'check' | 'selector'>, r: CheckResult): boolean {
  if (r.check !== rule.check) return false;
  const s: ExceptionSelector = rule.selector;
  return (
    (s.target === undefined || globMatch(s.target, r.target)) &&
    (s.namespace === undefined || globMatch(s.namespace, r.resource.namespace ?? '')) &&
    (s.kind === undefined || globMatch(s.kind, r.resource.kind)) &&
    (s.name === undefined || globMatch(s.name, r.resource.name))
  );
}

export function isExpired(rule: Pick<ExceptionRule, 'expiresAt'>, now: Date): boolean {
  return now.getTime() >= rule.expiresAt.getTime();
}

// Turns each `fail` that an unexpired exception selects into `waived` (the first such entry in
// file order wins). Only failures: an error means the evidence is missing, and missing evidence
// cannot be accepted as a risk; a pass or not-applicable needs no waiver. `now` is the run's
// injected clock, never the system clock.
export function applyExceptions(
  results: readonly CheckResult[],
  rules: readonly ExceptionRule[],
  now: Date,
): { results: CheckResult[]; outcomes: ExceptionOutcome[] } {
  const stats = rules.map(() => ({ matched: 0, waived: 0, failing: 0 }));
  const out = results.map((r) => {
    let waivedBy: number | undefined;
    rules.forEach((rule, i) => {
      if (!selects(rule, r)) return;
      const s = stats[i];
      if (!s) return;
      s.matched += 1;
      if (r.status !== 'fail') return;
      s.failing += 1;
      if (waivedBy === undefined && !isExpired(rule, now)) {
        waivedBy = i;
        s.waived += 1;
      }
    });
    const rule = waivedBy === undefined ? undefined : rules[waivedBy];
    if (!rule) return r;
    return {
      ...r,
      status: 'waived' as const,
      exception: {
        id: rule.id,
        approver: rule.approver,
        ...(rule.ticket !== undefined ? { ticket: rule.ticket } : {}),
        expires: rule.expires,
        justification: rule.justification,
      },
    };
  });
  const outcomes = rules.map((rule, i): ExceptionOutcome => {
    const s = stats[i] ?? { matched: 0, waived: 0, failing: 0 };
    const expired = isExpired(rule, now);
    const state = expired ? 'expired' : s.waived > 0 ? 'applied' : 'stale';
    return {
      id: rule.id,
      state,
      check: rule.check,
      selector: rule.selector,
      justification: rule.justification,
      approver: rule.approver,
      ...(rule.ticket !== undefined ? { ticket: rule.ticket } : {}),
      expires: rule.expires,
      matched: s.matched,
      waived: s.waived,
      failing: s.failing,
      source: `${rule.file}:${rule.line}`,
      note: noteFor(state, s),
    };
  });
  return { results: out, outcomes };
}

function noteFor(state: ExceptionOutcome['state'], s: { matched: number; waived: number; failing: number }): string {
  const n = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
  if (state === 'applied') return `Waived ${n(s.waived, 'failing result', 'failing results')}.`;
  if (state === 'expired') {
    return s.failing > 0 ? `Expired: ${n(s.failing, 'result stays', 'results stay')} failed.` : 'Expired; it matches no failing result.';
  }
  if (s.matched === 0) return 'Matches no result in this run; remove it or fix its selector.';
  if (s.failing > 0) return `Every failing result it matches is already waived by an earlier entry (${n(s.matched, 'result', 'results')} matched).`;
  return `Matches ${n(s.matched, 'result', 'results')}, none failing; it can be removed.`;
}
