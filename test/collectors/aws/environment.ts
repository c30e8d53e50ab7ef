import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { AwsClientFactory } from '../../../src/collectors/aws/clients.ts';
import {
  ACCOUNT,
  CIS_V3,
  FSBP,
  PCI_V4,
  configRulesBody,
  controlsBody,
  findingBody,
  fixture,
  hubBody,
  recorderStatusBody,
  recordersBody,
  rulesBody,
  standardsBody,
} from './aws-objects.ts';
import type { RegionData } from './fake-aws.ts';

// The AWS estate the collector tests and the benchmark read from the fake endpoint.

export const ACCESS_KEY = 'AKIDAUDITPACKTEST01';
export const EU = 'eu-west-1';
export const US = 'us-east-1';
export const US2 = 'us-east-2';
export const ATTEMPTS = 4;

function list(body: Record<string, unknown>, key: string): unknown[] {
  const v = body[key];
  return Array.isArray(v) ? v : [];
}

// eu-west-1: everything on, with failures to find; us-east-2: the aws-sdk-js-v3 GetFindings example
// (CloudTrail.2 FAILED) next to the aws-cli Example 1 finding (ARCHIVED, filtered out by the
// collector's filters); us-east-1: Security Hub not enabled, Config recording without global types.
export function estate(account: string, region: string): RegionData {
  if (account !== ACCOUNT) return {};
  if (region === EU) {
    return {
      // A field the SDK version does not model: the stored evidence must still hold it.
      hub: { ...hubBody(account, region), HubFeatureFlagsPreview: { CentralConfiguration: 'ON' } },
      standards: list(standardsBody([{ standard: PCI_V4 }, { standard: FSBP }, { standard: CIS_V3, status: 'INCOMPLETE', reason: 'NO_AVAILABLE_CONFIGURATION_RECORDER' }], account, region), 'StandardsSubscriptions'),
      controls: {
        [subscription(PCI_V4, account, region)]: list(
          controlsBody(PCI_V4, [
            { control: 'S3.5', requirements: ['PCI DSS v4.0.1/4.2.1'] },
            { control: 'S3.8', requirements: ['PCI DSS v4.0.1/1.4.4', 'PCI DSS v4.0.1/7.2.1'] },
            { control: 'ELB.3', requirements: ['PCI DSS v4.0.1/4.2.1'] },
            { control: 'GuardDuty.1', status: 'DISABLED', reason: '', requirements: ['PCI DSS v4.0.1/11.5.1'] },
          ], account, region),
          'Controls',
        ),
        [subscription(FSBP, account, region)]: list(controlsBody(FSBP, [{ control: 'S3.5' }, { control: 'EKS.1', status: 'DISABLED', reason: 'No EKS clusters (SEC-112)' }], account, region), 'Controls'),
        [subscription(CIS_V3, account, region)]: [],
      },
      findings: [
        findingBody({ control: 'S3.8', n: 1, severity: 'HIGH', requirements: ['PCI DSS v4.0.1/1.4.4'] }),
        findingBody({ control: 'S3.8', n: 2, severity: 'CRITICAL', requirements: ['PCI DSS v4.0.1/7.2.1'] }),
        findingBody({ control: 'IAM.6', n: 3, severity: 'CRITICAL', requirements: ['PCI DSS v4.0.1/8.4.1'] }),
        findingBody({ control: 'EC2.19', n: 4, severity: 'HIGH' }),
        findingBody({ control: 'EC2.19', n: 5, severity: 'HIGH' }),
        findingBody({ control: 'S3.5', n: 6, status: 'PASSED' }),
        findingBody({ control: 'KMS.4', n: 7, status: 'PASSED' }),
        findingBody({ control: 'CloudTrail.1', n: 8, recordState: 'ARCHIVED' }),
      ],
      recorders: list(fixture('configservice-describe-configuration-recorders.json'), 'ConfigurationRecorders'),
      recorderStatus: list(fixture('configservice-describe-configuration-recorder-status.json'), 'ConfigurationRecordersStatus'),
      rules: [
        ...list(fixture('configservice-describe-compliance-by-config-rule.json'), 'ComplianceByConfigRules'),
        ...list(rulesBody([{ name: 'cloudtrail-enabled' }, { name: 's3-bucket-ssl-requests-only' }, { name: 'rds-storage-encrypted', type: 'NOT_APPLICABLE' }]), 'ComplianceByConfigRules'),
      ],
      // What each rule is (DescribeConfigRules): the aws-cli example's two rules are AWS managed
      // rules with names of their own.
      configRules: list(
        configRulesBody(
          [
            { name: 'InstanceTypesAreT2micro', identifier: 'DESIRED_INSTANCE_TYPE' },
            { name: 'RequiredTagsForVolumes', identifier: 'REQUIRED_TAGS' },
            { name: 'cloudtrail-enabled', identifier: 'CLOUD_TRAIL_ENABLED' },
            { name: 's3-bucket-ssl-requests-only', identifier: 'S3_BUCKET_SSL_REQUESTS_ONLY', createdBy: 'config-conforms.amazonaws.com' },
            { name: 'rds-storage-encrypted', identifier: 'RDS_STORAGE_ENCRYPTED' },
          ],
          account,
          region,
        ),
        'ConfigRules',
      ),
      // The AWS sample "Operational Best Practices for PCI DSS" pack holding two of the rules.
      packs: [{ ConformancePackName: 'OrgPCI-DSS-4', ConformancePackArn: `arn:aws:config:${region}:${account}:conformance-pack/OrgPCI-DSS-4/conformance-pack-abcd1234`, ConformancePackId: 'conformance-pack-abcd1234', LastUpdateRequestedTime: 1763193834.344 }],
      packRules: {
        'OrgPCI-DSS-4': [
          { ConfigRuleName: 's3-bucket-ssl-requests-only', ComplianceType: 'COMPLIANT', Controls: [] },
          { ConfigRuleName: 'cloudtrail-enabled', ComplianceType: 'COMPLIANT', Controls: [] },
        ],
      },
    };
  }
  if (region === US2) {
    const example1 = list(fixture('securityhub-get-findings-example1.json'), 'Findings');
    return {
      hub: hubBody(account, region),
      standards: list(standardsBody([{ standard: FSBP }], account, region), 'StandardsSubscriptions'),
      controls: { [subscription(FSBP, account, region)]: list(controlsBody(FSBP, [{ control: 'CloudTrail.2' }], account, region), 'Controls') },
      findings: [...list(fixture('sdkjs-securityhub-get-findings-example.json'), 'Findings'), ...example1],
      recorders: list(recordersBody([{ includeGlobal: false }], account), 'ConfigurationRecorders'),
      recorderStatus: list(recorderStatusBody([{ lastStatus: 'Success' }]), 'ConfigurationRecordersStatus'),
      rules: list(rulesBody([{ name: 'cloudtrail-enabled' }]), 'ComplianceByConfigRules'),
      configRules: list(configRulesBody([{ name: 'cloudtrail-enabled', identifier: 'CLOUD_TRAIL_ENABLED' }], account, region), 'ConfigRules'),
    };
  }
  if (region === US) {
    return {
      hub: 'not-enabled',
      recorders: list(recordersBody([{ includeGlobal: false }], account), 'ConfigurationRecorders'),
      recorderStatus: list(recorderStatusBody([{ recording: true, lastStatus: 'PENDING' }]), 'ConfigurationRecordersStatus'),
      rules: [],
    };
  }
  return {};
}

function subscription(standard: string, account: string, region: string): string {
  return `arn:aws:securityhub:${region}:${account}:subscription/${standard}`;
}

// Real SDK clients pointed at the fake endpoint (or, per region, elsewhere), with fast retries.
export function testClients(endpointFor: (region: string) => string, accessKeyId = ACCESS_KEY, attempts = ATTEMPTS): AwsClientFactory {
  return (region) => {
    const common = {
      endpoint: endpointFor(region),
      region,
      credentials: { accessKeyId, secretAccessKey: 'test-secret-key' },
      retryStrategy: new ConfiguredRetryStrategy(attempts, () => 5),
    };
    return { securityHub: new SecurityHubClient(common), config: new ConfigServiceClient(common), sts: new STSClient(common) };
  };
}
