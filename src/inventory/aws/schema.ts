import { z } from 'zod';
import type { AwsKind } from './kinds.ts';

// Shapes of the AWS responses auditpack judges, as the HTTP API returns them and as `aws … --output
// json` prints them (the same field names). Unknown fields pass through (newer APIs); a known field
// with an unexpected type fails validation and becomes an evidence gap for that region, so it can
// never pass silently. Timestamps are epoch seconds on the JSON 1.1 wire (Config) and ISO strings
// in CLI v2 output, so both are accepted where they appear.

const Str = z.string().nullish();
const Bool = z.boolean().nullish();
const Time = z.union([z.string(), z.number()]).nullish();

// A failed call stored as data: DescribeHub's InvalidAccessException (Security Hub not enabled) and
// a failed GetCallerIdentity.
export const ApiError = z.looseObject({ Code: z.string(), Message: Str, HttpStatusCode: z.number().nullish() });

export const CallerIdentityBody = z.looseObject({ UserId: Str, Account: Str, Arn: Str, Error: ApiError.nullish() });

export const DescribeHubBody = z.looseObject({
  HubArn: Str,
  SubscribedAt: Str,
  AutoEnableControls: Bool,
  ControlFindingGenerator: Str,
  Error: ApiError.nullish(),
});

export const StandardsSubscription = z.looseObject({
  StandardsSubscriptionArn: Str,
  StandardsArn: z.string(),
  StandardsStatus: z.string(),
  StandardsStatusReason: z.looseObject({ StatusReasonCode: Str }).nullish(),
});

export const GetEnabledStandardsBody = z.looseObject({ StandardsSubscriptions: z.array(StandardsSubscription).nullish(), NextToken: Str });

const Severity = z.looseObject({ Label: Str });

export const Finding = z.looseObject({
  Id: z.string(),
  AwsAccountId: Str,
  Region: Str,
  ProductArn: Str,
  GeneratorId: Str,
  Title: Str,
  Severity: Severity.nullish(),
  FindingProviderFields: z.looseObject({ Severity: Severity.nullish() }).nullish(),
  Compliance: z
    .looseObject({
      Status: Str,
      SecurityControlId: Str,
      RelatedRequirements: z.array(z.string()).nullish(),
    })
    .nullish(),
  RecordState: Str,
  Workflow: z.looseObject({ Status: Str }).nullish(),
  WorkflowState: Str,
  ProductFields: z.record(z.string(), z.string()).nullish(),
  Resources: z.array(z.looseObject({ Id: Str, Type: Str })).nullish(),
});
export type Finding = z.infer<typeof Finding>;

// DescribeStandardsControls (live) and ListStandardsControlAssociations (CLI output): per standard
// and control, whether it is enabled, why it was disabled, and the requirements AWS relates it to.
export const StandardsControl = z.looseObject({
  StandardsControlArn: Str,
  ControlStatus: Str,
  DisabledReason: Str,
  ControlId: Str,
  Title: Str,
  RelatedRequirements: z.array(z.string()).nullish(),
});

export const StandardsControlAssociationSummary = z.looseObject({
  StandardsArn: z.string(),
  SecurityControlId: z.string(),
  AssociationStatus: z.string(),
  UpdatedReason: Str,
  StandardsControlTitle: Str,
  RelatedRequirements: z.array(z.string()).nullish(),
});

export const StandardsControlsBody = z.looseObject({
  Controls: z.array(StandardsControl).nullish(),
  StandardsControlAssociationSummaries: z.array(StandardsControlAssociationSummary).nullish(),
  NextToken: Str,
});

export const GetFindingsBody = z.looseObject({ Findings: z.array(Finding).nullish(), NextToken: Str });

export const ConfigurationRecorder = z.looseObject({
  name: Str,
  roleARN: Str,
  arn: Str,
  // Set on service-linked recorders (recordingScope INTERNAL/PAID), which record for one AWS service only.
  servicePrincipal: Str,
  recordingGroup: z
    .looseObject({
      allSupported: Bool,
      includeGlobalResourceTypes: Bool,
      resourceTypes: z.array(z.string()).nullish(),
      exclusionByResourceTypes: z.looseObject({ resourceTypes: z.array(z.string()).nullish() }).nullish(),
      recordingStrategy: z.looseObject({ useOnly: Str }).nullish(),
    })
    .nullish(),
});

export const DescribeConfigurationRecordersBody = z.looseObject({ ConfigurationRecorders: z.array(ConfigurationRecorder).nullish() });

export const ConfigurationRecorderStatus = z.looseObject({
  name: Str,
  arn: Str,
  servicePrincipal: Str,
  recording: Bool,
  lastStatus: Str,
  lastErrorCode: Str,
  lastErrorMessage: Str,
  lastStatusChangeTime: Time,
});

export const DescribeConfigurationRecorderStatusBody = z.looseObject({ ConfigurationRecordersStatus: z.array(ConfigurationRecorderStatus).nullish() });

export const ComplianceByConfigRule = z.looseObject({
  ConfigRuleName: z.string(),
  Compliance: z
    .looseObject({
      ComplianceType: Str,
      ComplianceContributorCount: z.looseObject({ CappedCount: z.number().nullish(), CapExceeded: Bool }).nullish(),
    })
    .nullish(),
});

export const DescribeComplianceByConfigRuleBody = z.looseObject({ ComplianceByConfigRules: z.array(ComplianceByConfigRule).nullish(), NextToken: Str });

export const DescribeConfigRulesBody = z.looseObject({
  ConfigRules: z
    .array(
      z.looseObject({
        ConfigRuleName: z.string(),
        ConfigRuleArn: Str,
        Source: z.looseObject({ Owner: Str, SourceIdentifier: Str }).nullish(),
        CreatedBy: Str,
        ConfigRuleState: Str,
      }),
    )
    .nullish(),
  NextToken: Str,
});

export const DescribeConformancePacksBody = z.looseObject({
  ConformancePackDetails: z.array(z.looseObject({ ConformancePackName: z.string(), ConformancePackArn: Str })).nullish(),
  NextToken: Str,
});

export const DescribeConformancePackComplianceBody = z.looseObject({
  ConformancePackName: z.string(),
  ConformancePackRuleComplianceList: z.array(z.looseObject({ ConfigRuleName: z.string(), ComplianceType: Str, Controls: z.array(z.string()).nullish() })).nullish(),
  NextToken: Str,
});

export const AWS_BODY_SCHEMAS = {
  AwsCallerIdentity: CallerIdentityBody,
  AwsSecurityHubHub: DescribeHubBody,
  AwsSecurityHubStandards: GetEnabledStandardsBody,
  AwsSecurityHubStandardsControls: StandardsControlsBody,
  AwsSecurityHubFindings: GetFindingsBody,
  AwsConfigRecorders: DescribeConfigurationRecordersBody,
  AwsConfigRecorderStatus: DescribeConfigurationRecorderStatusBody,
  AwsConfigRuleCompliance: DescribeComplianceByConfigRuleBody,
  AwsConfigRules: DescribeConfigRulesBody,
  AwsConfigConformancePacks: DescribeConformancePacksBody,
  AwsConfigConformancePackCompliance: DescribeConformancePackComplianceBody,
} as const satisfies Record<AwsKind, z.ZodType>;
