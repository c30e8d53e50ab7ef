import { shellQuote } from '../../evidence/cli-command.ts';
import type { GcpApiKind } from './schema.ts';

// Identity of Google Cloud evidence records, shared by the live collector, the offline gcloud
// recognizers and the inventory, so the same response gets the same kind, name and command
// whichever way it was read.

// 'constraints/compute.requireOsLogin' → 'compute.requireOsLogin'.
export function bareConstraint(constraint: string): string {
  return constraint.replace(/^constraints\//, '');
}

// Folders and organizations are named by their number; a project by the id the operator gave.
export const gcpEvidenceName = {
  effectivePolicy: (project: string, constraint: string): string => `gcp/projects/${project}/policies/${bareConstraint(constraint)}`,
  policyList: (project: string): string => `gcp/projects/${project}/policies`,
  iamPolicy: (project: string): string => `gcp/projects/${project}/iamPolicy`,
  project: (project: string): string => `gcp/projects/${project}`,
  folder: (folder: string): string => `gcp/folders/${folder}`,
  folderIamPolicy: (folder: string): string => `gcp/folders/${folder}/iamPolicy`,
  organizationIamPolicy: (organization: string): string => `gcp/organizations/${organization}/iamPolicy`,
};

// A node of the resource hierarchy: 'projects/acme-prod', 'folders/123', 'organizations/456'.
export type GcpNodeType = 'projects' | 'folders' | 'organizations';

export interface GcpEvidenceId {
  kind: GcpApiKind;
  // The node the record is about, e.g. 'folders/123'.
  node: string;
  // Set when the node is a project.
  project?: string;
  constraint?: string;
}

// Which node each kind is about, and the suffix its record name carries after the node.
const NAME_SHAPE: Readonly<Record<GcpApiKind, { type: GcpNodeType; suffix: RegExp }>> = {
  GcpEffectivePolicy: { type: 'projects', suffix: /^\/policies\/([^/]+)$/ },
  GcpPolicyList: { type: 'projects', suffix: /^\/policies$/ },
  GcpIamPolicy: { type: 'projects', suffix: /^\/iamPolicy$/ },
  GcpProject: { type: 'projects', suffix: /^$/ },
  GcpFolder: { type: 'folders', suffix: /^$/ },
  GcpFolderIamPolicy: { type: 'folders', suffix: /^\/iamPolicy$/ },
  GcpOrganizationIamPolicy: { type: 'organizations', suffix: /^\/iamPolicy$/ },
};

// Reads back a record name; undefined when it is not one gcpEvidenceName writes for that kind.
export function parseGcpEvidenceName(kind: GcpApiKind, name: string): GcpEvidenceId | undefined {
  const m = /^gcp\/(projects|folders|organizations)\/([^/]+)(.*)$/.exec(name);
  const shape = NAME_SHAPE[kind];
  if (!m?.[2] || m[1] !== shape.type) return undefined;
  const rest = shape.suffix.exec(m[3] ?? '');
  if (!rest) return undefined;
  const node = `${m[1]}/${m[2]}`;
  return { kind, node, ...(shape.type === 'projects' ? { project: m[2] } : {}), ...(rest[1] ? { constraint: rest[1] } : {}) };
}

// The API method of each call, as the evidence record's source.call.
export const gcpApiCall = {
  effectivePolicy: (project: string, constraint: string): string =>
    `orgpolicy.projects.policies.getEffectivePolicy projects/${project}/policies/${bareConstraint(constraint)}`,
  policyList: (project: string): string => `orgpolicy.projects.policies.list projects/${project}`,
  iamPolicy: (project: string): string => `cloudresourcemanager.projects.getIamPolicy projects/${project}`,
  project: (project: string): string => `cloudresourcemanager.projects.get projects/${project}`,
  folder: (folder: string): string => `cloudresourcemanager.folders.get folders/${folder}`,
  folderIamPolicy: (folder: string): string => `cloudresourcemanager.folders.getIamPolicy folders/${folder}`,
  organizationIamPolicy: (organization: string): string => `cloudresourcemanager.organizations.getIamPolicy organizations/${organization}`,
};

// The command an auditor runs to print the same JSON.
export const gcpCli = {
  effectivePolicy: (project: string, constraint: string): string =>
    `gcloud org-policies describe ${shellQuote(bareConstraint(constraint))} --effective --project ${shellQuote(project)} --format json`,
  // Resource Manager v1 (the older `gcloud resource-manager org-policies` surface), offline only.
  effectivePolicyV1: (project: string, constraint: string): string =>
    `gcloud resource-manager org-policies describe ${shellQuote(bareConstraint(constraint))} --effective --project ${shellQuote(project)} --format json`,
  // `gcloud org-policies list` prints one summary row per policy, not the policies, so the stored
  // ListPolicies body is reproduced with the REST call itself.
  policyList: (project: string): string =>
    `curl -sS -H "Authorization: Bearer $(gcloud auth print-access-token)" ${shellQuote(`https://orgpolicy.googleapis.com/v2/projects/${encodeURIComponent(project)}/policies`)}`,
  policyListGcloud: (project: string): string => `gcloud org-policies list --project ${shellQuote(project)} --format json`,
  iamPolicy: (project: string): string => `gcloud projects get-iam-policy ${shellQuote(project)} --format json`,
  // gcloud reads projects through Resource Manager v1 and folders through v2: it prints the same
  // resource and parent with the older field names (parent {type, id}, lifecycleState), which the
  // recognizers and the inventory read too.
  project: (project: string): string => `gcloud projects describe ${shellQuote(project)} --format json`,
  folder: (folder: string): string => `gcloud resource-manager folders describe ${shellQuote(folder)} --format json`,
  folderIamPolicy: (folder: string): string => `gcloud resource-manager folders get-iam-policy ${shellQuote(folder)} --format json`,
  organizationIamPolicy: (organization: string): string => `gcloud organizations get-iam-policy ${shellQuote(organization)} --format json`,
};
