import type { CheckResult } from '../checks/types.ts';
import { resultId as defaultResultId } from '../render/result-id.ts';
import type { ConditionVerdict } from './conditions.ts';
import type { Catalog, CatalogControl } from './schema.ts';
import { SOURCE_ABSENT } from './sources.ts';
import type { ControlEdgeOutcome, ControlOutcome, EvidenceSource, FrameworkId, NotApplicableBasis, ResultCounts } from './types.ts';

// The roll-up from check results to controls (rules: notes/CATALOG-FORMAT.md, README "Control
// status"). Each control's status rests on the results that came through its edges, and says why:
//  1. declared not applicable in config, or 2. its catalog condition proven absent -> not_applicable;
//  3. any failing result on any edge -> not_satisfied;  4. any error on a satisfies edge -> insufficient_evidence;
//  5. manual -> manual;  6. no satisfies result: no source in the run -> insufficient_evidence (not
//     assessed), supporting results only -> manual;  7. automated, all satisfies results pass/waived
//     -> satisfied;  8. partial: as 7, then satisfied only with an in-force attestation (applyAttestations).

export function controlRef(framework: string, id: string): string {
  return `${framework}:${id}`;
}

// A declared scoping decision (config `notApplicable`).
export interface NotApplicableDeclaration {
  // "framework:id", e.g. "pci-dss-4:A1.1.1".
  control: string;
  justification: string;
  approver: string;
}

export interface RollUpContext {
  // Evidence sources present in the run (sourcesInRun); absent: every source is taken as present.
  sources?: ReadonlySet<EvidenceSource>;
  // Check id -> its evidence source (checkSources); a check not listed counts as 'kubernetes'.
  checkSources?: ReadonlyMap<string, EvidenceSource>;
  notApplicable?: readonly NotApplicableDeclaration[];
  // Verdicts of the catalog's notApplicableWhen conditions (judgeConditions).
  conditions?: ReadonlyMap<string, ConditionVerdict>;
  resultId?: (r: CheckResult) => string;
}

// Reverse index: check id -> every control (framework:id) one of its catalog edges points at.
export function controlsByCheck(catalogs: readonly Catalog[]): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const catalog of catalogs) {
    for (const control of catalog.controls) {
      for (const check of new Set((control.edges ?? []).map((e) => e.check))) {
        const list = index.get(check) ?? [];
        list.push(controlRef(catalog.framework, control.id));
        index.set(check, list);
      }
    }
  }
  return index;
}

// The controls one result counts toward: its check's catalog edges plus its own per-result edges.
export function resultControls(r: Pick<CheckResult, 'check' | 'mappedControls'>, byCheck: ReadonlyMap<string, readonly string[]>): string[] {
  const own = (r.mappedControls ?? []).map((m) => m.control);
  const base = byCheck.get(r.check) ?? [];
  return own.length === 0 ? [...base] : [...new Set([...base, ...own])];
}

export function emptyCounts(): ResultCounts {
  return { pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 };
}

interface EdgeResults {
  edge: Omit<ControlEdgeOutcome, 'counts' | 'notAssessed'>;
  results: CheckResult[];
}

// A check's results split by status once, however many controls its edges reach (a large run has
// hundreds of thousands of results and hundreds of controls).
interface Bucket {
  byStatus: Record<CheckResult['status'], CheckResult[]>;
  counts: ResultCounts;
}

const buckets = new WeakMap<readonly CheckResult[], Bucket>();

function bucketOf(results: readonly CheckResult[]): Bucket {
  let b = buckets.get(results);
  if (b === undefined) {
    const byStatus: Bucket['byStatus'] = { pass: [], fail: [], error: [], not_applicable: [], waived: [] };
    for (const r of results) byStatus[r.status].push(r);
    const counts = emptyCounts();
    for (const k of Object.keys(counts) as (keyof ResultCounts)[]) counts[k] = byStatus[k].length;
    b = { byStatus, counts };
    buckets.set(results, b);
  }
  return b;
}

function take(edges: readonly EdgeResults[], statuses: readonly CheckResult['status'][]): CheckResult[] {
  const out: CheckResult[] = [];
  for (const e of edges) {
    const b = bucketOf(e.results);
    for (const s of statuses) for (const r of b.byStatus[s]) out.push(r);
  }
  return out;
}

// What the rules decide from, for one control.
export interface Decision {
  status: ControlOutcome['status'];
  reason: string;
  decisive: CheckResult[];
  automatedPassed?: boolean;
  missingEvidence?: boolean;
  notApplicable?: NotApplicableBasis;
  notAssessed: Map<EdgeResults, string>;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

// "istio-mtls-strict (3), linkerd-skip-ports (1)": which checks the named results came from.
function byCheckText(results: readonly CheckResult[]): string {
  const n = new Map<string, number>();
  for (const r of results) n.set(r.check, (n.get(r.check) ?? 0) + 1);
  return [...n.entries()].map(([c, k]) => `${c} (${k})`).join(', ');
}

export function decide(
  control: Pick<CatalogControl, 'evidence' | 'attest' | 'notApplicableWhen'>,
  ref: string,
  edges: readonly EdgeResults[],
  ctx: RollUpContext,
): Decision {
  const notAssessed = new Map<EdgeResults, string>();
  const sourceOf = (check: string): EvidenceSource => ctx.checkSources?.get(check) ?? 'kubernetes';
  for (const e of edges) {
    if (bucketOf(e.results).counts.not_applicable < e.results.length) continue;
    const s = sourceOf(e.edge.check);
    notAssessed.set(e, ctx.sources && !ctx.sources.has(s) ? `not assessed: ${SOURCE_ABSENT[s]}` : e.results.length === 0 ? 'no result in this run' : 'nothing in scope to judge (not applicable)');
  }
  const base = { notAssessed };

  // 1. A declared scoping decision.
  const declared = ctx.notApplicable?.find((d) => d.control === ref);
  if (declared) {
    return {
      ...base,
      status: 'not_applicable',
      reason: `Declared not applicable by ${declared.approver}: ${declared.justification}`,
      decisive: [],
      notApplicable: { kind: 'declared', justification: declared.justification, approver: declared.approver, evidence: [] },
    };
  }
  // 2. A catalog condition the evidence proves absent.
  const condition = control.notApplicableWhen ? ctx.conditions?.get(control.notApplicableWhen) : undefined;
  if (control.notApplicableWhen && condition?.absent) {
    return {
      ...base,
      status: 'not_applicable',
      reason: `Not applicable: the control applies only where there are ${control.notApplicableWhen}, and ${condition.reason}.`,
      decisive: [],
      notApplicable: { kind: 'condition', justification: condition.reason, approver: control.notApplicableWhen, evidence: condition.evidence },
    };
  }

  const satisfies = edges.filter((e) => e.edge.strength === 'satisfies');
  const supports = edges.filter((e) => e.edge.strength === 'supports');
  const waived = take(edges, ['waived']).length;

  // 3. Any failure, on a deciding or a supporting edge.
  const failing = take(edges, ['fail']);
  if (failing.length > 0) {
    const more = waived > 0 ? ` (${waived} more waived under approved exceptions)` : '';
    return { ...base, status: 'not_satisfied', reason: `${plural(failing.length, 'result', 'results')} failed${more}: ${byCheckText(failing)}.`, decisive: failing };
  }
  // 4. Missing evidence on a deciding edge.
  const errors = take(satisfies, ['error']);
  if (errors.length > 0) {
    return {
      ...base,
      status: 'insufficient_evidence',
      reason: `${plural(errors.length, 'result', 'results')} of deciding checks could not be judged because evidence is missing, denied or unparseable: ${byCheckText(errors)}.`,
      decisive: errors,
      missingEvidence: true,
    };
  }
  const supJudged = take(supports, ['pass', 'waived']);
  const supText = supJudged.length > 0 ? ` Supporting evidence: ${plural(supJudged.length, 'result', 'results')} passed (${byCheckText(supJudged)}); supporting results never decide a control.` : '';
  const attest = control.attest ? ` To attest: ${control.attest}` : '';
  // 5. Manual: a person decides.
  if (control.evidence === 'manual') {
    return { ...base, status: 'manual', reason: `Needs a human attestation: no automated check decides this control.${supText}${attest}`, decisive: supJudged };
  }
  // 6. No deciding result.
  const satJudged = take(satisfies, ['pass', 'waived']);
  if (satJudged.length === 0) {
    const reasons = [...new Set(satisfies.map((e) => notAssessed.get(e)).filter((s): s is string => s !== undefined))];
    const absentOnly = satisfies.length > 0 && satisfies.every((e) => (notAssessed.get(e) ?? '').startsWith('not assessed'));
    if (absentOnly) {
      const text = reasons.map((s) => s.replace(/^not assessed: /, '')).join('; ');
      return { ...base, status: 'insufficient_evidence', reason: `Not assessed: ${text}.${supText}`, decisive: [] };
    }
    if (supJudged.length > 0 || satisfies.length === 0) {
      return { ...base, status: 'manual', reason: `Attestation needed: no check that decides this control produced a result.${supText}${attest}`, decisive: supJudged };
    }
    const which = satisfies.map((e) => `${e.edge.check}: ${notAssessed.get(e) ?? 'no result'}`).join('; ');
    return { ...base, status: 'insufficient_evidence', reason: `No deciding result on any subject in scope (${which}).`, decisive: [] };
  }
  const unassessed = satisfies.filter((e) => notAssessed.has(e)).map((e) => `${e.edge.check} (${notAssessed.get(e) ?? ''})`);
  const rest = unassessed.length > 0 ? ` Other deciding checks: ${unassessed.join('; ')}.` : '';
  const satWaived = take(satisfies, ['waived']).length;
  const passed =
    `${plural(satJudged.length - satWaived, 'result', 'results')} of deciding checks passed` +
    `${satWaived > 0 ? ` and ${plural(satWaived, 'failure was', 'failures were')} waived under approved exceptions` : ''} (${byCheckText(satJudged)}).`;
  // 7. Automated.
  if (control.evidence === 'automated') {
    const lead = satWaived > 0 ? 'Satisfied with exceptions: ' : 'Satisfied: ';
    return { ...base, status: 'satisfied', reason: `${lead}${passed}${rest}${supText}`, decisive: satJudged };
  }
  // 8. Partial: the automated part passed; an attestation must cover the rest.
  return {
    ...base,
    status: 'manual',
    reason: `The automated part passed: ${passed}${rest} The rest needs an attestation.${attest}`,
    decisive: satJudged,
    automatedPassed: true,
  };
}

export function rollUp(catalogs: readonly Catalog[], results: readonly CheckResult[], ctx: RollUpContext = {}): ControlOutcome[] {
  const byCheck = new Map<string, CheckResult[]>();
  // Per-result edges, grouped per control and (check, strength, provenance, rationale).
  const dynamic = new Map<string, Map<string, EdgeResults>>();
  for (const r of results) {
    const list = byCheck.get(r.check) ?? [];
    list.push(r);
    byCheck.set(r.check, list);
    for (const m of r.mappedControls ?? []) {
      const edges = dynamic.get(m.control) ?? new Map<string, EdgeResults>();
      const key = JSON.stringify([r.check, m.strength, m.provenance, m.rationale]);
      const e = edges.get(key) ?? { edge: { check: r.check, strength: m.strength, rationale: m.rationale, source: m.provenance, dynamic: true }, results: [] };
      e.results.push(r);
      edges.set(key, e);
      dynamic.set(m.control, edges);
    }
  }
  const idOf = ctx.resultId ?? defaultResultId;
  const ids = new Map<CheckResult, string>();
  const id = (r: CheckResult): string => {
    let v = ids.get(r);
    if (v === undefined) ids.set(r, (v = idOf(r)));
    return v;
  };

  const outcomes: ControlOutcome[] = [];
  for (const catalog of catalogs) {
    for (const control of catalog.controls) {
      const ref = controlRef(catalog.framework, control.id);
      const edges: EdgeResults[] = [
        ...(control.edges ?? []).map((e) => ({
          edge: { check: e.check, strength: e.strength, rationale: e.rationale, source: e.source, dynamic: false },
          results: byCheck.get(e.check) ?? [],
        })),
        ...(dynamic.get(ref)?.values() ?? []),
      ];
      const d = decide(control, ref, edges, ctx);
      // Catalog edges name distinct checks; only per-result edges can bring a result twice.
      const counts = emptyCounts();
      let total = 0;
      if (edges.some((e) => e.edge.dynamic)) {
        for (const r of new Set(edges.flatMap((e) => e.results))) {
          counts[r.status] += 1;
          total += 1;
        }
      } else {
        for (const e of edges) {
          const c = bucketOf(e.results).counts;
          for (const k of Object.keys(counts) as (keyof ResultCounts)[]) counts[k] += c[k];
          total += e.results.length;
        }
      }
      outcomes.push({
        framework: catalog.framework as FrameworkId,
        id: control.id,
        title: control.title,
        ...(control.requirement ? { requirement: control.requirement } : {}),
        ...(control.family ? { family: control.family } : {}),
        evidence: control.evidence,
        status: d.status,
        checks: [...new Set(edges.map((e) => e.edge.check))],
        edges: edges.map((e) => {
          const why = d.notAssessed.get(e);
          return { ...e.edge, counts: { ...bucketOf(e.results).counts }, ...(why ? { notAssessed: why } : {}) };
        }),
        results: total,
        counts,
        reason: d.reason,
        resultIds: [...new Set(d.decisive.map(id))],
        ...(control.attest ? { manual: control.attest } : {}),
        ...(d.automatedPassed ? { automatedPassed: true } : {}),
        ...(d.missingEvidence ? { missingEvidence: true } : {}),
        ...(d.notApplicable ? { notApplicable: d.notApplicable } : {}),
      });
    }
  }
  return outcomes;
}
