import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../evaluate.ts';
import { describeCheck, inventoryOf } from '../tester.ts';
import { ACCOUNT, EU, US, awsObject, fixture, identity, rules } from '../../../test/collectors/aws/aws-objects.ts';
import { awsConfigRulesCompliant } from './aws-config-rules-compliant.ts';

const rule = (name: string, region = EU): { kind: string; namespace: string; name: string } => ({ kind: 'ConfigRule', namespace: `${ACCOUNT}/${region}`, name });
const regionRes = (region = EU): { kind: string; namespace: string; name: string } => ({ kind: 'ConfigRules', namespace: `${ACCOUNT}/${region}`, name: `${ACCOUNT}/${region}` });

describeCheck(awsConfigRulesCompliant, {
  pass: [
    {
      name: 'every rule COMPLIANT',
      objects: [identity(), rules([{ name: 's3-bucket-ssl-requests-only' }, { name: 'iam-root-access-key-check' }])],
      expect: [
        { ...rule('iam-root-access-key-check'), status: 'pass', messageId: 'compliant' },
        { ...rule('s3-bucket-ssl-requests-only'), status: 'pass', messageId: 'compliant' },
      ],
    },
    {
      name: 'rules over two pages; NOT_APPLICABLE is not a pass but not a failure either',
      objects: [identity(), rules([{ name: 'rds-storage-encrypted', type: 'NOT_APPLICABLE' }], ACCOUNT, EU, '1', 'cfg2'), rules([{ name: 'cloudtrail-enabled' }], ACCOUNT, EU, '2')],
      expect: [
        { ...rule('cloudtrail-enabled'), status: 'pass', messageId: 'compliant' },
        { ...rule('rds-storage-encrypted'), status: 'not_applicable', messageId: 'notApplicable' },
      ],
    },
    {
      name: 'a Security Hub service-linked rule (securityhub-…) is judged once, under Security Hub, even when NON_COMPLIANT',
      objects: [identity(), rules([{ name: 'securityhub-s3-bucket-ssl-requests-only-3f9a1c', type: 'NON_COMPLIANT', count: 2 }, { name: 'cloudtrail-enabled' }])],
      expect: [{ ...rule('cloudtrail-enabled'), status: 'pass', messageId: 'compliant' }],
    },
  ],
  notApplicable: [
    {
      name: 'only Security Hub rules in the region: nothing for this check to judge, and no "no rules" failure',
      objects: [identity(), rules([{ name: 'securityhub-s3-bucket-ssl-requests-only-3f9a1c', type: 'NON_COMPLIANT', count: 2 }, { name: 'securityhub-iam-root-access-key-check-a1b2c3' }])],
      expect: [{ ...regionRes(), status: 'not_applicable', messageId: 'onlySecurityHubRules' }],
    },
  ],
  fail: [
    {
      name: 'aws-cli describe-compliance-by-config-rule example: two NON_COMPLIANT rules with exact counts',
      objects: [identity(), awsObject('AwsConfigRuleCompliance', ACCOUNT, 'us-west-1', fixture('configservice-describe-compliance-by-config-rule.json'), '1')],
      expect: [
        { ...rule('InstanceTypesAreT2micro', 'us-west-1'), status: 'fail', messageId: 'nonCompliant' },
        { ...rule('RequiredTagsForVolumes', 'us-west-1'), status: 'fail', messageId: 'nonCompliant' },
      ],
    },
    {
      name: 'a capped count (CapExceeded) is reported as more than 100',
      objects: [identity(), rules([{ name: 'ec2-ebs-encryption-by-default', type: 'NON_COMPLIANT', count: 100, capExceeded: true }, { name: 'vpc-flow-logs-enabled' }])],
      expect: [
        { ...rule('ec2-ebs-encryption-by-default'), status: 'fail', messageId: 'nonCompliant' },
        { ...rule('vpc-flow-logs-enabled'), status: 'pass', messageId: 'compliant' },
      ],
    },
    {
      name: 'a region with no rules evaluates nothing',
      objects: [identity(), rules([], ACCOUNT, US), rules([{ name: 'cloudtrail-enabled' }])],
      expect: [
        { ...rule('cloudtrail-enabled'), status: 'pass', messageId: 'compliant' },
        { ...regionRes(US), status: 'fail', messageId: 'noRules' },
      ],
    },
  ],
  error: [
    {
      name: 'INSUFFICIENT_DATA proves nothing',
      objects: [identity(), rules([{ name: 'guardduty-enabled-centralized', type: 'INSUFFICIENT_DATA' }])],
      expect: [{ ...rule('guardduty-enabled-centralized'), status: 'error', messageId: 'insufficientData' }],
    },
    {
      name: 'a rule without Compliance in the response',
      objects: [identity(), awsObject('AwsConfigRuleCompliance', ACCOUNT, EU, { ComplianceByConfigRules: [{ ConfigRuleName: 'new-rule' }] }, '1')],
      expect: [{ ...rule('new-rule'), status: 'error', messageId: 'complianceUnknown' }],
    },
    {
      name: 'DescribeComplianceByConfigRule denied',
      objects: [identity()],
      gaps: [{ id: 'gap-rules', reason: 'access-denied', kinds: ['AwsConfigRuleCompliance'], namespace: `${ACCOUNT}/${EU}`, message: 'missing IAM permission config:DescribeComplianceByConfigRule in eu-west-1' }],
      expect: [
        { ...regionRes(EU), status: 'error', messageId: 'complianceMissing' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a body that does not match the schema is a gap for that region',
      objects: [identity(), awsObject('AwsConfigRuleCompliance', ACCOUNT, EU, { ComplianceByConfigRules: [{ ConfigRuleName: 42 }] }, '1')],
      expect: [
        { ...regionRes(EU), status: 'error', messageId: 'complianceMissing' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('aws-config-rules-compliant messages', () => {
  it('states exact and capped counts', () => {
    const inv = inventoryOf([identity(), rules([{ name: 'a-rule', type: 'NON_COMPLIANT', count: 3 }, { name: 'b-rule', type: 'NON_COMPLIANT', count: 100, capExceeded: true }])]);
    const messages = evaluateCheck(awsConfigRulesCompliant, inv, new Date('2026-11-22T12:00:00Z')).map((r) => r.message);
    expect(messages).toEqual([
      'AWS Config rule a-rule in 123456789012/eu-west-1 is NON_COMPLIANT for 3 resources.',
      'AWS Config rule b-rule in 123456789012/eu-west-1 is NON_COMPLIANT for more than 100 resources (the count is capped).',
    ]);
  });
});
