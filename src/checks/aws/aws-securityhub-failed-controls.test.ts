import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../evaluate.ts';
import { describeCheck, inventoryOf } from '../tester.ts';
import { ACCOUNT, EU, OTHER_ACCOUNT, US, awsObject, findings, fixture, hub, hubNotEnabled, identity } from '../../../test/collectors/aws/aws-objects.ts';
import { awsSecurityhubFailedControls } from './aws-securityhub-failed-controls.ts';

const region = (r: string, account = ACCOUNT): { kind: string; namespace: string; name: string } => ({ kind: 'SecurityHubControls', namespace: `${account}/${r}`, name: `${account}/${r}` });
const control = (id: string, r = EU, account = ACCOUNT): { kind: string; namespace: string; name: string } => ({ kind: 'SecurityHubControl', namespace: `${account}/${r}`, name: id });
const NOW = new Date('2026-11-22T12:00:00Z');

describeCheck(awsSecurityhubFailedControls, {
  pass: [
    {
      name: 'no ACTIVE FAILED finding in the region',
      objects: [identity(), hub(), findings([])],
      expect: [{ ...region(EU), status: 'pass', messageId: 'noFailedControls' }],
    },
    {
      name: 'aws-cli get-findings Example 1 without its NextToken: PASSED and ARCHIVED (stale), so nothing fails',
      objects: [identity(), awsObject('AwsSecurityHubFindings', ACCOUNT, 'us-west-1', { ...fixture('securityhub-get-findings-example1.json'), NextToken: undefined }, 'example1.json')],
      expect: [{ ...region('us-west-1'), status: 'pass', messageId: 'noFailedControls' }],
    },
    {
      name: 'an ARCHIVED FAILED finding is stale and does not count',
      objects: [identity(), hub(), findings([{ control: 'S3.5', recordState: 'ARCHIVED', requirements: ['PCI DSS v4.0.1/4.2.1'] }, { control: 'IAM.6', status: 'PASSED' }])],
      expect: [{ ...region(EU), status: 'pass', messageId: 'noFailedControls' }],
    },
  ],
  fail: [
    {
      name: 'aws-sdk-js-v3 GetFindings example: CloudTrail.2 FAILED, ACTIVE, MEDIUM, related PCI DSS 3.4',
      objects: [identity(), hub(ACCOUNT, 'us-east-2'), awsObject('AwsSecurityHubFindings', ACCOUNT, 'us-east-2', fixture('sdkjs-securityhub-get-findings-example.json'), '1')],
      expect: [{ ...control('CloudTrail.2', 'us-east-2'), status: 'fail', messageId: 'controlFailed' }],
    },
    {
      name: 'failures grouped per control, with the worst severity; other regions still pass',
      objects: [
        identity(),
        hub(ACCOUNT, EU),
        hub(ACCOUNT, US),
        findings([
          { control: 'S3.8', n: 1, severity: 'HIGH', requirements: ['PCI DSS v4.0.1/1.4.4', 'NIST.800-53.r5 AC-21'] },
          { control: 'S3.8', n: 2, severity: 'CRITICAL', requirements: ['PCI DSS v4.0.1/7.2.1'] },
          { control: 'EC2.19', n: 3, severity: 'LOW' },
        ]),
        findings([], ACCOUNT, US),
      ],
      expect: [
        { ...control('EC2.19'), status: 'fail', messageId: 'controlFailed' },
        { ...control('S3.8'), status: 'fail', messageId: 'controlFailed' },
        { ...region(US), status: 'pass', messageId: 'noFailedControls' },
      ],
    },
    {
      name: 'a SUPPRESSED finding is still a failed control (a warning says why)',
      objects: [identity(), hub(), findings([{ control: 'IAM.6', workflow: 'SUPPRESSED', severity: 'CRITICAL' }])],
      expect: [{ ...control('IAM.6'), status: 'fail', messageId: 'controlFailed', warning: true }],
    },
    {
      name: 'cross-region aggregation: findings listed in the aggregation region are judged where they are from, once',
      objects: [
        identity(),
        hub(ACCOUNT, US),
        findings([{ control: 'KMS.4', region: EU }, { control: 'KMS.4', region: US, n: 2 }], ACCOUNT, US),
        findings([{ control: 'KMS.4', region: EU }], ACCOUNT, EU),
        hub(ACCOUNT, EU),
      ],
      expect: [
        { ...control('KMS.4', EU), status: 'fail', messageId: 'controlFailed' },
        { ...control('KMS.4', US), status: 'fail', messageId: 'controlFailed' },
      ],
    },
    {
      name: 'a delegated administrator sees member-account findings: judged under the member account',
      objects: [identity(), hub(), findings([{ control: 'Config.1', account: OTHER_ACCOUNT }])],
      expect: [
        { ...region(EU), status: 'pass', messageId: 'noFailedControls' },
        { ...control('Config.1', EU, OTHER_ACCOUNT), status: 'fail', messageId: 'controlFailed' },
      ],
    },
  ],
  error: [
    {
      name: 'Security Hub not enabled: control status is unknown, not compliant',
      objects: [identity(), hubNotEnabled()],
      expect: [{ ...region(EU), status: 'error', messageId: 'hubNotEnabled' }],
    },
    {
      name: 'GetFindings denied in the region',
      objects: [identity(), hub()],
      gaps: [{ id: 'gap-findings', reason: 'access-denied', kinds: ['AwsSecurityHubFindings'], namespace: `${ACCOUNT}/${EU}`, message: 'missing IAM permission securityhub:GetFindings in eu-west-1' }],
      expect: [
        { ...region(EU), status: 'error', messageId: 'findingsMissing' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'aws-cli get-findings Example 1 as printed (--max-items 1, NextToken): truncated, so no pass',
      objects: [identity(), awsObject('AwsSecurityHubFindings', ACCOUNT, 'us-west-1', fixture('securityhub-get-findings-example1.json'), 'example1.json')],
      expect: [
        { ...region('us-west-1'), status: 'error', messageId: 'noFailedControls' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'paging stopped part-way (throttled): the pages read pass nothing',
      objects: [identity(), hub(), findings([], ACCOUNT, EU, '1', 'page-2')],
      gaps: [{ id: 'gap-aws-findings', reason: 'api-error', kinds: ['AwsSecurityHubFindings'], namespace: `${ACCOUNT}/${EU}`, message: 'securityhub:GetFindings in eu-west-1 still throttled after 4 attempt(s)' }],
      expect: [
        { ...region(EU), status: 'error', messageId: 'noFailedControls' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('aws-securityhub-failed-controls messages', () => {
  it('names the control, severity, resources and the related PCI DSS requirements, and overrides the severity', () => {
    const inv = inventoryOf([
      identity(),
      hub(),
      findings([
        { control: 'S3.8', n: 1, severity: 'HIGH', requirements: ['PCI DSS v4.0.1/1.4.4', 'NIST.800-53.r5 AC-21'] },
        { control: 'S3.8', n: 2, severity: 'CRITICAL', requirements: ['PCI DSS v4.0.1/7.2.1'] },
      ]),
    ]);
    const [r] = evaluateCheck(awsSecurityhubFailedControls, inv, NOW);
    expect(r?.severity).toBe('critical');
    expect(r?.message).toBe(
      'Security Hub control S3.8 fails in 123456789012/eu-west-1 (CRITICAL): 2 active FAILED findings on 2 resources. S3.8 control title. Related PCI DSS requirements: PCI DSS v4.0.1/1.4.4, PCI DSS v4.0.1/7.2.1.',
    );
  });

  it('the aws-sdk-js-v3 example cites PCI DSS v3.2.1/3.4 at MEDIUM', () => {
    const inv = inventoryOf([identity(), awsObject('AwsSecurityHubFindings', ACCOUNT, 'us-east-2', fixture('sdkjs-securityhub-get-findings-example.json'), '1')]);
    const [r] = evaluateCheck(awsSecurityhubFailedControls, inv, NOW).filter((x) => x.status === 'fail');
    expect(r?.severity).toBe('medium');
    expect(r?.message).toContain('Related PCI DSS requirements: PCI DSS v3.2.1/3.4.');
    expect(r?.message).toContain('on 1 resource.');
  });
});
