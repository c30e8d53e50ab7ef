import { describe, expect, it } from 'vitest';
import { inventoryOf } from '../../checks/tester.ts';
import {
  ACCOUNT,
  EU,
  US,
  awsObject,
  findingBody,
  findings,
  fixture,
  hub,
  hubNotEnabled,
  identity,
  recorders,
  rules,
  standards,
  PCI_V4,
} from '../../../test/collectors/aws/aws-objects.ts';

describe('buildAwsInventory', () => {
  it('claims every AWS record and groups it by account and region from the record name', () => {
    const inv = inventoryOf([hub(ACCOUNT, US), identity(), hub(ACCOUNT, EU), recorders([{}], ACCOUNT, EU), { apiVersion: 'http.auditpack.io/v1', kind: 'ConsulAgentSelf', metadata: { name: '/v1/agent/self' }, body: {} }]);
    expect(inv.aws.present).toBe(true);
    expect(inv.aws.presenceEvidence).toEqual(['ev-test-000', 'ev-test-001', 'ev-test-002', 'ev-test-003']);
    expect(inv.aws.identities).toEqual([{ evidenceId: 'ev-test-001', account: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/auditpack-audit/auditpack`, error: undefined }]);
    expect(inv.aws.regions.map((r) => [r.key, r.hub?.state, r.recorders?.items.length ?? 0])).toEqual([
      [`${ACCOUNT}/${EU}`, 'enabled', 1],
      [`${ACCOUNT}/${US}`, 'enabled', 0],
    ]);
    expect(inv.ignored.map((i) => i.kind)).toEqual([]);
  });

  it('nothing AWS: not present', () => {
    expect(inventoryOf([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }]).aws).toEqual({ present: false, presenceEvidence: [], identities: [], regions: [] });
  });

  it('Security Hub not enabled is a state; two DescribeHub records for one region: the enabled one wins', () => {
    expect(inventoryOf([hubNotEnabled()]).aws.regions[0]?.hub).toMatchObject({ state: 'not-enabled', errorCode: 'InvalidAccessException' });
    expect(inventoryOf([awsObject('AwsSecurityHubHub', ACCOUNT, EU, hubNotEnabledLike(), 'a.json'), awsObject('AwsSecurityHubHub', ACCOUNT, EU, fixture('securityhub-describe-hub.json'), 'b.json')]).aws.regions[0]?.hub?.state).toBe('enabled');
  });

  it('reads standards: family, version, display name, status reason', () => {
    const inv = inventoryOf([standards([{ standard: PCI_V4, status: 'INCOMPLETE', reason: 'NO_AVAILABLE_CONFIGURATION_RECORDER' }, { standard: 'cis-aws-foundations-benchmark/v/1.2.0' }])]);
    expect(inv.aws.regions[0]?.standards?.items.map((s) => [s.family, s.version, s.displayName, s.status, s.statusReason])).toEqual([
      ['cis-aws-foundations-benchmark', '1.2.0', 'CIS AWS Foundations Benchmark v1.2.0', 'READY', undefined],
      ['pci-dss', '4.0.1', 'PCI DSS v4.0.1', 'INCOMPLETE', 'NO_AVAILABLE_CONFIGURATION_RECORDER'],
    ]);
  });

  it('reads findings in all three control-id formats and attributes each to where it is from', () => {
    const example1 = (fixture('securityhub-get-findings-example1.json').Findings as Record<string, unknown>[])[0] ?? {};
    // Example 2's finding (the upstream JSON is invalid; this is its content, repaired): legacy CIS with RuleId and no Region.
    const cisLegacy = {
      SchemaVersion: '2018-10-08',
      Id: 'arn:aws:securityhub:us-west-1: 123456789012:subscription/cis-aws-foundations-benchmark/v/1.2.0/1.13/finding/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      ProductArn: 'arn:aws:securityhub:us-west-2::product/aws/securityhub',
      GeneratorId: 'arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.13',
      AwsAccountId: '123456789012',
      FindingProviderFields: { Severity: { Original: 90, Label: 'CRITICAL' } },
      Title: '1.13 Ensure MFA is enabled for the "root" account',
      ProductFields: { StandardsGuideArn: 'arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0', RuleId: '1.13' },
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'NOTIFIED' },
      RecordState: 'ACTIVE',
    };
    const inv = inventoryOf([findings([findingBody({ control: 'S3.8', region: US }), example1, cisLegacy], ACCOUNT, EU)]);
    const items = inv.aws.regions[0]?.findings?.items ?? [];
    expect(items.map((f) => [f.controlId, f.account, f.region, f.severity, f.complianceStatus, f.recordState, f.workflowStatus])).toEqual([
      ['PCI.Lambda.2', ACCOUNT, 'us-west-1', 'INFORMATIONAL', 'PASSED', 'ARCHIVED', 'NEW'],
      ['S3.8', ACCOUNT, US, 'MEDIUM', 'FAILED', 'ACTIVE', 'NEW'],
      ['CIS v1.2.0 1.13', ACCOUNT, 'us-west-2', 'CRITICAL', 'FAILED', 'ACTIVE', 'NOTIFIED'],
    ]);
    expect(items[0]?.relatedRequirements).toEqual(['PCI DSS 1.2.1', 'PCI DSS 1.3.1', 'PCI DSS 1.3.2', 'PCI DSS 1.3.4']);
  });

  it('a paged list whose every page ends with a NextToken is truncated, with a gap for that region', () => {
    const inv = inventoryOf([rules([{ name: 'a' }], ACCOUNT, EU, '1', 'more'), rules([{ name: 'b' }], ACCOUNT, US, '1', 'more'), rules([{ name: 'c' }], ACCOUNT, US, '2')]);
    expect(inv.aws.regions.map((r) => [r.key, r.ruleCompliance?.truncated, r.ruleCompliance?.items.map((x) => x.name)])).toEqual([
      [`${ACCOUNT}/${EU}`, true, ['a']],
      [`${ACCOUNT}/${US}`, false, ['b', 'c']],
    ]);
    expect(inv.gaps.map((g) => [g.id, g.reason, g.kinds, g.namespace])).toEqual([[`gap-aws-${ACCOUNT}-${EU}-describecompliancebyconfigrule-truncated`, 'not-found', ['AwsConfigRuleCompliance'], `${ACCOUNT}/${EU}`]]);
  });

  it('a body or name that does not fit is a schema-invalid gap for its kind (and region), never silently dropped', () => {
    const inv = inventoryOf([
      awsObject('AwsSecurityHubFindings', ACCOUNT, EU, { Findings: [{ Id: 7 }] }, '1'),
      { apiVersion: 'http.auditpack.io/v1', kind: 'AwsConfigRecorders', metadata: { name: 'recorders' }, body: { ConfigurationRecorders: [] } },
    ]);
    expect(inv.gaps.map((g) => [g.reason, g.kinds, g.namespace ?? null])).toEqual([
      ['schema-invalid', ['AwsSecurityHubFindings'], `${ACCOUNT}/${EU}`],
      ['schema-invalid', ['AwsConfigRecorders'], null],
    ]);
    expect(inv.gaps[0]?.message).toContain('body.Findings.0.Id');
    expect(inv.aws.regions).toEqual([]);
    expect(inv.aws.present).toBe(true);
  });
});

function hubNotEnabledLike(): Record<string, unknown> {
  return { Error: { Code: 'InvalidAccessException', Message: 'Account 123456789012 is not subscribed to AWS Security Hub' } };
}
