import { isClusterTarget, scopeSection } from './scope-view.ts';
// The report's view model: one module per report section under view-model/, assembled here.
import type { CheckMeta } from '../checks/types.ts';
import { changesSection } from './changes-view.ts';
import { exceptionsSection } from './exceptions-view.ts';
import type { ReportInput, ReportedResult } from './report-input.ts';
import { evidenceSourcesView } from './provenance-view.ts';
import { checkAnchor, controlAnchor } from './view-model/anchors.ts';
import { catalogueViews, gapView } from './view-model/catalogue.ts';
import { frameworkView } from './view-model/controls.ts';
import { meshCoverageSummary } from './view-model/coverage.ts';
import { evidenceSection, selectEvidence } from './view-model/evidence.ts';
import { compareGaps, compareIgnored, compareResults, compareText, formatCount, message, mustGet, name, plural } from './view-model/format.ts';
import { ATTENTION_PER_CHECK, LARGE_RUN_RESULTS, REPORT_TITLE, SUMMARY_RESULTS_PER_CHECK } from './view-model/limits.ts';
import { type LinkContext, evidenceLink } from './view-model/links.ts';
import { type ResultView, registryOrder, resultAnchors, resultGroupViews, resultSummaryViews, resultView } from './view-model/results.ts';
import { collectedViews, targetView } from './view-model/scope.ts';
import { sectionNumbers, selectedFrameworks, tocEntries, withChangesEntry } from './view-model/sections.ts';
import { runView, totalsView } from './view-model/summary.ts';
import type { ReportView } from './view-model/types.ts';
import { workloadsView } from './view-model/workloads.ts';
import { mappingNoteViews, mappingNotesByControl } from './view-model/mapping-notes.ts';

export { evidenceAnchor, checkAnchor, resultsAnchor, resultsTableAnchor, controlAnchor, gapAnchor } from './view-model/anchors.ts';
export { type CheckCatalogueView, type GapView, type IgnoredView } from './view-model/catalogue.ts';
export { type FrameworkView, type ControlView, type CountCellView, type ControlCheckView, type AttentionGroupView, type AttentionItemView } from './view-model/controls.ts';
export { controlsText } from './view-model/controls-text.ts';
export { type MeshCoverageLineView, type MeshCoverageSummaryView, type CoverageCellView, type CoverageNamespaceView, type CoverageTargetView, type MtlsStrength, mtlsStrength, fullyProtected, formatCoverage, workloadsAnchor, compareWorkloads } from './view-model/coverage.ts';
export { type EvidenceView, type EvidenceRowView, evidenceShownInFull, transcriptPreview } from './view-model/evidence.ts';
export { compareText, compareResults, compareWithinCheck, formatCount, plural, formatPercent, formatTimestamp, formatDuration } from './view-model/format.ts';
export { REPORT_TITLE, EPHEMERAL_NOTICE, LIMITS, ATTENTION_PER_CHECK, NA_FOLD_SUBJECTS, LARGE_RUN_RESULTS, SUMMARY_RESULTS_PER_CHECK, EVIDENCE_DETAILED_MAX, EVIDENCE_LISTED_MAX, EVIDENCE_INDEX_FILE, WORKLOADS_CSV_FILE, LARGE_ESTATE_WORKLOADS, LARGE_ESTATE_SHOWN, SUMMARY_COVERAGE_TARGETS, WORKLOAD_LIMITS } from './view-model/limits.ts';
export { type LinkView } from './view-model/links.ts';
export { type ResultGroupView, type ResultSummaryView, type ResultView } from './view-model/results.ts';
export { RESULTS_TABLE_ANCHOR } from './view-model/sections.ts';
export { type DonutSegment, type MatrixRow, type TopFailingCheck, type FrameworkSummary, donutSegments } from './view-model/summary.ts';
export { type ReportView, type RunView, type TotalsView, type StatusCountView, type TargetView, type NamespaceView, type CollectedView, type TocEntry, type SectionNumbers } from './view-model/types.ts';
export { type PortMtlsView, type WorkloadRowView, type WorkloadTableView, type WorkloadsView } from './view-model/workloads.ts';

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
  const notesByControl = mappingNotesByControl(input.mappingDisagreements);
  const frameworks = frameworkIds.map((fw, i) =>
    frameworkView(fw, `${sections.controls}.${i + 1}`, input.controls, results, resultViews, links, notesByControl),
  );
  const mappingNotes = mappingNoteViews(input.mappingDisagreements);
  const resultGroups = resultGroupViews(checkOrder, results, resultViews, links);
  const resultSummaries = large ? resultSummaryViews(checkOrder, results, resultViews, links) : [];

  return {
    ...evidenceSourcesView(input.evidenceSources),
    title: REPORT_TITLE,
    run: runView(input),
    totals: totalsView(input, results),
    targets: [...input.targets].filter(isClusterTarget).sort((a, b) => compareText(a.name, b.name)).map(targetView),
    ...scopeSection(input),
    collected: collectedViews(input),
    meshCoverage: meshCoverageSummary(input, sections),
    workloads: workloadsView(input, links),
    frameworks,
    mappingNotes,
    hasMappingNotes: mappingNotes.length > 0,
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
