import type { CheckResult, Severity } from '../checks/types.ts';
import { SEVERITIES } from '../checks/types.ts';
import type { FrameworkId } from '../controls/types.ts';
import type { EvidenceGap } from '../inventory/types.ts';
import { UsageError } from '../shared/errors.ts';

// What a run judges and reports, from --framework/--check/--exclude-check/--severity/--namespace/
// --exclude-namespace/--target (or frameworks/select.* in auditpack.yaml). Left-out results are
// not judged at all: a control whose checks were all left out has no results and is reported as
// insufficient evidence, never as satisfied.
export interface Selection {
  frameworks?: FrameworkId[];
  checks?: string[];
  excludeChecks?: string[];
  severity?: Severity;
  namespaces?: string[];
  excludeNamespaces?: string[];
  targets?: string[];
}

// `*` matches any run of characters, `?` one; everything else is literal.
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
  return re.test(value);
}

const any = (patterns: readonly string[] | undefined, value: string): boolean => (patterns ?? []).some((p) => globMatch(p, value));
const rank = (s: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(s);

export function isEmptySelection(s: Selection | undefined): boolean {
  return !s || Object.values(s).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
}

// Every --check/--exclude-check pattern must name at least one known check, so a typo never
// silently selects nothing (or excludes nothing).
export function assertKnownChecks(s: Selection, known: readonly string[]): void {
  for (const [flag, patterns] of [['--check', s.checks], ['--exclude-check', s.excludeChecks]] as const) {
    for (const p of patterns ?? []) {
      if (!known.some((id) => globMatch(p, id))) throw new UsageError('USAGE', `${flag} ${p}: no check has this id (see \`auditpack list checks\`)`);
    }
  }
}

export function checkSelected(s: Selection | undefined, check: string): boolean {
  if (!s) return true;
  if (s.checks && s.checks.length > 0 && !any(s.checks, check)) return false;
  return !any(s.excludeChecks, check);
}

export function targetSelected(s: Selection | undefined, target: string): boolean {
  return !s?.targets || s.targets.length === 0 || any(s.targets, target);
}

// Namespace filters apply to namespaced subjects only; cloud and cluster-wide subjects stay.
function namespaceSelected(s: Selection, namespace: string | undefined): boolean {
  if (namespace === undefined) return true;
  if (s.namespaces && s.namespaces.length > 0 && !any(s.namespaces, namespace)) return false;
  return !any(s.excludeNamespaces, namespace);
}

export function selectResults<R extends CheckResult>(results: readonly R[], s: Selection | undefined): R[] {
  if (isEmptySelection(s) || !s) return [...results];
  return results.filter(
    (r) => checkSelected(s, r.check) && targetSelected(s, r.target) && namespaceSelected(s, r.resource.namespace) && (!s.severity || rank(r.severity) >= rank(s.severity)),
  );
}

export function selectGaps(gaps: readonly EvidenceGap[], s: Selection | undefined): EvidenceGap[] {
  if (!s) return [...gaps];
  return gaps.filter((g) => targetSelected(s, g.target) && (g.namespace === undefined || namespaceSelected(s, g.namespace)));
}

// One line per selector, for run.json readers and the report's scope section.
export function describeSelection(s: Selection | undefined): string[] {
  if (!s) return [];
  const lines: string[] = [];
  const add = (label: string, v: readonly string[] | undefined): void => {
    if (v && v.length > 0) lines.push(`${label}: ${v.join(', ')}`);
  };
  add('frameworks', s.frameworks);
  add('checks', s.checks);
  add('excluded checks', s.excludeChecks);
  if (s.severity) lines.push(`severity: ${s.severity} or higher`);
  add('namespaces', s.namespaces);
  add('excluded namespaces', s.excludeNamespaces);
  add('targets', s.targets);
  return lines;
}
