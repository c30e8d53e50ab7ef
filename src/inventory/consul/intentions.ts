import type {
  ConsulAgentConfig,
  ConsulDefaultPolicy,
  ConsulHttpMatch,
  ConsulIntention,
  ConsulIntentionDestination,
  ConsulIntentionSource,
  ConsulInventory,
  ConsulPermission,
} from './types.ts';

// Pure Consul intention semantics (hashicorp/consul website/content/docs/connect/intentions/index.mdx,
// agent/agent_endpoint.go AgentConnectAuthorize, agent/xds/rbac.go):
// - exactly one intention controls a source → destination pair: the most specific (highest precedence);
//   deny beats allow only at equal precedence, so a specific allow beats a wildcard deny;
// - an L7 intention (permissions) decides by its first matching permission; a request matching none
//   falls to the DEFAULT policy, not to a lower-precedence intention;
// - the default is agent config default_intention_policy if set, else the ACL default policy, and
//   with ACLs disabled everything is allowed.

export const WILDCARD = '*';

export interface ConsulServiceRef {
  name: string;
  namespace?: string;
  partition?: string;
  // Name of the cluster peer the source is imported from ('' or absent: local).
  peer?: string;
}

export interface ConsulHttpRequest {
  method: string;
  path: string;
  // Lower-case header names.
  headers?: Readonly<Record<string, string>>;
}

export type ConsulDecision =
  // An L4 intention decides.
  | { by: 'intention'; intention: ConsulIntention; action: 'allow' | 'deny' }
  // An L7 intention controls the pair and no request was given: matching requests follow its
  // permissions, every other request follows the default.
  | { by: 'l7'; intention: ConsulIntention; unmatched: ConsulDefaultPolicy }
  // An L7 intention and a request: the first matching permission decides.
  | { by: 'permission'; intention: ConsulIntention; index: number; action: 'allow' | 'deny' }
  // An L7 intention and a request matching none of its permissions: the default decides.
  | { by: 'l7-unmatched'; intention: ConsulIntention; default: ConsulDefaultPolicy }
  // A permission could not be evaluated offline (a regex RE2 accepts but JavaScript does not).
  | { by: 'undecidable'; intention: ConsulIntention; reason: string }
  // No intention matches.
  | { by: 'default'; default: ConsulDefaultPolicy };

// '' is the default namespace / partition.
export function norm(value: string | undefined | null): string {
  return value === undefined || value === null || value === '' ? 'default' : value;
}

// structs.Intention.countExact: a wildcard namespace forces a wildcard name.
function countExact(namespace: string, name: string): number {
  if (namespace === WILDCARD) return 0;
  if (name === WILDCARD) return 1;
  return 2;
}

// structs.Intention.UpdatePrecedence: 9 exact/exact → exact/exact … 1 */* → */*.
export function intentionPrecedence(source: Pick<ConsulIntentionSource, 'namespace' | 'name'>, destination: Pick<ConsulIntentionDestination, 'namespace' | 'name'>): number {
  const max = [3, 6, 9][countExact(norm(destination.namespace), destination.name)] ?? 0;
  return max - (2 - countExact(norm(source.namespace), source.name));
}

export function resolveDefaultPolicy(agent: ConsulAgentConfig | undefined): ConsulDefaultPolicy {
  if (!agent) {
    return {
      policy: 'unknown',
      basis: 'unknown',
      reason: "GET /v1/agent/self is not in the evidence, so the agent's default_intention_policy and ACL settings are unknown",
      evidence: [],
    };
  }
  const evidence = [agent.evidenceId];
  const dip = agent.defaultIntentionPolicy;
  if (dip !== undefined) {
    if (dip === 'allow' || dip === 'deny') {
      return { policy: dip, basis: 'default-intention-policy', reason: `agent config default_intention_policy is "${dip}" (DebugConfig.DefaultIntentionPolicy)`, evidence };
    }
    return { policy: 'unknown', basis: 'unknown', reason: `DebugConfig.DefaultIntentionPolicy has the unrecognised value "${dip}"`, evidence };
  }
  if (agent.aclsEnabled === undefined) {
    return {
      policy: 'unknown',
      basis: 'unknown',
      reason: '/v1/agent/self shows neither DebugConfig.DefaultIntentionPolicy nor whether ACLs are enabled (DebugConfig.ACLsEnabled)',
      evidence,
    };
  }
  if (!agent.aclsEnabled) {
    return {
      policy: 'allow',
      basis: 'acls-disabled',
      reason: `ACLs are disabled (${agent.aclsEnabledField ?? 'ACLsEnabled'} false) and no default_intention_policy is set, so Consul allows every connection no intention denies`,
      evidence,
    };
  }
  const acl = agent.aclDefaultPolicy;
  if (acl === 'deny') {
    return { policy: 'deny', basis: 'acl-default-policy', reason: `ACLs are enabled with default_policy "deny" (${agent.aclDefaultPolicyField ?? 'ACLDefaultPolicy'})`, evidence };
  }
  if (acl === 'allow' || acl === undefined || acl === '') {
    // acl.default_policy defaults to "allow" when not set.
    const how = acl === 'allow' ? `default_policy "allow" (${agent.aclDefaultPolicyField ?? 'ACLDefaultPolicy'})` : 'no default_policy shown (Consul defaults it to "allow")';
    return { policy: 'allow', basis: 'acl-default-policy', reason: `ACLs are enabled with ${how} and no default_intention_policy is set`, evidence };
  }
  return { policy: 'unknown', basis: 'unknown', reason: `the ACL default policy has the unrecognised value "${acl}"`, evidence };
}

export function intentionMatches(ixn: ConsulIntention, source: ConsulServiceRef, destination: ConsulServiceRef): boolean {
  const d = ixn.destination;
  if (norm(d.partition) !== norm(destination.partition)) return false;
  if (d.namespace !== WILDCARD && norm(d.namespace) !== norm(destination.namespace)) return false;
  if (d.name !== WILDCARD && d.name !== destination.name) return false;
  const s = ixn.source;
  // Sameness-group sources are resolved by Consul against group membership, which is not in evidence.
  if (s.samenessGroup !== '') return false;
  // A local intention never matches a peered source, and vice versa.
  if (s.peer !== (source.peer ?? '')) return false;
  if (s.peer === '' && norm(s.partition) !== norm(source.partition)) return false;
  if (s.namespace !== WILDCARD && norm(s.namespace) !== norm(source.namespace)) return false;
  return s.name === WILDCARD || s.name === source.name;
}

// Evaluation order: precedence, then deny before L7 before allow (deny wins a tie).
function tieRank(ixn: ConsulIntention): number {
  if (ixn.permissions.length > 0) return 1;
  return ixn.action === 'allow' ? 2 : 0;
}

export function sortByEvaluationOrder(intentions: readonly ConsulIntention[]): ConsulIntention[] {
  return [...intentions].sort((a, b) => b.precedence - a.precedence || tieRank(a) - tieRank(b));
}

// The effective decision for one source → destination pair (and optionally one HTTP request).
export function effectiveDecision(
  intentions: readonly ConsulIntention[],
  defaultPolicy: ConsulDefaultPolicy,
  source: ConsulServiceRef,
  destination: ConsulServiceRef,
  request?: ConsulHttpRequest,
): ConsulDecision {
  const controlling = sortByEvaluationOrder(intentions.filter((i) => intentionMatches(i, source, destination)))[0];
  if (!controlling) return { by: 'default', default: defaultPolicy };
  if (controlling.permissions.length === 0) {
    // Anything but "allow" is treated as deny (xds/rbac.go intentionActionFromString).
    return { by: 'intention', intention: controlling, action: controlling.action === 'allow' ? 'allow' : 'deny' };
  }
  if (!request) return { by: 'l7', intention: controlling, unmatched: defaultPolicy };
  for (const [index, perm] of controlling.permissions.entries()) {
    const m = httpMatches(perm.http, request);
    if (m === undefined) return { by: 'undecidable', intention: controlling, reason: `permissions[${index}] uses a regular expression that cannot be evaluated offline` };
    if (m) return { by: 'permission', intention: controlling, index, action: perm.action };
  }
  return { by: 'l7-unmatched', intention: controlling, default: defaultPolicy };
}

// 'allow' | 'deny' when the decision is fixed, 'unknown' when it rests on an unknown default or an
// unevaluable permission, 'depends' for an L7 intention without a request.
export function decisionAction(d: ConsulDecision): 'allow' | 'deny' | 'unknown' | 'depends' {
  switch (d.by) {
    case 'intention':
    case 'permission':
      return d.action;
    case 'l7':
      return 'depends';
    case 'l7-unmatched':
    case 'default': {
      const p = d.default.policy;
      return p === 'unknown' ? 'unknown' : p;
    }
    case 'undecidable':
      return 'unknown';
  }
}

function regexFullMatch(re: string, value: string): boolean | undefined {
  try {
    // Envoy's safe_regex (RE2) must match the whole value.
    return new RegExp(`^(?:${re})$`).test(value);
  } catch {
    return undefined;
  }
}

function httpMatches(http: ConsulHttpMatch | undefined, req: ConsulHttpRequest): boolean | undefined {
  if (!http) return true;
  if (http.pathExact && req.path !== http.pathExact) return false;
  if (http.pathPrefix && !req.path.startsWith(http.pathPrefix)) return false;
  if (http.pathRegex) {
    const m = regexFullMatch(http.pathRegex, req.path);
    if (m !== true) return m;
  }
  if (http.methods.length > 0 && !http.methods.map((m) => m.toUpperCase()).includes(req.method.toUpperCase())) return false;
  for (const h of http.headers) {
    const value = req.headers?.[h.name.toLowerCase()];
    let hit: boolean | undefined;
    if (h.exact) hit = value === h.exact;
    else if (h.prefix) hit = value !== undefined && value.startsWith(h.prefix);
    else if (h.suffix) hit = value !== undefined && value.endsWith(h.suffix);
    else if (h.regex) hit = value === undefined ? false : regexFullMatch(h.regex, value);
    else hit = value !== undefined;
    if (hit === undefined) return undefined;
    if (h.invert ? hit : !hit) return false;
  }
  return true;
}

export function isWildcardSource(ixn: ConsulIntention): boolean {
  return ixn.source.name === WILDCARD || ixn.source.namespace === WILDCARD;
}

export function isWildcardDestination(ixn: ConsulIntention): boolean {
  return ixn.destination.name === WILDCARD || ixn.destination.namespace === WILDCARD;
}

// A permission with no HTTP match criteria matches every request.
export function permissionMatchesEverything(p: ConsulPermission): boolean {
  const h = p.http;
  return !h || (!h.pathExact && !h.pathPrefix && !h.pathRegex && h.methods.length === 0 && h.headers.length === 0);
}

// Whether the intention lets any traffic through on its own: an L4 allow, or an L7 intention with at
// least one allow permission.
export function grantsAccess(ixn: ConsulIntention): boolean {
  return ixn.permissions.length > 0 ? ixn.permissions.some((p) => p.action === 'allow') : ixn.action === 'allow';
}

export function isL7(ixn: ConsulIntention): boolean {
  return ixn.permissions.length > 0;
}

export function describeService(s: { name: string; namespace?: string; partition?: string; peer?: string; samenessGroup?: string }): string {
  const ns = s.namespace && s.namespace !== 'default' ? `${s.namespace}/` : '';
  const part = s.partition && s.partition !== 'default' ? `${s.partition}:` : '';
  const peer = s.peer ? ` (peer ${s.peer})` : '';
  const group = s.samenessGroup ? ` (sameness group ${s.samenessGroup})` : '';
  return `${part}${ns}${s.name}${peer}${group}`;
}

export function describeIntention(ixn: ConsulIntention): string {
  return `${describeService(ixn.source)} → ${describeService(ixn.destination)}`;
}

export function describePermission(p: ConsulPermission): string {
  if (permissionMatchesEverything(p)) return `${p.action} every request`;
  const h = p.http;
  const parts: string[] = [];
  if (h?.methods.length) parts.push(h.methods.join('/'));
  if (h?.pathExact) parts.push(`path ${h.pathExact}`);
  if (h?.pathPrefix) parts.push(`path prefix ${h.pathPrefix}`);
  if (h?.pathRegex) parts.push(`path regex ${h.pathRegex}`);
  if (h?.headers.length) parts.push(`${h.headers.length} header match(es)`);
  return `${p.action} ${parts.join(' ')}`;
}

export interface RunningIntentions {
  // 'api': GET /v1/connect/intentions is in evidence and is the running state; 'crd': only
  // ServiceIntentions CRDs are; 'none': neither.
  origin: 'api' | 'crd' | 'none';
  // Intentions in effect (API, or CRDs not known to be unsynced).
  inEffect: ConsulIntention[];
  // CRD intentions whose object is not synced to Consul (empty in 'api' mode, where CRDs are not judged).
  notInEffect: ConsulIntention[];
}

// When both the API list and CRDs exist, the API is what Consul enforces; CRDs are only intent.
export function runningIntentions(consul: ConsulInventory): RunningIntentions {
  if (consul.apiIntentions) return { origin: 'api', inEffect: consul.apiIntentions.intentions, notInEffect: [] };
  if (consul.serviceIntentions.length === 0) return { origin: 'none', inEffect: [], notInEffect: [] };
  return {
    origin: 'crd',
    inEffect: consul.crdIntentions.filter((i) => i.sync.state !== 'unsynced'),
    notInEffect: consul.crdIntentions.filter((i) => i.sync.state === 'unsynced'),
  };
}

// A name no intention uses, to ask what happens to traffic between services without their own intentions.
export const UNLISTED_SOURCE = '(any service without its own intention)';
export const UNLISTED_DESTINATION = '(any destination without its own intention)';

// The decisions for traffic between services that no specific intention names, for every namespace the
// intentions mention (a default-namespace catch-all does not cover other namespaces).
export function unlistedDecisions(intentions: readonly ConsulIntention[], defaultPolicy: ConsulDefaultPolicy): ConsulDecision[] {
  const namespaces = new Set<string>(['default']);
  for (const i of intentions) {
    for (const ns of [i.source.namespace, i.destination.namespace]) if (ns !== WILDCARD) namespaces.add(norm(ns));
  }
  const out: ConsulDecision[] = [];
  for (const s of [...namespaces].sort()) {
    for (const d of [...namespaces].sort()) {
      out.push(effectiveDecision(intentions, defaultPolicy, { name: UNLISTED_SOURCE, namespace: s }, { name: UNLISTED_DESTINATION, namespace: d }));
    }
  }
  return out;
}
