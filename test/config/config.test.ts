import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.ts';
import { loadConfig } from '../../src/config/load.ts';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-config-'));
  const file = path.join(dir, 'auditpack.yaml');
  await writeFile(file, text);
  return file;
}

describe('auditpack.yaml', () => {
  it('loads the shipped example and resolves paths against the file', async () => {
    const config = await loadConfig(path.join(ROOT, 'auditpack.example.yaml'));
    expect(config.frameworks).toEqual(['soc2', 'hipaa', 'pci-dss-4']);
    expect(config.soc2Categories).toEqual(['availability', 'confidentiality']);
    expect(config.targets?.snapshots.map((s) => s.dir)).toEqual([path.join(ROOT, 'demo/environment/prod-eu'), path.join(ROOT, 'demo/environment/prod-us')]);
    expect(config.output?.dir).toBe(path.join(ROOT, 'reports/monthly'));
  });

  it('takes SOC 2 categories besides Security, and refuses security (always in) or an unknown one', async () => {
    const err = await loadConfig(await configFile('soc2Categories: [security, avail]\n')).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/soc2Categories\.0/);
    expect((err as Error).message).toMatch(/soc2Categories\.1/);
  });

  it('lists every problem with its path and line', async () => {
    const file = await configFile(
      ['frameworks: [soc2, iso27001]', 'outptu: {}', 'aws:', '  accounts:', '    - id: "12345"', '      regions: [mars-1]'].join('\n'),
    );
    const err = await loadConfig(file).catch((e: Error & { code: string }) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect((err as { code: string }).code).toBe('CONFIG_INVALID');
    expect(message).toMatch(/auditpack\.yaml:1: frameworks\.1/);
    expect(message).toMatch(/\(root\): Unrecognized key.*outptu/);
    expect(message).toMatch(/auditpack\.yaml:5: aws\.accounts\.0\.id: a 12-digit AWS account id/);
    expect(message).toMatch(/aws\.accounts\.0\.regions\.0/);
  });

  it('accepts managed org-policy constraints (iam.managed.*) and refuses malformed names', async () => {
    const ok = await loadConfig(await configFile(['gcp:', '  projects: [{ id: acme-prod }]', '  constraints: [iam.managed.allowedPolicyMembers, gcp.restrictTLSVersion]'].join('\n')));
    expect(ok.gcp?.constraints).toEqual(['iam.managed.allowedPolicyMembers', 'gcp.restrictTLSVersion']);
    await expect(loadConfig(await configFile(['gcp:', '  projects: [{ id: acme-prod }]', '  constraints: [iam.other.x.y]'].join('\n')))).rejects.toThrow(/auditpack\.yaml:3: gcp\.constraints\.0: a constraint name/);
  });

  it('azure.standards selects the Defender standards read per control', async () => {
    const c = await loadConfig(await configFile(['azure:', '  standards: [PCI-DSS-4, SOC-2]', '  subscriptions: [{ id: 0b1f6471-1bf0-4dda-aec3-111122223333 }]'].join('\n')));
    expect(c.azure?.standards).toEqual(['PCI-DSS-4', 'SOC-2']);
    await expect(loadConfig(await configFile(['azure:', '  standards: []', '  subscriptions: [{ id: 0b1f6471-1bf0-4dda-aec3-111122223333 }]'].join('\n')))).rejects.toThrow(/azure\.standards/);
  });

  it('names the line of invalid YAML', async () => {
    const file = await configFile('targets:\n  snapshots: [\n');
    await expect(loadConfig(file)).rejects.toThrow(/auditpack\.yaml:\d+: /);
  });

  it('ships a JSON Schema for editors that matches the config schema (regenerate: npx tsx scripts/generate-config-schema.ts)', async () => {
    expect(await readFile(path.join(ROOT, 'schema/auditpack.schema.json'), 'utf8')).toBe(configJsonSchema());
  });
});
