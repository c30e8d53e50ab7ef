import { readFileSync } from 'node:fs';
import { gcpEvidenceName } from '../../../src/inventory/gcp/names.ts';
import { API_VERSION, type GcpApiKind } from '../../../src/inventory/gcp/schema.ts';

// Realistic Google Cloud evidence for tests: API response bodies (fixtures from gcpdiag and
// k8s-config-connector, see test/fixtures/gcp/README.md, plus bodies in the same REST shapes)
// wrapped the way src/pipeline/load-evidence.ts hands them to the inventory:
// { apiVersion: 'http.auditpack.io/v1', kind, metadata: { name }, body }.

export const PROJECT = 'acme-payments-prod';
export const PROJECT_NUMBER = '482619307715';

export function fixtureText(name: string): string {
  return readFileSync(new URL(`../../fixtures/gcp/${name}`, import.meta.url), 'utf8');
}

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

export function apiObject(kind: GcpApiKind, name: string, body: unknown): unknown {
  return { apiVersion: API_VERSION, kind, metadata: { name }, body };
}

export function effective(constraint: string, body: unknown, project = PROJECT): unknown {
  return apiObject('GcpEffectivePolicy', gcpEvidenceName.effectivePolicy(project, constraint), body);
}

export function policyList(body: unknown, project = PROJECT): unknown {
  return apiObject('GcpPolicyList', gcpEvidenceName.policyList(project), body);
}

export function iamPolicy(body: unknown, project = PROJECT): unknown {
  return apiObject('GcpIamPolicy', gcpEvidenceName.iamPolicy(project), body);
}

// ---- Org Policy v2 bodies, as getEffectivePolicy returns them (no etag: a computed policy) ----

export function v2Policy(constraint: string, spec: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: `projects/${PROJECT_NUMBER}/policies/${constraint}`, ...(spec ? { spec } : {}), ...extra };
}

export function enforced(constraint: string, enforce = true): Record<string, unknown> {
  return v2Policy(constraint, { rules: [{ enforce }] });
}

export function listRules(constraint: string, ...rules: Record<string, unknown>[]): Record<string, unknown> {
  return v2Policy(constraint, { rules });
}

export const NOT_FOUND = { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } };

export function permissionDenied(permission: string, resource: string): Record<string, unknown> {
  return { error: { code: 403, message: `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`, status: 'PERMISSION_DENIED' } };
}

// The effective policies of a project where every baseline constraint is in force.
export function secureEffectiveBodies(): Record<string, Record<string, unknown>> {
  return {
    'compute.requireOsLogin': enforced('compute.requireOsLogin'),
    'compute.skipDefaultNetworkCreation': enforced('compute.skipDefaultNetworkCreation'),
    'compute.vmExternalIpAccess': listRules('compute.vmExternalIpAccess', { denyAll: true }),
    'gcp.restrictTLSVersion': listRules('gcp.restrictTLSVersion', { values: { deniedValues: ['TLS_VERSION_1', 'TLS_VERSION_1_1'] } }),
    'iam.allowedPolicyMemberDomains': listRules('iam.allowedPolicyMemberDomains', { values: { allowedValues: ['is:C03xgje4y'] } }),
    'iam.automaticIamGrantsForDefaultServiceAccounts': enforced('iam.automaticIamGrantsForDefaultServiceAccounts'),
    'iam.disableServiceAccountKeyCreation': enforced('iam.disableServiceAccountKeyCreation'),
    'sql.restrictPublicIp': enforced('sql.restrictPublicIp'),
    'storage.publicAccessPrevention': enforced('storage.publicAccessPrevention'),
    'storage.uniformBucketLevelAccess': enforced('storage.uniformBucketLevelAccess'),
  };
}

export function secureEffective(overrides: Record<string, unknown> = {}, project = PROJECT): unknown[] {
  const bodies: Record<string, unknown> = { ...secureEffectiveBodies(), ...overrides };
  return Object.entries(bodies).map(([constraint, body]) => effective(constraint, body, project));
}

// ---- IAM -------------------------------------------------------------------------------------------

export function iamBody(bindings: { role: string; members: string[]; condition?: Record<string, string> }[], version = 3): Record<string, unknown> {
  return { version, etag: 'BwYZh3AG4OA=', bindings };
}

// A least-privilege project policy: predefined roles only, the Google APIs Service Agent's Editor grant.
export function cleanIamBody(): Record<string, unknown> {
  return iamBody([
    { role: 'roles/compute.admin', members: ['group:platform-admins@acme.example'] },
    { role: 'roles/compute.serviceAgent', members: [`serviceAccount:service-${PROJECT_NUMBER}@compute-system.iam.gserviceaccount.com`] },
    { role: 'roles/editor', members: [`serviceAccount:${PROJECT_NUMBER}@cloudservices.gserviceaccount.com`] },
    { role: 'roles/iam.securityReviewer', members: ['serviceAccount:auditpack@acme-audit.iam.gserviceaccount.com'] },
    { role: 'roles/viewer', members: ['group:engineering@acme.example'] },
  ]);
}

// ---- k8s-config-connector HTTP log ------------------------------------------------------------------

export interface LoggedExchange {
  request: string;
  status: number;
  body: unknown;
}

// The request line, response status and JSON response body of each exchange in a kcc `_http.log`.
export function kccExchanges(name = 'kcc-orgpolicy-v2-list-policy.http.log'): LoggedExchange[] {
  return fixtureText(name)
    .split(/\n---\n/)
    .map((block) => {
      const lines = block.trim().split('\n');
      const statusAt = lines.findIndex((l) => /^\d{3} /.test(l));
      const bodyAt = lines.findIndex((l, i) => i > statusAt && l.trim() === '');
      return {
        request: lines[0] ?? '',
        status: Number((lines[statusAt] ?? '').slice(0, 3)),
        body: JSON.parse(lines.slice(bodyAt + 1).join('\n')) as unknown,
      };
    });
}

// ---- Resource hierarchy ---------------------------------------------------------------------------
// acme-payments-prod sits in folder "payments" (FOLDER), inside folder "production" (TOP_FOLDER), in
// the organization acme.example (ORGANIZATION).

export const FOLDER = '385104662117';
export const TOP_FOLDER = '920173546208';
export const ORGANIZATION = '731552893046';

export function projectRecord(body: unknown, project = PROJECT): unknown {
  return apiObject('GcpProject', gcpEvidenceName.project(project), body);
}

export function folderRecord(folder: string, body: unknown): unknown {
  return apiObject('GcpFolder', gcpEvidenceName.folder(folder), body);
}

export function folderIamPolicy(folder: string, body: unknown): unknown {
  return apiObject('GcpFolderIamPolicy', gcpEvidenceName.folderIamPolicy(folder), body);
}

export function organizationIamPolicy(organization: string, body: unknown): unknown {
  return apiObject('GcpOrganizationIamPolicy', gcpEvidenceName.organizationIamPolicy(organization), body);
}

// Resource Manager v3 Project, as projects.get returns it; parent undefined: no organization.
export function projectBody(parent: string | undefined, project = PROJECT): Record<string, unknown> {
  return {
    name: `projects/${PROJECT_NUMBER}`,
    ...(parent ? { parent } : {}),
    projectId: project,
    state: 'ACTIVE',
    displayName: 'Payments production',
    createTime: '2024-02-19T09:41:07.331Z',
    updateTime: '2026-10-02T14:12:55.804121Z',
    etag: 'W/"6f3a1c0d9b2e4f71"',
    labels: { env: 'prod', team: 'payments' },
  };
}

// The same project as `gcloud projects describe` prints it (Resource Manager v1).
export function projectBodyV1(parent: { type: 'folder' | 'organization'; id: string } | undefined, project = PROJECT): Record<string, unknown> {
  return {
    createTime: '2024-02-19T09:41:07.331Z',
    labels: { env: 'prod', team: 'payments' },
    lifecycleState: 'ACTIVE',
    name: 'Payments production',
    ...(parent ? { parent } : {}),
    projectId: project,
    projectNumber: PROJECT_NUMBER,
  };
}

// Resource Manager v3 Folder (v2, which `gcloud resource-manager folders describe` prints, has
// lifecycleState for state and no updateTime / etag).
export function folderBody(folder: string, parent: string, displayName = folder === FOLDER ? 'payments' : 'production'): Record<string, unknown> {
  return { name: `folders/${folder}`, parent, displayName, state: 'ACTIVE', createTime: '2023-06-01T08:00:00Z', updateTime: '2025-01-14T10:22:31.512Z', etag: `W/"${folder.slice(0, 8)}"` };
}

// A folder policy with predefined roles only.
export function cleanFolderIamBody(): Record<string, unknown> {
  return iamBody([
    { role: 'roles/resourcemanager.folderViewer', members: ['group:engineering@acme.example'] },
    { role: 'roles/logging.viewer', members: ['group:sre@acme.example'] },
  ]);
}

// An organization policy with Google's default grants to the domain and a security reviewer.
export function cleanOrganizationIamBody(): Record<string, unknown> {
  return iamBody([
    { role: 'roles/billing.creator', members: ['domain:acme.example'] },
    { role: 'roles/iam.securityReviewer', members: ['serviceAccount:auditpack@acme-audit.iam.gserviceaccount.com'] },
    { role: 'roles/resourcemanager.organizationAdmin', members: ['group:gcp-org-admins@acme.example'] },
    { role: 'roles/resourcemanager.projectCreator', members: ['domain:acme.example'] },
  ]);
}

// Bodies to use instead of the defaults; null leaves that record out of the evidence.
export interface EstateBodies {
  project?: unknown;
  folder?: unknown;
  topFolder?: unknown;
  folderPolicy?: unknown;
  topFolderPolicy?: unknown;
  organizationPolicy?: unknown;
}

// The records of the hierarchy above PROJECT (project, FOLDER, TOP_FOLDER, their IAM policies and the
// organization's, in that order), clean unless overridden.
export function hierarchyObjects(over: EstateBodies = {}): unknown[] {
  const pick = (key: keyof EstateBodies, fallback: unknown): unknown => (key in over ? over[key] : fallback);
  const entries: [unknown, (body: unknown) => unknown][] = [
    [pick('project', projectBody(`folders/${FOLDER}`)), (b) => projectRecord(b)],
    [pick('folder', folderBody(FOLDER, `folders/${TOP_FOLDER}`)), (b) => folderRecord(FOLDER, b)],
    [pick('topFolder', folderBody(TOP_FOLDER, `organizations/${ORGANIZATION}`)), (b) => folderRecord(TOP_FOLDER, b)],
    [pick('folderPolicy', cleanFolderIamBody()), (b) => folderIamPolicy(FOLDER, b)],
    [pick('topFolderPolicy', cleanFolderIamBody()), (b) => folderIamPolicy(TOP_FOLDER, b)],
    [pick('organizationPolicy', cleanOrganizationIamBody()), (b) => organizationIamPolicy(ORGANIZATION, b)],
  ];
  return entries.filter(([body]) => body !== null).map(([body, wrap]) => wrap(body));
}
