import { FRAMEWORK_LABELS } from '../controls/types.ts';
import type { FrameworkScopeSummary } from '../scope/apply.ts';
import { ACCOUNT_WORDS, PROVIDER_NAMES, type CloudAccount } from '../scope/cloud-location.ts';
import type { ReportInput, TargetSummary } from './report-input.ts';
import { displayText } from './text.ts';

// The report's scope statement (one per framework: boundary, what is in, what is out and why, the
// population counted, the selections the run used) and the cloud targets table. Display-ready and
// bounded; Handlebars escapes every value.

const LIMIT = { name: 120, text: 600, list: 1_000 } as const;
const LISTED = 12;

export interface ScopeInView {
  target: string;
  what: string;
}

export interface ScopeOutView {
  target: string;
  what: string;
  reason: string;
}

export interface ScopeStatementView {
  framework: string;
  anchor: string;
  declared: boolean;
  boundary: string;
  population: string;
  selections: string[];
  in: ScopeInView[];
  hasIn: boolean;
  out: ScopeOutView[];
  hasOut: boolean;
  moreOut: string;
}

export interface CloudTargetView {
  name: string;
  provider: string;
  accounts: string;
  regions: string;
  source: string;
  location: string;
  objects: string;
}

export interface ScopeSectionView {
  scopeStatements: ScopeStatementView[];
  hasScopeStatements: boolean;
  scopeIntro: string;
  cloudTargets: CloudTargetView[];
  hasCloudTargets: boolean;
}

// A target whose evidence shows a cluster (or nothing at all) is shown as a cluster.
export function isClusterTarget(t: Pick<TargetSummary, 'kinds'>): boolean {
  return t.kinds === undefined || t.kinds.includes('cluster');
}

export function isCloudTarget(t: Pick<TargetSummary, 'kinds'>): boolean {
  return t.kinds !== undefined && t.kinds.some((k) => k !== 'cluster');
}

function text(value: string, max: number = LIMIT.text): string {
  return displayText(value, max);
}

function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function listed(items: readonly string[]): string {
  if (items.length <= LISTED) return items.join(', ');
  return `${items.slice(0, LISTED).join(', ')} and ${items.length - LISTED} more`;
}

function accountsText(accounts: readonly CloudAccount[]): string {
  return accounts.map((a) => `${PROVIDER_NAMES[a.provider]} ${ACCOUNT_WORDS[a.provider]} ${a.account}${a.regions.length > 0 ? ` (${a.regions.join(', ')})` : ''}`).join('; ');
}

function statementView(s: FrameworkScopeSummary, input: ReportInput): ScopeStatementView {
  const label = FRAMEWORK_LABELS[s.framework];
  const p = s.population;
  const counted = input.results.filter((r) => r.controls.some((c) => c.startsWith(`${s.framework}:`))).length;
  const selections = [
    `Frameworks: ${input.run.frameworks.map((f) => FRAMEWORK_LABELS[f]).join(', ')}`,
    `Checks: ${input.checks.length} registered, each run only on targets of its kind (mesh and Kubernetes checks on clusters, each cloud's checks on its accounts)`,
    // What --check, --severity, --namespace, --target… narrowed the run to (run.json `select`).
    ...(input.run.selection && input.run.selection.length > 0 ? input.run.selection.map((l) => `Selected ${l}`) : ['Selection: every check, severity, namespace and target']),
  ];
  if (s.targetsListed) selections.push(`Targets: ${listed(s.targetsListed)}`);
  if (s.selector) selections.push(`Namespaces: label selector ${s.selector}`);
  if (s.accountsListed) selections.push(`Cloud accounts: ${listed(s.accountsListed)}`);
  const out = s.out.map((o) => ({ target: text(o.target, LIMIT.name), what: text(o.what, LIMIT.name), reason: text(o.reason) }));
  const shownOut = out.slice(0, 50);
  return {
    framework: label,
    anchor: `scope-${s.framework}`,
    declared: s.declared,
    boundary: text(s.boundary),
    population:
      `${count(p.targets, 'target', 'targets')}: ${count(p.namespaces, 'namespace', 'namespaces')} with ${count(p.workloads, 'workload', 'workloads')}, ` +
      `${count(p.accounts, 'cloud account', 'cloud accounts')}; ${count(counted, 'result counts', 'results count')} toward ${label}.`,
    selections: selections.map((x) => text(x, LIMIT.list)),
    in: s.in.map((t) => {
      const parts: string[] = [];
      if (t.namespaces.length > 0) parts.push(`namespaces ${listed(t.namespaces)} (${count(t.workloads, 'workload', 'workloads')})`);
      if (t.shared.length > 0) parts.push(`shared: ${listed(t.shared)} and cluster-wide results`);
      if (t.kinds.includes('cluster') && t.namespaces.length === 0 && t.shared.length === 0) parts.push('cluster-wide results');
      if (t.accounts.length > 0) parts.push(accountsText(t.accounts));
      return { target: text(t.target, LIMIT.name), what: text(parts.join('; ') || 'every result', LIMIT.list) };
    }),
    hasIn: s.in.length > 0,
    out: shownOut,
    hasOut: out.length > 0,
    moreOut: out.length > shownOut.length ? `and ${out.length - shownOut.length} more left out (findings.json lists which results count per framework)` : '',
  };
}

function cloudTargetView(t: TargetSummary): CloudTargetView {
  const cloud = t.cloud ?? [];
  const providers = [...new Set([...cloud.map((a) => a.provider), ...(t.kinds ?? []).filter((k) => k !== 'cluster')])];
  return {
    name: text(t.name, LIMIT.name),
    provider: providers.map((p) => PROVIDER_NAMES[p as CloudAccount['provider']]).join(', '),
    accounts: text(cloud.map((a) => `${ACCOUNT_WORDS[a.provider]} ${a.account}`).join(', ') || 'none identified', LIMIT.list),
    regions: text([...new Set(cloud.flatMap((a) => a.regions))].sort().join(', ') || '—', LIMIT.list),
    source: t.source === 'snapshot' ? 'Snapshot folder' : 'Cloud API',
    location: text(t.location, LIMIT.name),
    objects: t.objects.toLocaleString('en-US'),
  };
}

export function scopeSection(input: ReportInput): ScopeSectionView {
  const statements = (input.scope ?? []).map((s) => statementView(s, input));
  const cloud = input.targets.filter(isCloudTarget).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    scopeStatements: statements,
    hasScopeStatements: statements.length > 0,
    scopeIntro:
      'What each framework was judged on. Results outside a framework’s boundary are still listed in this report, ' +
      'but do not count toward its controls; findings.json names, per result, the controls it counts toward.',
    cloudTargets: cloud.map(cloudTargetView),
    hasCloudTargets: cloud.length > 0,
  };
}
