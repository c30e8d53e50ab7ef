import type { Command } from 'commander';
import { edgeChecks, type EvidenceKind } from '../../controls/schema.ts';
import { AuditpackError } from '../../shared/errors.ts';
import { EXIT } from '../exit-codes.ts';
import type { Ctx } from '../io.ts';

// `auditpack list checks|frameworks|controls`: what auditpack can judge, from the registry and
// the catalogs this installation ships (like `prowler --list-checks`, `kubescape list controls`).

export type EvidenceLevel = EvidenceKind;

// The status rules of a control with this evidence level (src/controls/roll-up.ts), in words.
export function statusRules(level: EvidenceLevel, satisfies: readonly string[], supports: readonly string[]): string {
  const supportRule = supports.length > 0 ? `; a failing result of ${supports.join(', ')} (supporting evidence) makes it not_satisfied` : '';
  if (level === 'manual') return `manual: needs a human attestation; no automated result can satisfy it${supportRule}`;
  const rule = `satisfied when every in-scope result of ${satisfies.join(', ')} passes or is waived, with at least one result and no evidence missing; not_satisfied when any fails; insufficient_evidence when any errors or no source of that evidence was in the run; not_applicable only when declared in config or proven absent${supportRule}`;
  return level === 'partial' ? `${rule}; and a person attests the rest (an in-force attestation is needed to be satisfied)` : rule;
}

function table(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

export function registerList(program: Command, ctx: Ctx): void {
  program
    .command('list')
    .description('list what auditpack judges: checks (id, title, severity, area, controls), frameworks, or controls (status rules, evidence level)')
    .argument('<what>', 'checks, frameworks or controls')
    .option('--framework <id>', 'only this framework (soc2, hipaa, pci-dss-4) (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--json', 'print JSON')
    .action(async (what: string, flags: { framework: string[]; json?: boolean }) => {
      if (!['checks', 'frameworks', 'controls'].includes(what)) throw new AuditpackError('USAGE', `list ${what}: say what to list: checks, frameworks or controls`);
      const [{ CHECKS }, { DEFAULT_CONTROLS_DIR, loadCatalogs }, { controlsByCheck }, { FRAMEWORKS, FRAMEWORK_LABELS }] = await Promise.all([
        import('../../checks/registry.ts'),
        import('../../controls/load.ts'),
        import('../../controls/roll-up.ts'),
        import('../../controls/types.ts'),
      ]);
      for (const f of flags.framework) {
        if (!(FRAMEWORKS as readonly string[]).includes(f)) throw new AuditpackError('USAGE', `--framework ${f}: unknown framework; use ${FRAMEWORKS.join(', ')}`);
      }
      const catalogs = (await loadCatalogs(DEFAULT_CONTROLS_DIR, new Set(CHECKS.map((c) => c.meta.id)))).filter((c) => flags.framework.length === 0 || flags.framework.includes(c.framework));
      const print = (json: unknown, rows: string[][]): void => {
        if (flags.json) (ctx.io.data ?? ctx.io.out)(JSON.stringify(json, null, 2));
        else for (const l of table(rows)) ctx.io.out(l);
      };
      if (what === 'checks') {
        const byCheck = controlsByCheck(catalogs);
        // With --framework: only the checks that count toward it.
        const checks = CHECKS.map((c) => ({ id: c.meta.id, title: c.meta.title, severity: c.meta.severity, area: c.meta.area, controls: byCheck.get(c.meta.id) ?? [] })).filter((c) => flags.framework.length === 0 || c.controls.length > 0);
        print(checks, [['ID', 'SEVERITY', 'AREA', 'CONTROLS', 'TITLE'], ...checks.map((c) => [c.id, c.severity, c.area, String(c.controls.length), c.title])]);
      } else if (what === 'frameworks') {
        const frameworks = catalogs.map((c) => ({ id: c.framework, title: c.title, label: FRAMEWORK_LABELS[c.framework], version: c.version, source: c.source, controls: c.controls.length }));
        print(frameworks, [['ID', 'VERSION', 'CONTROLS', 'TITLE'], ...frameworks.map((f) => [f.id, f.version, String(f.controls), f.title])]);
      } else {
        const controls = catalogs.flatMap((cat) =>
          cat.controls.map((c) => {
            const satisfies = edgeChecks(c, 'satisfies');
            const supports = edgeChecks(c, 'supports');
            return {
              framework: cat.framework,
              id: c.id,
              title: c.title,
              evidence: c.evidence,
              checks: edgeChecks(c),
              edges: (c.edges ?? []).map((e) => ({ check: e.check, strength: e.strength, rationale: e.rationale, source: e.source })),
              statusRules: statusRules(c.evidence, satisfies, supports),
              ...(c.attest ? { attest: c.attest } : {}),
            };
          }),
        );
        print(controls, [['FRAMEWORK', 'CONTROL', 'EVIDENCE', 'CHECKS', 'TITLE'], ...controls.map((c) => [c.framework, c.id, c.evidence, c.checks.join(',') || '-', c.title])]);
      }
      ctx.onExit(EXIT.OK);
    });
}
