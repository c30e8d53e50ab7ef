import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsConfigRecorderOn } from '../../../src/checks/aws/aws-config-recorder-on.ts';
import { awsConfigRulesCompliant } from '../../../src/checks/aws/aws-config-rules-compliant.ts';
import { awsSecurityhubEnabled } from '../../../src/checks/aws/aws-securityhub-enabled.ts';
import { awsSecurityhubFailedControls } from '../../../src/checks/aws/aws-securityhub-failed-controls.ts';
import { awsSecurityhubStandardsEnabled } from '../../../src/checks/aws/aws-securityhub-standards-enabled.ts';
import { evaluateCheck } from '../../../src/checks/evaluate.ts';
import type { Check, CheckResult } from '../../../src/checks/types.ts';
import { awsClientsFromEnvironment, collectAws, type CollectAwsResult } from '../../../src/collectors/aws/collect.ts';
import { EvidenceStore } from '../../../src/evidence/store.ts';
import type { EvidenceRecord } from '../../../src/evidence/types.ts';
import { AWS_API_VERSION } from '../../../src/inventory/aws/kinds.ts';
import type { EvidenceGap, TargetInventory } from '../../../src/inventory/types.ts';
import { loadEvidence } from '../../../src/pipeline/load-evidence.ts';
import { ACCOUNT } from './aws-objects.ts';
import { ACCESS_KEY, ATTEMPTS, EU, US, US2, estate, testClients } from './environment.ts';
import { closedEndpoint, startFakeAws, type FakeAws } from './fake-aws.ts';

const TARGET = 'aws-prod';
const NOW = new Date('2026-11-22T12:00:00Z');
const REGIONS = [EU, US2, US];
const CHECKS: Check[] = [awsSecurityhubEnabled, awsSecurityhubStandardsEnabled, awsSecurityhubFailedControls, awsConfigRecorderOn, awsConfigRulesCompliant];

let aws: FakeAws;
let outDir = '';
let store: EvidenceStore;

beforeAll(async () => {
  aws = await startFakeAws({ accounts: { [ACCESS_KEY]: ACCOUNT }, data: estate, pageSize: { standards: 2, findings: 2, rules: 2 } });
});
afterAll(async () => {
  await aws.close();
});
beforeEach(async () => {
  aws.requests.length = 0;
  aws.faults.clear();
  outDir = mkdtempSync(join(tmpdir(), 'auditpack-aws-ev-'));
  store = new EvidenceStore(outDir, () => NOW);
  await store.open();
});
afterEach(async () => {
  await store.close();
  rmSync(outDir, { recursive: true, force: true });
});

function collect(extra: { endpointFor?: (region: string) => string; regions?: string[]; concurrency?: number; expectedAccount?: string } = {}): Promise<CollectAwsResult> {
  return collectAws({
    target: TARGET,
    regions: extra.regions ?? REGIONS,
    clients: testClients(extra.endpointFor ?? (() => aws.endpoint)),
    store,
    ...(extra.concurrency !== undefined ? { concurrency: extra.concurrency } : {}),
    ...(extra.expectedAccount !== undefined ? { expectedAccount: extra.expectedAccount } : {}),
  });
}

function raw(record: EvidenceRecord, dir = outDir): unknown {
  return JSON.parse(readFileSync(join(dir, record.path), 'utf8')) as unknown;
}

// Evidence folder → inventory, exactly as `auditpack report` reads it.
async function load(gaps: EvidenceGap[], dir = outDir): Promise<TargetInventory> {
  await store.close();
  writeFileSync(
    join(dir, 'evidence/targets.json'),
    JSON.stringify({ schemaVersion: 1, targets: [{ name: TARGET, source: 'kubernetes', location: 'aws', files: 0, objects: store.records.length, gaps, notes: [] }] }),
  );
  const loaded = await loadEvidence(dir);
  const inv = loaded.inventories[0];
  if (!inv) throw new Error('no inventory');
  return inv;
}

function judge(inv: TargetInventory): CheckResult[] {
  return CHECKS.flatMap((c) => evaluateCheck(c, inv, NOW));
}

function line(r: CheckResult): string {
  return `${r.check} ${r.status} ${r.resource.kind} ${r.resource.namespace ?? ''}|${r.resource.name} ${r.messageId}`;
}

const A = ACCOUNT;
const HAPPY = [
  `aws-securityhub-enabled pass SecurityHub ${A}/${EU}|${A}/${EU} enabled`,
  `aws-securityhub-enabled fail SecurityHub ${A}/${US}|${A}/${US} notEnabled`,
  `aws-securityhub-enabled pass SecurityHub ${A}/${US2}|${A}/${US2} enabled`,
  `aws-securityhub-standards-enabled fail SecurityHubStandards ${A}/${EU}|${A}/${EU} notReady`,
  `aws-securityhub-standards-enabled fail SecurityHubStandards ${A}/${US}|${A}/${US} hubNotEnabled`,
  `aws-securityhub-standards-enabled pass SecurityHubStandards ${A}/${US2}|${A}/${US2} ready`,
  `aws-securityhub-failed-controls error SecurityHubControls ${A}/${US}|${A}/${US} hubNotEnabled`,
  `aws-securityhub-failed-controls fail SecurityHubControl ${A}/${EU}|EC2.19 controlFailed`,
  `aws-securityhub-failed-controls not_applicable SecurityHubControl ${A}/${EU}|EKS.1 controlDisabled`,
  `aws-securityhub-failed-controls error SecurityHubControl ${A}/${EU}|ELB.3 controlNoFindings`,
  `aws-securityhub-failed-controls error SecurityHubControl ${A}/${EU}|GuardDuty.1 controlDisabledNoReason`,
  `aws-securityhub-failed-controls fail SecurityHubControl ${A}/${EU}|IAM.6 controlFailed`,
  `aws-securityhub-failed-controls pass SecurityHubControl ${A}/${EU}|KMS.4 controlPassed`,
  `aws-securityhub-failed-controls pass SecurityHubControl ${A}/${EU}|S3.5 controlPassed`,
  `aws-securityhub-failed-controls fail SecurityHubControl ${A}/${EU}|S3.8 controlFailed`,
  `aws-securityhub-failed-controls fail SecurityHubControl ${A}/${US2}|CloudTrail.2 controlFailed`,
  `aws-config-recorder-on pass ConfigurationRecorder ${A}/${EU}|${A}/${EU} recording`,
  `aws-config-recorder-on fail ConfigurationRecorder ${A}/${US}|${A}/${US} unhealthy`,
  `aws-config-recorder-on pass ConfigurationRecorder ${A}/${US2}|${A}/${US2} recording`,
  `aws-config-rules-compliant pass ConfigRule ${A}/${EU}|cloudtrail-enabled compliant`,
  `aws-config-rules-compliant fail ConfigRule ${A}/${EU}|InstanceTypesAreT2micro nonCompliant`,
  `aws-config-rules-compliant not_applicable ConfigRule ${A}/${EU}|rds-storage-encrypted notApplicable`,
  `aws-config-rules-compliant fail ConfigRule ${A}/${EU}|RequiredTagsForVolumes nonCompliant`,
  `aws-config-rules-compliant pass ConfigRule ${A}/${EU}|s3-bucket-ssl-requests-only compliant`,
  `aws-config-rules-compliant fail ConfigRules ${A}/${US}|${A}/${US} noRules`,
  `aws-config-rules-compliant pass ConfigRule ${A}/${US2}|cloudtrail-enabled compliant`,
];

describe('collectAws against a local AWS endpoint (real SDK clients)', () => {
  it('stores every page verbatim with its call and aws CLI command; the checks judge it after a load round trip', async () => {
    const result = await collect();
    expect(result.gaps).toEqual([]);
    expect(result.requests).toBe(aws.requests.length);

    // Every response the server sent (except STS, XML) is stored byte-for-byte as parsed JSON, in region order.
    const stored = store.records.map((r) => [r.kind, r.name, r.source.type, r.source.call]);
    expect(stored).toEqual([
      ['AwsCallerIdentity', `aws/${A}/global/sts/GetCallerIdentity`, 'cloud-api', 'sts:GetCallerIdentity'],
      ['AwsSecurityHubHub', `aws/${A}/${EU}/securityhub/DescribeHub`, 'cloud-api', `securityhub:DescribeHub ${EU}`],
      ['AwsSecurityHubStandards', `aws/${A}/${EU}/securityhub/GetEnabledStandards#1`, 'cloud-api', `securityhub:GetEnabledStandards ${EU} page 1`],
      ['AwsSecurityHubStandards', `aws/${A}/${EU}/securityhub/GetEnabledStandards#2`, 'cloud-api', `securityhub:GetEnabledStandards ${EU} page 2`],
      ['AwsSecurityHubStandardsControls', `aws/${A}/${EU}/securityhub/DescribeStandardsControls#pci-dss/v/4.0.1/1`, 'cloud-api', `securityhub:DescribeStandardsControls ${EU} page pci-dss/v/4.0.1/1`],
      ['AwsSecurityHubStandardsControls', `aws/${A}/${EU}/securityhub/DescribeStandardsControls#aws-foundational-security-best-practices/v/1.0.0/1`, 'cloud-api', `securityhub:DescribeStandardsControls ${EU} page aws-foundational-security-best-practices/v/1.0.0/1`],
      ['AwsSecurityHubStandardsControls', `aws/${A}/${EU}/securityhub/DescribeStandardsControls#cis-aws-foundations-benchmark/v/3.0.0/1`, 'cloud-api', `securityhub:DescribeStandardsControls ${EU} page cis-aws-foundations-benchmark/v/3.0.0/1`],
      ['AwsSecurityHubFindings', `aws/${A}/${EU}/securityhub/GetFindings#1`, 'cloud-api', `securityhub:GetFindings ${EU} page 1`],
      ['AwsSecurityHubFindings', `aws/${A}/${EU}/securityhub/GetFindings#2`, 'cloud-api', `securityhub:GetFindings ${EU} page 2`],
      ['AwsSecurityHubFindings', `aws/${A}/${EU}/securityhub/GetFindings#3`, 'cloud-api', `securityhub:GetFindings ${EU} page 3`],
      ['AwsSecurityHubFindings', `aws/${A}/${EU}/securityhub/GetFindings#4`, 'cloud-api', `securityhub:GetFindings ${EU} page 4`],
      ['AwsConfigRecorders', `aws/${A}/${EU}/config/DescribeConfigurationRecorders`, 'cloud-api', `config:DescribeConfigurationRecorders ${EU}`],
      ['AwsConfigRecorderStatus', `aws/${A}/${EU}/config/DescribeConfigurationRecorderStatus`, 'cloud-api', `config:DescribeConfigurationRecorderStatus ${EU}`],
      ['AwsConfigRuleCompliance', `aws/${A}/${EU}/config/DescribeComplianceByConfigRule#1`, 'cloud-api', `config:DescribeComplianceByConfigRule ${EU} page 1`],
      ['AwsConfigRuleCompliance', `aws/${A}/${EU}/config/DescribeComplianceByConfigRule#2`, 'cloud-api', `config:DescribeComplianceByConfigRule ${EU} page 2`],
      ['AwsConfigRuleCompliance', `aws/${A}/${EU}/config/DescribeComplianceByConfigRule#3`, 'cloud-api', `config:DescribeComplianceByConfigRule ${EU} page 3`],
      ['AwsConfigRules', `aws/${A}/${EU}/config/DescribeConfigRules#1`, 'cloud-api', `config:DescribeConfigRules ${EU} page 1`],
      ['AwsConfigRules', `aws/${A}/${EU}/config/DescribeConfigRules#2`, 'cloud-api', `config:DescribeConfigRules ${EU} page 2`],
      ['AwsConfigRules', `aws/${A}/${EU}/config/DescribeConfigRules#3`, 'cloud-api', `config:DescribeConfigRules ${EU} page 3`],
      ['AwsConfigConformancePacks', `aws/${A}/${EU}/config/DescribeConformancePacks#1`, 'cloud-api', `config:DescribeConformancePacks ${EU} page 1`],
      ['AwsConfigConformancePackCompliance', `aws/${A}/${EU}/config/DescribeConformancePackCompliance#OrgPCI-DSS-4/1`, 'cloud-api', `config:DescribeConformancePackCompliance ${EU} page OrgPCI-DSS-4/1`],
      ['AwsSecurityHubHub', `aws/${A}/${US2}/securityhub/DescribeHub`, 'cloud-api', `securityhub:DescribeHub ${US2}`],
      ['AwsSecurityHubStandards', `aws/${A}/${US2}/securityhub/GetEnabledStandards#1`, 'cloud-api', `securityhub:GetEnabledStandards ${US2} page 1`],
      ['AwsSecurityHubStandardsControls', `aws/${A}/${US2}/securityhub/DescribeStandardsControls#aws-foundational-security-best-practices/v/1.0.0/1`, 'cloud-api', `securityhub:DescribeStandardsControls ${US2} page aws-foundational-security-best-practices/v/1.0.0/1`],
      ['AwsSecurityHubFindings', `aws/${A}/${US2}/securityhub/GetFindings#1`, 'cloud-api', `securityhub:GetFindings ${US2} page 1`],
      ['AwsConfigRecorders', `aws/${A}/${US2}/config/DescribeConfigurationRecorders`, 'cloud-api', `config:DescribeConfigurationRecorders ${US2}`],
      ['AwsConfigRecorderStatus', `aws/${A}/${US2}/config/DescribeConfigurationRecorderStatus`, 'cloud-api', `config:DescribeConfigurationRecorderStatus ${US2}`],
      ['AwsConfigRuleCompliance', `aws/${A}/${US2}/config/DescribeComplianceByConfigRule#1`, 'cloud-api', `config:DescribeComplianceByConfigRule ${US2} page 1`],
      ['AwsConfigRules', `aws/${A}/${US2}/config/DescribeConfigRules#1`, 'cloud-api', `config:DescribeConfigRules ${US2} page 1`],
      ['AwsConfigConformancePacks', `aws/${A}/${US2}/config/DescribeConformancePacks#1`, 'cloud-api', `config:DescribeConformancePacks ${US2} page 1`],
      ['AwsSecurityHubHub', `aws/${A}/${US}/securityhub/DescribeHub`, 'cloud-api', `securityhub:DescribeHub ${US}`],
      ['AwsConfigRecorders', `aws/${A}/${US}/config/DescribeConfigurationRecorders`, 'cloud-api', `config:DescribeConfigurationRecorders ${US}`],
      ['AwsConfigRecorderStatus', `aws/${A}/${US}/config/DescribeConfigurationRecorderStatus`, 'cloud-api', `config:DescribeConfigurationRecorderStatus ${US}`],
      ['AwsConfigRuleCompliance', `aws/${A}/${US}/config/DescribeComplianceByConfigRule#1`, 'cloud-api', `config:DescribeComplianceByConfigRule ${US} page 1`],
      ['AwsConfigRules', `aws/${A}/${US}/config/DescribeConfigRules#1`, 'cloud-api', `config:DescribeConfigRules ${US} page 1`],
      ['AwsConfigConformancePacks', `aws/${A}/${US}/config/DescribeConformancePacks#1`, 'cloud-api', `config:DescribeConformancePacks ${US} page 1`],
    ]);
    expect(store.records.every((r) => r.apiVersion === AWS_API_VERSION)).toBe(true);

    // NextToken values are opaque, but EvidenceStore redacts every *Token key (sensitive-key): the only change.
    const redactToken = (v: unknown): unknown => {
      const o = v as Record<string, unknown>;
      return typeof o.NextToken === 'string' ? { ...o, NextToken: `[redacted: ${o.NextToken.length} chars]` } : o;
    };
    const sent = aws.requests.filter((q) => q.status === 200 && q.action !== 'sts:GetCallerIdentity').map((q) => redactToken(JSON.parse(q.response)));
    const kept = store.records.filter((r) => r.kind !== 'AwsCallerIdentity' && r.name !== `aws/${A}/${US}/securityhub/DescribeHub`).map((r) => raw(r));
    expect(new Set(kept.map((k) => JSON.stringify(k)))).toEqual(new Set(sent.map((s) => JSON.stringify(s))));
    // Verbatim: a field the SDK does not model is kept.
    const euHub = store.records.find((r) => r.name === `aws/${A}/${EU}/securityhub/DescribeHub`);
    expect(euHub && raw(euHub)).toMatchObject({ HubFeatureFlagsPreview: { CentralConfiguration: 'ON' } });
    // STS answers in XML: stored as the fields `aws sts get-caller-identity` prints.
    const sts = store.records[0];
    expect(sts && raw(sts)).toEqual({ UserId: 'AROAEXAMPLEROLEID1234:auditpack', Account: A, Arn: `arn:aws:sts::${A}:assumed-role/auditpack-audit/auditpack` });

    // Security Hub not enabled is data, not a gap, and the other Security Hub calls are not made there.
    const off = store.records.find((r) => r.name === `aws/${A}/${US}/securityhub/DescribeHub`);
    expect(off && raw(off)).toEqual({ Error: { Code: 'InvalidAccessException', Message: `Account ${A} is not subscribed to AWS Security Hub`, HttpStatusCode: 401 } });
    expect(aws.requests.filter((q) => q.region === US && q.action.startsWith('securityhub:')).map((q) => q.action)).toEqual(['securityhub:DescribeHub']);

    // Filters sent with every GetFindings page: ACTIVE control findings of every status; the ARCHIVED one never reaches the evidence.
    const findingsRequests = aws.requests.filter((q) => q.action === 'securityhub:GetFindings' && q.region === EU).map((q) => JSON.parse(q.body) as { Filters: unknown; NextToken?: string });
    for (const q of findingsRequests) expect(q.Filters).toEqual(JSON.parse('{"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}],"ComplianceStatus":[{"Value":"PASSED","Comparison":"EQUALS"},{"Value":"FAILED","Comparison":"EQUALS"},{"Value":"WARNING","Comparison":"EQUALS"},{"Value":"NOT_AVAILABLE","Comparison":"EQUALS"}]}'));
    expect(findingsRequests.map((q) => q.NextToken ?? null)).toEqual([null, 'tok-2', 'tok-4', 'tok-6']);
    // DescribeStandardsControls: one paged GET per enabled standard, the subscription ARN in the path.
    expect(store.records.find((r) => r.kind === 'AwsSecurityHubStandardsControls')?.cli).toBe(
      `aws securityhub describe-standards-controls --region eu-west-1 --standards-subscription-arn arn:aws:securityhub:eu-west-1:${A}:subscription/pci-dss/v/4.0.1 --output json`,
    );

    const cli = store.records.find((r) => (r.name ?? '').endsWith('GetFindings#2'))?.cli;
    expect(cli).toBe(`aws securityhub get-findings --region eu-west-1 --filters '{"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}],"ComplianceStatus":[{"Value":"PASSED","Comparison":"EQUALS"},{"Value":"FAILED","Comparison":"EQUALS"},{"Value":"WARNING","Comparison":"EQUALS"},{"Value":"NOT_AVAILABLE","Comparison":"EQUALS"}]}' --output json`);
    expect(store.records.find((r) => r.kind === 'AwsConfigRuleCompliance')?.cli).toBe('aws configservice describe-compliance-by-config-rule --region eu-west-1 --output json');
    expect(store.records.find((r) => r.kind === 'AwsConfigConformancePackCompliance')?.cli).toBe(
      'aws configservice describe-conformance-pack-compliance --region eu-west-1 --conformance-pack-name OrgPCI-DSS-4 --output json',
    );

    const inv = await load(result.gaps);
    expect(inv.aws.present).toBe(true);
    expect(inv.ignored).toEqual([]);
    expect(inv.gaps).toEqual([]);
    const results = judge(inv);
    expect(results.map(line)).toEqual(HAPPY);
    // Every result cites evidence the collector stored.
    const ids = new Set(store.records.map((r) => r.id));
    for (const r of results) {
      expect(r.evidence.length, line(r)).toBeGreaterThan(0);
      for (const id of r.evidence) expect(ids.has(id), `${line(r)} cites ${id}`).toBe(true);
    }
    const cloudTrail = results.find((r) => r.resource.name === 'CloudTrail.2');
    expect(cloudTrail?.mappedControls).toEqual([]);
    expect(results.find((r) => r.resource.name === 'S3.5')?.mappedControls?.map((m) => [m.control, m.strength, m.provenance])).toEqual([['pci-dss-4:4.2.1', 'supports', 'AWS Security Hub RelatedRequirements']]);
    expect(results.find((r) => r.resource.name === `${A}/${US2}` && r.check === 'aws-config-recorder-on')?.warning).toBeUndefined();
    // Conformance-pack membership and the managed-rule identifier (DescribeConfigRules) are named on the rule's result.
    expect(results.find((r) => r.resource.name === 's3-bucket-ssl-requests-only')?.message).toBe(
      `AWS Config rule s3-bucket-ssl-requests-only (AWS managed rule S3_BUCKET_SSL_REQUESTS_ONLY) (conformance pack OrgPCI-DSS-4) in ${A}/${EU} is compliant.`,
    );
    expect(results.find((r) => r.resource.name === 'InstanceTypesAreT2micro')?.data.sourceIdentifier).toBe('DESIRED_INSTANCE_TYPE');
    expect(results.find((r) => r.resource.name === 'rds-storage-encrypted')?.data.conformancePacks).toBe('');
  });

  it('the evidence index is the same whatever the concurrency', async () => {
    await collect({ concurrency: 3 });
    const parallel = store.records.map((r) => r.id);
    await store.close();
    store = new EvidenceStore(mkdtempSync(join(tmpdir(), 'auditpack-aws-ev-')), () => NOW);
    await store.open();
    await collect({ concurrency: 1 });
    rmSync(join(store.dir, '..'), { recursive: true, force: true });
    expect(store.records.map((r) => r.id)).toEqual(parallel);
  });

  it('throttling (429 ThrottlingException) is retried by the SDK, and the retries are counted', async () => {
    aws.faults.set(`securityhub:GetFindings@${EU}`, { type: 'throttle', times: 2 });
    aws.faults.set('config:DescribeConfigurationRecorderStatus', { type: 'throttle', times: 1 });
    const result = await collect();
    expect(result.gaps).toEqual([]);
    expect(aws.requests.filter((q) => q.status === 429).length).toBe(2);
    expect(aws.requests.filter((q) => q.action === 'config:DescribeConfigurationRecorderStatus' && q.status === 400).length).toBe(1);
    expect(result.requests).toBe(aws.requests.length);
    expect(store.records.filter((r) => r.kind === 'AwsSecurityHubFindings')).toHaveLength(5);
    expect(judge(await load(result.gaps)).map(line)).toEqual(HAPPY);
  });

  it('a permanently throttled call ends as a gap after a bounded number of attempts; the rest continues', async () => {
    aws.faults.set(`config:DescribeComplianceByConfigRule@${EU}`, { type: 'throttle', times: Infinity });
    const result = await collect();
    expect(result.gaps).toEqual([
      {
        id: `gap-aws-${A}-${EU}-describecompliancebyconfigrule`,
        target: TARGET,
        reason: 'api-error',
        kinds: ['AwsConfigRuleCompliance'],
        namespace: `${A}/${EU}`,
        message: expect.stringContaining(`config:DescribeComplianceByConfigRule in ${EU} (account ${A}) still throttled after ${ATTEMPTS} attempt(s): ThrottlingException 400`) as unknown as string,
      },
    ]);
    expect(aws.requests.filter((q) => q.action === 'config:DescribeComplianceByConfigRule' && q.region === EU)).toHaveLength(ATTEMPTS);
    const results = judge(await load(result.gaps));
    // eu-west-1 rules: no evidence, an error; everything else as before.
    expect(results.filter((r) => r.check !== 'aws-config-rules-compliant').map(line)).toEqual(HAPPY.filter((l) => !l.startsWith('aws-config-rules-compliant')));
    expect(results.filter((r) => r.check === 'aws-config-rules-compliant').map(line)).toEqual([
      `aws-config-rules-compliant error ConfigRules ${A}/${EU}|${A}/${EU} complianceMissing`,
      `aws-config-rules-compliant fail ConfigRules ${A}/${US}|${A}/${US} noRules`,
      `aws-config-rules-compliant pass ConfigRule ${A}/${US2}|cloudtrail-enabled compliant`,
      'aws-config-rules-compliant error Cluster |aws-prod evidenceGap',
    ]);
  });

  it('throttled part-way through paging: the pages read are kept, the list is reported incomplete', async () => {
    aws.faults.set(`securityhub:GetFindings@${EU}`, { type: 'throttle', times: Infinity, after: 1 });
    const result = await collect();
    expect(result.gaps.map((g) => [g.reason, g.kinds, g.namespace])).toEqual([['api-error', ['AwsSecurityHubFindings'], `${A}/${EU}`]]);
    expect(result.gaps[0]?.message).toContain('1 page(s) were read before, so the stored list is incomplete');
    expect(store.records.filter((r) => r.kind === 'AwsSecurityHubFindings' && (r.name ?? '').includes(EU))).toHaveLength(1);
    const inv = await load(result.gaps);
    // The inventory sees the cut-off too: the only page ends with a NextToken.
    expect(inv.gaps.map((g) => g.id)).toContain(`gap-aws-${A}-${EU}-getfindings-truncated`);
    const fc = judge(inv).filter((r) => r.check === 'aws-securityhub-failed-controls').map(line);
    // Page 1 held S3.8 twice: a real failure, kept; no pass is possible for eu-west-1.
    expect(fc).toContain(`aws-securityhub-failed-controls fail SecurityHubControl ${A}/${EU}|S3.8 controlFailed`);
    expect(fc.some((l) => l.includes(` pass `) && l.includes(`${A}/${EU}`))).toBe(false);
  });

  it('DescribeStandardsControls: paged per standard; denied, it is a gap and that region\'s passing controls are not accepted', async () => {
    const paging = await startFakeAws({ accounts: { [ACCESS_KEY]: ACCOUNT }, data: estate, pageSize: { controls: 1 } });
    try {
      const clients = testClients(() => paging.endpoint);
      const first = await collectAws({ target: TARGET, regions: [EU], clients, store });
      expect(first.gaps).toEqual([]);
      const pci = paging.requests.filter((q) => q.action === 'securityhub:DescribeStandardsControls' && q.response.includes('pci-dss/v/4.0.1'));
      expect(pci).toHaveLength(4);
      expect(store.records.filter((r) => (r.name ?? '').includes('DescribeStandardsControls#pci-dss/v/4.0.1/')).map((r) => r.name?.split('#')[1])).toEqual([
        'pci-dss/v/4.0.1/1',
        'pci-dss/v/4.0.1/2',
        'pci-dss/v/4.0.1/3',
        'pci-dss/v/4.0.1/4',
      ]);
      const results = judge(await load(first.gaps)).filter((r) => r.check === 'aws-securityhub-failed-controls').map(line);
      expect(results).toEqual(HAPPY.filter((l) => l.startsWith('aws-securityhub-failed-controls') && l.includes(`${A}/${EU}|`) && !l.includes(`${A}/${EU}|${A}/${EU}`)));
    } finally {
      await paging.close();
    }
  });

  it('DescribeStandardsControls denied (403): an access-denied gap naming the action; the region\'s passes become errors, failures stand', async () => {
    aws.faults.set(`securityhub:DescribeStandardsControls@${EU}`, { type: 'deny' });
    const result = await collect({ regions: [EU] });
    expect(result.gaps.map((g) => [g.reason, g.kinds[0], g.namespace])).toEqual([
      ['access-denied', 'AwsSecurityHubStandardsControls', `${A}/${EU}`],
      ['access-denied', 'AwsSecurityHubStandardsControls', `${A}/${EU}`],
      ['access-denied', 'AwsSecurityHubStandardsControls', `${A}/${EU}`],
    ]);
    expect(result.gaps[0]?.message).toMatch(/^missing IAM permission securityhub:DescribeStandardsControls in eu-west-1 \(account 123456789012\): AccessDeniedException 403/);
    const results = judge(await load(result.gaps)).filter((r) => r.check === 'aws-securityhub-failed-controls');
    expect(results.map((r) => `${r.status} ${r.resource.name} ${r.messageId}`)).toEqual([
      'fail EC2.19 controlFailed',
      'fail IAM.6 controlFailed',
      'error KMS.4 controlPassed',
      'error S3.5 controlPassed',
      'fail S3.8 controlFailed',
      'error aws-prod evidenceGap',
    ]);
  });

  it('AccessDeniedException is a gap naming the IAM action; only that region and kind lose their passes', async () => {
    aws.faults.set(`securityhub:GetFindings@${EU}`, { type: 'deny' });
    aws.faults.set('config:DescribeConfigurationRecorders', { type: 'deny' });
    const result = await collect();
    expect(result.gaps.map((g) => [g.id, g.reason, g.kinds[0], g.namespace])).toEqual([
      [`gap-aws-${A}-${EU}-getfindings`, 'access-denied', 'AwsSecurityHubFindings', `${A}/${EU}`],
      [`gap-aws-${A}-${EU}-describeconfigurationrecorders`, 'access-denied', 'AwsConfigRecorders', `${A}/${EU}`],
      [`gap-aws-${A}-${US2}-describeconfigurationrecorders`, 'access-denied', 'AwsConfigRecorders', `${A}/${US2}`],
      [`gap-aws-${A}-${US}-describeconfigurationrecorders`, 'access-denied', 'AwsConfigRecorders', `${A}/${US}`],
    ]);
    expect(result.gaps[0]?.message).toMatch(/^missing IAM permission securityhub:GetFindings in eu-west-1 \(account 123456789012\): AccessDeniedException 403: User: arn:aws:sts::123456789012:assumed-role/);
    expect(result.gaps[1]?.message).toContain('missing IAM permission config:DescribeConfigurationRecorders in eu-west-1');
    // Denied calls are not retried; the calls after them still run.
    expect(aws.requests.filter((q) => q.action === 'securityhub:GetFindings' && q.region === EU)).toHaveLength(1);
    expect(store.records.some((r) => r.kind === 'AwsConfigRuleCompliance' && (r.name ?? '').includes(EU))).toBe(true);

    const results = judge(await load(result.gaps));
    const of = (check: string): string[] => results.filter((r) => r.check === check).map(line);
    expect(of('aws-securityhub-failed-controls')).toEqual([
      `aws-securityhub-failed-controls error SecurityHubControls ${A}/${EU}|${A}/${EU} findingsMissing`,
      `aws-securityhub-failed-controls error SecurityHubControls ${A}/${US}|${A}/${US} hubNotEnabled`,
      `aws-securityhub-failed-controls fail SecurityHubControl ${A}/${US2}|CloudTrail.2 controlFailed`,
      'aws-securityhub-failed-controls error Cluster |aws-prod evidenceGap',
    ]);
    expect(of('aws-config-recorder-on')).toEqual([
      `aws-config-recorder-on error ConfigurationRecorder ${A}/${EU}|${A}/${EU} recordersMissing`,
      `aws-config-recorder-on error ConfigurationRecorder ${A}/${US}|${A}/${US} recordersMissing`,
      `aws-config-recorder-on error ConfigurationRecorder ${A}/${US2}|${A}/${US2} recordersMissing`,
      'aws-config-recorder-on error Cluster |aws-prod evidenceGap',
    ]);
    // Security Hub enablement reads neither denied kind: unchanged.
    expect(of('aws-securityhub-enabled')).toEqual(HAPPY.filter((l) => l.startsWith('aws-securityhub-enabled ')));
  });

  it('an unreachable region is a gap for that region; the other regions complete and keep their results', async () => {
    const dead = await closedEndpoint();
    const AP = 'ap-southeast-2';
    const result = await collect({ regions: [EU, AP, US2, US], endpointFor: (region) => (region === AP ? dead : aws.endpoint) });
    expect(result.gaps.map((g) => [g.kinds[0], g.reason, g.namespace])).toEqual([
      ['AwsSecurityHubHub', 'api-error', `${A}/${AP}`],
      ['AwsSecurityHubStandards', 'api-error', `${A}/${AP}`],
      ['AwsSecurityHubStandardsControls', 'api-error', `${A}/${AP}`],
      ['AwsSecurityHubFindings', 'api-error', `${A}/${AP}`],
      ['AwsConfigRecorders', 'api-error', `${A}/${AP}`],
      ['AwsConfigRecorderStatus', 'api-error', `${A}/${AP}`],
      ['AwsConfigRuleCompliance', 'api-error', `${A}/${AP}`],
      ['AwsConfigRules', 'api-error', `${A}/${AP}`],
      ['AwsConfigConformancePacks', 'api-error', `${A}/${AP}`],
      ['AwsConfigConformancePackCompliance', 'api-error', `${A}/${AP}`],
    ]);
    expect(result.gaps[0]?.message).toMatch(/securityhub:DescribeHub in ap-southeast-2 \(account 123456789012\) unreachable after 4 attempt\(s\): .*ECONNREFUSED/);
    expect(result.gaps[1]?.message).toContain('was not called: the securityhub endpoint did not answer');
    expect(store.records.some((r) => (r.name ?? '').includes(AP))).toBe(false);

    const results = judge(await load(result.gaps));
    const apResults = results.filter((r) => r.resource.namespace === `${A}/${AP}`).map(line);
    expect(apResults).toEqual([
      `aws-securityhub-enabled error SecurityHub ${A}/${AP}|${A}/${AP} hubMissing`,
      `aws-securityhub-standards-enabled error SecurityHubStandards ${A}/${AP}|${A}/${AP} standardsMissing`,
      `aws-securityhub-failed-controls error SecurityHubControls ${A}/${AP}|${A}/${AP} findingsMissing`,
      `aws-config-recorder-on error ConfigurationRecorder ${A}/${AP}|${A}/${AP} recordersMissing`,
      `aws-config-rules-compliant error ConfigRules ${A}/${AP}|${A}/${AP} complianceMissing`,
    ]);
    // The other regions are judged exactly as without the dead one.
    const others = results.filter((r) => r.resource.namespace !== `${A}/${AP}` && r.resource.kind !== 'Cluster').map(line);
    expect(others).toEqual(HAPPY);
    expect(results.filter((r) => r.resource.kind === 'Cluster').map((r) => r.status)).toEqual(['error', 'error', 'error', 'error', 'error']);
  });

  it('GetCallerIdentity failing: one gap, no region collected, and the checks error (never not_applicable)', async () => {
    aws.faults.set('sts:GetCallerIdentity', { type: 'error', status: 403, code: 'InvalidClientTokenId' });
    const result = await collect();
    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0]).toMatchObject({ id: 'gap-aws-sts-get-caller-identity', reason: 'access-denied' });
    expect(result.gaps[0]?.message).toContain('regions eu-west-1, us-east-2, us-east-1 were not collected');
    expect(aws.requests.map((q) => q.action)).toEqual(['sts:GetCallerIdentity']);
    expect(store.records.map((r) => [r.kind, r.name])).toEqual([['AwsCallerIdentity', 'aws/unknown/global/sts/GetCallerIdentity']]);
    const results = judge(await load(result.gaps));
    expect(results.map((r) => `${r.status}:${r.messageId}`)).toEqual(Array.from({ length: 5 }, () => ['error:noScope', 'error:evidenceGap']).flat());
    expect(results[0]?.message).toContain('GetCallerIdentity failed (InvalidClientTokenId');
  });
});


describe('collectAws: the credentials must belong to the configured account', () => {
  it('the configured account: collected as usual', async () => {
    const result = await collect({ expectedAccount: ACCOUNT, regions: ['eu-west-1'] });
    expect(result.gaps).toEqual([]);
    expect(aws.requests.length).toBeGreaterThan(1);
  });

  it('another account: one gap naming both ids, nothing else called, and every check errors', async () => {
    const result = await collect({ expectedAccount: '999999999999' });
    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0]).toMatchObject({ id: 'gap-aws-wrong-account', reason: 'access-denied' });
    expect(result.gaps[0]?.message).toContain(`belong to AWS account ${ACCOUNT}, not 999999999999`);
    expect(aws.requests.map((q) => q.action)).toEqual(['sts:GetCallerIdentity']);
    const results = judge(await load(result.gaps));
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 'error')).toBe(true);
  });
});

describe('awsClientsFromEnvironment', () => {
  it('builds one set of real clients per region with bounded retries (not called against AWS here)', async () => {
    const factory = awsClientsFromEnvironment({ profile: 'audit', roleArn: `arn:aws:iam::${A}:role/auditpack-audit`, externalId: 'ext-123', maxAttempts: 3 });
    const eu = factory(EU);
    expect(factory(EU)).toBe(eu);
    expect(factory(US)).not.toBe(eu);
    expect(await eu.securityHub.config.region()).toBe(EU);
    expect(await eu.config.config.region()).toBe(EU);
    expect(await eu.sts.config.maxAttempts()).toBe(3);
  });
});
