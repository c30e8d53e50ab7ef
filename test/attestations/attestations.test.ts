import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyAttestations, copyAttachments } from '../../src/attestations/apply.ts';
import { loadAttestations } from '../../src/attestations/load.ts';
import type { AttestationRule } from '../../src/attestations/types.ts';
import { CHECKS } from '../../src/checks/registry.ts';
import { DEFAULT_CONTROLS_DIR, loadCatalogs } from '../../src/controls/load.ts';
import { rollUp } from '../../src/controls/roll-up.ts';
import type { Catalog } from '../../src/controls/schema.ts';
import { UsageError } from '../../src/shared/errors.ts';

const ENTRY = `attestations:
  - framework: soc2
    control: CC7.4
    statement: The incident response plan was exercised in a tabletop.
    attestedBy: Dana Whitfield
    attestedAt: 2025-11-05
    validUntil: 2026-11-04
    attachments:
      - evidence/tabletop.md
`;
const ATTACHMENT = '# Tabletop minutes\n\nAll findings closed.\n';

let catalogs: Catalog[];
let dir: string;

beforeAll(async () => {
  catalogs = await loadCatalogs(DEFAULT_CONTROLS_DIR, new Set(CHECKS.map((c) => c.meta.id)));
  dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-att-'));
  await mkdir(path.join(dir, 'evidence'));
  await writeFile(path.join(dir, 'evidence', 'tabletop.md'), ATTACHMENT);
});

async function load(text: string): Promise<AttestationRule[]> {
  const file = path.join(dir, 'attestations.yaml');
  await writeFile(file, text);
  return loadAttestations(file, catalogs);
}

async function loadError(text: string): Promise<UsageError> {
  const err = await load(text).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof UsageError) return err;
  throw new Error(`expected a UsageError, got ${String(err)}`);
}

describe('attestations.yaml loading', () => {
  it('reads an entry and hashes its attachment', async () => {
    const [rule] = await load(ENTRY);
    expect(rule).toMatchObject({ framework: 'soc2', control: 'CC7.4', attestedBy: 'Dana Whitfield', file: 'attestations.yaml', line: 2 });
    expect(rule?.attachments).toEqual([
      {
        file: path.join(dir, 'evidence', 'tabletop.md'),
        path: 'attestations/soc2/CC7.4/tabletop.md',
        sha256: createHash('sha256').update(ATTACHMENT).digest('hex'),
        size: Buffer.byteLength(ATTACHMENT),
      },
    ]);
    expect(rule?.validUntilInstant.toISOString()).toBe('2026-11-05T00:00:00.000Z');
  });

  it('accepts an attestation for a partial control (checks support it, a person attests the rest)', async () => {
    const [rule] = await load(ENTRY.replace('CC7.4', 'CC6.7'));
    expect(rule).toMatchObject({ framework: 'soc2', control: 'CC6.7' });
    expect(catalogs.find((c) => c.framework === 'soc2')?.controls.find((c) => c.id === 'CC6.7')?.evidence).toBe('partial');
  });

  const rejected: { name: string; text: string; want: RegExp }[] = [
    { name: 'missing attachment', text: ENTRY.replace('evidence/tabletop.md', 'evidence/minutes.pdf'), want: /attestations\.yaml:9: attestations\.0\.attachments\.0: attachment evidence\/minutes\.pdf does not exist/ },
    { name: 'attachment is a folder', text: ENTRY.replace('evidence/tabletop.md', 'evidence'), want: /attestations\.yaml:9: .*is not a regular file/ },
    { name: 'unknown control', text: ENTRY.replace('CC7.4', 'CC99.9'), want: /attestations\.yaml:3: attestations\.0\.control: unknown control "CC99\.9" in framework soc2/ },
    {
      name: 'control decided by automated checks',
      text: ENTRY.replace('framework: soc2', 'framework: hipaa').replace('CC7.4', '"164.312(e)(1)"'),
      want: /attestations\.yaml:3: .*hipaa 164\.312\(e\)\(1\) is decided by automated checks \(.*istio-mtls-strict.*\); only partial and manual controls can be attested/,
    },
    { name: 'unknown framework', text: ENTRY.replace('framework: soc2', 'framework: iso27001'), want: /attestations\.yaml:2: attestations\.0\.framework/ },
    { name: 'missing attestedBy', text: ENTRY.replace('    attestedBy: Dana Whitfield\n', ''), want: /attestations\.yaml:2: attestations\.0\.attestedBy: missing attestedBy/ },
    { name: 'validUntil before attestedAt', text: ENTRY.replace('validUntil: 2026-11-04', 'validUntil: 2024-01-01'), want: /attestations\.yaml:7: .*validUntil must be after attestedAt/ },
    { name: 'two entries for one control', text: ENTRY + ENTRY.replace('attestations:\n', ''), want: /attestations\.yaml:11: .*a second attestation for soc2:CC7\.4/ },
    { name: 'bad YAML', text: 'attestations:\n  - framework: soc2\n   control: x\n', want: /attestations\.yaml:3: / },
  ];
  for (const c of rejected) {
    it(`rejects: ${c.name}, naming file:line`, async () => {
      const err = await loadError(c.text);
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toMatch(c.want);
    });
  }
});

describe('applying attestations', () => {
  const cases: { name: string; now: string; state: string; attested: boolean }[] = [
    { name: 'in force on the day it was attested', now: '2025-11-05T00:00:00Z', state: 'applied', attested: true },
    { name: 'in force on the last day of validUntil', now: '2026-11-04T23:59:59.999Z', state: 'applied', attested: true },
    { name: 'expired just after validUntil', now: '2026-11-05T00:00:00Z', state: 'expired', attested: false },
    { name: 'not yet valid before attestedAt', now: '2025-11-04T23:59:59Z', state: 'not_yet_valid', attested: false },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const rules = await load(ENTRY);
      const { controls, outcomes } = applyAttestations(rollUp(catalogs, []), rules, new Date(c.now));
      const control = controls.find((x) => x.framework === 'soc2' && x.id === 'CC7.4');
      // The status enum stays: an attested control is still `manual`, with an attestation.
      expect(control?.status).toBe('manual');
      expect(control?.attestation !== undefined).toBe(c.attested);
      expect(control?.reason).toMatch(c.attested ? /^Attested by Dana Whitfield on 2025-11-05, valid until 2026-11-04\.$/ : /Not attested/);
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]).toMatchObject({ framework: 'soc2', control: 'CC7.4', state: c.state, source: 'attestations.yaml:2' });
      // Other manual controls are untouched.
      expect(controls.filter((x) => x.attestation).length).toBe(c.attested ? 1 : 0);
    });
  }

  it('leaves out attestations of frameworks not in the run', async () => {
    const rules = await load(ENTRY);
    const { outcomes } = applyAttestations(rollUp(catalogs.filter((c) => c.framework === 'hipaa'), []), rules, new Date('2026-01-01T00:00:00Z'));
    expect(outcomes).toEqual([]);
  });

  it('copies attachments into the bundle folder with the hash it reports', async () => {
    const rules = await load(ENTRY);
    const { outcomes } = applyAttestations(rollUp(catalogs, []), rules, new Date('2026-01-01T00:00:00Z'));
    const work = await mkdtemp(path.join(os.tmpdir(), 'auditpack-att-work-'));
    expect(await copyAttachments(work, rules, outcomes)).toEqual(['attestations/soc2/CC7.4/tabletop.md']);
    expect(await readFile(path.join(work, 'attestations/soc2/CC7.4/tabletop.md'), 'utf8')).toBe(ATTACHMENT);
  });

  it('fails when an attachment changed after it was loaded', async () => {
    const rules = await load(ENTRY);
    const { outcomes } = applyAttestations(rollUp(catalogs, []), rules, new Date('2026-01-01T00:00:00Z'));
    const changed = path.join(dir, 'evidence', 'changed.md');
    await writeFile(changed, 'v1');
    const rule = rules[0];
    if (!rule) throw new Error('no rule');
    const tampered = [{ ...rule, attachments: rule.attachments.map((a) => ({ ...a, file: changed })) }];
    const work = await mkdtemp(path.join(os.tmpdir(), 'auditpack-att-work-'));
    await expect(copyAttachments(work, tampered, outcomes)).rejects.toThrow(/changed while the run was in progress/);
  });
});
