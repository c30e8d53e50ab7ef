import type { StringMap } from '../k8s-object.ts';
import type { Container, NamespaceInfo, PodInfo, Workload } from '../types.ts';

// consul-k8s injection facts (control-plane/connect-inject/constants/annotations_and_labels.go,
// webhook/mesh_webhook.go, subcommand/consul-cni): the running pod carries the consul-dataplane
// container and the connect-inject-status annotation; transparent proxy redirection is applied only
// when the pod carries transparent-proxy-status (its absence "is the equivalent of disabled").

export const ANNOTATION_INJECT = 'consul.hashicorp.com/connect-inject';
export const ANNOTATION_INJECT_STATUS = 'consul.hashicorp.com/connect-inject-status';
export const KEY_TPROXY = 'consul.hashicorp.com/transparent-proxy';
export const ANNOTATION_TPROXY_STATUS = 'consul.hashicorp.com/transparent-proxy-status';
export const DATAPLANE_CONTAINER = 'consul-dataplane';
// consul-k8s before 1.0 injected Envoy as this container (with consul-sidecar).
const LEGACY_ENVOY_CONTAINER = 'envoy-sidecar';

export const TPROXY_EXCLUSIONS = [
  { annotation: 'consul.hashicorp.com/transparent-proxy-exclude-inbound-ports', label: 'inbound ports' },
  { annotation: 'consul.hashicorp.com/transparent-proxy-exclude-outbound-ports', label: 'outbound ports' },
  { annotation: 'consul.hashicorp.com/transparent-proxy-exclude-outbound-cidrs', label: 'outbound CIDRs' },
  { annotation: 'consul.hashicorp.com/transparent-proxy-exclude-uids', label: 'UIDs' },
] as const;

export interface TproxyExclusion {
  annotation: string;
  label: string;
  values: string[];
}

export interface ConsulDataplane {
  meshed: boolean;
  // observed: judged from running pods; predicted: from the pod template and namespace.
  basis: 'observed' | 'predicted';
  reason: string;
  unmeshedPods: string[];
  // Transparent proxy: undefined when the workload is not meshed.
  tproxy: { enabled: boolean; reason: string } | undefined;
  // Traffic the redirection skips (only meaningful with transparent proxy enabled).
  exclusions: TproxyExclusion[];
}

// Go strconv.ParseBool, which consul-k8s uses for these annotations and labels.
export function parseGoBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

function has(containers: readonly Container[], initContainers: readonly Container[], name: string): boolean {
  // A native sidecar is an init container with restartPolicy Always.
  return containers.some((c) => c.name === name) || initContainers.some((c) => c.name === name && c.restartPolicy === 'Always');
}

export function podHasConsulDataplane(pod: Pick<PodInfo, 'containers' | 'initContainers' | 'annotations'>): boolean {
  if (has(pod.containers, pod.initContainers, DATAPLANE_CONTAINER)) return true;
  return has(pod.containers, pod.initContainers, LEGACY_ENVOY_CONTAINER) && pod.annotations[ANNOTATION_INJECT_STATUS] === 'injected';
}

// Any sign of Consul in a workload or namespace (used for `present`).
export function workloadShowsConsul(w: Workload): boolean {
  if (ANNOTATION_INJECT in w.podAnnotations || has(w.containers, w.initContainers, DATAPLANE_CONTAINER)) return true;
  return w.pods.some((p) => podHasConsulDataplane(p) || ANNOTATION_INJECT_STATUS in p.annotations || ANNOTATION_INJECT in p.annotations);
}

export function namespaceShowsConsul(ns: NamespaceInfo): boolean {
  return ANNOTATION_INJECT in ns.annotations || ANNOTATION_INJECT in ns.labels || KEY_TPROXY in ns.labels;
}

function exclusionsOf(annotationSets: readonly StringMap[]): TproxyExclusion[] {
  const out: TproxyExclusion[] = [];
  for (const { annotation, label } of TPROXY_EXCLUSIONS) {
    const values = new Set<string>();
    for (const a of annotationSets) {
      for (const v of (a[annotation] ?? '').split(',')) if (v.trim() !== '') values.add(v.trim());
    }
    if (values.size > 0) out.push({ annotation, label, values: [...values].sort() });
  }
  return out;
}

// Intent: pod annotation, else namespace label, else the Helm default
// connectInject.transparentProxy.defaultEnabled (true unless changed; not in evidence).
function predictedTproxy(podAnnotations: StringMap, ns: NamespaceInfo | undefined): { enabled: boolean; reason: string } {
  const pod = podAnnotations[KEY_TPROXY];
  const podBool = parseGoBool(pod);
  if (podBool !== undefined) return { enabled: podBool, reason: `pod annotation ${KEY_TPROXY}=${pod ?? ''}` };
  const nsLabel = ns?.labels[KEY_TPROXY];
  const nsBool = parseGoBool(nsLabel);
  if (nsBool !== undefined) return { enabled: nsBool, reason: `namespace label ${KEY_TPROXY}=${nsLabel ?? ''}` };
  return { enabled: true, reason: 'no annotation or namespace label; the Helm default connectInject.transparentProxy.defaultEnabled is true (predicted)' };
}

export function consulDataplane(w: Workload, ns: NamespaceInfo | undefined): ConsulDataplane {
  if (w.pods.length > 0) {
    const unmeshed = w.pods.filter((p) => !podHasConsulDataplane(p)).map((p) => p.name).sort();
    if (unmeshed.length > 0) {
      return {
        meshed: false,
        basis: 'observed',
        reason: `${unmeshed.length} of ${w.pods.length} running pod(s) have no ${DATAPLANE_CONTAINER} container`,
        unmeshedPods: unmeshed,
        tproxy: undefined,
        exclusions: [],
      };
    }
    const notRedirected = w.pods.filter((p) => !['enabled', 'complete'].includes(p.annotations[ANNOTATION_TPROXY_STATUS] ?? '')).map((p) => p.name).sort();
    const tproxy =
      notRedirected.length === 0
        ? { enabled: true, reason: `running pods carry ${ANNOTATION_TPROXY_STATUS}` }
        : {
            enabled: false,
            reason: `running pod(s) ${notRedirected.join(', ')} lack ${ANNOTATION_TPROXY_STATUS}=enabled, so no traffic redirection was applied${
              parseGoBool(w.pods[0]?.annotations[KEY_TPROXY]) === false ? ` (${KEY_TPROXY}=false)` : ''
            }`,
          };
    return {
      meshed: true,
      basis: 'observed',
      reason: `running pods carry the ${DATAPLANE_CONTAINER} sidecar`,
      unmeshedPods: [],
      tproxy,
      exclusions: exclusionsOf(w.pods.map((p) => p.annotations)),
    };
  }

  const base = { basis: 'predicted' as const, unmeshedPods: [] };
  if (has(w.containers, w.initContainers, DATAPLANE_CONTAINER)) {
    return { ...base, meshed: true, reason: `the pod template already contains ${DATAPLANE_CONTAINER}`, tproxy: predictedTproxy(w.podAnnotations, ns), exclusions: exclusionsOf([w.podAnnotations]) };
  }
  const raw = w.podAnnotations[ANNOTATION_INJECT];
  const inject = parseGoBool(raw);
  if (inject === true) {
    return {
      ...base,
      meshed: true,
      reason: `pod annotation ${ANNOTATION_INJECT}=${raw ?? ''} (predicted from the manifest; no running pods in evidence)`,
      tproxy: predictedTproxy(w.podAnnotations, ns),
      exclusions: exclusionsOf([w.podAnnotations]),
    };
  }
  const reason =
    inject === false
      ? `pod annotation ${ANNOTATION_INJECT}=${raw ?? ''} opts out`
      : raw !== undefined
        ? `pod annotation ${ANNOTATION_INJECT}="${raw}" is not a boolean, so the injector rejects the pod`
        : `no ${ANNOTATION_INJECT} annotation: injected only if the Helm value connectInject.default is true, which the evidence does not show`;
  return { ...base, meshed: false, reason, tproxy: undefined, exclusions: [] };
}
