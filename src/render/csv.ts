import type { ReportedResult } from './report-input.ts';
import { sanitizeText } from './text.ts';
import { resultLocation } from '../scope/cloud-location.ts';
import { compareResults, compareText } from './view-model.ts';

export const CSV_COLUMNS = [
  'check',
  'status',
  'severity',
  'target',
  'kind',
  'namespace',
  'name',
  'message',
  'warning',
  'controls',
  'evidence',
  // Waived results: the exception that waived them ("id · ticket · approver · expires").
  'exception',
  // Where the result sits: target_kind cluster|aws|azure|gcp; cloud results name their provider,
  // account (subscription, project) and region here, and leave namespace empty.
  'target_kind',
  'provider',
  'account',
  'region',
] as const;

// Cells a spreadsheet would read as a formula (OWASP "CSV injection"): neutralised with a leading quote.
const FORMULA_START = /^[=+\-@\t\r]/;

// findings.csv: one row per result, RFC 4180 (CRLF, quotes doubled), in the report's result order.
// Values are complete (no truncation) but terminal escapes, control characters other than tab and
// newline, and bidi overrides are removed, so `cat findings.csv` cannot drive the terminal.
export function renderCsv(results: readonly ReportedResult[]): string {
  const rows = [...results].sort(compareResults).map((r) => {
    const at = resultLocation(r);
    return [
      r.check,
      r.status,
      r.severity,
      r.target,
      r.resource.kind,
      at.namespace,
      r.resource.name,
      r.message,
      r.warning ?? '',
      [...r.controls].sort(compareText).join(' '),
      [...new Set(r.evidence)].sort(compareText).join(' '),
      r.exception ? [r.exception.id, r.exception.ticket ?? '', r.exception.approver, `expires ${r.exception.expires}`].filter(Boolean).join(' · ') : '',
      at.kind,
      at.provider,
      at.account,
      at.region,
    ];
  });
  return csvRecords([[...CSV_COLUMNS], ...rows]);
}

// Rows of cells as RFC 4180 records, each cell through csvCell, each record ended by CRLF.
export function csvRecords(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',') + '\r\n').join('');
}

export function csvCell(value: string): string {
  let cell = sanitizeText(value, { multiline: true }).replace(/\n/g, '\r\n');
  if (FORMULA_START.test(cell)) cell = `'${cell}`;
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}
