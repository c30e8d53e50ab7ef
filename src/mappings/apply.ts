import type { CheckResult, MappedControl } from '../checks/types.ts';
import type { MappingDisagreements } from './disagreements.ts';
import type { MappingTable } from './schema.ts';

// Adds the shipped tables' edges to the results they name: a result of the table's check whose
// data[key] names a row's source control (or lists it, comma-separated) gets that row as a mapped
// control; two rows reaching the same control through different source controls add it once. An edge the result already
// carries (a vendor's live mapping) is kept as is; a table row for the same control is not added
// twice, and where the strengths differ the result says so (warning) and `disagreements` records it
// for the report.
export function applyMappingTables(results: readonly CheckResult[], tables: readonly MappingTable[], disagreements?: MappingDisagreements): void {
  const byCheck = new Map<string, MappingTable[]>();
  for (const t of tables) byCheck.set(t.check, [...(byCheck.get(t.check) ?? []), t]);
  if (byCheck.size === 0) return;
  for (const r of results) {
    const own = byCheck.get(r.check);
    if (!own) continue;
    for (const t of own) {
      const value = r.data[t.key];
      if (typeof value !== 'string' || value === '') continue;
      // One source control, or several comma-separated (the NIST ids a Security Hub control relates to).
      const froms = new Set(value.split(/,\s*/));
      const rows = t.rows.filter((row) => froms.has(row.from));
      if (rows.length === 0) continue;
      const mapped: MappedControl[] = r.mappedControls ?? [];
      for (const row of rows) {
        const live = mapped.find((m) => m.control === row.control);
        if (live?.provenance.includes(`controls/mappings/${t.table}.yaml`)) continue;
        if (live) {
          if (live.strength !== row.strength) {
            const note = `${live.provenance} maps ${row.control} as ${live.strength}; the shipped table ${t.table} says ${row.strength}`;
            r.warning = r.warning ? `${r.warning}; ${note}` : note;
            disagreements?.addStrength(r, t.table, row.from, row.control, live, row.strength);
          }
          continue;
        }
        mapped.push({ control: row.control, strength: row.strength, rationale: row.rationale, provenance: `${row.source ?? t.source} (table controls/mappings/${t.table}.yaml; ${row.licence ?? t.licence})` });
      }
      r.mappedControls = mapped;
    }
  }
}
