import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

// The CLI flags and config keys reach the loaders: a bad file stops the run before collection,
// with exit code 2 and the file and line in the message.

const ROOT = path.resolve(import.meta.dirname, '../..');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'auditpack', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const NO_APPROVER = `exceptions:
  - check: istio-mtls-strict
    namespace: payments
    justification: j
    expires: 2030-01-01
`;

describe('--exceptions / --attestations and their config keys', () => {
  const cases: { name: string; setup: (dir: string) => Promise<string[]>; want: RegExp }[] = [
    {
      name: 'run --exceptions with a missing approver',
      setup: async (dir) => {
        await writeFile(path.join(dir, 'exceptions.yaml'), NO_APPROVER);
        return ['run', '--snapshot', path.join(ROOT, 'demo/environment/prod-eu'), '--exceptions', path.join(dir, 'exceptions.yaml'), '--no-pdf', '--out', path.join(dir, 'out')];
      },
      want: /exceptions\.yaml:2: exceptions\.0\.approver: missing approver \[CONFIG_INVALID\]/,
    },
    {
      name: 'config key exceptions: (relative to the config file)',
      setup: async (dir) => {
        await writeFile(path.join(dir, 'exceptions.yaml'), NO_APPROVER);
        await writeFile(path.join(dir, 'auditpack.yaml'), `exceptions: exceptions.yaml\ntargets:\n  snapshots:\n    - dir: ${path.join(ROOT, 'demo/environment/prod-eu')}\n`);
        return ['run', '--config', path.join(dir, 'auditpack.yaml'), '--no-pdf', '--out', path.join(dir, 'out')];
      },
      want: /exceptions\.yaml:2: exceptions\.0\.approver: missing approver/,
    },
    {
      name: 'demo --attestations with a missing attachment',
      setup: async (dir) => {
        await writeFile(
          path.join(dir, 'attestations.yaml'),
          'attestations:\n  - framework: soc2\n    control: CC7.4\n    statement: s\n    attestedBy: a\n    attestedAt: 2025-01-01\n    validUntil: 2030-01-01\n    attachments: [minutes.pdf]\n',
        );
        return ['demo', '--attestations', path.join(dir, 'attestations.yaml'), '--no-pdf', '--out', path.join(dir, 'out')];
      },
      want: /attestations\.yaml:8: attestations\.0\.attachments\.0: attachment minutes\.pdf does not exist/,
    },
    {
      name: 'report --exceptions with an unknown check id',
      setup: async (dir) => {
        await writeFile(path.join(dir, 'exceptions.yaml'), NO_APPROVER.replace('istio-mtls-strict', 'no-such-check').replace('    expires', '    approver: a\n    expires'));
        // Shaped as an evidence folder, so the exceptions file is what is refused.
        await mkdir(path.join(dir, 'evidence'));
        await writeFile(path.join(dir, 'evidence', 'index.jsonl'), '');
        return ['report', dir, '--exceptions', path.join(dir, 'exceptions.yaml'), '--no-pdf', '--out', path.join(dir, 'out')];
      },
      want: /exceptions\.yaml:2: exceptions\.0\.check: unknown check id "no-such-check"/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: exit 2 naming file:line`, async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-exc-cli-'));
      const r = await cli(await c.setup(dir));
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(c.want);
      // Nothing was written: the file is checked before collection.
      await expect(readFile(path.join(dir, 'out', 'manifest.json'))).rejects.toThrow();
    });
  }
});
