import { execFile as execFileCb } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ACCOUNT, EU, PCI_V4, configRulesBody, controlsBody, findingBody, hubBody, standardsBody } from '../collectors/aws/aws-objects.ts';

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
async function estate(status: 'FAILED' | 'PASSED', opts: { requirements?: readonly string[]; html?: boolean } = {}): Promise<z.infer<typeof Findings> & { html: string; raw: unknown }> {
  const requirements = opts.requirements ?? ['PCI DSS v4.0.1/4.2.1'];
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-s35-'));
  const dir = path.join(tmp, 'aws-s35', ACCOUNT, EU);
  await mkdir(dir, { recursive: true });
  const files: Record<string, unknown> = {
    'securityhub-describe-hub.json': hubBody(ACCOUNT, EU),
    'securityhub-get-enabled-standards.json': standardsBody([{ standard: PCI_V4 }], ACCOUNT, EU),
    'securityhub-describe-standards-controls.json': controlsBody(PCI_V4, [{ control: 'S3.5', requirements }], ACCOUNT, EU),
    'securityhub-get-findings.json': { Findings: [findingBody({ control: 'S3.5', n: 1, status, requirements, configRule: 'securityhub-s3-bucket-ssl-requests-only-3f9a1c' })] },
    // The rule Security Hub evaluates S3.5 with, as describe-config-rules prints it.
    'configservice-describe-config-rules.json': configRulesBody([{ name: 'securityhub-s3-bucket-ssl-requests-only-3f9a1c', identifier: 'S3_BUCKET_SSL_REQUESTS_ONLY', createdBy: 'securityhub.amazonaws.com' }], ACCOUNT, EU),
  };
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(dir, name), JSON.stringify(body, null, 2));
  const out = path.join(tmp, 'out');
  await execFile(process.execPath, [path.join(ROOT, 'bin/auditpack.js'), 'run', '--snapshot', path.join(tmp, 'aws-s35'), '--out', out, '--no-pdf', '--log-format', 'json', ...(opts.html ? ['--format', 'html'] : [])], { cwd: ROOT }).catch((e: { code?: number }) => {
    if (typeof e.code !== 'number' || e.code > 3) throw e;
  });
  const raw: unknown = JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8'));
  return { ...Findings.parse(raw), raw, html: opts.html ? await readFile(path.join(out, 'report.html'), 'utf8') : '' };
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

  it('when AWS relates S3.5 to more than the shipped Config-rule table says, the report and findings.json say so', async () => {
    const f = await estate('FAILED', { requirements: ['PCI DSS v4.0.1/4.2.1', 'PCI DSS v4.0.1/4.2.2'], html: true });
    const list = z.object({ mappingDisagreements: z.array(z.looseObject({ source: z.string(), live: z.array(z.string()), shipped: z.array(z.string()), message: z.string(), resultIds: z.array(z.string()) })) }).parse(f.raw).mappingDisagreements;
    expect(list.map((d) => [d.source, d.live, d.shipped])).toEqual([
      ['AWS Security Hub control S3.5 (AWS Config managed rule S3_BUCKET_SSL_REQUESTS_ONLY)', ['pci-dss-4:4.2.1', 'pci-dss-4:4.2.2'], ['pci-dss-4:4.2.1']],
    ]);
    const s35 = f.results.find((r) => r.check === 'aws-securityhub-failed-controls');
    expect(list[0]?.resultIds).toEqual([s35?.id]);
    // The live list is used: the failure lands on 4.2.2 too.
    expect(control(f, 'pci-dss-4', '4.2.2').status).toBe('not_satisfied');
    expect(f.html).toContain("Where a vendor's live mapping and a shipped mapping table disagree");
    expect(f.html).toContain('4.2.2 only in AWS&#x27;s data');
    // Repeated on the controls either side names.
    expect(f.html.split('class="mapping-note"').length - 1).toBe(2);
  }, 120_000);

  it('when AWS and the shipped table agree, nothing is reported', async () => {
    const f = await estate('FAILED');
    expect(z.object({ mappingDisagreements: z.array(z.unknown()) }).parse(f.raw).mappingDisagreements).toEqual([]);
  }, 120_000);
});
