import { linkerdDataplane } from '../../inventory/linkerd/dataplane.ts';
import { inScopeNamespace } from '../../inventory/scope.ts';
import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';

export const linkerdProxyCoverage: Check = {
  meta: {
    id: 'linkerd-proxy-coverage',
    title: 'Every workload in scope runs with the Linkerd proxy',
    severity: 'high',
    area: 'linkerd',
    rationale:
      'Linkerd mTLS and authorization policy apply only to traffic that passes through a linkerd-proxy. A pod without the proxy ' +
      'sends and accepts plaintext and no Server or AuthorizationPolicy protects it, so mesh-wide results say nothing about it.',
    remediation:
      'Annotate the namespace (or the pod template) with linkerd.io/inject: enabled, remove linkerd.io/inject: disabled and ' +
      'hostNetwork where possible, then restart the workload (`kubectl rollout restart`): the injector acts only when a pod is created.',
    requires: [...WORKLOAD_KINDS, 'Namespace'],
    proves: 'Each workload in an in-scope namespace runs a linkerd-proxy sidecar, judged from running pods when present.',
    messages: {
      meshed: '{{kind}} {{namespace}}/{{name}} is in the Linkerd mesh ({{basis}}): {{reason}}.',
      podsMissingProxy: '{{kind}} {{namespace}}/{{name}} is not protected: {{reason}}: {{pods}}.',
      notInjected: '{{kind}} {{namespace}}/{{name}} would not be meshed: {{reason}}.',
    },
  },
  evaluate({ target }) {
    const namespaces = new Map(target.namespaces.map((n) => [n.name, n]));
    const findings: CheckFinding[] = [];
    for (const w of target.workloads) {
      if (!inScopeNamespace(target, w.namespace)) continue;
      const ns = namespaces.get(w.namespace);
      const dp = linkerdDataplane(w, ns);
      const resource = { kind: w.kind, namespace: w.namespace, name: w.name };
      const evidence = ns?.evidenceId ? [...w.evidenceIds, ns.evidenceId] : [...w.evidenceIds];
      const base = { kind: w.kind, namespace: w.namespace, name: w.name, basis: dp.basis, reason: dp.reason };
      let finding: CheckFinding;
      if (dp.meshed) {
        finding = { status: 'pass', resource, messageId: 'meshed', data: base, evidence };
      } else if (dp.basis === 'observed') {
        finding = { status: 'fail', resource, messageId: 'podsMissingProxy', data: { ...base, pods: dp.unmeshedPods.join(', ') }, evidence };
      } else {
        finding = { status: 'fail', resource, messageId: 'notInjected', data: base, evidence };
      }
      // Annotations act only at pod creation: say when running pods and current intent disagree.
      findings.push(dp.drift ? { ...finding, warning: dp.drift } : finding);
    }
    return findings;
  },
};
