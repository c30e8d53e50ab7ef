import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/registry.ts';
import type { CheckResult } from '../../src/checks/types.ts';
import { applyMappingTables } from '../../src/mappings/apply.ts';
import { parseMappingTable, shippedMappingTables } from '../../src/mappings/load.ts';
import { evaluateChecks } from '../../src/pipeline/evaluate.ts';
import { inventoryOf } from '../../src/checks/tester.ts';
import { PROJECT, listRules, secureEffective } from '../collectors/gcp/gcp-objects.ts';
import { ACCOUNT, configRules, findings, hub, identity, rules } from '../collectors/aws/aws-objects.ts';

const NOW = new Date('2026-11-22T12:00:00Z');
const KNOWN = new Set(CHECKS.map((c) => c.meta.id));

describe('shipped mapping tables (controls/mappings)', () => {
  it('every shipped table parses, names a registered check and has unique rows', () => {
    const tables = shippedMappingTables(undefined, KNOWN);
    expect(tables.map((t) => t.table)).toContain('gcp-org-policy');
    for (const t of tables) expect(KNOWN.has(t.check)).toBe(true);
  });

  it('a GCP project whose TLS-version constraint is not enforced lands on PCI 4.2.1 through the table, with its provenance', () => {
    const inv = inventoryOf(secureEffective({ 'gcp.restrictTLSVersion': listRules('gcp.restrictTLSVersion', { values: { deniedValues: ['TLS_VERSION_1'] } }) }));
    const { results } = evaluateChecks([inv], NOW);
    const tls = results.find((r) => r.check === 'gcp-orgpolicy-constraints-enforced' && r.resource.name === `projects/${PROJECT}/policies/gcp.restrictTLSVersion`);
    expect(tls?.status).toBe('fail');
    expect(tls?.mappedControls?.map((m) => `${m.control} ${m.strength}`)).toEqual(['pci-dss-4:4.2.1 supports', 'pci-dss-4:2.2.5 supports', 'hipaa:164.312(e)(2)(ii) supports', 'soc2:CC6.7 supports']);
    expect(tls?.mappedControls?.[0]?.provenance).toMatch(/^auditpack review of the Google Cloud organization policy constraints reference, https:\/\/cloud\.google\.com\/.* \(table controls\/mappings\/gcp-org-policy\.yaml; Mapping: auditpack/);
    // Not on PCI 1.4.4: that is the external-IP and public-access constraints' requirement.
    expect(tls?.mappedControls?.some((m) => m.control === 'pci-dss-4:1.4.4')).toBe(false);
    const osLogin = results.find((r) => r.resource.name === `projects/${PROJECT}/policies/compute.requireOsLogin`);
    expect(osLogin?.status).toBe('pass');
    expect(osLogin?.mappedControls?.map((m) => m.control)).toEqual(['soc2:CC6.1', 'hipaa:164.312(d)', 'pci-dss-4:8.2.1']);
  });

  it('every row names a control that exists in our catalogs (controls/*.yaml)', () => {
    const ids = new Set<string>();
    const dir = new URL('../../controls/', import.meta.url);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      const cat = parse(readFileSync(new URL(f, dir), 'utf8')) as { framework: string; controls: { id: string }[] };
      for (const c of cat.controls) ids.add(`${cat.framework}:${c.id}`);
    }
    for (const t of shippedMappingTables(undefined, KNOWN)) for (const row of t.rows) expect(ids.has(row.control), `${t.table}: ${row.from} -> ${row.control}`).toBe(true);
  });

  it('Security Hub S3.5: AWS maps PCI 4.2.1; its NIST SC-8 / SC-8(1) reach HIPAA through the NIST SP 800-66r2 table, each edge with its provenance', () => {
    const { results } = evaluateChecks([inventoryOf([identity(), hub(), findings([{ control: 'S3.5', requirements: ['PCI DSS v4.0.1/4.2.1', 'NIST.800-53.r5 AC-17(2)', 'NIST.800-53.r5 SC-8', 'NIST.800-53.r5 SC-8(1)', 'NIST.800-53.r5 SC-13'] }])])], NOW);
    const s35 = results.find((r) => r.check === 'aws-securityhub-failed-controls' && r.resource.name === 'S3.5');
    expect(s35?.data.nist80053).toBe('AC-17(2), SC-8, SC-8(1), SC-13');
    expect(s35?.mappedControls?.map((m) => `${m.control} ${m.strength} ${m.provenance.split(',')[0] ?? ''}`)).toEqual([
      'pci-dss-4:4.2.1 supports AWS Security Hub RelatedRequirements',
      'hipaa:164.312(e)(1) supports NIST SP 800-66 Rev. 2 (February 2024)',
      'hipaa:164.312(e)(2)(ii) supports NIST SP 800-66 Rev. 2 (February 2024)',
      'hipaa:164.312(a)(2)(iv) supports NIST SP 800-66 Rev. 2 (February 2024)',
      'soc2:CC6.7 supports auditpack review of NIST SP 800-53 Rev. 5 control statements against the 2017 Trust Services Criteria (points of focus revised 2022); AWS Security Hub RelatedRequirements (table controls/mappings/aws-securityhub-nist-soc2.yaml; Mapping: auditpack (project licence',
      'soc2:CC6.1 supports auditpack review of NIST SP 800-53 Rev. 5 control statements against the 2017 Trust Services Criteria (points of focus revised 2022); AWS Security Hub RelatedRequirements (table controls/mappings/aws-securityhub-nist-soc2.yaml; Mapping: auditpack (project licence',
    ]);
    // Nothing lands on monitoring controls.
    expect(s35?.mappedControls?.some((m) => m.control === 'pci-dss-4:10.4.1' || m.control === 'soc2:CC7.2')).toBe(false);
  });

  it('AWS Config managed rules table: keyed by Source.SourceIdentifier, vendor-cited pairs, all `supports`', () => {
    const file = 'controls/mappings/aws-config-managed-rules.yaml';
    const table = parseMappingTable(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'), file, KNOWN);
    expect([table.table, table.check, table.key]).toEqual(['aws-config-managed-rules', 'aws-config-rules-compliant', 'sourceIdentifier']);
    const to = (from: string) => table.rows.filter((r) => r.from === from).map((r) => r.control);
    // Security Hub [S3.5] (s3-bucket-ssl-requests-only) lists PCI DSS v4.0.1/4.2.1; the AWS HIPAA page
    // lists the transmission-security controls for the same rule.
    expect(to('S3_BUCKET_SSL_REQUESTS_ONLY')).toEqual(expect.arrayContaining(['pci-dss-4:4.2.1', 'hipaa:164.312(e)(1)', 'hipaa:164.312(e)(2)(i)', 'hipaa:164.312(e)(2)(ii)']));
    const ssl = table.rows.find((r) => r.from === 'S3_BUCKET_SSL_REQUESTS_ONLY' && r.control === 'pci-dss-4:4.2.1');
    expect(ssl?.source).toMatch(/^AWS Security Hub controls reference: \[S3\.5\] .*PCI DSS v4\.0\.1\/4\.2\.1/);
    expect(table.rows.find((r) => r.from === 'S3_BUCKET_SSL_REQUESTS_ONLY' && r.control === 'hipaa:164.312(e)(1)')?.source).toBe("AWS Config Operational Best Practices for HIPAA Security (sample mapping), control ids as cdk-nag RULES.md (cdklabs, Apache-2.0) lists them");
    // restricted-ssh is reported by its identifier, not its rule name.
    expect(to('INCOMING_SSH_DISABLED')).toContain('pci-dss-4:1.3.1');
    expect(table.rows.some((r) => r.from === 'restricted-ssh' || r.from !== r.from.toUpperCase())).toBe(false);
    // Security Hub [ELB.1] lists no PCI DSS v4.0.1 requirement, so the redirect rule has no PCI row.
    expect(to('ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK').some((c) => c.startsWith('pci-dss-4:'))).toBe(false);
    for (const row of table.rows) {
      expect(row.strength, `${row.from} -> ${row.control}`).toBe('supports');
      expect(row.source, `${row.from} -> ${row.control}`).toBeTruthy();
      if (row.control.startsWith('soc2:')) expect(row.source).toBe('auditpack review');
    }
  });

  it('a NON_COMPLIANT AWS Config rule outside Security Hub lands on the requirements of its managed rule, with provenance; a custom rule only on the baseline edges', () => {
    const inv = inventoryOf([
      identity(),
      rules([{ name: 's3-ssl-conformance-pack-x1y2', type: 'NON_COMPLIANT', count: 4 }, { name: 'team-lambda-rule', type: 'NON_COMPLIANT', count: 1 }]),
      configRules([{ name: 's3-ssl-conformance-pack-x1y2', identifier: 'S3_BUCKET_SSL_REQUESTS_ONLY', createdBy: 'config-conforms.amazonaws.com' }, { name: 'team-lambda-rule', owner: 'CUSTOM_LAMBDA', identifier: 'arn:aws:lambda:eu-west-1:123456789012:function:x' }]),
    ]);
    const { results } = evaluateChecks([inv], NOW);
    const ssl = results.find((r) => r.resource.name === 's3-ssl-conformance-pack-x1y2');
    expect(ssl?.status).toBe('fail');
    expect(ssl?.mappedControls?.map((m) => m.control)).toEqual(expect.arrayContaining(['pci-dss-4:4.2.1', 'hipaa:164.312(e)(1)', 'soc2:CC6.7']));
    expect(ssl?.mappedControls?.find((m) => m.control === 'pci-dss-4:4.2.1')?.provenance).toMatch(/^AWS Security Hub controls reference: \[S3\.5\].*\(table controls\/mappings\/aws-config-managed-rules\.yaml; Pairs of/);
    // Not on the monitoring requirements.
    expect(ssl?.mappedControls?.some((m) => m.control === 'pci-dss-4:10.4.1' || m.control === 'soc2:CC7.2')).toBe(false);
    const custom = results.find((r) => r.resource.name === 'team-lambda-rule');
    expect(custom?.status).toBe('fail');
    expect(custom?.mappedControls ?? []).toEqual([]);
  });

  it('the pipeline keeps the vendor mapping of Security Hub results untouched (no table for them)', () => {
    const { results } = evaluateChecks([inventoryOf([identity(), hub(), findings([{ control: 'S3.5', requirements: ['PCI DSS v4.0.1/4.2.1'] }])])], NOW);
    const s35 = results.find((r) => r.check === 'aws-securityhub-failed-controls' && r.resource.name === 'S3.5');
    expect(s35?.resource.namespace).toBe(`${ACCOUNT}/eu-west-1`);
    expect(s35?.mappedControls?.map((m) => [m.control, m.provenance])).toEqual([['pci-dss-4:4.2.1', 'AWS Security Hub RelatedRequirements']]);
  });

  it('a live edge and a table row for the same control: kept once, and a strength disagreement is shown', () => {
    const table = parseMappingTable(
      'table: t\ntitle: T\ncheck: c\nkey: rule\nsource: S\nlicence: L\nrows:\n  - { from: r1, control: "pci-dss-4:4.2.1", strength: satisfies, rationale: "Row rationale long enough." }\n',
      't.yaml',
    );
    const result: CheckResult = {
      check: 'c',
      status: 'fail',
      severity: 'high',
      target: 't',
      resource: { kind: 'X', name: 'r1' },
      messageId: 'm',
      message: 'm',
      data: { rule: 'r1' },
      evidence: ['ev-1'],
      mappedControls: [{ control: 'pci-dss-4:4.2.1', strength: 'supports', rationale: 'live', provenance: 'Vendor' }],
    };
    applyMappingTables([result], [table]);
    expect(result.mappedControls).toEqual([{ control: 'pci-dss-4:4.2.1', strength: 'supports', rationale: 'live', provenance: 'Vendor' }]);
    expect(result.warning).toBe('Vendor maps pci-dss-4:4.2.1 as supports; the shipped table t says satisfies');
  });

  it('bad tables are refused naming the file and line', () => {
    const bad = 'table: t\ntitle: T\ncheck: nope\nkey: k\nsource: S\nlicence: L\nrows:\n  - { from: a, control: "pci:4.2.1", strength: supports, rationale: "Long enough rationale." }\n  - { from: a, control: "soc2:CC6.1", strength: maybe, rationale: "Long enough rationale." }\n';
    expect(() => parseMappingTable(bad, 'controls/mappings/t.yaml', KNOWN)).toThrow(/does not match the mapping-table schema/);
    try {
      parseMappingTable(bad, 'controls/mappings/t.yaml', KNOWN);
    } catch (err) {
      const issues = (err as { details?: unknown; issues?: unknown }).issues ?? (err as { details?: unknown }).details;
      expect(JSON.stringify(issues ?? String(err))).toMatch(/controls\/mappings\/t\.yaml:8: rows\.0\.control/);
      expect(JSON.stringify(issues ?? String(err))).toMatch(/controls\/mappings\/t\.yaml:9: rows\.1\.strength/);
    }
    const dup = 'table: t\ntitle: T\ncheck: nope\nkey: k\nsource: S\nlicence: L\nrows:\n  - { from: a, control: "soc2:CC6.1", strength: supports, rationale: "Long enough rationale." }\n  - { from: a, control: "soc2:CC6.1", strength: supports, rationale: "Long enough rationale." }\n';
    expect(() => parseMappingTable(dup, 'd.yaml', KNOWN)).toThrow(/is inconsistent/);
    const dir = mkdtempSync(join(tmpdir(), 'auditpack-maps-'));
    try {
      writeFileSync(join(dir, 'x.yaml'), 'table: [');
      expect(() => shippedMappingTables(dir)).toThrow(/is not valid YAML/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
