import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { istioMtlsStrict } from './istio-mtls-strict.ts';

const fixture = (name: string, ns: string): unknown[] =>
  docs(readFileSync(new URL(`../../../test/fixtures/upstream/istio/${name}`, import.meta.url), 'utf8')).map((o) => {
    const obj = o as { metadata: Record<string, unknown> };
    return { ...obj, metadata: { ...obj.metadata, namespace: ns } };
  });

function namespace(name: string, labels: Record<string, string> = { 'istio-injection': 'enabled' }): unknown {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

const ISTIO_SYSTEM = namespace('istio-system', {});

function pa(ns: string, name: string, spec: string, created = '2025-01-10T08:00:00Z'): unknown[] {
  return docs(`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: ${name}
  namespace: ${ns}
  creationTimestamp: "${created}"
spec:
${spec}
`);
}

const MESH_STRICT = pa('istio-system', 'default', '  mtls: {mode: STRICT}');
const MESH_PERMISSIVE = pa('istio-system', 'default', '  mtls: {mode: PERMISSIVE}');

function deployment(ns: string, name: string, ports: number[], labels = `app: ${name}`): unknown[] {
  const portYaml = ports.length > 0 ? `          ports:\n${ports.map((p) => `            - containerPort: ${p}`).join('\n')}` : '';
  return docs(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    matchLabels: {${labels}}
  template:
    metadata:
      labels: {${labels}}
    spec:
      containers:
        - name: ${name}
          image: registry.example.com/${name}:1.0.0
${portYaml}
`);
}

// A running pod of Deployment ns/name, with or without the sidecar.
function pod(ns: string, name: string, ports: number[], proxy: boolean, labels: Record<string, string> = { app: name }): unknown {
  const containers: unknown[] = [{ name, image: `registry.example.com/${name}:1.0.0`, ports: ports.map((p) => ({ containerPort: p })) }];
  if (proxy) containers.push({ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.0', ports: [{ containerPort: 15090, name: 'http-envoy-prom' }] });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${name}-7d9f8c6b5d-x2x4k`,
      namespace: ns,
      labels: { ...labels, 'pod-template-hash': '7d9f8c6b5d' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-7d9f8c6b5d`, controller: true }],
    },
    spec: { containers },
    status: { phase: 'Running' },
  };
}

const PAYMENTS = namespace('payments');
const API = deployment('payments', 'api', [8080, 9090]);

describeCheck(istioMtlsStrict, {
  pass: [
    {
      name: 'mesh STRICT, injected namespace, running sidecar pod',
      objects: [ISTIO_SYSTEM, ...MESH_STRICT, PAYMENTS, ...API, pod('payments', 'api', [8080, 9090], true)],
      expect: [
        { status: 'pass', kind: 'Deployment', namespace: 'payments', name: 'api', port: 8080 },
        { status: 'pass', kind: 'Deployment', namespace: 'payments', name: 'api', port: 9090 },
      ],
    },
    {
      name: 'trap: a namespace STRICT overrides a mesh PERMISSIVE',
      objects: [...MESH_PERMISSIVE, PAYMENTS, ...pa('payments', 'default', '  mtls: {mode: STRICT}'), ...API],
      expect: [
        { status: 'pass', port: 8080 },
        { status: 'pass', port: 9090 },
      ],
    },
    {
      name: 'trap: a workload STRICT overrides a namespace PERMISSIVE (narrower wins in both directions)',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...pa('payments', 'default', '  mtls: {mode: PERMISSIVE}'),
        ...pa('payments', 'api-strict', '  selector: {matchLabels: {app: api}}\n  mtls: {mode: STRICT}'),
        ...API,
      ],
      expect: [
        { status: 'pass', port: 8080 },
        { status: 'pass', port: 9090 },
      ],
    },
    {
      name: 'httpbin: portLevelMtls keyed by container port 8080 (not Service port 8000) makes it STRICT',
      objects: [
        ...MESH_PERMISSIVE,
        namespace('bar'),
        ...fixture('httpbin.yaml', 'bar'),
        ...pa('bar', 'httpbin', '  selector: {matchLabels: {app: httpbin}}\n  portLevelMtls:\n    "8080": {mode: STRICT}'),
      ],
      expect: [{ status: 'pass', kind: 'Deployment', namespace: 'bar', name: 'httpbin', port: 8080 }],
    },
    {
      name: 'sleep (no declared ports) gets one result for port *; system and root namespaces are out of scope',
      objects: [
        ...MESH_STRICT,
        namespace('legacy'),
        ...fixture('sleep.yaml', 'legacy'),
        ...deployment('kube-system', 'coredns', [53]),
        ...deployment('istio-system', 'istiod', [15010]),
      ],
      expect: [{ status: 'pass', name: 'sleep', port: '*' }],
    },
    {
      name: 'trap: ambient ignores a workload DISABLE (inherits mesh STRICT) and warns of drift',
      objects: [
        ...MESH_STRICT,
        namespace('amb', { 'istio.io/dataplane-mode': 'ambient' }),
        ...deployment('amb', 'web', [8080]),
        ...pa('amb', 'web-off', '  selector: {matchLabels: {app: web}}\n  mtls: {mode: DISABLE}'),
      ],
      expect: [{ status: 'pass', name: 'web', port: 8080, warning: true }],
    },
    {
      name: 'trap: UNSET at namespace, workload and port levels inherits the mesh STRICT',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...pa('payments', 'default', '  mtls: {mode: UNSET}'),
        ...pa('payments', 'api', '  selector: {matchLabels: {app: api}}\n  mtls: {mode: UNSET}\n  portLevelMtls:\n    "8080": {mode: UNSET}'),
        ...API,
      ],
      expect: [
        { status: 'pass', port: 8080 },
        { status: 'pass', port: 9090 },
      ],
    },
    {
      name: 'trap: httpbin precedence example: {80: DISABLE} matches no container port, so 8080 stays STRICT (warns about the key)',
      objects: [
        ISTIO_SYSTEM,
        namespace('bar'),
        ...fixture('httpbin.yaml', 'bar'),
        ...pa('bar', 'default', '  mtls: {mode: STRICT}'),
        ...pa('bar', 'httpbin', '  selector: {matchLabels: {app: httpbin}}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    "80": {mode: DISABLE}'),
      ],
      expect: [{ status: 'pass', name: 'httpbin', port: 8080, warning: true }],
    },
  ],
  fail: [
    {
      name: 'no PeerAuthentication at all: mesh default PERMISSIVE',
      objects: [ISTIO_SYSTEM, PAYMENTS, ...API],
      expect: [
        { status: 'fail', port: 8080, messageId: 'notStrict' },
        { status: 'fail', port: 9090, messageId: 'notStrict' },
      ],
    },
    {
      name: 'trap: a namespace PERMISSIVE overrides a mesh STRICT',
      objects: [...MESH_STRICT, PAYMENTS, ...pa('payments', 'default', '  mtls: {mode: PERMISSIVE}'), ...API],
      expect: [
        { status: 'fail', port: 8080 },
        { status: 'fail', port: 9090 },
      ],
    },
    {
      name: 'trap: a workload DISABLE inside a STRICT namespace',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...pa('payments', 'default', '  mtls: {mode: STRICT}'),
        ...pa('payments', 'api-off', '  selector: {matchLabels: {app: api}}\n  mtls: {mode: DISABLE}'),
        ...API,
      ],
      expect: [
        { status: 'fail', port: 8080 },
        { status: 'fail', port: 9090 },
      ],
    },
    {
      name: 'catalog: mesh STRICT + namespace PERMISSIVE + workload {9090: STRICT} leaves only 9090 STRICT',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...pa('payments', 'default', '  mtls: {mode: PERMISSIVE}'),
        ...pa('payments', 'api-9090', '  selector: {matchLabels: {app: api}}\n  portLevelMtls:\n    "9090": {mode: STRICT}'),
        ...API,
        ...deployment('payments', 'ledger', [9090]),
      ],
      expect: [
        { status: 'fail', name: 'api', port: 8080 },
        { status: 'pass', name: 'api', port: 9090 },
        { status: 'fail', name: 'ledger', port: 9090 },
      ],
    },
    {
      name: 'catalog: workload STRICT with {9090: DISABLE}',
      objects: [
        ...MESH_PERMISSIVE,
        PAYMENTS,
        ...pa('payments', 'api', '  selector: {matchLabels: {app: api}}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    "9090": {mode: DISABLE}'),
        ...API,
      ],
      expect: [
        { status: 'pass', port: 8080 },
        { status: 'fail', port: 9090 },
      ],
    },
    {
      name: 'trap: httpbin portLevelMtls keyed by the Service port 8000 leaves container port 8080 PERMISSIVE',
      objects: [
        ...MESH_PERMISSIVE,
        namespace('bar'),
        ...fixture('httpbin.yaml', 'bar'),
        ...pa('bar', 'httpbin', '  selector: {matchLabels: {app: httpbin}}\n  portLevelMtls:\n    "8000": {mode: STRICT}'),
      ],
      expect: [{ status: 'fail', name: 'httpbin', port: 8080, warning: true }],
    },
    {
      name: 'trap: a selector STRICT policy in the root namespace is ignored',
      objects: [ISTIO_SYSTEM, PAYMENTS, ...pa('istio-system', 'api-strict', '  selector: {matchLabels: {app: api}}\n  mtls: {mode: STRICT}'), ...API],
      expect: [
        { status: 'fail', port: 8080 },
        { status: 'fail', port: 9090 },
      ],
    },
    {
      name: 'trap: two workload policies match; the OLDEST (PERMISSIVE) wins, not the first by name; warns',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...pa('payments', 'a-strict', '  selector: {matchLabels: {app: api}}\n  mtls: {mode: STRICT}', '2025-05-01T00:00:00Z'),
        ...pa('payments', 'z-permissive', '  selector: {matchLabels: {app: api}}\n  mtls: {mode: PERMISSIVE}', '2025-02-01T00:00:00Z'),
        ...API,
      ],
      expect: [
        { status: 'fail', port: 8080, warning: true },
        { status: 'fail', port: 9090, warning: true },
      ],
    },
    {
      name: 'trap: two namespace-wide policies; the OLDEST (DISABLE) wins; warns',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...pa('payments', 'a-strict', '  mtls: {mode: STRICT}', '2025-05-01T00:00:00Z'),
        ...pa('payments', 'z-disable', '  mtls: {mode: DISABLE}', '2025-02-01T00:00:00Z'),
        ...deployment('payments', 'api', [8080]),
      ],
      expect: [{ status: 'fail', port: 8080, warning: true }],
    },
    {
      name: 'trap: an unmeshed workload fails (not skipped), even under mesh STRICT',
      objects: [...MESH_STRICT, namespace('legacy', {}), ...fixture('sleep.yaml', 'legacy'), ...deployment('legacy', 'web', [8080])],
      expect: [
        { status: 'fail', name: 'sleep', port: '*', messageId: 'notMeshed' },
        { status: 'fail', name: 'web', port: 8080, messageId: 'notMeshed' },
      ],
    },
    {
      name: 'trap: injection intent is not fact: running pods without istio-proxy in a labelled namespace',
      objects: [...MESH_STRICT, PAYMENTS, ...deployment('payments', 'api', [8080]), pod('payments', 'api', [8080], false)],
      expect: [{ status: 'fail', name: 'api', port: 8080, messageId: 'notMeshed' }],
    },
    {
      name: 'trap: a mesh DISABLE still applies to sidecar workloads',
      objects: [...pa('istio-system', 'default', '  mtls: {mode: DISABLE}'), PAYMENTS, ...deployment('payments', 'api', [8080])],
      expect: [{ status: 'fail', port: 8080 }],
    },
    {
      name: 'a workload without declared ports is judged on * and on its portLevelMtls keys',
      objects: [
        ...MESH_STRICT,
        namespace('foo'),
        ...fixture('sleep.yaml', 'foo'),
        ...pa('foo', 'sleep', '  selector: {matchLabels: {app: sleep}}\n  portLevelMtls:\n    "80": {mode: DISABLE}'),
      ],
      expect: [
        { status: 'pass', name: 'sleep', port: '*' },
        { status: 'fail', name: 'sleep', port: 80, messageId: 'notStrict' },
      ],
    },
  ],
  error: [
    {
      name: 'PeerAuthentications could not be listed',
      objects: [...MESH_STRICT, PAYMENTS, ...deployment('payments', 'api', [8080])],
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['PeerAuthentication'], message: 'list peerauthentications: 403' }],
      expect: [
        { status: 'error', port: 8080 },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a schema-invalid policy (mode STRICTT) in the workload namespace',
      objects: [...MESH_STRICT, PAYMENTS, ...pa('payments', 'default', '  mtls: {mode: STRICTT}'), ...deployment('payments', 'api', [8080])],
      expect: [
        { status: 'error', port: 8080 },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a gap on root-namespace policies also blocks passes in other namespaces',
      objects: [...MESH_STRICT, PAYMENTS, ...deployment('payments', 'api', [8080])],
      gaps: [{ id: 'gap-2', reason: 'access-denied', kinds: ['PeerAuthentication'], namespace: 'istio-system', message: 'list peerauthentications in istio-system: 403' }],
      expect: [
        { status: 'error', port: 8080, messageId: 'strictUnconfirmed' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'pods could not be listed in the workload namespace',
      objects: [...MESH_STRICT, PAYMENTS, ...deployment('payments', 'api', [8080])],
      gaps: [{ id: 'gap-3', reason: 'access-denied', kinds: ['Pod'], namespace: 'payments', message: 'list pods in payments: 403' }],
      expect: [
        { status: 'error', port: 8080 },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'no workloads outside system namespaces',
      objects: [...MESH_STRICT, ...deployment('istio-system', 'istiod', [15010])],
      expect: [{ status: 'not_applicable', kind: 'Cluster', messageId: 'noWorkloads' }],
    },
  ],
});

describe('istio-mtls-strict details', () => {
  it('names the deciding policy and relies on workload, namespace and policy evidence', () => {
    const objects = [
      ...MESH_STRICT,
      PAYMENTS,
      ...pa('payments', 'default', '  mtls: {mode: PERMISSIVE}'),
      ...deployment('payments', 'api', [8080]),
    ];
    const [r] = runCase(istioMtlsStrict, { name: 'x', objects, expect: [] });
    expect(r?.message).toContain('PeerAuthentication payments/default (namespace level)');
    expect(r?.message).toContain('PERMISSIVE');
    expect(r?.evidence).toEqual(['ev-test-000', 'ev-test-001', 'ev-test-002', 'ev-test-003']);
  });
});
