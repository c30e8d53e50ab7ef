import { createHash } from 'node:crypto';
import { SEVERITIES, type Severity } from '../../checks/types.ts';
import { waiverText } from '../exceptions-view.ts';
import type { ReportInput, ReportedResult } from '../report-input.ts';
import { CHECK_STATUS_DISPLAY } from '../status-display.ts';
import { displayText } from '../text.ts';
import { checkAnchor, encodeId, gapAnchor, resultsAnchor, resultsTableAnchor } from './anchors.ts';
import { resultControlsText } from './controls-text.ts';
import { type CountCellView, portText } from './controls.ts';
import { compareText, compareWithinCheck, countBy, formatCell, formatCount, message, mustGet, name, plural, severityRank } from './format.ts';
import { CHECK_STATUS_ORDER, COUNT_COLUMNS, LIMITS, NA_FOLD_SUBJECTS, NEEDS_ATTENTION, SEVERITY_LABELS, SUMMARY_RESULTS_PER_CHECK, WORKLOAD_LIMITS } from './limits.ts';
import { type LinkContext, type LinkView, evidenceLink } from './links.ts';

// What a check's results section and its large-run summary both open with (checkHeading).
export interface CheckHeadingView {
  id: string;
  // The same anchor for a small run's group and a large run's summary: "the check's results" links land here.
  anchor: string;
  checkAnchor: string;
  found: boolean;
  title: string;
  severity: string;
  severityClass: string;
  total: string;
}

export interface ResultGroupView extends CheckHeadingView {
  counts: string;
  results: ResultView[];
  // The controls every result of the check counts toward, once for the group (then no row repeats
  // them); empty when they differ between results, and each row names its own.
  controls: string;
  hasControls: boolean;
  // The check's part of the results table (large runs).
  tableAnchor: string;
}

export interface ResultSummaryView extends CheckHeadingView {
  // Pass, fail, error, n/a, waived.
  counts: CountCellView[];
  // "2 critical · 40 high", when the results of the check do not all share one severity.
  severities: string;
  hasSeverities: boolean;
  // The most severe results that need attention (fail, error, waived), at most SUMMARY_RESULTS_PER_CHECK.
  top: ResultView[];
  hasTop: boolean;
  // "+12 more that need attention", counted.
  more: string;
  hasMore: boolean;
  tableAnchor: string;
  hasResults: boolean;
}


export interface ResultView {
  // The row's own anchor in "Results by check", stable for the same result across runs.
  anchor: string;
  check: string;
  checkAnchor: string;
  checkFound: boolean;
  status: string;
  statusClass: string;
  severity: string;
  severityClass: string;
  target: string;
  kind: string;
  namespace: string;
  hasNamespace: boolean;
  name: string;
  message: string;
  // The message cut to one line of the compact results table.
  brief: string;
  warning: string;
  hasWarning: boolean;
  // Waived results: the exception that waived the failure ("EX-1 · ticket SEC-1 · approved by … · expires …").
  exception: string;
  hasException: boolean;
  evidence: LinkView[];
  hasEvidence: boolean;
  gaps: LinkView[];
  hasGaps: boolean;
  // Compact and bounded: "SOC2 CC6.1, CC6.6 · HIPAA 164.312(e)(1) · PCI 4.2.1".
  controls: string;
  hasControls: boolean;
}


// Checks in registry order (the order of input.checks), then any check that has results but no
// metadata, by id.
export function registryOrder(input: ReportInput, results: ReportedResult[]): string[] {
  const order = [...new Set(input.checks.map((c) => c.id))];
  const known = new Set(order);
  const extra = [...new Set(results.map((r) => r.check))].filter((id) => !known.has(id)).sort(compareText);
  return [...order, ...extra];
}

// A stable anchor per result: the check id and a digest of what the result is about (target,
// resource, message id, port), so a link to a finding survives a re-run that still reports it.
// Results about the same thing get -2, -3 … in their listing order.
export function resultAnchors(results: ReportedResult[]): Map<ReportedResult, string> {
  const anchors = new Map<ReportedResult, string>();
  const used = new Set<string>();
  const ordered = [...results].sort((a, b) => compareText(a.check, b.check) || compareWithinCheck(a, b));
  for (const r of ordered) {
    const subject = JSON.stringify([r.check, r.target, r.resource.kind, r.resource.namespace ?? '', r.resource.name, r.messageId, portText(r.data)]);
    // Registry ids are short; an odd, long one is left to the digest (which covers it).
    const prefix = r.check.length <= 64 ? `${encodeId(r.check)}-` : '';
    const base = `r-${prefix}${createHash('sha256').update(subject).digest('hex').slice(0, 10)}`;
    let anchor = base;
    for (let n = 2; used.has(anchor); n += 1) anchor = `${base}-${n}`;
    used.add(anchor);
    anchors.set(r, anchor);
  }
  return anchors;
}

function checkHeading(id: string, list: readonly ReportedResult[], links: LinkContext): CheckHeadingView {
  const meta = links.checkMeta.get(id);
  const severity = meta?.severity ?? list.reduce<Severity>((w, r) => (severityRank(r.severity) < severityRank(w) ? r.severity : w), 'info');
  return {
    id: name(id),
    anchor: resultsAnchor(id),
    checkAnchor: checkAnchor(id),
    found: meta !== undefined,
    title: meta === undefined ? '' : name(meta.title),
    severity: SEVERITY_LABELS[severity],
    severityClass: `sev-${severity}`,
    total: plural(list.length, 'result', 'results'),
  };
}

export function resultGroupViews(
  checkOrder: string[],
  results: ReportedResult[],
  resultViews: Map<ReportedResult, ResultView>,
  links: LinkContext,
): ResultGroupView[] {
  const byCheck = new Map<string, ReportedResult[]>(checkOrder.map((id) => [id, []]));
  for (const r of results) byCheck.get(r.check)?.push(r);
  return checkOrder.map((id) => {
    const list = [...(byCheck.get(id) ?? [])].sort(compareWithinCheck);
    const byStatus = countBy(list, (r) => r.status);
    const rows = foldNotApplicable(list, resultViews, links);
    const shared = new Set(rows.map((r) => r.controls));
    const controls = shared.size === 1 ? (rows[0]?.controls ?? '') : '';
    return {
      ...checkHeading(id, list, links),
      counts: CHECK_STATUS_ORDER.filter((s) => (byStatus.get(s) ?? 0) > 0)
        .map((s) => `${formatCount(byStatus.get(s) ?? 0)} ${CHECK_STATUS_DISPLAY[s].label.toLowerCase()}`)
        .join(' · '),
      results: controls === '' ? rows : rows.map((r) => ({ ...r, hasControls: false })),
      controls,
      hasControls: controls !== '',
      tableAnchor: resultsTableAnchor(id),
    };
  });
}

// Large runs: one summary per check — counts by status and by severity, and the most severe results
// that need attention, each linked to its row in the results table.
export function resultSummaryViews(
  checkOrder: string[],
  results: ReportedResult[],
  resultViews: Map<ReportedResult, ResultView>,
  links: LinkContext,
): ResultSummaryView[] {
  const byCheck = new Map<string, ReportedResult[]>(checkOrder.map((id) => [id, []]));
  for (const r of results) byCheck.get(r.check)?.push(r);
  return checkOrder.map((id) => {
    const list = byCheck.get(id) ?? [];
    const byStatus = countBy(list, (r) => r.status);
    const bySeverity = countBy(list, (r) => r.severity);
    const attention = list
      .filter((r) => NEEDS_ATTENTION.has(r.status))
      .sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || compareWithinCheck(a, b));
    const top = attention.slice(0, SUMMARY_RESULTS_PER_CHECK).map((r) => mustGet(resultViews, r));
    const more = attention.length - top.length;
    const severities =
      bySeverity.size > 1
        ? SEVERITIES.filter((s) => (bySeverity.get(s) ?? 0) > 0)
            .map((s) => `${formatCount(bySeverity.get(s) ?? 0)} ${SEVERITY_LABELS[s].toLowerCase()}`)
            .join(' · ')
        : '';
    return {
      ...checkHeading(id, list, links),
      counts: COUNT_COLUMNS.map((s) => {
        const n = byStatus.get(s) ?? 0;
        return { label: CHECK_STATUS_DISPLAY[s].label, count: formatCell(n), cssClass: n === 0 ? 'zero' : `status-text ${CHECK_STATUS_DISPLAY[s].cssClass}` };
      }),
      severities,
      hasSeverities: severities !== '',
      top,
      hasTop: top.length > 0,
      more: more > 0 ? `+${plural(more, 'more result needs', 'more results need')} attention` : '',
      hasMore: more > 0,
      tableAnchor: resultsTableAnchor(id),
      hasResults: list.length > 0,
    };
  });
}

// Not-applicable results of one check with the same reason (every namespace of a target where the
// area is absent, or every target without Linkerd, say) become one row that states how many it
// stands for and names the first few; every other result keeps its own row. findings.json and
// findings.csv list each result.
export function foldNotApplicable(list: readonly ReportedResult[], resultViews: Map<ReportedResult, ResultView>, links: LinkContext): ResultView[] {
  const groups = new Map<string, ReportedResult[]>();
  for (const r of list) {
    if (r.status !== 'not_applicable') continue;
    const key = r.messageId;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const out: ResultView[] = [];
  for (const r of list) {
    const group = r.status === 'not_applicable' ? groups.get(r.messageId) : undefined;
    if (!group || group.length === 1) {
      out.push(mustGet(resultViews, r));
      continue;
    }
    if (group[0] !== r) continue;
    const first = mustGet(resultViews, r);
    const targets = [...new Set(group.map((x) => x.target))];
    const subjects = group.map((x) => {
      const where = x.resource.namespace ? `${x.resource.namespace}/${x.resource.name}` : x.resource.name;
      // Across targets each subject names its target (once, when the subject is the target itself).
      if (targets.length === 1 || (!x.resource.namespace && x.resource.name === x.target)) return where;
      return `${x.target}: ${where}`;
    });
    const shown = subjects.slice(0, NA_FOLD_SUBJECTS).join(', ');
    const more = subjects.length > NA_FOLD_SUBJECTS ? ` and ${formatCount(subjects.length - NA_FOLD_SUBJECTS)} more` : '';
    out.push({
      ...first,
      target: targets.length === 1 ? first.target : plural(targets.length, 'target', 'targets'),
      kind: name(`${formatCount(group.length)} ${[...new Set(group.map((x) => x.resource.kind))].sort(compareText).join('/')}`),
      namespace: '',
      hasNamespace: false,
      name: '',
      message: message(`${plural(group.length, 'result', 'results')} folded into this line: ${r.message} (${shown}${more})`),
      brief: displayText(`${plural(group.length, 'result', 'results')} folded into this line: ${r.message} (${shown}${more})`, LIMITS.briefMessage),
      evidence: [...new Set(group.flatMap((x) => x.evidence))].sort(compareText).slice(0, WORKLOAD_LIMITS.evidence).map((id) => evidenceLink(id, links)),
      hasEvidence: group.some((x) => x.evidence.length > 0),
    });
  }
  return out;
}

export function resultView(r: ReportedResult, anchor: string, links: LinkContext): ResultView {
  const status = CHECK_STATUS_DISPLAY[r.status];
  const controls = resultControlsText(r.controls, links);
  return {
    anchor,
    check: name(r.check),
    checkAnchor: checkAnchor(r.check),
    checkFound: links.checkMeta.has(r.check),
    status: status.label,
    statusClass: status.cssClass,
    severity: SEVERITY_LABELS[r.severity],
    severityClass: `sev-${r.severity}`,
    target: name(r.target),
    kind: name(r.resource.kind),
    namespace: name(r.resource.namespace ?? ''),
    hasNamespace: (r.resource.namespace ?? '') !== '',
    name: name(r.resource.name),
    message: message(r.message),
    brief: displayText(r.message, LIMITS.briefMessage),
    warning: message(r.warning ?? ''),
    hasWarning: (r.warning ?? '') !== '',
    exception: r.exception ? waiverText(r.exception) : '',
    hasException: r.exception !== undefined,
    evidence: [...new Set(r.evidence)].sort(compareText).map((id) => evidenceLink(id, links)),
    hasEvidence: r.evidence.length > 0,
    gaps: [...new Set(r.gaps ?? [])].sort(compareText).map((id) => ({
      id: name(id),
      anchor: gapAnchor(id),
      found: links.gapIds.has(id),
      inIndex: false,
    })),
    hasGaps: (r.gaps ?? []).length > 0,
    controls,
    hasControls: controls !== '',
  };
}
