import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../evaluate.ts';
import { describeCheck, inventoryOf } from '../tester.ts';
import { ACCOUNT, EU, US, awsObject, fixture, hub, hubNotEnabled, identity, recorders, recorderStatus } from '../../../test/collectors/aws/aws-objects.ts';
import { awsSecurityhubEnabled } from './aws-securityhub-enabled.ts';

const scope = (region: string, account = ACCOUNT): { kind: string; namespace: string; name: string } => ({ kind: 'SecurityHub', namespace: `${account}/${region}`, name: `${account}/${region}` });
const denied = (region: string): { id: string; reason: 'access-denied'; kinds: string[]; namespace: string; message: string } => ({
  id: `gap-aws-${ACCOUNT}-${region}-describehub`,
  reason: 'access-denied',
  kinds: ['AwsSecurityHubHub'],
  namespace: `${ACCOUNT}/${region}`,
  message: `missing IAM permission securityhub:DescribeHub in ${region} (account ${ACCOUNT}): AccessDeniedException 403: not authorized`,
});

describeCheck(awsSecurityhubEnabled, {
  pass: [
    {
      name: 'aws-cli describe-hub example: HubArn present means enabled',
      objects: [identity(), awsObject('AwsSecurityHubHub', ACCOUNT, 'us-west-1', fixture('securityhub-describe-hub.json'))],
      expect: [{ ...scope('us-west-1'), status: 'pass', messageId: 'enabled' }],
    },
    {
      name: 'enabled in both regions in scope: one result per account/region',
      objects: [identity(), hub(ACCOUNT, EU), hub(ACCOUNT, US)],
      expect: [
        { ...scope(EU), status: 'pass', messageId: 'enabled' },
        { ...scope(US), status: 'pass', messageId: 'enabled' },
      ],
    },
  ],
  fail: [
    {
      name: 'DescribeHub InvalidAccessException (not subscribed) is data: Security Hub is off',
      objects: [identity(), hubNotEnabled(ACCOUNT, EU)],
      expect: [{ ...scope(EU), status: 'fail', messageId: 'notEnabled' }],
    },
    {
      name: 'enabled in one region, not in the other',
      objects: [identity(), hub(ACCOUNT, US), hubNotEnabled(ACCOUNT, EU)],
      expect: [
        { ...scope(EU), status: 'fail', messageId: 'notEnabled' },
        { ...scope(US), status: 'pass', messageId: 'enabled' },
      ],
    },
  ],
  error: [
    {
      name: 'a region in scope with Config evidence but no DescribeHub response',
      objects: [identity(), recorders([{}], ACCOUNT, EU), recorderStatus([{}], ACCOUNT, EU)],
      expect: [{ ...scope(EU), status: 'error', messageId: 'hubMissing' }],
    },
    {
      name: 'DescribeHub denied: the region still gets a result, an error naming the IAM action',
      objects: [identity()],
      gaps: [denied(EU)],
      expect: [
        { ...scope(EU), status: 'error', messageId: 'hubMissing' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a stored DescribeHub error other than InvalidAccessException proves nothing',
      objects: [identity(), awsObject('AwsSecurityHubHub', ACCOUNT, EU, { Error: { Code: 'InternalException', Message: 'Internal service error' } })],
      expect: [{ ...scope(EU), status: 'error', messageId: 'hubError' }],
    },
    {
      name: 'GetCallerIdentity failed: no account, no region, never silence',
      objects: [awsObject('AwsCallerIdentity', 'unknown', 'global', { Error: { Code: 'InvalidClientTokenId', Message: 'The security token included in the request is invalid.' } })],
      gaps: [{ id: 'gap-aws-sts-get-caller-identity', reason: 'access-denied', kinds: ['AwsCallerIdentity', 'AwsSecurityHubHub'], message: 'sts:GetCallerIdentity failed' }],
      expect: [
        { kind: 'AwsAccount', name: 'unknown', status: 'error', messageId: 'noScope' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'no AWS evidence for this target',
      objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }],
      expect: [{ kind: 'Cluster', status: 'not_applicable', messageId: 'meshNotPresent' }],
    },
  ],
});

describe('aws-securityhub-enabled: a gap in one region leaves the other regions judged', () => {
  it('DescribeHub denied in eu-west-1 does not turn us-east-1 into an error', () => {
    const inv = inventoryOf([identity(), hub(ACCOUNT, US)], [denied(EU)]);
    const results = evaluateCheck(awsSecurityhubEnabled, inv, new Date('2026-11-22T12:00:00Z'));
    expect(results.map((r) => `${r.status}:${r.resource.name}:${r.messageId}`)).toEqual([
      `error:${ACCOUNT}/${EU}:hubMissing`,
      `pass:${ACCOUNT}/${US}:enabled`,
      'error:test-cluster:evidenceGap',
    ]);
    expect(results[0]?.message).toContain('missing IAM permission securityhub:DescribeHub in eu-west-1');
    expect(results.every((r) => r.evidence.length > 0 || r.messageId === 'evidenceGap')).toBe(true);
  });
});
