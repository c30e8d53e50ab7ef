// The typed Azure view of a target that azure checks judge.
export interface AzureInventory {
  // Whether the evidence holds any Azure API response or CLI output for this target.
  present: boolean;
}
