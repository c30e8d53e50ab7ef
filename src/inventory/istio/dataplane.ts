import { hasContainer } from '../build-inventory.ts';
import type { NamespaceInfo, PodInfo, Workload } from '../types.ts';

export type IstioDataplaneMode = 'sidecar' | 'ambient' | 'none';

export interface IstioDataplane {
  mode: IstioDataplaneMode;
  // observed: judged from running pods; predicted: from namespace labels and the pod template.
  basis: 'observed' | 'predicted';
  reason: string;
  // Pods of the workload that run without a proxy (observed only).
  unmeshedPods: string[];
}

const INJECT = 'sidecar.istio.io/inject';
const NS_INJECTION = 'istio-injection';
const REV = 'istio.io/rev';
const DATAPLANE_MODE = 'istio.io/dataplane-mode';
const AMBIENT_REDIRECTION = 'ambient.istio.io/redirection';

function podMesh(pod: Pick<PodInfo, 'containers' | 'initContainers' | 'annotations'>): IstioDataplaneMode {
  if (hasContainer(pod, 'istio-proxy')) return 'sidecar';
  if (pod.annotations[AMBIENT_REDIRECTION] === 'enabled') return 'ambient';
  return 'none';
}

// Whether Istio protects this workload. Running pods are the fact (an istio-proxy container, or
// ambient redirection set by istio-cni); without pods the injection webhook's rules are applied to
// the namespace labels and pod template (mutatingwebhook.yaml, inject.go injectRequired).
export function istioDataplane(workload: Workload, namespace: NamespaceInfo | undefined): IstioDataplane {
  if (workload.pods.length > 0) {
    const modes = workload.pods.map((p) => ({ name: p.name, mode: podMesh(p) }));
    const unmeshed = modes.filter((m) => m.mode === 'none').map((m) => m.name);
    if (unmeshed.length > 0) {
      return {
        mode: 'none',
        basis: 'observed',
        reason: `${unmeshed.length} of ${modes.length} running pod(s) have no istio-proxy and no ambient redirection`,
        unmeshedPods: unmeshed.sort(),
      };
    }
    const mode = modes.some((m) => m.mode === 'sidecar') ? 'sidecar' : 'ambient';
    return {
      mode,
      basis: 'observed',
      reason: mode === 'sidecar' ? 'running pods carry the istio-proxy sidecar' : 'running pods are captured by ztunnel (ambient redirection enabled)',
      unmeshedPods: [],
    };
  }
  return { ...predict(workload, namespace?.labels ?? {}), basis: 'predicted', unmeshedPods: [] };
}

function predict(w: Workload, nsLabels: Record<string, string>): { mode: IstioDataplaneMode; reason: string } {
  if (podMesh({ containers: w.containers, initContainers: w.initContainers, annotations: w.podAnnotations }) === 'sidecar') {
    return { mode: 'sidecar', reason: 'the pod template already contains istio-proxy (manual injection)' };
  }
  if (w.hostNetwork) return { mode: 'none', reason: 'hostNetwork pods are never injected' };

  const podLabel = w.podLabels[INJECT];
  const podAnnotation = w.podAnnotations[INJECT];
  const nsInjection = nsLabels[NS_INJECTION];
  const nsRev = nsLabels[REV];

  let webhookSelects = false;
  let why = '';
  let blocked = '';
  if (nsInjection !== undefined) {
    // The legacy label takes precedence over istio.io/rev.
    if (nsInjection === 'enabled') {
      webhookSelects = podLabel !== 'false';
      why = webhookSelects ? 'namespace label istio-injection=enabled' : 'pod label sidecar.istio.io/inject=false opts out';
    } else {
      // No sidecar webhook selects this namespace, but ambient enrolment (below) still can.
      blocked = `namespace label istio-injection=${nsInjection}; no pod label can override it`;
    }
  } else if (nsRev !== undefined) {
    // An empty istio.io/rev matches no revision's selector, yet its presence fails every DoesNotExist.
    webhookSelects = nsRev !== '' && podLabel !== 'false';
    if (nsRev === '') blocked = 'namespace label istio.io/rev is empty, which matches no injector revision';
    else why = webhookSelects ? `namespace label istio.io/rev=${nsRev}` : 'pod label sidecar.istio.io/inject=false opts out';
  } else if (podLabel === 'true' || ((w.podLabels[REV] ?? '') !== '' && podLabel !== 'false')) {
    // The object selectors require sidecar.istio.io/inject NotIn [false] alongside a pod istio.io/rev.
    webhookSelects = true;
    why = podLabel === 'true' ? 'pod label sidecar.istio.io/inject=true' : 'pod label istio.io/rev';
  }

  if (webhookSelects) {
    // Inside the webhook the label is preferred; without one, the annotation "false" still opts out.
    if (podLabel === undefined && podAnnotation === 'false') {
      return { mode: 'none', reason: 'pod annotation sidecar.istio.io/inject=false opts out' };
    }
    return { mode: 'sidecar', reason: `${why} (predicted from the manifest; no running pods in evidence)` };
  }

  const sidecarNamespace = nsInjection === 'enabled' || (nsRev ?? '') !== '';
  if (!sidecarNamespace && w.podLabels[DATAPLANE_MODE] !== 'none') {
    if (nsLabels[DATAPLANE_MODE] === 'ambient' || w.podLabels[DATAPLANE_MODE] === 'ambient') {
      return { mode: 'ambient', reason: 'enrolled in ambient mode by the istio.io/dataplane-mode label (predicted)' };
    }
  }
  if (blocked) return { mode: 'none', reason: blocked };
  if (podAnnotation === 'true' && podLabel === undefined) {
    return { mode: 'none', reason: 'the annotation sidecar.istio.io/inject=true cannot opt a pod in; the webhook selects on labels' };
  }
  if (podLabel === 'false') return { mode: 'none', reason: 'pod label sidecar.istio.io/inject=false' };
  return { mode: 'none', reason: 'neither the namespace nor the pod carries an injection or ambient label' };
}
