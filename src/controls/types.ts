export const FRAMEWORKS = ['soc2', 'hipaa', 'pci-dss-4'] as const;
export type FrameworkId = (typeof FRAMEWORKS)[number];

export const CONTROL_STATUSES = ['satisfied', 'not_satisfied', 'insufficient_evidence', 'manual', 'not_applicable'] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

export interface ResultCounts {
  pass: number;
  fail: number;
  error: number;
  not_applicable: number;
  waived: number;
}

// A control's verdict for this run, derived from the results of the checks it points at.
export interface ControlOutcome {
  framework: FrameworkId;
  id: string;
  title: string;
  // HIPAA implementation specifications only.
  requirement?: 'required' | 'addressable';
  family?: string;
  status: ControlStatus;
  checks: string[];
  results: number;
  counts: ResultCounts;
  // Why the status is what it is, in one sentence.
  reason: string;
  // For manual controls: what a person must attest.
  manual?: string;
}
