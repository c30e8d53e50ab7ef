import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsConfigRecorderOn } from '../../../src/checks/aws/aws-config-recorder-on.ts';
import { awsConfigRulesCompliant } from '../../../src/checks/aws/aws-config-rules-compliant.ts';
import { awsSecurityhubEnabled } from '../../../src/checks/aws/aws-securityhub-enabled.ts';
import { awsSecurityhubFailedControls } from '../../../src/checks/aws/aws-securityhub-failed-controls.ts';
import { awsSecurityhubStandardsEnabled } from '../../../src/checks/aws/aws-securityhub-standards-enabled.ts';
import { evaluateCheck } from '../../../src/checks/evaluate.ts';
import type { Check, CheckResult } from '../../../src/checks/types.ts';
import { collectAws } from '../../../src/collectors/aws/collect.ts';
import { EvidenceStore } from '../../../src/evidence/store.ts';
import { AWS_CALLS, parseAwsRecordName, type AwsKind } from '../../../src/inventory/aws/kinds.ts';
import type { TargetInventory } from '../../../src/inventory/types.ts';
import { collectTargets } from '../../../src/pipeline/collect.ts';
import { loadEvidence } from '../../../src/pipeline/load-evidence.ts';
import { awsRecognizers } from '../../../src/sources/cloud-cli/aws.ts';
import { recognizeCloudOutput } from '../../../src/sources/cloud-cli/recognize.ts';
import { readSnapshot } from '../../../src/sources/snapshot/read-snapshot.ts';
import { ACCOUNT, PCI_V4, controlsBody, fixture, fixtureText } from './aws-objects.ts';
import { ACCESS_KEY, EU, US, US2, estate, testClients } from './environment.ts';
import { startFakeAws, type FakeAws } from './fake-aws.ts';

// Offline: the same responses as `aws … --output json` files in a snapshot folder are recognised,
// stored under the live kinds and judged the same way.

const TARGET = 'aws-prod';
const NOW = new Date('2026-11-22T12:00:00Z');
const CHECKS: Check[] = [awsSecurityhubEnabled, awsSecurityhubStandardsEnabled, awsSecurityhubFailedControls, awsConfigRecorderOn, awsConfigRulesCompliant];
const LIST_KEYS: Partial<Record<AwsKind, string>> = {
  AwsSecurityHubStandards: 'StandardsSubscriptions',
  AwsSecurityHubStandardsControls: 'Controls',
  AwsSecurityHubFindings: 'Findings',
  AwsConfigRuleCompliance: 'ComplianceByConfigRules',
  AwsConfigRules: 'ConfigRules',
  AwsConfigConformancePacks: 'ConformancePackDetails',
  AwsConfigConformancePackCompliance: 'ConformancePackRuleComplianceList',
};

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function judge(inv: TargetInventory): CheckResult[] {
  return CHECKS.flatMap((c) => evaluateCheck(c, inv, NOW));
}

function line(r: CheckResult): string {
  return `${r.check} ${r.status} ${r.resource.kind} ${r.resource.namespace ?? ''}|${r.resource.name} ${r.messageId}: ${r.message}`;
}

// A snapshot folder read the way `auditpack run --snapshot DIR` reads it.
async function fromSnapshot(dir: string): Promise<{ inv: TargetInventory; gaps: string[] }> {
  const out = tempDir('auditpack-aws-snap-ev-');
  const [target] = await collectTargets({ snapshots: [{ dir, name: TARGET }] }, out, () => NOW, () => undefined);
  const loaded = await loadEvidence(out);
  const inv = loaded.inventories[0];
  if (!inv || !target) throw new Error('no inventory');
  return { inv, gaps: target.gaps.map((g) => g.message) };
}

function write(dir: string, rel: string, value: unknown): void {
  const file = join(dir, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof value === 'string' ? value : `${JSON.stringify(value, null, 4)}\n`);
}

describe('offline: aws CLI JSON in a snapshot folder is judged like live collection', () => {
  let aws: FakeAws;
  beforeAll(async () => {
    aws = await startFakeAws({ accounts: { [ACCESS_KEY]: ACCOUNT }, data: estate, pageSize: { standards: 2, findings: 2, rules: 2 } });
  });
  afterAll(async () => {
    await aws.close();
  });

  it('the same responses give the same results (except where the CLI cannot print the answer as JSON)', async () => {
    // Live.
    const liveDir = tempDir('auditpack-aws-live-');
    const store = new EvidenceStore(liveDir, () => NOW);
    await store.open();
    const { gaps } = await collectAws({ target: TARGET, regions: [EU, US2, US], clients: testClients(() => aws.endpoint), store });
    await store.close();
    writeFileSync(join(liveDir, 'evidence/targets.json'), JSON.stringify({ schemaVersion: 1, targets: [{ name: TARGET, source: 'kubernetes', location: 'aws', files: 0, objects: store.records.length, gaps, notes: [] }] }));
    const live = judge((await loadEvidence(liveDir)).inventories[0] as TargetInventory);

    // The CLI prints one document per command (it follows NextToken itself): merge the pages.
    const snap = tempDir('auditpack-aws-snap-');
    const files = new Map<string, Record<string, unknown>>();
    for (const r of store.records) {
      const name = parseAwsRecordName(r.name ?? '');
      const kind = r.kind as AwsKind;
      const body = JSON.parse(readFileSync(join(liveDir, r.path), 'utf8')) as Record<string, unknown>;
      // `describe-hub` on an account without Security Hub prints an error on stderr, not JSON.
      // An empty describe-standards-controls list names no standard: nothing to print.
      if (!name || 'Error' in body || (Array.isArray(body.Controls) && body.Controls.length === 0)) continue;
      const spec = AWS_CALLS[kind];
      // describe-standards-controls runs once per standard (the record part is '<standard>/<page>').
 const per = kind === 'AwsSecurityHubStandardsControls' || kind === 'AwsConfigConformancePackCompliance' ? `-${(name.part ?? '').replace(/\/\d+$/, '').replace(/\//g, '_')}` : '';
      const rel = spec.regional ? `aws/${name.account}/${name.region}/${spec.cliCommand}${per}.json` : `aws/${name.account}/${spec.cliService}-${spec.cliCommand}.json`;
      const listKey = LIST_KEYS[kind];
      const { NextToken: _token, ...rest } = body;
      const prev = files.get(rel);
      if (prev && listKey) (prev[listKey] as unknown[]).push(...(rest[listKey] as unknown[]));
      else files.set(rel, rest);
    }
    for (const [rel, body] of files) write(snap, rel, body);

    const offline = await fromSnapshot(snap);
    expect(offline.gaps).toEqual([]);
    expect(offline.inv.ignored).toEqual([]);
    const results = judge(offline.inv);

    const securityHubInUs = (r: CheckResult): boolean => r.resource.namespace === `${ACCOUNT}/${US}` && r.check.startsWith('aws-securityhub-');
    expect(live.filter((r) => !securityHubInUs(r))).toHaveLength(23);
    expect(results.filter((r) => !securityHubInUs(r)).map(line)).toEqual(live.filter((r) => !securityHubInUs(r)).map(line));
    // Without a describe-hub document for us-east-1, Security Hub there is unknown: errors, never a pass.
    expect(results.filter(securityHubInUs).map((r) => `${r.check} ${r.status} ${r.messageId}`)).toEqual([
      'aws-securityhub-enabled error hubMissing',
      'aws-securityhub-standards-enabled error standardsMissing',
      'aws-securityhub-failed-controls error findingsMissing',
    ]);
    expect(live.filter(securityHubInUs).map((r) => r.status)).toEqual(['fail', 'fail', 'error']);
  });

  it('the aws-cli documentation examples: judged, the invalid Example 2 is a parse error, not a crash', async () => {
    const snap = tempDir('auditpack-aws-docs-');
    const base = `aws/${ACCOUNT}/us-west-1`;
    write(snap, `${base}/describe-hub.json`, fixtureText('securityhub-describe-hub.json'));
    write(snap, `${base}/get-enabled-standards.json`, fixtureText('securityhub-get-enabled-standards.json'));
    write(snap, `${base}/get-findings.json`, fixtureText('securityhub-get-findings-example1.json'));
    write(snap, `${base}/get-findings-critical.json`, fixtureText('securityhub-get-findings-example2.invalid.json'));
    write(snap, `${base}/describe-configuration-recorders.json`, fixtureText('configservice-describe-configuration-recorders.json'));
    write(snap, `${base}/describe-configuration-recorder-status.json`, fixtureText('configservice-describe-configuration-recorder-status.json'));
    write(snap, `${base}/describe-compliance-by-config-rule.json`, fixtureText('configservice-describe-compliance-by-config-rule.json'));

    const { inv, gaps } = await fromSnapshot(snap);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatch(/^aws\/123456789012\/us-west-1\/get-findings-critical\.json:12: invalid JSON/);
    expect(inv.aws.regions.map((r) => r.key)).toEqual([`${ACCOUNT}/us-west-1`]);
    // Example 1 was printed with --max-items 1: its NextToken marks the output as cut short.
    expect(inv.gaps.map((g) => g.id)).toContain(`gap-aws-${ACCOUNT}-us-west-1-getfindings-truncated`);

    const results = judge(inv).map((r) => `${r.check} ${r.status} ${r.resource.name} ${r.messageId}`);
    // The unreadable file could have held anything, so nothing passes; the failures stand.
    expect(results).toEqual([
      `aws-securityhub-enabled error ${ACCOUNT}/us-west-1 enabled`,
      'aws-securityhub-enabled error aws-prod evidenceGap',
      `aws-securityhub-standards-enabled error ${ACCOUNT}/us-west-1 ready`,
      'aws-securityhub-standards-enabled error aws-prod evidenceGap',
      `aws-securityhub-failed-controls error ${ACCOUNT}/us-west-1 noControlFindings`,
      'aws-securityhub-failed-controls error aws-prod evidenceGap',
      `aws-config-recorder-on error ${ACCOUNT}/us-west-1 recording`,
      'aws-config-recorder-on error aws-prod evidenceGap',
      'aws-config-rules-compliant fail InstanceTypesAreT2micro nonCompliant',
      'aws-config-rules-compliant fail RequiredTagsForVolumes nonCompliant',
      'aws-config-rules-compliant error aws-prod evidenceGap',
    ]);
  });
});

describe('awsRecognizers', () => {
  const hit = (value: unknown, file: string): string | undefined => {
    const r = recognizeCloudOutput(value, file);
    return r ? `${r.kind} ${r.name} | ${r.cli}` : undefined;
  };

  it('recognises each aws CLI output, taking account and region from ARNs in the content first', () => {
    expect(awsRecognizers).toHaveLength(12);
    expect(hit(fixture('securityhub-describe-hub.json'), 'hub.json')).toBe(
      `AwsSecurityHubHub aws/${ACCOUNT}/us-west-1/securityhub/DescribeHub#hub.json | aws securityhub describe-hub --region us-west-1 --output json`,
    );
    expect(hit(fixture('securityhub-get-enabled-standards.json'), 'prod/eu-west-1/standards.json')).toBe(
      `AwsSecurityHubStandards aws/${ACCOUNT}/us-west-1/securityhub/GetEnabledStandards#prod/eu-west-1/standards.json | aws securityhub get-enabled-standards --region us-west-1 --output json`,
    );
    expect(hit(fixture('sdkjs-securityhub-get-findings-example.json'), 'findings.json')).toMatch(
      new RegExp(`^AwsSecurityHubFindings aws/${ACCOUNT}/us-east-2/securityhub/GetFindings#findings\\.json \\| aws securityhub get-findings --region us-east-2 --filters `),
    );
    expect(hit(fixture('configservice-describe-configuration-recorders.json'), `aws/${ACCOUNT}/eu-central-1/recorders.json`)).toBe(
      `AwsConfigRecorders aws/${ACCOUNT}/eu-central-1/config/DescribeConfigurationRecorders#aws/${ACCOUNT}/eu-central-1/recorders.json | aws configservice describe-configuration-recorders --region eu-central-1 --output json`,
    );
    expect(hit(fixture('configservice-describe-configuration-recorder-status.json'), 'eu-west-2.status.json')).toBe(
      'AwsConfigRecorderStatus aws/unknown/eu-west-2/config/DescribeConfigurationRecorderStatus#eu-west-2.status.json | aws configservice describe-configuration-recorder-status --region eu-west-2 --output json',
    );
    expect(hit(fixture('configservice-describe-compliance-by-config-rule.json'), 'rules.json')).toBe(
      'AwsConfigRuleCompliance aws/unknown/unknown/config/DescribeComplianceByConfigRule#rules.json | aws configservice describe-compliance-by-config-rule --output json',
    );
    expect(hit({ UserId: 'AIDASAMPLEUSERID', Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/DevAdmin` }, 'whoami.json')).toBe(
      `AwsCallerIdentity aws/${ACCOUNT}/global/sts/GetCallerIdentity#whoami.json | aws sts get-caller-identity --output json`,
    );
  });

  it('describe-standards-controls and list-standards-control-associations: the controls of the enabled standards', () => {
    expect(hit(controlsBody(PCI_V4, [{ control: 'S3.5', requirements: ['PCI DSS v4.0.1/4.2.1'] }]), 'pci.json')).toBe(
      `AwsSecurityHubStandardsControls aws/${ACCOUNT}/eu-west-1/securityhub/DescribeStandardsControls#pci.json | aws securityhub describe-standards-controls --region eu-west-1 --standards-subscription-arn arn:aws:securityhub:eu-west-1:${ACCOUNT}:subscription/pci-dss/v/4.0.1 --output json`,
    );
    // The aws-cli example shape of list-standards-control-associations (the account is not in it).
    const associations = {
      StandardsControlAssociationSummaries: [
        { StandardsArn: 'arn:aws:securityhub:eu-west-1::standards/pci-dss/v/4.0.1', SecurityControlId: 'S3.5', SecurityControlArn: `arn:aws:securityhub:eu-west-1:${ACCOUNT}:security-control/S3.5`, AssociationStatus: 'ENABLED', RelatedRequirements: ['PCI DSS v4.0.1/4.2.1'], UpdatedAt: '2026-05-15T18:49:04.473000+00:00', StandardsControlTitle: 'S3 general purpose buckets should require requests to use SSL' },
        { StandardsArn: 'arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0', SecurityControlId: 'S3.5', SecurityControlArn: `arn:aws:securityhub:eu-west-1:${ACCOUNT}:security-control/S3.5`, AssociationStatus: 'DISABLED', RelatedRequirements: [], UpdatedAt: '2026-05-15T18:49:04.473000+00:00', UpdatedReason: 'Covered by the PCI DSS standard' },
      ],
    };
    expect(hit(associations, `aws/${ACCOUNT}/s3.5.json`)).toBe(
      `AwsSecurityHubStandardsControls aws/${ACCOUNT}/eu-west-1/securityhub/DescribeStandardsControls#aws/${ACCOUNT}/s3.5.json | aws securityhub list-standards-control-associations --region eu-west-1 --security-control-id S3.5 --output json`,
    );
    expect(hit({ Controls: [{ ControlId: 'S3.5' }] }, 'x.json')).toBeUndefined();
  });

  it('describe-config-rules: the rule ARNs name account and region', () => {
    const body = {
      ConfigRules: [
        { ConfigRuleName: 's3-bucket-ssl-requests-only', ConfigRuleArn: `arn:aws:config:eu-west-1:${ACCOUNT}:config-rule/config-rule-a1b2c3`, ConfigRuleId: 'config-rule-a1b2c3', Source: { Owner: 'AWS', SourceIdentifier: 'S3_BUCKET_SSL_REQUESTS_ONLY' }, ConfigRuleState: 'ACTIVE' },
      ],
    };
    expect(hit(body, 'rule-definitions.json')).toBe(`AwsConfigRules aws/${ACCOUNT}/eu-west-1/config/DescribeConfigRules#rule-definitions.json | aws configservice describe-config-rules --region eu-west-1 --output json`);
    // The aws-cli example: a custom Lambda rule in us-east-1, attributed by its ARN.
    expect(hit(fixture('configservice-describe-config-rules.json'), 'x.json')).toBe(`AwsConfigRules aws/${ACCOUNT}/us-east-1/config/DescribeConfigRules#x.json | aws configservice describe-config-rules --region us-east-1 --output json`);
    // Not a rule list: no Source.
    expect(hit({ ConfigRules: [{ ConfigRuleName: 'x' }] }, 'x.json')).toBeUndefined();
  });

  it('describe-conformance-packs and describe-conformance-pack-compliance', () => {
    const packs = { ConformancePackDetails: [{ ConformancePackName: 'OrgPCI-DSS-4', ConformancePackArn: `arn:aws:config:eu-west-1:${ACCOUNT}:conformance-pack/OrgPCI-DSS-4/conformance-pack-abcd1234`, ConformancePackId: 'conformance-pack-abcd1234' }] };
    expect(hit(packs, 'packs.json')).toBe(`AwsConfigConformancePacks aws/${ACCOUNT}/eu-west-1/config/DescribeConformancePacks#packs.json | aws configservice describe-conformance-packs --region eu-west-1 --output json`);
    const compliance = { ConformancePackName: 'OrgPCI-DSS-4', ConformancePackRuleComplianceList: [{ ConfigRuleName: 's3-bucket-ssl-requests-only-conformance-pack-abcd1234', ComplianceType: 'NON_COMPLIANT', Controls: [] }] };
    expect(hit(compliance, `aws/${ACCOUNT}/eu-west-1/pci.json`)).toBe(
      `AwsConfigConformancePackCompliance aws/${ACCOUNT}/eu-west-1/config/DescribeConformancePackCompliance#aws/${ACCOUNT}/eu-west-1/pci.json | aws configservice describe-conformance-pack-compliance --region eu-west-1 --conformance-pack-name OrgPCI-DSS-4 --output json`,
    );
    // Without account and region in the path it could be attributed to nothing.
    expect(hit(compliance, 'pci.json')).toBeUndefined();
  });

  it('get-findings: the path names the region called; findings from several regions do not', () => {
    const body = { Findings: [{ Id: 'a', SchemaVersion: '2018-10-08', AwsAccountId: ACCOUNT, Region: 'eu-west-1' }, { Id: 'b', SchemaVersion: '2018-10-08', AwsAccountId: ACCOUNT, Region: 'us-east-1' }] };
    expect(hit(body, 'findings.json')).toMatch(new RegExp(`^AwsSecurityHubFindings aws/${ACCOUNT}/unknown/`));
    expect(hit(body, `aws/${ACCOUNT}/us-east-1/findings.json`)).toMatch(new RegExp(`^AwsSecurityHubFindings aws/${ACCOUNT}/us-east-1/`));
  });

  it('an empty list is recognised only where the path names account and region', () => {
    expect(hit({ Findings: [] }, 'aws.json')).toBeUndefined();
    expect(hit({ Findings: [] }, `${ACCOUNT}/eu-west-1/get-findings.json`)).toMatch(/^AwsSecurityHubFindings aws\/123456789012\/eu-west-1\//);
    expect(hit({ ComplianceByConfigRules: [] }, 'notes/my-notes-1/rules.json')).toBeUndefined();
    // A 12-digit run in a file name (a timestamp) is not an account.
    expect(hit({ Findings: [] }, 'eu-west-1/findings-202611221200.json')).toBeUndefined();
  });

  it('leaves other JSON alone', () => {
    expect(hit({ Findings: [{ foo: 1 }] }, 'x.json')).toBeUndefined();
    expect(hit({ UserId: 'x', Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/x`, Extra: true }, 'x.json')).toBeUndefined();
    expect(hit({ HubArn: 'not-an-arn' }, 'x.json')).toBeUndefined();
    expect(hit({ ConfigurationRecorders: [{ name: 'default' }] }, 'x.json')).toBeUndefined();
    expect(hit([1, 2], 'x.json')).toBeUndefined();
  });

  it('a snapshot with the fixtures reads every AWS document as an API response', async () => {
    const snap = tempDir('auditpack-aws-read-');
    write(snap, `aws/${ACCOUNT}/us-west-1/hub.json`, fixtureText('securityhub-describe-hub.json'));
    write(snap, `aws/${ACCOUNT}/us-west-1/bad.json`, fixtureText('securityhub-get-findings-example2.invalid.json'));
    const read = await readSnapshot(snap);
    expect(read.objects.map((o) => o.apiResponse?.kind)).toEqual(['AwsSecurityHubHub']);
    expect(read.gaps.map((g) => [g.reason, g.file, g.line])).toEqual([['parse-error', `aws/${ACCOUNT}/us-west-1/bad.json`, 12]]);
  });
});
