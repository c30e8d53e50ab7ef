import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/registry.ts';
import { DEFAULT_CONTROLS_DIR, loadCatalogs, parseCatalog, parseIdList, selectSoc2Categories } from '../../src/controls/load.ts';
import { edgeChecks } from '../../src/controls/schema.ts';
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

// A small catalog in the real format; each bad case below breaks one rule of it.
const HEAD = ['framework: pci-dss-4', 'title: PCI', 'version: "4.0.1"', 'source: https://example.com/pci', 'controls:'];
const GOOD = [
  ...HEAD,
  '  - id: "4.2.1"',
  '    title: Strong cryptography in transit',
  '    evidence: partial',
  '    attest: Hops over public networks outside the mesh use strong cryptography.',
  '    edges:',
  '      - check: istio-mtls-strict',
  '        strength: satisfies',
  '        rationale: Fails when a workload port accepts plaintext, so PAN could cross the network unencrypted.',
  '  - id: "12.10.1"',
  '    title: An incident response plan exists',
  '    evidence: manual',
  '    attest: The incident response plan exists and is ready to be activated.',
].join('\n');

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
    const soc2 = catalogs.find((c) => c.framework === 'soc2');
    expect(soc2?.controls.every((c) => c.category !== undefined)).toBe(true);
    expect(soc2?.controls.find((c) => c.id === 'A1.2')?.category).toBe('availability');
  });

  it('give every edge a strength, a rationale and a source, and every non-automated control its attest text', async () => {
    const catalogs = await loadCatalogs(DEFAULT_CONTROLS_DIR, KNOWN);
    for (const catalog of catalogs) {
      for (const control of catalog.controls) {
        const where = `${catalog.framework}:${control.id}`;
        if (control.evidence === 'automated') expect(edgeChecks(control, 'satisfies').length, where).toBeGreaterThan(0);
        else expect(control.attest, where).toBeTruthy();
        for (const e of control.edges ?? []) {
          expect(e.rationale.length, `${where} ${e.check}`).toBeGreaterThanOrEqual(10);
          expect(e.source).toBe('auditpack');
          if (control.evidence === 'manual') expect(e.strength, `${where} ${e.check}`).toBe('supports');
        }
      }
    }
  });

  // Mappings reviewed for issue 11 and dropped because the evidence cannot support the control.
  const DROPPED: [string, string, string][] = [
    ['pci-dss-4', '11.5.2', 'aws-config-recorder-on'],
    ['pci-dss-4', '6.5.1', 'aws-config-recorder-on'],
    ['soc2', 'CC2.1', 'aws-config-recorder-on'],
    ['soc2', 'CC3.4', 'aws-config-recorder-on'],
    ['pci-dss-4', '11.4.5', 'k8s-netpol-default-deny-ingress'],
    ['pci-dss-4', '11.4.5', 'k8s-netpol-default-deny-egress'],
    ['pci-dss-4', '11.4.5', 'k8s-netpol-no-allow-all'],
    ['hipaa', '164.308(a)(1)(ii)(A)', 'k8s-netpol-default-deny-ingress'],
    ['hipaa', '164.308(a)(1)(ii)(A)', 'istio-sidecar-coverage'],
    ['pci-dss-4', '7.2.5.1', 'istio-authz-identity-needs-mtls'],
  ];
  it('keep dropped mappings dropped: configuration evidence never stands in for a process control', async () => {
    const catalogs = await loadCatalogs(DEFAULT_CONTROLS_DIR, KNOWN);
    for (const [fw, id, check] of DROPPED) {
      const control = catalogs.find((c) => c.framework === fw)?.controls.find((c) => c.id === id);
      expect(control, `${fw}:${id}`).toBeDefined();
      expect(edgeChecks(control ?? {}), `${fw}:${id}`).not.toContain(check);
    }
  });

  // Aggregate posture signals map to monitoring and risk-management criteria only (SOC 2 CC4.2,
  // HIPAA 164.308(a)(1)(ii)(B)), never to a PCI requirement (shared/reference/controls-mapping.yaml:
  // azure.secure_score, azure.regulatory_compliance_state).
  // Checks whose every result carries its own edges (vendor mapping or a shipped table under
  // controls/mappings/): a whole-check catalog edge would put one failed source control on
  // requirements it does not test.
  const UNMAPPED_BY_DESIGN: Record<string, string[]> = {
    'azure-secure-score': ['pci-dss-4'],
    'azure-regulatory-compliance': ['soc2', 'hipaa', 'pci-dss-4'],
    'aws-securityhub-failed-controls': ['hipaa', 'pci-dss-4'],
    'gcp-orgpolicy-constraints-enforced': ['soc2', 'hipaa', 'pci-dss-4'],
  };

  it('map every check to at least one control in each framework (except documented non-mappings)', async () => {
    const catalogs = await loadCatalogs(DEFAULT_CONTROLS_DIR, KNOWN);
    for (const check of CHECKS) {
      for (const catalog of catalogs) {
        if (UNMAPPED_BY_DESIGN[check.meta.id]?.includes(catalog.framework)) continue;
        const mapped = catalog.controls.some((c) => edgeChecks(c).includes(check.meta.id));
        expect(mapped, `${check.meta.id} is not mapped in ${catalog.framework}`).toBe(true);
      }
    }
  });

  it('parse a small catalog in the agreed format, defaulting each edge source to auditpack', () => {
    const catalog = parseCatalog(GOOD, 'pci.yaml', KNOWN);
    expect(catalog.controls.map((c) => c.id)).toEqual(['4.2.1', '12.10.1']);
    expect(catalog.controls[0]?.edges?.[0]).toEqual({
      check: 'istio-mtls-strict',
      strength: 'satisfies',
      rationale: 'Fails when a workload port accepts plaintext, so PAN could cross the network unencrypted.',
      source: 'auditpack',
    });
  });

  const bad: { name: string; text: string; code: string; want: RegExp }[] = [
    {
      name: 'an edge without rationale',
      text: GOOD.replace(/\n {8}rationale: .*/, ''),
      code: 'CATALOG_INVALID',
      want: /^pci\.yaml:\d+: controls\.0\.edges\.0\.rationale: /,
    },
    {
      name: 'an edge without strength',
      text: GOOD.replace('        strength: satisfies\n', ''),
      code: 'CATALOG_INVALID',
      want: /^pci\.yaml:\d+: controls\.0\.edges\.0\.strength: /,
    },
    {
      name: 'an unknown check id',
      text: GOOD.replace('check: istio-mtls-strict', 'check: istio-mtls-strikt'),
      code: 'CATALOG_UNKNOWN_CHECK',
      want: /^pci\.yaml:11: controls\.0 \("4\.2\.1"\)\.edges\.0: unknown check id "istio-mtls-strikt"$/,
    },
    {
      name: 'a duplicate control id',
      text: GOOD.replace('id: "12.10.1"', 'id: "4.2.1"'),
      code: 'CATALOG_DUPLICATE_CONTROL',
      want: /^pci\.yaml:14: controls\.1\.id: duplicate control id "4\.2\.1"$/,
    },
    {
      name: 'a satisfies edge into a manual control',
      text: GOOD.replace('evidence: partial', 'evidence: manual'),
      code: 'CATALOG_INVALID_MAPPING',
      want: /^pci\.yaml:\d+: controls\.0 \("4\.2\.1"\): edges\.0: a satisfies edge \("istio-mtls-strict"\) cannot point into a manual control/,
    },
    {
      name: 'an automated control without a satisfies edge',
      text: GOOD.replace('evidence: partial', 'evidence: automated').replace('strength: satisfies', 'strength: supports').replace(/\n {4}attest: Hops.*/, ''),
      code: 'CATALOG_INVALID_MAPPING',
      want: /^pci\.yaml:\d+: controls\.0 \("4\.2\.1"\): an automated control needs at least one satisfies edge$/,
    },
    {
      name: 'attest text on an automated control',
      text: GOOD.replace('evidence: partial', 'evidence: automated'),
      code: 'CATALOG_INVALID_MAPPING',
      want: /controls\.0 \("4\.2\.1"\): an automated control takes no attest text/,
    },
    {
      name: 'a partial control without attest text',
      text: GOOD.replace(/\n {4}attest: Hops.*/, ''),
      code: 'CATALOG_INVALID_MAPPING',
      want: /controls\.0 \("4\.2\.1"\): a partial control needs attest/,
    },
    {
      name: 'a manual control without attest text',
      text: GOOD.replace(/\n {4}attest: The incident.*/, ''),
      code: 'CATALOG_INVALID_MAPPING',
      want: /controls\.1 \("12\.10\.1"\): a manual control needs attest/,
    },
    {
      name: 'the same check mapped twice into one control',
      text: GOOD.replace('  - id: "12.10.1"', '      - check: istio-mtls-strict\n        strength: supports\n        rationale: Fails when a port accepts plaintext on a second path.\n  - id: "12.10.1"'),
      code: 'CATALOG_INVALID_MAPPING',
      want: /edges\.1: check "istio-mtls-strict" is mapped twice/,
    },
    {
      name: 'a HIPAA entry without required/addressable',
      text: GOOD.replace('framework: pci-dss-4', 'framework: hipaa'),
      code: 'CATALOG_INVALID_MAPPING',
      want: /a HIPAA entry needs requirement/,
    },
    {
      name: 'a SOC 2 criterion without its category',
      text: GOOD.replace('framework: pci-dss-4', 'framework: soc2'),
      code: 'CATALOG_INVALID_MAPPING',
      want: /a SOC 2 criterion needs its category/,
    },
    {
      name: 'an unknown strength',
      text: GOOD.replace('strength: satisfies', 'strength: primary'),
      code: 'CATALOG_INVALID',
      want: /controls\.0\.edges\.0\.strength/,
    },
    {
      name: 'the old bare checks list',
      text: GOOD.replace('    edges:', '    checks: [istio-mtls-strict]\n    edges:'),
      code: 'CATALOG_INVALID',
      want: /controls\.0: Unrecognized key.*checks/,
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}, naming file, line and control`, () => {
      const err = catalogError(() => parseCatalog(c.text, 'pci.yaml', KNOWN));
      expect(err.code).toBe(c.code);
      expect(err.issues.some((i) => c.want.test(i)), err.issues.join('\n')).toBe(true);
    });
  }

  it('list every problem at once', () => {
    const text = GOOD.replace('check: istio-mtls-strict', 'check: no-such-check').replace('id: "12.10.1"', 'id: "4.2.1"').replace(/\n {4}attest: The incident.*/, '');
    const err = catalogError(() => parseCatalog(text, 'pci.yaml', KNOWN));
    expect(err.code).toBe('CATALOG_UNKNOWN_CHECK');
    expect(err.issues).toHaveLength(3);
    expect(err.message).toMatch(/pci\.yaml/);
  });

  it('keep ids exactly as the frameworks print them (quoted in YAML)', async () => {
    for (const f of ['soc2.yaml', 'hipaa.yaml', 'pci-dss-4.yaml']) {
      const text = await readFile(`${DEFAULT_CONTROLS_DIR}${f}`, 'utf8');
      for (const line of text.split('\n').filter((l) => l.trim().startsWith('- id:'))) expect(line).toMatch(/- id: "[^"]+"$/);
    }
  });
});

describe('catalog completeness against the published id lists (controls/ids/)', () => {
  const EXPECTED: Record<string, number> = { soc2: 61, hipaa: 65, 'pci-dss-4': 280 };
  for (const [fw, count] of Object.entries(EXPECTED)) {
    it(`${fw}: the catalog holds exactly the ids of controls/ids/${fw}.txt, which names its public source`, async () => {
      const text = await readFile(`${DEFAULT_CONTROLS_DIR}ids/${fw}.txt`, 'utf8');
      const header = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
      expect(header).toMatch(/^# Source: /m);
      expect(header).toMatch(/https:\/\/\S+/);
      const listed = parseIdList(text);
      expect(new Set(listed).size, 'the id list repeats an id').toBe(listed.length);
      const catalogs = await loadCatalogs(DEFAULT_CONTROLS_DIR, KNOWN);
      const ids = catalogs.find((c) => c.framework === fw)?.controls.map((c) => c.id) ?? [];
      expect(ids.filter((id) => !listed.includes(id)), 'catalog ids not in the published list').toEqual([]);
      expect(listed.filter((id) => !ids.includes(id)), 'published ids missing from the catalog').toEqual([]);
      expect(ids).toHaveLength(count);
    });
  }

  it('hold the ids the issue named as missing, and every SOC 2 common criterion', async () => {
    const catalogs = await loadCatalogs(DEFAULT_CONTROLS_DIR, KNOWN);
    const ids = (fw: string): string[] => catalogs.find((c) => c.framework === fw)?.controls.map((c) => c.id) ?? [];
    const cc = ids('soc2').filter((id) => id.startsWith('CC'));
    expect(cc).toHaveLength(33);
    for (const id of ['CC1.1', 'CC1.2', 'CC1.4', 'CC1.5', 'CC2.2', 'CC2.3', 'CC3.3', 'CC6.4', 'CC6.5', 'CC9.1', 'PI1.5', 'P6.7', 'P8.1']) expect(ids('soc2')).toContain(id);
    for (const id of ['164.314(a)(1)', '164.314(a)(2)(i)', '164.314(b)(2)', '164.316(a)', '164.316(b)(2)(iii)']) expect(ids('hipaa')).toContain(id);
    for (const id of ['12.10.1', '12.10.7', '8.3.10.1', '12.5.2.1', '9.5.1.2.1', 'A1.1.1', 'A2.1.3', 'A3.3.1.1', 'A3.5.1']) expect(ids('pci-dss-4')).toContain(id);
    const soc2 = catalogs.find((c) => c.framework === 'soc2');
    expect(soc2?.controls.filter((c) => c.category === 'security').map((c) => c.id)).toEqual(cc);
    const hipaa = catalogs.find((c) => c.framework === 'hipaa');
    expect(hipaa?.controls.filter((c) => /^164\.31[46]/.test(c.id)).every((c) => c.requirement === 'required')).toBe(true);
  });

  it('rejects a control id that is not in the published list, naming file and line', async () => {
    const err = catalogError(() => parseCatalog(GOOD, 'pci.yaml', KNOWN, new Set(['4.2.1', '12.10.7'])));
    expect(err.code).toBe('CATALOG_UNKNOWN_CONTROL');
    expect(err.issues).toEqual(['pci.yaml:14: controls.1.id: unknown control id "12.10.1" (not in the published pci-dss-4 id list)']);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-catalog-'));
    await mkdir(path.join(dir, 'ids'));
    await writeFile(path.join(dir, 'pci-dss-4.yaml'), GOOD.replace('id: "12.10.1"', 'id: "12.10.10"'));
    await writeFile(path.join(dir, 'ids', 'pci-dss-4.txt'), '# Source: https://example.com/pci\n4.2.1\n12.10.1\n');
    const loaded = await loadCatalogs(dir, KNOWN).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(loaded).toBeInstanceOf(CatalogError);
    expect((loaded as CatalogError).issues).toEqual([`${path.join(dir, 'pci-dss-4.yaml')}:14: controls.1.id: unknown control id "12.10.10" (not in the published pci-dss-4 id list)`]);
  });
});

describe('SOC 2 category selection', () => {
  it('keeps Security always and adds only the selected categories; other frameworks pass through', async () => {
    const catalogs = await loadCatalogs(DEFAULT_CONTROLS_DIR, KNOWN);
    const soc2Count = (cats: Parameters<typeof selectSoc2Categories>[1]): number =>
      selectSoc2Categories(catalogs, cats).find((c) => c.framework === 'soc2')?.controls.length ?? -1;
    expect(soc2Count([])).toBe(33);
    expect(soc2Count(['availability'])).toBe(36);
    expect(soc2Count(['availability', 'confidentiality', 'processing-integrity', 'privacy'])).toBe(61);
    const selected = selectSoc2Categories(catalogs, ['privacy']);
    expect(selected.find((c) => c.framework === 'soc2')?.controls.some((c) => c.id === 'A1.1')).toBe(false);
    expect(selected.find((c) => c.framework === 'soc2')?.controls.some((c) => c.id === 'P8.1')).toBe(true);
    expect(selected.find((c) => c.framework === 'pci-dss-4')?.controls).toHaveLength(280);
  });
});
