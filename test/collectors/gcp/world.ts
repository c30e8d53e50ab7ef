import { GCP_BASELINE_CONSTRAINTS } from '../../../src/inventory/gcp/constraints.ts';
import { json, restError, type FakeGcp, type FakeResponse } from './fake-gcp.ts';
import {
  FOLDER,
  ORGANIZATION,
  PROJECT,
  PROJECT_NUMBER,
  TOP_FOLDER,
  cleanFolderIamBody,
  cleanOrganizationIamBody,
  fixture,
  folderBody,
  iamBody,
  projectBody,
  secureEffectiveBodies,
} from './gcp-objects.ts';

// The Google Cloud project the collector tests read: every baseline constraint in force (v2 bodies
// as getEffectivePolicy returns them), serviceuser.services with the k8s-config-connector deny-list,
// two pages of policies set on the project (one with a dry-run spec), the gcpdiag gce3 IAM policy,
// and the hierarchy above it: folder "payments" in folder "production" in the organization, each
// with an IAM policy (the production folder's holds a conditional binding).

export const EXTRA_CONSTRAINT = 'serviceuser.services';
export const CONSTRAINTS: readonly string[] = [...GCP_BASELINE_CONSTRAINTS, EXTRA_CONSTRAINT];

export function effectivePath(constraint: string, project = PROJECT): string {
  return `GET /v2/projects/${project}/policies/${constraint}:getEffectivePolicy`;
}
export const LIST_PATH = `GET /v2/projects/${PROJECT}/policies`;
export const IAM_PATH = `POST /v3/projects/${PROJECT}:getIamPolicy`;
export const PROJECT_PATH = `GET /v3/projects/${PROJECT}`;
export const folderPath = (folder: string): string => `GET /v3/folders/${folder}`;
export const folderIamPath = (folder: string): string => `POST /v3/folders/${folder}:getIamPolicy`;
export const ORG_IAM_PATH = `POST /v3/organizations/${ORGANIZATION}:getIamPolicy`;

// What Resource Manager answers a caller without the permission on that resource.
export function denied(permission: string, resource: string): FakeResponse {
  return restError(403, 'PERMISSION_DENIED', `Permission '${permission}' denied on resource '//cloudresourcemanager.googleapis.com/${resource}' (or it may not exist).`);
}

export function topFolderIamBody(): Record<string, unknown> {
  return iamBody([
    ...((cleanFolderIamBody().bindings as { role: string; members: string[] }[] | undefined) ?? []),
    {
      role: 'roles/compute.instanceAdmin.v1',
      members: ['group:oncall@acme.example'],
      condition: { title: 'on-call window', description: 'Incident response only', expression: 'request.time < timestamp("2026-12-31T00:00:00Z")' },
    },
  ]);
}

// The hierarchy bodies each route answers with, for comparison with what is stored.
export function hierarchyBodies(): Record<string, Record<string, unknown>> {
  return {
    [PROJECT_PATH]: projectBody(`folders/${FOLDER}`),
    [folderPath(FOLDER)]: folderBody(FOLDER, `folders/${TOP_FOLDER}`),
    [folderPath(TOP_FOLDER)]: folderBody(TOP_FOLDER, `organizations/${ORGANIZATION}`),
    [folderIamPath(FOLDER)]: cleanFolderIamBody(),
    [folderIamPath(TOP_FOLDER)]: topFolderIamBody(),
    [ORG_IAM_PATH]: cleanOrganizationIamBody(),
  };
}

// The k8s-config-connector deny-list policy as getEffectivePolicy returns it: a computed policy
// carries no etag or update time (Org Policy v2 reference, projects.policies.getEffectivePolicy).
export function kccDeniedValuesEffective(): Record<string, unknown> {
  const { name, spec } = fixture('orgpolicy-v2-policy-deniedValues.json') as { name: string; spec: { rules: unknown[] } };
  return { name, spec: { rules: spec.rules } };
}

export function effectiveBodies(): Record<string, Record<string, unknown>> {
  return { ...secureEffectiveBodies(), [EXTRA_CONSTRAINT]: kccDeniedValuesEffective() };
}

export const LIST_PAGE_1 = [
  {
    name: `projects/${PROJECT_NUMBER}/policies/compute.requireOsLogin`,
    spec: { etag: 'CJLvp74GEKD0gK8B', updateTime: '2026-09-14T07:30:12.118Z', rules: [{ enforce: true }] },
    dryRunSpec: { etag: 'CJLvp74GEKD0gK8B', updateTime: '2026-09-14T07:30:12.118Z', rules: [{ enforce: true }] },
    etag: 'CJLvp74GEKD0gK8B',
  },
];
export const LIST_PAGE_2 = [
  {
    name: `projects/${PROJECT_NUMBER}/policies/compute.vmExternalIpAccess`,
    spec: { etag: 'CNmNp74GEPCmnzw=', updateTime: '2026-03-06T16:01:29.126342Z', rules: [{ denyAll: true }] },
    etag: 'CNmNp74GEPCmnzw=',
  },
];

export function installWorld(fake: FakeGcp): void {
  for (const [constraint, body] of Object.entries(effectiveBodies())) fake.on(effectivePath(constraint), () => json(body));
  fake.on(LIST_PATH, (req) => (req.query.get('pageToken') === 'page-2' ? json({ policies: LIST_PAGE_2 }) : json({ policies: LIST_PAGE_1, nextPageToken: 'page-2' })));
  fake.on(IAM_PATH, () => json(fixture('gcpdiag-gce3-iam-policy.json')));
  for (const [path, body] of Object.entries(hierarchyBodies())) fake.on(path, () => json(body));
}
