import { CHECKS } from '../checks/registry.ts';
import { evaluateCheck } from '../checks/evaluate.ts';
import type { CheckResult } from '../checks/types.ts';
import { rollUp, type RollUpContext } from '../controls/roll-up.ts';
import type { Catalog } from '../controls/schema.ts';
import type { ControlOutcome } from '../controls/types.ts';
import { applyAttestations } from '../attestations/apply.ts';
import type { AttestationOutcome, AttestationRule } from '../attestations/types.ts';
import { applyExceptions } from '../exceptions/apply.ts';
import type { ExceptionOutcome, ExceptionRule } from '../exceptions/types.ts';
import type { TargetInventory } from '../inventory/types.ts';
import { StringPool } from '../evidence/string-pool.ts';
import { checkApplies, targetKinds } from '../scope/target-kind.ts';
import { applyMappingTables } from '../mappings/apply.ts';
import { MappingDisagreements, findSecurityHubDisagreements, type MappingDisagreement } from '../mappings/disagreements.ts';
import { shippedMappingTables } from '../mappings/load.ts';

// Evaluation as `run`, `report` and `merge` do it (and `npm run bench` measures): every check on
// every target of its kind, results in report order, approved exceptions applied; then the roll-up
// to controls with attestations. `now` is the run's start time from the injected clock.

export function evaluateChecks(inventories: readonly TargetInventory[], now: Date, exceptions: readonly ExceptionRule[] = []): { results: CheckResult[]; exceptions: ExceptionOutcome[]; mappingDisagreements: MappingDisagreement[] } {
  const evaluated: CheckResult[] = [];
  const strings = new StringPool();
  for (const inventory of inventories) {
    const kinds = targetKinds(inventory);
    for (const check of CHECKS) {
      // Mesh checks judge clusters, each cloud's checks its own accounts (src/scope/target-kind.ts).
      if (!checkApplies(check.meta, kinds)) continue;
      let previous: string[] | undefined;
      // A loop, not push(...results): a target with hundreds of thousands of results would
      // overflow the call stack as spread arguments.
      for (const r of evaluateCheck(check, inventory, now)) {
        pool(r.data, strings);
        // Results of one subject (one per port) usually rely on the same records: one array serves.
        if (previous && sameIds(previous, r.evidence)) r.evidence = previous;
        previous = r.evidence;
        evaluated.push(r);
      }
    }
  }
  // Shipped cloud mapping tables (controls/mappings) add their edges to the results they name;
  // where the vendor's live mapping says otherwise, that is kept for the report.
  const tables = shippedMappingTables(undefined, new Set(CHECKS.map((c) => c.meta.id)));
  const disagreements = new MappingDisagreements();
  applyMappingTables(evaluated, tables, disagreements);
  findSecurityHubDisagreements(evaluated, tables, disagreements);
  const mappingDisagreements = disagreements.list();
  sortResults(evaluated);
  const applied = applyExceptions(evaluated, exceptions, now);
  return { results: applied.results, exceptions: applied.outcomes, mappingDisagreements };
}

// Message data repeats across results ("PeerAuthentication team-000/default (namespace level)" for
// every port of every workload of a namespace) and is built anew for each, often as a chain of
// concatenations; every result is kept to the end of the run, so its values are kept once.
function pool(data: CheckResult['data'], strings: StringPool): void {
  const d = data as Record<string, string | number>;
  for (const key of Object.keys(d)) {
    const v = d[key];
    if (typeof v === 'string') d[key] = strings.get(v);
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// `counts` keeps each framework's roll-up to the results inside its declared scope (src/scope/apply.ts).
export function mapControls(
  catalogs: Catalog[],
  results: readonly CheckResult[],
  attestations: readonly AttestationRule[],
  now: Date,
  context: RollUpContext = {},
  counts?: (framework: string, r: CheckResult) => boolean,
): { controls: ControlOutcome[]; attestations: AttestationOutcome[] } {
  const rolled = counts ? catalogs.flatMap((c) => rollUp([c], results.filter((r) => counts(c.framework, r)), context)) : rollUp(catalogs, results, context);
  const { controls, outcomes } = applyAttestations(rolled, attestations, now);
  return { controls, attestations: outcomes };
}

// Collators made once: String#localeCompare(b, locales, options) is specified as comparing with a
// new Intl.Collator(locales, options), so these give the same order without building a collator
// per comparison (a sort of 400,000 results makes millions).
const TEXT = new Intl.Collator();
const NUMERIC = new Intl.Collator(undefined, { numeric: true });

export function sortResults(results: CheckResult[]): void {
  const order = new Map(CHECKS.map((c, i) => [c.meta.id, i]));
  results.sort(
    (a, b) =>
      (order.get(a.check) ?? 0) - (order.get(b.check) ?? 0) ||
      TEXT.compare(a.target, b.target) ||
      TEXT.compare(a.resource.namespace ?? '', b.resource.namespace ?? '') ||
      TEXT.compare(a.resource.kind, b.resource.kind) ||
      TEXT.compare(a.resource.name, b.resource.name) ||
      NUMERIC.compare(String(a.data.port ?? ''), String(b.data.port ?? '')) ||
      TEXT.compare(a.messageId, b.messageId),
  );
}
