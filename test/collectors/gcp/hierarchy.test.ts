import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/checks/types.ts';
import type { EvidenceGap } from '../../../src/inventory/types.ts';
import { json } from './fake-gcp.ts';
import { FOLDER, ORGANIZATION, PROJECT, TOP_FOLDER, folderBody, projectBody } from './gcp-objects.ts';
import { TARGET, statuses, useCollectHarness } from './harness.ts';
import { ORG_IAM_PATH, PROJECT_PATH, denied, folderIamPath, folderPath } from './world.ts';

// Live collection of the resource hierarchy above the project (projects.get, folders.get and the
// folder and organization IAM policies), through the real Resource Manager client against the fake
// server, and what the IAM checks make of it.

const { fake, collect, records, stored, inventoryFromStore, judge } = useCollectHarness();

describe('collectGcp: the resource hierarchy above the project', () => {
  const publicBindings = async (gaps: EvidenceGap[]): Promise<CheckResult[]> => judge(await inventoryFromStore(gaps))['gcp-iam-no-public-bindings'] ?? [];

  it('a denied folder or organization IAM policy is an access-denied gap naming the permission and role; the answer is kept; no pass', async () => {
    const folderDenied = denied('resourcemanager.folders.getIamPolicy', `folders/${FOLDER}`);
    const orgDenied = denied('resourcemanager.organizations.getIamPolicy', `organizations/${ORGANIZATION}`);
    fake.on(folderIamPath(FOLDER), () => folderDenied);
    fake.on(ORG_IAM_PATH, () => orgDenied);
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.id, g.reason, g.kinds])).toEqual([
      [`gap-gcp-folder-${FOLDER}-iam-policy`, 'access-denied', ['GcpFolderIamPolicy']],
      [`gap-gcp-organization-${ORGANIZATION}-iam-policy`, 'access-denied', ['GcpOrganizationIamPolicy']],
    ]);
    expect(gaps[0]?.message).toContain(
      `cloudresourcemanager.folders.getIamPolicy folders/${FOLDER} (GcpFolderIamPolicy) was denied (PERMISSION_DENIED 403: Permission 'resourcemanager.folders.getIamPolicy'`,
    );
    expect(gaps[0]?.message).toContain(`the caller needs resourcemanager.folders.getIamPolicy on folders/${FOLDER}, granted by roles/iam.securityReviewer on the folder or a folder or organization above it`);
    expect(gaps[1]?.message).toContain(`the caller needs resourcemanager.organizations.getIamPolicy on organizations/${ORGANIZATION}, granted by roles/iam.securityReviewer on the organization`);
    expect(stored(`gcp/folders/${FOLDER}/iamPolicy`)?.raw).toEqual(folderDenied.body);
    expect(stored(`gcp/organizations/${ORGANIZATION}/iamPolicy`)?.raw).toEqual(orgDenied.body);

    const r = judge(await inventoryFromStore(gaps));
    expect(statuses(r['gcp-iam-no-public-bindings'])).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
    const error = r['gcp-iam-no-public-bindings']?.[0];
    expect(error?.message).toContain(`the IAM policy of folders/${FOLDER} could not be read (PERMISSION_DENIED: Permission 'resourcemanager.folders.getIamPolicy'`);
    expect(error?.message).toContain(`the IAM policy of organizations/${ORGANIZATION} could not be read`);
    expect(error?.data.nodes).toBe(`folders/${FOLDER}, organizations/${ORGANIZATION}`);
    // The project's own Owner and Editor grants still fail; its summary is an error, not a pass.
    expect(statuses(r['gcp-iam-no-primitive-roles']).filter((x) => !x.startsWith('fail:'))).toEqual([
      `error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`,
      `error:Cluster/${TARGET}:evidenceGap`,
    ]);
  });

  it('a denied folders.get ends the walk at that folder: its IAM policy is still read, nothing above it is called, and no pass', async () => {
    fake.on(folderPath(TOP_FOLDER), () => denied('resourcemanager.folders.get', `folders/${TOP_FOLDER}`));
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['access-denied', ['GcpFolder']]]);
    expect(gaps[0]?.message).toContain(`the caller needs resourcemanager.folders.get on folders/${TOP_FOLDER}, granted by roles/browser`);
    expect(fake.hitsOf(folderIamPath(TOP_FOLDER))).toBe(1);
    expect(fake.hitsOf(ORG_IAM_PATH)).toBe(0);
    const results = await publicBindings(gaps);
    expect(statuses(results)).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
    expect(results[0]?.message).toContain(`folders.get for folders/${TOP_FOLDER} answered PERMISSION_DENIED`);
  });

  it('a denied projects.get: no walk, a gap naming resourcemanager.projects.get and roles/browser, and no pass', async () => {
    fake.on(PROJECT_PATH, () => denied('resourcemanager.projects.get', `projects/${PROJECT}`));
    const { gaps, requests } = await collect();
    expect(requests).toBe(15);
    expect(gaps.map((g) => [g.id, g.reason, g.kinds])).toEqual([[`gap-gcp-${PROJECT}-project`, 'access-denied', ['GcpProject']]]);
    expect(gaps[0]?.message).toContain(`the caller needs resourcemanager.projects.get on projects/${PROJECT}, granted by roles/browser on the project or a folder or organization above it`);
    expect(fake.requests.some((r) => r.path.startsWith('/v3/folders') || r.path.startsWith('/v3/organizations'))).toBe(false);
    expect(statuses(await publicBindings(gaps))).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
  });

  it('a project without an organization is data: no folder or organization call, no gap, and its own policy decides', async () => {
    fake.on(PROJECT_PATH, () => json(projectBody(undefined)));
    const { gaps, requests } = await collect();
    expect(gaps).toEqual([]);
    expect(requests).toBe(15);
    expect(stored(`gcp/projects/${PROJECT}`)?.raw).toEqual(projectBody(undefined));
    const results = await publicBindings(gaps);
    expect(statuses(results)).toEqual([`pass:IamPolicy/projects/${PROJECT}:noPublicBindings`]);
    expect(results[0]?.message).toContain(`bindings read on projects/${PROJECT}, which has no folder or organization above it`);
  });

  it('an inherited public binding fails, naming the folder it is granted on', async () => {
    fake.on(folderIamPath(TOP_FOLDER), () => json({ version: 3, etag: 'BwYZh3AG4OA=', bindings: [{ role: 'roles/storage.objectViewer', members: ['allUsers'] }] }));
    const { gaps } = await collect();
    expect(gaps).toEqual([]);
    const results = await publicBindings(gaps);
    expect(statuses(results)).toEqual([`fail:IamBinding/projects/${PROJECT} roles/storage.objectViewer allUsers (granted on folders/${TOP_FOLDER}):publicBinding`]);
    expect(results[0]?.message).toBe(
      `Folder folders/${TOP_FOLDER} grants roles/storage.objectViewer to allUsers, inherited by project ${PROJECT}, that is anyone on the internet, without signing in.`,
    );
    const folderPolicy = records().find((x) => x.name === `gcp/folders/${TOP_FOLDER}/iamPolicy`);
    expect(folderPolicy && results[0]?.evidence.includes(folderPolicy.id)).toBe(true);
  });

  it('folders that name each other as parent: the walk stops with a gap, each folder read once', async () => {
    fake.on(folderPath(TOP_FOLDER), () => json(folderBody(TOP_FOLDER, `folders/${FOLDER}`)));
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.id, g.reason, g.kinds])).toEqual([[`gap-gcp-${PROJECT}-hierarchy`, 'api-error', ['GcpFolder']]]);
    expect(gaps[0]?.message).toContain(`found folders/${FOLDER} twice above projects/${PROJECT} (folders/${FOLDER} → folders/${TOP_FOLDER} → folders/${FOLDER})`);
    expect(fake.hitsOf(folderPath(FOLDER))).toBe(1);
    expect(fake.hitsOf(ORG_IAM_PATH)).toBe(0);
    expect(statuses(await publicBindings(gaps))).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
  });

  it('more than 10 folders without an organization: bounded, a gap, no pass', async () => {
    const chain = Array.from({ length: 12 }, (_v, i) => String(500000000000 + i));
    fake.on(PROJECT_PATH, () => json(projectBody(`folders/${chain[0] ?? ''}`)));
    for (const [i, id] of chain.entries()) {
      fake.on(folderPath(id), () => json(folderBody(id, `folders/${chain[i + 1] ?? '999'}`, `level-${i}`)));
      fake.on(folderIamPath(id), () => json({ version: 1, etag: 'BwYZh3AG4OA=' }));
    }
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['GcpFolder']]]);
    expect(gaps[0]?.message).toContain(`found more than 10 folders above projects/${PROJECT} without reaching an organization (next: folders/${chain[10] ?? ''})`);
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v3/folders/'))).toHaveLength(10);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v3/folders/'))).toHaveLength(10);
    expect(statuses(await publicBindings(gaps))).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
  });

  it('a parent that is not folders/NUMBER or organizations/NUMBER is stored, reported and not followed', async () => {
    fake.on(folderPath(FOLDER), () => json({ ...folderBody(FOLDER, `folders/${TOP_FOLDER}`), parent: 'folders/../../v1/projects' }));
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['GcpFolder']]]);
    expect(gaps[0]?.message).toContain('answered with the parent "folders/../../v1/projects", which is not folders/NUMBER or organizations/NUMBER');
    expect(fake.requests.some((r) => r.path.includes('v1/projects'))).toBe(false);
    expect(fake.hitsOf(folderIamPath(FOLDER))).toBe(1);
    expect(statuses(await publicBindings(gaps))).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
  });
});
