import type { ObjectRef } from '../inventory/types.ts';

export interface ExceptionSelector {
  target?: string;
  namespace?: string;
  kind?: string;
  name?: string;
}

// One validated entry of exceptions.yaml.
export interface ExceptionRule {
  id: string;
  check: string;
  selector: ExceptionSelector;
  justification: string;
  approver: string;
  ticket?: string;
  // As written; `expiresAt` is the first instant it no longer applies.
  expires: string;
  expiresAt: Date;
  file: string;
  line: number;
}

// applied: it waived at least one failing result; expired: past its expiry, so the results it
// names stay failed; stale: unexpired but it waived nothing (remediated, or selector matches nothing).
export const EXCEPTION_STATES = ['applied', 'expired', 'stale'] as const;
export type ExceptionState = (typeof EXCEPTION_STATES)[number];

export interface ExceptionOutcome {
  id: string;
  state: ExceptionState;
  check: string;
  selector: ExceptionSelector;
  justification: string;
  approver: string;
  ticket?: string;
  expires: string;
  // Results the selector matched (any status), and failures it waived.
  matched: number;
  waived: number;
  // Failing results it would cover if it had not expired.
  failing: number;
  // Where it is written, "exceptions.yaml:12" (file name only: the path is the operator's).
  source: string;
  note: string;
}

export type { ObjectRef };
