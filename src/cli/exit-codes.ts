import type { RunSummary } from '../pipeline/run.ts';

// Documented exit codes, so a scheduler can alert on them (README "Exit codes", `auditpack --help`).
// Precedence: a usage or internal error ends the run before any verdict; otherwise 1 (a control
// not satisfied) wins over 3 (evidence incomplete), which wins over 0.
export const EXIT = {
  OK: 0,
  NOT_SATISFIED: 1,
  USAGE: 2,
  EVIDENCE_INCOMPLETE: 3,
  ERROR: 4,
} as const;

const USAGE_CODES = new Set(['USAGE', 'CONFIG_INVALID', 'SNAPSHOT_NOT_FOUND', 'CHROME_NOT_FOUND', 'OUTPUT_EXISTS', 'KEY_INVALID', 'KEY_NOT_FOUND', 'KEY_ACCESS_DENIED']);
// Input evidence that fails verification: nothing was judged, the caller must look at the input.
const EVIDENCE_CODES = new Set(['MANIFEST_INVALID', 'SIGNATURE_INVALID', 'FILE_CHANGED', 'FILE_MISSING', 'FILE_EXTRA', 'PATH_ESCAPES']);

export function exitCodeForError(code: string): number {
  if (USAGE_CODES.has(code) || code.startsWith('CATALOG_')) return EXIT.USAGE;
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
  2  usage or configuration error (bad flag, invalid auditpack.yaml, missing key or folder)
  3  evidence incomplete: nothing failed, but a target or kind could not be collected
     (denied, unreachable, timed out) or the input evidence does not verify
  4  internal error`;
