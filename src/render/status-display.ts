import type { CheckStatus } from '../checks/types.ts';
import type { ControlStatus } from '../controls/types.ts';

export interface StatusDisplay {
  label: string;
  cssClass: string;
}

export const CONTROL_STATUS_DISPLAY: Record<ControlStatus, StatusDisplay> = {
  satisfied: { label: 'Satisfied', cssClass: 'st-ok' },
  not_satisfied: { label: 'Not satisfied', cssClass: 'st-bad' },
  insufficient_evidence: { label: 'Insufficient evidence', cssClass: 'st-warn' },
  manual: { label: 'Manual attestation', cssClass: 'st-manual' },
  not_applicable: { label: 'Not applicable', cssClass: 'st-na' },
};

export const CHECK_STATUS_DISPLAY: Record<CheckStatus, StatusDisplay> = {
  pass: { label: 'Pass', cssClass: 'st-ok' },
  fail: { label: 'Fail', cssClass: 'st-bad' },
  error: { label: 'Error', cssClass: 'st-warn' },
  not_applicable: { label: 'N/A', cssClass: 'st-na' },
  waived: { label: 'Waived', cssClass: 'st-waived' },
};
