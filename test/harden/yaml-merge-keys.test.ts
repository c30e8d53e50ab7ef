import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SMALL_CLUSTER, cli, tempDir, writeTree } from './cli.ts';

interface Finding {
  check: string;
  status: string;
  resource: { kind: string; namespace?: string; name: string };
  message: string;
}

// kubectl and kustomize resolve YAML 1.1 merge keys and reject duplicate keys; a snapshot must be
// read the same way, or `<<: {mtls: {mode: DISABLE}}` is stored literally and a workload passes.
describe('YAML merge keys and duplicate keys in snapshots', () => {
  it('resolves a merge key to DISABLE (the workload fails istio-mtls-strict) and makes a duplicate key a gap naming file and line', async () => {
    const tmp = await tempDir('merge');
    await writeTree(path.join(tmp, 'snap'), {
      ...SMALL_CLUSTER,
      'payments/peer.yaml': [
        'apiVersion: security.istio.io/v1',
        'kind: PeerAuthentication',
        'metadata: {name: payments, namespace: payments}',
        'spec: {<<: {mtls: {mode: DISABLE}}}',
      ].join('\n'),
      'payments/dup.yaml': [
        'apiVersion: security.istio.io/v1',
        'kind: PeerAuthentication',
        'metadata: {name: dup, namespace: payments}',
        'spec:',
        // Last-wins would read STRICT and hide nothing here: the duplicate must still be refused.
        '  mtls: {mode: DISABLE}',
        '  mtls: {mode: STRICT}',
      ].join('\n'),
    });
    const out = path.join(tmp, 'out');
    const r = await cli(['run', '--snapshot', path.join(tmp, 'snap'), '--out', out, '--format', 'html,csv']);
    expect(r.code, r.stderr).toBe(1);
    const findings = JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')) as { results: Finding[] };
    const strict = findings.results.filter((f) => f.check === 'istio-mtls-strict' && f.resource.namespace === 'payments');
    expect(strict.length).toBeGreaterThan(0);
    expect(strict.map((f) => f.status)).not.toContain('pass');
    expect(strict.some((f) => f.status === 'fail' && /DISABLE/.test(f.message))).toBe(true);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/payments\/dup\.yaml:6: invalid YAML in document 1: Map keys must be unique/);
  }, 120_000);
});
