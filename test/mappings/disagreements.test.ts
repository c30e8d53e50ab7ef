import { describe, expect, it } from 'vitest';
import { evaluateChecks } from '../../src/pipeline/evaluate.ts';
import { inventoryOf } from '../../src/checks/tester.ts';
import { applyMappingTables } from '../../src/mappings/apply.ts';
import { MappingDisagreements, findSecurityHubDisagreements, type MappingDisagreement } from '../../src/mappings/disagreements.ts';
import type { MappingTable } from '../../src/mappings/schema.ts';

// What the pipeline does (src/pipeline/evaluate.ts): tables applied, then the Security Hub cross-check.
function findMappingDisagreements(results: readonly CheckResult[], tables: readonly MappingTable[], applied = new MappingDisagreements()): MappingDisagreement[] {
  findSecurityHubDisagreements(results, tables, applied);
  return applied.list();
}
import { parseMappingTable } from '../../src/mappings/load.ts';
import type { CheckResult } from '../../src/checks/types.ts';
import { ACCOUNT, EU, US, configRules, findings, hub, identity } from '../collectors/aws/aws-objects.ts';

const NOW = new Date('2026-11-22T12:00:00Z');

// A Config-rule table whose PCI row came from the Security Hub controls reference, as shipped.
const TABLE = parseMappingTable(
  `table: test-config-rules
title: test
check: aws-config-rules-compliant
key: sourceIdentifier
source: "auditpack review"
licence: "test"
rows:
  - { from: S3_BUCKET_SSL_REQUESTS_ONLY, control: "pci-dss-4:4.2.1", strength: supports, rationale: "Buckets refuse plain HTTP, so data sent to them is encrypted in transit.", source: "AWS Security Hub controls reference: [S3.5]" }
  - { from: S3_BUCKET_SSL_REQUESTS_ONLY, control: "hipaa:164.312(e)(1)", strength: supports, rationale: "Buckets refuse plain HTTP, so ePHI sent to them is protected in transit." }
`,
  'test.yaml',
);

const S35_RULE = 'securityhub-s3-bucket-ssl-requests-only-3f9a1c';

function securityHubResults(requirements: readonly string[], region = EU): CheckResult[] {
  const inv = inventoryOf([
    identity(),
    hub(ACCOUNT, region),
    findings([{ control: 'S3.5', requirements, configRule: S35_RULE, region }], ACCOUNT, region),
    configRules([{ name: S35_RULE, identifier: 'S3_BUCKET_SSL_REQUESTS_ONLY', createdBy: 'securityhub.amazonaws.com' }], ACCOUNT, region),
  ]);
  return evaluateChecks([inv], NOW).results.filter((r) => r.check === 'aws-securityhub-failed-controls');
}

describe('live mapping vs shipped table', () => {
  it('a Security Hub control names the managed rule it is evaluated with (finding ProductFields + DescribeConfigRules)', () => {
    const [s35] = securityHubResults(['PCI DSS v4.0.1/4.2.1']);
    expect(s35?.data.configRuleIdentifier).toBe('S3_BUCKET_SSL_REQUESTS_ONLY');
    // The rule's DescribeConfigRules record is part of the evidence.
    expect(s35?.evidence).toHaveLength(2);
  });

  it('no disagreement when AWS relates the control to what the table says', () => {
    const results = securityHubResults(['PCI DSS v4.0.1/4.2.1', 'NIST.800-53.r5 SC-8']);
    applyMappingTables(results, [TABLE]);
    expect(findMappingDisagreements(results, [TABLE])).toEqual([]);
  });

  it('AWS changed its mapping: both lists, the scopes and the results are reported, once per difference', () => {
    const results = [...securityHubResults(['PCI DSS v4.0.1/4.2.1', 'PCI DSS v4.0.1/4.2.2']), ...securityHubResults(['PCI DSS v4.0.1/4.2.1', 'PCI DSS v4.0.1/4.2.2'], US)];
    const found = findMappingDisagreements(results, [TABLE]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      source: 'AWS Security Hub control S3.5 (AWS Config managed rule S3_BUCKET_SSL_REQUESTS_ONLY)',
      framework: 'pci-dss-4',
      live: ['pci-dss-4:4.2.1', 'pci-dss-4:4.2.2'],
      liveProvenance: 'AWS Security Hub RelatedRequirements',
      shipped: ['pci-dss-4:4.2.1'],
      table: 'test-config-rules',
      scopes: [`${ACCOUNT}/${EU}`, `${ACCOUNT}/${US}`],
    });
    expect(found[0]?.resultIds).toHaveLength(2);
    expect(found[0]?.message).toBe(
      'AWS Security Hub now relates S3.5 to PCI DSS v4.0.1 4.2.1, 4.2.2; the shipped table test-config-rules relates S3_BUCKET_SSL_REQUESTS_ONLY to 4.2.1 (4.2.2 only in AWS\'s data). ' +
        "Security Hub's result uses AWS's live list; Config rules outside Security Hub with this identifier use the table until it is reviewed.",
    );
  });

  it('a row only in the table is named as such; a row not taken from Security Hub (HIPAA, our review) is not compared', () => {
    const found = findMappingDisagreements(securityHubResults(['PCI DSS v4.0.1/1.2.8']), [TABLE]);
    expect(found.map((d) => d.message.split(' (')[1]?.split(')')[0])).toEqual(["1.2.8 only in AWS's data; 4.2.1 only in the table"]);
  });

  it('without the rule definition (DescribeConfigRules missing) nothing is compared, and nothing is claimed', () => {
    const inv = inventoryOf([identity(), hub(), findings([{ control: 'S3.5', requirements: ['PCI DSS v4.0.1/4.2.2'], configRule: S35_RULE }])]);
    const results = evaluateChecks([inv], NOW).results;
    expect(results.find((r) => r.resource.name === 'S3.5')?.data.configRuleIdentifier).toBe('');
    expect(findMappingDisagreements(results, [TABLE])).toEqual([]);
  });

  it('a live edge and a table row for the same control with different strengths', () => {
    const strong = parseMappingTable(TABLE_YAML_STRENGTH, 'strength.yaml');
    const [found35] = securityHubResults(['PCI DSS v4.0.1/4.2.1']);
    if (!found35) throw new Error('no S3.5 result');
    const s35: CheckResult = { ...found35, data: { ...found35.data, nist80053: 'SC-8' } };
    const applied = new MappingDisagreements();
    applyMappingTables([s35], [strong], applied);
    const found = findMappingDisagreements([s35], [strong], applied);
    expect(found.map((d) => d.message)).toEqual(['AWS Security Hub RelatedRequirements maps SC-8 to pci-dss-4:4.2.1 as "supports"; the shipped table strength-test says "satisfies". The live mapping is used.']);
    // The live edge is kept as it was.
    expect(s35.mappedControls?.filter((m) => m.control === 'pci-dss-4:4.2.1').map((m) => m.strength)).toEqual(['supports']);
  });
});

const TABLE_YAML_STRENGTH = `table: strength-test
title: test
check: aws-securityhub-failed-controls
key: nist80053
source: "test"
licence: "test"
rows:
  - { from: SC-8, control: "pci-dss-4:4.2.1", strength: satisfies, rationale: "A deliberately conflicting row for the test." }
`;
