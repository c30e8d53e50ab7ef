// The typed Aws view of a target that aws checks judge.
export interface AwsInventory {
  // Whether the evidence holds any Aws API response or CLI output for this target.
  present: boolean;
}
