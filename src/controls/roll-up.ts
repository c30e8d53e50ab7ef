import type { CheckResult } from '../checks/types.ts';
import { type Catalog, edgeChecks } from './schema.ts';
import type { ControlOutcome, ControlStatus, ResultCounts } from './types.ts';

export function controlRef(framework: string, id: string): string {
  return `${framework}:${id}`;
}

// Reverse index: check id → every control (framework:id) that points at it. Checks never know frameworks.
export function controlsByCheck(catalogs: readonly Catalog[]): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const catalog of catalogs) {
    for (const control of catalog.controls) {
      for (const check of edgeChecks(control)) {
        const list = index.get(check) ?? [];
        list.push(controlRef(catalog.framework, control.id));
        index.set(check, list);
      }
    }
  }
  return index;
}

function emptyCounts(): ResultCounts {
  return { pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 };
}

// A control is satisfied only with at least one automated result, every result passing (or waived)
// and no error; missing or errored evidence never rolls up to satisfied.
export function decideStatus(counts: ResultCounts, automated: boolean): { status: ControlStatus; reason: string } {
  if (!automated) return { status: 'manual', reason: 'No automated check covers this control; it needs a human attestation.' };
  if (counts.fail > 0) {
    return { status: 'not_satisfied', reason: `${counts.fail} result(s) failed${counts.waived > 0 ? ` (${counts.waived} more waived under approved exceptions)` : ''}.` };
  }
  if (counts.error > 0) {
    return { status: 'insufficient_evidence', reason: `${counts.error} result(s) could not be judged because evidence is missing, denied or unparseable.` };
  }
  if (counts.pass + counts.waived > 0) {
    // Satisfied with exceptions: a waived failure is an accepted risk, shown as such, never a pass.
    if (counts.waived > 0) {
      return { status: 'satisfied', reason: `Satisfied with exceptions: ${counts.pass} result(s) passed and ${counts.waived} failure(s) waived under approved exceptions.` };
    }
    return { status: 'satisfied', reason: `All ${counts.pass} automated result(s) passed.` };
  }
  if (counts.not_applicable > 0) return { status: 'not_applicable', reason: 'Every mapped check is not applicable to the targets in scope.' };
  return { status: 'insufficient_evidence', reason: 'The mapped checks produced no result for the targets in scope.' };
}

export function rollUp(catalogs: readonly Catalog[], results: readonly CheckResult[]): ControlOutcome[] {
  const byCheck = new Map<string, CheckResult[]>();
  for (const r of results) {
    const list = byCheck.get(r.check) ?? [];
    list.push(r);
    byCheck.set(r.check, list);
  }
  const outcomes: ControlOutcome[] = [];
  for (const catalog of catalogs) {
    for (const control of catalog.controls) {
      // Interim until the graded roll-up lands: every edge's results are counted, but only an
      // automated control can be satisfied; a failure on any edge still shows as not_satisfied.
      const checks = edgeChecks(control);
      const counts = emptyCounts();
      for (const check of checks) for (const r of byCheck.get(check) ?? []) counts[r.status] += 1;
      const { status, reason } = decideStatus(counts, control.evidence === 'automated' || counts.fail > 0);
      outcomes.push({
        framework: catalog.framework,
        id: control.id,
        title: control.title,
        ...(control.requirement ? { requirement: control.requirement } : {}),
        ...(control.family ? { family: control.family } : {}),
        status,
        checks: [...checks],
        results: counts.pass + counts.fail + counts.error + counts.not_applicable + counts.waived,
        counts,
        reason,
        ...(control.attest ? { manual: control.attest } : {}),
      });
    }
  }
  return outcomes;
}
