import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../evaluate.ts';
import { describeCheck, inventoryOf } from '../tester.ts';
import { ACCOUNT, EU, FSBP, OTHER_ACCOUNT, PCI_V4, US, awsObject, findings, fixture, hub, hubNotEnabled, identity, standardsControls } from '../../../test/collectors/aws/aws-objects.ts';
import { awsSecurityhubFailedControls } from './aws-securityhub-failed-controls.ts';

const region = (r: string, account = ACCOUNT): { kind: string; namespace: string; name: string } => ({ kind: 'SecurityHubControls', namespace: `${account}/${r}`, name: `${account}/${r}` });
const control = (id: string, r = EU, account = ACCOUNT): { kind: string; namespace: string; name: string } => ({ kind: 'SecurityHubControl', namespace: `${account}/${r}`, name: id });
const NOW = new Date('2026-11-22T12:00:00Z');
const S35 = ['PCI DSS v4.0.1/4.2.1', 'NIST.800-53.r5 AC-17(2)', 'NIST.800-53.r5 SC-8'];

describeCheck(awsSecurityhubFailedControls, {
  pass: [
    {
      name: 'S3.5 PASSED (the only finding): the control passes',
      objects: [identity(), hub(), findings([{ control: 'S3.5', status: 'PASSED', requirements: S35 }])],
      expect: [{ ...control('S3.5'), status: 'pass', messageId: 'controlPassed' }],
    },
    {
      name: 'an ARCHIVED FAILED finding is stale; the ACTIVE PASSED one decides',
      objects: [identity(), hub(), findings([{ control: 'S3.5', recordState: 'ARCHIVED', requirements: S35 }, { control: 'S3.5', n: 2, status: 'PASSED', requirements: S35 }])],
      expect: [{ ...control('S3.5'), status: 'pass', messageId: 'controlPassed' }],
    },
  ],
  fail: [
    {
      name: 'aws-sdk-js-v3 GetFindings example: CloudTrail.2 FAILED, ACTIVE, MEDIUM',
      objects: [identity(), hub(ACCOUNT, 'us-east-2'), awsObject('AwsSecurityHubFindings', ACCOUNT, 'us-east-2', fixture('sdkjs-securityhub-get-findings-example.json'), '1')],
      expect: [{ ...control('CloudTrail.2', 'us-east-2'), status: 'fail', messageId: 'controlFailed' }],
    },
    {
      name: 'one result per control and status: failed, passed, undecided; a region without findings is not a pass',
      objects: [
        identity(),
        hub(ACCOUNT, EU),
        hub(ACCOUNT, US),
        findings([
          { control: 'S3.8', n: 1, severity: 'HIGH', requirements: ['PCI DSS v4.0.1/1.4.4'] },
          { control: 'S3.8', n: 2, severity: 'CRITICAL', status: 'PASSED', requirements: ['PCI DSS v4.0.1/1.4.4'] },
          { control: 'EC2.19', n: 3, status: 'WARNING' },
          { control: 'KMS.4', n: 4, status: 'NOT_AVAILABLE' },
          { control: 'IAM.6', n: 5, status: 'PASSED' },
        ]),
        findings([], ACCOUNT, US),
      ],
      expect: [
        { ...region(US), status: 'error', messageId: 'noControlFindings' },
        { ...control('EC2.19'), status: 'error', messageId: 'controlUndecided' },
        { ...control('IAM.6'), status: 'pass', messageId: 'controlPassed' },
        { ...control('KMS.4'), status: 'error', messageId: 'controlUndecided' },
        { ...control('S3.8'), status: 'fail', messageId: 'controlFailed' },
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
      objects: [identity(), hub(), findings([{ control: 'Config.1', account: OTHER_ACCOUNT }, { control: 'S3.5', status: 'PASSED' }])],
      expect: [
        { ...control('S3.5'), status: 'pass', messageId: 'controlPassed' },
        { ...control('Config.1', EU, OTHER_ACCOUNT), status: 'fail', messageId: 'controlFailed' },
      ],
    },
    {
      name: 'disabled in one standard without a reason but enabled in another: judged by its findings',
      objects: [
        identity(),
        hub(),
        findings([{ control: 'S3.5', status: 'FAILED', requirements: S35 }]),
        standardsControls(PCI_V4, [{ control: 'S3.5', status: 'DISABLED' }]),
        standardsControls(FSBP, [{ control: 'S3.5' }]),
      ],
      expect: [{ ...control('S3.5'), status: 'fail', messageId: 'controlFailed' }],
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
      name: 'aws-cli get-findings Example 1 (PASSED but ARCHIVED, --max-items 1 with NextToken): nothing current, truncated',
      objects: [identity(), awsObject('AwsSecurityHubFindings', ACCOUNT, 'us-west-1', fixture('securityhub-get-findings-example1.json'), 'example1.json')],
      expect: [
        { ...region('us-west-1'), status: 'error', messageId: 'noControlFindings' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'paging stopped part-way (throttled): a PASSED control read so far is not accepted',
      objects: [identity(), hub(), findings([{ control: 'S3.5', status: 'PASSED' }], ACCOUNT, EU, '1', 'page-2')],
      gaps: [{ id: 'gap-aws-findings', reason: 'api-error', kinds: ['AwsSecurityHubFindings'], namespace: `${ACCOUNT}/${EU}`, message: 'securityhub:GetFindings in eu-west-1 still throttled after 4 attempt(s)' }],
      expect: [
        { ...control('S3.5'), status: 'error', messageId: 'controlPassed' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'standard controls: enabled without a finding, disabled without a reason, disabled with one',
      objects: [
        identity(),
        hub(),
        findings([]),
        standardsControls(PCI_V4, [
          { control: 'S3.5', requirements: ['PCI DSS v4.0.1/4.2.1'] },
          { control: 'ELB.3', requirements: ['PCI DSS v4.0.1/4.2.1'] },
          { control: 'GuardDuty.1', status: 'DISABLED', reason: '', requirements: ['PCI DSS v4.0.1/11.5.1'] },
          { control: 'EKS.1', status: 'DISABLED', reason: 'No EKS clusters in this account (ticket SEC-112)' },
        ]),
      ],
      expect: [
        { ...control('EKS.1'), status: 'not_applicable', messageId: 'controlDisabled' },
        { ...control('ELB.3'), status: 'error', messageId: 'controlNoFindings' },
        { ...control('GuardDuty.1'), status: 'error', messageId: 'controlDisabledNoReason' },
        { ...control('S3.5'), status: 'error', messageId: 'controlNoFindings' },
      ],
    },
  ],
});

describe('aws-securityhub-failed-controls: the vendor mapping on each result', () => {
  it('a FAILED S3.5 listing PCI DSS v4.0.1/4.2.1 maps to pci-dss-4:4.2.1 only, as supports, with provenance; its finding is the evidence', () => {
    const inv = inventoryOf([identity(), hub(), findings([{ control: 'S3.5', requirements: S35 }])]);
    const results = evaluateCheck(awsSecurityhubFailedControls, inv, NOW);
    expect(results).toHaveLength(1);
    const [r] = results;
    expect(r?.status).toBe('fail');
    expect(r?.evidence).toEqual(['ev-test-002']);
    expect(r?.mappedControls).toEqual([
      {
        control: 'pci-dss-4:4.2.1',
        strength: 'supports',
        rationale: 'AWS Security Hub relates control S3.5 to PCI DSS v4.0.1 requirement 4.2.1; the control tests one resource configuration the requirement covers, not the whole requirement.',
        provenance: 'AWS Security Hub RelatedRequirements',
      },
    ]);
    expect(r?.message).toBe('Security Hub control S3.5 fails in 123456789012/eu-west-1 (MEDIUM): 1 active FAILED finding, 1 of 1 resource failing. S3.5 control title. AWS relates it to PCI DSS v4.0.1 4.2.1.');
    expect(r?.data.findingIds).toBe('arn:aws:securityhub:eu-west-1:123456789012:security-control/S3.5/finding/00000001-5678-90ab-cdef-EXAMPLE11111');
    expect(r?.data.command).toBe(
      `aws securityhub get-findings --region eu-west-1 --filters '{"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}],"AwsAccountId":[{"Value":"123456789012","Comparison":"EQUALS"}],"ComplianceSecurityControlId":[{"Value":"S3.5","Comparison":"EQUALS"}]}' --output json`,
    );
  });

  it('the same estate with S3.5 PASSED: a passing result on the same requirement', () => {
    const [r] = evaluateCheck(awsSecurityhubFailedControls, inventoryOf([identity(), hub(), findings([{ control: 'S3.5', status: 'PASSED', requirements: S35 }])]), NOW);
    expect(r?.status).toBe('pass');
    expect(r?.mappedControls?.map((m) => m.control)).toEqual(['pci-dss-4:4.2.1']);
  });

  it('PCI DSS v3.2.1 requirements (the aws-sdk-js-v3 example) and NIST ids are not mapped onto PCI DSS v4.0.1', () => {
    const inv = inventoryOf([identity(), awsObject('AwsSecurityHubFindings', ACCOUNT, 'us-east-2', fixture('sdkjs-securityhub-get-findings-example.json'), '1')]);
    const [r] = evaluateCheck(awsSecurityhubFailedControls, inv, NOW).filter((x) => x.status === 'fail');
    expect(r?.severity).toBe('medium');
    expect(r?.mappedControls).toEqual([]);
    expect(r?.message).toContain('1 of 1 resource failing');
  });

  it('requirements from findings and from the standard association are merged, malformed ids dropped', () => {
    const inv = inventoryOf([
      identity(),
      hub(),
      findings([
        { control: 'S3.8', n: 1, severity: 'HIGH', requirements: ['PCI DSS v4.0.1/1.4.4', 'PCI DSS v4.0.1/not-an-id'] },
        { control: 'S3.8', n: 2, severity: 'CRITICAL', status: 'PASSED', requirements: ['PCI DSS v4.0.1/7.2.1'] },
      ]),
      standardsControls(PCI_V4, [{ control: 'S3.8', requirements: ['PCI DSS v4.0.1/1.4.4', 'PCI DSS v4.0.1/10.2.1.1'] }]),
    ]);
    const [r] = evaluateCheck(awsSecurityhubFailedControls, inv, NOW);
    expect(r?.severity).toBe('high');
    expect(r?.mappedControls?.map((m) => m.control)).toEqual(['pci-dss-4:1.4.4', 'pci-dss-4:7.2.1', 'pci-dss-4:10.2.1.1']);
    expect(r?.evidence).toEqual(['ev-test-002', 'ev-test-003']);
    expect(r?.message).toContain('1 of 2 resources failing');
  });

  it('a result on a scope (hub off, findings missing) carries no mapping', () => {
    const results = evaluateCheck(awsSecurityhubFailedControls, inventoryOf([identity(), hubNotEnabled()]), NOW);
    expect(results.every((r) => r.mappedControls === undefined)).toBe(true);
  });
});
