import { createHash } from 'node:crypto';
import { CHECK_STATUSES, SEVERITIES, type CheckMeta, type CheckStatus, type MessageData, type Severity } from '../checks/types.ts';
import {
  CONTROL_STATUSES,
  FRAMEWORKS,
  type ControlOutcome,
  type ControlStatus,
  type FrameworkId,
} from '../controls/types.ts';
import type { EvidenceRecord } from '../evidence/types.ts';
import type { EvidenceGap } from '../inventory/types.ts';
import { coveragePercent, type CoverageRow, type ProxyState, type WorkloadMesh, type WorkloadRow } from '../inventory/workload-view.ts';
import type { ReportInput, ReportedResult } from './report-input.ts';
import { displayText, truncate } from './text.ts';
import { EXCEPTIONS_ANCHOR, attestationText, exceptionsSection, waiverText, type ExceptionsSectionView } from './exceptions-view.ts';
import { CHANGES_ANCHOR, changesSection, type ChangesView } from './changes-view.ts';
import { FRAMEWORK_LABELS } from '../controls/types.ts';
import { isClusterTarget, scopeSection, type ScopeSectionView } from './scope-view.ts';
import { evidenceGapCount } from '../scope/evidence-gaps.ts';
import { CHECK_STATUS_DISPLAY, CONTROL_STATUS_DISPLAY } from './status-display.ts';

export const REPORT_TITLE = 'auditpack compliance evidence report';

export const EPHEMERAL_NOTICE = 'signed with a one-time key: the signature proves integrity only, not origin';

// Display bounds for input strings. Full values stay in the raw evidence and findings.json.
export const LIMITS = {
  name: 200,
  message: 400,
  command: 1_000,
  catalogText: 1_000,
  // One line of the compact results table (large runs): about what fits its message column.
  briefMessage: 110,
  // Transcripts in the evidence appendix: the first lines after the header (which repeats the
  // record's fields, shown above it) only; the full text is in evidence/cli/.
  transcript: 1_500,
  transcriptLines: 30,
  // The controls one result counts toward, in the compact "SOC2 CC6.1 +2 · HIPAA …" form: about one
  // line of the message column. The check catalogue lists every control a check maps to.
  resultControls: 60,
  // One resource in the compact "Failing: payments/ledger :9090, …" line under a control.
  attentionNamespace: 63,
  attentionName: 80,
  attentionPort: 20,
  attentionTarget: 40,
} as const;

// Transcripts arrive bounded by the evidence store (4,000 characters); this only caps the work of
// cleaning them before the display cut.
const TRANSCRIPT_INPUT = 4_000;

const COVER_LIMITS = { id: 80, operator: 80, command: 200, targetName: 40, targetsText: 80, checkTitle: 160 } as const;

// Under a control, each mapped check names at most this many results that need attention (fail,
// error, waived) on one line, each linked to its row; the rest ("+N more"), and every passing
// result, are in "Results by check".
export const ATTENTION_PER_CHECK = 6;
// Subjects named in a folded not-applicable row (the rest are counted).
export const NA_FOLD_SUBJECTS = 5;
// Above this many results the run is "large". "Results by check" prints about 14 result rows per A4
// page, so 500 results already take some 35 pages, as many as the rest of the report together; past
// that, section 5 keeps a summary per check (counts by status and severity, the most severe results)
// and every result moves to the compact results table at the end (about 55 rows a page).
export const LARGE_RUN_RESULTS = 500;
// Large runs: the most severe results that need attention, named per check in the summary.
export const SUMMARY_RESULTS_PER_CHECK = 10;
// Evidence appendix: at most this many records in full (with the start of their transcripts), the
// ones failing, errored and waived results rely on, most severe first; about three fit on a page.
export const EVIDENCE_DETAILED_MAX = 50;
// Then at most this many other records, one line each (about 20 pages); the rest are counted, and
// evidence/index.jsonl in the bundle lists every record.
export const EVIDENCE_LISTED_MAX = 1_000;
// Where the complete evidence is, named in the appendix.
export const EVIDENCE_INDEX_FILE = 'evidence/index.jsonl';
// Page 1 holds the cover and all three framework summaries; three failing checks each is what fits.
const TOP_FAILING_CHECKS = 3;

// The file (next to findings.csv) that lists every workload with all its fields.
export const WORKLOADS_CSV_FILE = 'workloads.csv';
// Above this many workloads in scope the estate is "large": section 3 keeps the coverage tables
// but lists only the first LARGE_ESTATE_SHOWN workloads that are not fully protected.
export const LARGE_ESTATE_WORKLOADS = 2_000;
export const LARGE_ESTATE_SHOWN = 200;
// Mesh coverage lines in the executive summary, one per target: what page 1 has room for with the
// longest cover values (with more targets, the last line counts the rest).
export const SUMMARY_COVERAGE_TARGETS = 4;

// Display bounds of the per-workload table. Full values are in workloads.csv.
export const WORKLOAD_LIMITS = {
  // One caller, and all callers of a row together (then "+N more").
  caller: 160,
  callers: 300,
  // One note, and the notes of a row together (then "+N more notes").
  note: 200,
  notes: 400,
  // One port's mTLS wording, and the ports shown per row.
  mtls: 120,
  ports: 8,
  // Each half of the inbound default (the mesh's and the NetworkPolicy's).
  inbound: 240,
  evidence: 12,
} as const;

// The typed, display-ready model the templates render. Every string is sanitized and bounded;
// every anchor and CSS class is generated here, never taken from input.
export interface ReportView extends ScopeSectionView {
  title: string;
  run: RunView;
  totals: TotalsView;
  targets: TargetView[];
  collected: CollectedView[];
  // Executive summary: one line per target with its mesh coverage.
  meshCoverage: MeshCoverageSummaryView;
  // Section "Workloads and mesh coverage".
  workloads: WorkloadsView;
  frameworks: FrameworkView[];
  // Subsection of Controls: applied, expired and stale exceptions, and the attestations.
  exceptions: ExceptionsSectionView;
  // "Changes since last run" (present only with an evidence history), numbered under the summary.
  changes: ChangesView;
  toc: TocEntry[];
  sections: SectionNumbers;
  checks: CheckCatalogueView[];
  gaps: GapView[];
  hasGaps: boolean;
  gapsSentence: string;
  ignored: IgnoredView[];
  hasIgnored: boolean;
  large: boolean;
  largeRunNote: string;
  controlsIntro: string;
  resultsIntro: string;
  // Every result exactly once, grouped by check in registry order: in "Results by check" for a small
  // run, in the results table (the last section) for a large one.
  resultGroups: ResultGroupView[];
  // Large runs: "Results by check" is one summary per check.
  resultSummaries: ResultSummaryView[];
  resultsTableIntro: string;
  // Evidence records shown in full (with their transcripts).
  evidence: EvidenceView[];
  hasEvidence: boolean;
  // The other records, one line each, at most EVIDENCE_LISTED_MAX.
  evidenceTable: EvidenceRowView[];
  hasEvidenceTable: boolean;
  // How many records the run has, how many are shown in full, listed and not listed.
  evidenceIntro: string;
  evidenceDetailNote: string;
  evidenceTableNote: string;
  evidenceUnlisted: string;
  hasEvidenceUnlisted: boolean;
}

export interface RunView {
  id: string;
  generatedAt: string;
  startedAt: string;
  duration: string;
  tool: string;
  operator: string;
  command: string;
  // Shorter bounds on the cover so the executive summary always fits on page 1; the full values
  // are in the scope section.
  coverId: string;
  coverOperator: string;
  coverCommand: string;
  targets: string;
  frameworks: string;
  signing: {
    algorithm: string;
    keyFingerprint: string;
    ephemeral: boolean;
    notice: string;
  };
}

export interface TotalsView {
  // "2 targets", "1 evidence gap": counts with their noun in the right number, for the summary strip.
  items: { count: string; label: string }[];
  results: string;
  evidence: string;
  redactions: string;
  resultsByStatus: StatusCountView[];
}

export interface StatusCountView {
  label: string;
  cssClass: string;
  count: string;
  pct: string;
}

export interface TargetView {
  name: string;
  namespaceList: NamespaceView[];
  hasNamespaceList: boolean;
  source: string;
  location: string;
  objects: string;
  namespaces: string;
  workloads: string;
  istio: string;
  rootNamespace: string;
}

export interface NamespaceView {
  name: string;
  inScope: string;
  inScopeClass: string;
  workloads: string;
  labels: string[];
  moreLabels: string;
  annotations: string[];
  moreAnnotations: string;
}

export interface CollectedView {
  target: string;
  records: string;
  sources: string;
  kinds: { kind: string; count: string }[];
}

export interface MeshCoverageLineView {
  target: string;
  // "3 of 6 workloads meshed (50.0%)", or "no workloads in scope".
  text: string;
  cssClass: string;
  bar: string;
  hasBar: boolean;
}

export interface MeshCoverageSummaryView {
  lines: MeshCoverageLineView[];
  hasLines: boolean;
  // "and 4 more targets (section 3)".
  more: string;
  hasMore: boolean;
}

export interface CoverageCellView {
  workloads: string;
  meshed: string;
  unmeshed: string;
  // "50.0%", rounded down to one decimal.
  percent: string;
  // Width of the inline bar, 0–100.
  bar: string;
  cssClass: string;
}

export interface CoverageNamespaceView extends CoverageCellView {
  namespace: string;
}

export interface CoverageTargetView extends CoverageCellView {
  target: string;
  // The target's workload table below.
  anchor: string;
  hasWorkloads: boolean;
  namespaces: CoverageNamespaceView[];
}

export interface PortMtlsView {
  // "8080 STRICT", "all ports PERMISSIVE".
  text: string;
  // mtls-ok (mutual TLS required), mtls-weak (plaintext accepted) or mtls-unknown.
  cssClass: string;
  // Short enough to keep on one line ("8443 STRICT"); longer wording wraps.
  short: boolean;
}

export interface WorkloadRowView {
  namespace: string;
  kind: string;
  name: string;
  mesh: string;
  meshClass: string;
  proxy: string;
  proxyClass: string;
  proxyTitle: string;
  ports: PortMtlsView[];
  morePorts: string;
  hasMorePorts: boolean;
  // The mesh's inbound default, and the NetworkPolicy part on its own line when there is one.
  inbound: string;
  inboundNetpol: string;
  hasInboundNetpol: boolean;
  // Callers joined with " · ", bounded, with "+N more".
  callers: string;
  notes: string;
  hasNotes: boolean;
  evidence: LinkView[];
  hasEvidence: boolean;
  moreEvidence: string;
  hasMoreEvidence: boolean;
  // Meshed, with a proxy, and every port requires mutual TLS.
  fullyProtected: boolean;
}

export interface WorkloadTableView {
  target: string;
  anchor: string;
  // "4 workloads in scope, 3 meshed (75.0%) · 2 in namespaces not judged (not listed)".
  counts: string;
  rows: WorkloadRowView[];
  hasRows: boolean;
  emptyText: string;
}

export interface WorkloadsView {
  intro: string;
  coverage: CoverageTargetView[];
  hasCoverage: boolean;
  tables: WorkloadTableView[];
  hasTables: boolean;
  // Workloads in namespaces that are not judged: counted, not listed.
  outOfScopeNote: string;
  hasOutOfScope: boolean;
  large: boolean;
  largeNote: string;
  csvFile: string;
}

export interface TocEntry {
  number: string;
  title: string;
  anchor: string;
  children: TocEntry[];
  hasChildren: boolean;
}

export interface SectionNumbers {
  summary: string;
  scope: string;
  workloads: string;
  controls: string;
  results: string;
  checks: string;
  gaps: string;
  evidence: string;
  // The results table of a large run (after the evidence appendix); empty for a small run.
  resultsTable: string;
  // Where every result is listed with its own row: the results section or the results table.
  listing: string;
}

export interface DonutSegment {
  cssClass: string;
  dash: string;
  offset: string;
}

export interface MatrixRow {
  label: string;
  cssClass: string;
  cells: string[];
  total: string;
}

export interface TopFailingCheck {
  id: string;
  anchor: string;
  found: boolean;
  title: string;
  severity: string;
  severityClass: string;
  failures: string;
}

export interface FrameworkSummary {
  headline: string;
  satisfiedPct: string;
  total: string;
  statuses: StatusCountView[];
  donut: DonutSegment[];
  severities: string[];
  matrix: MatrixRow[];
  matrixTotals: string[];
  matrixTotal: string;
  hasResults: boolean;
  topFailing: TopFailingCheck[];
  hasTopFailing: boolean;
  moreFailing: string;
  hasMoreFailing: boolean;
}

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
}

export interface CountCellView {
  label: string;
  count: string;
  cssClass: string;
}

export interface ControlCheckView {
  id: string;
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

export interface ResultGroupView {
  id: string;
  anchor: string;
  checkAnchor: string;
  found: boolean;
  title: string;
  severity: string;
  severityClass: string;
  total: string;
  counts: string;
  results: ResultView[];
  // The controls every result of the check counts toward, once for the group (then no row repeats
  // them); empty when they differ between results, and each row names its own.
  controls: string;
  hasControls: boolean;
  // The check's part of the results table (large runs).
  tableAnchor: string;
}

export interface ResultSummaryView {
  id: string;
  // Same anchor as the check's group in a small run: links to "the check's results" land here.
  anchor: string;
  checkAnchor: string;
  found: boolean;
  title: string;
  severity: string;
  severityClass: string;
  total: string;
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

export interface LinkView {
  id: string;
  // True when the target is in this report (the link is followed).
  anchor: string;
  found: boolean;
  // An evidence record that is in evidence/index.jsonl but not listed in this report.
  inIndex: boolean;
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

export interface CheckCatalogueView {
  id: string;
  anchor: string;
  title: string;
  severity: string;
  severityClass: string;
  area: string;
  proves: string;
  rationale: string;
  remediation: string;
  controls: string;
  hasControls: boolean;
  results: string;
  resultsAnchor: string;
}

export interface GapView {
  id: string;
  anchor: string;
  target: string;
  reason: string;
  kinds: string;
  namespace: string;
  message: string;
  location: string;
}

export interface IgnoredView {
  target: string;
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  reason: string;
  evidence: LinkView;
  hasEvidence: boolean;
}

export interface EvidenceView {
  id: string;
  anchor: string;
  target: string;
  kind: string;
  apiVersion: string;
  namespace: string;
  hasNamespace: boolean;
  name: string;
  source: string;
  collectedAt: string;
  sha256: string;
  showSha: boolean;
  rawPath: string;
  hasRawLink: boolean;
  cli: string;
  cliPath: string;
  hasCliLink: boolean;
  transcript: string;
  hasTranscript: boolean;
  transcriptCut: boolean;
  transcriptNote: string;
  redactions: string;
  hasRedactions: boolean;
  usedBy: string;
}

// One line of the evidence appendix's table.
export interface EvidenceRowView {
  id: string;
  anchor: string;
  target: string;
  resource: string;
  source: string;
  rawPath: string;
  hasRawLink: boolean;
  cliPath: string;
  hasCliLink: boolean;
  usedBy: string;
}

// Prefixes in the compact list of controls a result counts toward.
const FRAMEWORK_SHORT: Record<FrameworkId, string> = {
  soc2: 'SOC2',
  hipaa: 'HIPAA',
  'pci-dss-4': 'PCI',
};

// Order in which results are listed and counted: what needs attention first.
const CHECK_STATUS_ORDER: readonly CheckStatus[] = ['fail', 'error', 'waived', 'pass', 'not_applicable'];

// Results named under a control; passing and not-applicable results are only counted there.
const NEEDS_ATTENTION: ReadonlySet<CheckStatus> = new Set<CheckStatus>(['fail', 'error', 'waived']);

// Lead-in of each status's part of the compact line under a control.
const ATTENTION_LABELS: Partial<Record<CheckStatus, string>> = {
  fail: 'Failing',
  error: 'Errors',
  waived: 'Waived',
};

// Column order of the per-check counts under a control (templates/partials/control.hbs heads).
const COUNT_COLUMNS: readonly CheckStatus[] = ['pass', 'fail', 'error', 'not_applicable', 'waived'];

const SEVERITY_LABELS: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

// Column heads of the summary's status × severity table, short enough for a third of a page.
const SEVERITY_SHORT: Record<Severity, string> = {
  critical: 'Crit.',
  high: 'High',
  medium: 'Med.',
  low: 'Low',
  info: 'Info',
};

const GAP_REASON_LABELS: Record<EvidenceGap['reason'], string> = {
  'parse-error': 'Parse error',
  'schema-invalid': 'Schema invalid',
  'access-denied': 'Access denied',
  'api-error': 'API error',
  'not-found': 'Not found',
  'too-large': 'Too large',
};

const EVIDENCE_ID = /^ev-[0-9a-f]{16}$/;
const SHA256 = /^[0-9a-f]{64}$/;

export function buildViewModel(input: ReportInput): ReportView {
  const checkMeta = new Map<string, CheckMeta>(input.checks.map((c) => [c.id, c]));
  const evidenceIds = new Set(input.evidence.map((e) => e.id));
  const gapIds = new Set(input.gaps.map((g) => g.id));
  const results = [...input.results].sort(compareResults);
  const large = results.length > LARGE_RUN_RESULTS;
  const checkOrder = registryOrder(input, results);
  const controlOrder = new Map(input.controls.map((c, i) => [`${c.framework}:${c.id}`, i]));
  const selection = selectEvidence(input, results);
  const links: LinkContext = {
    checkMeta,
    evidenceIds,
    evidenceShown: selection.shown,
    gapIds,
    groups: new Set(checkOrder),
    controlOrder,
    controlsTextCache: new Map(),
  };
  const anchors = resultAnchors(results);
  const resultViews = new Map<ReportedResult, ResultView>(results.map((r) => [r, resultView(r, mustGet(anchors, r), links)]));

  const frameworkIds = selectedFrameworks(input);
  const sections = sectionNumbers(large);
  const frameworks = frameworkIds.map((fw, i) =>
    frameworkView(fw, `${sections.controls}.${i + 1}`, input.controls, results, resultViews, links),
  );
  const resultGroups = resultGroupViews(checkOrder, results, resultViews, links);
  const resultSummaries = large ? resultSummaryViews(checkOrder, results, resultViews, links) : [];

  return {
    title: REPORT_TITLE,
    run: runView(input),
    totals: totalsView(input, results),
    targets: [...input.targets].filter(isClusterTarget).sort((a, b) => compareText(a.name, b.name)).map(targetView),
    ...scopeSection(input),
    collected: collectedViews(input),
    meshCoverage: meshCoverageSummary(input, sections),
    workloads: workloadsView(input, links),
    frameworks,
    exceptions: exceptionsSection(input, `${sections.controls}.${frameworks.length + 1}`, { check: checkAnchor, control: controlAnchor }),
    changes: changesSection(input, `${sections.summary}.1`, { check: checkAnchor, control: controlAnchor }),
    toc: withChangesEntry(tocEntries(sections, frameworks, large), input.history !== undefined, `${sections.summary}.1`),
    sections,
    checks: catalogueViews(input, results, links),
    gaps: [...input.gaps].sort(compareGaps).map(gapView),
    hasGaps: input.gaps.length > 0,
    gapsSentence:
      input.gaps.length === 1
        ? '1 input that should have been read could not be.'
        : `${formatCount(input.gaps.length)} inputs that should have been read could not be.`,
    ignored: [...input.ignored].sort(compareIgnored).map((o) => ({
      target: name(o.target),
      kind: name(o.kind),
      apiVersion: name(o.apiVersion),
      namespace: name(o.namespace ?? ''),
      name: name(o.name),
      reason: message(o.reason),
      evidence: evidenceLink(o.evidenceId, links),
      hasEvidence: o.evidenceId !== '',
    })),
    hasIgnored: input.ignored.length > 0,
    large,
    largeRunNote: large
      ? `This is a large run (${plural(results.length, 'result', 'results')}, more than ${formatCount(LARGE_RUN_RESULTS)}): this section summarises each check, ` +
        `and section ${sections.resultsTable} (Results table) lists every result on one line, the only place where passing results are listed. ` +
        `findings.json and findings.csv in the bundle hold every result with its evidence ids.`
      : '',
    controlsIntro:
      `Each assessed control shows, per mapped check, how many of its results passed, failed, errored, were not applicable or were waived. ` +
      `Under each check, one line names the results that need attention (fail, error, waived), at most ${ATTENTION_PER_CHECK} per check, ` +
      (large
        ? `each linked to its row in section ${sections.resultsTable} (Results table), where every result, passing ones included, is listed once.`
        : `each linked to its full row (message and evidence) in section ${sections.results} (Results by check), where every result, passing ones included, is listed once.`),
    resultsIntro: large
      ? `One summary per check, in the order checks run: how many of its ${plural(results.length, 'result', 'results')} passed, failed, errored, were not applicable or were waived, ` +
        `by severity, and its ${SUMMARY_RESULTS_PER_CHECK} most severe results that need attention, each linked to its row in section ${sections.resultsTable}.`
      : `All ${plural(results.length, 'result', 'results')} of this run, each listed once, grouped by check in the order checks run, ` +
        `failures first. Each row names the controls the result counts toward and links to the evidence it relied on (section ${sections.evidence}).`,
    resultGroups,
    resultSummaries,
    resultsTableIntro: large
      ? `All ${plural(results.length, 'result', 'results')} of this run, one line each, grouped by check in the order checks run, failures first. ` +
        `Not-applicable results of one check with the same reason share one line that states how many it stands for. ` +
        `Messages are cut to one line; findings.json and findings.csv hold each result whole, with the evidence it relied on and the controls it counts toward.`
      : '',
    ...evidenceSection(input, results, selection),
  };
}

interface EvidenceSelection {
  // Shown in full, in appendix order.
  detailed: EvidenceRecord[];
  // Listed one line each, in appendix order.
  listed: EvidenceRecord[];
  // Ids of both: the records this report can link to.
  shown: Set<string>;
  // Records used by results that need attention (fail, error, waived).
  attention: number;
}

// The records the appendix shows in full are those that failing, errored and waived results rely
// on, the most severe first (at most EVIDENCE_DETAILED_MAX); then the others, one line each (at
// most EVIDENCE_LISTED_MAX). Nothing is dropped silently: the appendix counts what it leaves out.
// The pipeline reads the transcripts of evidenceShownInFull(input) only (src/pipeline/run.ts).
export function evidenceShownInFull(input: ReportInput): EvidenceRecord[] {
  return selectEvidence(input, input.results).detailed;
}

function selectEvidence(input: ReportInput, results: readonly ReportedResult[]): EvidenceSelection {
  const rank = new Map<string, number>();
  for (const r of results) {
    if (!NEEDS_ATTENTION.has(r.status)) continue;
    const value = severityRank(r.severity) * CHECK_STATUS_ORDER.length + statusRank(r.status);
    for (const id of r.evidence) rank.set(id, Math.min(rank.get(id) ?? Infinity, value));
  }
  const records = [...new Map(input.evidence.map((e) => [e.id, e])).values()];
  const needed = records
    .filter((e) => rank.has(e.id))
    .sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0) || compareEvidence(a, b));
  const detailed = needed.slice(0, EVIDENCE_DETAILED_MAX).sort(compareEvidence);
  const inDetail = new Set(detailed.map((e) => e.id));
  const listed = records
    .filter((e) => !inDetail.has(e.id))
    .sort(compareEvidence)
    .slice(0, EVIDENCE_LISTED_MAX);
  return { detailed, listed, shown: new Set([...inDetail, ...listed.map((e) => e.id)]), attention: needed.length };
}

function evidenceSection(
  input: ReportInput,
  results: readonly ReportedResult[],
  selection: EvidenceSelection,
): Pick<ReportView, 'evidence' | 'hasEvidence' | 'evidenceTable' | 'hasEvidenceTable' | 'evidenceIntro' | 'evidenceDetailNote' | 'evidenceTableNote' | 'evidenceUnlisted' | 'hasEvidenceUnlisted'> {
  const usedBy = new Map<string, number>();
  for (const r of results) for (const id of new Set(r.evidence)) usedBy.set(id, (usedBy.get(id) ?? 0) + 1);
  const total = new Set(input.evidence.map((e) => e.id)).size;
  const { detailed, listed, attention } = selection;
  const unlisted = total - detailed.length - listed.length;
  const full =
    attention === 0
      ? 'No failing, errored or waived result relies on evidence, so no record is shown in full.'
      : detailed.length === attention
        ? `${plural(detailed.length, 'record is', 'records are')} shown in full, with the start of ${detailed.length === 1 ? 'its' : 'their'} terminal transcript: ` +
          `the ${detailed.length === 1 ? 'record' : 'records'} that failing, errored and waived results rely on.`
        : `${formatCount(detailed.length)} of the ${plural(attention, 'record', 'records')} that failing, errored and waived results rely on are shown in full, ` +
          `with the start of their terminal transcript: those of the most severe results (at most ${formatCount(EVIDENCE_DETAILED_MAX)}).`;
  const rest =
    listed.length === 0
      ? ''
      : ` The other ${plural(listed.length, 'record is', 'records are')} listed one line each in the table after them${unlisted > 0 ? ` (at most ${formatCount(EVIDENCE_LISTED_MAX)})` : ''}, with links to the raw object and the transcript.`;
  return {
    evidence: detailed.map((e) => evidenceView(e, input.transcripts, usedBy.get(e.id) ?? 0)),
    hasEvidence: detailed.length > 0,
    evidenceTable: listed.map((e) => evidenceRowView(e, usedBy.get(e.id) ?? 0)),
    hasEvidenceTable: listed.length > 0,
    evidenceIntro:
      total === 0
        ? 'This run has no evidence records.'
        : `This run has ${plural(total, 'evidence record', 'evidence records')}: this appendix shows ${formatCount(detailed.length)} in full and lists ${formatCount(listed.length)} more` +
          `${unlisted > 0 ? `; ${formatCount(unlisted)} ${unlisted === 1 ? 'is' : 'are'} not listed here` : ''}. ${full}${rest} ` +
          `The bundle holds every record: ${EVIDENCE_INDEX_FILE} indexes all ${formatCount(total)}, with the raw objects in evidence/raw/ (named by sha256) and the full transcripts in evidence/cli/.`,
    evidenceDetailNote:
      `For each record shown in full, the raw object is in the bundle at the path shown, named by its sha256; the command reproduces it against the live system, ` +
      `and the start of its terminal transcript as recorded is shown below it, without the header lines that repeat the fields above ` +
      `(at most ${LIMITS.transcriptLines} lines or ${formatCount(LIMITS.transcript)} characters; the full transcript is in the file named).`,
    evidenceTableNote: listed.length === 0 ? '' : `${plural(listed.length, 'record', 'records')}, in target, kind, namespace and name order.`,
    evidenceUnlisted:
      unlisted > 0
        ? `${plural(unlisted, 'more record is', 'more records are')} not listed in this report (references to ${unlisted === 1 ? 'it' : 'them'} are shown without a link); ` +
          `${EVIDENCE_INDEX_FILE} in the bundle lists every record, with its raw object and transcript.`
        : '',
    hasEvidenceUnlisted: unlisted > 0,
  };
}

function evidenceRowView(e: EvidenceRecord, usedBy: number): EvidenceRowView {
  const shaValid = SHA256.test(e.sha256);
  const idValid = EVIDENCE_ID.test(e.id);
  const ns = e.namespace ?? '';
  return {
    id: name(e.id),
    anchor: evidenceAnchor(e.id),
    target: name(e.target),
    resource: name(`${e.kind ?? ''} ${ns === '' ? '' : `${ns}/`}${e.name ?? ''}`.trim()),
    source: name(sourceText(e.source)),
    rawPath: shaValid ? `evidence/raw/${e.sha256}.json` : name(e.path),
    hasRawLink: shaValid,
    cliPath: idValid ? `evidence/cli/${e.id}.txt` : name(e.cliPath),
    hasCliLink: idValid,
    usedBy: formatCount(usedBy),
  };
}

interface LinkContext {
  checkMeta: Map<string, CheckMeta>;
  evidenceIds: Set<string>;
  // Evidence records with an entry in the appendix (in full or on a line).
  evidenceShown: Set<string>;
  gapIds: Set<string>;
  // Checks that have a group in "Results by check".
  groups: Set<string>;
  // Catalog position of each "framework:id" control reference.
  controlOrder: Map<string, number>;
  controlsTextCache: Map<string, string>;
}

// Checks in registry order (the order of input.checks), then any check that has results but no
// metadata, by id.
function registryOrder(input: ReportInput, results: ReportedResult[]): string[] {
  const order = [...new Set(input.checks.map((c) => c.id))];
  const known = new Set(order);
  const extra = [...new Set(results.map((r) => r.check))].filter((id) => !known.has(id)).sort(compareText);
  return [...order, ...extra];
}

function name(value: string): string {
  return displayText(value, LIMITS.name);
}

function message(value: string): string {
  return displayText(value, LIMITS.message);
}

function selectedFrameworks(input: ReportInput): FrameworkId[] {
  const wanted = new Set<FrameworkId>([...input.run.frameworks, ...input.controls.map((c) => c.framework)]);
  return FRAMEWORKS.filter((fw) => wanted.has(fw));
}

function sectionNumbers(large: boolean): SectionNumbers {
  return {
    resultsTable: large ? '9' : '',
    listing: large ? '9' : '5',
    summary: '1',
    scope: '2',
    workloads: '3',
    controls: '4',
    results: '5',
    checks: '6',
    gaps: '7',
    evidence: '8',
  };
}

function tocEntries(sections: SectionNumbers, frameworks: FrameworkView[], large: boolean): TocEntry[] {
  const entry = (number: string, title: string, anchor: string, children: TocEntry[] = []): TocEntry => ({
    number,
    title,
    anchor,
    children,
    hasChildren: children.length > 0,
  });
  return [
    entry(sections.summary, 'Executive summary', 'summary'),
    entry(sections.scope, 'Scope and method', 'scope'),
    entry(sections.workloads, 'Workloads and mesh coverage', 'workloads'),
    entry(
      sections.controls,
      'Controls',
      'controls',
      [
        ...frameworks.map((fw) => entry(fw.number, fw.label, fw.anchor)),
        entry(`${sections.controls}.${frameworks.length + 1}`, 'Exceptions and attestations', EXCEPTIONS_ANCHOR),
      ],
    ),
    entry(sections.results, 'Results by check', 'results'),
    entry(sections.checks, 'Check catalogue', 'checks'),
    entry(sections.gaps, 'Evidence gaps and ignored inputs', 'gaps'),
    entry(sections.evidence, 'Evidence appendix', 'evidence'),
    ...(large ? [entry(sections.resultsTable, 'Results table', RESULTS_TABLE_ANCHOR)] : []),
  ];
}

export const RESULTS_TABLE_ANCHOR = 'results-table';

// With an evidence history, "Changes since last run" is listed under the executive summary.
function withChangesEntry(toc: TocEntry[], present: boolean, number: string): TocEntry[] {
  if (!present) return toc;
  const [summary, ...rest] = toc;
  if (!summary) return toc;
  const children = [{ number, title: 'Changes since last run', anchor: CHANGES_ANCHOR, children: [], hasChildren: false }, ...summary.children];
  return [{ ...summary, children, hasChildren: true }, ...rest];
}

// ---- Workloads and mesh coverage ---------------------------------------------------------------

const MESH_DISPLAY: Record<WorkloadMesh, { label: string; cssClass: string }> = {
  'istio-sidecar': { label: 'Istio sidecar', cssClass: '' },
  'istio-ambient': { label: 'Istio ambient', cssClass: '' },
  linkerd: { label: 'Linkerd', cssClass: '' },
  consul: { label: 'Consul', cssClass: '' },
  none: { label: 'None', cssClass: 'status-text st-bad' },
};

const PROXY_DISPLAY: Record<ProxyState, { label: string; cssClass: string; title: string }> = {
  running: { label: 'Running', cssClass: 'st-ok', title: 'observed in running pods' },
  predicted: { label: 'Predicted', cssClass: 'st-na', title: 'predicted from the manifests; no running pods in the evidence' },
  missing: { label: 'Missing', cssClass: 'st-bad', title: 'no mesh proxy' },
};

// How one port's effective mTLS reads: required (STRICT, strict, "mTLS required…", nothing
// admitted), weak (plaintext accepted: PERMISSIVE, permissive, DISABLE, plaintext, "plaintext
// allowed") or unknown (anything else, including wording this renderer does not recognise).
export type MtlsStrength = 'ok' | 'weak' | 'unknown';

export function mtlsStrength(mtls: string): MtlsStrength {
  const m = mtls.trim().toLowerCase();
  if (/^(permissive|disable)\b/.test(m) || m.startsWith('plaintext') || m.includes('plaintext allowed')) return 'weak';
  if (/^(strict\b|mtls required|nothing admitted)/.test(m)) return 'ok';
  return 'unknown';
}

// Meshed, with a proxy (running or predicted), and every port requires mutual TLS.
export function fullyProtected(row: WorkloadRow): boolean {
  return row.mesh !== 'none' && row.proxy !== 'missing' && row.ports.length > 0 && row.ports.every((p) => mtlsStrength(p.mtls) === 'ok');
}

// 66.66… → "66.6%": rounded down to one decimal, like the coverage rows, never up to 100.
export function formatCoverage(percent: number): string {
  if (!Number.isFinite(percent)) return '–';
  return `${coverageValue(percent).toFixed(1)}%`;
}

function coverageValue(percent: number): number {
  if (!Number.isFinite(percent)) return 0;
  return Math.min(100, Math.max(0, Math.floor(percent * 10 + 1e-6) / 10));
}

function coverageClass(meshed: number, workloads: number): string {
  if (workloads <= 0) return 'st-na';
  return meshed >= workloads ? 'st-ok' : 'st-bad';
}

function coverageCell(c: { workloads: number; meshed: number; percent: number }): CoverageCellView {
  return {
    workloads: formatCount(c.workloads),
    meshed: formatCount(c.meshed),
    unmeshed: formatCount(Math.max(0, c.workloads - c.meshed)),
    percent: c.workloads > 0 ? formatCoverage(c.percent) : '–',
    bar: String(c.workloads > 0 ? coverageValue(c.percent) : 0),
    cssClass: coverageClass(c.meshed, c.workloads),
  };
}

export function workloadsAnchor(target: string): string {
  return `wl-${encodeId(target)}`;
}

interface TargetCoverage {
  target: string;
  total: { workloads: number; meshed: number; percent: number } | undefined;
  namespaces: CoverageRow[];
}

// Coverage grouped by target, every target of the run included (a target whose workloads are all
// out of scope has no coverage row). A target without its whole-target row is summed from its
// namespaces.
function coverageByTarget(input: ReportInput): TargetCoverage[] {
  const names = new Set<string>([...input.targets.filter(isClusterTarget).map((t) => t.name), ...input.coverage.map((c) => c.target), ...input.workloads.map((w) => w.target)]);
  return [...names].sort(compareText).map((target) => {
    const rows = input.coverage.filter((c) => c.target === target);
    const namespaces = rows.filter((c) => c.namespace !== undefined).sort((a, b) => compareText(a.namespace ?? '', b.namespace ?? ''));
    const whole = rows.find((c) => c.namespace === undefined);
    let total: TargetCoverage['total'];
    if (whole !== undefined) total = whole;
    else if (namespaces.length > 0) {
      const workloads = namespaces.reduce((n, c) => n + c.workloads, 0);
      const meshed = namespaces.reduce((n, c) => n + c.meshed, 0);
      total = { workloads, meshed, percent: coveragePercent(meshed, workloads) };
    }
    return { target, total, namespaces };
  });
}

// "prod-eu: 3 of 6 workloads meshed (50.0%)", one per target, at most SUMMARY_COVERAGE_TARGETS
// (the last place then counts the rest).
function meshCoverageSummary(input: ReportInput, sections: SectionNumbers): MeshCoverageSummaryView {
  const all = coverageByTarget(input);
  const shownCount = all.length > SUMMARY_COVERAGE_TARGETS ? SUMMARY_COVERAGE_TARGETS - 1 : all.length;
  const lines = all.slice(0, shownCount).map(({ target, total }): MeshCoverageLineView => {
    const has = total !== undefined && total.workloads > 0;
    return {
      target: displayText(target, COVER_LIMITS.targetName),
      text: has ? `${formatCount(total.meshed)} of ${plural(total.workloads, 'workload', 'workloads')} meshed (${formatCoverage(total.percent)})` : 'no workloads in scope',
      cssClass: has ? coverageClass(total.meshed, total.workloads) : 'st-na',
      bar: String(has ? coverageValue(total.percent) : 0),
      hasBar: has,
    };
  });
  const more = all.length - lines.length;
  return {
    lines,
    hasLines: lines.length > 0,
    more: more > 0 ? `and ${plural(more, 'more target', 'more targets')} (section ${sections.workloads})` : '',
    hasMore: more > 0,
  };
}

// Target, namespace, kind, name; then the whole row, so the order never depends on the input's.
export function compareWorkloads(a: WorkloadRow, b: WorkloadRow): number {
  return (
    compareText(a.target, b.target) ||
    compareText(a.namespace, b.namespace) ||
    compareText(a.kind, b.kind) ||
    compareText(a.name, b.name) ||
    compareText(JSON.stringify(a), JSON.stringify(b))
  );
}

function workloadsView(input: ReportInput, links: LinkContext): WorkloadsView {
  const coverage = coverageByTarget(input);
  const rows = [...input.workloads].sort(compareWorkloads);
  const inScope = rows.filter((r) => r.inScope);
  const outOfScope = rows.length - inScope.length;
  const large = inScope.length > LARGE_ESTATE_WORKLOADS;
  const unprotected = large ? inScope.filter((r) => !fullyProtected(r)) : [];
  const listed = large ? unprotected.slice(0, LARGE_ESTATE_SHOWN) : inScope;

  const byTarget = new Map<string, WorkloadRow[]>();
  for (const r of listed) byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), r]);
  const outByTarget = countBy(
    rows.filter((r) => !r.inScope),
    (r) => r.target,
  );
  const unprotectedByTarget = countBy(unprotected, (r) => r.target);

  const coverageViews: CoverageTargetView[] = coverage.map(({ target, total, namespaces }) => ({
    target: name(target),
    anchor: workloadsAnchor(target),
    hasWorkloads: total !== undefined && total.workloads > 0,
    ...coverageCell(total ?? { workloads: 0, meshed: 0, percent: 0 }),
    namespaces: namespaces.map((c) => ({ namespace: name(c.namespace ?? ''), ...coverageCell(c) })),
  }));

  const tables: WorkloadTableView[] = coverage.map(({ target, total }) => {
    const list = byTarget.get(target) ?? [];
    const out = outByTarget.get(target) ?? 0;
    const parts = [
      total !== undefined && total.workloads > 0
        ? `${plural(total.workloads, 'workload', 'workloads')} in scope, ${formatCount(total.meshed)} meshed (${formatCoverage(total.percent)})`
        : 'no workloads in scope',
    ];
    if (large) parts.push(`${formatCount(list.length)} not fully protected listed`);
    if (out > 0) parts.push(`${formatCount(out)} in namespaces not judged (not listed)`);
    return {
      target: name(target),
      anchor: workloadsAnchor(target),
      counts: parts.join(' · '),
      rows: list.map((r) => workloadRowView(r, links)),
      hasRows: list.length > 0,
      emptyText: !large || total === undefined || total.workloads === 0
        ? 'No workloads in scope on this target.'
        : (unprotectedByTarget.get(target) ?? 0) === 0
          ? 'Every workload in scope on this target is fully protected.'
          : `This target's workloads that are not fully protected come after the first ${formatCount(listed.length)} listed; ${WORKLOADS_CSV_FILE} lists them.`,
    };
  });

  return {
    intro:
      'One row per workload in a judged namespace, whatever its mesh: the mesh and whether its proxy is running (seen in running pods), ' +
      'predicted (from the manifests only) or missing; the effective mTLS mode of each application port; what inbound traffic is allowed ' +
      'by default; and who may call it under the policies in effect. A workload is meshed when a mesh proxy is running or predicted. ' +
      `Modes that accept plaintext (PERMISSIVE, DISABLE, plaintext) are highlighted. Each row links to the evidence it rests on; ${WORKLOADS_CSV_FILE} in the bundle lists every workload with its full values.`,
    coverage: coverageViews,
    hasCoverage: coverageViews.length > 0,
    tables,
    hasTables: tables.length > 0,
    outOfScopeNote:
      outOfScope > 0
        ? `${plural(outOfScope, 'workload', 'workloads')} in namespaces that are not judged (system namespaces and the Istio root namespace) ${outOfScope === 1 ? 'is' : 'are'} not listed and not counted in the coverage; ${WORKLOADS_CSV_FILE} lists ${outOfScope === 1 ? 'it' : 'them'} with in_scope false.`
        : '',
    hasOutOfScope: outOfScope > 0,
    large,
    largeNote: large
      ? `This estate has ${plural(inScope.length, 'workload', 'workloads')} in scope, too many to list here. The coverage tables count every one of them; ` +
        (unprotected.length > 0
          ? `the tables below list the first ${formatCount(listed.length)} of the ${plural(unprotected.length, 'workload', 'workloads')} that are not fully protected (no mesh proxy, or a port that accepts plaintext or whose mTLS mode is unknown), in target, namespace and name order. `
          : 'every one of them is fully protected, so none is listed below. ') +
        `${WORKLOADS_CSV_FILE} in the bundle lists every workload with all its fields.`
      : '',
    csvFile: WORKLOADS_CSV_FILE,
  };
}

function workloadRowView(r: WorkloadRow, links: LinkContext): WorkloadRowView {
  const mesh = MESH_DISPLAY[r.mesh] ?? { label: name(String(r.mesh)), cssClass: '' };
  const proxy = PROXY_DISPLAY[r.proxy] ?? { label: name(String(r.proxy)), cssClass: 'st-na', title: '' };
  const ports = r.ports.slice(0, WORKLOAD_LIMITS.ports).map((p): PortMtlsView => {
    const port = p.port === '*' ? 'all ports' : typeof p.port === 'number' ? String(p.port) : name(String(p.port));
    const text = `${port} ${displayText(p.mtls, WORKLOAD_LIMITS.mtls)}`;
    return { text, cssClass: `mtls-${mtlsStrength(p.mtls)}`, short: text.length <= 16 };
  });
  const morePorts = r.ports.length - ports.length;
  const inbound = splitInbound(r.inboundDefault);
  const evidence = [...new Set(r.evidence)].sort(compareText);
  const shownEvidence = evidence.slice(0, WORKLOAD_LIMITS.evidence);
  const notes = boundedList(r.notes, WORKLOAD_LIMITS.note, WORKLOAD_LIMITS.notes, (n) => `+${plural(n, 'more note', 'more notes')}`);
  return {
    namespace: name(r.namespace),
    kind: name(r.kind),
    name: name(r.name),
    mesh: mesh.label,
    meshClass: mesh.cssClass,
    proxy: proxy.label,
    proxyClass: proxy.cssClass,
    proxyTitle: proxy.title,
    ports,
    morePorts: morePorts > 0 ? `+${plural(morePorts, 'more port', 'more ports')}` : '',
    hasMorePorts: morePorts > 0,
    inbound: displayText(inbound.mesh, WORKLOAD_LIMITS.inbound),
    inboundNetpol: displayText(inbound.netpol, WORKLOAD_LIMITS.inbound),
    hasInboundNetpol: inbound.netpol !== '',
    callers: boundedList(r.callers, WORKLOAD_LIMITS.caller, WORKLOAD_LIMITS.callers, (n) => `+${formatCount(n)} more`, true),
    notes,
    hasNotes: notes !== '',
    evidence: shownEvidence.map((id) => evidenceLink(id, links)),
    hasEvidence: shownEvidence.length > 0,
    moreEvidence: evidence.length > shownEvidence.length ? `+${formatCount(evidence.length - shownEvidence.length)} more in ${WORKLOADS_CSV_FILE}` : '',
    hasMoreEvidence: evidence.length > shownEvidence.length,
    fullyProtected: fullyProtected(r),
  };
}

// "deny (allow-nothing payments/allow-nothing); NetworkPolicy default-deny ingress: yes (…)" →
// the mesh part and the NetworkPolicy part, shown on two lines.
function splitInbound(value: string): { mesh: string; netpol: string } {
  const at = value.lastIndexOf('; NetworkPolicy ');
  if (at < 0) return { mesh: value, netpol: '' };
  return { mesh: value.slice(0, at), netpol: value.slice(at + 2) };
}

// Items joined with " · ", each cut to `each`, as many as fit in `max` (at least one); the rest are
// counted, with the N of a trailing "+N more" entry when `marked` (caller lists arrive bounded so).
function boundedList(items: readonly string[], each: number, max: number, moreText: (n: number) => string, marked = false): string {
  let list = [...items];
  let hidden = 0;
  const last = list[list.length - 1];
  const marker = !marked || last === undefined ? null : /^\+(\d+) more$/.exec(last);
  if (marker !== null) {
    hidden += Number(marker[1]);
    list = list.slice(0, -1);
  }
  const shown: string[] = [];
  let length = 0;
  for (const item of list) {
    const text = displayText(item, each);
    const next = length + (shown.length > 0 ? 3 : 0) + text.length;
    if (shown.length > 0 && next > max) break;
    shown.push(text);
    length = next;
  }
  hidden += list.length - shown.length;
  const joined = shown.join(' · ');
  return hidden > 0 ? `${joined}${joined === '' ? '' : ' · '}${moreText(hidden)}` : joined;
}

function runView(input: ReportInput): RunView {
  const { run } = input;
  return {
    id: name(run.id),
    generatedAt: formatTimestamp(run.finishedAt),
    startedAt: formatTimestamp(run.startedAt),
    duration: formatDuration(run.startedAt, run.finishedAt),
    tool: `${name(run.tool.name)} ${name(run.tool.version)}`,
    operator: name(run.operator),
    command: displayText(run.command, LIMITS.command),
    coverId: displayText(run.id, COVER_LIMITS.id),
    coverOperator: displayText(run.operator, COVER_LIMITS.operator),
    coverCommand: displayText(run.command, COVER_LIMITS.command),
    targets: targetsLine(input),
    frameworks: selectedFrameworks(input)
      .map((fw) => FRAMEWORK_LABELS[fw])
      .join(', '),
    signing: {
      algorithm: name(run.signing.algorithm),
      keyFingerprint: name(run.signing.keyFingerprint),
      ephemeral: run.signing.ephemeral,
      notice: run.signing.ephemeral ? EPHEMERAL_NOTICE : '',
    },
  };
}

function targetsLine(input: ReportInput): string {
  const names = input.targets.map((t) => displayText(t.name, COVER_LIMITS.targetName)).sort(compareText);
  if (names.length === 0) return 'none';
  const shown: string[] = [];
  for (const n of names) {
    if (shown.length > 0 && [...shown, n].join(', ').length > COVER_LIMITS.targetsText) break;
    shown.push(n);
  }
  const more = names.length - shown.length;
  return `${formatCount(names.length)} (${shown.join(', ')}${more > 0 ? ` and ${formatCount(more)} more` : ''})`;
}

function totalsView(input: ReportInput, results: ReportedResult[]): TotalsView {
  const byStatus = countBy(results, (r) => r.status);
  return {
    items: [
      counted(input.targets.length, 'target', 'targets'),
      counted(input.checks.length, 'check', 'checks'),
      counted(results.length, 'result', 'results'),
      counted(input.controls.length, 'control', 'controls'),
      counted(input.evidence.length, 'evidence record', 'evidence records'),
      // Unreadable inputs plus results in error that no such input explains, as the CLI counts them.
      counted(evidenceGapCount(input.results, input.gaps).total, 'evidence gap', 'evidence gaps'),
    ],
    results: formatCount(results.length),
    evidence: formatCount(input.evidence.length),
    redactions: formatCount(input.evidence.reduce((n, e) => n + e.redactions.length, 0)),
    resultsByStatus: CHECK_STATUS_ORDER.map((s) => ({
      ...CHECK_STATUS_DISPLAY[s],
      count: formatCount(byStatus.get(s) ?? 0),
      pct: formatPercent(byStatus.get(s) ?? 0, results.length),
    })),
  };
}

const MAX_LABELS_SHOWN = 20;
const MAX_ANNOTATIONS_SHOWN = 10;

function targetView(t: ReportInput['targets'][number]): TargetView {
  const namespaces = [...t.namespaceDetails].sort((a, b) => compareText(a.name, b.name)).map(namespaceView);
  return {
    name: name(t.name),
    namespaceList: namespaces,
    hasNamespaceList: namespaces.length > 0,
    source: t.source === 'snapshot' ? 'Snapshot folder' : 'Kubernetes API',
    location: name(t.location),
    objects: formatCount(t.objects),
    namespaces: formatCount(t.namespaces),
    workloads: formatCount(t.workloads),
    istio: t.istioPresent ? 'Yes' : 'No',
    rootNamespace: name(t.rootNamespace),
  };
}

function namespaceView(n: ReportInput['targets'][number]['namespaceDetails'][number]): NamespaceView {
  const labels = pairs(n.labels);
  const annotations = pairs(n.annotations);
  return {
    name: name(n.name),
    inScope: n.inScope ? 'In scope' : 'Not judged',
    inScopeClass: n.inScope ? 'st-ok' : 'st-na',
    workloads: formatCount(n.workloads),
    labels: labels.slice(0, MAX_LABELS_SHOWN),
    moreLabels: labels.length > MAX_LABELS_SHOWN ? `and ${plural(labels.length - MAX_LABELS_SHOWN, 'more label', 'more labels')}` : '',
    annotations: annotations.slice(0, MAX_ANNOTATIONS_SHOWN),
    moreAnnotations:
      annotations.length > MAX_ANNOTATIONS_SHOWN
        ? `and ${plural(annotations.length - MAX_ANNOTATIONS_SHOWN, 'more annotation', 'more annotations')}`
        : '',
  };
}

// key=value pairs sorted by key, each bounded: annotation values can be whole JSON documents.
function pairs(map: Record<string, string>): string[] {
  return Object.keys(map)
    .sort(compareText)
    .map((key) => `${displayText(key, 120)}=${displayText(map[key] ?? '', LIMITS.name)}`);
}

function collectedViews(input: ReportInput): CollectedView[] {
  const byTarget = new Map<string, EvidenceRecord[]>();
  for (const t of input.targets) byTarget.set(t.name, []);
  for (const e of input.evidence) {
    const list = byTarget.get(e.target) ?? [];
    list.push(e);
    byTarget.set(e.target, list);
  }
  return [...byTarget.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([target, records]) => {
      const kinds = countBy(records, (e) => e.kind ?? '(no kind)');
      const sources = countBy(records, (e) => e.source.type);
      return {
        target: name(target),
        records: formatCount(records.length),
        sources: [...sources.entries()]
          .sort(([a], [b]) => compareText(a, b))
          .map(([type, n]) => `${sourceTypeLabel(type)}: ${formatCount(n)}`)
          .join(', '),
        kinds: [...kinds.entries()]
          .sort(([a], [b]) => compareText(a, b))
          .map(([kind, n]) => ({ kind: name(kind), count: formatCount(n) })),
      };
    });
}

function sourceTypeLabel(type: EvidenceRecord['source']['type']): string {
  switch (type) {
    case 'snapshot':
      return 'snapshot files';
    case 'kubernetes-api':
      return 'Kubernetes API';
    case 'http-api':
      return 'HTTP API';
    case 'cloud-api':
      return 'cloud API';
  }
}

function frameworkView(
  fw: FrameworkId,
  number: string,
  allControls: ControlOutcome[],
  results: ReportedResult[],
  resultViews: Map<ReportedResult, ResultView>,
  links: LinkContext,
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
    controlView(c, byControl.get(`${fw}:${c.id}`) ?? [], resultViews, links),
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

function frameworkSummary(controls: ControlOutcome[], results: ReportedResult[], links: LinkContext): FrameworkSummary {
  const byStatus = countBy(controls, (c) => c.status);
  const count = (s: ControlStatus): number => byStatus.get(s) ?? 0;
  const total = controls.length;
  const applicable = total - count('not_applicable');
  const satisfied = count('satisfied');
  const satisfiedPct = formatPercent(satisfied, applicable);
  const manual = count('manual');
  const attested = controls.filter((c) => c.status === 'manual' && c.attestation).length;
  const withExceptions = controls.filter((c) => c.status === 'satisfied' && c.counts.waived > 0).length;
  const headline =
    applicable === 0
      ? 'No applicable controls in this run.'
      : `${formatCount(satisfied)} of ${formatCount(applicable)} applicable controls satisfied (${satisfiedPct})` +
        (withExceptions > 0 ? `, ${formatCount(withExceptions)} of them with waived results` : '') +
        (manual - attested > 0 ? `; ${formatCount(manual - attested)} need a manual attestation` : '') +
        (attested > 0 ? `; ${formatCount(attested)} manually attested` : '') +
        '.';

  const statuses = CONTROL_STATUSES.map((s) => ({
    ...CONTROL_STATUS_DISPLAY[s],
    count: formatCount(count(s)),
    pct: formatPercent(count(s), total),
  }));

  const matrixCounts = new Map<string, number>();
  for (const r of results) {
    const key = `${r.status}|${r.severity}`;
    matrixCounts.set(key, (matrixCounts.get(key) ?? 0) + 1);
  }
  const cell = (s: CheckStatus, sev: Severity): number => matrixCounts.get(`${s}|${sev}`) ?? 0;
  const matrix = CHECK_STATUS_ORDER.map((s) => ({
    ...CHECK_STATUS_DISPLAY[s],
    cells: SEVERITIES.map((sev) => formatCell(cell(s, sev))),
    total: formatCell(SEVERITIES.reduce((n, sev) => n + cell(s, sev), 0)),
  }));
  const matrixTotals = SEVERITIES.map((sev) => formatCell(CHECK_STATUSES.reduce((n, s) => n + cell(s, sev), 0)));

  const failures = countBy(
    results.filter((r) => r.status === 'fail'),
    (r) => r.check,
  );
  const ranked = [...failures.entries()]
    .map(([id, n]) => ({ id, n, severity: worstSeverity(results, id) }))
    // Severity first: one critical failure (an expired root CA) outranks many medium ones.
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || b.n - a.n || compareText(a.id, b.id));
  const moreFailing = ranked.length - TOP_FAILING_CHECKS;
  const topFailing = ranked
    .slice(0, TOP_FAILING_CHECKS)
    .map(({ id, n, severity }) => {
      const meta = links.checkMeta.get(id);
      return {
        id: name(id),
        anchor: checkAnchor(id),
        found: meta !== undefined,
        title: meta === undefined ? '' : displayText(meta.title, COVER_LIMITS.checkTitle),
        severity: SEVERITY_LABELS[severity],
        severityClass: `sev-${severity}`,
        failures: formatCount(n),
      };
    });

  return {
    headline,
    satisfiedPct,
    total: formatCount(total),
    statuses,
    // The ring shows the applicable controls, the same base as the percentage in its centre.
    donut: donutSegments(
      CONTROL_STATUSES.filter((s) => s !== 'not_applicable').map((s) => ({ cssClass: CONTROL_STATUS_DISPLAY[s].cssClass, n: count(s) })),
      applicable,
    ),
    severities: SEVERITIES.map((s) => SEVERITY_SHORT[s]),
    matrix,
    matrixTotals,
    matrixTotal: formatCell(results.length),
    hasResults: results.length > 0,
    topFailing,
    hasTopFailing: topFailing.length > 0,
    moreFailing: moreFailing > 0 ? `and ${plural(moreFailing, 'more failing check', 'more failing checks')}` : '',
    hasMoreFailing: moreFailing > 0,
  };
}

// Ring segments for an SVG circle whose circumference is 100 (r = 15.9155), starting at 12 o'clock.
export function donutSegments(parts: { cssClass: string; n: number }[], total: number): DonutSegment[] {
  if (total <= 0) return [];
  const segments: DonutSegment[] = [];
  let start = 0;
  for (const { cssClass, n } of parts) {
    if (n <= 0) continue;
    const length = (n / total) * 100;
    segments.push({ cssClass, dash: `${round3(length)} ${round3(100 - length)}`, offset: `${round3(25 - start)}` });
    start += length;
  }
  return segments;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function worstSeverity(results: ReportedResult[], check: string): Severity {
  let worst: Severity = 'info';
  for (const r of results) {
    if (r.check === check && r.status === 'fail' && severityRank(r.severity) < severityRank(worst)) worst = r.severity;
  }
  return worst;
}

function controlView(
  c: ControlOutcome,
  results: ReportedResult[],
  resultViews: Map<ReportedResult, ResultView>,
  links: LinkContext,
): ControlView {
  // An attested manual control keeps its status (manual) but reads as attested.
  const display = c.status === 'manual' && c.attestation ? { label: 'Attested', cssClass: 'st-attested' } : CONTROL_STATUS_DISPLAY[c.status];
  const assessed = c.checks.length > 0;
  const byCheck = new Map<string, ReportedResult[]>();
  for (const r of results) {
    const list = byCheck.get(r.check) ?? [];
    list.push(r);
    byCheck.set(r.check, list);
  }
  // The control's checks in catalog order, then any other check whose results count toward it.
  const mapped = [...new Set(c.checks)];
  const known = new Set(mapped);
  const checkIds = [...mapped, ...[...byCheck.keys()].filter((id) => !known.has(id)).sort(compareText)];
  const requirement = c.requirement === undefined ? '' : c.requirement === 'required' ? 'Required' : 'Addressable';
  const checkRows = checkIds.map((id) => controlCheckView(id, byCheck.get(id) ?? [], resultViews, links));
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
  };
}

function controlCheckView(
  id: string,
  results: ReportedResult[],
  resultViews: Map<ReportedResult, ResultView>,
  links: LinkContext,
): ControlCheckView {
  const meta = links.checkMeta.get(id);
  const byStatus = countBy(results, (r) => r.status);
  const attention = results.filter((r) => NEEDS_ATTENTION.has(r.status)).sort(compareWithinCheck);
  const shown = attention.slice(0, ATTENTION_PER_CHECK);
  const more = attention.length - shown.length;
  const groups = attentionGroups(shown, resultViews);
  return {
    id: name(id),
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
function attentionGroups(shown: ReportedResult[], resultViews: Map<ReportedResult, ResultView>): AttentionGroupView[] {
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
function resourceText(r: ReportedResult): string {
  const ns = r.resource.namespace ?? '';
  const where = `${ns === '' ? '' : `${displayText(ns, LIMITS.attentionNamespace)}/`}${displayText(r.resource.name, LIMITS.attentionName)}`;
  const port = portText(r.data);
  return port === '' ? where : `${where} :${port}`;
}

// The port a result is about, when the check recorded one (data.port); "*" (every port) and empty
// values are left out.
function portText(data: MessageData | undefined): string {
  const port = data === undefined || !Object.hasOwn(data, 'port') ? undefined : data['port'];
  if (typeof port === 'number') return Number.isFinite(port) ? String(port) : '';
  if (typeof port !== 'string') return '';
  const text = displayText(port.trim(), LIMITS.attentionPort);
  return text === '*' ? '' : text;
}

// A stable anchor per result: the check id and a digest of what the result is about (target,
// resource, message id, port), so a link to a finding survives a re-run that still reports it.
// Results about the same thing get -2, -3 … in their listing order.
function resultAnchors(results: ReportedResult[]): Map<ReportedResult, string> {
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

function resultGroupViews(
  checkOrder: string[],
  results: ReportedResult[],
  resultViews: Map<ReportedResult, ResultView>,
  links: LinkContext,
): ResultGroupView[] {
  const byCheck = new Map<string, ReportedResult[]>(checkOrder.map((id) => [id, []]));
  for (const r of results) byCheck.get(r.check)?.push(r);
  return checkOrder.map((id) => {
    const list = [...(byCheck.get(id) ?? [])].sort(compareWithinCheck);
    const meta = links.checkMeta.get(id);
    const severity = meta?.severity ?? list.reduce<Severity>((w, r) => (severityRank(r.severity) < severityRank(w) ? r.severity : w), 'info');
    const byStatus = countBy(list, (r) => r.status);
    const rows = foldNotApplicable(list, resultViews, links);
    const shared = new Set(rows.map((r) => r.controls));
    const controls = shared.size === 1 ? (rows[0]?.controls ?? '') : '';
    return {
      id: name(id),
      anchor: resultsAnchor(id),
      checkAnchor: checkAnchor(id),
      found: meta !== undefined,
      title: meta === undefined ? '' : name(meta.title),
      severity: SEVERITY_LABELS[severity],
      severityClass: `sev-${severity}`,
      total: plural(list.length, 'result', 'results'),
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
function resultSummaryViews(
  checkOrder: string[],
  results: ReportedResult[],
  resultViews: Map<ReportedResult, ResultView>,
  links: LinkContext,
): ResultSummaryView[] {
  const byCheck = new Map<string, ReportedResult[]>(checkOrder.map((id) => [id, []]));
  for (const r of results) byCheck.get(r.check)?.push(r);
  return checkOrder.map((id) => {
    const list = byCheck.get(id) ?? [];
    const meta = links.checkMeta.get(id);
    const severity = meta?.severity ?? list.reduce<Severity>((w, r) => (severityRank(r.severity) < severityRank(w) ? r.severity : w), 'info');
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
      id: name(id),
      anchor: resultsAnchor(id),
      checkAnchor: checkAnchor(id),
      found: meta !== undefined,
      title: meta === undefined ? '' : name(meta.title),
      severity: SEVERITY_LABELS[severity],
      severityClass: `sev-${severity}`,
      total: plural(list.length, 'result', 'results'),
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
function foldNotApplicable(list: readonly ReportedResult[], resultViews: Map<ReportedResult, ResultView>, links: LinkContext): ResultView[] {
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

function resultView(r: ReportedResult, anchor: string, links: LinkContext): ResultView {
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

const CONTROL_ID_LIMIT = 40;

// Results of one check share their controls: compute each distinct list once (large runs).
function resultControlsText(refs: readonly string[], links: LinkContext): string {
  const key = JSON.stringify(refs);
  let text = links.controlsTextCache.get(key);
  if (text === undefined) {
    text = controlsText(refs, links.controlOrder, LIMITS.resultControls);
    links.controlsTextCache.set(key, text);
  }
  return text;
}

// "soc2:CC6.1", "soc2:CC6.6", "hipaa:164.312(e)(1)" → "SOC2 CC6.1, CC6.6 · HIPAA 164.312(e)(1)":
// grouped by framework in framework order, each framework's controls in catalog order. Every
// framework shows at least its first control while the text stays within twice `max` (frameworks
// past that are counted at the end, "… +3 more"); more controls are shown while it stays within
// `max`, and the rest are counted per framework ("SOC2 CC6.1 +2 · HIPAA 164.312(d) +3").
export function controlsText(refs: readonly string[], controlOrder: Map<string, number>, max: number): string {
  const byFramework = new Map<string, string[]>();
  for (const ref of new Set(refs)) {
    const colon = ref.indexOf(':');
    const fw = colon < 0 ? '' : ref.slice(0, colon);
    const list = byFramework.get(fw) ?? [];
    list.push(ref);
    byFramework.set(fw, list);
  }
  const known: readonly string[] = FRAMEWORKS;
  const groups = [
    ...FRAMEWORKS.filter((fw) => byFramework.has(fw)),
    ...[...byFramework.keys()].filter((fw) => !known.includes(fw)).sort(compareText),
  ].map((fw) => ({
    label: (FRAMEWORK_SHORT as Record<string, string>)[fw] ?? displayText(fw, CONTROL_ID_LIMIT),
    ids: (byFramework.get(fw) ?? [])
      .sort((a, b) => (controlOrder.get(a) ?? Infinity) - (controlOrder.get(b) ?? Infinity) || compareText(a, b))
      .map((ref) => displayText(fw === '' ? ref : ref.slice(fw.length + 1), CONTROL_ID_LIMIT)),
  }));
  const render = (shown: number[]): string => {
    const parts: string[] = [];
    let hiddenFrameworks = 0;
    groups.forEach((g, i) => {
      const n = shown[i] ?? 0;
      if (n === 0) {
        hiddenFrameworks += g.ids.length;
        return;
      }
      const rest = g.ids.length - n;
      parts.push(`${g.label === '' ? '' : `${g.label} `}${g.ids.slice(0, n).join(', ')}${rest > 0 ? ` +${formatCount(rest)}` : ''}`);
    });
    const text = parts.join(' · ');
    return hiddenFrameworks > 0 ? `${text} … +${formatCount(hiddenFrameworks)} more` : text;
  };
  // The first control of each framework, as many frameworks as fit (at least one).
  const shown = groups.map(() => 0);
  for (let i = 0; i < groups.length; i += 1) {
    shown[i] = 1;
    if (i > 0 && render(shown).length > max * 2) {
      shown[i] = 0;
      break;
    }
  }
  // Then more controls, one framework at a time in turn, while the text still fits.
  let grew = true;
  while (grew) {
    grew = false;
    for (let i = 0; i < groups.length; i += 1) {
      const g = groups[i];
      const n = shown[i] ?? 0;
      if (g === undefined || n === 0 || n >= g.ids.length) continue;
      shown[i] = n + 1;
      if (render(shown).length > max) shown[i] = n;
      else grew = true;
    }
  }
  return render(shown);
}

// Linked when the record has an entry in the appendix; otherwise either in the index but not listed
// here (large runs) or dangling (not in the index at all).
function evidenceLink(id: string, links: Pick<LinkContext, 'evidenceIds' | 'evidenceShown'>): LinkView {
  const found = links.evidenceShown.has(id);
  return { id: name(id), anchor: evidenceAnchor(id), found, inIndex: !found && links.evidenceIds.has(id) };
}

function catalogueViews(input: ReportInput, results: ReportedResult[], links: LinkContext): CheckCatalogueView[] {
  const controlsByCheck = new Map<string, string[]>();
  for (const c of input.controls) {
    for (const check of c.checks) {
      const list = controlsByCheck.get(check) ?? [];
      list.push(`${c.framework}:${c.id}`);
      controlsByCheck.set(check, list);
    }
  }
  const resultCounts = countBy(results, (r) => r.check);
  return [...input.checks]
    .sort((a, b) => compareText(a.id, b.id))
    .map((c) => {
      const controls = controlsByCheck.get(c.id) ?? [];
      return {
        id: name(c.id),
        anchor: checkAnchor(c.id),
        title: name(c.title),
        severity: SEVERITY_LABELS[c.severity],
        severityClass: `sev-${c.severity}`,
        area: name(c.area),
        proves: displayText(c.proves, LIMITS.catalogText),
        rationale: displayText(c.rationale, LIMITS.catalogText),
        remediation: displayText(c.remediation, LIMITS.catalogText),
        controls: controlsText(controls, links.controlOrder, LIMITS.catalogText),
        hasControls: controls.length > 0,
        results: plural(resultCounts.get(c.id) ?? 0, 'result', 'results'),
        resultsAnchor: resultsAnchor(c.id),
      };
    });
}

function gapView(g: EvidenceGap): GapView {
  const location = g.file === undefined ? '' : g.line === undefined ? g.file : `${g.file}:${g.line}`;
  return {
    id: name(g.id),
    anchor: gapAnchor(g.id),
    target: name(g.target),
    reason: GAP_REASON_LABELS[g.reason],
    kinds: g.kinds === '*' ? 'any kind' : g.kinds.map(name).join(', '),
    namespace: name(g.namespace ?? ''),
    message: message(g.message),
    location: name(location),
  };
}

function evidenceView(e: EvidenceRecord, transcripts: Record<string, string>, usedBy: number): EvidenceView {
  const shaValid = SHA256.test(e.sha256);
  const idValid = EVIDENCE_ID.test(e.id);
  const transcript = Object.hasOwn(transcripts, e.id) ? (transcripts[e.id] ?? '') : '';
  const preview = transcriptPreview(transcript);
  const cliPath = idValid ? `evidence/cli/${e.id}.txt` : name(e.cliPath);
  const sha = shaValid ? `${e.sha256.slice(0, 16)}…` : displayText(e.sha256, 24);
  return {
    id: name(e.id),
    anchor: evidenceAnchor(e.id),
    target: name(e.target),
    kind: name(e.kind ?? ''),
    apiVersion: name(e.apiVersion ?? ''),
    namespace: name(e.namespace ?? ''),
    hasNamespace: (e.namespace ?? '') !== '',
    name: name(e.name ?? ''),
    source: name(sourceText(e.source)),
    collectedAt: formatTimestamp(e.collectedAt),
    sha256: name(e.sha256),
    // The raw object's path names its sha256; a separate line for it only when it is not a valid one.
    showSha: !shaValid,
    // Links are built from validated ids only, never from a path in the input.
    rawPath: shaValid ? `evidence/raw/${e.sha256}.json` : name(e.path),
    hasRawLink: shaValid,
    cli: displayText(e.cli, LIMITS.command),
    cliPath,
    hasCliLink: idValid,
    transcript: preview.text,
    hasTranscript: transcript !== '',
    transcriptCut: preview.cut,
    // The sha256 is the record's (the raw object's): the transcript file is hashed in manifest.json.
    transcriptNote: preview.cut ? `… full output in ${cliPath} (raw object sha256 ${sha})` : '',
    redactions: e.redactions.map((r) => `${r.path} (${r.reason})`).map(name).join(', '),
    hasRedactions: e.redactions.length > 0,
    usedBy: `used by ${plural(usedBy, 'result', 'results')}`,
  };
}

// The header the evidence store writes at the top of each transcript: id, target, time, source and
// sha256, all shown in the record's entry already.
const TRANSCRIPT_HEADER = /^# (auditpack evidence |source: |sha256: )/;

// The first LIMITS.transcriptLines lines after the header, at most LIMITS.transcript characters
// (cut at a line end when one is close), and whether anything after the header was left out.
export function transcriptPreview(transcript: string): { text: string; cut: boolean } {
  const lines = displayText(transcript, TRANSCRIPT_INPUT, { multiline: true }).trimEnd().split('\n');
  let start = 0;
  while (start < lines.length - 1 && TRANSCRIPT_HEADER.test(lines[start] ?? '')) start += 1;
  const clean = lines.slice(start).join('\n');
  let text = lines.slice(start, start + LIMITS.transcriptLines).join('\n');
  if (text.length > LIMITS.transcript) {
    const lineEnd = text.lastIndexOf('\n', LIMITS.transcript);
    text = lineEnd >= LIMITS.transcript / 2 ? text.slice(0, lineEnd) : truncate(text, LIMITS.transcript);
  }
  return { text, cut: text !== clean };
}

function sourceText(source: EvidenceRecord['source']): string {
  if (source.file !== undefined) {
    const line = source.line === undefined ? '' : `:${source.line}`;
    const doc = source.document === undefined ? '' : ` (document ${source.document})`;
    return `${source.file}${line}${doc}`;
  }
  if (source.call !== undefined) return source.call;
  return sourceTypeLabel(source.type);
}

// Anchors are generated, never copied: anything outside [A-Za-z0-9-] is hex-encoded so two
// different ids can never share an anchor and no input character reaches an attribute unescaped.
function encodeId(id: string): string {
  let out = '';
  for (const ch of id) {
    out += /^[A-Za-z0-9-]$/.test(ch) ? ch : `_${ch.codePointAt(0)?.toString(16) ?? ''}_`;
  }
  return out;
}

export function evidenceAnchor(id: string): string {
  return EVIDENCE_ID.test(id) ? id : `ev-x${encodeId(id)}`;
}

export function checkAnchor(id: string): string {
  return `check-${encodeId(id)}`;
}

// A check's group in "Results by check".
export function resultsAnchor(id: string): string {
  return `res-${encodeId(id)}`;
}

// A check's part of the results table (large runs).
export function resultsTableAnchor(id: string): string {
  return `all-${encodeId(id)}`;
}

export function controlAnchor(framework: FrameworkId, id: string): string {
  return `ctl-${framework}-${encodeId(id)}`;
}

export function gapAnchor(id: string): string {
  return `gap-${encodeId(id)}`;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

function statusRank(s: CheckStatus): number {
  return CHECK_STATUS_ORDER.indexOf(s);
}

// Deterministic result order: check, then what needs attention first, then the resource.
export function compareResults(a: ReportedResult, b: ReportedResult): number {
  return (
    compareText(a.check, b.check) ||
    statusRank(a.status) - statusRank(b.status) ||
    severityRank(a.severity) - severityRank(b.severity) ||
    compareText(a.target, b.target) ||
    compareText(a.resource.namespace ?? '', b.resource.namespace ?? '') ||
    compareText(a.resource.kind, b.resource.kind) ||
    compareText(a.resource.name, b.resource.name) ||
    compareText(a.messageId, b.messageId) ||
    compareText(a.message, b.message)
  );
}

// Order within a check: what needs attention first, then where.
export function compareWithinCheck(a: ReportedResult, b: ReportedResult): number {
  return (
    statusRank(a.status) - statusRank(b.status) ||
    compareText(a.target, b.target) ||
    compareText(a.resource.namespace ?? '', b.resource.namespace ?? '') ||
    compareText(a.resource.name, b.resource.name) ||
    compareText(a.resource.kind, b.resource.kind) ||
    severityRank(a.severity) - severityRank(b.severity) ||
    compareText(a.messageId, b.messageId) ||
    compareText(a.message, b.message) ||
    compareText(a.evidence.join(' '), b.evidence.join(' '))
  );
}

function compareEvidence(a: EvidenceRecord, b: EvidenceRecord): number {
  return (
    compareText(a.target, b.target) ||
    compareText(a.kind ?? '', b.kind ?? '') ||
    compareText(a.namespace ?? '', b.namespace ?? '') ||
    compareText(a.name ?? '', b.name ?? '') ||
    compareText(a.id, b.id)
  );
}

function compareGaps(a: EvidenceGap, b: EvidenceGap): number {
  return compareText(a.target, b.target) || compareText(a.file ?? '', b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || compareText(a.id, b.id);
}

function compareIgnored(a: ReportInput['ignored'][number], b: ReportInput['ignored'][number]): number {
  return (
    compareText(a.target, b.target) ||
    compareText(a.kind, b.kind) ||
    compareText(a.namespace ?? '', b.namespace ?? '') ||
    compareText(a.name, b.name) ||
    compareText(a.evidenceId, b.evidenceId)
  );
}

function countBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, number> {
  const counts = new Map<K, number>();
  for (const item of items) {
    const k = key(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

function mustGet<K, V>(map: Map<K, V>, key: K): V {
  const value = map.get(key);
  if (value === undefined) throw new Error('view model: missing entry');
  return value;
}

// 12345 → "12,345"; locale-independent so the HTML is byte-stable across machines.
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.trunc(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function counted(n: number, singular: string, plural: string): { count: string; label: string } {
  return { count: formatCount(n), label: n === 1 ? singular : plural };
}

// "1 result", "12 results".
export function plural(n: number, singular: string, pluralForm: string): string {
  return `${formatCount(n)} ${n === 1 ? singular : pluralForm}`;
}

function formatCell(n: number): string {
  return n === 0 ? '–' : formatCount(n);
}

// Never rounds up to 100 % or down to 0 %: 199 of 200 satisfied reads "99%", not "100%".
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '–';
  if (part <= 0) return '0%';
  if (part >= whole) return '100%';
  const pct = Math.min(99, Math.max(1, Math.round((part / whole) * 100)));
  return `${pct}%`;
}

// "2026-11-22T14:03:07.123Z" → "2026-11-22 14:03:07 UTC"; unparseable values are shown as given.
export function formatTimestamp(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return name(value);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function formatDuration(start: string, end: string): string {
  const ms = Date.parse(end) - Date.parse(start);
  if (Number.isNaN(ms) || ms < 0) return '–';
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1_000);
  if (minutes < 60) return `${minutes} min ${seconds} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
