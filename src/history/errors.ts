import { AuditpackError } from '../shared/errors.ts';

export type HistoryErrorCode = 'HISTORY_INVALID' | 'HISTORY_CONFLICT' | 'FINDINGS_INVALID';
// The evidence history folder (index.jsonl and runs/) or a run's findings.json cannot be used.
export class HistoryError extends AuditpackError<HistoryErrorCode> {}
