import {
  ACCOUNT_RE,
  GLOBAL_REGION,
  PATH_REGION_RE,
  REGION_RE,
  UNKNOWN,
  arnParts,
  awsCliCommand,
  awsRecordName,
  type AwsKind,
} from '../../inventory/aws/kinds.ts';
import { shellQuote } from '../../evidence/cli-command.ts';
import type { RecognizedOutput, Recognizer } from './types.ts';

// `aws … --output json` output in a snapshot folder, recognised by shape and stored under the same
// evidence kinds and record names as live collection (src/collectors/aws/collect.ts), so offline
// and live evidence are judged the same way:
//
//   aws sts get-caller-identity                              → AwsCallerIdentity
//   aws securityhub describe-hub                             → AwsSecurityHubHub
//   aws securityhub get-enabled-standards                    → AwsSecurityHubStandards
//   aws securityhub describe-standards-controls              → AwsSecurityHubStandardsControls
//   aws securityhub list-standards-control-associations      → AwsSecurityHubStandardsControls
//   aws securityhub get-findings                             → AwsSecurityHubFindings
//   aws configservice describe-configuration-recorders       → AwsConfigRecorders
//   aws configservice describe-configuration-recorder-status → AwsConfigRecorderStatus
//   aws configservice describe-compliance-by-config-rule     → AwsConfigRuleCompliance
//   aws configservice describe-config-rules                  → AwsConfigRules
//   aws configservice describe-conformance-packs             → AwsConfigConformancePacks
//   aws configservice describe-conformance-pack-compliance   → AwsConfigConformancePackCompliance
//
// Account and region come from ARNs in the content where it has them (HubArn, subscription and
// recorder ARNs), else from the file path (e.g. aws/123456789012/eu-west-1/get-findings.json). For
// get-findings the path comes first: findings carry the account and region they are from, which with
// cross-region aggregation or a delegated administrator is not the region the call was made in.
// A file holding an empty list is recognised only when its path names both account and region:
// without them it could be attributed to nothing.

interface Attribution {
  account: string | undefined;
  region: string | undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

// The account is a folder named by its 12 digits (a 12-digit run inside a file name could be a
// timestamp); region names are distinctive enough to be taken from anywhere in the path.
function fromPath(file: string): Attribution {
  const folders = file.split('/').slice(0, -1);
  return { account: folders.find((f) => ACCOUNT_RE.test(f)), region: PATH_REGION_RE.exec(file)?.[1] };
}

function fromArn(arn: unknown): Attribution {
  const p = arnParts(str(arn));
  return {
    account: p && ACCOUNT_RE.test(p.account) ? p.account : undefined,
    region: p && REGION_RE.test(p.region) ? p.region : undefined,
  };
}

function first(...xs: (string | undefined)[]): string | undefined {
  return xs.find((x) => x !== undefined);
}

function output(kind: AwsKind, file: string, content: Attribution, preferPath = false): RecognizedOutput {
  const path = fromPath(file);
  const account = (preferPath ? first(path.account, content.account) : first(content.account, path.account)) ?? UNKNOWN;
  const region = (preferPath ? first(path.region, content.region) : first(content.region, path.region)) ?? UNKNOWN;
  return { kind, name: awsRecordName(kind, account, region, file), cli: awsCliCommand(kind, region) };
}

// An empty list says something only about a known account and region.
function attributable(file: string): boolean {
  const p = fromPath(file);
  return p.account !== undefined && p.region !== undefined;
}

function listOf(value: unknown, key: string): unknown[] | undefined {
  if (!isRecord(value)) return undefined;
  const list = value[key];
  return Array.isArray(list) ? list : undefined;
}

// Attribution shared by every item (undefined fields when items disagree or carry none).
function common(items: readonly Attribution[]): Attribution {
  const one = (xs: (string | undefined)[]): string | undefined => {
    const set = new Set(xs);
    const [x] = [...set];
    return set.size === 1 ? x : undefined;
  };
  return { account: one(items.map((i) => i.account)), region: one(items.map((i) => i.region)) };
}

const callerIdentity: Recognizer = (value, file) => {
  if (!isRecord(value)) return undefined;
  const account = str(value.Account);
  if (!account || !ACCOUNT_RE.test(account) || !str(value.Arn)?.startsWith('arn:') || typeof value.UserId !== 'string') return undefined;
  if (Object.keys(value).some((k) => !['UserId', 'Account', 'Arn', 'ResponseMetadata'].includes(k))) return undefined;
  return { kind: 'AwsCallerIdentity', name: awsRecordName('AwsCallerIdentity', account, GLOBAL_REGION, file), cli: awsCliCommand('AwsCallerIdentity', GLOBAL_REGION) };
};

const describeHub: Recognizer = (value, file) => {
  if (!isRecord(value)) return undefined;
  const arn = str(value.HubArn);
  if (!arn?.startsWith('arn:') || !arn.includes(':hub/')) return undefined;
  return output('AwsSecurityHubHub', file, fromArn(arn));
};

const enabledStandards: Recognizer = (value, file) => {
  const list = listOf(value, 'StandardsSubscriptions');
  if (!list) return undefined;
  if (list.length === 0) return attributable(file) ? output('AwsSecurityHubStandards', file, { account: undefined, region: undefined }) : undefined;
  if (!list.every((s) => isRecord(s) && typeof s.StandardsArn === 'string')) return undefined;
  return output('AwsSecurityHubStandards', file, common(list.map((s) => fromArn(isRecord(s) ? s.StandardsSubscriptionArn : undefined))));
};

const findings: Recognizer = (value, file) => {
  const list = listOf(value, 'Findings');
  if (!list) return undefined;
  if (list.length === 0) return attributable(file) ? output('AwsSecurityHubFindings', file, { account: undefined, region: undefined }, true) : undefined;
  // AWS Security Finding Format: every finding has an Id and a product or account.
  if (!list.every((f) => isRecord(f) && typeof f.Id === 'string' && (typeof f.SchemaVersion === 'string' || typeof f.ProductArn === 'string' || typeof f.AwsAccountId === 'string'))) {
    return undefined;
  }
  const attributions = list.map((f): Attribution => {
    const r = isRecord(f) ? f : {};
    const account = str(r.AwsAccountId);
    const region = first(str(r.Region), fromArn(r.ProductArn).region);
    return { account: account && ACCOUNT_RE.test(account) ? account : undefined, region: region && REGION_RE.test(region) ? region : undefined };
  });
  return output('AwsSecurityHubFindings', file, common(attributions), true);
};

const configurationRecorders: Recognizer = (value, file) => {
  const list = listOf(value, 'ConfigurationRecorders');
  if (!list) return undefined;
  if (list.length === 0) return attributable(file) ? output('AwsConfigRecorders', file, { account: undefined, region: undefined }) : undefined;
  if (!list.every((r) => isRecord(r) && (isRecord(r.recordingGroup) || typeof r.roleARN === 'string'))) return undefined;
  return output(
    'AwsConfigRecorders',
    file,
    common(
      list.map((r) => {
        const rec = isRecord(r) ? r : {};
        const own = fromArn(rec.arn);
        // The role is an IAM (global) ARN: account only.
        return { account: first(own.account, fromArn(rec.roleARN).account), region: own.region };
      }),
    ),
  );
};

const recorderStatus: Recognizer = (value, file) => {
  const list = listOf(value, 'ConfigurationRecordersStatus');
  if (!list) return undefined;
  if (list.length === 0) return attributable(file) ? output('AwsConfigRecorderStatus', file, { account: undefined, region: undefined }) : undefined;
  if (!list.every((s) => isRecord(s) && (typeof s.recording === 'boolean' || typeof s.lastStatus === 'string'))) return undefined;
  return output('AwsConfigRecorderStatus', file, common(list.map((s) => fromArn(isRecord(s) ? s.arn : undefined))));
};

const complianceByConfigRule: Recognizer = (value, file) => {
  const list = listOf(value, 'ComplianceByConfigRules');
  if (!list) return undefined;
  if (list.length === 0) return attributable(file) ? output('AwsConfigRuleCompliance', file, { account: undefined, region: undefined }) : undefined;
  if (!list.every((r) => isRecord(r) && typeof r.ConfigRuleName === 'string')) return undefined;
  return output('AwsConfigRuleCompliance', file, { account: undefined, region: undefined });
};

// describe-standards-controls: every control ARN names the account, region and standard, so the
// command (its --standards-subscription-arn) is rebuilt from them.
const standardsControls: Recognizer = (value, file) => {
  const list = listOf(value, 'Controls');
  if (!list || list.length === 0) return undefined;
  if (!list.every((c) => isRecord(c) && typeof c.StandardsControlArn === 'string' && str(c.StandardsControlArn)?.includes(':control/'))) return undefined;
  const arns = list.map((c) => str(isRecord(c) ? c.StandardsControlArn : undefined) ?? '');
  const found = output('AwsSecurityHubStandardsControls', file, common(arns.map(fromArn)));
  const m = /^arn:([\w-]+):securityhub:([^:]+):(\d{12}):control\/(.+\/v\/[^/]+)\//.exec(arns[0] ?? '');
  const standards = new Set(arns.map((a) => /:control\/(.+\/v\/[^/]+)\//.exec(a)?.[1]));
  if (!m || standards.size !== 1) return found;
  const subscription = `arn:${m[1] ?? 'aws'}:securityhub:${m[2] ?? ''}:${m[3] ?? ''}:subscription/${m[4] ?? ''}`;
  const region = parseRegion(found.name);
  return { ...found, cli: awsCliCommand('AwsSecurityHubStandardsControls', region, ['--standards-subscription-arn', subscription]) };
};

// list-standards-control-associations --security-control-id X: one control in each enabled
// standard. The standards ARN names the region; the account comes from the path.
const controlAssociations: Recognizer = (value, file) => {
  const list = listOf(value, 'StandardsControlAssociationSummaries');
  if (!list || list.length === 0) return undefined;
  if (!list.every((a) => isRecord(a) && typeof a.StandardsArn === 'string' && typeof a.SecurityControlId === 'string' && typeof a.AssociationStatus === 'string')) return undefined;
  const found = output('AwsSecurityHubStandardsControls', file, common(list.map((a) => ({ account: undefined, region: fromArn(isRecord(a) ? a.StandardsArn : undefined).region }))));
  const ids = new Set(list.map((a) => (isRecord(a) ? str(a.SecurityControlId) : undefined)));
  const region = parseRegion(found.name);
  const args = ['aws', 'securityhub', 'list-standards-control-associations', ...(region !== UNKNOWN ? ['--region', region] : []), ...(ids.size === 1 ? ['--security-control-id', [...ids][0] ?? ''] : []), '--output', 'json'];
  return { ...found, cli: args.map(shellQuote).join(' ') };
};

// The rules' ARNs name account and region.
const configRules: Recognizer = (value, file) => {
  const list = listOf(value, 'ConfigRules');
  if (!list) return undefined;
  if (list.length === 0) return attributable(file) ? output('AwsConfigRules', file, { account: undefined, region: undefined }) : undefined;
  if (!list.every((r) => isRecord(r) && typeof r.ConfigRuleName === 'string' && isRecord(r.Source))) return undefined;
  return output('AwsConfigRules', file, common(list.map((r) => fromArn(isRecord(r) ? r.ConfigRuleArn : undefined))));
};

const conformancePacks: Recognizer = (value, file) => {
  const list = listOf(value, 'ConformancePackDetails');
  if (!list) return undefined;
  if (list.length === 0) return attributable(file) ? output('AwsConfigConformancePacks', file, { account: undefined, region: undefined }) : undefined;
  if (!list.every((d) => isRecord(d) && typeof d.ConformancePackName === 'string')) return undefined;
  return output('AwsConfigConformancePacks', file, common(list.map((d) => fromArn(isRecord(d) ? d.ConformancePackArn : undefined))));
};

// The rule list of one pack names neither account nor region: both come from the path.
const conformancePackCompliance: Recognizer = (value, file) => {
  const list = listOf(value, 'ConformancePackRuleComplianceList');
  const pack = isRecord(value) ? str(value.ConformancePackName) : undefined;
  if (!list || pack === undefined) return undefined;
  if (!list.every((r) => isRecord(r) && typeof r.ConfigRuleName === 'string')) return undefined;
  if (!attributable(file)) return undefined;
  const found = output('AwsConfigConformancePackCompliance', file, { account: undefined, region: undefined });
  return { ...found, cli: awsCliCommand('AwsConfigConformancePackCompliance', parseRegion(found.name), ['--conformance-pack-name', pack]) };
};

function parseRegion(name: string): string {
  return name.split('/')[2] ?? UNKNOWN;
}

export const awsRecognizers: readonly Recognizer[] = [
  callerIdentity,
  describeHub,
  enabledStandards,
  standardsControls,
  controlAssociations,
  findings,
  configurationRecorders,
  recorderStatus,
  complianceByConfigRule,
  configRules,
  conformancePacks,
  conformancePackCompliance,
];
