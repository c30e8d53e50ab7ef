import type { CheckResult } from '../checks/types.ts';
import type { EvidenceGap } from '../inventory/types.ts';

// One count of evidence gaps for the log, the CLI summary and the report alike: every input that
// could not be read (gaps) plus every result in error that no such input explains (the evidence a
// check needed was absent or inconsistent: a constraint with no policy, an item of another
// subscription). An error result that cites a gap is that gap, counted once.
export interface EvidenceGapCount {
  total: number;
  // Inputs unreadable, denied or lost.
  inputs: number;
  // Results in error that cite no unreadable input.
  results: number;
  // "12 evidence gap(s) (0 unreadable inputs, 12 results in error)".
  text: string;
}

export function evidenceGapCount(
  results: readonly (Pick<CheckResult, 'status' | 'gaps'> & { target?: string })[],
  gaps: readonly (Pick<EvidenceGap, 'id'> & { target?: string; kinds?: EvidenceGap['kinds'] })[],
): EvidenceGapCount {
  const inputs = new Set(gaps.map((g) => g.id)).size;
  // A target that could not be read at all (kinds '*') explains every error on it.
  const lost = new Set(gaps.filter((g) => g.kinds === '*' && g.target !== undefined).map((g) => g.target));
  let own = 0;
  for (const r of results) {
    if (r.status !== 'error' || (r.gaps !== undefined && r.gaps.length > 0)) continue;
    if (r.target !== undefined && lost.has(r.target)) continue;
    own++;
  }
  const total = inputs + own;
  return { total, inputs, results: own, text: `${total} evidence gap(s) (${inputs} unreadable input(s), ${own} other result(s) in error)` };
}
