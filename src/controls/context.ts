import type { CheckMeta } from '../checks/types.ts';
import type { TargetInventory } from '../inventory/types.ts';
import { UsageError } from '../shared/errors.ts';
import { judgeConditions } from './conditions.ts';
import { controlRef, type NotApplicableDeclaration, type RollUpContext } from './roll-up.ts';
import type { Catalog } from './schema.ts';
import { checkSources, sourcesInRun } from './sources.ts';

// Every declaration must name a control of a catalog: a typo would otherwise silently leave a
// control in scope that someone meant to declare out of it (or the reverse, unnoticed).
export function checkDeclarations(declarations: readonly NotApplicableDeclaration[], catalogs: readonly Catalog[]): void {
  const known = new Set(catalogs.flatMap((c) => c.controls.map((x) => controlRef(c.framework, x.id))));
  const issues: string[] = [];
  const seen = new Set<string>();
  declarations.forEach((d, i) => {
    if (!known.has(d.control)) issues.push(`notApplicable.${i}.control: unknown control "${d.control}" (framework:id as in controls/*.yaml)`);
    if (seen.has(d.control)) issues.push(`notApplicable.${i}.control: "${d.control}" is declared twice`);
    seen.add(d.control);
  });
  if (issues.length > 0) throw new UsageError('CONFIG_INVALID', `Config notApplicable is invalid:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
}

// What the roll-up needs to know about the run besides the results: which evidence sources it
// holds, the declared scoping decisions, and the catalog conditions the evidence proves absent.
export function rollUpContext(
  inventories: readonly TargetInventory[],
  catalogs: readonly Catalog[],
  checks: readonly CheckMeta[],
  notApplicable: readonly NotApplicableDeclaration[] = [],
): RollUpContext {
  const conditions = catalogs.flatMap((c) => c.controls.map((x) => x.notApplicableWhen).filter((x): x is string => typeof x === 'string'));
  return {
    sources: sourcesInRun(inventories, checks),
    checkSources: checkSources(checks),
    notApplicable,
    conditions: judgeConditions(conditions, inventories),
  };
}
