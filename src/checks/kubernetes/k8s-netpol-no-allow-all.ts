import {
  allowAllRules,
  describeOpenRule,
  effectivePolicyTypes,
  fieldOf,
  ignoredRuleDirections,
  isDefaultDeny,
  openRules,
  policyName,
  policyReach,
  rulesOf,
} from '../../inventory/kubernetes/netpol.ts';
import type { NetworkPolicy } from '../../inventory/kubernetes/types.ts';
import { gapsTouching } from '../../inventory/scope.ts';
import type { TargetInventory } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';

export const k8sNetpolNoAllowAll: Check = {
  meta: {
    id: 'k8s-netpol-no-allow-all',
    title: 'No NetworkPolicy rule allows all ingress or all egress',
    severity: 'high',
    area: 'kubernetes',
    rationale:
      'NetworkPolicies only add allowed traffic, and the allowed set is the union of every policy selecting a pod. One rule ' +
      'that admits every peer on every port (`ingress: [{}]`, `namespaceSelector: {}`, `ipBlock 0.0.0.0/0`) therefore opens ' +
      'the selected pods completely and silently cancels any default-deny policy in the namespace.',
    remediation:
      'Replace the allow-all rule with rules naming the peers (podSelector, namespaceSelector with labels, narrow ipBlock CIDRs) ' +
      'and the ports each workload needs; to deny a direction entirely, list it in policyTypes with no rules.',
    requires: ['NetworkPolicy'],
    proves:
      'No NetworkPolicy has an enforced ingress or egress rule that admits every peer (empty rule, no from/to, namespaceSelector {}, or a /0 ipBlock without except) on every port.',
    messages: {
      allowAll: 'NetworkPolicy {{policy}} allows all {{directions}} for {{reach}}: {{rules}}{{override}}.',
      allowsNothing: 'NetworkPolicy {{policy}} allows no {{directions}} for {{reach}} (no rules).',
      restricted: 'Every rule of NetworkPolicy {{policy}} ({{count}} {{directions}} rule(s) for {{reach}}) restricts its peers or ports.',
      noPolicies: 'The evidence for target {{target}} holds no NetworkPolicy, so no rule allows all traffic (the default-deny checks report the missing isolation).',
    },
  },
  evaluate({ target }) {
    const policies = target.kubernetes.networkPolicies;
    if (policies.length === 0) {
      // Objects that failed their schema, or a gap on the kind, are reported by the evaluator as errors.
      if (target.kubernetes.networkPolicyObjects > 0 || gapsTouching(target, ['NetworkPolicy'], '*').length > 0) return [];
      return [
        {
          status: 'not_applicable',
          resource: { kind: 'Cluster', name: target.name },
          messageId: 'noPolicies',
          data: { target: target.name },
          evidence: [],
        },
      ];
    }
    return policies.map((p) => judgePolicy(target, p));
  },
};

function judgePolicy(target: TargetInventory, p: NetworkPolicy): CheckFinding {
  const resource = { kind: 'NetworkPolicy', namespace: p.namespace, name: p.name };
  const types = effectivePolicyTypes(p.spec);
  const reach = policyReach(p);
  const warnings: string[] = [];
  for (const d of ignoredRuleDirections(p)) {
    warnings.push(`its ${fieldOf(d)} rules are ignored because the effective policyTypes [${types.join(', ')}] leave out ${d}`);
  }
  const warning = (extra: string[] = []): { warning?: string } => {
    const all = [...warnings, ...extra];
    return all.length > 0 ? { warning: all.join('; ') } : {};
  };

  const allowAll = allowAllRules(p);
  if (allowAll.length > 0) {
    const directions = [...new Set(allowAll.map((r) => r.direction.toLowerCase()))].join(' and ');
    // Union semantics: the allow-all re-opens what a default deny in the namespace closes.
    const overridden = target.kubernetes.networkPolicies.filter(
      (q) => q !== p && q.namespace === p.namespace && allowAll.some((r) => isDefaultDeny(q, r.direction)),
    );
    const override =
      overridden.length > 0 ? `; this overrides default-deny NetworkPolicy ${overridden.map((q) => q.name).join(', ')} for those pods` : '';
    return {
      status: 'fail',
      resource,
      messageId: 'allowAll',
      data: { policy: policyName(p), directions, reach, rules: allowAll.map(describeOpenRule).join(', '), override },
      evidence: [p.evidenceId, ...overridden.map((q) => q.evidenceId)],
      ...warning(),
    };
  }

  const ruleCount = types.reduce((n, d) => n + rulesOf(p.spec, d).length, 0);
  const directions = types.map((d) => d.toLowerCase()).join(' and ');
  // Any peer on named ports is a deliberate exposure (a public web port), not allow-all; say so.
  const anyPeer = openRules(p).filter((r) => !r.allPorts);
  const anyPeerWarning =
    anyPeer.length > 0 ? [`admits every peer on some ports: ${anyPeer.map(describeOpenRule).join(', ')}`] : [];
  if (ruleCount === 0) {
    return { status: 'pass', resource, messageId: 'allowsNothing', data: { policy: policyName(p), directions, reach }, evidence: [p.evidenceId], ...warning() };
  }
  return {
    status: 'pass',
    resource,
    messageId: 'restricted',
    data: { policy: policyName(p), count: ruleCount, directions, reach },
    evidence: [p.evidenceId],
    ...warning(anyPeerWarning),
  };
}
