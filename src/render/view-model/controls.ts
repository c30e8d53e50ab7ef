import type { MessageData } from '../../checks/types.ts';
import { type ControlEdgeOutcome, type ControlEvidence, type ControlOutcome, FRAMEWORK_LABELS, type FrameworkId } from '../../controls/types.ts';
import { attestationText } from '../exceptions-view.ts';
import type { ReportedResult } from '../report-input.ts';
import { CHECK_STATUS_DISPLAY, CONTROL_STATUS_DISPLAY } from '../status-display.ts';
import { displayText } from '../text.ts';
import { controlAnchor, resultsAnchor } from './anchors.ts';
import { compareWithinCheck, countBy, formatCell, formatCount, message, mustGet, name } from './format.ts';
import { ATTENTION_LABELS, ATTENTION_PER_CHECK, CHECK_STATUS_ORDER, COUNT_COLUMNS, LIMITS, NEEDS_ATTENTION } from './limits.ts';
import type { LinkContext } from './links.ts';
import type { ResultView } from './results.ts';
import { type FrameworkSummary, frameworkSummary } from './summary.ts';

export interface FrameworkView {
  id: FrameworkId;
  label: string;
  anchor: string;
  number: string;
  showRequirement: boolean;
  summary: FrameworkSummary;
  controls: ControlView[];
  assessed: ControlView[];
  hasAssessed: boolean;
  manual: ControlView[];
  hasManual: boolean;
  // What must be attested, when it is the same for every manual control (then the table leaves
  // that column out); empty otherwise.
  manualShared: string;
  hasManualShared: boolean;
}

export interface ControlView {
  anchor: string;
  id: string;
  title: string;
  family: string;
  hasFamily: boolean;
  requirement: string;
  hasRequirement: boolean;
  status: string;
  statusClass: string;
  reason: string;
  // "Automated", "Partial: checks and an attestation", "Manual".
  evidence: string;
  // A declared not-applicable decision or a proven-absent condition: why, and who approved it.
  notApplicable: string;
  hasNotApplicable: boolean;
  manual: string;
  hasManual: boolean;
  // For a manual control: what a person must attest (the catalog's text, or the reason).
  attest: string;
  // Satisfied with exceptions: "2 waived" next to the status.
  waived: string;
  hasWaived: boolean;
  // A manual control with an attestation in force, and who attested it when.
  attested: boolean;
  attestation: string;
  assessed: boolean;
  counts: string;
  resultCount: string;
  // One summary row per mapped check, each followed by one line naming the results that need attention.
  checkRows: ControlCheckView[];
  hasCheckRows: boolean;
  // Where the vendor's live mapping and a shipped table disagree about this control.
  mappingNotes: string[];
  hasMappingNotes: boolean;
}

export interface CountCellView {
  label: string;
  count: string;
  cssClass: string;
}

export interface ControlCheckView {
  id: string;
  // The mapping edge: "Satisfies" (can decide the control) or "Supports" (never decides it alone),
  // its rationale, its provenance, and why it brought no judged result.
  strength: string;
  strengthClass: string;
  rationale: string;
  provenance: string;
  notAssessed: string;
  hasNotAssessed: boolean;
  // The check's group in "Results by check"; `linked` is false when the check has no group there.
  anchor: string;
  linked: boolean;
  title: string;
  // Pass, fail, error, n/a, waived: the results of this check that count toward the control.
  counts: CountCellView[];
  // Fail, error and waived results, at most ATTENTION_PER_CHECK of them, grouped by status for one
  // compact line: "Failing: payments/ledger :9090, monitoring/prometheus :9090 · Errors: web +4 more".
  attention: AttentionGroupView[];
  hasAttention: boolean;
  // "+4 more": the results that need attention but are not named; linked to the check's group.
  more: string;
  hasMore: boolean;
}

export interface AttentionGroupView {
  // "Failing", "Errors", "Waived".
  label: string;
  cssClass: string;
  items: AttentionItemView[];
}

export interface AttentionItemView {
  // "namespace/name :port", bounded; prefixed with the target when two named results would
  // otherwise read the same.
  text: string;
  // The result's row in "Results by check".
  anchor: string;
  cssClass: string;
  // Tooltip in the HTML report: "Fail · prod-eu · Deployment payments/ledger".
  title: string;
}


const EVIDENCE_DISPLAY: Record<ControlEvidence, string> = {
  automated: 'Automated: checks decide it',
  partial: 'Partial: checks and an attestation',
  manual: 'Manual: a person attests it',
};

export function frameworkView(
  fw: FrameworkId,
  number: string,
  allControls: ControlOutcome[],
  results: ReportedResult[],
  resultViews: Map<ReportedResult, ResultView>,
  links: LinkContext,
  mappingNotes: ReadonlyMap<string, string[]> = new Map(),
): FrameworkView {
  // Catalog order is the authors' presentation order (SOC 2 lists CC before A); keep it.
  const controls = allControls.filter((c) => c.framework === fw);
  const prefix = `${fw}:`;
  const fwResults = results.filter((r) => r.controls.some((c) => c.startsWith(prefix)));
  const byControl = new Map<string, ReportedResult[]>();
  for (const r of fwResults) {
    for (const ref of new Set(r.controls)) {
      if (!ref.startsWith(prefix)) continue;
      const list = byControl.get(ref) ?? [];
      list.push(r);
      byControl.set(ref, list);
    }
  }
  const views = controls.map((c) =>
    controlView(c, byControl.get(`${fw}:${c.id}`) ?? [], resultViews, links, mappingNotes.get(`${fw}:${c.id}`) ?? []),
  );
  const manual = views.filter((v) => !v.assessed);
  const attestTexts = new Set(manual.map((v) => v.attest));
  const manualShared = manual.length > 1 && attestTexts.size === 1 ? (manual[0]?.attest ?? '') : '';
  return {
    id: fw,
    label: FRAMEWORK_LABELS[fw],
    anchor: `fw-${fw}`,
    number,
    showRequirement: fw === 'hipaa',
    summary: frameworkSummary(controls, fwResults, links),
    controls: views,
    assessed: views.filter((v) => v.assessed),
    hasAssessed: views.some((v) => v.assessed),
    manual,
    hasManual: manual.length > 0,
    manualShared,
    hasManualShared: manualShared !== '',
  };
}


export function controlView(
  c: ControlOutcome,
  results: ReportedResult[],
  resultViews: Map<ReportedResult, ResultView>,
  links: LinkContext,
  mappingNotes: readonly string[] = [],
): ControlView {
  // An attested manual control keeps its status (manual) but reads as attested.
  const display = c.status === 'manual' && c.attestation ? { label: 'Attested', cssClass: 'st-attested' } : CONTROL_STATUS_DISPLAY[c.status];
  const assessed = c.edges.length > 0;
  const ref = `${c.framework}:${c.id}`;
  // One row per edge, in catalog order then per-result edges, each with the results that came
  // through it: a catalog edge brings its check's results, a per-result edge the results naming it.
  const rows = c.edges.map((e) => ({
    edge: e,
    results: results.filter((r) =>
      e.dynamic
        ? r.check === e.check && (r.mappedControls ?? []).some((m) => m.control === ref && m.strength === e.strength && m.provenance === e.source && m.rationale === e.rationale)
        : r.check === e.check,
    ),
  }));
  const requirement = c.requirement === undefined ? '' : c.requirement === 'required' ? 'Required' : 'Addressable';
  const checkRows = rows.map(({ edge, results: list }) => controlCheckView(edge, list, resultViews, links));
  return {
    anchor: controlAnchor(c.framework, c.id),
    id: name(c.id),
    title: name(c.title),
    family: name(c.family ?? ''),
    hasFamily: (c.family ?? '') !== '',
    requirement,
    hasRequirement: requirement !== '',
    status: display.label,
    statusClass: display.cssClass,
    reason: message(c.reason),
    evidence: EVIDENCE_DISPLAY[c.evidence],
    notApplicable: c.notApplicable
      ? message(c.notApplicable.kind === 'declared' ? `Declared by ${c.notApplicable.approver}: ${c.notApplicable.justification}` : `Condition ${c.notApplicable.approver} proven absent: ${c.notApplicable.justification}`)
      : '',
    hasNotApplicable: c.notApplicable !== undefined,
    manual: displayText(c.manual ?? '', LIMITS.catalogText),
    hasManual: (c.manual ?? '') !== '',
    attest: (c.manual ?? '') !== '' ? displayText(c.manual, LIMITS.catalogText) : message(c.reason),
    waived: c.counts.waived > 0 ? `${formatCount(c.counts.waived)} waived` : '',
    hasWaived: c.counts.waived > 0,
    attested: c.attestation !== undefined,
    attestation: attestationText(c),
    assessed,
    counts: CHECK_STATUS_ORDER.filter((s) => c.counts[s] > 0)
      .map((s) => `${formatCount(c.counts[s])} ${CHECK_STATUS_DISPLAY[s].label.toLowerCase()}`)
      .join(' · '),
    resultCount: formatCount(results.length),
    checkRows,
    hasCheckRows: checkRows.length > 0,
    mappingNotes: [...mappingNotes],
    hasMappingNotes: mappingNotes.length > 0,
  };
}

export function controlCheckView(
  edge: ControlEdgeOutcome,
  results: ReportedResult[],
  resultViews: Map<ReportedResult, ResultView>,
  links: LinkContext,
): ControlCheckView {
  const id = edge.check;
  const meta = links.checkMeta.get(id);
  const byStatus = countBy(results, (r) => r.status);
  const attention = results.filter((r) => NEEDS_ATTENTION.has(r.status)).sort(compareWithinCheck);
  const shown = attention.slice(0, ATTENTION_PER_CHECK);
  const more = attention.length - shown.length;
  const groups = attentionGroups(shown, resultViews);
  return {
    id: name(id),
    strength: edge.strength === 'satisfies' ? 'Satisfies' : 'Supports',
    strengthClass: edge.strength === 'satisfies' ? 'edge-satisfies' : 'edge-supports',
    rationale: displayText(edge.rationale, LIMITS.catalogText),
    provenance: name(edge.source),
    notAssessed: name(edge.notAssessed ?? ''),
    hasNotAssessed: edge.notAssessed !== undefined,
    anchor: resultsAnchor(id),
    linked: links.groups.has(id),
    title: meta === undefined ? '' : name(meta.title),
    counts: COUNT_COLUMNS.map((s) => {
      const n = byStatus.get(s) ?? 0;
      return {
        label: CHECK_STATUS_DISPLAY[s].label,
        count: formatCell(n),
        cssClass: n === 0 ? 'zero' : `status-text ${CHECK_STATUS_DISPLAY[s].cssClass}`,
      };
    }),
    attention: groups,
    hasAttention: groups.length > 0,
    more: more > 0 ? `+${formatCount(more)} more` : '',
    hasMore: more > 0,
  };
}

// The named results of one check row, in the given order, grouped by status. Each names its
// resource ("namespace/name :port"); where two would read the same, the target is put in front.
export function attentionGroups(shown: ReportedResult[], resultViews: Map<ReportedResult, ResultView>): AttentionGroupView[] {
  const texts = shown.map(resourceText);
  const seen = countBy(texts, (t) => t);
  const groups: AttentionGroupView[] = [];
  shown.forEach((r, i) => {
    const display = CHECK_STATUS_DISPLAY[r.status];
    const base = texts[i] ?? '';
    const text = (seen.get(base) ?? 0) > 1 ? `${displayText(r.target, LIMITS.attentionTarget)}: ${base}` : base;
    const view = mustGet(resultViews, r);
    const item: AttentionItemView = {
      text,
      anchor: view.anchor,
      cssClass: display.cssClass,
      title: `${display.label} · ${view.target} · ${view.kind} ${view.hasNamespace ? `${view.namespace}/` : ''}${view.name}`,
    };
    const last = groups[groups.length - 1];
    if (last !== undefined && last.cssClass === display.cssClass) last.items.push(item);
    else groups.push({ label: ATTENTION_LABELS[r.status] ?? display.label, cssClass: display.cssClass, items: [item] });
  });
  return groups;
}

// "payments/ledger :9090", "monitoring" (a namespace), "payments-batch/settlement" (every port: no
// port shown). Each part bounded, so the line stays bounded whatever the input.
export function resourceText(r: ReportedResult): string {
  const ns = r.resource.namespace ?? '';
  const where = `${ns === '' ? '' : `${displayText(ns, LIMITS.attentionNamespace)}/`}${displayText(r.resource.name, LIMITS.attentionName)}`;
  const port = portText(r.data);
  return port === '' ? where : `${where} :${port}`;
}

// The port a result is about, when the check recorded one (data.port); "*" (every port) and empty
// values are left out.
export function portText(data: MessageData | undefined): string {
  const port = data === undefined || !Object.hasOwn(data, 'port') ? undefined : data['port'];
  if (typeof port === 'number') return Number.isFinite(port) ? String(port) : '';
  if (typeof port !== 'string') return '';
  const text = displayText(port.trim(), LIMITS.attentionPort);
  return text === '*' ? '' : text;
}
