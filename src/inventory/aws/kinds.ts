import { shellQuote } from '../../evidence/cli-command.ts';

// The AWS API calls auditpack makes (live) or recognises as `aws … --output json` output (offline),
// one evidence kind per call. Live collection and snapshot files use the same kinds and the same
// record names, so both are judged the same way.
//
// Record name: aws/<account>/<region>/<service>/<Operation>[#<page or file>]. STS is global:
// aws/<account>/global/sts/GetCallerIdentity.

export const AWS_API_GROUP = 'http.auditpack.io';
export const AWS_API_VERSION = `${AWS_API_GROUP}/v1`;

// Security Hub GetFindings filter: current (ACTIVE) control findings of every compliance status, so
// a control can be shown to pass and WARNING / NOT_AVAILABLE are seen (EQUALS values are ORed).
// ARCHIVED findings are stale; findings without Compliance (GuardDuty, Inspector) are not control results.
export const FINDINGS_FILTERS = {
  RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
  ComplianceStatus: [
    { Value: 'PASSED', Comparison: 'EQUALS' },
    { Value: 'FAILED', Comparison: 'EQUALS' },
    { Value: 'WARNING', Comparison: 'EQUALS' },
    { Value: 'NOT_AVAILABLE', Comparison: 'EQUALS' },
  ],
} as const;

export interface AwsCallSpec {
  service: 'sts' | 'securityhub' | 'config';
  operation: string;
  // The IAM action the call needs (deploy/aws-iam-policy.json lists exactly these).
  action: string;
  // aws CLI service and sub-command that print the same response.
  cliService: string;
  cliCommand: string;
  cliArgs?: readonly string[];
  regional: boolean;
}

export const AWS_CALLS = {
  AwsCallerIdentity: { service: 'sts', operation: 'GetCallerIdentity', action: 'sts:GetCallerIdentity', cliService: 'sts', cliCommand: 'get-caller-identity', regional: false },
  AwsSecurityHubHub: { service: 'securityhub', operation: 'DescribeHub', action: 'securityhub:DescribeHub', cliService: 'securityhub', cliCommand: 'describe-hub', regional: true },
  AwsSecurityHubStandards: {
    service: 'securityhub',
    operation: 'GetEnabledStandards',
    action: 'securityhub:GetEnabledStandards',
    cliService: 'securityhub',
    cliCommand: 'get-enabled-standards',
    regional: true,
  },
  // One paged call per enabled standard: its controls, ENABLED or DISABLED (with the reason), and
  // their RelatedRequirements. ListStandardsControlAssociations answers the same per control (one
  // call per SecurityControlId, hundreds per region), so its CLI output is recognised into this kind.
  AwsSecurityHubStandardsControls: {
    service: 'securityhub',
    operation: 'DescribeStandardsControls',
    action: 'securityhub:DescribeStandardsControls',
    cliService: 'securityhub',
    cliCommand: 'describe-standards-controls',
    regional: true,
  },
  AwsSecurityHubFindings: {
    service: 'securityhub',
    operation: 'GetFindings',
    action: 'securityhub:GetFindings',
    cliService: 'securityhub',
    cliCommand: 'get-findings',
    cliArgs: ['--filters', JSON.stringify(FINDINGS_FILTERS)],
    regional: true,
  },
  AwsConfigRecorders: {
    service: 'config',
    operation: 'DescribeConfigurationRecorders',
    action: 'config:DescribeConfigurationRecorders',
    cliService: 'configservice',
    cliCommand: 'describe-configuration-recorders',
    regional: true,
  },
  AwsConfigRecorderStatus: {
    service: 'config',
    operation: 'DescribeConfigurationRecorderStatus',
    action: 'config:DescribeConfigurationRecorderStatus',
    cliService: 'configservice',
    cliCommand: 'describe-configuration-recorder-status',
    regional: true,
  },
  AwsConfigRuleCompliance: {
    service: 'config',
    operation: 'DescribeComplianceByConfigRule',
    action: 'config:DescribeComplianceByConfigRule',
    cliService: 'configservice',
    cliCommand: 'describe-compliance-by-config-rule',
    regional: true,
  },
  // The rules themselves: who owns each (AWS managed or custom) and its managed-rule identifier
  // (Source.SourceIdentifier, e.g. S3_BUCKET_SSL_REQUESTS_ONLY), which the shipped mapping table
  // controls/mappings/aws-config-managed-rules.yaml maps to framework controls; and whether
  // Security Hub created it (CreatedBy), so its result is counted once, under Security Hub.
  AwsConfigRules: {
    service: 'config',
    operation: 'DescribeConfigRules',
    action: 'config:DescribeConfigRules',
    cliService: 'configservice',
    cliCommand: 'describe-config-rules',
    regional: true,
  },
  // Conformance packs and, per pack, the compliance of its rules: which pack a rule belongs to.
  AwsConfigConformancePacks: {
    service: 'config',
    operation: 'DescribeConformancePacks',
    action: 'config:DescribeConformancePacks',
    cliService: 'configservice',
    cliCommand: 'describe-conformance-packs',
    regional: true,
  },
  AwsConfigConformancePackCompliance: {
    service: 'config',
    operation: 'DescribeConformancePackCompliance',
    action: 'config:DescribeConformancePackCompliance',
    cliService: 'configservice',
    cliCommand: 'describe-conformance-pack-compliance',
    regional: true,
  },
} as const satisfies Record<string, AwsCallSpec>;

export type AwsKind = keyof typeof AWS_CALLS;
export const AWS_KINDS = Object.keys(AWS_CALLS) as AwsKind[];
export const AWS_REGIONAL_KINDS = AWS_KINDS.filter((k) => AWS_CALLS[k].regional);

export function isAwsKind(kind: string): kind is AwsKind {
  return Object.prototype.hasOwnProperty.call(AWS_CALLS, kind);
}

export const GLOBAL_REGION = 'global';
export const UNKNOWN = 'unknown';

// The aws CLI command that prints the whole response (the CLI follows NextToken itself, so one
// command covers every stored page).
export function awsCliCommand(kind: AwsKind, region: string, extraArgs: readonly string[] = []): string {
  const spec: AwsCallSpec = AWS_CALLS[kind];
  const withRegion = spec.regional && region !== UNKNOWN && region !== GLOBAL_REGION;
  return ['aws', spec.cliService, spec.cliCommand, ...(withRegion ? ['--region', region] : []), ...(spec.cliArgs ?? []), ...extraArgs, '--output', 'json']
    .map(shellQuote)
    .join(' ');
}

export const ACCOUNT_RE = /^\d{12}$/;
// aws, aws-cn, aws-us-gov and ISO partitions: us-east-1, cn-north-1, us-gov-west-1, us-isob-east-1, eu-central-2.
export const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
// A region name inside a file path (stricter: known prefixes and directions, so 'my-notes-1' is not one).
export const PATH_REGION_RE =
  /(?:^|[^a-z0-9])((?:af|ap|ca|cn|eu|il|me|mx|sa|us)-(?:gov-|iso[a-z]?-)?(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2})(?![0-9])/;

export function awsRecordName(kind: AwsKind, account: string, region: string, suffix?: string): string {
  const spec: AwsCallSpec = AWS_CALLS[kind];
  const base = `aws/${account}/${spec.regional ? region : GLOBAL_REGION}/${spec.service}/${spec.operation}`;
  return suffix === undefined ? base : `${base}#${suffix}`;
}

export interface ParsedRecordName {
  account: string;
  region: string;
  service: string;
  operation: string;
  // Page number (live) or file (snapshot) after '#'.
  part: string | undefined;
}

export function parseAwsRecordName(name: string): ParsedRecordName | undefined {
  const hash = name.indexOf('#');
  const base = hash < 0 ? name : name.slice(0, hash);
  const m = /^aws\/([^/]+)\/([^/]+)\/([^/]+)\/([^/#]+)$/.exec(base);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined || m[4] === undefined) return undefined;
  return { account: m[1], region: m[2], service: m[3], operation: m[4], part: hash < 0 ? undefined : name.slice(hash + 1) };
}

// "<account>/<region>": the scope one AWS result is about, used as the resource namespace of every
// AWS result and of every regional evidence gap, so a gap in one region turns only that region's
// passes into errors.
export function scopeKey(account: string, region: string): string {
  return `${account}/${region}`;
}

export function parseScopeKey(key: string | undefined): { account: string; region: string } | undefined {
  if (key === undefined) return undefined;
  const m = /^(\d{12}|unknown)\/([a-z0-9-]+)$/.exec(key);
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  if (m[2] !== UNKNOWN && !REGION_RE.test(m[2])) return undefined;
  return { account: m[1], region: m[2] };
}

// arn:partition:service:region:account:resource
export function arnParts(arn: string | null | undefined): { region: string; account: string } | undefined {
  if (typeof arn !== 'string') return undefined;
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return { region: (parts[3] ?? '').trim(), account: (parts[4] ?? '').trim() };
}
