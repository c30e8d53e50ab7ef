import { describe, expect, it } from 'vitest';
import { describeCheck, runCase } from '../tester.ts';
import {
  FOLDER,
  ORGANIZATION,
  PROJECT,
  TOP_FOLDER,
  cleanFolderIamBody,
  cleanIamBody,
  cleanOrganizationIamBody,
  effective,
  enforced,
  fixture,
  folderBody,
  hierarchyObjects,
  iamBody,
  iamPolicy,
  permissionDenied,
  projectBody,
  projectBodyV1,
  projectRecord,
} from '../../../test/collectors/gcp/gcp-objects.ts';
import { gcpIamNoPublicBindings } from './gcp-iam-no-public-bindings.ts';

const POLICY = { kind: 'IamPolicy', name: `projects/${PROJECT}` } as const;
const binding = (role: string, member: string, grantedOn?: string) => ({
  kind: 'IamBinding',
  name: `projects/${PROJECT} ${role} ${member}${grantedOn ? ` (granted on ${grantedOn})` : ''}`,
});

const WEBSITE_BUCKET_READ = { role: 'roles/storage.objectViewer', members: ['allUsers', 'group:web-publishers@acme.example'] };
const withBinding = (body: Record<string, unknown>, b: { role: string; members: string[]; condition?: Record<string, string> }) =>
  iamBody([...((body.bindings as { role: string; members: string[] }[] | undefined) ?? []), b]);

describeCheck(gcpIamNoPublicBindings, {
  pass: [
    {
      name: 'gcpdiag fw-policy project IAM policy, clean folders and organization',
      objects: [iamPolicy(fixture('gcpdiag-fw-policy-iam-policy.json')), ...hierarchyObjects()],
      expect: [{ ...POLICY, status: 'pass', messageId: 'noPublicBindings' }],
    },
    {
      name: 'gcpdiag gce3 project IAM policy (60 bindings, auditConfigs) under two folders and the organization',
      objects: [iamPolicy(fixture('gcpdiag-gce3-iam-policy.json')), ...hierarchyObjects()],
      expect: [{ ...POLICY, status: 'pass', messageId: 'noPublicBindings' }],
    },
    {
      name: 'a project without an organization: its own policy is all that applies',
      objects: [iamPolicy(cleanIamBody()), projectRecord(projectBody(undefined))],
      expect: [{ ...POLICY, status: 'pass', messageId: 'noPublicBindings' }],
    },
    {
      name: '`gcloud projects describe` (v1, parent {type, id}) placed directly under the organization',
      objects: [iamPolicy(cleanIamBody()), projectRecord(projectBodyV1({ type: 'organization', id: ORGANIZATION })), ...hierarchyObjects({ project: null })],
      expect: [{ ...POLICY, status: 'pass', messageId: 'noPublicBindings' }],
    },
    {
      name: 'two projects in one folder, one result each',
      objects: [
        iamPolicy(cleanIamBody()),
        iamPolicy(cleanIamBody(), 'acme-payments-dev'),
        projectRecord(projectBody(`folders/${FOLDER}`, 'acme-payments-dev'), 'acme-payments-dev'),
        ...hierarchyObjects(),
      ],
      expect: [
        { ...POLICY, status: 'pass' },
        { kind: 'IamPolicy', name: 'projects/acme-payments-dev', status: 'pass' },
      ],
    },
  ],
  fail: [
    {
      name: 'allUsers and allAuthenticatedUsers bindings on the project fail, one result per role and member',
      objects: [iamPolicy(iamBody([WEBSITE_BUCKET_READ, { role: 'roles/viewer', members: ['allAuthenticatedUsers', 'user:cfo@acme.example'] }])), ...hierarchyObjects()],
      expect: [
        { ...binding('roles/storage.objectViewer', 'allUsers'), status: 'fail', messageId: 'publicBinding' },
        { ...binding('roles/viewer', 'allAuthenticatedUsers'), status: 'fail', messageId: 'publicBinding' },
      ],
    },
    {
      name: 'a public member listed twice and in two bindings of one role is one result',
      objects: [
        iamPolicy(
          iamBody([
            { role: 'roles/run.invoker', members: ['allUsers', 'allUsers'] },
            { role: 'roles/run.invoker', members: ['allUsers'], condition: { title: 'business hours', expression: 'request.time.getHours("Europe/Berlin") < 18' } },
          ]),
        ),
        ...hierarchyObjects(),
      ],
      expect: [{ ...binding('roles/run.invoker', 'allUsers'), status: 'fail', messageId: 'publicBinding' }],
    },
    {
      name: 'a conditional public binding still fails; a policy-v1 `_withcond_` role is read as its base role',
      objects: [
        iamPolicy(iamBody([{ role: 'roles/storage.objectViewer_withcond_4b2f0c1d9e8a7b6c5d4e', members: ['allUsers'], condition: { title: 'until launch', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' } }], 1)),
        ...hierarchyObjects(),
      ],
      expect: [{ ...binding('roles/storage.objectViewer', 'allUsers'), status: 'fail', messageId: 'publicBinding' }],
    },
    {
      name: 'allUsers on the project folder is inherited by the project',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects({ folderPolicy: withBinding(cleanFolderIamBody(), WEBSITE_BUCKET_READ) })],
      expect: [{ ...binding('roles/storage.objectViewer', 'allUsers', `folders/${FOLDER}`), status: 'fail', messageId: 'publicBinding' }],
    },
    {
      name: 'allAuthenticatedUsers on the top folder, two levels up, is inherited too',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects({ topFolderPolicy: withBinding(cleanFolderIamBody(), { role: 'roles/browser', members: ['allAuthenticatedUsers'] }) })],
      expect: [{ ...binding('roles/browser', 'allAuthenticatedUsers', `folders/${TOP_FOLDER}`), status: 'fail', messageId: 'publicBinding' }],
    },
    {
      name: 'allUsers on the organization is inherited by every project',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects({ organizationPolicy: withBinding(cleanOrganizationIamBody(), { role: 'roles/run.invoker', members: ['allUsers'] }) })],
      expect: [{ ...binding('roles/run.invoker', 'allUsers', `organizations/${ORGANIZATION}`), status: 'fail', messageId: 'publicBinding' }],
    },
    {
      name: 'a conditional public binding on a folder is inherited with its condition',
      objects: [
        iamPolicy(cleanIamBody()),
        ...hierarchyObjects({
          folderPolicy: withBinding(cleanFolderIamBody(), { role: 'roles/storage.objectViewer', members: ['allUsers'], condition: { title: 'public assets', expression: 'resource.name.startsWith("projects/_/buckets/acme-public")' } }),
        }),
      ],
      expect: [{ ...binding('roles/storage.objectViewer', 'allUsers', `folders/${FOLDER}`), status: 'fail', messageId: 'publicBinding' }],
    },
    {
      name: 'the same public grant on the project and on the organization is two results, one per place it is set',
      objects: [iamPolicy(iamBody([WEBSITE_BUCKET_READ])), ...hierarchyObjects({ organizationPolicy: withBinding(cleanOrganizationIamBody(), WEBSITE_BUCKET_READ) })],
      expect: [
        { ...binding('roles/storage.objectViewer', 'allUsers'), status: 'fail', messageId: 'publicBinding' },
        { ...binding('roles/storage.objectViewer', 'allUsers', `organizations/${ORGANIZATION}`), status: 'fail', messageId: 'publicBinding' },
      ],
    },
  ],
  error: [
    {
      name: 'a project known only from its org policies: the IAM policy and the hierarchy are missing',
      objects: [effective('compute.requireOsLogin', enforced('compute.requireOsLogin'))],
      expect: [{ ...POLICY, status: 'error', messageId: 'iamPolicyMissing' }],
    },
    {
      name: 'getIamPolicy answered PERMISSION_DENIED, with the collector gap',
      objects: [iamPolicy(permissionDenied('resourcemanager.projects.getIamPolicy', `projects/${PROJECT}`)), ...hierarchyObjects()],
      gaps: [{ id: 'gap-gcp-iam', reason: 'access-denied', kinds: ['GcpIamPolicy'], message: 'getIamPolicy was denied' }],
      expect: [
        { ...POLICY, status: 'error', messageId: 'iamPolicyUnreadable' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a gap on the IAM policy turns the pass into an error',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects()],
      gaps: [{ id: 'gap-gcp-iam', reason: 'api-error', kinds: ['GcpIamPolicy'], message: 'getIamPolicy failed with UNAVAILABLE after 4 attempts' }],
      expect: [
        { ...POLICY, status: 'error', messageId: 'noPublicBindings' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'bindings that are not a list are a schema gap',
      objects: [iamPolicy({ version: 1, etag: 'BwXdjsAMxlc=', bindings: { role: 'roles/owner' } }), ...hierarchyObjects()],
      expect: [
        { ...POLICY, status: 'error', messageId: 'iamPolicyMissing' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'an export without the project description: where the project sits is unknown, so no pass',
      objects: [iamPolicy(cleanIamBody())],
      expect: [{ ...POLICY, status: 'error', messageId: 'inheritedUnjudged' }],
    },
    {
      name: 'the folder IAM policy was denied: no pass; a public grant on the organization still fails',
      objects: [
        iamPolicy(cleanIamBody()),
        ...hierarchyObjects({
          folderPolicy: permissionDenied('resourcemanager.folders.getIamPolicy', `folders/${FOLDER}`),
          organizationPolicy: withBinding(cleanOrganizationIamBody(), { role: 'roles/run.invoker', members: ['allUsers'] }),
        }),
      ],
      gaps: [{ id: 'gap-gcp-folder-iam', reason: 'access-denied', kinds: ['GcpFolderIamPolicy'], message: 'folders.getIamPolicy was denied' }],
      expect: [
        { ...binding('roles/run.invoker', 'allUsers', `organizations/${ORGANIZATION}`), status: 'fail', messageId: 'publicBinding' },
        { ...POLICY, status: 'error', messageId: 'inheritedUnjudged' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'the organization IAM policy is not in the evidence',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects({ organizationPolicy: null })],
      expect: [{ ...POLICY, status: 'error', messageId: 'inheritedUnjudged' }],
    },
    {
      name: 'folders.get was denied on the project folder: what lies above it is unknown',
      objects: [
        iamPolicy(cleanIamBody()),
        ...hierarchyObjects({ folder: permissionDenied('resourcemanager.folders.get', `folders/${FOLDER}`), topFolder: null, topFolderPolicy: null, organizationPolicy: null }),
      ],
      expect: [{ ...POLICY, status: 'error', messageId: 'inheritedUnjudged' }],
    },
    {
      name: 'projects.get was denied: the project own policy alone is no pass',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects({ project: permissionDenied('resourcemanager.projects.get', `projects/${PROJECT}`) })],
      expect: [{ ...POLICY, status: 'error', messageId: 'inheritedUnjudged' }],
    },
    {
      name: 'folders that name each other as parent (a loop) are no pass',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects({ topFolder: folderBody(TOP_FOLDER, `folders/${FOLDER}`) })],
      expect: [{ ...POLICY, status: 'error', messageId: 'inheritedUnjudged' }],
    },
  ],
  notApplicable: [{ name: 'no Google Cloud evidence', objects: [], expect: [{ kind: 'Cluster', status: 'not_applicable' }] }],
});

describe('gcp-iam-no-public-bindings messages', () => {
  const run = (objects: unknown[]) => runCase(gcpIamNoPublicBindings, { name: 'x', objects, expect: [] });

  it('names the role, the member and who that is', () => {
    const [result] = run([iamPolicy(iamBody([WEBSITE_BUCKET_READ])), ...hierarchyObjects()]);
    expect(result?.message).toBe(`Project ${PROJECT} grants roles/storage.objectViewer to allUsers, that is anyone on the internet, without signing in.`);
    expect(result?.severity).toBe('critical');
    expect(result?.evidence).toEqual(['ev-test-000']);
  });

  it('an inherited grant names where it is set and cites that policy and the parent links that carry it down', () => {
    // ev-test-000 project policy, 001 project, 002 folder, 003 top folder, 004/005 folder policies, 006 organization policy.
    const [result] = run([iamPolicy(cleanIamBody()), ...hierarchyObjects({ organizationPolicy: withBinding(cleanOrganizationIamBody(), WEBSITE_BUCKET_READ) })]);
    expect(result?.message).toBe(
      `Organization organizations/${ORGANIZATION} grants roles/storage.objectViewer to allUsers, inherited by project ${PROJECT}, that is anyone on the internet, without signing in.`,
    );
    expect(result?.data.grantedOn).toBe(`organizations/${ORGANIZATION}`);
    expect(result?.evidence).toEqual(['ev-test-001', 'ev-test-002', 'ev-test-003', 'ev-test-006']);
  });

  it('mentions the condition of a conditional-only grant, also when inherited', () => {
    const beta = { title: 'beta', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' };
    const [own] = run([iamPolicy(iamBody([{ role: 'roles/run.invoker', members: ['allAuthenticatedUsers'], condition: beta }])), ...hierarchyObjects()]);
    expect(own?.message).toContain('when condition "beta" (request.time < timestamp("2027-01-01T00:00:00Z")) holds');
    const [inherited] = run([iamPolicy(cleanIamBody()), ...hierarchyObjects({ folderPolicy: withBinding(cleanFolderIamBody(), { role: 'roles/run.invoker', members: ['allAuthenticatedUsers'], condition: beta }) })]);
    expect(inherited?.message).toBe(
      `Folder folders/${FOLDER} grants roles/run.invoker to allAuthenticatedUsers, inherited by project ${PROJECT}, that is anyone signed in to any Google account, inside or outside your organization when condition "beta" (request.time < timestamp("2027-01-01T00:00:00Z")) holds.`,
    );
  });

  it('a pass says which levels were read; a project without organization says so', () => {
    const [whole] = run([iamPolicy(cleanIamBody()), ...hierarchyObjects()]);
    expect(whole?.message).toBe(
      `Project ${PROJECT} grants no role to allUsers or allAuthenticatedUsers, and inherits none (13 bindings read on projects/${PROJECT}, folders/${FOLDER}, folders/${TOP_FOLDER} and organizations/${ORGANIZATION}).`,
    );
    expect(whole?.evidence).toHaveLength(7);
    const [alone] = run([iamPolicy(cleanIamBody()), projectRecord(projectBody(undefined))]);
    expect(alone?.message).toContain(`(5 bindings read on projects/${PROJECT}, which has no folder or organization above it)`);
    expect(alone?.evidence).toEqual(['ev-test-000']);
  });

  it('an unreadable level is named in the error, with the answer it gave', () => {
    const results = run([iamPolicy(cleanIamBody()), ...hierarchyObjects({ folderPolicy: permissionDenied('resourcemanager.folders.getIamPolicy', `folders/${FOLDER}`) })]);
    expect(results.map((r) => `${r.status}:${r.messageId}`)).toEqual(['error:inheritedUnjudged']);
    expect(results[0]?.message).toBe(
      `Project ${PROJECT} inherits IAM bindings that cannot be judged: the IAM policy of folders/${FOLDER} could not be read (PERMISSION_DENIED: Permission 'resourcemanager.folders.getIamPolicy' denied on resource 'folders/${FOLDER}' (or it may not exist).).`,
    );
    expect(results[0]?.data.nodes).toBe(`folders/${FOLDER}`);
    expect(results[0]?.evidence).toEqual(['ev-test-004']);
  });

  it('an unknown hierarchy and a missing own policy are both told', () => {
    const [noProject] = run([iamPolicy(cleanIamBody())]);
    expect(noProject?.message).toBe(
      `Project ${PROJECT} inherits IAM bindings that cannot be judged: the parent of projects/${PROJECT} is not in the evidence (no projects.get answer), so the folders and organization above it are unknown.`,
    );
    const [neither] = run([effective('compute.requireOsLogin', enforced('compute.requireOsLogin'))]);
    expect(neither?.message).toContain(`The IAM policy of project ${PROJECT} is not in the evidence, so it cannot be judged. Nor can the bindings it inherits: the parent of projects/${PROJECT} is not in the evidence`);
    const [loop] = run([iamPolicy(cleanIamBody()), ...hierarchyObjects({ topFolder: folderBody(TOP_FOLDER, `folders/${FOLDER}`) })]);
    expect(loop?.message).toContain(`the hierarchy above projects/${PROJECT} loops (projects/${PROJECT} → folders/${FOLDER} → folders/${TOP_FOLDER} → folders/${FOLDER})`);
  });
});
