import type { z } from 'zod';
import type { AreaInput, AreaObject, AreaOutput } from '../area.ts';
import { ACCOUNT_RE, AWS_API_GROUP, AWS_CALLS, GLOBAL_REGION, REGION_RE, arnParts, isAwsKind, parseAwsRecordName, scopeKey, type AwsKind } from './kinds.ts';
import {
  CallerIdentityBody,
  DescribeComplianceByConfigRuleBody,
  DescribeConfigRulesBody,
  DescribeConfigurationRecordersBody,
  DescribeConfigurationRecorderStatusBody,
  DescribeConformancePackComplianceBody,
  DescribeConformancePacksBody,
  DescribeHubBody,
  GetEnabledStandardsBody,
  GetFindingsBody,
  StandardsControlsBody,
  StandardsSubscription,
  type Finding,
} from './schema.ts';
import type { AwsFinding, AwsHub, AwsInventory, AwsList, AwsRegionInventory, AwsStandardControl, AwsStandardSubscription } from './types.ts';

// Builds the AWS inventory from API-response records (live collection) and recognised CLI output
// (snapshots), both stored as { apiVersion: 'http.auditpack.io/v1', kind: 'Aws…', metadata: { name:
// 'aws/<account>/<region>/<service>/<Operation>[#part]' }, body }. Account and region come from the
// record name; a body that does not match its schema is a schema-invalid gap for that region.

export function emptyAwsInventory(): AwsInventory {
  return { present: false, presenceEvidence: [], identities: [], regions: [] };
}

const PAGED: ReadonlySet<AwsKind> = new Set([
  'AwsSecurityHubStandards',
  'AwsSecurityHubStandardsControls',
  'AwsSecurityHubFindings',
  'AwsConfigRuleCompliance',
  'AwsConfigRules',
  'AwsConfigConformancePacks',
  'AwsConfigConformancePackCompliance',
]);

const STANDARD_NAMES: Readonly<Record<string, string>> = {
  'pci-dss': 'PCI DSS',
  'aws-foundational-security-best-practices': 'AWS Foundational Security Best Practices',
  'cis-aws-foundations-benchmark': 'CIS AWS Foundations Benchmark',
  'nist-800-53': 'NIST SP 800-53',
  'nist-800-171': 'NIST SP 800-171',
  'aws-resource-tagging-standard': 'AWS Resource Tagging Standard',
  'service-managed-aws-control-tower': 'Service-Managed Standard: AWS Control Tower',
};

export function buildAwsInventory(input: AreaInput): AreaOutput<AwsInventory> {
  const inv = emptyAwsInventory();
  const claimed = new Set<string>();
  const regions = new Map<string, AwsRegionInventory>();
  // Per region and paged kind: whether some stored page is the last one (has no NextToken).
  const lastPageSeen = new Map<string, { region: AwsRegionInventory; kind: AwsKind; last: boolean }>();

  const regionOf = (account: string, region: string): AwsRegionInventory => {
    const key = scopeKey(account, region);
    let r = regions.get(key);
    if (!r) {
      r = { account, region, key, hub: undefined, standards: undefined, findings: undefined, controls: undefined, recorders: undefined, recorderStatus: undefined, ruleCompliance: undefined, rules: undefined, conformancePacks: undefined, packRules: undefined };
      regions.set(key, r);
    }
    return r;
  };
  // `stream`: one paged list among several of a kind in a region (the controls of one standard).
  const notePage = (r: AwsRegionInventory, kind: AwsKind, nextToken: string | null | undefined, stream = ''): void => {
    const k = `${r.key}\0${kind}\0${stream}`;
    const seen = lastPageSeen.get(k) ?? { region: r, kind, last: false };
    seen.last ||= !nextToken;
    lastPageSeen.set(k, seen);
  };

  for (const o of input.objects) {
    if (o.group !== AWS_API_GROUP || !isAwsKind(o.kind)) continue;
    const kind = o.kind;
    claimed.add(o.evidenceId);
    inv.presenceEvidence.push(o.evidenceId);
    const name = parseAwsRecordName(o.name);
    if (!name || (AWS_CALLS[kind].regional && name.region === GLOBAL_REGION)) {
      schemaGap(input, o, undefined, `record name "${o.name}" is not aws/<account>/<region>/<service>/<Operation>`);
      continue;
    }
    const scope = AWS_CALLS[kind].regional ? scopeKey(name.account, name.region) : undefined;

    switch (kind) {
      case 'AwsCallerIdentity': {
        const body = parse(input, o, CallerIdentityBody, scope);
        if (!body) break;
        inv.identities.push({
          evidenceId: o.evidenceId,
          account: body.Account ?? name.account,
          arn: body.Arn ?? undefined,
          error: body.Error ? `${body.Error.Code}${body.Error.Message ? `: ${body.Error.Message}` : ''}` : undefined,
        });
        break;
      }
      case 'AwsSecurityHubHub': {
        const body = parse(input, o, DescribeHubBody, scope);
        if (!body) break;
        const r = regionOf(name.account, name.region);
        const hub = hubOf(o.evidenceId, body);
        // Two records for one region (two snapshot files): an enabled hub is the stronger evidence.
        if (!r.hub || (r.hub.state !== 'enabled' && hub.state === 'enabled')) r.hub = hub;
        break;
      }
      case 'AwsSecurityHubStandards': {
        const body = parse(input, o, GetEnabledStandardsBody, scope);
        if (!body) break;
        const r = regionOf(name.account, name.region);
        r.standards = addPage(r.standards, o.evidenceId, (body.StandardsSubscriptions ?? []).map((s) => standardOf(o.evidenceId, s)));
        notePage(r, kind, body.NextToken);
        break;
      }
      case 'AwsSecurityHubFindings': {
        const body = parse(input, o, GetFindingsBody, scope);
        if (!body) break;
        const r = regionOf(name.account, name.region);
        r.findings = addPage(r.findings, o.evidenceId, (body.Findings ?? []).map((f) => findingOf(o.evidenceId, f, r)));
        notePage(r, kind, body.NextToken);
        break;
      }
      case 'AwsSecurityHubStandardsControls': {
        const body = parse(input, o, StandardsControlsBody, scope);
        if (!body) break;
        const r = regionOf(name.account, name.region);
        const items = standardControlsOf(o.evidenceId, body, name.region);
        r.controls = addPage(r.controls, o.evidenceId, items);
        notePage(r, kind, body.NextToken, items[0]?.standard ?? '');
        break;
      }
      case 'AwsConfigRules': {
        const body = parse(input, o, DescribeConfigRulesBody, scope);
        if (!body) break;
        const r = regionOf(name.account, name.region);
        r.rules = addPage(
          r.rules,
          o.evidenceId,
          (body.ConfigRules ?? []).map((c) => ({
            evidenceId: o.evidenceId,
            name: c.ConfigRuleName,
            owner: c.Source?.Owner ?? undefined,
            sourceIdentifier: c.Source?.SourceIdentifier ?? undefined,
            createdBy: c.CreatedBy ?? undefined,
          })),
        );
        notePage(r, kind, body.NextToken);
        break;
      }
      case 'AwsConfigConformancePacks': {
        const body = parse(input, o, DescribeConformancePacksBody, scope);
        if (!body) break;
        const r = regionOf(name.account, name.region);
        r.conformancePacks = addPage(r.conformancePacks, o.evidenceId, (body.ConformancePackDetails ?? []).map((d) => ({ evidenceId: o.evidenceId, name: d.ConformancePackName })));
        notePage(r, kind, body.NextToken);
        break;
      }
      case 'AwsConfigConformancePackCompliance': {
        const body = parse(input, o, DescribeConformancePackComplianceBody, scope);
        if (!body) break;
        const r = regionOf(name.account, name.region);
        const items = (body.ConformancePackRuleComplianceList ?? []).map((c) => ({ evidenceId: o.evidenceId, pack: body.ConformancePackName, rule: c.ConfigRuleName, complianceType: c.ComplianceType ?? undefined }));
        r.packRules = addPage(r.packRules, o.evidenceId, items);
        notePage(r, kind, body.NextToken, body.ConformancePackName);
        break;
      }
      case 'AwsConfigRecorders': {
        const body = parse(input, o, DescribeConfigurationRecordersBody, scope);
        if (!body) break;
        const r = regionOf(name.account, name.region);
        r.recorders = addPage(
          r.recorders,
          o.evidenceId,
          (body.ConfigurationRecorders ?? []).map((c) => ({
            evidenceId: o.evidenceId,
            name: c.name ?? '',
            roleArn: c.roleARN ?? undefined,
            serviceLinked: Boolean(c.servicePrincipal),
            allSupported: c.recordingGroup?.allSupported ?? undefined,
            includeGlobalResourceTypes: c.recordingGroup?.includeGlobalResourceTypes ?? undefined,
            resourceTypes: c.recordingGroup?.resourceTypes ?? [],
            excludedResourceTypes: c.recordingGroup?.exclusionByResourceTypes?.resourceTypes ?? [],
            recordingStrategy: c.recordingGroup?.recordingStrategy?.useOnly ?? undefined,
          })),
        );
        break;
      }
      case 'AwsConfigRecorderStatus': {
        const body = parse(input, o, DescribeConfigurationRecorderStatusBody, scope);
        if (!body) break;
        const r = regionOf(name.account, name.region);
        r.recorderStatus = addPage(
          r.recorderStatus,
          o.evidenceId,
          (body.ConfigurationRecordersStatus ?? []).map((s) => ({
            evidenceId: o.evidenceId,
            name: s.name ?? '',
            recording: s.recording ?? undefined,
            lastStatus: s.lastStatus ?? undefined,
            lastErrorCode: s.lastErrorCode ?? undefined,
            lastErrorMessage: s.lastErrorMessage ?? undefined,
          })),
        );
        break;
      }
      case 'AwsConfigRuleCompliance': {
        const body = parse(input, o, DescribeComplianceByConfigRuleBody, scope);
        if (!body) break;
        const r = regionOf(name.account, name.region);
        r.ruleCompliance = addPage(
          r.ruleCompliance,
          o.evidenceId,
          (body.ComplianceByConfigRules ?? []).map((c) => ({
            evidenceId: o.evidenceId,
            name: c.ConfigRuleName,
            complianceType: c.Compliance?.ComplianceType ?? undefined,
            cappedCount: c.Compliance?.ComplianceContributorCount?.CappedCount ?? undefined,
            capExceeded: c.Compliance?.ComplianceContributorCount?.CapExceeded === true,
          })),
        );
        notePage(r, kind, body.NextToken);
        break;
      }
    }
  }

  // A list whose every page ends with a NextToken is cut short: what is missing could be anything.
  for (const { region: r, kind, last } of lastPageSeen.values()) {
    if (last || !PAGED.has(kind)) continue;
    const list =
      kind === 'AwsSecurityHubStandards' ? r.standards
      : kind === 'AwsSecurityHubFindings' ? r.findings
      : kind === 'AwsSecurityHubStandardsControls' ? r.controls
      : kind === 'AwsConfigRules' ? r.rules
      : kind === 'AwsConfigConformancePacks' ? r.conformancePacks
      : kind === 'AwsConfigConformancePackCompliance' ? r.packRules
      : r.ruleCompliance;
    if (list) list.truncated = true;
    input.addGap({
      id: `gap-aws-${r.account}-${r.region}-${AWS_CALLS[kind].operation.toLowerCase()}-truncated`,
      target: input.target,
      reason: 'not-found',
      kinds: [kind],
      namespace: r.key,
      message: `${AWS_CALLS[kind].action} for ${r.key} is incomplete: every stored page ends with a NextToken (output of --max-items or a stopped pagination), so the later pages are not in the evidence (${(list?.evidenceIds ?? []).join(', ')})`,
    });
  }

  for (const r of regions.values()) {
    r.standards?.items.sort((a, b) => a.standardsArn.localeCompare(b.standardsArn));
    r.findings?.items.sort((a, b) => a.id.localeCompare(b.id));
    r.controls?.items.sort((a, b) => a.controlId.localeCompare(b.controlId, undefined, { numeric: true }) || a.standard.localeCompare(b.standard));
    r.recorders?.items.sort((a, b) => a.name.localeCompare(b.name));
    r.recorderStatus?.items.sort((a, b) => a.name.localeCompare(b.name));
    r.ruleCompliance?.items.sort((a, b) => a.name.localeCompare(b.name));
    r.conformancePacks?.items.sort((a, b) => a.name.localeCompare(b.name));
    r.packRules?.items.sort((a, b) => a.pack.localeCompare(b.pack) || a.rule.localeCompare(b.rule));
  }
  inv.regions = [...regions.values()].sort((a, b) => a.key.localeCompare(b.key));
  inv.identities.sort((a, b) => a.account.localeCompare(b.account) || a.evidenceId.localeCompare(b.evidenceId));
  inv.presenceEvidence.sort();
  inv.present = inv.presenceEvidence.length > 0;
  return { inventory: inv, claimed };
}

function addPage<T>(list: AwsList<T> | undefined, evidenceId: string, items: T[]): AwsList<T> {
  const l = list ?? { evidenceIds: [], items: [], truncated: false };
  if (!l.evidenceIds.includes(evidenceId)) l.evidenceIds.push(evidenceId);
  l.evidenceIds.sort();
  l.items.push(...items);
  return l;
}

function parse<S>(input: AreaInput, o: AreaObject, schema: z.ZodType<S>, scope: string | undefined): S | undefined {
  const parsed = schema.safeParse(o.raw.body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${['body', ...i.path.map(String)].join('.')}: ${i.message}`)
    .join('; ');
  schemaGap(input, o, scope, `does not match the expected schema (${issues})`);
  return undefined;
}

function schemaGap(input: AreaInput, o: AreaObject, scope: string | undefined, problem: string): void {
  input.addGap({
    id: `gap-${o.evidenceId.replace(/^ev-/, '')}`,
    target: input.target,
    reason: 'schema-invalid',
    kinds: [o.kind],
    ...(scope ? { namespace: scope } : {}),
    message: `${o.kind} ${o.name} (evidence ${o.evidenceId}) ${problem}`,
    ...(o.file ? { file: o.file } : {}),
    ...(o.line ? { line: o.line } : {}),
  });
}

function hubOf(evidenceId: string, body: z.infer<typeof DescribeHubBody>): AwsHub {
  const base = { evidenceId, hubArn: body.HubArn ?? undefined, subscribedAt: body.SubscribedAt ?? undefined };
  if (body.HubArn) return { ...base, state: 'enabled', errorCode: undefined, message: undefined };
  if (body.Error) {
    return { ...base, state: body.Error.Code === 'InvalidAccessException' ? 'not-enabled' : 'error', errorCode: body.Error.Code, message: body.Error.Message ?? undefined };
  }
  return { ...base, state: 'error', errorCode: undefined, message: 'the DescribeHub response has no HubArn' };
}

function standardOf(evidenceId: string, s: z.infer<typeof StandardsSubscription>): AwsStandardSubscription {
  const m = /:(?:standards|ruleset)\/([^/]+)\/v\/([^/]+)/.exec(s.StandardsArn);
  const family = m?.[1] ?? s.StandardsArn;
  const version = m?.[2] ?? '';
  const displayName = `${STANDARD_NAMES[family] ?? family}${version ? ` v${version}` : ''}`;
  return {
    evidenceId,
    standardsArn: s.StandardsArn,
    family,
    version,
    displayName,
    status: s.StandardsStatus.toUpperCase(),
    statusReason: s.StandardsStatusReason?.StatusReasonCode ?? undefined,
  };
}

function findingOf(evidenceId: string, f: Finding, r: AwsRegionInventory): AwsFinding {
  const idArn = arnParts(f.Id);
  const productArn = arnParts(f.ProductArn);
  const account = [f.AwsAccountId ?? undefined, idArn?.account].find((a): a is string => a !== undefined && ACCOUNT_RE.test(a)) ?? r.account;
  const region = [f.Region ?? undefined, productArn?.region, idArn?.region].find((x): x is string => x !== undefined && REGION_RE.test(x)) ?? r.region;
  return {
    evidenceId,
    id: f.Id,
    account,
    region,
    controlId: controlIdOf(f),
    title: f.Title ?? '',
    severity: (f.Severity?.Label ?? f.FindingProviderFields?.Severity?.Label ?? 'UNKNOWN').toUpperCase(),
    complianceStatus: (f.Compliance?.Status ?? '').toUpperCase(),
    recordState: (f.RecordState ?? '').toUpperCase(),
    workflowStatus: (f.Workflow?.Status ?? f.WorkflowState ?? '').toUpperCase(),
    relatedRequirements: f.Compliance?.RelatedRequirements ?? [],
    resourceIds: (f.Resources ?? []).flatMap((x) => (x.Id ? [x.Id] : [])),
    configRule: configRuleOf(f.ProductFields ?? {}),
  };
}

// ProductFields name the resources behind a control finding as RelatedAWSResources:<n>/type and /name.
function configRuleOf(pf: Readonly<Record<string, string>>): string | undefined {
  for (const [key, value] of Object.entries(pf)) {
    const m = /^RelatedAWSResources:(\d+)\/type$/.exec(key);
    if (m && value === 'AWS::Config::ConfigRule') return pf[`RelatedAWSResources:${m[1] ?? ''}/name`];
  }
  return undefined;
}

// DescribeStandardsControls: the standard comes from the control ARN (…:control/<family>/v/<version>/<id>);
// ListStandardsControlAssociations names it and the SecurityControlId directly.
function standardControlsOf(evidenceId: string, body: z.infer<typeof StandardsControlsBody>, region: string): AwsStandardControl[] {
  const described = (body.Controls ?? []).map((c): AwsStandardControl => {
    const m = /^arn:([\w-]+):securityhub:[^:]*:[^:]*:control\/(.+)\/v\/([^/]+)\/(.+)$/.exec(c.StandardsControlArn ?? '');
    const standard = m ? `arn:${m[1] ?? 'aws'}:securityhub:${region}::standards/${m[2] ?? ''}/v/${m[3] ?? ''}` : (c.StandardsControlArn ?? '');
    return {
      evidenceId,
      standard,
      controlId: c.ControlId ?? m?.[4] ?? '',
      status: (c.ControlStatus ?? '').toUpperCase(),
      reason: c.DisabledReason?.trim() || undefined,
      title: c.Title ?? '',
      relatedRequirements: c.RelatedRequirements ?? [],
    };
  });
  const associated = (body.StandardsControlAssociationSummaries ?? []).map((a): AwsStandardControl => ({
    evidenceId,
    standard: a.StandardsArn,
    controlId: a.SecurityControlId,
    status: a.AssociationStatus.toUpperCase(),
    reason: a.UpdatedReason?.trim() || undefined,
    title: a.StandardsControlTitle ?? '',
    relatedRequirements: a.RelatedRequirements ?? [],
  }));
  return [...described, ...associated];
}

// Consolidated control findings carry Compliance.SecurityControlId (e.g. CloudTrail.2); older
// per-standard findings ProductFields.ControlId (PCI.Lambda.2) or, for CIS v1.2.0, RuleId (1.13).
function controlIdOf(f: Finding): string {
  const pf = f.ProductFields ?? {};
  if (f.Compliance?.SecurityControlId) return f.Compliance.SecurityControlId;
  if (pf.ControlId) return pf.ControlId;
  if (pf.RuleId) {
    const version = /cis-aws-foundations-benchmark\/v\/([^/]+)/.exec(pf.StandardsGuideArn ?? f.GeneratorId ?? '')?.[1];
    return `CIS${version ? ` v${version}` : ''} ${pf.RuleId}`;
  }
  return f.GeneratorId ?? f.Id;
}
