import type { GcpPolicyState, GcpRule } from './types.ts';

// The organization-policy constraints auditpack judges by default (controls-mapping 4.1, the
// gcp.org_policy_constraints baseline), what each one means when it is in force, and how an
// effective policy is judged against that meaning. Pure data and functions, shared by the collector
// (which constraints to read) and the check (how to judge them).

export type ConstraintType = 'boolean' | 'list';

export interface ConstraintInfo {
  type: ConstraintType;
  // The secure state the constraint gives when it is in force.
  secureState: string;
}

export const GCP_CONSTRAINTS: Readonly<Record<string, ConstraintInfo>> = {
  'compute.requireOsLogin': { type: 'boolean', secureState: 'VM instances require OS Login for SSH' },
  'compute.skipDefaultNetworkCreation': { type: 'boolean', secureState: 'new projects get no default network with permissive firewall rules' },
  'compute.vmExternalIpAccess': { type: 'list', secureState: 'VM instances cannot have external IP addresses' },
  'gcp.restrictTLSVersion': { type: 'list', secureState: 'Google Cloud APIs refuse TLS 1.0 and 1.1' },
  'iam.allowedPolicyMemberDomains': { type: 'list', secureState: 'IAM roles can only be granted to identities of the allowed organizations' },
  'iam.automaticIamGrantsForDefaultServiceAccounts': { type: 'boolean', secureState: 'default service accounts get no automatic Editor role' },
  'iam.disableServiceAccountKeyCreation': { type: 'boolean', secureState: 'no user-managed service account keys can be created' },
  'sql.restrictPublicIp': { type: 'boolean', secureState: 'Cloud SQL instances cannot have public IP addresses' },
  'storage.publicAccessPrevention': { type: 'boolean', secureState: 'Cloud Storage data cannot be made public' },
  'storage.uniformBucketLevelAccess': { type: 'boolean', secureState: 'Cloud Storage buckets use uniform bucket-level access (no object ACLs)' },
};

// The default set the collector reads and the check expects evidence for, sorted.
export const GCP_BASELINE_CONSTRAINTS: readonly string[] = Object.keys(GCP_CONSTRAINTS).sort();

const LEGACY_TLS = ['TLS_VERSION_1', 'TLS_VERSION_1_1'] as const;

export type JudgementReason = 'enforced' | 'notEnforced' | 'default' | 'conditionalException';

export interface ConstraintJudgement {
  verdict: 'pass' | 'fail';
  reason: JudgementReason;
  // What the policy says, naming the fields read.
  detail: string;
  // A weakness that does not change the verdict.
  warning?: string;
}

// Values may carry the `is:` prefix (`in:` value groups and `under:` subtrees keep theirs).
function value(v: string): string {
  return v.startsWith('is:') ? v.slice(3) : v;
}

function list(values: readonly string[]): string {
  return values.join(', ');
}

function describeRule(r: GcpRule): string {
  const parts: string[] = [];
  if (r.enforce !== undefined) parts.push(r.enforcedAbsent ? `${r.path} is {} (enforced is absent, which means false)` : `${r.path}.enforce${r.path === 'booleanPolicy' ? 'd' : ''} is ${String(r.enforce)}`);
  if (r.allowAll) parts.push(`${r.path} allows all values`);
  if (r.denyAll) parts.push(`${r.path} denies all values`);
  if (r.allowedValues.length > 0) parts.push(`${r.path} allowedValues: ${list(r.allowedValues)}`);
  if (r.deniedValues.length > 0) parts.push(`${r.path} deniedValues: ${list(r.deniedValues)}`);
  if (parts.length === 0) parts.push(`${r.path} sets nothing`);
  const text = parts.join('; ');
  return r.condition ? `${text} where condition ${r.condition} holds` : text;
}

export function describeRules(rules: readonly GcpRule[]): string {
  return rules.map(describeRule).join('; ');
}

// The type of a constraint auditpack has no entry for, from the rules it carries.
function inferType(rules: readonly GcpRule[]): ConstraintType | undefined {
  if (rules.some((r) => r.enforce !== undefined)) return 'boolean';
  if (rules.some((r) => r.allowAll || r.denyAll || r.allowedValues.length > 0 || r.deniedValues.length > 0)) return 'list';
  return undefined;
}

// Judges an effective policy (the merged result of the hierarchy) for one constraint.
export function judgeConstraint(constraint: string, policy: GcpPolicyState): ConstraintJudgement {
  const info = GCP_CONSTRAINTS[constraint];
  const type = info?.type ?? inferType(policy.rules);
  const defaultText = type === 'list' ? 'every value is allowed' : 'not enforced';
  if (policy.reset) {
    return { verdict: 'fail', reason: 'default', detail: `${policy.format === 'v1' ? 'restoreDefault is set' : 'spec.reset is true'}, so the constraint default applies (${defaultText})` };
  }
  if (!policy.specPresent || policy.rules.length === 0) {
    return { verdict: 'fail', reason: 'default', detail: `the policy sets no rule, so the constraint default applies (${defaultText})` };
  }
  return type === 'list' ? judgeList(constraint, policy.rules) : judgeBoolean(policy.rules);
}

function judgeBoolean(rules: readonly GcpRule[]): ConstraintJudgement {
  const unconditional = rules.filter((r) => r.condition === undefined);
  const conditional = rules.filter((r) => r.condition !== undefined);
  const enforced = unconditional.length > 0 && unconditional.some((r) => r.enforce === true) && unconditional.every((r) => r.enforce === true);
  if (!enforced) {
    const only = unconditional.length === 0 && conditional.some((r) => r.enforce === true) ? 'enforced only for resources a condition selects: ' : '';
    return { verdict: 'fail', reason: 'notEnforced', detail: `${only}${describeRules(rules)}` };
  }
  const exceptions = conditional.filter((r) => r.enforce !== true);
  if (exceptions.length > 0) {
    return { verdict: 'fail', reason: 'conditionalException', detail: `${describeRules(unconditional)}, but ${describeRules(exceptions)}` };
  }
  return { verdict: 'pass', reason: 'enforced', detail: describeRules(unconditional) };
}

interface ListAggregate {
  allowAll: boolean;
  denyAll: boolean;
  allowed: string[];
  denied: string[];
}

function aggregate(rules: readonly GcpRule[]): ListAggregate {
  return {
    allowAll: rules.some((r) => r.allowAll),
    denyAll: rules.some((r) => r.denyAll),
    allowed: [...new Set(rules.flatMap((r) => r.allowedValues.map(value)))],
    denied: [...new Set(rules.flatMap((r) => r.deniedValues.map(value)))],
  };
}

type ListVerdict = Omit<ConstraintJudgement, 'reason'> & { reason?: JudgementReason };

// How each known list constraint is judged; unknown list constraints count any restriction.
const LIST_JUDGES: Readonly<Record<string, (a: ListAggregate, d: string) => ListVerdict>> = {
  'compute.vmExternalIpAccess': (a, d) => {
    if (a.allowAll) return { verdict: 'fail', detail: `${d}, so every VM instance may have an external IP address` };
    if (a.denyAll) return { verdict: 'pass', detail: `${d}, so no VM instance may have an external IP address` };
    if (a.allowed.length > 0) {
      return { verdict: 'pass', detail: `${d}, so only the listed VM instances may have an external IP address`, warning: `${a.allowed.length} VM instance(s) are allowed an external IP address: ${list(a.allowed)}` };
    }
    return { verdict: 'fail', detail: `${d}, so every VM instance the deny-list does not name may have an external IP address` };
  },
  'iam.allowedPolicyMemberDomains': (a, d) => {
    if (a.allowAll) return { verdict: 'fail', detail: `${d}, so identities of any domain may be granted IAM roles` };
    if (a.allowed.length > 0) return { verdict: 'pass', detail: `${d}, so IAM roles may only be granted to identities of ${list(a.allowed)}` };
    if (a.denyAll) return { verdict: 'pass', detail: `${d}, so no new identity may be granted IAM roles` };
    return { verdict: 'fail', detail: `${d}, so only the listed domains are blocked and identities of every other domain may be granted IAM roles` };
  },
  'gcp.restrictTLSVersion': (a, d) => {
    if (a.allowAll) return { verdict: 'fail', detail: `${d}, so TLS 1.0 and 1.1 are allowed` };
    if (a.denyAll) return { verdict: 'pass', detail: `${d}, so every TLS version is denied` };
    const stillAllowed = a.allowed.length > 0 ? LEGACY_TLS.filter((v) => a.allowed.includes(v)) : LEGACY_TLS.filter((v) => !a.denied.includes(v));
    if (stillAllowed.length > 0) return { verdict: 'fail', detail: `${d}, so ${list(stillAllowed)} ${stillAllowed.length > 1 ? 'are' : 'is'} still allowed` };
    return { verdict: 'pass', detail: `${d}, so TLS 1.0 and 1.1 are refused` };
  },
};

const UNJUDGED = 'auditpack does not know which values of this constraint are acceptable; review the listed values';

function genericList(a: ListAggregate, d: string): ListVerdict {
  if (a.allowAll) return { verdict: 'fail', detail: `${d}, so every value is allowed` };
  if (a.denyAll) return { verdict: 'pass', detail: `${d}, so every value is denied` };
  if (a.allowed.length > 0) return { verdict: 'pass', detail: `${d}, so only the listed values are allowed`, warning: UNJUDGED };
  return { verdict: 'pass', detail: `${d}, so only the listed values are blocked and every other value is allowed`, warning: UNJUDGED };
}

function judgeList(constraint: string, rules: readonly GcpRule[]): ConstraintJudgement {
  const unconditional = rules.filter((r) => r.condition === undefined);
  const conditional = rules.filter((r) => r.condition !== undefined);
  const agg = aggregate(unconditional);
  const restricts = agg.allowAll || agg.denyAll || agg.allowed.length > 0 || agg.denied.length > 0;
  if (!restricts) {
    const rest = conditional.length > 0 ? 'no unconditional rule restricts the values, so every value is allowed for resources no condition selects' : 'so every value is allowed';
    return { verdict: 'fail', reason: 'notEnforced', detail: `${describeRules(rules)}; ${rest}` };
  }
  const judge = LIST_JUDGES[constraint] ?? genericList;
  const v = judge(agg, describeRules(unconditional));
  if (v.verdict === 'fail') return { ...v, reason: 'notEnforced' };
  // A conditional rule that allows values opens an exception for the resources it selects.
  const exceptions = conditional.filter((r) => r.allowAll || r.allowedValues.length > 0 || r.enforce === false);
  if (exceptions.length > 0) return { verdict: 'fail', reason: 'conditionalException', detail: `${v.detail}, but ${describeRules(exceptions)}` };
  return { ...v, reason: 'enforced' };
}
