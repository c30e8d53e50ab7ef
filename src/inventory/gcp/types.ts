import type { ObjectRef } from '../types.ts';

// The typed Google Cloud view of a target that gcp checks judge: per project, the effective
// organization policy of each constraint, the dry-run policies set on the project, and the IAM
// policies of the project and of the folders and organization above it (with the parent links that
// say which those are).

// One rule of an organization policy, normalized from the v2 PolicyRule or the v1 booleanPolicy /
// listPolicy (v1 has exactly one implicit rule).
export interface GcpRule {
  // Where the rule is in the evidence, for messages ('spec.rules[0]', 'booleanPolicy', 'listPolicy').
  path: string;
  // Condition title and expression; undefined for an unconditional rule.
  condition: string | undefined;
  // Boolean constraints: the enforce value; undefined when the rule sets none. v1 `booleanPolicy: {}`
  // is normalized to false (enforced absent means false).
  enforce: boolean | undefined;
  allowAll: boolean;
  denyAll: boolean;
  allowedValues: string[];
  deniedValues: string[];
  // A v1 booleanPolicy without `enforced` (the `{}` trap), kept so messages can say why it is false.
  enforcedAbsent?: boolean;
}

export interface GcpPolicyState {
  format: 'v2' | 'v1';
  rules: GcpRule[];
  // v2 spec.reset or v1 restoreDefault: the constraint's default behaviour applies.
  reset: boolean;
  // False when a v2 policy has no `spec` (or a v1 policy sets no booleanPolicy/listPolicy/restoreDefault).
  specPresent: boolean;
}

export type GcpEffectiveState =
  | { state: 'set'; policy: GcpPolicyState }
  // getEffectivePolicy answered NOT_FOUND: no policy is set anywhere above, the default applies.
  | { state: 'notFound'; message: string }
  // The call answered an error other than NOT_FOUND (e.g. PERMISSION_DENIED), stored as evidence.
  | { state: 'unreadable'; status: string; message: string };

export interface GcpEffectivePolicy {
  project: string;
  // Without the `constraints/` prefix, e.g. 'compute.requireOsLogin'.
  constraint: string;
  evidenceId: string;
  ref: ObjectRef;
  effective: GcpEffectiveState;
}

// A dry-run spec set on the project for a constraint. A dry run reports violations and enforces nothing.
export interface GcpDryRun {
  project: string;
  constraint: string;
  evidenceId: string;
  detail: string;
}

export interface GcpIamBinding {
  role: string;
  // As listed, duplicates included; checks deduplicate.
  members: string[];
  // Condition title and expression; undefined for an unconditional binding.
  condition: string | undefined;
}

// The IAM allow policy set on one node of the hierarchy.
export type GcpIamPolicy = {
  // 'projects/acme-prod' (the id the operator gave), 'folders/123' or 'organizations/456'.
  node: string;
  evidenceId: string;
  ref: ObjectRef;
} & ({ state: 'ok'; version: number | undefined; bindings: GcpIamBinding[] } | { state: 'unreadable'; status: string; message: string });

// A project or folder as projects.get / folders.get described it: its parent, or why it is unknown.
export type GcpHierarchyNode = {
  // 'projects/acme-prod' or 'folders/123'.
  node: string;
  evidenceId: string;
} & (
  // parent: 'folders/F' or 'organizations/O'; undefined for a project without an organization.
  | { state: 'ok'; parent: string | undefined }
  // The call answered an error (stored as evidence), or named a parent of a form Resource Manager never uses.
  | { state: 'unreadable'; status: string; message: string }
);

export interface GcpProject {
  id: string;
  // Every evidence record about the project.
  evidence: string[];
}

export interface GcpInventory {
  // Whether the evidence holds any Google Cloud API response or CLI output for this target.
  present: boolean;
  presenceEvidence: string[];
  // Every project the evidence is about, sorted by id.
  projects: GcpProject[];
  effectivePolicies: GcpEffectivePolicy[];
  dryRuns: GcpDryRun[];
  iamPolicies: GcpIamPolicy[];
  // Projects and folders with their parents, from projects.get and folders.get.
  hierarchy: GcpHierarchyNode[];
}
