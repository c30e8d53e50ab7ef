import { describe, expect, it } from 'vitest';
import { GCP_BASELINE_CONSTRAINTS } from '../../inventory/gcp/constraints.ts';
import { describeCheck, runCase, type ExpectedResult } from '../tester.ts';
import type { CheckStatus } from '../types.ts';
import {
  NOT_FOUND,
  PROJECT,
  cleanIamBody,
  effective,
  enforced,
  fixture,
  iamPolicy,
  listRules,
  permissionDenied,
  policyList,
  secureEffective,
  v2Policy,
} from '../../../test/collectors/gcp/gcp-objects.ts';
import { gcpOrgpolicyConstraintsEnforced } from './gcp-orgpolicy-constraints-enforced.ts';

function r(constraint: string, status: CheckStatus, messageId: string, extra: Partial<ExpectedResult> = {}): ExpectedResult {
  return { kind: 'OrgPolicy', name: `projects/${PROJECT}/policies/${constraint}`, status, messageId, ...extra };
}

// One pass per baseline constraint, except those named.
function passes(...except: string[]): ExpectedResult[] {
  return GCP_BASELINE_CONSTRAINTS.filter((c) => !except.includes(c)).map((c) => r(c, 'pass', 'enforced'));
}

function missing(...except: string[]): ExpectedResult[] {
  return GCP_BASELINE_CONSTRAINTS.filter((c) => !except.includes(c)).map((c) => r(c, 'error', 'evidenceMissing'));
}

// gcpdiag v1 listOrgPolicies: cloudbuild.allowedWorkerPools (allow-list) and compute.skipDefaultNetworkCreation (booleanPolicy {}).
const V1_LIST = fixture('gcpdiag-fw-policy-org-policies.v1.json').policies as Record<string, unknown>[];
const v1Policy = (constraint: string): Record<string, unknown> => {
  const p = V1_LIST.find((x) => x.constraint === `constraints/${constraint}`);
  if (!p) throw new Error(`fixture has no ${constraint}`);
  return p;
};

const DRY_RUN_OS_LOGIN = v2Policy('compute.requireOsLogin', undefined, {
  etag: 'CMX3p74GEKiRmrwD',
  dryRunSpec: { etag: 'CMX3p74GEKiRmrwD', updateTime: '2026-10-02T08:11:40.512339Z', rules: [{ enforce: true }] },
});

describeCheck(gcpOrgpolicyConstraintsEnforced, {
  pass: [
    {
      name: 'every baseline constraint is in force in the v2 effective policies',
      objects: secureEffective(),
      expect: passes(),
    },
    {
      name: 'vmExternalIpAccess allow-list of named instances passes with a warning naming them',
      objects: secureEffective({
        'compute.vmExternalIpAccess': listRules('compute.vmExternalIpAccess', {
          values: { allowedValues: [`projects/${PROJECT}/zones/europe-west1-b/instances/bastion-1`] },
        }),
      }),
      expect: [...passes('compute.vmExternalIpAccess'), r('compute.vmExternalIpAccess', 'pass', 'enforced', { warning: true })],
    },
    {
      name: 'an extra conditional enforce rule only strengthens an unconditional enforce',
      objects: secureEffective({
        'compute.requireOsLogin': listRules('compute.requireOsLogin', { enforce: true }, { enforce: true, condition: { title: 'prod', expression: "resource.matchTag('123/env', 'prod')" } }),
      }),
      expect: passes(),
    },
    {
      name: 'non-baseline constraints in the evidence are judged too: gcpdiag v1 enforced true, kcc v2 deny-list (warning)',
      objects: [
        ...secureEffective(),
        effective('compute.disableSerialPortAccess', fixture('gcpdiag-fw-policy-effective-disableSerialPortAccess.v1.json')),
        effective('serviceuser.services', fixture('orgpolicy-v2-policy-deniedValues.json')),
      ],
      expect: [
        ...passes(),
        r('compute.disableSerialPortAccess', 'pass', 'enforced', { warning: false }),
        r('serviceuser.services', 'pass', 'enforced', { warning: true }),
      ],
    },
    {
      name: 'a dry run next to an enforced policy does not change the pass',
      objects: [...secureEffective(), policyList({ policies: [{ ...enforced('compute.requireOsLogin'), dryRunSpec: { rules: [{ enforce: true }] } }] })],
      expect: passes(),
    },
  ],
  fail: [
    {
      name: 'gcpdiag gce3: v1 effective booleanPolicy {} means NOT enforced',
      objects: secureEffective({ 'compute.requireOsLogin': fixture('gcpdiag-gce3-effective-requireOsLogin.v1.json') }),
      expect: [...passes('compute.requireOsLogin'), r('compute.requireOsLogin', 'fail', 'notEnforced')],
    },
    {
      name: 'gcpdiag v1 policies: skipDefaultNetworkCreation {} fails, the allowedWorkerPools allow-list passes with a warning',
      objects: secureEffective({
        'compute.skipDefaultNetworkCreation': v1Policy('compute.skipDefaultNetworkCreation'),
        'cloudbuild.allowedWorkerPools': v1Policy('cloudbuild.allowedWorkerPools'),
      }),
      expect: [
        ...passes('compute.skipDefaultNetworkCreation'),
        r('compute.skipDefaultNetworkCreation', 'fail', 'notEnforced'),
        r('cloudbuild.allowedWorkerPools', 'pass', 'enforced', { warning: true }),
      ],
    },
    {
      name: 'v2 enforce false, a rule that sets nothing, a spec without rules, and a policy without spec',
      objects: secureEffective({
        'compute.requireOsLogin': enforced('compute.requireOsLogin', false),
        'sql.restrictPublicIp': listRules('sql.restrictPublicIp', {}),
        'storage.publicAccessPrevention': v2Policy('storage.publicAccessPrevention', { rules: [] }),
        'storage.uniformBucketLevelAccess': v2Policy('storage.uniformBucketLevelAccess', undefined),
      }),
      expect: [
        ...passes('compute.requireOsLogin', 'sql.restrictPublicIp', 'storage.publicAccessPrevention', 'storage.uniformBucketLevelAccess'),
        r('compute.requireOsLogin', 'fail', 'notEnforced'),
        r('sql.restrictPublicIp', 'fail', 'notEnforced'),
        r('storage.publicAccessPrevention', 'fail', 'notEnforced'),
        r('storage.uniformBucketLevelAccess', 'fail', 'notEnforced'),
      ],
    },
    {
      name: 'list constraints: vmExternalIpAccess allowAll, a TLS deny-list missing 1.1, a member-domain deny-list',
      objects: secureEffective({
        'compute.vmExternalIpAccess': listRules('compute.vmExternalIpAccess', { allowAll: true }),
        'gcp.restrictTLSVersion': listRules('gcp.restrictTLSVersion', { values: { deniedValues: ['TLS_VERSION_1'] } }),
        'iam.allowedPolicyMemberDomains': listRules('iam.allowedPolicyMemberDomains', { values: { deniedValues: ['C0evil000'] } }),
      }),
      expect: [
        ...passes('compute.vmExternalIpAccess', 'gcp.restrictTLSVersion', 'iam.allowedPolicyMemberDomains'),
        r('compute.vmExternalIpAccess', 'fail', 'notEnforced'),
        r('gcp.restrictTLSVersion', 'fail', 'notEnforced'),
        r('iam.allowedPolicyMemberDomains', 'fail', 'notEnforced'),
      ],
    },
    {
      name: 'vmExternalIpAccess deny-list only: every VM it does not name may have an external IP',
      objects: secureEffective({
        'compute.vmExternalIpAccess': listRules('compute.vmExternalIpAccess', { values: { deniedValues: [`projects/${PROJECT}/zones/europe-west1-b/instances/web-1`] } }),
      }),
      expect: [...passes('compute.vmExternalIpAccess'), r('compute.vmExternalIpAccess', 'fail', 'notEnforced')],
    },
    {
      name: 'kcc: allowAll on serviceuser.services',
      objects: [...secureEffective(), effective('serviceuser.services', fixture('orgpolicy-v2-policy-allowAll.json'))],
      expect: [...passes(), r('serviceuser.services', 'fail', 'notEnforced')],
    },
    {
      name: 'getEffectivePolicy answered NOT_FOUND: no policy is set, the default (not enforced) applies',
      objects: secureEffective({ 'iam.disableServiceAccountKeyCreation': NOT_FOUND }),
      expect: [...passes('iam.disableServiceAccountKeyCreation'), r('iam.disableServiceAccountKeyCreation', 'fail', 'noPolicy')],
    },
    {
      name: 'spec.reset: true restores the default',
      objects: secureEffective({ 'compute.skipDefaultNetworkCreation': v2Policy('compute.skipDefaultNetworkCreation', { reset: true }) }),
      expect: [...passes('compute.skipDefaultNetworkCreation'), r('compute.skipDefaultNetworkCreation', 'fail', 'notEnforced')],
    },
    {
      name: 'dryRunSpec only (listed policy): a dry run is not enforced',
      objects: [...secureEffective({ 'compute.requireOsLogin': v2Policy('compute.requireOsLogin', undefined) }), policyList({ policies: [DRY_RUN_OS_LOGIN] })],
      expect: [...passes('compute.requireOsLogin'), r('compute.requireOsLogin', 'fail', 'dryRunOnly')],
    },
    {
      name: 'dry run shown by `gcloud org-policies list` rows (DRY_RUN_SET)',
      objects: [
        ...secureEffective({ 'sql.restrictPublicIp': NOT_FOUND }),
        policyList({ items: [{ constraint: 'sql.restrictPublicIp', listPolicy: '-', booleanPolicy: 'DRY_RUN_SET', etag: 'CMX3p74GEKiRmrwD' }] }),
      ],
      expect: [...passes('sql.restrictPublicIp'), r('sql.restrictPublicIp', 'fail', 'dryRunOnly')],
    },
    {
      name: 'a conditional rule switches enforcement off for tagged resources',
      objects: secureEffective({
        'storage.publicAccessPrevention': listRules(
          'storage.publicAccessPrevention',
          { enforce: true },
          { enforce: false, condition: { title: 'public website buckets', expression: "resource.matchTag('482619307715/exposure', 'public')" } },
        ),
        'compute.vmExternalIpAccess': listRules('compute.vmExternalIpAccess', { denyAll: true }, { allowAll: true, condition: { expression: "resource.matchTag('482619307715/net', 'dmz')" } }),
      }),
      expect: [
        ...passes('storage.publicAccessPrevention', 'compute.vmExternalIpAccess'),
        r('storage.publicAccessPrevention', 'fail', 'conditionalException'),
        r('compute.vmExternalIpAccess', 'fail', 'conditionalException'),
      ],
    },
    {
      name: 'enforced only where a condition holds is not enforced',
      objects: secureEffective({
        'compute.requireOsLogin': listRules('compute.requireOsLogin', { enforce: true, condition: { expression: "resource.matchTag('482619307715/env', 'prod')" } }),
      }),
      expect: [...passes('compute.requireOsLogin'), r('compute.requireOsLogin', 'fail', 'notEnforced')],
    },
  ],
  error: [
    {
      name: 'baseline constraints missing from the evidence cannot be judged',
      objects: [effective('compute.requireOsLogin', fixture('gcpdiag-gce3-effective-requireOsLogin.v1.json'))],
      expect: [r('compute.requireOsLogin', 'fail', 'notEnforced'), ...missing('compute.requireOsLogin')],
    },
    {
      name: 'a project known only from its IAM policy: one error for the project',
      objects: [iamPolicy(cleanIamBody())],
      expect: [{ kind: 'Project', name: `projects/${PROJECT}`, status: 'error', messageId: 'projectEvidenceMissing' }],
    },
    {
      name: 'PERMISSION_DENIED answer stored as evidence, with the collector gap',
      objects: [effective('compute.requireOsLogin', permissionDenied('orgpolicy.policy.get', `projects/${PROJECT}/policies/compute.requireOsLogin`)), ...secureEffective().slice(1)],
      gaps: [{ id: 'gap-gcp-denied', reason: 'access-denied', kinds: ['GcpEffectivePolicy'], message: 'getEffectivePolicy was denied' }],
      expect: [
        r('compute.requireOsLogin', 'error', 'unreadable'),
        ...passes('compute.requireOsLogin').map((e) => ({ ...e, status: 'error' as const })),
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a body that does not match the Org Policy schema is a gap, never a pass',
      objects: secureEffective({ 'sql.restrictPublicIp': v2Policy('sql.restrictPublicIp', { rules: 'enforce' }) }),
      expect: [
        r('sql.restrictPublicIp', 'error', 'evidenceMissing'),
        ...passes('sql.restrictPublicIp').map((e) => ({ ...e, status: 'error' as const })),
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'no Google Cloud evidence for the target',
      objects: [],
      expect: [{ kind: 'Cluster', status: 'not_applicable', messageId: 'meshNotPresent' }],
    },
  ],
});

describe('gcp-orgpolicy-constraints-enforced messages', () => {
  const run = (objects: unknown[]) => runCase(gcpOrgpolicyConstraintsEnforced, { name: 'x', objects, expect: [] });
  const message = (objects: unknown[], constraint: string): string => run(objects).find((x) => x.resource.name.endsWith(`/${constraint}`))?.message ?? '';

  it('names the v1 empty-object trap', () => {
    expect(message(secureEffective({ 'compute.requireOsLogin': fixture('gcpdiag-gce3-effective-requireOsLogin.v1.json') }), 'compute.requireOsLogin')).toBe(
      `Constraint compute.requireOsLogin is not in force on project ${PROJECT}, so it is not guaranteed that VM instances require OS Login for SSH: booleanPolicy is {} (enforced is absent, which means false).`,
    );
  });

  it('says a dry run is not enforced and cites the listed policy', () => {
    const results = run([...secureEffective({ 'compute.requireOsLogin': v2Policy('compute.requireOsLogin', undefined) }), policyList({ policies: [DRY_RUN_OS_LOGIN] })]);
    const dry = results.find((x) => x.messageId === 'dryRunOnly');
    expect(dry?.message).toContain('dryRunSpec.rules[0].enforce is true');
    expect(dry?.message).toContain('a dry run is not enforced');
    expect(dry?.evidence).toHaveLength(2);
  });

  it('explains list verdicts by the constraint meaning', () => {
    expect(message(secureEffective(), 'compute.vmExternalIpAccess')).toContain('spec.rules[0] denies all values, so no VM instance may have an external IP address');
    expect(message(secureEffective({ 'gcp.restrictTLSVersion': listRules('gcp.restrictTLSVersion', { values: { deniedValues: ['TLS_VERSION_1'] } }) }), 'gcp.restrictTLSVersion')).toContain(
      'TLS_VERSION_1_1 is still allowed',
    );
    expect(message(secureEffective({ 'iam.disableServiceAccountKeyCreation': NOT_FOUND }), 'iam.disableServiceAccountKeyCreation')).toContain('getEffectivePolicy answered NOT_FOUND');
  });

  it('cites evidence on every result, including missing-evidence errors', () => {
    const results = run([iamPolicy(cleanIamBody()), effective('compute.requireOsLogin', enforced('compute.requireOsLogin'))]);
    expect(results).toHaveLength(GCP_BASELINE_CONSTRAINTS.length);
    for (const x of results) expect(x.evidence.length, x.message).toBeGreaterThan(0);
  });

  it('judges each project on its own', () => {
    const results = run([...secureEffective(), ...secureEffective({ 'sql.restrictPublicIp': NOT_FOUND }, 'acme-payments-dev')]);
    expect(results.filter((x) => x.status === 'fail').map((x) => x.resource.name)).toEqual(['projects/acme-payments-dev/policies/sql.restrictPublicIp']);
    expect(results).toHaveLength(2 * GCP_BASELINE_CONSTRAINTS.length);
  });
});
