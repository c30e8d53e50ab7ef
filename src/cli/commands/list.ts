import type { Command } from 'commander';
import type { CatalogControl } from '../../controls/schema.ts';
import { AuditpackError } from '../../shared/errors.ts';
import { EXIT } from '../exit-codes.ts';
import type { Ctx } from '../io.ts';

// `auditpack list checks|frameworks|controls`: what auditpack can judge, from the registry and
// the catalogs this installation ships (like `prowler --list-checks`, `kubescape list controls`).

export type EvidenceLevel = 'automated' | 'partial' | 'manual';

// How a control can be evidenced. Today's catalogs say it by shape (checks, a manual text, or
// both); catalogs with an explicit `evidence:` field answer from it. The one place to adapt.
export function evidenceLevel(control: CatalogControl & { evidence?: EvidenceLevel }): EvidenceLevel {
  if (control.evidence) return control.evidence;
  if (control.checks && control.checks.length > 0) return control.manual ? 'partial' : 'automated';
  return 'manual';
}

// The status rules of a control with this evidence level (src/controls/roll-up.ts), in words.
export function statusRules(level: EvidenceLevel, checks: readonly string[]): string {
  if (level === 'manual') return 'manual: needs a human attestation; no automated result can satisfy it';
  const rule = `satisfied when every result of ${checks.join(', ')} passes or is waived, with at least one result; not_satisfied when any fails; insufficient_evidence when any errors or none ran; not_applicable when every result is not applicable`;
  return level === 'partial' ? `${rule}; a person attests the rest` : rule;
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
        if (flags.json) ctx.io.out(JSON.stringify(json, null, 2));
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
            const evidence = evidenceLevel(c);
            return { framework: cat.framework, id: c.id, title: c.title, evidence, checks: c.checks ?? [], statusRules: statusRules(evidence, c.checks ?? []), ...(c.manual ? { manual: c.manual } : {}) };
          }),
        );
        print(controls, [['FRAMEWORK', 'CONTROL', 'EVIDENCE', 'CHECKS', 'TITLE'], ...controls.map((c) => [c.framework, c.id, c.evidence, c.checks.join(',') || '-', c.title])]);
      }
      ctx.onExit(EXIT.OK);
    });
}
