import { judgeNamespaceDefaultDeny } from '../../inventory/kubernetes/default-deny.ts';
import { inScopeNamespace } from '../../inventory/scope.ts';
import type { Check } from '../types.ts';

export const k8sNetpolDefaultDenyIngress: Check = {
  meta: {
    id: 'k8s-netpol-default-deny-ingress',
    title: 'Every application namespace denies ingress to its pods unless a NetworkPolicy allows it',
    severity: 'high',
    area: 'kubernetes',
    rationale:
      'A pod that no NetworkPolicy selects for ingress accepts connections from every pod in the cluster and every network ' +
      'that can route to it. A namespace-wide default-deny policy (podSelector {}, policyTypes Ingress, no ingress rules) ' +
      'isolates every pod, present and future, so each allowed flow must be granted explicitly (network segmentation, least privilege).',
    remediation:
      'Apply in each application namespace a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress]` and no `ingress` ' +
      'rules (the upstream default-deny-ingress example), then add NetworkPolicies allowing the ingress each workload needs. ' +
      'Confirm that the cluster CNI enforces NetworkPolicy.',
    requires: ['NetworkPolicy', 'Namespace'],
    proves:
      'Each in-scope namespace has a NetworkPolicy that selects every pod for ingress and allows no ingress, as accepted by the API (enforcement depends on the CNI).',
    messages: {
      defaultDeny: 'Namespace {{namespace}} denies ingress by default: NetworkPolicy {{policies}} (podSelector {}, no ingress rules).',
      noPolicies: 'Namespace {{namespace}} has no NetworkPolicy{{note}}, so every pod in it accepts ingress from any source.',
      noDefaultDeny:
        'Namespace {{namespace}} has {{count}} NetworkPolicy object(s) but none denies ingress by default (podSelector {}, policyTypes with Ingress, no ingress rules): {{policies}}.',
      evidenceIncomplete:
        'Namespace {{namespace}} shows no default-deny ingress NetworkPolicy among the {{seen}} it has in the evidence, but NetworkPolicy evidence is incomplete, so one may exist unseen: {{gaps}}.',
    },
  },
  evaluate({ target }) {
    return target.namespaces
      .filter((ns) => inScopeNamespace(target, ns.name))
      .map((ns) => ({ resource: { kind: 'Namespace', name: ns.name }, ...judgeNamespaceDefaultDeny(target, ns, 'Ingress') }));
  },
};
