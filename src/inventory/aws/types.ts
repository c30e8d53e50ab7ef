// The typed AWS view of a target that aws checks judge: per account and region, what Security Hub
// and AWS Config reported, each item with the evidence record it came from.

export interface AwsIdentity {
  evidenceId: string;
  // 12 digits, or 'unknown' when GetCallerIdentity failed (then `error` says why).
  account: string;
  arn: string | undefined;
  error: string | undefined;
}

// DescribeHub: enabled (HubArn), not enabled (InvalidAccessException stored as data), or another
// stored error.
export interface AwsHub {
  evidenceId: string;
  state: 'enabled' | 'not-enabled' | 'error';
  hubArn: string | undefined;
  subscribedAt: string | undefined;
  errorCode: string | undefined;
  message: string | undefined;
}

export interface AwsStandardSubscription {
  evidenceId: string;
  standardsArn: string;
  // e.g. 'pci-dss', 'aws-foundational-security-best-practices', 'cis-aws-foundations-benchmark'.
  family: string;
  version: string;
  // PCI DSS v4.0.1, AWS Foundational Security Best Practices v1.0.0, …
  displayName: string;
  // READY, PENDING, INCOMPLETE, FAILED, DELETING (as reported).
  status: string;
  statusReason: string | undefined;
}

export interface AwsFinding {
  evidenceId: string;
  id: string;
  // Where the finding is from (AwsAccountId, Region/ProductArn), which with cross-region aggregation
  // or a delegated administrator is not the account/region the call was made in.
  account: string;
  region: string;
  // Compliance.SecurityControlId (consolidated), else ProductFields ControlId/RuleId, else GeneratorId.
  controlId: string;
  title: string;
  // Severity.Label upper-cased: CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL (or UNKNOWN).
  severity: string;
  // Compliance.Status: PASSED, WARNING, FAILED, NOT_AVAILABLE (or '' when absent).
  complianceStatus: string;
  // ACTIVE or ARCHIVED; only ACTIVE findings are current.
  recordState: string;
  // Workflow.Status (or the legacy WorkflowState): NEW, NOTIFIED, RESOLVED, SUPPRESSED.
  workflowStatus: string;
  relatedRequirements: string[];
  resourceIds: string[];
  // The AWS Config rule that evaluated the finding (ProductFields RelatedAWSResources:N/name of type
  // AWS::Config::ConfigRule), e.g. securityhub-s3-bucket-ssl-requests-only-3f9a1c.
  configRule: string | undefined;
}

// A control of an enabled standard (DescribeStandardsControls or ListStandardsControlAssociations).
export interface AwsStandardControl {
  evidenceId: string;
  // The standard (arn:…:standards/pci-dss/v/4.0.1) when known, else the subscription ARN.
  standard: string;
  // SecurityControlId (S3.5) or the standard's control id.
  controlId: string;
  // ENABLED or DISABLED (upper-cased as reported).
  status: string;
  // DisabledReason / UpdatedReason; undefined when none was given.
  reason: string | undefined;
  title: string;
  relatedRequirements: string[];
}

export interface AwsConfigRecorder {
  evidenceId: string;
  name: string;
  roleArn: string | undefined;
  // Service-linked recorders record for one AWS service only; they are not the account's recorder.
  serviceLinked: boolean;
  allSupported: boolean | undefined;
  includeGlobalResourceTypes: boolean | undefined;
  resourceTypes: string[];
  excludedResourceTypes: string[];
  recordingStrategy: string | undefined;
}

export interface AwsConfigRecorderStatus {
  evidenceId: string;
  name: string;
  recording: boolean | undefined;
  // As reported: SUCCESS / Success / PENDING / Pending / FAILURE / Failure; compare case-insensitively.
  lastStatus: string | undefined;
  lastErrorCode: string | undefined;
  lastErrorMessage: string | undefined;
}

export interface AwsConfigRuleCompliance {
  evidenceId: string;
  name: string;
  // COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, INSUFFICIENT_DATA; undefined when absent.
  complianceType: string | undefined;
  // Contributors (resources) counted by Config, capped at 100; capExceeded means more than that.
  cappedCount: number | undefined;
  capExceeded: boolean;
}

// One rule as DescribeConfigRules describes it.
export interface AwsConfigRule {
  evidenceId: string;
  name: string;
  // AWS (a managed rule), CUSTOM_LAMBDA or CUSTOM_POLICY.
  owner: string | undefined;
  // For a managed rule its identifier (S3_BUCKET_SSL_REQUESTS_ONLY); for a custom Lambda rule the function ARN.
  sourceIdentifier: string | undefined;
  // The service that created the rule (securityhub.amazonaws.com, config-conforms.amazonaws.com…), when one did.
  createdBy: string | undefined;
}

export interface AwsConformancePack {
  evidenceId: string;
  name: string;
}

// One rule of a conformance pack (DescribeConformancePackCompliance).
export interface AwsConformancePackRule {
  evidenceId: string;
  pack: string;
  rule: string;
  complianceType: string | undefined;
}

// Items of one call in one region, with every page (record) they came from. `truncated`: every
// stored page ends with a NextToken, so later pages are missing (e.g. CLI output with --max-items).
export interface AwsList<T> {
  evidenceIds: string[];
  items: T[];
  truncated: boolean;
}

export interface AwsRegionInventory {
  account: string;
  region: string;
  // '<account>/<region>', the resource namespace of this region's results.
  key: string;
  hub: AwsHub | undefined;
  standards: AwsList<AwsStandardSubscription> | undefined;
  findings: AwsList<AwsFinding> | undefined;
  controls: AwsList<AwsStandardControl> | undefined;
  recorders: AwsList<AwsConfigRecorder> | undefined;
  recorderStatus: AwsList<AwsConfigRecorderStatus> | undefined;
  ruleCompliance: AwsList<AwsConfigRuleCompliance> | undefined;
  rules: AwsList<AwsConfigRule> | undefined;
  conformancePacks: AwsList<AwsConformancePack> | undefined;
  packRules: AwsList<AwsConformancePackRule> | undefined;
}

export interface AwsInventory {
  // Whether the evidence holds any AWS API response or CLI output for this target.
  present: boolean;
  // Evidence ids of every AWS record, sorted.
  presenceEvidence: string[];
  identities: AwsIdentity[];
  // One per account/region seen in the evidence, sorted by key.
  regions: AwsRegionInventory[];
}
