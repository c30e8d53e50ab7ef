import { execFile as execFileCb } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ACCOUNT, EU, PCI_V4, controlsBody, findingBody, hubBody, standardsBody } from '../collectors/aws/aws-objects.ts';

const execFile = promisify(execFileCb);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

const Findings = z.object({
  results: z.array(z.looseObject({ id: z.string(), check: z.string(), status: z.string(), evidence: z.array(z.string()), controls: z.array(z.string()), data: z.record(z.string(), z.unknown()) })),
  controls: z.array(
    z.looseObject({
      framework: z.string(),
      id: z.string(),
      status: z.string(),
      resultIds: z.array(z.string()),
      edges: z.array(z.looseObject({ check: z.string(), strength: z.string(), source: z.string(), dynamic: z.boolean(), counts: z.record(z.string(), z.number()) })),
    }),
  ),
});

// An AWS estate as the aws CLI prints it, whose only finding is S3.5 (buckets must require TLS)
// with the requirement AWS relates it to: PCI DSS v4.0.1 4.2.1.
async function estate(status: 'FAILED' | 'PASSED'): Promise<z.infer<typeof Findings>> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-s35-'));
  const dir = path.join(tmp, 'aws-s35', ACCOUNT, EU);
  await mkdir(dir, { recursive: true });
  const files: Record<string, unknown> = {
    'securityhub-describe-hub.json': hubBody(ACCOUNT, EU),
    'securityhub-get-enabled-standards.json': standardsBody([{ standard: PCI_V4 }], ACCOUNT, EU),
    'securityhub-describe-standards-controls.json': controlsBody(PCI_V4, [{ control: 'S3.5', requirements: ['PCI DSS v4.0.1/4.2.1'] }], ACCOUNT, EU),
    'securityhub-get-findings.json': { Findings: [findingBody({ control: 'S3.5', n: 1, status, requirements: ['PCI DSS v4.0.1/4.2.1'] })] },
  };
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(dir, name), JSON.stringify(body, null, 2));
  const out = path.join(tmp, 'out');
  await execFile(process.execPath, [path.join(ROOT, 'bin/auditpack.js'), 'run', '--snapshot', path.join(tmp, 'aws-s35'), '--out', out, '--no-pdf', '--log-format', 'json'], { cwd: ROOT }).catch((e: { code?: number }) => {
    if (typeof e.code !== 'number' || e.code > 3) throw e;
  });
  return Findings.parse(JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')));
}

function control(f: z.infer<typeof Findings>, framework: string, id: string) {
  const c = f.controls.find((x) => x.framework === framework && x.id === id);
  if (!c) throw new Error(`${framework}:${id} missing from findings.json`);
  return c;
}

describe('a Security Hub control lands on the requirement its own finding names (issue 12)', () => {
  it('a lone FAILED S3.5 makes PCI 4.2.1 not satisfied with that finding as evidence, and leaves 10.4.1 and SOC 2 CC7.2 alone', async () => {
    const f = await estate('FAILED');
    const s35 = f.results.filter((r) => r.check === 'aws-securityhub-failed-controls' && JSON.stringify(r.data).includes('S3.5'));
    expect(s35).toHaveLength(1);
    const [result] = s35;
    expect(result?.status).toBe('fail');
    expect(result?.controls).toContain('pci-dss-4:4.2.1');
    const pci421 = control(f, 'pci-dss-4', '4.2.1');
    expect(pci421.status).toBe('not_satisfied');
    expect(pci421.resultIds).toContain(result?.id);
    for (const [fw, id] of [['pci-dss-4', '10.4.1'], ['soc2', 'CC7.2']] as const) {
      expect(control(f, fw, id).resultIds, `${fw}:${id} must not rest on the S3.5 result`).not.toContain(result?.id);
    }
    expect(result?.controls).not.toContain('pci-dss-4:10.4.1');
    expect(result?.controls).not.toContain('soc2:CC7.2');
  }, 120_000);

  it('with S3.5 PASSED, the AWS part of PCI 4.2.1 passes', async () => {
    const f = await estate('PASSED');
    const result = f.results.find((r) => r.check === 'aws-securityhub-failed-controls' && JSON.stringify(r.data).includes('S3.5'));
    expect(result?.status).toBe('pass');
    expect(result?.controls).toContain('pci-dss-4:4.2.1');
    const pci421 = control(f, 'pci-dss-4', '4.2.1');
    // The AWS part: the vendor's edge, with its provenance, counting one pass and nothing else.
    const aws = pci421.edges.find((e) => e.check === 'aws-securityhub-failed-controls');
    expect(aws).toMatchObject({ strength: 'supports', source: 'AWS Security Hub RelatedRequirements', dynamic: true });
    expect(aws?.counts).toMatchObject({ pass: 1, fail: 0, error: 0 });
    // A supporting pass never satisfies on its own: the requirement still needs its attestation.
    expect(pci421.status).not.toBe('satisfied');
    expect(pci421.status).not.toBe('not_satisfied');
  }, 120_000);
});
