import type { Container, NamespaceInfo, Workload } from '../types.ts';

export const PROXY_CONTAINER = 'linkerd-proxy';
export const INJECT_ANNOTATION = 'linkerd.io/inject';
const ADMISSION_WEBHOOKS_LABEL = 'config.linkerd.io/admission-webhooks';
// The proxy injector's webhook namespaceSelector excludes these (charts: proxyInjector.namespaceSelector).
const NEVER_INJECTED_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'cert-manager']);

export interface LinkerdDataplane {
  meshed: boolean;
  // observed: judged from running pods; predicted: from annotations on the namespace and pod template.
  basis: 'observed' | 'predicted';
  reason: string;
  // Running pods without a proxy (observed only).
  unmeshedPods: string[];
  // Set when running pods and the current annotations disagree: annotations act only at pod creation.
  drift: string | undefined;
}

// A linkerd-proxy container, or (Linkerd 2.20+ default) a native sidecar: an init container with
// restartPolicy Always. A plain init container named linkerd-proxy exits before the app starts.
export function hasLinkerdProxy(pod: { containers: readonly Container[]; initContainers: readonly Container[] }): boolean {
  return (
    pod.containers.some((c) => c.name === PROXY_CONTAINER) ||
    pod.initContainers.some((c) => c.name === PROXY_CONTAINER && c.restartPolicy === 'Always')
  );
}

// Whether Linkerd's proxy protects this workload. Running pods are the fact; without pods the injector's
// rules are applied to the namespace and pod-template annotations (features/proxy-injection.md).
export function linkerdDataplane(workload: Workload, namespace: NamespaceInfo | undefined): LinkerdDataplane {
  const predicted = predict(workload, namespace);
  if (workload.pods.length > 0) {
    const unmeshed = workload.pods.filter((p) => !hasLinkerdProxy(p)).map((p) => p.name).sort();
    if (unmeshed.length > 0) {
      const drift = predicted.meshed
        ? `the current annotations would inject new pods (${predicted.reason}), but these pods were created before that and were never injected; restart the workload`
        : undefined;
      return {
        meshed: false,
        basis: 'observed',
        reason: `${unmeshed.length} of ${workload.pods.length} running pod(s) have no linkerd-proxy`,
        unmeshedPods: unmeshed,
        drift,
      };
    }
    const drift = predicted.meshed
      ? undefined
      : `running pods carry linkerd-proxy, but pods created from now on would not be injected: ${predicted.reason}`;
    return { meshed: true, basis: 'observed', reason: 'running pods carry the linkerd-proxy sidecar', unmeshedPods: [], drift };
  }
  return { ...predicted, basis: 'predicted', unmeshedPods: [], drift: undefined };
}

function predict(w: Workload, ns: NamespaceInfo | undefined): { meshed: boolean; reason: string } {
  if (hasLinkerdProxy(w)) return { meshed: true, reason: 'the pod template already contains linkerd-proxy (linkerd inject)' };
  if (NEVER_INJECTED_NAMESPACES.has(w.namespace)) {
    return { meshed: false, reason: `the proxy injector never runs in namespace ${w.namespace}` };
  }
  if (ns?.labels[ADMISSION_WEBHOOKS_LABEL] === 'disabled') {
    return { meshed: false, reason: `namespace label ${ADMISSION_WEBHOOKS_LABEL}=disabled excludes it from the proxy injector` };
  }
  if (w.hostNetwork) return { meshed: false, reason: 'pods with hostNetwork: true are never injected' };

  const pod = w.podAnnotations[INJECT_ANNOTATION];
  const nsValue = ns?.annotations[INJECT_ANNOTATION];
  // The pod (template) annotation overrides the namespace one in both directions.
  if (pod === 'disabled') return { meshed: false, reason: `pod annotation ${INJECT_ANNOTATION}: disabled opts the workload out` };
  if (pod === 'enabled' || pod === 'ingress') {
    return { meshed: true, reason: `pod annotation ${INJECT_ANNOTATION}: ${pod} (predicted from the manifest; no running pods in evidence)` };
  }
  if (nsValue === 'enabled' || nsValue === 'ingress') {
    return { meshed: true, reason: `namespace annotation ${INJECT_ANNOTATION}: ${nsValue} (predicted from the manifest; no running pods in evidence)` };
  }
  if (nsValue === 'disabled') return { meshed: false, reason: `namespace annotation ${INJECT_ANNOTATION}: disabled` };
  // A label with the annotation's name is a common mistake: the injector reads annotations only.
  if (w.podLabels[INJECT_ANNOTATION] !== undefined || ns?.labels[INJECT_ANNOTATION] !== undefined) {
    return { meshed: false, reason: `${INJECT_ANNOTATION} is set as a label, but the proxy injector reads only the annotation` };
  }
  if (pod !== undefined || nsValue !== undefined) {
    return { meshed: false, reason: `${INJECT_ANNOTATION} has the unrecognised value "${pod ?? nsValue}"` };
  }
  const nsNote = ns?.evidenceId === undefined ? ' (the Namespace object is not in the evidence, so its annotations are unknown)' : '';
  return { meshed: false, reason: `neither the namespace nor the pod template carries the ${INJECT_ANNOTATION} annotation${nsNote}` };
}
