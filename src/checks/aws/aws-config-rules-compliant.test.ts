import { describe, expect, it } from 'vitest';
import { evaluateCheck } from '../evaluate.ts';
import { describeCheck, inventoryOf } from '../tester.ts';
import { ACCOUNT, EU, US, awsObject, configRules, fixture, identity, rules } from '../../../test/collectors/aws/aws-objects.ts';
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
    {
      name: 'a Security Hub rule recognised by CreatedBy (DescribeConfigRules) even when renamed without the securityhub- prefix',
      objects: [
        identity(),
        rules([{ name: 'hub-s3-ssl', type: 'NON_COMPLIANT', count: 1 }, { name: 'cloudtrail-enabled' }]),
        configRules([{ name: 'hub-s3-ssl', identifier: 'S3_BUCKET_SSL_REQUESTS_ONLY', createdBy: 'securityhub.amazonaws.com' }, { name: 'cloudtrail-enabled', identifier: 'CLOUD_TRAIL_ENABLED' }]),
      ],
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
  it('names the managed-rule identifier from DescribeConfigRules, keeps it in the data for the mapping table, and cites the record', () => {
    const inv = inventoryOf([
      identity(),
      rules([{ name: 's3-ssl-conformance-pack-x1y2', type: 'NON_COMPLIANT', count: 2 }, { name: 'my-lambda-check' }, { name: 'undescribed' }]),
      configRules([{ name: 's3-ssl-conformance-pack-x1y2', identifier: 'S3_BUCKET_SSL_REQUESTS_ONLY', createdBy: 'config-conforms.amazonaws.com' }, { name: 'my-lambda-check', owner: 'CUSTOM_LAMBDA', identifier: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:check` }]),
    ]);
    const results = evaluateCheck(awsConfigRulesCompliant, inv, new Date('2026-11-22T12:00:00Z'));
    expect(results.map((r) => [r.resource.name, r.data.sourceIdentifier, r.message])).toEqual([
      ['my-lambda-check', '', `AWS Config rule my-lambda-check (custom rule) in ${ACCOUNT}/eu-west-1 is compliant.`],
      ['s3-ssl-conformance-pack-x1y2', 'S3_BUCKET_SSL_REQUESTS_ONLY', `AWS Config rule s3-ssl-conformance-pack-x1y2 (AWS managed rule S3_BUCKET_SSL_REQUESTS_ONLY) in ${ACCOUNT}/eu-west-1 is NON_COMPLIANT for 2 resources.`],
      ['undescribed', '', `AWS Config rule undescribed in ${ACCOUNT}/eu-west-1 is compliant.`],
    ]);
    // The rule's own compliance record and its DescribeConfigRules record are both its evidence.
    expect(results[1]?.evidence).toHaveLength(2);
  });

  it('states exact and capped counts', () => {
    const inv = inventoryOf([identity(), rules([{ name: 'a-rule', type: 'NON_COMPLIANT', count: 3 }, { name: 'b-rule', type: 'NON_COMPLIANT', count: 100, capExceeded: true }])]);
    const messages = evaluateCheck(awsConfigRulesCompliant, inv, new Date('2026-11-22T12:00:00Z')).map((r) => r.message);
    expect(messages).toEqual([
      'AWS Config rule a-rule in 123456789012/eu-west-1 is NON_COMPLIANT for 3 resources.',
      'AWS Config rule b-rule in 123456789012/eu-west-1 is NON_COMPLIANT for more than 100 resources (the count is capped).',
    ]);
  });
});
