import { shellQuote } from '../../evidence/cli-command.ts';
import type { GcpApiKind } from './schema.ts';

// Identity of Google Cloud evidence records, shared by the live collector, the offline gcloud
// recognizers and the inventory, so the same response gets the same kind, name and command
// whichever way it was read.

// 'constraints/compute.requireOsLogin' → 'compute.requireOsLogin'.
export function bareConstraint(constraint: string): string {
  return constraint.replace(/^constraints\//, '');
}

export const gcpEvidenceName = {
  effectivePolicy: (project: string, constraint: string): string => `gcp/projects/${project}/policies/${bareConstraint(constraint)}`,
  policyList: (project: string): string => `gcp/projects/${project}/policies`,
  iamPolicy: (project: string): string => `gcp/projects/${project}/iamPolicy`,
};

export interface GcpEvidenceId {
  kind: GcpApiKind;
  project: string;
  constraint?: string;
}

// Reads back a record name; undefined when it is not one gcpEvidenceName writes for that kind.
export function parseGcpEvidenceName(kind: GcpApiKind, name: string): GcpEvidenceId | undefined {
  const m = /^gcp\/projects\/([^/]+)\/(policies|iamPolicy)(?:\/([^/]+))?$/.exec(name);
  if (!m?.[1]) return undefined;
  const project = m[1];
  if (kind === 'GcpEffectivePolicy' && m[2] === 'policies' && m[3]) return { kind, project, constraint: m[3] };
  if (kind === 'GcpPolicyList' && m[2] === 'policies' && !m[3]) return { kind, project };
  if (kind === 'GcpIamPolicy' && m[2] === 'iamPolicy' && !m[3]) return { kind, project };
  return undefined;
}

// The API method of each call, as the evidence record's source.call.
export const gcpApiCall = {
  effectivePolicy: (project: string, constraint: string): string =>
    `orgpolicy.projects.policies.getEffectivePolicy projects/${project}/policies/${bareConstraint(constraint)}`,
  policyList: (project: string): string => `orgpolicy.projects.policies.list projects/${project}`,
  iamPolicy: (project: string): string => `cloudresourcemanager.projects.getIamPolicy projects/${project}`,
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
};
