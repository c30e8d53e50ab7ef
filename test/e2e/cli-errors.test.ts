import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/registry.ts';
import { PROD_EU, cli, oneClearLine, type Run } from './run-cli.ts';

// Every user error through the real CLI: one clear line and its documented exit code (README
// "Exit codes"). Started together, as they judge nothing.
describe('auditpack user errors', () => {
  let tmp: string;
  const runs = new Map<string, Run>();
  const cases: Record<string, (t: string) => string[]> = {
    unknownFlag: () => ['run', '--snapshot', PROD_EU, '--bogus-flag'],
    reportMissing: (t) => ['report', path.join(t, 'does-not-exist'), '--out', path.join(t, 'o1')],
    reportNotEvidence: (t) => ['report', path.join(t, 'empty'), '--out', path.join(t, 'o2')],
    reportFile: (t) => ['report', path.join(t, 'a-file.txt'), '--out', path.join(t, 'o3')],
    mergeNone: (t) => ['merge', '--out', path.join(t, 'o4')],
    mergeNotEvidence: (t) => ['merge', path.join(t, 'empty'), '--out', path.join(t, 'o5')],
    snapshotFile: (t) => ['run', '--snapshot', path.join(t, 'a-file.txt'), '--out', path.join(t, 'o6')],
    pdfContradiction: (t) => ['run', '--snapshot', PROD_EU, '--format', 'pdf', '--no-pdf', '--out', path.join(t, 'o7')],
    unknownFormat: (t) => ['run', '--snapshot', PROD_EU, '--format', 'html,docx', '--out', path.join(t, 'o8')],
    targetNameTraversal: (t) => ['run', '--snapshot', PROD_EU, '--target-name', '../../etc', '--out', path.join(t, 'o9')],
    unknownTarget: (t) => ['run', '--snapshot', PROD_EU, '--target', 'prod-xx', '--out', path.join(t, 'o10')],
    unknownCheck: (t) => ['run', '--snapshot', PROD_EU, '--check', 'istio-mtls-strictt', '--out', path.join(t, 'o11')],
    unknownFramework: (t) => ['run', '--snapshot', PROD_EU, '--framework', 'iso27001', '--out', path.join(t, 'o12')],
    verifyMissing: (t) => ['verify', path.join(t, 'does-not-exist')],
    badFailOn: (t) => ['run', '--snapshot', PROD_EU, '--fail-on', 'severe', '--out', path.join(t, 'o13')],
    listWhat: () => ['list', 'plugins'],
  };

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-errors-'));
    await mkdir(path.join(tmp, 'empty'));
    await writeFile(path.join(tmp, 'a-file.txt'), 'not a folder\n');
    // A few at a time: the machine may be shared.
    const queue = Object.entries(cases);
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) runs.set(next[0], await cli(next[1](tmp)));
    };
    await Promise.all([worker(), worker(), worker()]);
  }, 900_000);

  const run = (name: string): Run => {
    const r = runs.get(name);
    if (!r) throw new Error(`no run ${name}`);
    return r;
  };

  it.each([
    ['unknownFlag', /unknown option '--bogus-flag'/],
    ['reportMissing', /Evidence folder .*does-not-exist not found/],
    ['reportNotEvidence', /is not an evidence folder \(no evidence\/index\.jsonl\)/],
    ['reportFile', /is a file, not a folder/],
    ['mergeNone', /Give the partial evidence folders to merge/],
    ['mergeNotEvidence', /Partial .*empty is not an evidence folder|is not an evidence folder/],
    ['snapshotFile', /--snapshot .*a-file\.txt is a file; give the folder/],
    ['pdfContradiction', /--format pdf and --no-pdf contradict each other/],
    ['unknownFormat', /Unknown --format "docx"/],
    ['targetNameTraversal', /--target-name "\.\.\/\.\.\/etc" is not a valid target name/],
    ['unknownTarget', /--target prod-xx: no target has this name; the targets are prod-eu/],
    ['unknownCheck', /--check istio-mtls-strictt: no check has this id/],
    ['unknownFramework', /--framework iso27001: unknown framework/],
    ['verifyMissing', /Bundle .*does-not-exist not found/],
    ['badFailOn', /argument 'severe' is invalid/],
    ['listWhat', /list plugins: say what to list/],
  ])('%s: exit 2 with one clear line', (name, message) => {
    const r = run(name);
    expect(r.code, r.stderr).toBe(2);
    expect(oneClearLine(r)).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('an unknown flag prints a short hint, not the whole help', () => {
    const r = run('unknownFlag');
    expect(r.stderr).toMatch(/run auditpack run --help for usage/);
    expect(r.stderr).not.toMatch(/--kube-context/);
  });

  it('a refused command writes no output folder', async () => {
    const left = (await readdir(tmp)).filter((f) => f.startsWith('o'));
    expect(left).toEqual([]);
  });

  it('list checks --json lists every registered check with its controls', async () => {
    const r = await cli(['list', 'checks', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const listed = JSON.parse(r.stdout) as { id: string; title: string; severity: string; area: string; controls: string[] }[];
    expect(listed.map((c) => c.id)).toEqual(CHECKS.map((c) => c.meta.id));
    const mtls = listed.find((c) => c.id === 'istio-mtls-strict');
    expect(mtls?.severity).toBe('high');
    expect(mtls?.controls).toContain('hipaa:164.312(e)(1)');
  }, 120_000);

  it('list controls --framework hipaa --json gives status rules and evidence levels of HIPAA only', async () => {
    const r = await cli(['list', 'controls', '--framework', 'hipaa', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const controls = JSON.parse(r.stdout) as { framework: string; id: string; evidence: string; checks: string[]; edges: { strength: string; rationale: string }[]; statusRules: string }[];
    expect(new Set(controls.map((c) => c.framework))).toEqual(new Set(['hipaa']));
    const transmission = controls.find((c) => c.id === '164.312(e)(1)');
    expect(transmission?.evidence).toMatch(/^(automated|partial)$/);
    expect(transmission?.statusRules).toMatch(/satisfied when every in-scope result of .*mesh-mtls-coverage/);
    expect(transmission?.edges.every((e) => e.rationale.length > 0)).toBe(true);
    const manual = controls.filter((c) => c.evidence === 'manual');
    expect(manual.length).toBeGreaterThan(0);
    for (const m of manual) {
      expect(m.statusRules).toMatch(/^manual: needs a human attestation/);
      expect(m.edges.filter((e) => e.strength === 'satisfies')).toEqual([]);
    }
    const frameworks = await cli(['list', 'frameworks']);
    expect(frameworks.stdout).toMatch(/^ID\s+VERSION\s+CONTROLS\s+TITLE/);
    expect(frameworks.stdout).toMatch(/pci-dss-4/);
  }, 120_000);
});
