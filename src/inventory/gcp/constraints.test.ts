import { describe, expect, it } from 'vitest';
import { GCP_BASELINE_CONSTRAINTS, judgeConstraint } from './constraints.ts';
import { baseRole, defaultServiceAccount, isGoogleApisServiceAgent, memberKey, memberType } from './iam.ts';
import { bareConstraint, gcpEvidenceName, parseGcpEvidenceName } from './names.ts';
import type { GcpPolicyState, GcpRule } from './types.ts';

function rule(r: Partial<GcpRule>, i = 0): GcpRule {
  return { path: `spec.rules[${i}]`, condition: undefined, enforce: undefined, allowAll: false, denyAll: false, allowedValues: [], deniedValues: [], ...r };
}

function v2(...rules: Partial<GcpRule>[]): GcpPolicyState {
  return { format: 'v2', rules: rules.map((r, i) => rule(r, i)), reset: false, specPresent: true };
}

const verdict = (constraint: string, policy: GcpPolicyState): string => {
  const j = judgeConstraint(constraint, policy);
  return `${j.verdict}/${j.reason}${j.warning ? '/warning' : ''}`;
};

describe('judgeConstraint', () => {
  it('covers the controls-mapping 4.1 baseline', () => {
    expect(GCP_BASELINE_CONSTRAINTS).toEqual([
      'compute.requireOsLogin',
      'compute.skipDefaultNetworkCreation',
      'compute.vmExternalIpAccess',
      'gcp.restrictTLSVersion',
      'iam.allowedPolicyMemberDomains',
      'iam.automaticIamGrantsForDefaultServiceAccounts',
      'iam.disableServiceAccountKeyCreation',
      'sql.restrictPublicIp',
      'storage.publicAccessPrevention',
      'storage.uniformBucketLevelAccess',
    ]);
  });

  it.each([
    ['enforce true', v2({ enforce: true }), 'pass/enforced'],
    ['enforce false', v2({ enforce: false }), 'fail/notEnforced'],
    ['a rule without enforce', v2({}), 'fail/notEnforced'],
    ['unconditional true and false', v2({ enforce: true }, { enforce: false }), 'fail/notEnforced'],
    ['true with a conditional false', v2({ enforce: true }, { enforce: false, condition: 'c' }), 'fail/conditionalException'],
    ['true only under a condition', v2({ enforce: true, condition: 'c' }), 'fail/notEnforced'],
    ['no rules', v2(), 'fail/default'],
    ['reset', { ...v2({ enforce: true }), reset: true }, 'fail/default'],
    ['no spec', { ...v2(), specPresent: false }, 'fail/default'],
  ])('boolean: %s', (_n, policy, expected) => {
    expect(verdict('compute.requireOsLogin', policy)).toBe(expected);
  });

  it.each([
    ['vmExternalIpAccess denyAll', 'compute.vmExternalIpAccess', v2({ denyAll: true }), 'pass/enforced'],
    ['vmExternalIpAccess allow-list', 'compute.vmExternalIpAccess', v2({ allowedValues: ['projects/p/zones/z/instances/i'] }), 'pass/enforced/warning'],
    ['vmExternalIpAccess deny-list', 'compute.vmExternalIpAccess', v2({ deniedValues: ['projects/p/zones/z/instances/i'] }), 'fail/notEnforced'],
    ['vmExternalIpAccess allowAll', 'compute.vmExternalIpAccess', v2({ allowAll: true }), 'fail/notEnforced'],
    ['vmExternalIpAccess allowAll wins over denyAll', 'compute.vmExternalIpAccess', v2({ denyAll: true }, { allowAll: true }), 'fail/notEnforced'],
    ['vmExternalIpAccess denyAll, conditional allow-list', 'compute.vmExternalIpAccess', v2({ denyAll: true }, { allowedValues: ['x'], condition: 'c' }), 'fail/conditionalException'],
    ['vmExternalIpAccess denyAll, conditional denyAll', 'compute.vmExternalIpAccess', v2({ denyAll: true }, { denyAll: true, condition: 'c' }), 'pass/enforced'],
    ['vmExternalIpAccess only a conditional denyAll', 'compute.vmExternalIpAccess', v2({ denyAll: true, condition: 'c' }), 'fail/notEnforced'],
    ['TLS deny 1.0 and 1.1 (is: prefix)', 'gcp.restrictTLSVersion', v2({ deniedValues: ['is:TLS_VERSION_1', 'TLS_VERSION_1_1'] }), 'pass/enforced'],
    ['TLS deny 1.0 only', 'gcp.restrictTLSVersion', v2({ deniedValues: ['TLS_VERSION_1'] }), 'fail/notEnforced'],
    ['TLS allow 1.2 and 1.3', 'gcp.restrictTLSVersion', v2({ allowedValues: ['TLS_VERSION_1_2', 'TLS_VERSION_1_3'] }), 'pass/enforced'],
    ['TLS allow 1.1', 'gcp.restrictTLSVersion', v2({ allowedValues: ['TLS_VERSION_1_1', 'TLS_VERSION_1_2'] }), 'fail/notEnforced'],
    ['member domains allow-list', 'iam.allowedPolicyMemberDomains', v2({ allowedValues: ['C03xgje4y'] }), 'pass/enforced'],
    ['member domains allowAll', 'iam.allowedPolicyMemberDomains', v2({ allowAll: true }), 'fail/notEnforced'],
    ['member domains deny-list', 'iam.allowedPolicyMemberDomains', v2({ deniedValues: ['C0evil'] }), 'fail/notEnforced'],
    ['list rule that sets nothing', 'iam.allowedPolicyMemberDomains', v2({}), 'fail/notEnforced'],
    ['unknown list constraint, allow-list', 'cloudbuild.allowedWorkerPools', v2({ allowedValues: ['projects/1/locations/us-central1/workerPools/p'] }), 'pass/enforced/warning'],
    ['unknown list constraint, deny-list', 'serviceuser.services', v2({ deniedValues: ['doubleclicksearch.googleapis.com'] }), 'pass/enforced/warning'],
    ['unknown list constraint, allowAll', 'serviceuser.services', v2({ allowAll: true }), 'fail/notEnforced'],
    ['unknown boolean constraint, enforced', 'compute.disableSerialPortAccess', v2({ enforce: true }), 'pass/enforced'],
    ['unknown constraint, no rules', 'compute.disableSerialPortAccess', v2(), 'fail/default'],
  ])('list and unknown: %s', (_n, constraint, policy, expected) => {
    expect(verdict(constraint, policy)).toBe(expected);
  });

  it('describes v1 booleanPolicy {} explicitly', () => {
    const policy: GcpPolicyState = { format: 'v1', reset: false, specPresent: true, rules: [rule({ path: 'booleanPolicy', enforce: false, enforcedAbsent: true })] };
    expect(judgeConstraint('compute.requireOsLogin', policy)).toEqual({ verdict: 'fail', reason: 'notEnforced', detail: 'booleanPolicy is {} (enforced is absent, which means false)' });
    expect(judgeConstraint('compute.requireOsLogin', { ...policy, rules: [rule({ path: 'booleanPolicy', enforce: true })] }).detail).toBe('booleanPolicy.enforced is true');
    expect(judgeConstraint('compute.requireOsLogin', { ...policy, reset: true }).detail).toBe('restoreDefault is set, so the constraint default applies (not enforced)');
  });
});

describe('IAM helpers', () => {
  it.each([
    ['allUsers', 'allUsers'],
    ['allAuthenticatedUsers', 'allAuthenticatedUsers'],
    ['user:a@acme.example', 'user'],
    ['serviceAccount:sa@p.iam.gserviceaccount.com', 'serviceAccount'],
    ['group:g@acme.example', 'group'],
    ['domain:acme.example', 'domain'],
    ['deleted:user:a@acme.example?uid=1', 'deleted'],
    ['principal://iam.googleapis.com/locations/global/workforcePools/p/subject/s', 'principal'],
    ['principalSet://iam.googleapis.com/locations/global/workforcePools/p/*', 'principalSet'],
    ['projectOwner:acme', 'other'],
  ])('memberType(%s) = %s', (member, type) => {
    expect(memberType(member)).toBe(type);
  });

  it('recognises default service accounts and the Google APIs Service Agent', () => {
    expect(defaultServiceAccount('serviceAccount:12345001-compute@developer.gserviceaccount.com')).toBe('Compute Engine');
    expect(defaultServiceAccount('serviceAccount:gcpdiag-gce3-aaaa@appspot.gserviceaccount.com')).toBe('App Engine');
    expect(defaultServiceAccount('serviceAccount:app@acme-prod.iam.gserviceaccount.com')).toBeUndefined();
    expect(isGoogleApisServiceAgent('serviceAccount:12340004@cloudservices.gserviceaccount.com')).toBe(true);
    expect(isGoogleApisServiceAgent('serviceAccount:service-12340004@compute-system.iam.gserviceaccount.com')).toBe(false);
  });

  it('folds role suffixes and member case', () => {
    expect(baseRole('roles/owner_withcond_9f1c2b3a4d5e6f708192')).toBe('roles/owner');
    expect(baseRole('roles/editor')).toBe('roles/editor');
    expect(memberKey('user:OnCall@Acme.example')).toBe(memberKey('user:oncall@acme.example'));
  });
});

describe('evidence names', () => {
  it('round-trip and reject names of the wrong kind', () => {
    expect(parseGcpEvidenceName('GcpEffectivePolicy', gcpEvidenceName.effectivePolicy('p-1', 'constraints/compute.requireOsLogin'))).toEqual({
      kind: 'GcpEffectivePolicy',
      node: 'projects/p-1',
      project: 'p-1',
      constraint: 'compute.requireOsLogin',
    });
    expect(parseGcpEvidenceName('GcpPolicyList', gcpEvidenceName.policyList('p-1'))).toEqual({ kind: 'GcpPolicyList', node: 'projects/p-1', project: 'p-1' });
    expect(parseGcpEvidenceName('GcpIamPolicy', gcpEvidenceName.iamPolicy('p-1'))).toEqual({ kind: 'GcpIamPolicy', node: 'projects/p-1', project: 'p-1' });
    expect(parseGcpEvidenceName('GcpProject', gcpEvidenceName.project('p-1'))).toEqual({ kind: 'GcpProject', node: 'projects/p-1', project: 'p-1' });
    expect(parseGcpEvidenceName('GcpFolder', gcpEvidenceName.folder('123'))).toEqual({ kind: 'GcpFolder', node: 'folders/123' });
    expect(parseGcpEvidenceName('GcpFolderIamPolicy', gcpEvidenceName.folderIamPolicy('123'))).toEqual({ kind: 'GcpFolderIamPolicy', node: 'folders/123' });
    expect(parseGcpEvidenceName('GcpOrganizationIamPolicy', gcpEvidenceName.organizationIamPolicy('456'))).toEqual({ kind: 'GcpOrganizationIamPolicy', node: 'organizations/456' });
    expect(parseGcpEvidenceName('GcpIamPolicy', gcpEvidenceName.policyList('p-1'))).toBeUndefined();
    expect(parseGcpEvidenceName('GcpIamPolicy', gcpEvidenceName.folderIamPolicy('123'))).toBeUndefined();
    expect(parseGcpEvidenceName('GcpFolderIamPolicy', gcpEvidenceName.organizationIamPolicy('456'))).toBeUndefined();
    expect(parseGcpEvidenceName('GcpProject', gcpEvidenceName.iamPolicy('p-1'))).toBeUndefined();
    expect(parseGcpEvidenceName('GcpFolder', gcpEvidenceName.folderIamPolicy('123'))).toBeUndefined();
    expect(parseGcpEvidenceName('GcpEffectivePolicy', 'projects/p-1/policies/x')).toBeUndefined();
    expect(bareConstraint('constraints/gcp.restrictTLSVersion')).toBe('gcp.restrictTLSVersion');
  });
});
