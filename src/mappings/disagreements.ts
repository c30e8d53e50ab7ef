import type { CheckResult } from '../checks/types.ts';
import { FRAMEWORKS, type FrameworkId } from '../controls/types.ts';
import { SECURITY_HUB_PROVENANCE } from '../inventory/aws/control-groups.ts';
import { resultId } from '../render/result-id.ts';
import type { MappingTable } from './schema.ts';

// Where the vendor's live mapping and a shipped table row say different things about the same
// source control, so the report can show it instead of silently preferring one:
// - the same control mapped by both with different strengths (src/mappings/apply.ts keeps the live one);
// - a Security Hub control whose live RelatedRequirements name other PCI DSS requirements than the
//   shipped AWS Config table gives for the managed rule Security Hub evaluates it with. The table's
//   PCI rows were taken from the Security Hub controls reference, so a difference means AWS changed
//   its mapping since the table was written (or the table is wrong): either way a reader must know.

export interface MappingDisagreement {
  // What is mapped, e.g. "AWS Security Hub control S3.5 (AWS Config managed rule S3_BUCKET_SSL_REQUESTS_ONLY)".
  source: string;
  framework: FrameworkId;
  // Framework controls (<framework>:<id>) the live data names, and where it comes from.
  live: string[];
  liveProvenance: string;
  // Framework controls the shipped table names, and the table (controls/mappings/<table>.yaml).
  shipped: string[];
  table: string;
  // The account/region scopes (or targets) where the live mapping was read, and the results it is on.
  scopes: string[];
  resultIds: string[];
  // One sentence a compliance reader can act on.
  message: string;
}

const SECURITY_HUB_CHECK = 'aws-securityhub-failed-controls';
const CONFIG_RULE_CHECK = 'aws-config-rules-compliant';

function frameworkOf(ref: string): FrameworkId | undefined {
  const fw = ref.slice(0, ref.indexOf(':'));
  return (FRAMEWORKS as readonly string[]).includes(fw) ? (fw as FrameworkId) : undefined;
}

function ids(refs: readonly string[]): string {
  return refs.map((r) => r.slice(r.indexOf(':') + 1)).join(', ') || 'none';
}

const byNumber = (a: string, b: string): number => a.localeCompare(b, undefined, { numeric: true });

// Disagreements found across a run, one entry per difference, with every scope and result it was seen on.
export class MappingDisagreements {
  private readonly found = new Map<string, MappingDisagreement>();

  add(key: string, d: Omit<MappingDisagreement, 'scopes' | 'resultIds'>, result: CheckResult): void {
    let entry = this.found.get(key);
    if (!entry) {
      entry = { ...d, scopes: [], resultIds: [] };
      this.found.set(key, entry);
    }
    const scope = result.resource.namespace ?? result.target;
    const id = resultId(result);
    if (!entry.scopes.includes(scope)) entry.scopes.push(scope);
    if (!entry.resultIds.includes(id)) entry.resultIds.push(id);
  }

  // A live edge and a table row for the same control with different strengths (the live one is kept).
  addStrength(result: CheckResult, table: string, from: string, control: string, live: { strength: string; provenance: string }, shipped: string): void {
    const framework = frameworkOf(control);
    if (!framework) return;
    this.add(
      `strength\0${table}\0${from}\0${control}`,
      {
        source: `${result.check} ${from}`,
        framework,
        live: [control],
        liveProvenance: live.provenance,
        shipped: [control],
        table,
        message: `${live.provenance} maps ${from} to ${control} as "${live.strength}"; the shipped table ${table} says "${shipped}". The live mapping is used.`,
      },
      result,
    );
  }

  list(): MappingDisagreement[] {
    return [...this.found.values()].map((d) => ({ ...d, scopes: d.scopes.sort(), resultIds: d.resultIds.sort() })).sort((a, b) => byNumber(a.source, b.source));
  }
}

// Security Hub controls whose live PCI requirements differ from the shipped Config-table rows of
// the managed rule they are evaluated with.
export function findSecurityHubDisagreements(results: readonly CheckResult[], tables: readonly MappingTable[], found: MappingDisagreements): void {
  // Managed-rule rows of the Config table that came from the Security Hub controls reference.
  const configTables = tables.filter((t) => t.check === CONFIG_RULE_CHECK);
  for (const r of results) {
    const identifier = r.check === SECURITY_HUB_CHECK ? r.data.configRuleIdentifier : undefined;
    if (typeof identifier !== 'string' || identifier === '') continue;
    const live = [...new Set((r.mappedControls ?? []).filter((m) => m.provenance === SECURITY_HUB_PROVENANCE).map((m) => m.control))].sort(byNumber);
    if (live.length === 0) continue;
    for (const t of configTables) {
      const rows = t.rows.filter((row) => row.from === identifier && row.control.startsWith('pci-dss-4:') && /Security Hub/.test(row.source ?? t.source));
      if (rows.length === 0) continue;
      const shipped = [...new Set(rows.map((row) => row.control))].sort(byNumber);
      if (shipped.join() === live.join()) continue;
      const control = String(r.data.control ?? r.resource.name);
      const onlyLive = live.filter((c) => !shipped.includes(c));
      const onlyShipped = shipped.filter((c) => !live.includes(c));
      found.add(
        `securityhub\0${control}\0${identifier}\0${live.join()}\0${t.table}`,
        {
          source: `AWS Security Hub control ${control} (AWS Config managed rule ${identifier})`,
          framework: 'pci-dss-4',
          live,
          liveProvenance: SECURITY_HUB_PROVENANCE,
          shipped,
          table: t.table,
          message:
            `AWS Security Hub now relates ${control} to PCI DSS v4.0.1 ${ids(live)}; the shipped table ${t.table} relates ${identifier} to ${ids(shipped)}` +
            `${onlyLive.length > 0 ? ` (${ids(onlyLive)} only in AWS's data` : ' ('}${onlyLive.length > 0 && onlyShipped.length > 0 ? '; ' : ''}${onlyShipped.length > 0 ? `${ids(onlyShipped)} only in the table` : ''}). ` +
            `Security Hub's result uses AWS's live list; Config rules outside Security Hub with this identifier use the table until it is reviewed.`,
        },
        r,
      );
    }
  }
}

// The controls a disagreement touches: whatever either side names.
export function disagreementControls(d: MappingDisagreement): string[] {
  return [...new Set([...d.live, ...d.shipped])];
}
