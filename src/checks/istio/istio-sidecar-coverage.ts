import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import { istioDataplane } from '../../inventory/istio/dataplane.ts';
import { inScopeNamespace } from '../../inventory/scope.ts';
import type { PodInfo } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const MULTIPLE_INJECTION_LABELS =
  'IST0123: the namespace carries both istio-injection and istio.io/rev; istio-injection takes precedence, so the revision label is ignored';

export const istioSidecarCoverage: Check = {
  meta: {
    id: 'istio-sidecar-coverage',
    title: 'Every workload in scope runs inside the Istio mesh (sidecar or ambient)',
    severity: 'high',
    area: 'istio',
    rationale:
      'Mesh mTLS and authorization apply only to traffic that passes through an Istio proxy. A workload without a sidecar or ' +
      'ambient redirection sends and accepts plaintext and is invisible to every mesh policy, so mesh-wide results say nothing about it.',
    remediation:
      'Label the namespace istio-injection=enabled (or istio.io/rev=<revision>, or istio.io/dataplane-mode=ambient), remove ' +
      'sidecar.istio.io/inject=false and hostNetwork where possible, then restart the workload so its pods are recreated ' +
      '(`kubectl rollout restart`). Note that the annotation sidecar.istio.io/inject: "true" alone does not opt a pod in.',
    requires: [...WORKLOAD_KINDS, 'Namespace'],
    proves: 'Each workload in an in-scope namespace is protected by an Istio sidecar or ambient ztunnel redirection, judged from running pods when present.',
    messages: {
      meshed: '{{kind}} {{namespace}}/{{name}} is in the mesh ({{mode}}, {{basis}}): {{reason}}.',
      podsMissingProxy:
        '{{kind}} {{namespace}}/{{name}} is not protected: {{reason}} ({{code}} PodMissingProxy): {{pods}}.',
      notInjected: '{{kind}} {{namespace}}/{{name}} would not be meshed: {{reason}} ({{code}} NamespaceNotInjected).',
    },
  },
  evaluate({ target }) {
    const namespaces = new Map(target.namespaces.map((n) => [n.name, n]));
    const findings: CheckFinding[] = [];
    for (const w of target.workloads) {
      if (!inScopeNamespace(target, w.namespace)) continue;
      const ns = namespaces.get(w.namespace);
      const dp = istioDataplane(w, ns);
      const resource = { kind: w.kind, namespace: w.namespace, name: w.name };
      const evidence = ns?.evidenceId ? [...w.evidenceIds, ns.evidenceId] : [...w.evidenceIds];
      const nsLabels = ns?.labels ?? {};
      const warning = 'istio-injection' in nsLabels && 'istio.io/rev' in nsLabels ? MULTIPLE_INJECTION_LABELS : undefined;
      // Without the Namespace object its labels are unknown; say so rather than imply they are absent.
      const reason =
        dp.basis === 'predicted' && ns?.evidenceId === undefined
          ? `${dp.reason} (the Namespace object is not in the evidence, so its labels are unknown)`
          : dp.reason;
      const base = { kind: w.kind, namespace: w.namespace, name: w.name, mode: dp.mode, basis: dp.basis, reason };
      let finding: CheckFinding;
      if (dp.mode === 'sidecar' || dp.mode === 'ambient') {
        finding = { status: 'pass', resource, messageId: 'meshed', data: base, evidence };
      } else if (dp.basis === 'observed') {
        finding = {
          status: 'fail',
          resource,
          messageId: 'podsMissingProxy',
          data: { ...base, code: 'IST0103', pods: dp.unmeshedPods.map((p) => describePod(w.pods, p)).join(', ') },
          evidence,
        };
      } else {
        finding = { status: 'fail', resource, messageId: 'notInjected', data: { ...base, code: 'IST0102' }, evidence };
      }
      findings.push(warning ? { ...finding, warning } : finding);
    }
    return findings;
  },
};

// istio-cni sets the redirection annotation to "pending" before ztunnel captures the pod.
function describePod(pods: readonly PodInfo[], name: string): string {
  const redirection = pods.find((p) => p.name === name)?.annotations['ambient.istio.io/redirection'];
  return redirection && redirection !== 'enabled' ? `${name} (ambient redirection ${redirection})` : name;
}
