import type { ScopeSectionView } from '../scope-view.ts';
import type { EvidenceSourceView } from '../provenance-view.ts';
import type { ChangesView } from '../changes-view.ts';
import type { ExceptionsSectionView } from '../exceptions-view.ts';
import type { CheckCatalogueView, GapView, IgnoredView } from './catalogue.ts';
import type { FrameworkView } from './controls.ts';
import type { MappingNoteView } from './mapping-notes.ts';
import type { MeshCoverageSummaryView } from './coverage.ts';
import type { EvidenceRowView, EvidenceView } from './evidence.ts';
import type { ResultGroupView, ResultSummaryView } from './results.ts';
import type { WorkloadsView } from './workloads.ts';

// The typed, display-ready model the templates render. Every string is sanitized and bounded;
// every anchor and CSS class is generated here, never taken from input.
export interface ReportView extends ScopeSectionView {
  title: string;
  // Where each target's evidence was read (src/render/provenance-view.ts).
  evidenceSources: EvidenceSourceView[];
  hasEvidenceSources: boolean;
  run: RunView;
  totals: TotalsView;
  targets: TargetView[];
  collected: CollectedView[];
  // Executive summary: one line per target with its mesh coverage.
  meshCoverage: MeshCoverageSummaryView;
  // Section "Workloads and mesh coverage".
  workloads: WorkloadsView;
  frameworks: FrameworkView[];
  // Where a vendor's live mapping and a shipped mapping table disagree (head of the Controls section).
  mappingNotes: MappingNoteView[];
  hasMappingNotes: boolean;
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
  selection: string[];
  signing: {
    algorithm: string;
    keyFingerprint: string;
    ephemeral: boolean;
    notice: string;
  };
  // `report` only: how the judged evidence folder was checked (shown loudly when it was not).
  inputEvidence?: { verified: boolean; text: string };
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
