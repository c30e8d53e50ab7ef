import { judgeNamespaceDefaultDeny } from '../../inventory/kubernetes/default-deny.ts';
import { inScopeNamespace } from '../../inventory/scope.ts';
import type { Check } from '../types.ts';

export const k8sNetpolDefaultDenyEgress: Check = {
  meta: {
    id: 'k8s-netpol-default-deny-egress',
    title: 'Every application namespace denies egress from its pods unless a NetworkPolicy allows it',
    severity: 'medium',
    area: 'kubernetes',
    rationale:
      'Kubernetes isolates a pod for egress only when a policy lists Egress in policyTypes; otherwise the pod may connect to any ' +
      'pod or address, which lets a compromised workload reach other services or exfiltrate data. A namespace-wide default-deny ' +
      'egress policy restricts outbound traffic to what is explicitly allowed.',
    remediation:
      'Apply in each application namespace a NetworkPolicy with `podSelector: {}`, `policyTypes: [Egress]` and no `egress` rules, ' +
      'then allow the egress each workload needs (including DNS to kube-dns on UDP and TCP port 53). Note that `policyTypes` ' +
      'must name Egress explicitly: a policy without egress rules defaults to Ingress only. Confirm that the cluster CNI enforces NetworkPolicy.',
    requires: ['NetworkPolicy', 'Namespace'],
    proves:
      'Each in-scope namespace has a NetworkPolicy that selects every pod for egress and allows no egress, as accepted by the API (enforcement depends on the CNI).',
    messages: {
      defaultDeny: 'Namespace {{namespace}} denies egress by default: NetworkPolicy {{policies}} (podSelector {}, no egress rules).',
      noPolicies: 'Namespace {{namespace}} has no NetworkPolicy{{note}}, so every pod in it may send traffic to any destination.',
      noDefaultDeny:
        'Namespace {{namespace}} has {{count}} NetworkPolicy object(s) but none denies egress by default (podSelector {}, policyTypes with Egress, no egress rules): {{policies}}.',
      evidenceIncomplete:
        'Namespace {{namespace}} shows no default-deny egress NetworkPolicy among the {{seen}} it has in the evidence, but NetworkPolicy evidence is incomplete, so one may exist unseen: {{gaps}}.',
    },
  },
  evaluate({ target }) {
    return target.namespaces
      .filter((ns) => inScopeNamespace(target, ns.name))
      .map((ns) => ({ resource: { kind: 'Namespace', name: ns.name }, ...judgeNamespaceDefaultDeny(target, ns, 'Egress') }));
  },
};
