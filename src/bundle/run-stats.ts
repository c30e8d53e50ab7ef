import type { RunStats } from './attestation.ts';

export type { RunStats } from './attestation.ts';

// Counts for the attestation's predicate: control statuses per framework (in first-seen order,
// which is the catalog order) and result statuses, keys sorted so the signed JSON is stable.
export function runStats(results: ReadonlyArray<{ status: string }>, controls: ReadonlyArray<{ framework: string; status: string }>): RunStats {
  const frameworks = new Map<string, Record<string, number>>();
  for (const c of controls) {
    const counts = frameworks.get(c.framework) ?? {};
    counts[c.status] = (counts[c.status] ?? 0) + 1;
    frameworks.set(c.framework, counts);
  }
  const byStatus: Record<string, number> = {};
  for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  return { frameworks: [...frameworks].map(([id, counts]) => ({ id, controls: counts })), results: byStatus };
}
