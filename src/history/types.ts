// Month-over-month comparison of runs: what the CLI `diff` prints and the report's
// "Changes since last run" section shows. Plain data, no behaviour.

export interface RunRef {
  runId: string;
  startedAt: string;
}

// One judged subject of one check (check, target, resource and port), as two runs compare it.
export interface ResultRef {
  key: string;
  check: string;
  severity: string;
  target: string;
  resource: { kind: string; namespace?: string; name: string };
  port?: string;
  // Status in the run this entry describes (for "resolved" and "not assessed": the newer run;
  // "absent" when the newer run has no result for the subject).
  status: string;
  message: string;
}

export interface StillFailing extends ResultRef {
  // startedAt of the earliest run of the unbroken streak of failing runs that ends in NEW.
  firstSeen: string;
}

export interface ControlChange {
  framework: string;
  id: string;
  title: string;
  from: string;
  to: string;
}

export interface RunDiff {
  old: RunRef;
  new: RunRef;
  // Where first-seen dates come from: the evidence history, or only OLD (first seen = OLD's date at the latest).
  firstSeenSource: 'history' | 'old-run';
  newFailures: ResultRef[];
  // Failing in OLD, passing (or waived / not applicable) in NEW.
  resolved: ResultRef[];
  // Failing in OLD, and in NEW errored (evidence missing) or no longer reported: not a fix.
  notAssessed: ResultRef[];
  stillFailing: StillFailing[];
  controlChanges: ControlChange[];
}

export interface TrendPoint {
  runId: string;
  startedAt: string;
  controls: { satisfied: number; notSatisfied: number; insufficient: number };
  results: { pass: number; fail: number };
}

// The report's view of the evidence history (ReportInput.history).
export interface ReportHistory {
  // The run this one is compared with (the last one in the history), if any.
  previous?: RunRef;
  diff?: RunDiff;
  // Oldest first, the current run last (at most TREND_RUNS).
  trend: TrendPoint[];
  // The history folder as given, for the reader.
  dir: string;
}

export const TREND_RUNS = 12;
