import { describe, expect, it } from 'vitest';
import { describeCheck, runCase } from '../tester.ts';
import { PROJECT, cleanIamBody, effective, enforced, fixture, iamBody, iamPolicy, permissionDenied } from '../../../test/collectors/gcp/gcp-objects.ts';
import { gcpIamNoPublicBindings } from './gcp-iam-no-public-bindings.ts';

const POLICY = { kind: 'IamPolicy', name: `projects/${PROJECT}` } as const;
const binding = (role: string, member: string) => ({ kind: 'IamBinding', name: `projects/${PROJECT} ${role} ${member}` });

const WEBSITE_BUCKET_READ = { role: 'roles/storage.objectViewer', members: ['allUsers', 'group:web-publishers@acme.example'] };

describeCheck(gcpIamNoPublicBindings, {
  pass: [
    {
      name: 'gcpdiag fw-policy project IAM policy has no public member',
      objects: [iamPolicy(fixture('gcpdiag-fw-policy-iam-policy.json'))],
      expect: [{ ...POLICY, status: 'pass', messageId: 'noPublicBindings' }],
    },
    {
      name: 'gcpdiag gce3 project IAM policy (60 bindings, auditConfigs) has no public member',
      objects: [iamPolicy(fixture('gcpdiag-gce3-iam-policy.json'))],
      expect: [{ ...POLICY, status: 'pass', messageId: 'noPublicBindings' }],
    },
    {
      name: 'a least-privilege policy, one result per project',
      objects: [iamPolicy(cleanIamBody()), iamPolicy(cleanIamBody(), 'acme-payments-dev')],
      expect: [
        { ...POLICY, status: 'pass' },
        { kind: 'IamPolicy', name: 'projects/acme-payments-dev', status: 'pass' },
      ],
    },
  ],
  fail: [
    {
      name: 'allUsers and allAuthenticatedUsers bindings fail, one result per role and member',
      objects: [iamPolicy(iamBody([WEBSITE_BUCKET_READ, { role: 'roles/viewer', members: ['allAuthenticatedUsers', 'user:cfo@acme.example'] }]))],
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
      ],
      expect: [{ ...binding('roles/run.invoker', 'allUsers'), status: 'fail', messageId: 'publicBinding' }],
    },
    {
      name: 'a conditional public binding still fails; a policy-v1 `_withcond_` role is read as its base role',
      objects: [iamPolicy(iamBody([{ role: 'roles/storage.objectViewer_withcond_4b2f0c1d9e8a7b6c5d4e', members: ['allUsers'], condition: { title: 'until launch', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' } }], 1))],
      expect: [{ ...binding('roles/storage.objectViewer', 'allUsers'), status: 'fail', messageId: 'publicBinding' }],
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
      objects: [iamPolicy(permissionDenied('resourcemanager.projects.getIamPolicy', `projects/${PROJECT}`))],
      gaps: [{ id: 'gap-gcp-iam', reason: 'access-denied', kinds: ['GcpIamPolicy'], message: 'getIamPolicy was denied' }],
      expect: [
        { ...POLICY, status: 'error', messageId: 'iamPolicyUnreadable' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a gap on the IAM policy turns the pass into an error',
      objects: [iamPolicy(cleanIamBody())],
      gaps: [{ id: 'gap-gcp-iam', reason: 'api-error', kinds: ['GcpIamPolicy'], message: 'getIamPolicy failed with UNAVAILABLE after 4 attempts' }],
      expect: [
        { ...POLICY, status: 'error', messageId: 'noPublicBindings' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'bindings that are not a list are a schema gap',
      objects: [iamPolicy({ version: 1, etag: 'BwXdjsAMxlc=', bindings: { role: 'roles/owner' } })],
      expect: [
        { ...POLICY, status: 'error', messageId: 'iamPolicyMissing' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
  notApplicable: [{ name: 'no Google Cloud evidence', objects: [], expect: [{ kind: 'Cluster', status: 'not_applicable' }] }],
});

describe('gcp-iam-no-public-bindings messages', () => {
  it('names the role, the member and who that is', () => {
    const [result] = runCase(gcpIamNoPublicBindings, { name: 'x', objects: [iamPolicy(iamBody([WEBSITE_BUCKET_READ]))], expect: [] });
    expect(result?.message).toBe(`Project ${PROJECT} grants roles/storage.objectViewer to allUsers, that is anyone on the internet, without signing in.`);
    expect(result?.severity).toBe('critical');
    expect(result?.evidence).toEqual(['ev-test-000']);
  });

  it('mentions the condition of a conditional-only grant', () => {
    const [result] = runCase(gcpIamNoPublicBindings, {
      name: 'x',
      objects: [iamPolicy(iamBody([{ role: 'roles/run.invoker', members: ['allAuthenticatedUsers'], condition: { title: 'beta', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' } }]))],
      expect: [],
    });
    expect(result?.message).toContain('when condition "beta" (request.time < timestamp("2027-01-01T00:00:00Z")) holds');
  });
});
