import { z } from 'zod';

// Shapes of the Google Cloud evidence auditpack judges, in the JSON form the REST APIs and
// `gcloud … --format json` print (proto3 JSON mapping):
// - Org Policy v2 `Policy` (orgpolicy.googleapis.com/v2, google/cloud/orgpolicy/v2/orgpolicy.proto):
//   {name, spec{rules[]{values{allowedValues,deniedValues} | allowAll | denyAll | enforce, condition},
//   inheritFromParent, reset}, dryRunSpec}.
// - Resource Manager v1 `OrgPolicy` (cloudresourcemanager.googleapis.com/v1 getEffectiveOrgPolicy):
//   {constraint, booleanPolicy{enforced}, listPolicy{allowedValues, deniedValues, allValues,
//   inheritFromParent}, restoreDefault}. `booleanPolicy: {}` means enforced false.
// - IAM `Policy` (projects/folders/organizations.getIamPolicy): {version, etag, bindings[]{role, members,
//   condition}, auditConfigs}.
// - Resource Manager `Project` (v3 get: {name: 'projects/NUMBER', parent: 'folders/F', projectId, state};
//   v1 as `gcloud projects describe` prints it: {projectId, projectNumber, parent: {type, id}, lifecycleState})
//   and `Folder` (v3 and v2 alike: {name: 'folders/F', parent: 'folders/G' | 'organizations/O', displayName}).
// - The REST error body {error{code, message, status}} for calls that answered NOT_FOUND or
//   PERMISSION_DENIED: stored so the answer itself is evidence.
// Unknown fields pass through (newer API versions); a known field of the wrong type fails validation
// and becomes an evidence gap, so it can never pass silently.

// API responses are stored under this synthetic group (src/evidence/api-response.ts).
export const API_GROUP = 'http.auditpack.io';
export const API_VERSION = `${API_GROUP}/v1`;

// Evidence kinds of the Google Cloud responses, and the API method each one stores.
export const GCP_API_KINDS = {
  // orgpolicy.projects.policies.getEffectivePolicy (v2), or getEffectiveOrgPolicy (v1) from a snapshot.
  GcpEffectivePolicy: 'getEffectivePolicy',
  // orgpolicy.projects.policies.list (v2): the policies set on the project itself.
  GcpPolicyList: 'listPolicies',
  // cloudresourcemanager.projects.getIamPolicy (v3, requestedPolicyVersion 3).
  GcpIamPolicy: 'getIamPolicy',
  // cloudresourcemanager.projects.get (v3): the project's parent folder or organization.
  GcpProject: 'getProject',
  // cloudresourcemanager.folders.get (v3): one folder above the project, and its parent.
  GcpFolder: 'getFolder',
  // cloudresourcemanager.folders.getIamPolicy (v3, requestedPolicyVersion 3): inherited by the projects below.
  GcpFolderIamPolicy: 'getIamPolicy',
  // cloudresourcemanager.organizations.getIamPolicy (v3, requestedPolicyVersion 3): inherited by every project.
  GcpOrganizationIamPolicy: 'getIamPolicy',
} as const;
export type GcpApiKind = keyof typeof GCP_API_KINDS;

// What the IAM checks read: the policies of the project and its ancestors, and the parent links.
export const GCP_IAM_KINDS: readonly GcpApiKind[] = ['GcpIamPolicy', 'GcpProject', 'GcpFolder', 'GcpFolderIamPolicy', 'GcpOrganizationIamPolicy'];

export function isGcpApiKind(kind: string): kind is GcpApiKind {
  return Object.hasOwn(GCP_API_KINDS, kind);
}

const Str = z.string().nullish();
const StrList = z.array(z.string()).nullish();
const Bool = z.boolean().nullish();

// google.type.Expr
export const Expr = z.looseObject({ expression: Str, title: Str, description: Str, location: Str });
export type Expr = z.infer<typeof Expr>;

// ---- Org Policy v2 -----------------------------------------------------------------------------

export const PolicyRuleV2 = z.looseObject({
  values: z.looseObject({ allowedValues: StrList, deniedValues: StrList }).nullish(),
  allowAll: Bool,
  denyAll: Bool,
  enforce: Bool,
  condition: Expr.nullish(),
});
export type PolicyRuleV2 = z.infer<typeof PolicyRuleV2>;

export const PolicySpecV2 = z.looseObject({
  etag: Str,
  updateTime: Str,
  rules: z.array(PolicyRuleV2).nullish(),
  inheritFromParent: Bool,
  reset: Bool,
});
export type PolicySpecV2 = z.infer<typeof PolicySpecV2>;

export const PolicyV2 = z.looseObject({
  name: z.string(),
  spec: PolicySpecV2.nullish(),
  dryRunSpec: PolicySpecV2.nullish(),
  etag: Str,
});
export type PolicyV2 = z.infer<typeof PolicyV2>;

// ---- Resource Manager v1 OrgPolicy ---------------------------------------------------------------

export const OrgPolicyV1 = z.looseObject({
  constraint: z.string(),
  version: z.number().nullish(),
  etag: Str,
  updateTime: Str,
  booleanPolicy: z.looseObject({ enforced: Bool }).nullish(),
  listPolicy: z
    .looseObject({
      allowedValues: StrList,
      deniedValues: StrList,
      allValues: z.enum(['ALL_VALUES_UNSPECIFIED', 'ALLOW', 'DENY']).nullish(),
      suggestedValue: Str,
      inheritFromParent: Bool,
    })
    .nullish(),
  restoreDefault: z.looseObject({}).nullish(),
});
export type OrgPolicyV1 = z.infer<typeof OrgPolicyV1>;

// ---- Errors --------------------------------------------------------------------------------------

export const ErrorBody = z.looseObject({
  error: z.looseObject({ code: z.number().nullish(), message: Str, status: Str }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

// GcpEffectivePolicy: a v1 OrgPolicy has `constraint`, the REST error body has `error`, anything else
// is read as a v2 Policy.
export function effectivePolicyFormat(body: unknown): 'v2' | 'v1' | 'error' {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'v2';
  if ('error' in body) return 'error';
  return 'constraint' in body ? 'v1' : 'v2';
}

// ---- Listed policies ---------------------------------------------------------------------------------

// One row of `gcloud org-policies list --format json` (googlecloudsdk surface org_policies/list.py):
// a summary per policy set on the resource, e.g. {constraint, listPolicy: 'SET'|'-',
// booleanPolicy: 'SET'|'DRY_RUN_SET'|'LIVE_AND_DRY_RUN_SET'|'-', etag}.
export const PolicySummaryRow = z.looseObject({ constraint: z.string(), listPolicy: Str, booleanPolicy: Str, etag: Str });
export type PolicySummaryRow = z.infer<typeof PolicySummaryRow>;

// GcpPolicyList: the ListPolicies REST body {policies, nextPageToken}, or the gcloud list rows (a
// bare array, which the snapshot reader stores as {items}), or the error the call answered with.
export const PolicyListBody = z.looseObject({ policies: z.array(PolicyV2).nullish(), nextPageToken: Str });
export const PolicySummaryBody = z.looseObject({ items: z.array(PolicySummaryRow) });

// Which of the alternative shapes a stored body has: the error body, a keyed shape, or the main one.
export function bodyHas(body: unknown, key: string): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && key in body;
}

// ---- IAM -----------------------------------------------------------------------------------------

export const IamBindingSchema = z.looseObject({ role: z.string(), members: StrList, condition: Expr.nullish() });

export const IamPolicyBody = z.looseObject({
  version: z.number().nullish(),
  etag: Str,
  bindings: z.array(IamBindingSchema).nullish(),
  auditConfigs: z.array(z.looseObject({ service: Str })).nullish(),
});
export type IamPolicyBody = z.infer<typeof IamPolicyBody>;

// ---- Resource hierarchy ------------------------------------------------------------------------------

// v1 ResourceId {type: 'folder' | 'organization', id}.
export const ResourceIdV1 = z.looseObject({ type: z.string(), id: z.string() });

export const ProjectBody = z.looseObject({
  name: Str,
  projectId: Str,
  projectNumber: Str,
  displayName: Str,
  state: Str,
  lifecycleState: Str,
  // v3: 'folders/123' | 'organizations/456'; v1: {type, id}. Absent when the project has no parent.
  parent: z.union([z.string(), ResourceIdV1]).nullish(),
});
export type ProjectBody = z.infer<typeof ProjectBody>;

export const FolderBody = z.looseObject({
  name: z.string(),
  parent: Str,
  displayName: Str,
  state: Str,
  lifecycleState: Str,
});
export type FolderBody = z.infer<typeof FolderBody>;

// 'folders/123' / 'organizations/456' from either parent form; undefined for no parent, null for a
// parent of a form Resource Manager does not use.
export function parentName(parent: ProjectBody['parent']): string | undefined | null {
  if (parent === undefined || parent === null || parent === '') return undefined;
  if (typeof parent === 'string') return /^(folders|organizations)\/[0-9]+$/.test(parent) ? parent : null;
  const type = parent.type === 'folder' ? 'folders' : parent.type === 'organization' ? 'organizations' : undefined;
  return type && /^[0-9]+$/.test(parent.id) ? `${type}/${parent.id}` : null;
}
