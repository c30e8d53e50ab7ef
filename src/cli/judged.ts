import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Severity } from '../checks/types.ts';
import type { AuditpackConfig } from '../config/schema.ts';
import type { Reporter } from '../logging/reporter.ts';
import type { RunSummary } from '../pipeline/run.ts';
import type { Selection } from '../pipeline/selection.ts';
import { AuditpackError } from '../shared/errors.ts';
import type { Ctx } from './io.ts';
import type { RunFlags, SelectionFlags } from './options.ts';
import { summarize, uploadIfAsked, verdict } from './summary.ts';
import { uploadSettings } from './resolve.ts';
import { FRAMEWORKS, type FrameworkId } from '../controls/types.ts';

// Shared by demo, run, report and merge: the selection they judge and what they do once the
// signed bundle is in place.

// With `-o json` stdout carries findings.json only, so the human summary goes to stderr.
export function judgedCtx(ctx: Ctx, flags: Pick<RunFlags, 'output'>): Ctx {
  return flags.output === 'json' ? { ...ctx, io: { ...ctx.io, out: ctx.io.err, color: false } } : ctx;
}

export async function finishJudged(ctx: Ctx, summary: RunSummary, reporter: Reporter, flags: Pick<RunFlags, 'output' | 'failOn' | 'upload'>, config?: AuditpackConfig): Promise<number> {
  summarize(judgedCtx(ctx, flags), summary, reporter);
  if (flags.output === 'json') (ctx.io.data ?? ctx.io.out)((await readFile(path.join(summary.outDir, 'findings.json'), 'utf8')).trimEnd());
  await uploadIfAsked(judgedCtx(ctx, flags), uploadSettings(flags.upload, config), summary.outDir, summary.runId);
  return verdict(summary, (flags.failOn ?? config?.failOn) as Severity | undefined);
}

function frameworkIds(values: readonly string[]): FrameworkId[] {
  return values.map((v) => {
    const f = FRAMEWORKS.find((x) => x === v);
    if (!f) throw new AuditpackError('USAGE', `--framework ${v}: unknown framework; use ${FRAMEWORKS.join(', ')} (see \`auditpack list frameworks\`)`);
    return f;
  });
}

// Flags win over the config, selector by selector. Check patterns are checked against the registry.
export async function selectionFrom(flags: Partial<SelectionFlags>, config: AuditpackConfig | undefined): Promise<Selection | undefined> {
  const pick = (flag: readonly string[] | undefined, key: readonly string[] | undefined): string[] | undefined => (flag && flag.length > 0 ? [...flag] : key ? [...key] : undefined);
  const c = config?.select;
  const s: Selection = {};
  const frameworks = pick(flags.framework, config?.frameworks);
  if (frameworks) s.frameworks = frameworkIds(frameworks);
  const checks = pick(flags.check, c?.checks);
  if (checks) s.checks = checks;
  const excludeChecks = pick(flags.excludeCheck, c?.excludeChecks);
  if (excludeChecks) s.excludeChecks = excludeChecks;
  const severity = flags.severity ?? c?.severity;
  if (severity) s.severity = severity as Severity;
  const namespaces = pick(flags.namespace, c?.namespaces);
  if (namespaces) s.namespaces = namespaces;
  const excludeNamespaces = pick(flags.excludeNamespace, c?.excludeNamespaces);
  if (excludeNamespaces) s.excludeNamespaces = excludeNamespaces;
  const targets = pick(flags.target, c?.targets);
  if (targets) s.targets = targets;
  if (Object.keys(s).length === 0) return undefined;
  const [{ assertKnownChecks }, { CHECKS }] = await Promise.all([import('../pipeline/selection.ts'), import('../checks/registry.ts')]);
  assertKnownChecks(s, CHECKS.map((x) => x.meta.id));
  return s;
}
