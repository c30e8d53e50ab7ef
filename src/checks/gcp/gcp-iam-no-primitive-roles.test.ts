import { describe, expect, it } from 'vitest';
import { describeCheck, runCase } from '../tester.ts';
import {
  FOLDER,
  ORGANIZATION,
  PROJECT,
  PROJECT_NUMBER,
  TOP_FOLDER,
  cleanFolderIamBody,
  cleanIamBody,
  cleanOrganizationIamBody,
  effective,
  enforced,
  fixture,
  hierarchyObjects,
  iamBody,
  iamPolicy,
  permissionDenied,
  projectBody,
  projectRecord,
} from '../../../test/collectors/gcp/gcp-objects.ts';
import { gcpIamNoPrimitiveRoles } from './gcp-iam-no-primitive-roles.ts';

const POLICY = { kind: 'IamPolicy', name: `projects/${PROJECT}` } as const;
const holder = (role: string, member: string, grantedOn?: string) => ({
  kind: 'IamBinding',
  name: `projects/${PROJECT} ${role} ${member}${grantedOn ? ` (granted on ${grantedOn})` : ''}`,
});
const withBinding = (body: Record<string, unknown>, b: { role: string; members: string[]; condition?: Record<string, string> }) =>
  iamBody([...((body.bindings as { role: string; members: string[] }[] | undefined) ?? []), b]);
const BREAK_GLASS = { title: 'break-glass', expression: 'request.time < timestamp("2026-12-01T00:00:00Z")' };

describeCheck(gcpIamNoPrimitiveRoles, {
  pass: [
    {
      name: 'predefined roles only; the Google APIs Service Agent keeps its Editor grant and is not counted',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects()],
      expect: [{ ...POLICY, status: 'pass', messageId: 'noPrimitiveRoles' }],
    },
    {
      name: 'roles/viewer and lookalike role names are not Owner or Editor',
      objects: [
        iamPolicy(
          iamBody([
            { role: 'roles/viewer', members: ['group:engineering@acme.example'] },
            { role: 'roles/iam.roleEditor', members: ['user:iam-admin@acme.example'] },
            { role: `projects/${PROJECT}/roles/owner`, members: ['user:app-owner@acme.example'] },
          ]),
        ),
        ...hierarchyObjects(),
      ],
      expect: [{ ...POLICY, status: 'pass', messageId: 'noPrimitiveRoles' }],
    },
  ],
  fail: [
    {
      name: 'gcpdiag fw-policy: default Compute Engine SA with Editor, a human Owner; the cloudservices agent is not counted',
      objects: [iamPolicy(fixture('gcpdiag-fw-policy-iam-policy.json')), ...hierarchyObjects()],
      expect: [
        { ...holder('roles/editor', 'serviceAccount:12340004-compute@developer.gserviceaccount.com'), status: 'fail', messageId: 'defaultServiceAccount' },
        { ...holder('roles/owner', 'user:testuser@example.com'), status: 'fail', messageId: 'primitiveRole' },
      ],
    },
    {
      name: 'gcpdiag gce3: default Compute Engine SA Owner, a user listed twice counted once, App Engine default SA Editor',
      objects: [iamPolicy(fixture('gcpdiag-gce3-iam-policy.json')), ...hierarchyObjects()],
      expect: [
        { ...holder('roles/editor', 'serviceAccount:gcpdiag-gce3-aaaa@appspot.gserviceaccount.com'), status: 'fail', messageId: 'defaultServiceAccount' },
        { ...holder('roles/owner', 'serviceAccount:12345001-compute@developer.gserviceaccount.com'), status: 'fail', messageId: 'defaultServiceAccount' },
        { ...holder('roles/owner', 'user:testuser@example.com'), status: 'fail', messageId: 'primitiveRole' },
      ],
    },
    {
      name: 'groups, domains and federated identity sets fail too: membership is outside the evidence',
      objects: [
        iamPolicy(
          iamBody([
            { role: 'roles/owner', members: ['group:gcp-break-glass@acme.example'] },
            { role: 'roles/editor', members: ['domain:acme.example', 'principalSet://iam.googleapis.com/locations/global/workforcePools/acme-pool/group/admins'] },
          ]),
        ),
        ...hierarchyObjects(),
      ],
      expect: [
        { ...holder('roles/editor', 'domain:acme.example'), status: 'fail', messageId: 'groupOrDomain' },
        { ...holder('roles/editor', 'principalSet://iam.googleapis.com/locations/global/workforcePools/acme-pool/group/admins'), status: 'fail', messageId: 'groupOrDomain' },
        { ...holder('roles/owner', 'group:gcp-break-glass@acme.example'), status: 'fail', messageId: 'groupOrDomain' },
      ],
    },
    {
      name: 'a user service account, a deleted principal, and the cloudservices agent holding Owner (not its default grant)',
      objects: [
        iamPolicy(
          iamBody([
            { role: 'roles/editor', members: ['serviceAccount:terraform@acme-ci.iam.gserviceaccount.com', 'deleted:user:former-admin@acme.example?uid=118203948571029384756'] },
            { role: 'roles/owner', members: [`serviceAccount:${PROJECT_NUMBER}@cloudservices.gserviceaccount.com`] },
          ]),
        ),
        ...hierarchyObjects(),
      ],
      expect: [
        { ...holder('roles/editor', 'deleted:user:former-admin@acme.example?uid=118203948571029384756'), status: 'fail', messageId: 'deletedPrincipal' },
        { ...holder('roles/editor', 'serviceAccount:terraform@acme-ci.iam.gserviceaccount.com'), status: 'fail', messageId: 'primitiveRole' },
        { ...holder('roles/owner', `serviceAccount:${PROJECT_NUMBER}@cloudservices.gserviceaccount.com`), status: 'fail', messageId: 'primitiveRole' },
      ],
    },
    {
      name: 'a time-bound conditional Owner grant, read at policy version 1 (`_withcond_` role), still fails; case variants are one principal',
      objects: [
        iamPolicy(
          iamBody(
            [
              { role: 'roles/owner_withcond_9f1c2b3a4d5e6f708192', members: ['user:oncall@acme.example'], condition: { title: 'break-glass', expression: 'request.time < timestamp("2026-12-01T00:00:00Z")' } },
              { role: 'roles/owner', members: ['user:OnCall@acme.example'], condition: { title: 'break-glass', expression: 'request.time < timestamp("2026-12-01T00:00:00Z")' } },
            ],
            1,
          ),
        ),
        ...hierarchyObjects(),
      ],
      expect: [{ ...holder('roles/owner', 'user:oncall@acme.example'), status: 'fail', messageId: 'primitiveRole' }],
    },
    {
      name: 'a human Owner on the project folder is inherited by the project',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects({ folderPolicy: withBinding(cleanFolderIamBody(), { role: 'roles/owner', members: ['user:payments-lead@acme.example'] }) })],
      expect: [{ ...holder('roles/owner', 'user:payments-lead@acme.example', `folders/${FOLDER}`), status: 'fail', messageId: 'primitiveRole' }],
    },
    {
      name: 'a group with Editor on the top folder, two levels up',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects({ topFolderPolicy: withBinding(cleanFolderIamBody(), { role: 'roles/editor', members: ['group:prod-engineers@acme.example'] }) })],
      expect: [{ ...holder('roles/editor', 'group:prod-engineers@acme.example', `folders/${TOP_FOLDER}`), status: 'fail', messageId: 'groupOrDomain' }],
    },
    {
      name: 'Owner on the organization; the Google APIs Service Agent is exempt only in its own project',
      objects: [
        iamPolicy(cleanIamBody()),
        ...hierarchyObjects({
          organizationPolicy: iamBody([
            ...((cleanOrganizationIamBody().bindings as { role: string; members: string[] }[]) ?? []),
            { role: 'roles/owner', members: ['user:cto@acme.example'] },
            { role: 'roles/editor', members: [`serviceAccount:${PROJECT_NUMBER}@cloudservices.gserviceaccount.com`] },
          ]),
        }),
      ],
      expect: [
        { ...holder('roles/editor', `serviceAccount:${PROJECT_NUMBER}@cloudservices.gserviceaccount.com`, `organizations/${ORGANIZATION}`), status: 'fail', messageId: 'primitiveRole' },
        { ...holder('roles/owner', 'user:cto@acme.example', `organizations/${ORGANIZATION}`), status: 'fail', messageId: 'primitiveRole' },
      ],
    },
    {
      name: 'a conditional break-glass Owner on the organization is inherited with its condition',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects({ organizationPolicy: withBinding(cleanOrganizationIamBody(), { role: 'roles/owner', members: ['group:gcp-break-glass@acme.example'], condition: BREAK_GLASS }) })],
      expect: [{ ...holder('roles/owner', 'group:gcp-break-glass@acme.example', `organizations/${ORGANIZATION}`), status: 'fail', messageId: 'groupOrDomain' }],
    },
    {
      name: 'a project without an organization: its own Owner fails, nothing else applies',
      objects: [iamPolicy(iamBody([{ role: 'roles/owner', members: ['user:founder@acme.example'] }])), projectRecord(projectBody(undefined))],
      expect: [{ ...holder('roles/owner', 'user:founder@acme.example'), status: 'fail', messageId: 'primitiveRole' }],
    },
  ],
  error: [
    {
      name: 'a project known only from its org policies: the IAM policy is missing',
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
      gaps: [{ id: 'gap-gcp-iam', reason: 'api-error', kinds: ['GcpIamPolicy'], message: 'getIamPolicy failed' }],
      expect: [
        { ...POLICY, status: 'error', messageId: 'noPrimitiveRoles' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'the organization IAM policy was denied: no pass, with the collector gap',
      objects: [iamPolicy(cleanIamBody()), ...hierarchyObjects({ organizationPolicy: permissionDenied('resourcemanager.organizations.getIamPolicy', `organizations/${ORGANIZATION}`) })],
      gaps: [{ id: 'gap-gcp-org-iam', reason: 'access-denied', kinds: ['GcpOrganizationIamPolicy'], message: 'organizations.getIamPolicy was denied' }],
      expect: [
        { ...POLICY, status: 'error', messageId: 'inheritedUnjudged' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'the top folder policy is denied; an Owner on the project folder still fails',
      objects: [
        iamPolicy(cleanIamBody()),
        ...hierarchyObjects({
          folderPolicy: withBinding(cleanFolderIamBody(), { role: 'roles/owner', members: ['user:payments-lead@acme.example'] }),
          topFolderPolicy: permissionDenied('resourcemanager.folders.getIamPolicy', `folders/${TOP_FOLDER}`),
        }),
      ],
      expect: [
        { ...holder('roles/owner', 'user:payments-lead@acme.example', `folders/${FOLDER}`), status: 'fail', messageId: 'primitiveRole' },
        { ...POLICY, status: 'error', messageId: 'inheritedUnjudged' },
      ],
    },
    {
      name: 'an export without the project description: no pass',
      objects: [iamPolicy(cleanIamBody())],
      expect: [{ ...POLICY, status: 'error', messageId: 'inheritedUnjudged' }],
    },
  ],
  notApplicable: [{ name: 'no Google Cloud evidence', objects: [], expect: [{ kind: 'Cluster', status: 'not_applicable' }] }],
});

describe('gcp-iam-no-primitive-roles messages and severities', () => {
  const run = (body: Record<string, unknown>, above: unknown[] = hierarchyObjects()) =>
    runCase(gcpIamNoPrimitiveRoles, { name: 'x', objects: [iamPolicy(body), ...above], expect: [] });

  it('explains what the default service account grant means', () => {
    const r = run(fixture('gcpdiag-fw-policy-iam-policy.json')).find((x) => x.messageId === 'defaultServiceAccount');
    expect(r?.message).toBe(
      `The Compute Engine default service account serviceAccount:12340004-compute@developer.gserviceaccount.com holds roles/editor on project ${PROJECT}: every workload running as it, and everyone who can act as it, can create, change and delete almost every resource of the project.`,
    );
    expect(r?.severity).toBe('high');
  });

  it('notes the exempt Google APIs Service Agent on the pass', () => {
    const [r] = run(cleanIamBody());
    expect(r?.message).toContain(`serviceAccount:${PROJECT_NUMBER}@cloudservices.gserviceaccount.com holds roles/editor by Google's design`);
  });

  it('a deleted principal is a low-severity failure; a conditional grant names its condition', () => {
    const results = run(
      iamBody([
        { role: 'roles/editor', members: ['deleted:serviceAccount:old-ci@acme-ci.iam.gserviceaccount.com?uid=104857392018473625190'] },
        { role: 'roles/owner', members: ['group:gcp-break-glass@acme.example'], condition: { title: 'break-glass', expression: 'request.time < timestamp("2026-12-01T00:00:00Z")' } },
      ]),
    );
    expect(results.map((x) => [x.messageId, x.severity])).toEqual([
      ['deletedPrincipal', 'low'],
      ['groupOrDomain', 'high'],
    ]);
    expect(results[1]?.message).toContain('when condition "break-glass"');
  });

  it('an inherited grant says where it is set and that the project inherits it', () => {
    const [r] = run(cleanIamBody(), hierarchyObjects({ folderPolicy: withBinding(cleanFolderIamBody(), { role: 'roles/owner', members: ['user:payments-lead@acme.example'] }) }));
    expect(r?.message).toBe(
      `user:payments-lead@acme.example (user account) holds roles/owner on folders/${FOLDER}, inherited by project ${PROJECT}, so it can change every resource of the project and its IAM policy.`,
    );
    expect(r?.data.grantedOn).toBe(`folders/${FOLDER}`);
    // The folder policy (ev-test-004) and the project's parent link (ev-test-001).
    expect(r?.evidence).toEqual(['ev-test-001', 'ev-test-004']);
  });

  it('the pass names every level read', () => {
    const [r] = run(cleanIamBody());
    expect(r?.message).toContain(`directly or inherited (projects/${PROJECT}, folders/${FOLDER}, folders/${TOP_FOLDER} and organizations/${ORGANIZATION} read)`);
  });
});
