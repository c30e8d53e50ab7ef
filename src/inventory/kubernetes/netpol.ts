import type { StringMap } from '../k8s-object.ts';
import { parseCidr, type LabelSelector, type NetworkPolicyPeer, type NetworkPolicyPort, type NetworkPolicySpec } from './schema.ts';
import type { NetworkPolicy, PolicyDirection } from './types.ts';

// NetworkPolicy semantics (kubernetes.io concepts/services-networking/network-policies):
// policies only allow, their union is what a pod may do, and a pod is isolated for a direction
// only when some policy selecting it has that direction in its (effective) policyTypes.

export const DIRECTIONS: readonly PolicyDirection[] = ['Ingress', 'Egress'];

export interface PolicyRule {
  from?: NetworkPolicyPeer[] | null;
  to?: NetworkPolicyPeer[] | null;
  ports?: NetworkPolicyPort[] | null;
}

// SetDefaults_NetworkPolicy: an empty or absent policyTypes means Ingress, plus Egress only
// when the policy has at least one egress rule (`egress: []` adds nothing).
export function effectivePolicyTypes(spec: NetworkPolicySpec): PolicyDirection[] {
  const declared = spec.policyTypes ?? [];
  if (declared.length > 0) return DIRECTIONS.filter((d) => declared.includes(d));
  return (spec.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

export function appliesTo(spec: NetworkPolicySpec, direction: PolicyDirection): boolean {
  return effectivePolicyTypes(spec).includes(direction);
}

// The rules of one direction; absent and null both read as no rules.
export function rulesOf(spec: NetworkPolicySpec, direction: PolicyDirection): PolicyRule[] {
  return (direction === 'Ingress' ? spec.ingress : spec.egress) ?? [];
}

export function fieldOf(direction: PolicyDirection): 'ingress' | 'egress' {
  return direction === 'Ingress' ? 'ingress' : 'egress';
}

function peersOf(rule: PolicyRule, direction: PolicyDirection): NetworkPolicyPeer[] {
  return (direction === 'Ingress' ? rule.from : rule.to) ?? [];
}

export function isEmptySelector(selector: LabelSelector | null | undefined): boolean {
  if (!selector) return true;
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

// metav1.LabelSelector: every matchLabels pair and every expression must hold; NotIn and
// DoesNotExist also match objects that lack the key. An empty selector matches everything.
export function selectorMatches(selector: LabelSelector | null | undefined, labels: StringMap): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const r of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, r.key);
    const value = labels[r.key];
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In':
        if (!has || value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

// Whether `policy` selects a pod with `podLabels` in `namespace` (policies never reach across namespaces).
export function selectsPod(policy: NetworkPolicy, namespace: string, podLabels: StringMap): boolean {
  return policy.namespace === namespace && selectorMatches(policy.spec.podSelector, podLabels);
}

// Whether `policy` isolates every pod in its namespace for `direction` and allows nothing:
// podSelector {}, the direction in its effective policyTypes, and no rules for it.
export function isDefaultDeny(policy: NetworkPolicy, direction: PolicyDirection): boolean {
  return isEmptySelector(policy.spec.podSelector) && appliesTo(policy.spec, direction) && rulesOf(policy.spec, direction).length === 0;
}

export function defaultDenyPolicies(policies: readonly NetworkPolicy[], namespace: string, direction: PolicyDirection): NetworkPolicy[] {
  return policies.filter((p) => p.namespace === namespace && isDefaultDeny(p, direction));
}

// Why a peer matches every source or destination, or undefined when it does not.
export function peerMatchesEverything(peer: NetworkPolicyPeer): string | undefined {
  if (peer.ipBlock) {
    const cidr = parseCidr(peer.ipBlock.cidr);
    if (cidr && cidr.prefix === 0 && (peer.ipBlock.except ?? []).length === 0) {
      return `ipBlock ${peer.ipBlock.cidr}: every ${cidr.family === 4 ? 'IPv4' : 'IPv6'} address`;
    }
    return undefined;
  }
  // namespaceSelector {} (with no or an empty podSelector) is every pod in every namespace.
  if (peer.namespaceSelector && isEmptySelector(peer.namespaceSelector) && isEmptySelector(peer.podSelector)) {
    return 'namespaceSelector {}: every pod in every namespace';
  }
  return undefined;
}

// A port entry without `port` opens every port of its protocol; so does a 1-65535 range.
function isUnrestrictedPort(p: NetworkPolicyPort): boolean {
  if (p.port === null || p.port === undefined) return true;
  return p.port === 1 && p.endPort === 65535;
}

export function describePorts(ports: readonly NetworkPolicyPort[] | null | undefined): string {
  const list = ports ?? [];
  if (list.length === 0) return 'every port';
  return list
    .map((p) => {
      const proto = p.protocol ?? 'TCP';
      if (p.port === null || p.port === undefined) return `every ${proto} port`;
      return p.endPort !== null && p.endPort !== undefined ? `${proto}/${p.port}-${p.endPort}` : `${proto}/${p.port}`;
    })
    .join(', ');
}

// A rule that admits every peer of its direction, on every port (`allPorts`) or on some ports.
export interface OpenRule {
  direction: PolicyDirection;
  index: number;
  // ingress[0], egress[2]
  path: string;
  peers: string;
  ports: string;
  allPorts: boolean;
}

// Rules of the directions the policy enforces that admit any peer: an empty rule (`{}`), a rule
// without from/to, or one listing a peer that matches everything. Rules of a direction missing
// from policyTypes are ignored by Kubernetes, so they are not reported here.
export function openRules(policy: NetworkPolicy, direction?: PolicyDirection): OpenRule[] {
  const out: OpenRule[] = [];
  for (const d of effectivePolicyTypes(policy.spec)) {
    if (direction !== undefined && d !== direction) continue;
    rulesOf(policy.spec, d).forEach((rule, index) => {
      const peers = peersOf(rule, d);
      let reason: string | undefined;
      if (peers.length === 0) reason = `no ${d === 'Ingress' ? 'from' : 'to'}: every ${d === 'Ingress' ? 'source' : 'destination'}`;
      else reason = peers.map(peerMatchesEverything).find((r) => r !== undefined);
      if (reason === undefined) return;
      const ports = rule.ports ?? [];
      out.push({
        direction: d,
        index,
        path: `${fieldOf(d)}[${index}]`,
        peers: reason,
        ports: describePorts(ports),
        allPorts: ports.length === 0 || ports.some(isUnrestrictedPort),
      });
    });
  }
  return out;
}

// Rules that allow all traffic of their direction: any peer on every port.
export function allowAllRules(policy: NetworkPolicy, direction?: PolicyDirection): OpenRule[] {
  return openRules(policy, direction).filter((r) => r.allPorts);
}

export function describeOpenRule(r: OpenRule): string {
  return `${r.path} (${r.peers}; ${r.ports})`;
}

// Directions with rules that Kubernetes ignores because policyTypes leaves the direction out.
export function ignoredRuleDirections(policy: NetworkPolicy): PolicyDirection[] {
  const types = effectivePolicyTypes(policy.spec);
  return DIRECTIONS.filter((d) => !types.includes(d) && rulesOf(policy.spec, d).length > 0);
}

export function selectorText(selector: LabelSelector | null | undefined): string {
  if (isEmptySelector(selector)) return '{}';
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of selector?.matchExpressions ?? []) {
    if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${(r.values ?? []).join(',')})`);
  }
  return parts.join(', ');
}

// The pods a policy applies to, in words.
export function policyReach(policy: NetworkPolicy): string {
  return isEmptySelector(policy.spec.podSelector)
    ? `every pod in namespace ${policy.namespace}`
    : `pods matching ${selectorText(policy.spec.podSelector)} in namespace ${policy.namespace}`;
}

export function policyName(policy: NetworkPolicy): string {
  return `${policy.namespace}/${policy.name}`;
}

// Why `policy` is not a default deny for `direction`, for fail messages.
export function notDefaultDenyReason(policy: NetworkPolicy, direction: PolicyDirection): string {
  if (!isEmptySelector(policy.spec.podSelector)) return `selects only pods matching ${selectorText(policy.spec.podSelector)}`;
  if (!appliesTo(policy.spec, direction)) {
    const declared = policy.spec.policyTypes ?? [];
    return declared.length > 0
      ? `policyTypes [${declared.join(', ')}] leaves out ${direction}`
      : `policyTypes is omitted, so it defaults to [${effectivePolicyTypes(policy.spec).join(', ')}]`;
  }
  const rules = rulesOf(policy.spec, direction);
  const open = allowAllRules(policy, direction);
  if (open.length > 0) return `allows all ${direction.toLowerCase()}: ${open.map(describeOpenRule).join(', ')}`;
  return `isolates every pod but allows ${rules.length} ${fieldOf(direction)} rule(s)`;
}
