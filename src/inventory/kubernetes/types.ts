import type { Obj, ObjectRef } from '../types.ts';
import type { NetworkPolicySpec, PolicyType } from './schema.ts';

export type NetworkPolicy = Obj<NetworkPolicySpec>;
export type PolicyDirection = PolicyType;

// A policy object of another engine (AdminNetworkPolicy, Cilium, Calico) that auditpack sees but
// does not evaluate; it can override or extend what NetworkPolicy allows.
export interface UnevaluatedPolicy {
  evidenceId: string;
  apiVersion: string;
  kind: string;
  // Undefined for cluster-wide kinds, which apply to every namespace.
  namespace: string | undefined;
  name: string;
}

// A CNI DaemonSet recognised by name: NetworkPolicy is enforced by the CNI, not the API server.
export interface CniComponent {
  plugin: string;
  // false: the plugin is known not to enforce NetworkPolicy (Flannel, AWS VPC CNI without its policy agent).
  enforcesNetworkPolicy: boolean;
  workload: ObjectRef;
  evidenceIds: string[];
}

// Kubernetes-native network controls of a target.
export interface KubernetesInventory {
  // Schema-valid networking.k8s.io NetworkPolicy objects, sorted by namespace and name.
  networkPolicies: NetworkPolicy[];
  // NetworkPolicy objects in the evidence, valid or not (0: none exist or none were collected).
  networkPolicyObjects: number;
  unevaluatedPolicies: UnevaluatedPolicy[];
  cni: CniComponent[];
}
