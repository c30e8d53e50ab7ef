// Every Kubernetes resource auditpack reads, in one place. deploy/rbac.yaml grants exactly these
// (get, list) and a test fails when the two drift apart. Never add `secrets`: auditpack does not
// read Secrets, and nothing it judges needs them.

export interface KubeResource {
  // API group; '' is the core group (/api/v1).
  group: string;
  // Versions auditpack understands, most preferred first (checks-catalog §0.1). The cluster's
  // preferred version wins when it is one of these; otherwise the first one it serves.
  versions: readonly string[];
  plural: string;
  kind: string;
  namespaced: boolean;
}

const ISTIO_NETWORKING_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;
const ISTIO_SECURITY_VERSIONS = ['v1', 'v1beta1'] as const;
// Linkerd Server and HTTPRoute: only v1beta3 has spec.accessPolicy; older versions are still read.
const LINKERD_ROUTE_VERSIONS = ['v1beta3', 'v1beta2', 'v1beta1', 'v1alpha1'] as const;

export const KUBE_RESOURCES: readonly KubeResource[] = [
  { group: '', versions: ['v1'], plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', versions: ['v1'], plural: 'pods', kind: 'Pod', namespaced: true },
  { group: '', versions: ['v1'], plural: 'services', kind: 'Service', namespaced: true },
  // Listed cluster-wide, not by name: the mesh config may be `istio-<revision>` (a name not known
  // before reading), `istio-ca-root-cert` lives in every namespace, and RBAC can only narrow by
  // exact resourceNames. Values pass through redaction before they are hashed.
  { group: '', versions: ['v1'], plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: 'apps', versions: ['v1'], plural: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', versions: ['v1'], plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { group: 'apps', versions: ['v1'], plural: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'apps', versions: ['v1'], plural: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  { group: 'batch', versions: ['v1'], plural: 'jobs', kind: 'Job', namespaced: true },
  { group: 'batch', versions: ['v1'], plural: 'cronjobs', kind: 'CronJob', namespaced: true },
  { group: 'networking.k8s.io', versions: ['v1'], plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true },
  { group: 'security.istio.io', versions: ISTIO_SECURITY_VERSIONS, plural: 'peerauthentications', kind: 'PeerAuthentication', namespaced: true },
  { group: 'security.istio.io', versions: ISTIO_SECURITY_VERSIONS, plural: 'authorizationpolicies', kind: 'AuthorizationPolicy', namespaced: true },
  { group: 'security.istio.io', versions: ISTIO_SECURITY_VERSIONS, plural: 'requestauthentications', kind: 'RequestAuthentication', namespaced: true },
  { group: 'networking.istio.io', versions: ISTIO_NETWORKING_VERSIONS, plural: 'destinationrules', kind: 'DestinationRule', namespaced: true },
  { group: 'networking.istio.io', versions: ISTIO_NETWORKING_VERSIONS, plural: 'gateways', kind: 'Gateway', namespaced: true },
  { group: 'networking.istio.io', versions: ISTIO_NETWORKING_VERSIONS, plural: 'sidecars', kind: 'Sidecar', namespaced: true },
  { group: 'install.istio.io', versions: ['v1alpha1'], plural: 'istiooperators', kind: 'IstioOperator', namespaced: true },
  { group: 'policy.linkerd.io', versions: LINKERD_ROUTE_VERSIONS, plural: 'servers', kind: 'Server', namespaced: true },
  { group: 'policy.linkerd.io', versions: ['v1alpha1'], plural: 'authorizationpolicies', kind: 'AuthorizationPolicy', namespaced: true },
  { group: 'policy.linkerd.io', versions: ['v1alpha1'], plural: 'meshtlsauthentications', kind: 'MeshTLSAuthentication', namespaced: true },
  { group: 'policy.linkerd.io', versions: ['v1alpha1'], plural: 'networkauthentications', kind: 'NetworkAuthentication', namespaced: true },
  { group: 'policy.linkerd.io', versions: ['v1beta1', 'v1alpha1'], plural: 'serverauthorizations', kind: 'ServerAuthorization', namespaced: true },
  { group: 'policy.linkerd.io', versions: LINKERD_ROUTE_VERSIONS, plural: 'httproutes', kind: 'HTTPRoute', namespaced: true },
  { group: 'consul.hashicorp.com', versions: ['v1alpha1'], plural: 'serviceintentions', kind: 'ServiceIntentions', namespaced: true },
  { group: 'consul.hashicorp.com', versions: ['v1alpha1'], plural: 'meshes', kind: 'Mesh', namespaced: true },
  { group: 'consul.hashicorp.com', versions: ['v1alpha1'], plural: 'proxydefaults', kind: 'ProxyDefaults', namespaced: true },
  { group: 'consul.hashicorp.com', versions: ['v1alpha1'], plural: 'servicedefaults', kind: 'ServiceDefaults', namespaced: true },
];

// The name kubectl and RBAC error messages use: `pods`, `peerauthentications.security.istio.io`.
export function resourceName(r: Pick<KubeResource, 'group' | 'plural'>): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}

// `v1` for the core group, `GROUP/VERSION` otherwise.
export function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

// Cluster-wide collection path: /api/v1/pods, /apis/security.istio.io/v1/peerauthentications.
export function listPath(r: Pick<KubeResource, 'group' | 'plural'>, version: string): string {
  return r.group === '' ? `/api/${version}/${r.plural}` : `/apis/${r.group}/${version}/${r.plural}`;
}
