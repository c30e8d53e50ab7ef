import { gapsTouching } from '../scope.ts';
import { inNamespace } from '../by-namespace.ts';
import type { NamespaceInfo, TargetInventory } from '../types.ts';
import { allowAllRules, defaultDenyPolicies, describeOpenRule, notDefaultDenyReason, policyReach } from './netpol.ts';
import type { CniComponent, PolicyDirection, UnevaluatedPolicy } from './types.ts';

// The namespace verdict shared by k8s-netpol-default-deny-ingress and -egress; each check maps it
// onto a CheckFinding with its own messages (defaultDeny, noPolicies, noDefaultDeny, evidenceIncomplete).
export interface NamespaceDefaultDeny {
  status: 'pass' | 'fail' | 'error';
  messageId: 'defaultDeny' | 'noPolicies' | 'noDefaultDeny' | 'evidenceIncomplete';
  data: Record<string, string | number>;
  evidence: string[];
  warning?: string;
}

export function judgeNamespaceDefaultDeny(target: TargetInventory, ns: NamespaceInfo, direction: PolicyDirection): NamespaceDefaultDeny {
  const k8s = target.kubernetes;
  const policies = inNamespace(k8s.networkPolicies, ns.name);
  const deny = defaultDenyPolicies(policies, ns.name, direction);
  const nsEvidence = namespaceEvidence(target, ns);
  const other = unevaluatedFor(k8s.unevaluatedPolicies, ns.name);
  const otherWarning =
    other.length > 0
      ? `${other.length} policy object(s) of other engines in the evidence are not evaluated and can override or extend NetworkPolicy: ${listOf(other.map(unevaluatedName))}`
      : undefined;
  const otherEvidence = other.map((o) => o.evidenceId);

  if (deny.length > 0) {
    const warnings = [enforcementCaveat(k8s.cni)];
    const evidence = [...nsEvidence, ...deny.map((p) => p.evidenceId), ...k8s.cni.flatMap((c) => c.evidenceIds)];
    // Policies are a union: an allow-all rule re-opens the pods it selects despite the default deny.
    const opened = policies.flatMap((p) => allowAllRules(p, direction).map((r) => ({ p, r })));
    if (opened.length > 0) {
      warnings.push(
        `allow-all despite the default deny: ${listOf(opened.map(({ p, r }) => `NetworkPolicy ${p.name} ${describeOpenRule(r)} opens ${policyReach(p)}`))}`,
      );
      evidence.push(...opened.map(({ p }) => p.evidenceId));
    }
    if (otherWarning) warnings.push(otherWarning);
    return {
      status: 'pass',
      messageId: 'defaultDeny',
      data: { namespace: ns.name, policies: deny.map((p) => p.name).join(', ') },
      evidence: [...evidence, ...otherEvidence],
      warning: warnings.join('; '),
    };
  }

  const evidence = [...nsEvidence, ...policies.map((p) => p.evidenceId), ...otherEvidence];
  const warning = otherWarning ? { warning: otherWarning } : {};
  // No default deny seen; if NetworkPolicy evidence for this namespace is incomplete, one may exist unseen.
  const gaps = gapsTouching(target, ['NetworkPolicy'], [ns.name]);
  if (gaps.length > 0) {
    return {
      status: 'error',
      messageId: 'evidenceIncomplete',
      data: { namespace: ns.name, seen: policies.length, gaps: gaps.map((g) => g.message).join('; ') },
      evidence,
      ...warning,
    };
  }
  if (policies.length === 0) {
    const note = k8s.networkPolicyObjects === 0 ? ' (the evidence for this target holds no NetworkPolicy at all)' : '';
    return { status: 'fail', messageId: 'noPolicies', data: { namespace: ns.name, note }, evidence, ...warning };
  }
  return {
    status: 'fail',
    messageId: 'noDefaultDeny',
    data: {
      namespace: ns.name,
      count: policies.length,
      policies: listOf(policies.map((p) => `${p.name} (${notDefaultDenyReason(p, direction)})`)),
    },
    evidence,
    ...warning,
  };
}

// NP-05: the API server accepts NetworkPolicy whether or not the CNI enforces it.
export function enforcementCaveat(cni: readonly CniComponent[]): string {
  const base = 'enforcement depends on the CNI plugin, which the Kubernetes API cannot show';
  if (cni.length === 0) return `${base}; no CNI DaemonSet auditpack recognises is in the evidence`;
  const seen = listOf(cni.map((c) => `${c.plugin} (${c.workload.kind} ${c.workload.namespace}/${c.workload.name})`));
  if (cni.some((c) => c.enforcesNetworkPolicy)) return `${base}; the evidence shows ${seen}`;
  return `${base}; the evidence shows only ${seen}, which does not enforce NetworkPolicy`;
}

function unevaluatedFor(list: readonly UnevaluatedPolicy[], namespace: string): UnevaluatedPolicy[] {
  return list.filter((o) => o.namespace === undefined || o.namespace === namespace);
}

function unevaluatedName(o: UnevaluatedPolicy): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

// What shows the namespace exists when its Namespace object is not in the evidence.
function namespaceEvidence(target: TargetInventory, ns: NamespaceInfo): string[] {
  if (ns.evidenceId) return [ns.evidenceId];
  return [
    ...inNamespace(target.workloads, ns.name).flatMap((w) => w.evidenceIds),
    ...inNamespace(target.services, ns.name).map((s) => s.evidenceId),
  ];
}

function listOf(items: readonly string[], max = 10): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
