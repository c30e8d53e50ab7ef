import type { WorkloadRow } from '../inventory/workload-view.ts';
import { csvRecords } from './csv.ts';
import { compareText, compareWorkloads, WORKLOADS_CSV_FILE } from './view-model.ts';

export { WORKLOADS_CSV_FILE };

export const WORKLOADS_CSV_COLUMNS = [
  'target',
  'namespace',
  'kind',
  'name',
  'in_scope',
  'mesh',
  'proxy',
  'ports',
  'inbound_default',
  'callers',
  'notes',
  'evidence',
] as const;

// Separates the entries of a list cell (ports, callers, notes). ASCII, so a spreadsheet opening
// the file without a BOM shows it as written.
export const LIST_SEPARATOR = ' | ';

// workloads.csv: one row per workload, out-of-scope ones included (in_scope false), in target,
// namespace, kind and name order. Same quoting and formula defence as findings.csv (csvCell); values
// are complete, not cut for display. Ports read "8080 STRICT | 9090 PERMISSIVE" ("*" for every
// port); evidence ids are sorted and space-separated.
export function renderWorkloadsCsv(rows: readonly WorkloadRow[]): string {
  const records = [...rows].sort(compareWorkloads).map((r) => [
    r.target,
    r.namespace,
    r.kind,
    r.name,
    r.inScope ? 'true' : 'false',
    r.mesh,
    r.proxy,
    r.ports.map((p) => `${String(p.port)} ${p.mtls}`).join(LIST_SEPARATOR),
    r.inboundDefault,
    r.callers.join(LIST_SEPARATOR),
    r.notes.join(LIST_SEPARATOR),
    [...new Set(r.evidence)].sort(compareText).join(' '),
  ]);
  return csvRecords([[...WORKLOADS_CSV_COLUMNS], ...records]);
}
