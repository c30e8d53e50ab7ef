import { readFileSync } from 'node:fs';
import { AWS_API_VERSION, awsRecordName, type AwsKind } from '../../../src/inventory/aws/kinds.ts';

// Realistic AWS evidence for tests: response bodies shaped like the AWS docs and aws-cli examples
// (test/fixtures/aws), wrapped the way src/pipeline/load-evidence.ts hands API responses to the
// inventory ({ apiVersion: 'http.auditpack.io/v1', kind, metadata: { name }, body }).

export const ACCOUNT = '123456789012';
export const OTHER_ACCOUNT = '210987654321';
export const EU = 'eu-west-1';
export const US = 'us-east-1';

export function fixtureText(name: string): string {
  return readFileSync(new URL(`../../fixtures/aws/${name}`, import.meta.url), 'utf8');
}

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

export function awsObject(kind: AwsKind, account: string, region: string, body: unknown, part?: string): unknown {
  return { apiVersion: AWS_API_VERSION, kind, metadata: { name: awsRecordName(kind, account, region, part) }, body };
}

export function identityBody(account = ACCOUNT): Record<string, unknown> {
  return { UserId: 'AROAEXAMPLEROLEID1234:auditpack', Account: account, Arn: `arn:aws:sts::${account}:assumed-role/auditpack-audit/auditpack` };
}

export function identity(account = ACCOUNT): unknown {
  return awsObject('AwsCallerIdentity', account, 'global', identityBody(account));
}

export function hubBody(account = ACCOUNT, region = EU): Record<string, unknown> {
  return { HubArn: `arn:aws:securityhub:${region}:${account}:hub/default`, SubscribedAt: '2024-03-11T09:12:44.046Z', AutoEnableControls: true, ControlFindingGenerator: 'SECURITY_CONTROL' };
}

export function hub(account = ACCOUNT, region = EU): unknown {
  return awsObject('AwsSecurityHubHub', account, region, hubBody(account, region));
}

export function hubNotEnabledBody(account = ACCOUNT): Record<string, unknown> {
  return { Error: { Code: 'InvalidAccessException', Message: `Account ${account} is not subscribed to AWS Security Hub`, HttpStatusCode: 401 } };
}

export function hubNotEnabled(account = ACCOUNT, region = EU): unknown {
  return awsObject('AwsSecurityHubHub', account, region, hubNotEnabledBody(account));
}

export interface StandardSpec {
  standard: string;
  status?: string;
  reason?: string;
}

export const PCI_V4 = 'pci-dss/v/4.0.1';
export const FSBP = 'aws-foundational-security-best-practices/v/1.0.0';
export const CIS_V3 = 'cis-aws-foundations-benchmark/v/3.0.0';
export const NIST = 'nist-800-53/v/5.0.0';

export function standardsBody(specs: readonly StandardSpec[], account = ACCOUNT, region = EU, nextToken?: string): Record<string, unknown> {
  return {
    StandardsSubscriptions: specs.map((s) => ({
      StandardsSubscriptionArn: `arn:aws:securityhub:${region}:${account}:subscription/${s.standard}`,
      StandardsArn: `arn:aws:securityhub:${region}::standards/${s.standard}`,
      StandardsInput: {},
      StandardsStatus: s.status ?? 'READY',
      ...(s.reason ? { StandardsStatusReason: { StatusReasonCode: s.reason } } : {}),
      StandardsControlsUpdatable: 'READY_FOR_UPDATES',
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

export function standards(specs: readonly StandardSpec[], account = ACCOUNT, region = EU, page = '1', nextToken?: string): unknown {
  return awsObject('AwsSecurityHubStandards', account, region, standardsBody(specs, account, region, nextToken), page);
}

export interface ControlSpec {
  control: string;
  status?: 'ENABLED' | 'DISABLED';
  reason?: string;
  requirements?: readonly string[];
}

// DescribeStandardsControls response of one standard subscription (aws-cli describe-standards-controls shape).
export function controlsBody(standard: string, specs: readonly ControlSpec[], account = ACCOUNT, region = EU, nextToken?: string): Record<string, unknown> {
  return {
    Controls: specs.map((c) => ({
      StandardsControlArn: `arn:aws:securityhub:${region}:${account}:control/${standard}/${c.control}`,
      ControlStatus: c.status ?? 'ENABLED',
      ...(c.reason !== undefined ? { DisabledReason: c.reason } : {}),
      ControlStatusUpdatedAt: '2026-10-06T02:18:23.076000+00:00',
      ControlId: c.control,
      Title: `${c.control} control title`,
      Description: `This AWS control checks ${c.control}.`,
      RemediationUrl: `https://docs.aws.amazon.com/console/securityhub/${c.control}/remediation`,
      SeverityRating: 'MEDIUM',
      RelatedRequirements: [...(c.requirements ?? [])],
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

export function standardsControls(standard: string, specs: readonly ControlSpec[], account = ACCOUNT, region = EU, page = '1', nextToken?: string): unknown {
  return awsObject('AwsSecurityHubStandardsControls', account, region, controlsBody(standard, specs, account, region, nextToken), `${standard}/${page}`);
}

export interface FindingSpec {
  control: string;
  status?: string;
  recordState?: string;
  severity?: string;
  workflow?: string;
  requirements?: readonly string[];
  resource?: string;
  account?: string;
  region?: string;
  n?: number;
  // The Config rule Security Hub evaluated the control with (ProductFields RelatedAWSResources:0/name).
  configRule?: string;
}

// An ASFF control finding in the consolidated (SECURITY_CONTROL) format, like the aws-sdk-js-v3 example.
export function findingBody(f: FindingSpec): Record<string, unknown> {
  const account = f.account ?? ACCOUNT;
  const region = f.region ?? EU;
  const id = `arn:aws:securityhub:${region}:${account}:security-control/${f.control}/finding/${String(f.n ?? 1).padStart(8, '0')}-5678-90ab-cdef-EXAMPLE11111`;
  const severity = f.severity ?? 'MEDIUM';
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    Region: region,
    GeneratorId: `security-control/${f.control}`,
    AwsAccountId: account,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    FirstObservedAt: '2026-10-06T02:18:23.076Z',
    LastObservedAt: '2026-11-21T16:10:06.956Z',
    CreatedAt: '2026-10-06T02:18:23.076Z',
    UpdatedAt: '2026-11-21T16:10:00.093Z',
    Severity: { Label: severity, Normalized: { CRITICAL: 90, HIGH: 70, MEDIUM: 40, LOW: 1, INFORMATIONAL: 0 }[severity] ?? 0, Original: severity },
    Title: `${f.control} control title`,
    Description: `This AWS control checks ${f.control}.`,
    Remediation: { Recommendation: { Text: 'For directions on how to correct this issue, consult the AWS Security Hub controls documentation.', Url: `https://docs.aws.amazon.com/console/securityhub/${f.control}/remediation` } },
    ProductFields: { ...(f.configRule ? { 'RelatedAWSResources:0/name': f.configRule } : {}), 'RelatedAWSResources:0/type': 'AWS::Config::ConfigRule', 'aws/securityhub/ProductName': 'Security Hub', 'aws/securityhub/CompanyName': 'AWS', 'aws/securityhub/FindingId': `arn:aws:securityhub:${region}::product/aws/securityhub/${id}` },
    Resources: [{ Type: 'AwsS3Bucket', Id: f.resource ?? `arn:aws:s3:::bucket-${f.n ?? 1}`, Partition: 'aws', Region: region }],
    Compliance: {
      Status: f.status ?? 'FAILED',
      SecurityControlId: f.control,
      RelatedRequirements: [...(f.requirements ?? [])],
      AssociatedStandards: [{ StandardsId: 'standards/aws-foundational-security-best-practices/v/1.0.0' }],
    },
    WorkflowState: 'NEW',
    Workflow: { Status: f.workflow ?? 'NEW' },
    RecordState: f.recordState ?? 'ACTIVE',
    FindingProviderFields: { Severity: { Label: severity, Original: severity }, Types: ['Software and Configuration Checks/Industry and Regulatory Standards'] },
  };
}

export function findings(list: readonly FindingSpec[] | readonly Record<string, unknown>[], account = ACCOUNT, region = EU, page = '1', nextToken?: string): unknown {
  const bodies = list.map((f) => ('control' in f && typeof f.control === 'string' ? findingBody(f as FindingSpec) : f));
  return awsObject('AwsSecurityHubFindings', account, region, { Findings: bodies, ...(nextToken ? { NextToken: nextToken } : {}) }, page);
}

export interface RecorderSpec {
  name?: string;
  allSupported?: boolean;
  includeGlobal?: boolean;
  resourceTypes?: string[];
  exclusions?: string[];
  servicePrincipal?: string;
}

export function recordersBody(specs: readonly RecorderSpec[], account = ACCOUNT): Record<string, unknown> {
  return {
    ConfigurationRecorders: specs.map((r) => ({
      name: r.name ?? 'default',
      roleARN: `arn:aws:iam::${account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
      recordingGroup: {
        allSupported: r.allSupported ?? true,
        includeGlobalResourceTypes: r.includeGlobal ?? false,
        resourceTypes: r.resourceTypes ?? [],
        exclusionByResourceTypes: { resourceTypes: r.exclusions ?? [] },
        recordingStrategy: { useOnly: r.exclusions ? 'EXCLUSION_BY_RESOURCE_TYPES' : r.allSupported === false ? 'INCLUSION_BY_RESOURCE_TYPES' : 'ALL_SUPPORTED_RESOURCE_TYPES' },
      },
      recordingMode: { recordingFrequency: 'CONTINUOUS', recordingModeOverrides: [] },
      ...(r.servicePrincipal ? { servicePrincipal: r.servicePrincipal, recordingScope: 'INTERNAL' } : {}),
    })),
  };
}

export function recorders(specs: readonly RecorderSpec[], account = ACCOUNT, region = EU): unknown {
  return awsObject('AwsConfigRecorders', account, region, recordersBody(specs, account));
}

export interface StatusSpec {
  name?: string;
  recording?: boolean;
  lastStatus?: string;
  lastErrorCode?: string;
  lastErrorMessage?: string;
}

export function recorderStatusBody(specs: readonly StatusSpec[]): Record<string, unknown> {
  return {
    ConfigurationRecordersStatus: specs.map((s) => ({
      name: s.name ?? 'default',
      lastStartTime: 1763193834.344,
      recording: s.recording ?? true,
      lastStatus: s.lastStatus ?? 'SUCCESS',
      lastStatusChangeTime: 1763714200.107,
      ...(s.lastErrorCode ? { lastErrorCode: s.lastErrorCode, lastErrorMessage: s.lastErrorMessage ?? '' } : {}),
    })),
  };
}

export function recorderStatus(specs: readonly StatusSpec[], account = ACCOUNT, region = EU): unknown {
  return awsObject('AwsConfigRecorderStatus', account, region, recorderStatusBody(specs));
}

export interface RuleSpec {
  name: string;
  type?: string;
  count?: number;
  capExceeded?: boolean;
}

export function rulesBody(specs: readonly RuleSpec[], nextToken?: string): Record<string, unknown> {
  return {
    ComplianceByConfigRules: specs.map((r) => ({
      ConfigRuleName: r.name,
      Compliance: {
        ComplianceType: r.type ?? 'COMPLIANT',
        ...(r.count !== undefined ? { ComplianceContributorCount: { CappedCount: r.count, CapExceeded: r.capExceeded ?? false } } : {}),
      },
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

export function rules(specs: readonly RuleSpec[], account = ACCOUNT, region = EU, page = '1', nextToken?: string): unknown {
  return awsObject('AwsConfigRuleCompliance', account, region, rulesBody(specs, nextToken), page);
}

export interface RuleDefinitionSpec {
  name: string;
  // Managed-rule identifier (Owner AWS) or, with owner CUSTOM_LAMBDA, the function ARN.
  identifier?: string;
  owner?: 'AWS' | 'CUSTOM_LAMBDA' | 'CUSTOM_POLICY';
  createdBy?: string;
}

// DescribeConfigRules as AWS Config answers it.
export function configRulesBody(specs: readonly RuleDefinitionSpec[], account = ACCOUNT, region = EU, nextToken?: string): Record<string, unknown> {
  return {
    ConfigRules: specs.map((r, i) => ({
      ConfigRuleName: r.name,
      ConfigRuleArn: `arn:aws:config:${region}:${account}:config-rule/config-rule-${String(i).padStart(6, '0')}`,
      ConfigRuleId: `config-rule-${String(i).padStart(6, '0')}`,
      Source: { Owner: r.owner ?? 'AWS', ...(r.owner === 'CUSTOM_POLICY' ? {} : { SourceIdentifier: r.identifier ?? r.name.toUpperCase().replace(/-/g, '_') }) },
      ConfigRuleState: 'ACTIVE',
      ...(r.createdBy ? { CreatedBy: r.createdBy } : {}),
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

export function configRules(specs: readonly RuleDefinitionSpec[], account = ACCOUNT, region = EU, page = '1', nextToken?: string): unknown {
  return awsObject('AwsConfigRules', account, region, configRulesBody(specs, account, region, nextToken), page);
}

// A region where everything is in order.
export function healthyRegion(account = ACCOUNT, region = EU): unknown[] {
  return [
    hub(account, region),
    standards([{ standard: PCI_V4 }, { standard: FSBP }, { standard: CIS_V3 }], account, region),
    findings([], account, region),
    recorders([{ includeGlobal: region === US }], account, region),
    recorderStatus([{}], account, region),
    rules([{ name: 'securityhub-s3-bucket-ssl-requests-only-3f9a1c' }], account, region),
    configRules([{ name: 'securityhub-s3-bucket-ssl-requests-only-3f9a1c', identifier: 'S3_BUCKET_SSL_REQUESTS_ONLY', createdBy: 'securityhub.amazonaws.com' }], account, region),
  ];
}
