import { mkdtemp, mkdir, writeFile, copyFile, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSnapshot } from '../../src/sources/snapshot/read-snapshot.ts';

const UPSTREAM = new URL('../fixtures/upstream/', import.meta.url);

async function snapshotDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-snap-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

describe('readSnapshot', () => {
  it('reads multi-document YAML, kind: List and typed *List JSON, recursively and in a stable order', async () => {
    const dir = await snapshotDir({
      'b/policies.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n',
      'a.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, spec: { containers: [] } }] }),
      'c.yml': JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'q', namespace: 'x' }, spec: { containers: [] } }] }),
      'ignored.txt': 'kind: Namespace',
    });
    const read = await readSnapshot(dir, { target: 'prod' });
    expect(read.target).toBe('prod');
    expect(read.files).toEqual(['a.json', 'b/policies.yaml', 'c.yml']);
    expect(read.objects.map((o) => `${o.file}#${o.document}@${o.line}:${String(o.object.kind)}/${String((o.object.metadata as { name: string }).name)}`)).toEqual([
      'a.json#1@1:Pod/p',
      'b/policies.yaml#1@1:Namespace/a',
      'b/policies.yaml#3@6:Namespace/b',
      'c.yml#1@1:Pod/q',
    ]);
    // API list items carry no kind; it comes from the list kind.
    expect(read.objects[3]?.object.apiVersion).toBe('v1');
    expect(read.gaps).toEqual([]);
  });

  it('names the target after the folder by default', async () => {
    const dir = await snapshotDir({ 'x.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n' });
    expect((await readSnapshot(dir)).target).toBe(path.basename(dir));
  });

  it('reports an invalid YAML document with file and line and still reads the other documents (upstream linkerd template)', async () => {
    const dir = await snapshotDir({});
    await copyFile(new URL('linkerd/ipfamilies-policy.yml', UPSTREAM), path.join(dir, 'ipfamilies-policy.yml'));
    const read = await readSnapshot(dir);
    expect(read.objects.map((o) => o.object.kind)).toEqual(['Server', 'AuthorizationPolicy']);
    expect(read.gaps).toHaveLength(1);
    const gap = read.gaps[0];
    expect(gap?.reason).toBe('parse-error');
    expect(gap?.file).toBe('ipfamilies-policy.yml');
    expect(gap?.line).toBeGreaterThan(20);
    expect(gap?.message).toMatch(/^ipfamilies-policy\.yml:\d+: invalid YAML/);
    // Only the kind of the lost document is affected.
    expect(gap?.kinds).toEqual(['NetworkAuthentication']);
  });

  it('reports invalid JSON with the line of the error', async () => {
    const dir = await snapshotDir({ 'bad.json': '{\n  "apiVersion": "v1",\n  "kind": "Pod"\n  "metadata": {}\n}\n' });
    const read = await readSnapshot(dir);
    expect(read.objects).toEqual([]);
    expect(read.gaps[0]?.line).toBe(4);
    expect(read.gaps[0]?.message).toMatch(/^bad\.json:4: invalid JSON/);
    expect(read.gaps[0]?.kinds).toEqual(['Pod']);
  });

  it('refuses a JSON document with a key twice in one object (JSON.parse would silently keep the last), naming file and line', async () => {
    const pa = '{\n  "apiVersion": "security.istio.io/v1",\n  "kind": "PeerAuthentication",\n  "metadata": {"name": "default", "namespace": "payments"},\n  "spec": {"mtls": {"mode": "DISABLE",\n    "mode": "STRICT"}}\n}\n';
    const dir = await snapshotDir({ 'pa.json': pa, 'ok.json': '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "payments"}}' });
    const read = await readSnapshot(dir);
    expect(read.objects.map((o) => o.object.kind)).toEqual(['Namespace']);
    expect(read.gaps.map((g) => [g.reason, g.file, g.line, g.kinds])).toEqual([['parse-error', 'pa.json', 6, ['PeerAuthentication']]]);
    expect(read.gaps[0]?.message).toBe('pa.json:6: key "mode" appears twice in one JSON object, so readers disagree on its value (JSON.parse keeps the last); the file is not used');
  });

  it('refuses a YAML alias bomb instead of expanding it', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const dir = await snapshotDir({ 'bomb.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${bomb.map((l) => `  ${l}`).join('\n')}\n` });
    const read = await readSnapshot(dir);
    expect(read.objects).toEqual([]);
    expect(read.gaps[0]?.reason).toBe('parse-error');
    expect(read.gaps[0]?.kinds).toEqual(['ConfigMap']);
  });

  it('refuses files above the size limit with a gap, and does not follow symlinks', async () => {
    const dir = await snapshotDir({ 'big.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {x: "${'y'.repeat(5000)}"}\n` });
    await symlink('/etc/hostname', path.join(dir, 'link.yaml'));
    const read = await readSnapshot(dir, { maxFileBytes: 1000 });
    expect(read.gaps[0]?.reason).toBe('too-large');
    expect(read.gaps[0]?.kinds).toBe('*');
    expect(read.notes.some((n) => n.file === 'link.yaml' && /symbolic link/.test(n.message))).toBe(true);
  });

  it('notes non-Kubernetes documents instead of failing', async () => {
    const dir = await snapshotDir({ 'aws.json': '{"Findings": []}', 'scalar.yaml': 'just text\n' });
    const read = await readSnapshot(dir);
    expect(read.objects).toEqual([]);
    expect(read.gaps).toEqual([]);
    expect(read.notes).toHaveLength(2);
  });

  it('fails clearly when the folder does not exist', async () => {
    await expect(readSnapshot('/nonexistent/snapshot')).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
  });
});
