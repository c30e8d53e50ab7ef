import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/registry.ts';
import { DEFAULT_CONTROLS_DIR, loadCatalogs, parseCatalog } from '../../src/controls/load.ts';
import { CatalogError } from '../../src/shared/errors.ts';

const KNOWN = new Set(CHECKS.map((c) => c.meta.id));

function catalogError(fn: () => unknown): CatalogError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CatalogError) return err;
    throw err;
  }
  throw new Error('expected a CatalogError');
}

describe('control catalogs', () => {
  it('load the shipped SOC 2, HIPAA and PCI DSS v4 catalogs', async () => {
    const catalogs = await loadCatalogs(DEFAULT_CONTROLS_DIR, KNOWN);
    expect(catalogs.map((c) => c.framework).sort()).toEqual(['hipaa', 'pci-dss-4', 'soc2']);
    const ids = (fw: string): string[] => catalogs.find((c) => c.framework === fw)?.controls.map((c) => c.id) ?? [];
    expect(ids('soc2')).toContain('CC6.7');
    expect(ids('hipaa')).toContain('164.312(e)(1)');
    expect(ids('pci-dss-4')).toContain('4.2.1');
    const hipaa = catalogs.find((c) => c.framework === 'hipaa');
    expect(hipaa?.controls.every((c) => c.requirement === 'required' || c.requirement === 'addressable')).toBe(true);
    expect(hipaa?.controls.find((c) => c.id === '164.312(e)(2)(ii)')?.requirement).toBe('addressable');
  });

  // Aggregate posture signals map to monitoring criteria only (SOC 2 CC4.1, HIPAA 164.308(a)(8)),
  // never to a PCI requirement (shared/reference/controls-mapping.yaml: azure.secure_score,
  // azure.regulatory_compliance_state).
  const UNMAPPED_BY_DESIGN: Record<string, string[]> = {
    'azure-secure-score': ['pci-dss-4'],
    'azure-regulatory-compliance': ['pci-dss-4'],
  };

  it('map every check to at least one control in each framework (except documented non-mappings)', async () => {
    const catalogs = await loadCatalogs(DEFAULT_CONTROLS_DIR, KNOWN);
    for (const check of CHECKS) {
      for (const catalog of catalogs) {
        if (UNMAPPED_BY_DESIGN[check.meta.id]?.includes(catalog.framework)) continue;
        const mapped = catalog.controls.some((c) => c.checks?.includes(check.meta.id));
        expect(mapped, `${check.meta.id} is not mapped in ${catalog.framework}`).toBe(true);
      }
    }
  });

  it('list every offending path at once: unknown keys, unknown checks, duplicates, bad values', () => {
    const text = [
      'framework: soc2',
      'title: SOC 2',
      'version: "2017"',
      'source: https://example.com/soc2',
      'owner: someone',
      'controls:',
      '  - id: "CC6.1"',
      '    title: Access',
      '    checks: [istio-mtls-strict, istio-mtls-strikt]',
      '  - id: "CC6.1"',
      '    title: Again',
      '    checks: [no-such-check]',
    ].join('\n');
    const err = catalogError(() => parseCatalog(text, 'soc2.yaml', KNOWN));
    expect(err.code).toBe('CATALOG_INVALID');
    expect(err.issues.join('\n')).toMatch(/soc2\.yaml:\d*:? ?\(root\): Unrecognized key.*owner/);

    const refs = text.replace('owner: someone\n', '');
    const err2 = catalogError(() => parseCatalog(refs, 'soc2.yaml', KNOWN));
    expect(err2.code).toBe('CATALOG_UNKNOWN_CHECK');
    expect(err2.issues).toHaveLength(3);
    expect(err2.issues[0]).toBe('soc2.yaml:8: controls.0.checks.1: unknown check id "istio-mtls-strikt"');
    expect(err2.issues.some((i) => i.includes('duplicate control id "CC6.1"'))).toBe(true);
    expect(err2.issues.some((i) => i.includes('unknown check id "no-such-check"'))).toBe(true);
  });

  it('rejects an unknown key inside a control and a bad HIPAA requirement value', () => {
    const text = 'framework: hipaa\ntitle: H\nversion: v\nsource: https://example.com\ncontrols:\n  - id: "164.312(a)(1)"\n    title: Access control\n    requirement: optional\n    check: [istio-mtls-strict]\n';
    const err = catalogError(() => parseCatalog(text, 'hipaa.yaml', KNOWN));
    const all = err.issues.join('\n');
    expect(all).toMatch(/controls\.0\.requirement/);
    expect(all).toMatch(/controls\.0: Unrecognized key.*check/);
  });

  it('keep ids exactly as the frameworks print them (quoted in YAML)', async () => {
    for (const f of ['soc2.yaml', 'hipaa.yaml', 'pci-dss-4.yaml']) {
      const text = await readFile(`${DEFAULT_CONTROLS_DIR}${f}`, 'utf8');
      for (const line of text.split('\n').filter((l) => l.trim().startsWith('- id:'))) expect(line).toMatch(/- id: "[^"]+"$/);
    }
  });
});
