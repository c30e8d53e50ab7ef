import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { docs, inventoryOf } from '../../checks/tester.ts';
import type { TargetInventory, Workload } from '../types.ts';
import { describeDecider, effectiveMtls, judgedPorts, meshMtls, modeOnPort, namespaceMtls, workloadPorts } from './effective-mtls.ts';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/upstream/istio/${name}`, import.meta.url), 'utf8');

function inNamespace(objects: unknown[], ns: string): unknown[] {
  return objects.map((o) => {
    const obj = o as { metadata: Record<string, unknown> };
    return { ...obj, metadata: { ...obj.metadata, namespace: ns } };
  });
}

interface PaOptions {
  selector?: Record<string, string>;
  mode?: string;
  ports?: Record<string, string>;
  created?: string;
}

function pa(ns: string, name: string, o: PaOptions = {}): unknown {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace: ns, creationTimestamp: o.created ?? '2025-01-01T00:00:00Z' },
    spec: {
      ...(o.selector ? { selector: { matchLabels: o.selector } } : {}),
      ...(o.mode ? { mtls: { mode: o.mode } } : {}),
      ...(o.ports ? { portLevelMtls: Object.fromEntries(Object.entries(o.ports).map(([k, v]) => [k, { mode: v }])) } : {}),
    },
  };
}

function deployment(ns: string, name: string, labels: Record<string, string>, ports: number[]): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image: 'example/app:1', ports: ports.map((p) => ({ containerPort: p })) }] },
      },
    },
  };
}

function workload(t: TargetInventory, ns: string, name: string): Workload {
  const w = t.workloads.find((x) => x.namespace === ns && x.name === name);
  if (!w) throw new Error(`no workload ${ns}/${name}`);
  return w;
}

function portModes(t: TargetInventory, ns: string, name: string): Record<string, string> {
  return Object.fromEntries(effectiveMtls(t, workload(t, ns, name)).ports.map((p) => [String(p.port), p.mode]));
}

const injectedNs = (name: string): unknown => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'istio-injection': 'enabled' } } });

describe('meshMtls', () => {
  it('defaults to PERMISSIVE with no mesh policy', () => {
    const t = inventoryOf([injectedNs('foo')]);
    const m = meshMtls(t);
    expect(m.mode).toBe('PERMISSIVE');
    expect(m.decidedBy).toEqual({ kind: 'mesh default' });
    expect(describeDecider(m.decidedBy)).toContain('mesh default');
    expect(m.policy).toBeUndefined();
  });

  it('treats UNSET and absent mtls at mesh level as PERMISSIVE, decided by that policy', () => {
    for (const mode of ['UNSET', undefined]) {
      const t = inventoryOf([pa('istio-system', 'default', mode ? { mode } : {})]);
      const m = meshMtls(t);
      expect(m.mode).toBe('PERMISSIVE');
      expect(m.decidedBy).toMatchObject({ kind: 'PeerAuthentication', name: 'default', level: 'mesh' });
    }
  });

  it('picks the oldest selector-less root policy, not the first by name, and warns', () => {
    const t = inventoryOf([
      pa('istio-system', 'a-permissive', { mode: 'PERMISSIVE', created: '2025-06-01T00:00:00Z' }),
      pa('istio-system', 'z-strict', { mode: 'STRICT', created: '2024-01-01T00:00:00Z' }),
    ]);
    const m = meshMtls(t);
    expect(m.mode).toBe('STRICT');
    expect(m.decidedBy).toMatchObject({ name: 'z-strict' });
    expect(m.warnings.join()).toMatch(/only the oldest, istio-system\/z-strict/);
    expect(m.evidence.sort()).toEqual(['ev-test-000', 'ev-test-001']);
  });

  it('uses meshConfig rootNamespace', () => {
    const t = inventoryOf([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: 'rootNamespace: istio-config\n' } },
      pa('istio-system', 'default', { mode: 'STRICT' }),
      pa('istio-config', 'default', { mode: 'PERMISSIVE' }),
    ]);
    expect(meshMtls(t).decidedBy).toMatchObject({ namespace: 'istio-config' });
    expect(meshMtls(t).mode).toBe('PERMISSIVE');
    // The old istio-system policy is now just a namespace policy for istio-system.
    expect(namespaceMtls(t, 'istio-system').mode).toBe('STRICT');
  });
});

describe('namespaceMtls', () => {
  it('inherits the mesh mode when the namespace policy is UNSET', () => {
    const t = inventoryOf([pa('istio-system', 'default', { mode: 'STRICT' }), pa('foo', 'default', { mode: 'UNSET' })]);
    const r = namespaceMtls(t, 'foo');
    expect(r.mode).toBe('STRICT');
    expect(r.decidedBy).toMatchObject({ namespace: 'istio-system', level: 'mesh' });
  });

  it('a namespace PERMISSIVE overrides a mesh STRICT and vice versa', () => {
    const t = inventoryOf([
      pa('istio-system', 'default', { mode: 'STRICT' }),
      pa('foo', 'default', { mode: 'PERMISSIVE' }),
      pa('bar', 'default', { mode: 'STRICT' }),
    ]);
    expect(namespaceMtls(t, 'foo').mode).toBe('PERMISSIVE');
    expect(namespaceMtls(t, 'bar').mode).toBe('STRICT');
    expect(namespaceMtls(t, 'baz').mode).toBe('STRICT');
  });

  it('warns on two namespace-wide policies and applies the oldest', () => {
    const t = inventoryOf([
      pa('foo', 'new-strict', { mode: 'STRICT', created: '2025-05-01T00:00:00Z' }),
      pa('foo', 'old-disable', { mode: 'DISABLE', created: '2025-01-01T00:00:00Z' }),
    ]);
    const r = namespaceMtls(t, 'foo');
    expect(r.mode).toBe('DISABLE');
    expect(r.warnings.join()).toMatch(/foo\/old-disable/);
  });

  it('ignores portLevelMtls on a namespace-wide policy (with a warning)', () => {
    const t = inventoryOf([pa('foo', 'default', { mode: 'STRICT', ports: { '8080': 'DISABLE' } }), deployment('foo', 'a', { app: 'a' }, [8080])]);
    const r = effectiveMtls(t, workload(t, 'foo', 'a'));
    expect(r.ports).toEqual([expect.objectContaining({ port: 8080, mode: 'STRICT' })]);
    expect(r.warnings.join()).toMatch(/without a selector/);
  });
});

describe('effectiveMtls (catalog 1.1 examples)', () => {
  it('mesh STRICT + namespace PERMISSIVE + workload port 9090 STRICT: only a:9090 is STRICT', () => {
    const t = inventoryOf([
      pa('istio-system', 'default', { mode: 'STRICT' }),
      pa('foo', 'default', { mode: 'PERMISSIVE' }),
      pa('foo', 'a-9090', { selector: { app: 'a' }, ports: { '9090': 'STRICT' } }),
      deployment('foo', 'a', { app: 'a' }, [8080, 9090]),
      deployment('foo', 'b', { app: 'b' }, [8080, 9090]),
    ]);
    expect(portModes(t, 'foo', 'a')).toEqual({ '8080': 'PERMISSIVE', '9090': 'STRICT' });
    expect(portModes(t, 'foo', 'b')).toEqual({ '8080': 'PERMISSIVE', '9090': 'PERMISSIVE' });
    const a = effectiveMtls(t, workload(t, 'foo', 'a'));
    expect(a.mode).toBe('PERMISSIVE');
    expect(a.decidedBy).toMatchObject({ namespace: 'foo', name: 'default', level: 'namespace' });
    expect(modeOnPort(a, 9090).decidedBy).toMatchObject({ name: 'a-9090', level: 'port' });
    expect(a.evidence.sort()).toEqual(['ev-test-000', 'ev-test-001', 'ev-test-002']);
  });

  it('mesh PERMISSIVE + namespace UNSET + {9090: STRICT, 8080: PERMISSIVE}: only 9090 STRICT', () => {
    const t = inventoryOf([
      pa('istio-system', 'default', { mode: 'PERMISSIVE' }),
      pa('foo', 'default', { mode: 'UNSET' }),
      pa('foo', 'a', { selector: { app: 'a' }, ports: { '9090': 'STRICT', '8080': 'PERMISSIVE' } }),
      deployment('foo', 'a', { app: 'a' }, [8080, 9090, 7070]),
    ]);
    expect(portModes(t, 'foo', 'a')).toEqual({ '7070': 'PERMISSIVE', '8080': 'PERMISSIVE', '9090': 'STRICT' });
  });

  it('workload STRICT with {9090: DISABLE}: everything but 9090 requires mTLS', () => {
    const t = inventoryOf([pa('foo', 'a', { selector: { app: 'a' }, mode: 'STRICT', ports: { '9090': 'DISABLE' } }), deployment('foo', 'a', { app: 'a' }, [8080, 9090])]);
    expect(portModes(t, 'foo', 'a')).toEqual({ '8080': 'STRICT', '9090': 'DISABLE' });
  });

  it('a workload DISABLE inside a STRICT namespace wins (narrower overrides in both directions)', () => {
    const t = inventoryOf([
      pa('foo', 'default', { mode: 'STRICT' }),
      pa('foo', 'legacy', { selector: { app: 'a' }, mode: 'DISABLE', ports: { '8443': 'STRICT' } }),
      deployment('foo', 'a', { app: 'a' }, [8080, 8443]),
    ]);
    expect(portModes(t, 'foo', 'a')).toEqual({ '8080': 'DISABLE', '8443': 'STRICT' });
  });

  it('UNSET at workload and port level inherits', () => {
    const t = inventoryOf([
      pa('istio-system', 'default', { mode: 'STRICT' }),
      pa('foo', 'a', { selector: { app: 'a' }, mode: 'UNSET', ports: { '8080': 'UNSET' } }),
      deployment('foo', 'a', { app: 'a' }, [8080]),
    ]);
    const r = effectiveMtls(t, workload(t, 'foo', 'a'));
    expect(r.ports).toEqual([{ port: 8080, declared: true, mode: 'STRICT', decidedBy: expect.objectContaining({ level: 'mesh' }) }]);
  });

  it('ignores a selector policy in the root namespace', () => {
    const t = inventoryOf([
      pa('istio-system', 'default', { mode: 'STRICT' }),
      pa('istio-system', 'a-off', { selector: { app: 'a' }, mode: 'DISABLE' }),
      deployment('foo', 'a', { app: 'a' }, [8080]),
      deployment('istio-system', 'a', { app: 'a' }, [8080]),
    ]);
    expect(portModes(t, 'foo', 'a')).toEqual({ '8080': 'STRICT' });
    expect(portModes(t, 'istio-system', 'a')).toEqual({ '8080': 'STRICT' });
  });

  it('does not apply a selector policy from another namespace or with non-matching labels', () => {
    const t = inventoryOf([
      pa('bar', 'a-off', { selector: { app: 'a' }, mode: 'DISABLE' }),
      pa('foo', 'b-off', { selector: { app: 'b' }, mode: 'DISABLE' }),
      pa('foo', 'default', { mode: 'STRICT' }),
      deployment('foo', 'a', { app: 'a' }, [8080]),
    ]);
    expect(portModes(t, 'foo', 'a')).toEqual({ '8080': 'STRICT' });
  });

  it('two selector policies match one pod: the oldest wins with a warning', () => {
    const t = inventoryOf([
      pa('foo', 'aaa-strict', { selector: { app: 'a' }, mode: 'STRICT', created: '2025-03-01T00:00:00Z' }),
      pa('foo', 'zzz-permissive', { selector: { app: 'a', version: 'v1' }, mode: 'PERMISSIVE', created: '2025-02-01T00:00:00Z' }),
      { ...(deployment('foo', 'a', { app: 'a', version: 'v1' }, [8080]) as object) },
    ]);
    const r = effectiveMtls(t, workload(t, 'foo', 'a'));
    expect(r.mode).toBe('PERMISSIVE');
    expect(r.decidedBy).toMatchObject({ name: 'zzz-permissive' });
    expect(r.warnings.join()).toMatch(/2 PeerAuthentications apply at workload level/);
    expect(r.evidence.sort()).toEqual(['ev-test-000', 'ev-test-001']);
  });

  it('a policy without creationTimestamp loses to a dated one, and the warning says so', () => {
    const t = inventoryOf([
      { ...(pa('foo', 'aaa', { mode: 'DISABLE' }) as object), metadata: { name: 'aaa', namespace: 'foo' } },
      pa('foo', 'zzz', { mode: 'STRICT', created: '2025-09-01T00:00:00Z' }),
    ]);
    const r = namespaceMtls(t, 'foo');
    expect(r.mode).toBe('STRICT');
    expect(r.warnings.join()).toMatch(/cannot be confirmed/);
  });
});

describe('effectiveMtls ports', () => {
  const httpbin = inNamespace(docs(fixture('httpbin.yaml')), 'bar');

  it('httpbin: portLevelMtls keyed by the Service port 8000 does not touch container port 8080', () => {
    const t = inventoryOf([...httpbin, pa('istio-system', 'default', { mode: 'STRICT' }), pa('bar', 'httpbin', { selector: { app: 'httpbin' }, ports: { '8000': 'DISABLE' } })]);
    const r = effectiveMtls(t, workload(t, 'bar', 'httpbin'));
    expect(r.ports).toEqual([
      { port: 8000, declared: false, mode: 'DISABLE', decidedBy: expect.objectContaining({ level: 'port' }) },
      { port: 8080, declared: true, mode: 'STRICT', decidedBy: expect.objectContaining({ level: 'mesh' }) },
    ]);
    expect(r.warnings.join()).toMatch(/portLevelMtls key 8000 \(DISABLE\).*matches no container port \(8080\)/);
    expect(judgedPorts(r).map((p) => p.port)).toEqual([8080]);
  });

  it('httpbin: portLevelMtls keyed by the container port 8080 applies', () => {
    const t = inventoryOf([...httpbin, pa('istio-system', 'default', { mode: 'STRICT' }), pa('bar', 'httpbin', { selector: { app: 'httpbin' }, ports: { '8080': 'PERMISSIVE' } })]);
    expect(portModes(t, 'bar', 'httpbin')).toEqual({ '8080': 'PERMISSIVE' });
  });

  it('httpbin (catalog precedence example): {80: DISABLE} matches no container port, 8080 stays STRICT', () => {
    const t = inventoryOf([...httpbin, pa('bar', 'default', { mode: 'STRICT' }), pa('bar', 'httpbin', { selector: { app: 'httpbin' }, ports: { '80': 'DISABLE' } })]);
    const r = effectiveMtls(t, workload(t, 'bar', 'httpbin'));
    expect(modeOnPort(r, 8080).mode).toBe('STRICT');
    expect(modeOnPort(r, 80)).toMatchObject({ mode: 'DISABLE', declared: false });
  });

  it('warns on a non-numeric port key', () => {
    const t = inventoryOf([pa('foo', 'a', { selector: { app: 'a' }, mode: 'STRICT', ports: { http: 'DISABLE' } }), deployment('foo', 'a', { app: 'a' }, [8080])]);
    const r = effectiveMtls(t, workload(t, 'foo', 'a'));
    expect(r.ports.map((p) => p.port)).toEqual([8080]);
    expect(r.warnings.join()).toMatch(/not a port number/);
  });

  it('skips istio-proxy ports, keeps native sidecars and running pod ports', () => {
    const t = inventoryOf(
      docs(`
apiVersion: v1
kind: Pod
metadata:
  name: web-0
  namespace: foo
  labels: {app: web}
spec:
  initContainers:
  - name: istio-proxy
    restartPolicy: Always
    ports: [{containerPort: 15090}]
  - name: log-shipper
    restartPolicy: Always
    ports: [{containerPort: 9100}]
  - name: migrate
    ports: [{containerPort: 5000}]
  containers:
  - name: web
    ports: [{containerPort: 8080}, {containerPort: 8443}]
`),
    );
    const w = workload(t, 'foo', 'web-0');
    expect(workloadPorts(w)).toEqual([8080, 8443, 9100]);
    expect(effectiveMtls(t, w).dataplane.mode).toBe('sidecar');
  });

  it('a workload without declared ports has no port entries, only the workload mode', () => {
    const t = inventoryOf([...inNamespace(docs(fixture('sleep.yaml')), 'foo'), pa('foo', 'default', { mode: 'STRICT' })]);
    const r = effectiveMtls(t, workload(t, 'foo', 'sleep'));
    expect(r.ports).toEqual([]);
    expect(r.mode).toBe('STRICT');
    expect(judgedPorts(r)).toEqual([{ port: '*', declared: false, mode: 'STRICT', decidedBy: expect.objectContaining({ level: 'namespace' }) }]);
  });

  it('a workload without declared ports is judged on its portLevelMtls keys too, without a key warning', () => {
    const t = inventoryOf([...inNamespace(docs(fixture('sleep.yaml')), 'foo'), pa('foo', 'sleep', { selector: { app: 'sleep' }, mode: 'STRICT', ports: { '80': 'DISABLE' } })]);
    const r = effectiveMtls(t, workload(t, 'foo', 'sleep'));
    expect(judgedPorts(r).map((p) => [p.port, p.mode])).toEqual([
      ['*', 'STRICT'],
      [80, 'DISABLE'],
    ]);
    expect(r.warnings).toEqual([]);
  });
});

describe('effectiveMtls ambient', () => {
  const ambientNs = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'amb', labels: { 'istio.io/dataplane-mode': 'ambient' } } };

  it('ignores DISABLE for ambient workloads (inherit) and warns', () => {
    const t = inventoryOf([
      ambientNs,
      pa('istio-system', 'default', { mode: 'STRICT' }),
      pa('amb', 'a', { selector: { app: 'a' }, mode: 'DISABLE', ports: { '9090': 'DISABLE', '8081': 'PERMISSIVE' } }),
      deployment('amb', 'a', { app: 'a' }, [8080, 8081, 9090]),
    ]);
    const r = effectiveMtls(t, workload(t, 'amb', 'a'));
    expect(r.dataplane.mode).toBe('ambient');
    expect(r.mode).toBe('STRICT');
    expect(portModes(t, 'amb', 'a')).toEqual({ '8080': 'STRICT', '8081': 'PERMISSIVE', '9090': 'STRICT' });
    expect(r.warnings.join()).toMatch(/ambient mode ignores/);
  });

  it('a mesh DISABLE is ignored for ambient workloads but applies to sidecar workloads', () => {
    const t = inventoryOf([ambientNs, injectedNs('side'), pa('istio-system', 'default', { mode: 'DISABLE' }), deployment('amb', 'a', { app: 'a' }, [8080]), deployment('side', 'b', { app: 'b' }, [8080])]);
    expect(portModes(t, 'amb', 'a')).toEqual({ '8080': 'PERMISSIVE' });
    expect(portModes(t, 'side', 'b')).toEqual({ '8080': 'DISABLE' });
  });
});
