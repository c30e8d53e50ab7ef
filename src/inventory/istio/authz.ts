import type { Obj, TargetInventory, Workload } from '../types.ts';
import { hasWorkloadSelector, policySelectsWorkload } from './policy-scope.ts';
import { inNamespace, inNamespaces } from '../by-namespace.ts';
import type { AuthorizationPolicySpec, AuthzAction, AuthzOperation, AuthzRule, AuthzSource } from './schema.ts';

// AuthorizationPolicy semantics (authorization_policy.proto, pilot/pkg/security/authz). Pure helpers:
// every check that judges authorization reads the same rules from here.

export type AuthzPolicy = Obj<AuthorizationPolicySpec>;
type Rule = AuthzRule | null | undefined;

export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

// istiod parses the annotation with Go's strconv.ParseBool; a value it cannot parse leaves the policy enforced.
const PARSE_BOOL_TRUE: ReadonlySet<string> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const PARSE_BOOL_FALSE: ReadonlySet<string> = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function dryRunValue(policy: AuthzPolicy): string | undefined {
  return policy.annotations[DRY_RUN_ANNOTATION];
}

export function isDryRun(policy: AuthzPolicy): boolean {
  const value = dryRunValue(policy);
  return value !== undefined && PARSE_BOOL_TRUE.has(value);
}

// An annotation istiod cannot parse: it logs an error and enforces the policy.
export function hasUnparseableDryRun(policy: AuthzPolicy): boolean {
  const value = dryRunValue(policy);
  return value !== undefined && !PARSE_BOOL_TRUE.has(value) && !PARSE_BOOL_FALSE.has(value);
}

export function isEnforced(policy: AuthzPolicy): boolean {
  return !isDryRun(policy);
}

export function effectiveAction(policy: AuthzPolicy): AuthzAction {
  return policy.spec.action ?? 'ALLOW';
}

export function policyRules(policy: AuthzPolicy): readonly Rule[] {
  return policy.spec.rules ?? [];
}

// `rules` absent, null or []: the policy never matches (ALLOW → deny all, DENY/CUSTOM → no-op).
export function hasNoRules(policy: AuthzPolicy): boolean {
  return policyRules(policy).length === 0;
}

export function isAllowNothing(policy: AuthzPolicy): boolean {
  return effectiveAction(policy) === 'ALLOW' && hasNoRules(policy);
}

export function usesTargetRefs(policy: { spec: { targetRef?: unknown; targetRefs?: readonly unknown[] | null | undefined } }): boolean {
  return Boolean(policy.spec.targetRef) || (policy.spec.targetRefs?.length ?? 0) > 0;
}

// No selector and no targetRefs: applies to every workload of its namespace (of the mesh in the root namespace).
export function isNamespaceWide(policy: AuthzPolicy): boolean {
  return !hasWorkloadSelector(policy.spec) && !usesTargetRefs(policy);
}

// An enforced allow-nothing policy that covers a whole namespace: the canonical default-deny baseline.
export function isDefaultDenyBaseline(policy: AuthzPolicy): boolean {
  return isEnforced(policy) && isAllowNothing(policy) && isNamespaceWide(policy);
}

function nonEmpty(list: readonly string[] | null | undefined): list is readonly string[] {
  return (list?.length ?? 0) > 0;
}

const SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
] as const satisfies readonly (keyof AuthzSource)[];

const OPERATION_FIELDS = [
  'hosts',
  'notHosts',
  'ports',
  'notPorts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
] as const satisfies readonly (keyof AuthzOperation)[];

export function sourceFields(source: AuthzSource | null | undefined): string[] {
  if (!source) return [];
  return SOURCE_FIELDS.filter((f) => nonEmpty(source[f]));
}

export function operationFields(operation: AuthzOperation | null | undefined): string[] {
  if (!operation) return [];
  return OPERATION_FIELDS.filter((f) => nonEmpty(operation[f]));
}

// `from` entries are ORed and an empty source matches any peer (istiod builds `any: true`), so one
// empty entry makes the whole `from` match everything. Validation rejects empty sources, but
// unvalidated manifests in a snapshot can still carry them.
function fromMatchesAll(rule: AuthzRule): boolean {
  const from = rule.from ?? [];
  return from.length === 0 || from.some((f) => sourceFields(f.source).length === 0);
}

function toMatchesAll(rule: AuthzRule): boolean {
  const to = rule.to ?? [];
  return to.length === 0 || to.some((t) => operationFields(t.operation).length === 0);
}

// An empty rule always matches: ALLOW → allow all, DENY → deny all. A null entry is treated the same.
export function isEmptyRule(rule: Rule): boolean {
  if (!rule) return true;
  return fromMatchesAll(rule) && toMatchesAll(rule) && (rule.when ?? []).length === 0;
}

export function emptyRuleIndexes(policy: AuthzPolicy): number[] {
  return policyRules(policy).flatMap((r, i) => (isEmptyRule(r) ? [i] : []));
}

export function isAllowAll(policy: AuthzPolicy): boolean {
  return effectiveAction(policy) === 'ALLOW' && emptyRuleIndexes(policy).length > 0;
}

// Rules that allow nearly everything: any authenticated peer, any namespace, or only a port.
export function nearAllowAllReasons(policy: AuthzPolicy): string[] {
  if (effectiveAction(policy) !== 'ALLOW') return [];
  const reasons: string[] = [];
  policyRules(policy).forEach((rule, i) => {
    if (isEmptyRule(rule) || !rule) return;
    for (const f of rule.from ?? []) {
      if (f.source?.principals?.includes('*')) reasons.push(`rules[${i}] allows principals: ["*"] (any authenticated peer)`);
      if (f.source?.namespaces?.includes('*')) reasons.push(`rules[${i}] allows namespaces: ["*"] (any namespace)`);
    }
    const onlyPorts =
      fromMatchesAll(rule) &&
      (rule.when ?? []).length === 0 &&
      (rule.to ?? []).some((t) => operationFields(t.operation).length > 0) &&
      (rule.to ?? []).every((t) => operationFields(t.operation).every((f) => f === 'ports' || f === 'notPorts'));
    if (onlyPorts) reasons.push(`rules[${i}] restricts only to.operation ports (any source, any request on those ports)`);
  });
  return [...new Set(reasons)];
}

const L7_OPERATION_FIELDS: ReadonlySet<string> = new Set(['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths']);

// Attributes only an HTTP-aware proxy (sidecar or waypoint) can evaluate; ztunnel alone cannot.
export function l7Attributes(policy: AuthzPolicy): string[] {
  const found = new Set<string>();
  for (const rule of policyRules(policy)) {
    if (!rule) continue;
    for (const f of rule.from ?? []) {
      for (const field of sourceFields(f.source)) if (field === 'requestPrincipals' || field === 'notRequestPrincipals') found.add(`from.source.${field}`);
    }
    for (const t of rule.to ?? []) {
      for (const field of operationFields(t.operation)) if (L7_OPERATION_FIELDS.has(field)) found.add(`to.operation.${field}`);
    }
    for (const c of rule.when ?? []) if (c.key.startsWith('request.')) found.add(`when ${c.key}`);
  }
  return [...found].sort();
}

// Only policies in the workload's namespace or the root namespace can select it; the namespace
// index keeps this linear on large estates.
export function policiesForWorkload(target: TargetInventory, workload: Workload): AuthzPolicy[] {
  const root = target.istio.rootNamespace;
  return inNamespaces(target.istio.authorizationPolicies, [root, workload.namespace]).filter((p) => policySelectsWorkload(p, workload, root));
}

export function workloadsSelectedBy(target: TargetInventory, policy: AuthzPolicy): Workload[] {
  const root = target.istio.rootNamespace;
  const candidates = policy.namespace === root ? target.workloads : inNamespace(target.workloads, policy.namespace);
  return candidates.filter((w) => policySelectsWorkload(policy, w, root));
}

// Conditions on request.auth.* with `values` only match when a JWT was validated.
const REQUEST_AUTH_KEY = /^request\.auth\.(principal|audiences|presenter|claims\[.+\])$/;

// An ALLOW rule that can only match a request carrying a valid JWT.
export function ruleRequiresRequestPrincipal(rule: Rule): boolean {
  if (!rule) return false;
  const from = rule.from ?? [];
  if (from.length > 0 && from.every((f) => nonEmpty(f.source?.requestPrincipals))) return true;
  return (rule.when ?? []).some((c) => REQUEST_AUTH_KEY.test(c.key) && nonEmpty(c.values));
}

// ALLOW with at least one rule, every one of which needs a valid JWT.
export function requiresRequestPrincipal(policy: AuthzPolicy): boolean {
  const rules = policyRules(policy);
  return effectiveAction(policy) === 'ALLOW' && rules.length > 0 && rules.every(ruleRequiresRequestPrincipal);
}

export interface TokenlessDeny {
  coverage: 'all' | 'partial' | 'none';
  // What narrows a partial deny (paths, source namespaces, conditions, ...).
  narrowedBy: string[];
}

// How much of the tokenless traffic a DENY policy rejects: a rule whose source has
// notRequestPrincipals: ["*"] denies requests without a valid JWT, narrowed by whatever else it sets.
export function tokenlessDeny(policy: AuthzPolicy): TokenlessDeny {
  if (effectiveAction(policy) !== 'DENY') return { coverage: 'none', narrowedBy: [] };
  let partial: string[] | undefined;
  for (const rule of policyRules(policy)) {
    if (isEmptyRule(rule) || !rule) return { coverage: 'all', narrowedBy: [] };
    for (const f of rule.from ?? []) {
      if (!f.source?.notRequestPrincipals?.includes('*')) continue;
      const narrowedBy = [
        ...sourceFields(f.source).filter((s) => s !== 'notRequestPrincipals').map((s) => `from.source.${s}`),
        ...(toMatchesAll(rule) ? [] : [...new Set((rule.to ?? []).flatMap((t) => operationFields(t.operation)))].map((o) => `to.operation.${o}`)),
        ...(rule.when ?? []).map((c) => `when ${c.key}`),
      ];
      if (narrowedBy.length === 0) return { coverage: 'all', narrowedBy: [] };
      partial ??= narrowedBy;
    }
  }
  return partial ? { coverage: 'partial', narrowedBy: partial } : { coverage: 'none', narrowedBy: [] };
}

export function objectName(o: { namespace: string; name: string }): string {
  return `${o.namespace}/${o.name}`;
}

export function workloadName(w: Workload): string {
  return `${w.kind} ${w.namespace}/${w.name}`;
}

// A short list for messages: the first few names and how many more.
export function listNames(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

function labelsText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

// Human-readable reach of a policy, for messages.
export function policyReach(target: TargetInventory, policy: AuthzPolicy): string {
  if (usesTargetRefs(policy)) {
    const refs = [...(policy.spec.targetRefs ?? []), ...(policy.spec.targetRef ? [policy.spec.targetRef] : [])];
    return refs.map((r) => `${r.kind} ${r.namespace ?? policy.namespace}/${r.name}`).join(', ');
  }
  const root = policy.namespace === target.istio.rootNamespace;
  const selected = workloadsSelectedBy(target, policy).map(workloadName);
  const matched = selected.length > 0 ? `: ${listNames(selected)}` : ' (none in evidence)';
  if (!hasWorkloadSelector(policy.spec)) {
    return root
      ? `every workload in the mesh (mesh-wide: root namespace ${policy.namespace})`
      : `every workload in namespace ${policy.namespace}${matched}`;
  }
  const labels = labelsText(policy.spec.selector?.matchLabels ?? {});
  return root
    ? `workloads labelled ${labels} in every namespace (mesh-wide)${matched}`
    : `workloads labelled ${labels} in namespace ${policy.namespace}${matched}`;
}

