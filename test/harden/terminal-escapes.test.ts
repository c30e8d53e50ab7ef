import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SMALL_CLUSTER, cli, tempDir, writeTree } from './cli.ts';

const ESC = '\u001b';
const CSI_C1 = '\u009b';
const RLO = '\u202e';
// Any raw character that drives or deceives a terminal (tab and newline are fine).
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
const FAKE_OK = `\r${ESC}[2K${ESC}[1AOK: bundle verified${CSI_C1}31m${RLO}`;

// Hostile strings from a cluster, a bundle or a config file must never reach the terminal raw.
describe('terminal escapes in everything printed', () => {
  let tmp = '';
  let out = '';
  let snap = '';
  let run = { code: 0, stdout: '', stderr: '' };
  beforeAll(async () => {
    tmp = await tempDir('escape');
    // The target is named after the snapshot folder (a hostile --target-name is refused outright).
    snap = path.join(tmp, `snap${ESC}[31m${RLO}`);
    await writeTree(snap, {
      ...SMALL_CLUSTER,
      'payments/hostile.json': JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `evil${FAKE_OK}`, namespace: 'payments' },
        spec: { selector: { matchLabels: { app: 'evil' } }, template: { metadata: { labels: { app: 'evil' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
      }),
      [`broken${ESC}[31m${CSI_C1}2J.yaml`]: 'kind: ConfigMap\nmetadata: {name: [unclosed\n',
    });
    out = path.join(tmp, 'out');
    run = await cli(['run', '--snapshot', snap, '--out', out, '--format', 'csv', '--log-format', 'text']);
  }, 120_000);

  it('a hostile --target-name is refused with one escaped line', async () => {
    const r = await cli(['run', '--snapshot', path.join(tmp, 'nowhere'), '--target-name', `snap${ESC}[31m${RLO}`, '--out', path.join(tmp, 'o2')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('snap\\u001b[31m\\u202e');
    expect(r.stderr).not.toMatch(RAW_UNSAFE);
  });

  it('text logs (progress lines naming a hostile target) are escaped', () => {
    expect(run.stderr, run.stderr).toMatch(/\[collect\] snap\\u001b\[31m\\u202e: /);
    expect(run.stderr).not.toMatch(RAW_UNSAFE);
    expect(run.stdout).not.toMatch(RAW_UNSAFE);
  });

  it('findings.json keeps C1 and bidi characters escaped, with the same value', async () => {
    const text = await readFile(path.join(out, 'findings.json'), 'utf8');
    expect(text).not.toMatch(RAW_UNSAFE);
    expect(text).toContain('\\u009b31m\\u202e');
    const parsed = JSON.parse(text) as { results: { resource: { name: string } }[] };
    expect(parsed.results.some((r) => r.resource.name === `evil${FAKE_OK}`)).toBe(true);
  });

  it('transcripts ($ kubectl … lines and bodies) hold no raw control characters', async () => {
    const files = await readdir(path.join(out, 'evidence', 'cli'));
    const texts = await Promise.all(files.map((f) => readFile(path.join(out, 'evidence', 'cli', f), 'utf8')));
    const hostile = texts.filter((t) => t.includes('evil'));
    expect(hostile.length).toBeGreaterThan(0);
    for (const t of texts) expect(t).not.toMatch(RAW_UNSAFE);
    // Escaping keeps the transcript readable: the JSON body keeps its own line breaks.
    for (const t of hostile) expect(t.split('\n').length).toBeGreaterThan(8);
    // A snapshot record is not live output: the command that would reproduce it is a comment.
    expect(hostile.some((t) => t.includes(String.raw`kubectl get deployments.apps $'evil\x0d\x1b[2K\x1b[1AOK: bundle verified\u009b31m\u202e' -n payments -o json`)), hostile[0]).toBe(true);
  });

  it('verify prints a crafted file name escaped, so it cannot fake "OK: bundle verified"', async () => {
    await writeFile(path.join(out, `extra${FAKE_OK}\n`), 'x');
    const r = await cli(['verify', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAIL FILE_EXTRA extra\\u000d\\u001b\[2K\\u001b\[1AOK: bundle verified\\u009b31m\\u202e\\u000a/);
    expect(r.stderr).not.toMatch(RAW_UNSAFE);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('OK'))).toEqual([]);
  }, 60_000);

  it('config errors quoting a hostile value are escaped', async () => {
    const file = path.join(tmp, 'exceptions.yaml');
    await writeFile(file, ['exceptions:', '  - id: EX-1', '    check: "bad\\e[2J\\x9bH"', '    target: snap', '    justification: x', '    approver: y', '    expires: 2030-01-01'].join('\n'));
    const r = await cli(['run', '--snapshot', snap, '--exceptions', file, '--out', path.join(tmp, 'out2'), '--log-format', 'text']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exceptions\.yaml/);
    expect(r.stderr).toMatch(/\\u001b\[2J/);
    expect(r.stderr).not.toMatch(RAW_UNSAFE);
  }, 60_000);
});
