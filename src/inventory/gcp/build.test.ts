import { describe, expect, it } from 'vitest';
import { inventoryOf } from '../../checks/tester.ts';
import {
  FOLDER,
  NOT_FOUND,
  ORGANIZATION,
  TOP_FOLDER,
  PROJECT,
  apiObject,
  cleanIamBody,
  effective,
  enforced,
  fixture,
  folderBody,
  folderIamPolicy,
  folderRecord,
  hierarchyObjects,
  iamBody,
  iamPolicy,
  listRules,
  permissionDenied,
  policyList,
  projectBody,
  projectBodyV1,
  projectRecord,
  v2Policy,
} from '../../../test/collectors/gcp/gcp-objects.ts';

describe('buildGcpInventory', () => {
  it('is absent without Google Cloud evidence, and ignores API responses of other areas', () => {
    const inv = inventoryOf([{ apiVersion: 'http.auditpack.io/v1', kind: 'ConsulAgentSelf', metadata: { name: '/v1/agent/self' }, body: {} }]);
    expect(inv.gcp.present).toBe(false);
    expect(inv.gcp.projects).toEqual([]);
  });

  it('claims every GCP record and names projects from the evidence name, not the body', () => {
    const inv = inventoryOf([effective('compute.requireOsLogin', enforced('compute.requireOsLogin')), iamPolicy(cleanIamBody()), iamPolicy(cleanIamBody(), 'acme-dev')]);
    expect(inv.gcp.present).toBe(true);
    expect(inv.ignored).toEqual([]);
    expect(inv.gcp.presenceEvidence).toEqual(['ev-test-000', 'ev-test-001', 'ev-test-002']);
    expect(inv.gcp.projects).toEqual([
      { id: 'acme-dev', evidence: ['ev-test-002'] },
      { id: PROJECT, evidence: ['ev-test-000', 'ev-test-001'] },
    ]);
    expect(inv.gcp.effectivePolicies[0]).toMatchObject({ project: PROJECT, constraint: 'compute.requireOsLogin', ref: { kind: 'OrgPolicy', name: `projects/${PROJECT}/policies/compute.requireOsLogin` } });
  });

  it('normalizes v2 rules, conditions and reset', () => {
    const inv = inventoryOf([
      effective(
        'compute.vmExternalIpAccess',
        listRules(
          'compute.vmExternalIpAccess',
          { values: { allowedValues: ['projects/p/zones/z/instances/a'], deniedValues: ['projects/p/zones/z/instances/b'] } },
          { allowAll: true, condition: { title: 'dmz', expression: "resource.matchTag('1/net', 'dmz')" } },
        ),
      ),
      effective('sql.restrictPublicIp', v2Policy('sql.restrictPublicIp', { reset: true })),
      effective('storage.uniformBucketLevelAccess', v2Policy('storage.uniformBucketLevelAccess', undefined)),
    ]);
    const [vm, sql, storage] = inv.gcp.effectivePolicies;
    expect(vm?.effective).toEqual({
      state: 'set',
      policy: {
        format: 'v2',
        reset: false,
        specPresent: true,
        rules: [
          { path: 'spec.rules[0]', condition: undefined, enforce: undefined, allowAll: false, denyAll: false, allowedValues: ['projects/p/zones/z/instances/a'], deniedValues: ['projects/p/zones/z/instances/b'] },
          { path: 'spec.rules[1]', condition: `"dmz" (resource.matchTag('1/net', 'dmz'))`, enforce: undefined, allowAll: true, denyAll: false, allowedValues: [], deniedValues: [] },
        ],
      },
    });
    expect(sql?.effective).toMatchObject({ state: 'set', policy: { reset: true, specPresent: true, rules: [] } });
    expect(storage?.effective).toMatchObject({ state: 'set', policy: { reset: false, specPresent: false, rules: [] } });
  });

  it('reads v1 booleanPolicy {} as enforced false and keeps why', () => {
    const inv = inventoryOf([
      effective('compute.requireOsLogin', fixture('gcpdiag-gce3-effective-requireOsLogin.v1.json')),
      effective('compute.disableSerialPortAccess', fixture('gcpdiag-fw-policy-effective-disableSerialPortAccess.v1.json')),
      effective('serviceuser.services', { constraint: 'constraints/serviceuser.services', listPolicy: { allValues: 'DENY' } }),
      effective('compute.skipDefaultNetworkCreation', { constraint: 'constraints/compute.skipDefaultNetworkCreation', restoreDefault: {} }),
    ]);
    const byConstraint = Object.fromEntries(inv.gcp.effectivePolicies.map((e) => [e.constraint, e.effective]));
    expect(byConstraint['compute.requireOsLogin']).toMatchObject({ state: 'set', policy: { format: 'v1', rules: [{ path: 'booleanPolicy', enforce: false, enforcedAbsent: true }] } });
    expect(byConstraint['compute.disableSerialPortAccess']).toMatchObject({ state: 'set', policy: { rules: [{ enforce: true }] } });
    expect(byConstraint['compute.disableSerialPortAccess']?.state === 'set' && byConstraint['compute.disableSerialPortAccess'].policy.rules[0]?.enforcedAbsent).toBeUndefined();
    expect(byConstraint['serviceuser.services']).toMatchObject({ state: 'set', policy: { rules: [{ path: 'listPolicy', denyAll: true, allowAll: false }] } });
    expect(byConstraint['compute.skipDefaultNetworkCreation']).toMatchObject({ state: 'set', policy: { reset: true, specPresent: true } });
  });

  it('reads stored error answers: NOT_FOUND is "no policy", anything else unreadable', () => {
    const inv = inventoryOf([
      effective('sql.restrictPublicIp', NOT_FOUND),
      effective('compute.requireOsLogin', permissionDenied('orgpolicy.policy.get', 'projects/x')),
      iamPolicy(permissionDenied('resourcemanager.projects.getIamPolicy', 'projects/x')),
    ]);
    expect(inv.gcp.effectivePolicies.map((e) => [e.constraint, e.effective.state])).toEqual([
      ['compute.requireOsLogin', 'unreadable'],
      ['sql.restrictPublicIp', 'notFound'],
    ]);
    expect(inv.gcp.iamPolicies[0]).toMatchObject({ node: `projects/${PROJECT}`, state: 'unreadable', status: 'PERMISSION_DENIED' });
  });

  it('collects dry runs from listed policies and gcloud list rows, ignoring dry runs that restrict nothing', () => {
    const inv = inventoryOf([
      policyList({
        policies: [
          v2Policy('compute.requireOsLogin', undefined, { dryRunSpec: { rules: [{ enforce: true }] } }),
          v2Policy('sql.restrictPublicIp', undefined, { dryRunSpec: { rules: [{ enforce: false }] } }),
          v2Policy('compute.vmExternalIpAccess', { rules: [{ denyAll: true }] }),
        ],
      }),
      policyList({ items: [{ constraint: 'storage.publicAccessPrevention', listPolicy: '-', booleanPolicy: 'DRY_RUN_SET' }, { constraint: 'x', listPolicy: 'SET', booleanPolicy: '-' }] }, 'acme-dev'),
    ]);
    expect(inv.gcp.dryRuns).toEqual([
      { project: 'acme-dev', constraint: 'storage.publicAccessPrevention', evidenceId: 'ev-test-001', detail: 'gcloud org-policies list shows booleanPolicy DRY_RUN_SET' },
      { project: PROJECT, constraint: 'compute.requireOsLogin', evidenceId: 'ev-test-000', detail: 'dryRunSpec.rules[0].enforce is true' },
    ]);
  });

  it('reads IAM bindings with conditions, keeping duplicates for the checks to fold', () => {
    const inv = inventoryOf([iamPolicy(fixture('gcpdiag-gce3-iam-policy.json')), iamPolicy(iamBody([{ role: 'roles/owner', members: ['user:a@acme.example'], condition: { title: 't', expression: 'true' } }]), 'acme-dev')]);
    const [dev, prod] = inv.gcp.iamPolicies;
    expect(dev).toMatchObject({ state: 'ok', version: 3, bindings: [{ role: 'roles/owner', members: ['user:a@acme.example'], condition: '"t" (true)' }] });
    expect(prod?.state === 'ok' && prod.bindings.find((b) => b.role === 'roles/owner')?.members).toEqual([
      'serviceAccount:12345001-compute@developer.gserviceaccount.com',
      'user:testuser@example.com',
      'user:testuser@example.com',
    ]);
  });

  it('a record name without a project, or a body of the wrong shape, is a gap on that kind', () => {
    const inv = inventoryOf([
      apiObject('GcpIamPolicy', 'gcp/iamPolicy', cleanIamBody()),
      apiObject('GcpEffectivePolicy', `gcp/projects/${PROJECT}/policies`, enforced('compute.requireOsLogin')),
      effective('compute.requireOsLogin', { name: 'projects/1/policies/compute.requireOsLogin', spec: { rules: [{ enforce: 'yes' }] } }),
    ]);
    expect(inv.gaps.map((g) => [g.reason, g.kinds])).toEqual([
      ['schema-invalid', ['GcpIamPolicy']],
      ['schema-invalid', ['GcpEffectivePolicy']],
      ['schema-invalid', ['GcpEffectivePolicy']],
    ]);
    expect(inv.gaps[0]?.message).toContain('does not say which project, folder or organization');
    expect(inv.gaps[2]?.message).toContain('body.spec.rules.0.enforce');
    expect(inv.gcp.effectivePolicies).toEqual([]);
    expect(inv.gcp.present).toBe(true);
  });

  it('reads the hierarchy: parents of projects (v3 and gcloud v1) and folders, and the folder and organization IAM policies', () => {
    const inv = inventoryOf([
      ...hierarchyObjects(),
      projectRecord(projectBodyV1({ type: 'organization', id: ORGANIZATION }, 'acme-web'), 'acme-web'),
      projectRecord(projectBodyV1(undefined, 'acme-sandbox'), 'acme-sandbox'),
      projectRecord(projectBody(undefined, 'acme-lab'), 'acme-lab'),
    ]);
    expect(inv.gaps).toEqual([]);
    expect(inv.ignored).toEqual([]);
    expect(inv.gcp.hierarchy.map((h) => [h.node, h.state === 'ok' ? h.parent : h.state])).toEqual([
      [`folders/${FOLDER}`, `folders/${TOP_FOLDER}`],
      [`folders/${TOP_FOLDER}`, `organizations/${ORGANIZATION}`],
      ['projects/acme-lab', undefined],
      [`projects/${PROJECT}`, `folders/${FOLDER}`],
      ['projects/acme-sandbox', undefined],
      ['projects/acme-web', `organizations/${ORGANIZATION}`],
    ]);
    expect(inv.gcp.iamPolicies.map((p) => [p.node, p.state, p.ref.name])).toEqual([
      [`folders/${FOLDER}`, 'ok', `folders/${FOLDER}`],
      [`folders/${TOP_FOLDER}`, 'ok', `folders/${TOP_FOLDER}`],
      [`organizations/${ORGANIZATION}`, 'ok', `organizations/${ORGANIZATION}`],
    ]);
    // Folder and organization records are about no project; project records name theirs.
    expect(inv.gcp.projects.map((p) => p.id)).toEqual(['acme-lab', PROJECT, 'acme-sandbox', 'acme-web']);
    expect(inv.gcp.presenceEvidence).toHaveLength(9);
  });

  it('a denied describe, or a parent Resource Manager never names, leaves that parent unknown', () => {
    const inv = inventoryOf([
      projectRecord(permissionDenied('resourcemanager.projects.get', `projects/${PROJECT}`)),
      folderRecord(FOLDER, { ...folderBody(FOLDER, `folders/${TOP_FOLDER}`), parent: 'projects/acme' }),
      folderRecord(TOP_FOLDER, { name: `folders/${TOP_FOLDER}`, parent: 7 }),
      folderIamPolicy(FOLDER, permissionDenied('resourcemanager.folders.getIamPolicy', `folders/${FOLDER}`)),
    ]);
    expect(inv.gcp.hierarchy.map((h) => [h.node, h.state, h.state === 'unreadable' ? h.status : ''])).toEqual([
      [`folders/${FOLDER}`, 'unreadable', 'BAD_RESPONSE'],
      [`projects/${PROJECT}`, 'unreadable', 'PERMISSION_DENIED'],
    ]);
    expect(inv.gaps.map((g) => [g.reason, g.kinds])).toEqual([['schema-invalid', ['GcpFolder']]]);
    expect(inv.gcp.iamPolicies).toMatchObject([{ node: `folders/${FOLDER}`, state: 'unreadable', status: 'PERMISSION_DENIED' }]);
  });
});
