// The typed Consul view of a target that Consul checks judge.
export interface ConsulInventory {
  // Whether the evidence shows Consul installed (control plane, CRDs in use, or proxies).
  present: boolean;
}
