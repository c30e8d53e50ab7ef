import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/registry.ts';
import { PROD_EU, ROOT, cli, type Run } from './run-cli.ts';

interface Result {
  id: string;
  check: string;
  status: string;
  severity: string;
  target: string;
  resource: { kind: string; namespace?: string; name: string };
  remediation: string;
}

// Both are CommonJS modules whose default export is the module itself.
type AjvClass = typeof AjvDraft04Module.default;
const Ajv = ((AjvDraft04Module as unknown as { default?: AjvClass }).default ?? (AjvDraft04Module as unknown as AjvClass));
type FormatsPlugin = (ajv: InstanceType<AjvClass>) => unknown;
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? (addFormatsModule as unknown as FormatsPlugin));

const findingsOf = async (dir: string): Promise<{ results: Result[] }> => JSON.parse(await readFile(path.join(dir, 'findings.json'), 'utf8')) as { results: Result[] };

// Outputs, selection and the CI gate through the real CLI on the prod-eu demo cluster, whose
// failures are high (istio-*, k8s-netpol-default-deny-ingress) and medium (…-deny-egress).
describe('auditpack outputs and gates', () => {
  let tmp: string;
  let full: Run;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-outputs-'));
    full = await cli(['run', '--snapshot', PROD_EU, '--format', 'sarif,junit,csv', '-o', 'json', '--out', path.join(tmp, 'full')]);
  }, 600_000);

  it('-o json prints findings.json on stdout, each result with a stable id and its remediation', async () => {
    expect(full.code, full.stderr).toBe(1);
    const printed = JSON.parse(full.stdout) as { results: Result[] };
    expect(printed).toEqual(await findingsOf(path.join(tmp, 'full')));
    expect(full.stderr).toMatch(/Report written to/);
    const ids = printed.results.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of printed.results) {
      expect(r.id).toMatch(/^r-[0-9a-f]{20}$/);
      expect(r.remediation).toBe(CHECKS.find((c) => c.meta.id === r.check)?.meta.remediation);
    }
  });

  it('--format sarif,junit,csv writes exactly those, and findings.sarif validates against the SARIF 2.1.0 schema', async () => {
    const files = await readdir(path.join(tmp, 'full'));
    expect(files).toEqual(expect.arrayContaining(['findings.sarif', 'findings.junit.xml', 'findings.csv', 'workloads.csv', 'findings.json']));
    expect(files).not.toContain('report.html');
    expect(files).not.toContain('report.pdf');
    const schema = JSON.parse(await readFile(path.join(ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8')) as object;
    // unicodeRegExp off: the schema's `language` pattern has a stray `]` that only the u flag rejects.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const sarif = JSON.parse(await readFile(path.join(tmp, 'full/findings.sarif'), 'utf8')) as {
      version: string;
      runs: { tool: { driver: { rules: { id: string; help: { text: string } }[] } }; results: { ruleId: string; partialFingerprints: Record<string, string> }[] }[];
    };
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    const run = sarif.runs[0];
    expect(run?.tool.driver.rules.map((r) => r.id)).toEqual(CHECKS.map((c) => c.meta.id));
    for (const r of run?.tool.driver.rules ?? []) expect(r.help.text).toContain(`Remediation: ${CHECKS.find((c) => c.meta.id === r.id)?.meta.remediation ?? '?'}`);
    const findings = await findingsOf(path.join(tmp, 'full'));
    const failed = findings.results.filter((r) => r.status === 'fail');
    expect(run?.results.length).toBe(failed.length);
    expect(run?.results.map((r) => r.partialFingerprints['auditpackResultId/v1']).sort()).toEqual(failed.map((r) => r.id).sort());

    // One test case per result; failures carry their severity.
    const junit = await readFile(path.join(tmp, 'full/findings.junit.xml'), 'utf8');
    expect(junit.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(junit.match(/<testcase /g)?.length).toBe(findings.results.length);
    expect(junit.match(/<failure /g)?.length).toBe(failed.length);
    expect(junit).toMatch(new RegExp(`<testsuites name="auditpack [^"]+" tests="${findings.results.length}" failures="${failed.length}"`));
  });

  it('--fail-on high exits 0 when the only failures are medium, and --fail-on medium exits 1', async () => {
    const only = ['--check', 'k8s-netpol-default-deny-egress', '--snapshot', PROD_EU];
    const high = await cli(['run', ...only, '--fail-on', 'high', '--format', 'html', '--out', path.join(tmp, 'medium-only')]);
    expect(high.code, high.stderr).toBe(0);
    const findings = await findingsOf(path.join(tmp, 'medium-only'));
    expect(findings.results.some((r) => r.status === 'fail')).toBe(true);
    expect(findings.results.every((r) => r.check === 'k8s-netpol-default-deny-egress' && r.severity === 'medium')).toBe(true);
    // --format html: the report only, no CSV of any kind.
    const files = await readdir(path.join(tmp, 'medium-only'));
    expect(files).toContain('report.html');
    for (const f of ['workloads.csv', 'findings.csv', 'report.pdf', 'findings.sarif']) expect(files).not.toContain(f);
    // The selection is recorded in run.json and shown in the report's scope section.
    const runJson = JSON.parse(await readFile(path.join(tmp, 'medium-only/run.json'), 'utf8')) as { select?: { checks?: string[] }; selection?: string[] };
    expect(runJson.select?.checks).toEqual(['k8s-netpol-default-deny-egress']);
    expect(await readFile(path.join(tmp, 'medium-only/report.html'), 'utf8')).toMatch(/<dt>Selection<\/dt><dd>Only what matches: <span class="mono">checks: k8s-netpol-default-deny-egress<\/span>/);

    const medium = await cli(['run', ...only, '--fail-on', 'medium', '--format', 'json', '--out', path.join(tmp, 'medium-gate')]);
    expect(medium.code, medium.stderr).toBe(1);
    // Without --fail-on, a control not satisfied exits 1 whatever the severity.
    const plain = await cli(['run', ...only, '--format', 'json', '--out', path.join(tmp, 'medium-default')]);
    expect(plain.code, plain.stderr).toBe(1);
  }, 600_000);

  it('diff exits 1 with new failures, 0 without, and its JSON names subjects by the findings.json id', async () => {
    const before = path.join(tmp, 'before');
    const ran = await cli(['run', '--snapshot', PROD_EU, '--exclude-check', 'k8s-*', '--namespace', '*', '--format', 'json', '--quiet', '--out', before]);
    expect(ran.code, ran.stderr).toBe(1);
    expect(ran.stdout).toBe('');
    const after = path.join(tmp, 'full');
    const worse = await cli(['diff', before, after, '--json']);
    expect(worse.code, worse.stderr).toBe(1);
    expect(worse.stdout).not.toMatch(/\\u0000/);
    const diff = JSON.parse(worse.stdout) as { newFailures: { id: string; check: string }[]; stillFailing: { id: string }[] };
    expect(diff.newFailures.length).toBeGreaterThan(0);
    expect(diff.newFailures.every((f) => f.check.startsWith('k8s-'))).toBe(true);
    const ids = new Set((await findingsOf(after)).results.map((r) => r.id));
    for (const f of [...diff.newFailures, ...diff.stillFailing]) expect(ids.has(f.id)).toBe(true);
    // Same subjects and checks in two runs: the same ids.
    const beforeIds = (await findingsOf(before)).results.map((r) => r.id);
    for (const id of beforeIds) expect(ids.has(id)).toBe(true);
    const better = await cli(['diff', after, before]);
    expect(better.code, better.stderr).toBe(0);
    expect(better.stdout).toMatch(/0 new failure\(s\)/);
  }, 600_000);

  it('a browser that cannot render keeps the signed bundle with HTML and JSON, says so and exits 5', async () => {
    const out = path.join(tmp, 'no-browser');
    const r = await cli(['run', '--snapshot', PROD_EU, '--fail-on', 'critical', '--format', 'html,pdf', '--out', out], { env: { AUDITPACK_CHROME: '/bin/false' } });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/the PDF report could not be rendered .*the signed bundle holds the HTML and JSON outputs without report\.pdf/);
    const files = await readdir(out);
    expect(files).toEqual(expect.arrayContaining(['report.html', 'findings.json', 'manifest.json', 'manifest.sig']));
    expect(files).not.toContain('report.pdf');
    const verified = await cli(['verify', out]);
    expect(verified.code, verified.stderr).toBe(0);
  }, 600_000);
});
