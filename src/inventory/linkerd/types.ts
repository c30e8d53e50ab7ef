// The typed Linkerd view of a target that Linkerd checks judge.
export interface LinkerdInventory {
  // Whether the evidence shows Linkerd installed (control plane, CRDs in use, or proxies).
  present: boolean;
}
