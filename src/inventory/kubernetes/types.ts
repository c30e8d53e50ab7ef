// Kubernetes-native network controls of a target.
export interface KubernetesInventory {
  // Whether NetworkPolicy objects could be listed at all (false when the evidence holds none of the kind).
  networkPoliciesListed: boolean;
}
