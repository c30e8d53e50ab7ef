// The typed Gcp view of a target that gcp checks judge.
export interface GcpInventory {
  // Whether the evidence holds any Gcp API response or CLI output for this target.
  present: boolean;
}
