import type { StringMap } from './k8s-object.ts';
import type { AwsInventory } from './aws/types.ts';
import type { AzureInventory } from './azure/types.ts';
import type { ConsulInventory } from './consul/types.ts';
import type { GcpInventory } from './gcp/types.ts';
import type { KubernetesInventory } from './kubernetes/types.ts';
import type { LinkerdInventory } from './linkerd/types.ts';
import type {
  AuthorizationPolicySpec,
  DestinationRuleSpec,
  GatewaySpec,
  MeshConfig,
  PeerAuthenticationSpec,
  RequestAuthenticationSpec,
  SidecarSpec,
} from './istio/schema.ts';

// The typed, normalized view of one target (a cluster or snapshot folder) that checks judge.
// Checks read only this: never raw evidence, SDKs, files or the clock.

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

// A typed Kubernetes object with the evidence record it came from.
export interface Obj<S> {
  evidenceId: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  labels: StringMap;
  annotations: StringMap;
  // ISO-8601 or undefined when the object has none (GitOps manifests).
  creationTimestamp: string | undefined;
  spec: S;
}

export type GapReason =
  | 'parse-error'
  | 'schema-invalid'
  | 'access-denied'
  | 'api-error'
  | 'not-found'
  | 'too-large';

// Evidence that should exist but could not be read. Checks that require an affected kind
// can never pass while a gap stands.
export interface EvidenceGap {
  id: string;
  target: string;
  reason: GapReason;
  // Kinds whose evidence may be incomplete; '*' when the lost input could have been anything.
  kinds: readonly string[] | '*';
  namespace?: string;
  message: string;
  file?: string;
  line?: number;
  // The kind of input the lost evidence was, when known (a truncated kubectl JSON is Kubernetes
  // input): then it affects only the checks that read that kind of input.
  area?: 'cluster' | 'aws' | 'azure' | 'gcp';
}

export interface ContainerPort {
  containerPort: number;
  name?: string;
  protocol?: string;
}

export interface Container {
  name: string;
  image?: string;
  ports: ContainerPort[];
  // 'Always' on an init container marks a native sidecar.
  restartPolicy?: string;
}

export interface PodInfo {
  evidenceId: string;
  name: string;
  labels: StringMap;
  annotations: StringMap;
  containers: Container[];
  initContainers: Container[];
  hostNetwork: boolean;
}

// Every kind a workload can come from; checks that read workloads list all of them in `requires`.
export const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'] as const;

export type WorkloadKind =
  | 'Pod'
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'ReplicaSet'
  | 'ReplicationController'
  | 'Job'
  | 'CronJob';

// A workload is a controller (from its pod template) or a bare Pod. `pods` holds the running
// pods observed for it: when present they are the fact, the template only the intent.
export interface Workload {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  evidenceIds: string[];
  podLabels: StringMap;
  podAnnotations: StringMap;
  containers: Container[];
  initContainers: Container[];
  hostNetwork: boolean;
  pods: PodInfo[];
}

export interface NamespaceInfo {
  name: string;
  labels: StringMap;
  annotations: StringMap;
  // Undefined when no Namespace object is in the evidence (only referenced by other objects).
  evidenceId: string | undefined;
}

export interface ServicePort {
  port: number;
  targetPort: number | string | undefined;
  name?: string;
  protocol?: string;
}

export interface ServiceInfo {
  evidenceId: string;
  namespace: string;
  name: string;
  selector: StringMap | undefined;
  ports: ServicePort[];
}

export interface ConfigMapInfo {
  evidenceId: string;
  namespace: string;
  name: string;
  data: StringMap;
}

export interface MeshConfigSource {
  evidenceId: string;
  ref: ObjectRef;
  config: MeshConfig;
}

export interface IstioInventory {
  // Whether the evidence shows any sign of Istio (resources, config, proxies, injection labels).
  present: boolean;
  rootNamespace: string;
  meshConfig: MeshConfigSource | undefined;
  peerAuthentications: Obj<PeerAuthenticationSpec>[];
  authorizationPolicies: Obj<AuthorizationPolicySpec>[];
  requestAuthentications: Obj<RequestAuthenticationSpec>[];
  destinationRules: Obj<DestinationRuleSpec>[];
  gateways: Obj<GatewaySpec>[];
  sidecars: Obj<SidecarSpec>[];
  // ConfigMaps named istio-ca-root-cert (key root-cert.pem), one per namespace in a live cluster.
  caRootCertConfigMaps: ConfigMapInfo[];
}

// Inputs auditpack saw but does not judge, kept so the report can say so.
export interface IgnoredObject {
  evidenceId: string;
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  reason: string;
}

export interface TargetInventory {
  name: string;
  namespaces: NamespaceInfo[];
  workloads: Workload[];
  services: ServiceInfo[];
  configMaps: ConfigMapInfo[];
  istio: IstioInventory;
  linkerd: LinkerdInventory;
  consul: ConsulInventory;
  kubernetes: KubernetesInventory;
  aws: AwsInventory;
  azure: AzureInventory;
  gcp: GcpInventory;
  gaps: EvidenceGap[];
  ignored: IgnoredObject[];
}
