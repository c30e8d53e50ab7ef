import { describe, expect, it } from 'vitest';
import { buildInventory, InventoryBuilder, type CollectedObject } from './build-inventory.ts';

// The builder sees one object at a time, yet must report what the two-pass builder did, in the
// same order: every header problem and duplicate first (in input order), then what reading each
// kind found, then the mesh config and area builders.
const ns = (name: string): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { team: 'a' } } });
const pod = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', labels: { app: name, 'pod-template-hash': 'abc' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-abc`, controller: true }] },
  spec: { containers: [{ name: 'app', image: 'img:1', ports: [{ containerPort: 8080, name: 'http' }], env: [{ name: 'X', value: 'y' }] }] },
  ...extra,
});

const OBJECTS: CollectedObject[] = [
  { evidenceId: 'ev-01', object: ns('shop') },
  // A spec problem (read with its kind) before a header problem further down.
  { evidenceId: 'ev-02', object: { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'shop' }, spec: { mtls: { mode: 42 } } } },
  { evidenceId: 'ev-03', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop' } } },
  { evidenceId: 'ev-04', object: pod('web') },
  { evidenceId: 'ev-05', object: { kind: 'Pod', metadata: {} }, file: 'bad.yaml', line: 7 },
  { evidenceId: 'ev-06', object: pod('web') },
  { evidenceId: 'ev-07', object: pod('done', { status: { phase: 'Succeeded' } }) },
  { evidenceId: 'ev-08', object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ port: 'x' }] } } },
  { evidenceId: 'ev-09', object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' } } },
  { evidenceId: 'ev-10', object: 'not an object' },
  { evidenceId: 'ev-11', object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'img:1' }] } } } } },
];

describe('InventoryBuilder', () => {
  it('orders gaps and ignored objects as the two-pass builder did', () => {
    const inv = buildInventory('t', OBJECTS, [{ id: 'gap-input', target: 't', reason: 'api-error', kinds: ['Node'], message: 'from collection' }]);
    expect(inv.gaps.map((g) => g.id)).toEqual(['gap-input', 'gap-05', 'gap-10', 'gap-02', 'gap-08']);
    expect(inv.gaps[1]).toMatchObject({ reason: 'schema-invalid', kinds: ['Pod'], file: 'bad.yaml', line: 7 });
    expect(inv.ignored.map((i) => [i.evidenceId, i.reason.split(' ')[0]])).toEqual([
      ['ev-06', 'duplicate'],
      ['ev-03', 'Secrets'],
      ['ev-07', 'pod'],
      ['ev-09', 'kind'],
    ]);
    // Pod and Deployment become one workload; the pod keeps no raw fields (env, image ports only).
    expect(inv.workloads).toHaveLength(1);
    const [w] = inv.workloads;
    expect(w).toMatchObject({ kind: 'Deployment', namespace: 'shop', name: 'web', evidenceIds: ['ev-11', 'ev-04'] });
    expect(w?.pods[0]?.containers).toEqual([{ name: 'app', image: 'img:1', ports: [{ containerPort: 8080, name: 'http' }] }]);
  });

  it('gives the same inventory fed one object at a time, and refuses objects after finish', () => {
    const b = new InventoryBuilder('t');
    for (const o of OBJECTS) b.add(o);
    const streamed = b.finish();
    expect(streamed).toEqual(buildInventory('t', OBJECTS));
    expect(() => b.add({ evidenceId: 'ev-99', object: ns('late') })).toThrow(/after finish/);
  });

  it('keeps one copy of repeated strings across objects', () => {
    const inv = buildInventory('t', [
      { evidenceId: 'ev-a', object: JSON.parse(JSON.stringify(pod('a'))) as unknown },
      { evidenceId: 'ev-b', object: JSON.parse(JSON.stringify(pod('b'))) as unknown },
    ]);
    const [a, b] = inv.workloads;
    expect(a?.containers[0]?.image).toBe('img:1');
    // Equal values either way; pooling is about memory, so only equality is observable here.
    expect(a?.namespace).toBe(b?.namespace);
  });
});
