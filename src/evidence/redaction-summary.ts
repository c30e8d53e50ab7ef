import type { EvidenceRecord, Redaction } from './types.ts';

// run.json's account of what redaction removed: counts only (the paths are in evidence/index.jsonl).
export interface RedactionSummary {
  objects: number;
  fields: number;
  byReason: Partial<Record<Redaction['reason'], number>>;
}

export function redactionSummary(records: readonly Pick<EvidenceRecord, 'redactions'>[]): RedactionSummary {
  const byReason: Partial<Record<Redaction['reason'], number>> = {};
  let objects = 0;
  let fields = 0;
  for (const r of records) {
    if (r.redactions.length === 0) continue;
    objects++;
    fields += r.redactions.length;
    for (const x of r.redactions) byReason[x.reason] = (byReason[x.reason] ?? 0) + 1;
  }
  return { objects, fields, byReason: Object.fromEntries(Object.entries(byReason).sort(([a], [b]) => a.localeCompare(b))) };
}
