import {
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRulesCommand,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConformancePackComplianceCommand,
  DescribeConformancePacksCommand,
} from '@aws-sdk/client-config-service';
import { DescribeHubCommand, DescribeStandardsControlsCommand, GetEnabledStandardsCommand, GetFindingsCommand } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { EvidenceStore, PutInput } from '../../evidence/store.ts';
import {
  AWS_API_VERSION,
  AWS_CALLS,
  AWS_KINDS,
  AWS_REGIONAL_KINDS,
  FINDINGS_FILTERS,
  UNKNOWN,
  awsCliCommand,
  awsRecordName,
  scopeKey,
  type AwsKind,
} from '../../inventory/aws/kinds.ts';
import type { EvidenceGap, GapReason } from '../../inventory/types.ts';
import { errorMessage } from '../../shared/errors.ts';
import { call, classify, deferred, describe, errorBody, hooked, pool, strip, type CallFailure, type StackHook } from './call.ts';
import type { AwsClientFactory, AwsClients } from './clients.ts';

export { awsClientsFromEnvironment, type AwsClientFactory, type AwsClients, type AwsEnvironmentOptions } from './clients.ts';

// Collects the AWS responses the AWS checks judge, for one account (the caller's identity) in each
// region given: Security Hub DescribeHub, GetEnabledStandards, DescribeStandardsControls (per enabled
// standard) and GetFindings (ACTIVE control findings of every compliance status),
// AWS Config DescribeConfigurationRecorders, DescribeConfigurationRecorderStatus,
// DescribeComplianceByConfigRule, DescribeConfigRules, DescribeConformancePacks and DescribeConformancePackCompliance (per pack). Every page is stored verbatim (the HTTP response body, before
// the SDK drops fields it does not know) with the aws CLI command that prints the same data.
//
// Failures never throw: a denied call is an access-denied gap naming the IAM action, a call the
// SDK gave up on (throttling after its bounded retries, 5xx) an api-error gap, an endpoint that
// does not answer an api-error gap for the rest of that service in that region. "Security Hub is
// not enabled" (DescribeHub: InvalidAccessException) is data, stored, not a gap.

export interface CollectAwsOptions {
  // Target (report subject) the evidence belongs to.
  target: string;
  regions: readonly string[];
  clients: AwsClientFactory;
  store: EvidenceStore;
  // Regions collected at once (default 4); within a region Security Hub and Config run side by side.
  concurrency?: number;
  // Upper bound of pages per paged call (default 2,000: 200,000 findings); beyond it, a too-large gap.
  maxPages?: number;
  // The account the target names. Credentials for another account would file that account's
  // posture under this target's name, so a mismatch stops collection with a gap.
  expectedAccount?: string;
}

export interface CollectAwsResult {
  gaps: EvidenceGap[];
  // HTTP requests sent, retries included.
  requests: number;
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_MAX_PAGES = 2000;
export async function collectAws(opts: CollectAwsOptions): Promise<CollectAwsResult> {
  const counter = { requests: 0 };
  const regions = [...new Set(opts.regions)];
  if (regions.length === 0) return { gaps: [], requests: 0 };
  const identityRegion = regions[0] ?? 'us-east-1';

  // The account every response belongs to. GetCallerIdentity needs no permission, so a failure
  // means the credentials or the network do not work: nothing else would be attributable.
  const sts = await call(counter, (hook) => opts.clients(identityRegion).sts.send(hooked(new GetCallerIdentityCommand({}), hook)));
  if (!sts.ok || typeof sts.output.Account !== 'string') {
    const failure: CallFailure = sts.ok ? { name: 'InvalidResponse', status: 200, message: 'the response has no Account', attempts: 1, network: false } : sts.failure;
    await opts.store.put(put(opts.target, 'AwsCallerIdentity', UNKNOWN, identityRegion, { Error: errorBody(failure) }));
    return {
      gaps: [
        {
          id: failure.roleArn ? 'gap-aws-sts-assume-role' : 'gap-aws-sts-get-caller-identity',
          target: opts.target,
          reason: classify(failure).reason,
          kinds: [...AWS_KINDS],
          message: failure.roleArn
            ? `sts:AssumeRole of ${failure.roleArn} failed (${describe(failure)}): no credentials for the account, so regions ${regions.join(', ')} were not collected`
            : `sts:GetCallerIdentity failed (${describe(failure)}): the AWS account is unknown, so regions ${regions.join(', ')} were not collected`,
        },
      ],
      requests: counter.requests,
    };
  }
  const account = sts.output.Account;
  // Query-protocol XML: stored as the fields the aws CLI prints for the same call.
  await opts.store.put(put(opts.target, 'AwsCallerIdentity', account, identityRegion, { UserId: sts.output.UserId, Account: account, Arn: sts.output.Arn }));
  if (opts.expectedAccount !== undefined && opts.expectedAccount !== account) {
    return {
      gaps: [
        {
          id: 'gap-aws-wrong-account',
          target: opts.target,
          reason: 'access-denied',
          kinds: [...AWS_KINDS],
          message: `the credentials belong to AWS account ${account}, not ${opts.expectedAccount} as configured for ${opts.target}; regions ${regions.join(', ')} were not collected (check the profile or role for this account)`,
        },
      ],
      requests: counter.requests,
    };
  }

  const ctx: RegionContext = { opts, account, counter, maxPages: Math.max(1, opts.maxPages ?? DEFAULT_MAX_PAGES) };
  const gaps: EvidenceGap[] = [];
  // Regions run concurrently; their records are written in the order the regions were given, so the
  // evidence index is the same from run to run.
  const results = regions.map(() => deferred<RegionOutput>());
  const work = pool(regions, Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY), async (region, i) => {
    let out: RegionOutput;
    try {
      out = await collectRegion(ctx, region);
    } catch (err) {
      // Not an API failure (those are gaps already): still a gap for the region, never a throw.
      out = { records: [], gaps: [{ ...regionGap(ctx, region, 'AwsSecurityHubHub', 'api-error', `collection of ${region} (account ${ctx.account}) failed: ${errorMessage(err)}`), id: `gap-aws-${ctx.account}-${region}`, kinds: [...AWS_REGIONAL_KINDS] }] };
    }
    results[i]?.resolve(out);
  });
  for (const r of results) {
    const out = await r.promise;
    for (const record of out.records) await opts.store.put(record);
    gaps.push(...out.gaps);
  }
  await work;
  return { gaps, requests: counter.requests };
}

// ---- One region -------------------------------------------------------------------------------

interface RegionContext {
  opts: CollectAwsOptions;
  account: string;
  counter: { requests: number };
  maxPages: number;
}

interface RegionOutput {
  records: PutInput[];
  gaps: EvidenceGap[];
}

async function collectRegion(ctx: RegionContext, region: string): Promise<RegionOutput> {
  let clients: AwsClients;
  try {
    clients = ctx.opts.clients(region);
  } catch (err) {
    const gap = regionGap(ctx, region, 'AwsSecurityHubHub', 'api-error', `no AWS clients for ${region}: ${errorMessage(err)}`);
    return { records: [], gaps: [{ ...gap, id: `gap-aws-${ctx.account}-${region}-clients`, kinds: [...AWS_REGIONAL_KINDS] }] };
  }
  const [hub, config] = await Promise.all([collectSecurityHub(ctx, region, clients), collectConfig(ctx, region, clients)]);
  return { records: [...hub.records, ...config.records], gaps: [...hub.gaps, ...config.gaps] };
}

async function collectSecurityHub(ctx: RegionContext, region: string, clients: AwsClients): Promise<RegionOutput> {
  const out: RegionOutput = { records: [], gaps: [] };
  const sh = clients.securityHub;
  const hub = await call(ctx.counter, (hook) => sh.send(hooked(new DescribeHubCommand({}), hook)));
  if (hub.ok) {
    out.records.push(put(ctx.opts.target, 'AwsSecurityHubHub', ctx.account, region, hub.raw ?? strip(hub.output)));
  } else if (hub.failure.name === 'InvalidAccessException') {
    // "Account … is not subscribed to AWS Security Hub": Security Hub is off in this region. That is
    // the finding, not missing evidence; the other Security Hub calls would fail the same way.
    out.records.push(put(ctx.opts.target, 'AwsSecurityHubHub', ctx.account, region, { Error: errorBody(hub.failure) }));
    return out;
  } else {
    out.gaps.push(failureGap(ctx, region, 'AwsSecurityHubHub', hub.failure));
    if (hub.failure.network) return unreachable(ctx, region, out, ['AwsSecurityHubStandards', 'AwsSecurityHubStandardsControls', 'AwsSecurityHubFindings']);
  }

  const subscriptions: string[] = [];
  const standards = await paged(
    ctx,
    region,
    'AwsSecurityHubStandards',
    (token, hook) => sh.send(hooked(new GetEnabledStandardsCommand({ MaxResults: 100, ...(token ? { NextToken: token } : {}) }), hook)),
    { onPage: (o) => subscriptions.push(...(o.StandardsSubscriptions ?? []).flatMap((x) => (x.StandardsSubscriptionArn && x.StandardsStatus !== 'DELETING' ? [x.StandardsSubscriptionArn] : []))) },
  );
  merge(out, standards.out);
  if (standards.network) return unreachable(ctx, region, out, ['AwsSecurityHubStandardsControls', 'AwsSecurityHubFindings']);

  // Which controls each enabled standard has, which are disabled and why, and their requirements;
  // read side by side with the findings (independent lists), stored in a fixed order.
  const [controls, findings] = await Promise.all([
    Promise.all(
      subscriptions.map((arn) =>
        paged(
          ctx,
          region,
          'AwsSecurityHubStandardsControls',
          (token, hook) => sh.send(hooked(new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: arn, MaxResults: 100, ...(token ? { NextToken: token } : {}) }), hook)),
          { part: /:subscription\/(.+)$/.exec(arn)?.[1] ?? arn, cliArgs: ['--standards-subscription-arn', arn] },
        ),
      ),
    ),
    paged(ctx, region, 'AwsSecurityHubFindings', (token, hook) =>
      sh.send(hooked(new GetFindingsCommand({ Filters: filters(), MaxResults: 100, ...(token ? { NextToken: token } : {}) }), hook)),
    ),
  ]);
  for (const c of controls) merge(out, c.out);
  merge(out, findings.out);
  return out;
}

async function collectConfig(ctx: RegionContext, region: string, clients: AwsClients): Promise<RegionOutput> {
  const out: RegionOutput = { records: [], gaps: [] };
  const cfg = clients.config;
  const recorders = await call(ctx.counter, (hook) => cfg.send(hooked(new DescribeConfigurationRecordersCommand({}), hook)));
  if (recorders.ok) {
    out.records.push(put(ctx.opts.target, 'AwsConfigRecorders', ctx.account, region, recorders.raw ?? strip(recorders.output)));
  } else {
    out.gaps.push(failureGap(ctx, region, 'AwsConfigRecorders', recorders.failure));
    if (recorders.failure.network) return unreachable(ctx, region, out, ['AwsConfigRecorderStatus', 'AwsConfigRuleCompliance', 'AwsConfigRules', 'AwsConfigConformancePacks', 'AwsConfigConformancePackCompliance']);
  }

  const status = await call(ctx.counter, (hook) => cfg.send(hooked(new DescribeConfigurationRecorderStatusCommand({}), hook)));
  if (status.ok) {
    out.records.push(put(ctx.opts.target, 'AwsConfigRecorderStatus', ctx.account, region, status.raw ?? strip(status.output)));
  } else {
    out.gaps.push(failureGap(ctx, region, 'AwsConfigRecorderStatus', status.failure));
    if (status.failure.network) return unreachable(ctx, region, out, ['AwsConfigRuleCompliance', 'AwsConfigRules', 'AwsConfigConformancePacks', 'AwsConfigConformancePackCompliance']);
  }

  // Rule compliance, and beside it the conformance packs with, per pack, the compliance of its rules
  // (which pack each rule belongs to); stored in a fixed order.
  const packsChain = async (): Promise<RegionOutput> => {
    const o: RegionOutput = { records: [], gaps: [] };
    const packNames: string[] = [];
    const packs = await paged(
      ctx,
      region,
      'AwsConfigConformancePacks',
      (token, hook) => cfg.send(hooked(new DescribeConformancePacksCommand(token ? { NextToken: token } : {}), hook)),
      { onPage: (p) => packNames.push(...(p.ConformancePackDetails ?? []).flatMap((d) => (d.ConformancePackName ? [d.ConformancePackName] : []))) },
    );
    merge(o, packs.out);
    if (packs.network) return unreachable(ctx, region, o, ['AwsConfigConformancePackCompliance']);
    const perPack = await Promise.all(
      packNames.map((pack) =>
        paged(
          ctx,
          region,
          'AwsConfigConformancePackCompliance',
          (token, hook) => cfg.send(hooked(new DescribeConformancePackComplianceCommand({ ConformancePackName: pack, ...(token ? { NextToken: token } : {}) }), hook)),
          { part: pack, cliArgs: ['--conformance-pack-name', pack] },
        ),
      ),
    );
    for (const p of perPack) merge(o, p.out);
    return o;
  };
  const [compliance, rules, packs] = await Promise.all([
    paged(ctx, region, 'AwsConfigRuleCompliance', (token, hook) => cfg.send(hooked(new DescribeComplianceByConfigRuleCommand(token ? { NextToken: token } : {}), hook))),
    paged(ctx, region, 'AwsConfigRules', (token, hook) => cfg.send(hooked(new DescribeConfigRulesCommand(token ? { NextToken: token } : {}), hook))),
    packsChain(),
  ]);
  merge(out, compliance.out);
  merge(out, rules.out);
  merge(out, packs);
  return out;
}

// The SDK's filter type wants mutable arrays.
function filters(): { RecordState: { Value: string; Comparison: 'EQUALS' }[]; ComplianceStatus: { Value: string; Comparison: 'EQUALS' }[] } {
  return {
    RecordState: FINDINGS_FILTERS.RecordState.map((f) => ({ ...f })),
    ComplianceStatus: FINDINGS_FILTERS.ComplianceStatus.map((f) => ({ ...f })),
  };
}

function merge(into: RegionOutput, from: RegionOutput): void {
  into.records.push(...from.records);
  into.gaps.push(...from.gaps);
}

// After a network failure the rest of that service's calls in the region are skipped, with a gap each.
function unreachable(ctx: RegionContext, region: string, out: RegionOutput, skipped: readonly AwsKind[]): RegionOutput {
  for (const kind of skipped) {
    out.gaps.push(regionGap(ctx, region, kind, 'api-error', `${AWS_CALLS[kind].action} in ${region} (account ${ctx.account}) was not called: the ${AWS_CALLS[kind].service} endpoint did not answer`));
  }
  return out;
}

// Follows NextToken until the last page, storing every page. A failure part-way keeps the pages
// read and reports the kind as incomplete.
async function paged<O extends { NextToken?: string | undefined }>(
  ctx: RegionContext,
  region: string,
  kind: AwsKind,
  sendPage: (token: string | undefined, hook: StackHook) => Promise<O>,
  // part: names the list in the record name (one of several of a kind); cliArgs: its CLI arguments.
  opt: { onPage?: (output: O) => void; part?: string; cliArgs?: readonly string[] } = {},
): Promise<{ out: RegionOutput; network: boolean }> {
  const out: RegionOutput = { records: [], gaps: [] };
  let token: string | undefined;
  const seen = new Set<string>();
  for (let page = 1; ; page++) {
    const res = await call(ctx.counter, (hook) => sendPage(token, hook));
    if (!res.ok) {
      const failed = failureGap(ctx, region, kind, res.failure);
      // One gap per list: several lists of a kind in a region (one per standard) need distinct ids.
      const gap = opt.part ? { ...failed, id: `${failed.id}-${opt.part.replace(/[^A-Za-z0-9.]+/g, '-')}` } : failed;
      out.gaps.push(page > 1 ? { ...gap, message: `${gap.message}; ${page - 1} page(s) were read before, so the stored list is incomplete` } : gap);
      return { out, network: res.failure.network };
    }
    out.records.push(put(ctx.opts.target, kind, ctx.account, region, res.raw ?? strip(res.output), opt.part ? `${opt.part}/${page}` : String(page), opt.cliArgs));
    opt.onPage?.(res.output);
    const next = res.output.NextToken;
    if (!next) return { out, network: false };
    if (seen.has(next)) {
      out.gaps.push(regionGap(ctx, region, kind, 'api-error', `${AWS_CALLS[kind].action} in ${region} (account ${ctx.account}) returned the same NextToken twice; paging stopped after ${page} page(s), so the stored list may be incomplete`));
      return { out, network: false };
    }
    if (page >= ctx.maxPages) {
      out.gaps.push(regionGap(ctx, region, kind, 'too-large', `${AWS_CALLS[kind].action} in ${region} (account ${ctx.account}) has more than ${ctx.maxPages} pages; the rest was not read`));
      return { out, network: false };
    }
    seen.add(next);
    token = next;
  }
}

function failureGap(ctx: RegionContext, region: string, kind: AwsKind, f: CallFailure): EvidenceGap {
  const { reason, what } = classify(f);
  const action = AWS_CALLS[kind].action;
  const message =
    reason === 'access-denied'
      ? `missing IAM permission ${action} in ${region} (account ${ctx.account}): ${describe(f)}`
      : `${action} in ${region} (account ${ctx.account}) ${what}: ${describe(f)}`;
  return regionGap(ctx, region, kind, reason, message);
}

function regionGap(ctx: RegionContext, region: string, kind: AwsKind, reason: GapReason, message: string): EvidenceGap {
  return {
    id: `gap-aws-${ctx.account}-${region}-${AWS_CALLS[kind].operation.toLowerCase()}`,
    target: ctx.opts.target,
    reason,
    kinds: [kind],
    // The region's results only: other regions' passes stand (see inventory/aws/kinds.ts scopeKey).
    namespace: scopeKey(ctx.account, region),
    message,
  };
}

function put(target: string, kind: AwsKind, account: string, region: string, raw: unknown, page?: string, cliArgs?: readonly string[]): PutInput {
  const spec = AWS_CALLS[kind];
  return {
    target,
    source: { type: 'cloud-api', call: `${spec.action}${spec.regional ? ` ${region}` : ''}${page ? ` page ${page}` : ''}` },
    raw,
    apiVersion: AWS_API_VERSION,
    kind,
    name: awsRecordName(kind, account, region, page),
    cli: awsCliCommand(kind, region, cliArgs),
  };
}

