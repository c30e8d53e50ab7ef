import type { RunSummary } from '../pipeline/run.ts';

// Documented exit codes, so a scheduler can alert on them (README "Exit codes", `auditpack --help`).
// Precedence: a usage or internal error ends the run before any verdict; otherwise 1 (a control
// not satisfied, or with --fail-on a failed result at that severity) wins over 5 (the PDF could not
// be rendered; the signed bundle has the other outputs), which wins over 3 (evidence incomplete),
// which wins over 0.
export const EXIT = {
  OK: 0,
  NOT_SATISFIED: 1,
  USAGE: 2,
  EVIDENCE_INCOMPLETE: 3,
  ERROR: 4,
  OUTPUT_INCOMPLETE: 5,
} as const;

const USAGE_CODES = new Set(['USAGE', 'CONFIG_INVALID', 'SNAPSHOT_NOT_FOUND', 'NOT_EVIDENCE', 'CHROME_NOT_FOUND', 'OUTPUT_EXISTS', 'KEY_INVALID', 'KEY_NOT_FOUND', 'KEY_ACCESS_DENIED']);
// Input evidence that fails verification: nothing was judged, the caller must look at the input.
const EVIDENCE_CODES = new Set(['MANIFEST_INVALID', 'SIGNATURE_INVALID', 'FILE_CHANGED', 'FILE_MISSING', 'FILE_EXTRA', 'PATH_ESCAPES']);

// Input the user gave that is not what the command needs (a partial that is not evidence, shards
// that do not add up, a history or findings file that is not one).
const INPUT_CODES = new Set(['MERGE_NOT_EVIDENCE', 'MERGE_DUPLICATE_TARGET', 'MERGE_SHARD_MISMATCH', 'MERGE_SHARD_MISSING', 'HISTORY_INVALID', 'FINDINGS_INVALID', 'ARCHIVE_INVALID']);

export function exitCodeForError(code: string): number {
  if (USAGE_CODES.has(code) || INPUT_CODES.has(code) || code.startsWith('CATALOG_')) return EXIT.USAGE;
  if (EVIDENCE_CODES.has(code)) return EXIT.EVIDENCE_INCOMPLETE;
  return EXIT.ERROR;
}

// 0: every automated control satisfied or its failures waived (manual and not-applicable controls
// do not count against); 1: some control not satisfied; 3: nothing failed but evidence is
// incomplete (an evidence gap: a denied list, an unreachable or timed-out target). A control not
// assessed because no source of its evidence was in the run (no AWS account, say) is not a gap.
export function exitCodeFor(summary: Pick<RunSummary, 'controls' | 'gaps'>): number {
  if (summary.controls.some((c) => c.status === 'not_satisfied')) return EXIT.NOT_SATISFIED;
  if (summary.gaps.length > 0 || summary.controls.some((c) => c.status === 'insufficient_evidence' && c.missingEvidence === true)) return EXIT.EVIDENCE_INCOMPLETE;
  return EXIT.OK;
}

// The epilogue of `auditpack --help`.
export const EXIT_CODES_HELP = `
Exit codes:
  0  every control satisfied (or its failures waived)
  1  some control not satisfied
  1  with --fail-on SEVERITY: a failed result at or above SEVERITY
     diff: the newer run has new failures; verify: the bundle does not verify
  2  usage or input error (bad flag, invalid auditpack.yaml, missing key, file or folder)
  3  evidence incomplete: nothing failed, but a target or kind could not be collected
     (denied, unreachable, timed out) or the input evidence does not verify
  4  internal error
  5  the PDF could not be rendered: the signed bundle holds every other output`;
