import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { istioAuthzIdentityNeedsMtls } from './istio-authz-identity-needs-mtls.ts';

const fixture = (name: string, ns: string): unknown[] =>
  docs(readFileSync(new URL(`../../../test/fixtures/upstream/istio/${name}`, import.meta.url), 'utf8')).map((o) => {
    const obj = o as { metadata: Record<string, unknown> };
    return { ...obj, metadata: { ...obj.metadata, namespace: ns } };
  });

function namespace(name: string, labels: Record<string, string> = { 'istio-injection': 'enabled' }): unknown {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

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

function ap(ns: string, name: string, spec: string, annotations = ''): unknown[] {
  return docs(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: ${ns}
${annotations}
spec:
${spec}
`);
}

function deployment(ns: string, name: string, ports: number[]): unknown[] {
  return docs(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: ${name}
          image: registry.example.com/${name}:1.0.0
          ports:
${ports.map((p) => `            - containerPort: ${p}`).join('\n')}
`);
}

const MESH_STRICT = pa('istio-system', 'default', '  mtls: {mode: STRICT}');
const PAYMENTS = namespace('payments');
const API = deployment('payments', 'api', [8080, 9090]);
const NS_PERMISSIVE = pa('payments', 'default', '  mtls: {mode: PERMISSIVE}');

const ALLOW_FRONTEND = ap(
  'payments',
  'allow-frontend',
  `  selector: {matchLabels: {app: api}}
  action: ALLOW
  rules:
    - from:
        - source:
            principals: ["cluster.local/ns/web/sa/frontend"]`,
);

const DENY_LEGACY = ap(
  'payments',
  'deny-legacy',
  `  selector: {matchLabels: {app: api}}
  action: DENY
  rules:
    - from:
        - source:
            namespaces: ["legacy"]`,
);

describeCheck(istioAuthzIdentityNeedsMtls, {
  pass: [
    {
      name: 'ALLOW on principals for a workload under mesh STRICT',
      objects: [...MESH_STRICT, PAYMENTS, ...API, ...ALLOW_FRONTEND],
      expect: [{ status: 'pass', kind: 'AuthorizationPolicy', namespace: 'payments', name: 'allow-frontend', messageId: 'allStrict' }],
    },
    {
      name: 'identity rule limited by to.operation.ports to the one STRICT port (9090 PERMISSIVE is not matched)',
      objects: [
        ...NS_PERMISSIVE,
        PAYMENTS,
        ...API,
        ...pa('payments', 'api-8080', '  selector: {matchLabels: {app: api}}\n  portLevelMtls:\n    "8080": {mode: STRICT}'),
        ...ap(
          'payments',
          'allow-frontend-8080',
          `  selector: {matchLabels: {app: api}}
  rules:
    - from:
        - source: {principals: ["cluster.local/ns/web/sa/frontend"]}
      to:
        - operation: {ports: ["8080"]}
    - to:
        - operation: {ports: ["9090"], paths: ["/healthz"]}`,
        ),
      ],
      expect: [{ status: 'pass', name: 'allow-frontend-8080' }],
    },
    {
      name: 'trap: dry-run, AUDIT and CUSTOM policies enforce nothing and are not judged',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...API,
        namespace('legacy'),
        ...deployment('legacy', 'old', [8080]),
        ...pa('legacy', 'default', '  mtls: {mode: PERMISSIVE}'),
        ...ap('legacy', 'dry', '  rules:\n    - from:\n        - source: {principals: ["a"]}', '  annotations:\n    istio.io/dry-run: "true"'),
        ...ap('legacy', 'audit', '  action: AUDIT\n  rules:\n    - from:\n        - source: {principals: ["a"]}'),
        ...ap('legacy', 'custom', '  action: CUSTOM\n  provider: {name: ext-authz}\n  rules:\n    - from:\n        - source: {principals: ["a"]}'),
        ...ALLOW_FRONTEND,
      ],
      expect: [{ status: 'pass', name: 'allow-frontend' }],
    },
    {
      name: 'policies without identity fields are not judged',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...API,
        ...ap('payments', 'allow-get', '  rules:\n    - to:\n        - operation: {methods: ["GET"]}'),
        ...ap('payments', 'allow-nothing', '  {}'),
        ...DENY_LEGACY,
      ],
      expect: [{ status: 'pass', name: 'deny-legacy' }],
    },
    {
      name: 'a mesh-wide policy in the root namespace covering STRICT workloads in several namespaces',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...API,
        namespace('web'),
        ...deployment('web', 'frontend', [8080]),
        ...deployment('kube-system', 'coredns', [53]),
        ...ap('istio-system', 'deny-outside', '  action: DENY\n  rules:\n    - from:\n        - source: {notNamespaces: ["payments", "web", "istio-system"]}'),
      ],
      expect: [{ status: 'pass', namespace: 'istio-system', name: 'deny-outside' }],
    },
  ],
  fail: [
    {
      name: 'trap: namespace PERMISSIVE overrides mesh STRICT under an ALLOW on principals',
      objects: [...MESH_STRICT, PAYMENTS, ...NS_PERMISSIVE, ...API, ...ALLOW_FRONTEND],
      expect: [{ status: 'fail', name: 'allow-frontend', messageId: 'notStrict' }],
    },
    {
      name: 'DENY on namespaces with no PeerAuthentication (default PERMISSIVE): plaintext bypasses the deny',
      objects: [PAYMENTS, ...API, ...DENY_LEGACY],
      expect: [{ status: 'fail', name: 'deny-legacy' }],
    },
    {
      name: 'a when condition on source.namespace counts as identity',
      objects: [
        PAYMENTS,
        ...API,
        ...NS_PERMISSIVE,
        ...ap('payments', 'when-ns', '  rules:\n    - when:\n        - key: source.namespace\n          values: ["web"]'),
      ],
      expect: [{ status: 'fail', name: 'when-ns' }],
    },
    {
      name: 'trap: the matched port 9090 is DISABLE by portLevelMtls inside a STRICT workload policy',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...API,
        ...pa('payments', 'api', '  selector: {matchLabels: {app: api}}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    "9090": {mode: DISABLE}'),
        ...ap('payments', 'metrics-from-prom', '  rules:\n    - from:\n        - source: {serviceAccounts: ["monitoring/prometheus"]}\n      to:\n        - operation: {ports: ["9090"]}'),
      ],
      expect: [{ status: 'fail', name: 'metrics-from-prom' }],
    },
    {
      name: 'trap: httpbin portLevelMtls keyed by Service port 8000 leaves matched container port 8080 PERMISSIVE',
      objects: [
        namespace('bar'),
        ...fixture('httpbin.yaml', 'bar'),
        ...pa('bar', 'httpbin', '  selector: {matchLabels: {app: httpbin}}\n  portLevelMtls:\n    "8000": {mode: STRICT}'),
        ...ap('bar', 'httpbin-viewer', '  selector: {matchLabels: {app: httpbin}}\n  rules:\n    - from:\n        - source: {principals: ["cluster.local/ns/foo/sa/sleep"]}\n      to:\n        - operation: {ports: ["8080"]}'),
      ],
      expect: [{ status: 'fail', name: 'httpbin-viewer' }],
    },
    {
      name: 'a selected workload without a proxy fails (the policy is not enforced there at all)',
      objects: [...MESH_STRICT, namespace('payments', {}), ...API, ...ALLOW_FRONTEND],
      expect: [{ status: 'fail', name: 'allow-frontend' }],
    },
    {
      name: 'a root-namespace policy reaches a PERMISSIVE namespace elsewhere',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...API,
        namespace('web'),
        ...deployment('web', 'frontend', [8080]),
        ...pa('web', 'default', '  mtls: {mode: PERMISSIVE}'),
        ...ap('istio-system', 'deny-legacy-everywhere', '  action: DENY\n  rules:\n    - from:\n        - source: {namespaces: ["legacy"]}'),
      ],
      expect: [{ status: 'fail', namespace: 'istio-system', name: 'deny-legacy-everywhere' }],
    },
    {
      name: 'trap: a selector PeerAuthentication in the root namespace does not make the workload STRICT',
      objects: [PAYMENTS, ...API, ...pa('istio-system', 'api-strict', '  selector: {matchLabels: {app: api}}\n  mtls: {mode: STRICT}'), ...ALLOW_FRONTEND],
      expect: [{ status: 'fail', name: 'allow-frontend' }],
    },
  ],
  error: [
    {
      name: 'PeerAuthentications could not be listed',
      objects: [...MESH_STRICT, PAYMENTS, ...API, ...ALLOW_FRONTEND],
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['PeerAuthentication'], message: 'list peerauthentications: 403' }],
      expect: [
        { status: 'error', name: 'allow-frontend' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a schema-invalid PeerAuthentication (STRICTT) in the policy namespace',
      objects: [...MESH_STRICT, PAYMENTS, ...API, ...pa('payments', 'default', '  mtls: {mode: STRICTT}'), ...ALLOW_FRONTEND],
      expect: [
        { status: 'error', name: 'allow-frontend' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a gap on root-namespace PeerAuthentications blocks a namespaced policy pass',
      objects: [...MESH_STRICT, PAYMENTS, ...API, ...ALLOW_FRONTEND],
      gaps: [{ id: 'gap-2', reason: 'access-denied', kinds: ['PeerAuthentication'], namespace: 'istio-system', message: 'list peerauthentications in istio-system: 403' }],
      expect: [
        { status: 'error', name: 'allow-frontend', messageId: 'unconfirmed' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a policy that selects nothing while pods in its namespace could not be listed',
      objects: [...MESH_STRICT, PAYMENTS, ...ALLOW_FRONTEND],
      gaps: [{ id: 'gap-3', reason: 'access-denied', kinds: ['Pod', 'Deployment'], namespace: 'payments', message: 'list pods in payments: 403' }],
      expect: [
        { status: 'error', name: 'allow-frontend', messageId: 'selectionUnknown' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'a selector that matches no workload is not a pass',
      objects: [...MESH_STRICT, PAYMENTS, ...deployment('payments', 'ledger', [8080]), ...ALLOW_FRONTEND],
      expect: [{ status: 'not_applicable', name: 'allow-frontend', messageId: 'noWorkloads' }],
    },
    {
      name: 'a targetRefs policy binds to a waypoint or gateway, not a sidecar',
      objects: [
        ...MESH_STRICT,
        PAYMENTS,
        ...API,
        ...ap(
          'payments',
          'waypoint-allow',
          '  targetRefs:\n    - {kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}\n  rules:\n    - from:\n        - source: {principals: ["cluster.local/ns/web/sa/frontend"]}',
        ),
      ],
      expect: [{ status: 'not_applicable', name: 'waypoint-allow', messageId: 'targetRefs' }],
    },
  ],
});

describe('istio-authz-identity-needs-mtls details', () => {
  it('names workload:port, mode and deciding policy; DENY bypass is high, ALLOW rejection medium', () => {
    const deny = runCase(istioAuthzIdentityNeedsMtls, { name: 'd', objects: [PAYMENTS, ...API, ...NS_PERMISSIVE, ...DENY_LEGACY], expect: [] });
    expect(deny[0]?.message).toContain('Deployment payments/api:8080 is PERMISSIVE (PeerAuthentication payments/default (namespace level))');
    expect(deny[0]?.message).toContain('slip past');
    expect(deny[0]?.severity).toBe('high');
    expect(deny[0]?.evidence).toEqual(['ev-test-000', 'ev-test-001', 'ev-test-002', 'ev-test-003']);
    const allow = runCase(istioAuthzIdentityNeedsMtls, { name: 'a', objects: [PAYMENTS, ...API, ...NS_PERMISSIVE, ...ALLOW_FRONTEND], expect: [] });
    expect(allow[0]?.severity).toBe('medium');
  });
});
