import type { FoldersClient, OrganizationsClient, ProjectsClient } from '@google-cloud/resource-manager';
import { MAX_FOLDER_DEPTH } from '../../inventory/gcp/ancestry.ts';
import { gcpApiCall, gcpCli, gcpEvidenceName } from '../../inventory/gcp/names.ts';
import { parentName } from '../../inventory/gcp/schema.ts';
import { addGap, attempt, failed, slug, store, type CallContext, type CallInfo } from './call.ts';
import { toRestJson } from './proto-json.ts';

// Reads the resource hierarchy above one project and the IAM allow policies set on it: allow
// policies are inherited down the hierarchy, so a binding on a folder or the organization grants
// its role on the project too.
// - Resource Manager v3 projects.get: the project's parent (`folders/F`, `organizations/O`, or none:
//   a project without an organization, which is data, not a gap);
// - folders.get for each folder, up to the organization, at most MAX_FOLDER_DEPTH (10) folders, as
//   deep as Resource Manager nests them; a chain that loops or goes deeper is an api-error gap;
// - folders.getIamPolicy for each folder and organizations.getIamPolicy, at policy version 3.
// A folder whose parent cannot be read ends the walk there (a gap); its own IAM policy is still read.

export interface HierarchyClients {
  projects: ProjectsClient;
  folders: FoldersClient;
  organizations: OrganizationsClient;
}

const SCOPE = {
  project: 'the project or a folder or organization above it',
  folder: 'the folder or a folder or organization above it',
  organization: 'the organization',
} as const;

const NEEDS = {
  project: { permission: 'resourcemanager.projects.get', role: 'roles/browser', grantedOn: SCOPE.project },
  folder: { permission: 'resourcemanager.folders.get', role: 'roles/browser', grantedOn: SCOPE.folder },
  folderIam: { permission: 'resourcemanager.folders.getIamPolicy', role: 'roles/iam.securityReviewer', grantedOn: SCOPE.folder },
  organizationIam: { permission: 'resourcemanager.organizations.getIamPolicy', role: 'roles/iam.securityReviewer', grantedOn: SCOPE.organization },
} as const;

// Version 3: at version 1 a conditional binding comes back as `roles/owner_withcond_<hash>`.
const POLICY_OPTIONS = { requestedPolicyVersion: 3 } as const;

// The parent a Resource Manager answer names: a node, none, or something it never sends.
type Parent = { ok: true; parent: string | undefined } | { ok: false };

export async function collectHierarchy(ctx: CallContext, clients: HierarchyClients, projectId: string): Promise<void> {
  const walkGap = (message: string): void => {
    ctx.gaps.push({ id: `gap-gcp-${slug(projectId)}-hierarchy`, target: ctx.target, reason: 'api-error', kinds: ['GcpFolder'], message: `The resource hierarchy walk (GcpFolder) ${message}` });
  };
  const first = await readProject(ctx, clients, projectId);
  if (!first.ok) return;
  const folders: string[] = [];
  let organization: string | undefined;
  let next = first.parent;
  while (next !== undefined) {
    const [type, id = ''] = next.split('/');
    if (type === 'organizations') {
      organization = id;
      break;
    }
    if (folders.includes(id)) {
      walkGap(`found folders/${id} twice above projects/${projectId} (${[...folders, id].map((f) => `folders/${f}`).join(' → ')}): the hierarchy loops, so the walk stopped`);
      break;
    }
    if (folders.length >= MAX_FOLDER_DEPTH) {
      walkGap(`found more than ${MAX_FOLDER_DEPTH} folders above projects/${projectId} without reaching an organization (next: folders/${id}), more than Resource Manager allows, so the walk stopped`);
      break;
    }
    folders.push(id);
    const above = await readFolder(ctx, clients, id);
    if (!above.ok) break;
    next = above.parent;
  }
  for (const folder of folders) await readFolderIamPolicy(ctx, clients, folder);
  if (organization !== undefined) await readOrganizationIamPolicy(ctx, clients, organization);
}

function projectInfo(project: string): CallInfo {
  return {
    kind: 'GcpProject',
    name: gcpEvidenceName.project(project),
    call: gcpApiCall.project(project),
    cli: gcpCli.project(project),
    gapId: `gap-gcp-${slug(project)}-project`,
    resource: `projects/${project}`,
    needs: NEEDS.project,
  };
}

// A parent of a form Resource Manager does not use is an api-error gap: its id would name the next call.
async function keepWithParent(ctx: CallContext, info: CallInfo, body: unknown, parent: unknown): Promise<Parent> {
  await store(ctx, info, body);
  const name = typeof parent === 'string' ? parentName(parent) : parent === undefined || parent === null ? undefined : null;
  if (name === null) {
    addGap(ctx, info, 'api-error', `answered with the parent ${JSON.stringify(parent).slice(0, 200)}, which is not folders/NUMBER or organizations/NUMBER, so the hierarchy above ${info.resource} was not read`);
    return { ok: false };
  }
  return { ok: true, parent: name };
}

async function readProject(ctx: CallContext, clients: HierarchyClients, project: string): Promise<Parent> {
  const info = projectInfo(project);
  const res = await attempt(ctx, (timeout) => clients.projects.getProject({ name: info.resource }, { retry: null, timeout }));
  if (!res.ok) {
    await failed(ctx, info, res.error, res.attempts, false);
    return { ok: false };
  }
  const [value] = res.value;
  return keepWithParent(ctx, info, toRestJson(value), value.parent);
}

async function readFolder(ctx: CallContext, clients: HierarchyClients, folder: string): Promise<Parent> {
  const info: CallInfo = {
    kind: 'GcpFolder',
    name: gcpEvidenceName.folder(folder),
    call: gcpApiCall.folder(folder),
    cli: gcpCli.folder(folder),
    gapId: `gap-gcp-folder-${slug(folder)}`,
    resource: `folders/${folder}`,
    needs: NEEDS.folder,
  };
  const res = await attempt(ctx, (timeout) => clients.folders.getFolder({ name: info.resource }, { retry: null, timeout }));
  if (!res.ok) {
    await failed(ctx, info, res.error, res.attempts, false);
    return { ok: false };
  }
  const [value] = res.value;
  return keepWithParent(ctx, info, toRestJson(value), value.parent);
}

async function readFolderIamPolicy(ctx: CallContext, clients: HierarchyClients, folder: string): Promise<void> {
  const info: CallInfo = {
    kind: 'GcpFolderIamPolicy',
    name: gcpEvidenceName.folderIamPolicy(folder),
    call: gcpApiCall.folderIamPolicy(folder),
    cli: gcpCli.folderIamPolicy(folder),
    gapId: `gap-gcp-folder-${slug(folder)}-iam-policy`,
    resource: `folders/${folder}`,
    needs: NEEDS.folderIam,
  };
  const res = await attempt(ctx, (timeout) => clients.folders.getIamPolicy({ resource: info.resource, options: POLICY_OPTIONS }, { retry: null, timeout }));
  if (!res.ok) return failed(ctx, info, res.error, res.attempts, false);
  await store(ctx, info, toRestJson(res.value[0]));
}

async function readOrganizationIamPolicy(ctx: CallContext, clients: HierarchyClients, organization: string): Promise<void> {
  const info: CallInfo = {
    kind: 'GcpOrganizationIamPolicy',
    name: gcpEvidenceName.organizationIamPolicy(organization),
    call: gcpApiCall.organizationIamPolicy(organization),
    cli: gcpCli.organizationIamPolicy(organization),
    gapId: `gap-gcp-organization-${slug(organization)}-iam-policy`,
    resource: `organizations/${organization}`,
    needs: NEEDS.organizationIam,
  };
  const res = await attempt(ctx, (timeout) => clients.organizations.getIamPolicy({ resource: info.resource, options: POLICY_OPTIONS }, { retry: null, timeout }));
  if (!res.ok) return failed(ctx, info, res.error, res.attempts, false);
  await store(ctx, info, toRestJson(res.value[0]));
}
