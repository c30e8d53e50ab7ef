import type { CheckStatus, Severity } from '../../checks/types.ts';
import type { FrameworkId } from '../../controls/types.ts';
import type { EvidenceGap } from '../../inventory/types.ts';

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
export const TRANSCRIPT_INPUT = 4_000;

export const COVER_LIMITS = { id: 80, operator: 80, command: 200, targetName: 40, targetsText: 80, checkTitle: 40 } as const;

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
export const TOP_FAILING_CHECKS = 3;

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

// Prefixes in the compact list of controls a result counts toward.
export const FRAMEWORK_SHORT: Record<FrameworkId, string> = {
  soc2: 'SOC2',
  hipaa: 'HIPAA',
  'pci-dss-4': 'PCI',
};

// Order in which results are listed and counted: what needs attention first.
export const CHECK_STATUS_ORDER: readonly CheckStatus[] = ['fail', 'error', 'waived', 'pass', 'not_applicable'];

// Results named under a control; passing and not-applicable results are only counted there.
export const NEEDS_ATTENTION: ReadonlySet<CheckStatus> = new Set<CheckStatus>(['fail', 'error', 'waived']);

// Lead-in of each status's part of the compact line under a control.
export const ATTENTION_LABELS: Partial<Record<CheckStatus, string>> = {
  fail: 'Failing',
  error: 'Errors',
  waived: 'Waived',
};

// Column order of the per-check counts under a control (templates/partials/control.hbs heads).
export const COUNT_COLUMNS: readonly CheckStatus[] = ['pass', 'fail', 'error', 'not_applicable', 'waived'];

export const SEVERITY_LABELS: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

// Column heads of the summary's status × severity table, short enough for a third of a page.
export const SEVERITY_SHORT: Record<Severity, string> = {
  critical: 'Crit.',
  high: 'High',
  medium: 'Med.',
  low: 'Low',
  info: 'Info',
};

export const GAP_REASON_LABELS: Record<EvidenceGap['reason'], string> = {
  'parse-error': 'Parse error',
  'schema-invalid': 'Schema invalid',
  'access-denied': 'Access denied',
  'api-error': 'API error',
  'not-found': 'Not found',
  'too-large': 'Too large',
};

export const EVIDENCE_ID = /^ev-[0-9a-f]{16}$/;
export const SHA256 = /^[0-9a-f]{64}$/;
