import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appDeployment, appPod, consulCrd, namespace as consulNamespace } from '../../../test/collectors/consul/consul-objects.ts';
import { describeCheck, docs, runCase } from '../tester.ts';
import { meshMtlsCoverage } from './mesh-mtls-coverage.ts';

const upstream = (path: string, ns?: string): unknown[] =>
  docs(readFileSync(new URL(`../../../test/fixtures/upstream/${path}`, import.meta.url), 'utf8')).map((o) => {
    if (ns === undefined) return o;
    const obj = o as { metadata: Record<string, unknown> };
    return { ...obj, metadata: { ...obj.metadata, namespace: ns } };
  });

function ns(name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): unknown {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels, annotations } };
}

function deployment(namespace: string, name: string, ports: number[], annotations: Record<string, string> = {}): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations },
        spec: { containers: [{ name, image: `registry.example.com/${namespace}/${name}:1.4.2`, ports: ports.map((p) => ({ containerPort: p, protocol: 'TCP' })) }] },
      },
    },
  };
}

// A running pod of Deployment namespace/name; `proxy` adds the mesh's sidecar container.
function pod(namespace: string, name: string, ports: number[], proxy: 'istio' | 'linkerd' | 'none', annotations: Record<string, string> = {}): unknown {
  const containers: unknown[] = [{ name, image: `registry.example.com/${namespace}/${name}:1.4.2`, ports: ports.map((p) => ({ containerPort: p, protocol: 'TCP' })) }];
  if (proxy === 'istio') containers.push({ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.0', ports: [{ containerPort: 15090, name: 'http-envoy-prom' }] });
  if (proxy === 'linkerd') containers.unshift({ name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-25.4.4', ports: [{ containerPort: 4143, name: 'linkerd-proxy' }] });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${name}-6b8f9d7c5-k2m4x`,
      namespace,
      labels: { app: name, 'pod-template-hash': '6b8f9d7c5' },
      annotations,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-6b8f9d7c5`, controller: true }],
    },
    spec: { containers },
    status: { phase: 'Running' },
  };
}

function peerAuthentication(namespace: string, name: string, spec: Record<string, unknown>): unknown {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace, creationTimestamp: '2026-10-01T08:00:00Z' },
    spec,
  };
}

const ISTIO_SYSTEM = ns('istio-system');
const MESH_STRICT = peerAuthentication('istio-system', 'default', { mtls: { mode: 'STRICT' } });
const ISTIOD = deployment('istio-system', 'istiod', [15010, 15012, 15017]);
const ISTIO = [ISTIO_SYSTEM, ISTIOD, MESH_STRICT];

const LINKERD_CONFIG_TEXT = readFileSync(new URL('../../../test/fixtures/linkerd/linkerd-config.yaml', import.meta.url), 'utf8');
const linkerdConfig = (policy: string): unknown[] => docs(LINKERD_CONFIG_TEXT.replace('defaultInboundPolicy: all-unauthenticated', `defaultInboundPolicy: ${policy}`));
const LINKERD_NS = ns('linkerd');
const SHOP = ns('shop', {}, { 'linkerd.io/inject': 'enabled' });

const CONSUL_INJECT = { 'consul.hashicorp.com/connect-inject': 'true' };
const CONSUL_SERVER: unknown = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'consul-server', namespace: 'consul' },
  spec: {
    selector: { matchLabels: { app: 'consul', component: 'server' } },
    template: {
      metadata: { labels: { app: 'consul', component: 'server' } },
      spec: { containers: [{ name: 'consul', image: 'hashicorp/consul:1.21.4', ports: [{ containerPort: 8501, name: 'https' }] }] },
    },
  },
};
const CONSUL = [consulNamespace('consul'), CONSUL_SERVER, consulNamespace('payments')];

const LEDGER = { kind: 'Deployment', namespace: 'payments', name: 'ledger' } as const;
const API = { kind: 'Deployment', namespace: 'shop', name: 'api' } as const;
const CONSUL_API = { kind: 'Deployment', namespace: 'payments', name: 'api' } as const;
// The first case: no mesh anywhere, one plaintext Deployment in a cardholder-data namespace.
const CDE = ns('payments', { 'data-classification': 'pci-cde' });
const UNMESHED_LEDGER = [CDE, deployment('payments', 'ledger', [8080])];

describeCheck(meshMtlsCoverage, {
  pass: [
    {
      name: 'Istio sidecar running, mesh-wide STRICT: every port mTLS only',
      objects: [...ISTIO, ns('payments', { 'istio-injection': 'enabled' }), deployment('payments', 'ledger', [8080, 9090]), pod('payments', 'ledger', [8080, 9090], 'istio')],
      expect: [{ ...LEDGER, status: 'pass', messageId: 'mtlsOnly' }],
    },
    {
      name: 'Istio ambient: namespace enrolled, pod redirected by istio-cni, mesh STRICT',
      objects: [
        ...ISTIO,
        ns('payments', { 'istio.io/dataplane-mode': 'ambient' }),
        deployment('payments', 'ledger', [8080]),
        pod('payments', 'ledger', [8080], 'none', { 'ambient.istio.io/redirection': 'enabled' }),
      ],
      expect: [{ ...LEDGER, status: 'pass', messageId: 'mtlsOnly' }],
    },
    {
      name: 'Linkerd proxy running, default inbound policy all-authenticated',
      objects: [LINKERD_NS, ...linkerdConfig('all-authenticated'), SHOP, deployment('shop', 'api', [8080]), pod('shop', 'api', [8080], 'linkerd', { 'linkerd.io/inject': 'enabled' })],
      expect: [{ ...API, status: 'pass', messageId: 'mtlsOnly' }],
    },
    {
      name: 'Consul dataplane with transparent proxy, mutualTLSMode unset everywhere (strict by default)',
      objects: [...CONSUL, appDeployment('payments', 'api', CONSUL_INJECT), appPod('payments', 'api', 'q8x2m')],
      expect: [{ ...CONSUL_API, status: 'pass', messageId: 'mtlsOnly' }],
    },
    {
      name: 'trap: system and root namespaces are out of scope, so only the application workload is judged',
      objects: [...ISTIO, ns('kube-system'), deployment('kube-system', 'coredns', [53]), ns('payments', { 'istio-injection': 'enabled' }), deployment('payments', 'ledger', [8080])],
      expect: [{ ...LEDGER, status: 'pass' }],
    },
    {
      name: 'trap: Istio and Linkerd both predicted for a workload without pods: Istio is judged and the conflict is warned',
      objects: [...ISTIO, LINKERD_NS, ...linkerdConfig('all-unauthenticated'), ns('shop', { 'istio-injection': 'enabled' }, { 'linkerd.io/inject': 'enabled' }), deployment('shop', 'api', [8080])],
      expect: [{ ...API, status: 'pass', messageId: 'mtlsOnly', warning: true }],
    },
  ],
  fail: [
    {
      name: 'no mesh installed at all: a plaintext Deployment in a pci-cde namespace fails (never not applicable)',
      objects: UNMESHED_LEDGER,
      expect: [{ ...LEDGER, status: 'fail', messageId: 'noMesh' }],
    },
    {
      name: 'Istio installed, but the workload is not injected (running pod without istio-proxy)',
      objects: [...ISTIO, ns('payments'), deployment('payments', 'ledger', [8080]), pod('payments', 'ledger', [8080], 'none')],
      expect: [{ ...LEDGER, status: 'fail', messageId: 'noMesh' }],
    },
    {
      name: 'Istio sidecar, but a namespace PeerAuthentication PERMISSIVE overrides the mesh STRICT',
      objects: [...ISTIO, ns('payments', { 'istio-injection': 'enabled' }), peerAuthentication('payments', 'default', { mtls: { mode: 'PERMISSIVE' } }), deployment('payments', 'ledger', [8080])],
      expect: [{ ...LEDGER, status: 'fail', messageId: 'plaintext' }],
    },
    {
      name: 'httpbin: portLevelMtls DISABLE on container port 8080 under mesh STRICT',
      objects: [
        ...ISTIO,
        ns('bar', { 'istio-injection': 'enabled' }),
        ...upstream('istio/httpbin.yaml', 'bar'),
        peerAuthentication('bar', 'httpbin', { selector: { matchLabels: { app: 'httpbin' } }, portLevelMtls: { '8080': { mode: 'DISABLE' } } }),
      ],
      expect: [{ kind: 'Deployment', namespace: 'bar', name: 'httpbin', status: 'fail', messageId: 'plaintext' }],
    },
    {
      name: 'Linkerd install default all-unauthenticated admits plaintext clients',
      objects: [LINKERD_NS, ...linkerdConfig('all-unauthenticated'), SHOP, deployment('shop', 'api', [8080]), pod('shop', 'api', [8080], 'linkerd', { 'linkerd.io/inject': 'enabled' })],
      expect: [{ ...API, status: 'fail', messageId: 'plaintext' }],
    },
    {
      name: 'Linkerd all-authenticated, but port 9090 is in skip-inbound-ports and bypasses the proxy',
      objects: [
        LINKERD_NS,
        ...linkerdConfig('all-authenticated'),
        SHOP,
        deployment('shop', 'api', [8080, 9090], { 'config.linkerd.io/skip-inbound-ports': '9090' }),
        pod('shop', 'api', [8080, 9090], 'linkerd', { 'linkerd.io/inject': 'enabled', 'config.linkerd.io/skip-inbound-ports': '9090' }),
      ],
      expect: [{ ...API, status: 'fail', messageId: 'plaintext' }],
    },
    {
      name: 'Consul ServiceDefaults mutualTLSMode permissive',
      objects: [...CONSUL, consulCrd('ServiceDefaults', 'api', { protocol: 'http', mutualTLSMode: 'permissive' }), appDeployment('payments', 'api', CONSUL_INJECT), appPod('payments', 'api', 'q8x2m')],
      expect: [{ ...CONSUL_API, status: 'fail', messageId: 'plaintext' }],
    },
    {
      name: 'Consul injected with transparent-proxy false: the application port is reachable directly',
      objects: [...CONSUL, appDeployment('payments', 'api', CONSUL_INJECT), appPod('payments', 'api', 'q8x2m', { tproxy: false })],
      expect: [{ ...CONSUL_API, status: 'fail', messageId: 'plaintext' }],
    },
    {
      name: 'trap: the namespace asks for Istio injection, but the running pod carries linkerd-proxy: Linkerd policy is judged',
      objects: [
        ...ISTIO,
        LINKERD_NS,
        ...linkerdConfig('all-unauthenticated'),
        ns('shop', { 'istio-injection': 'enabled' }, { 'linkerd.io/inject': 'enabled' }),
        deployment('shop', 'api', [8080]),
        pod('shop', 'api', [8080], 'linkerd', { 'linkerd.io/inject': 'enabled' }),
      ],
      expect: [{ ...API, status: 'fail', messageId: 'plaintext', warning: false }],
    },
  ],
  error: [
    {
      name: 'Istio STRICT, but PeerAuthentications in the root namespace could not be listed',
      objects: [...ISTIO, ns('payments', { 'istio-injection': 'enabled' }), deployment('payments', 'ledger', [8080])],
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['PeerAuthentication'], namespace: 'istio-system', message: 'list peerauthentications in istio-system: 403' }],
      expect: [
        { ...LEDGER, status: 'error', messageId: 'unconfirmed' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'Linkerd proxy running, but linkerd-config is not in the evidence: the default policy is unknown',
      objects: [LINKERD_NS, SHOP, deployment('shop', 'api', [8080]), pod('shop', 'api', [8080], 'linkerd', { 'linkerd.io/inject': 'enabled' })],
      expect: [{ ...API, status: 'error', messageId: 'unconfirmed' }],
    },
    {
      name: 'Consul strict, but the ServiceDefaults is not synced to Consul: the enforced mode is unknown',
      objects: [...CONSUL, consulCrd('ServiceDefaults', 'api', { protocol: 'http' }, { sync: 'failed' }), appDeployment('payments', 'api', CONSUL_INJECT), appPod('payments', 'api', 'q8x2m')],
      expect: [{ ...CONSUL_API, status: 'error', messageId: 'unconfirmed' }],
    },
    {
      name: 'pods in the namespace could not be listed: a pass is not accepted',
      objects: [...ISTIO, ns('payments', { 'istio-injection': 'enabled' }), deployment('payments', 'ledger', [8080])],
      gaps: [{ id: 'gap-2', reason: 'access-denied', kinds: ['Pod'], namespace: 'payments', message: 'list pods in payments: 403' }],
      expect: [
        { ...LEDGER, status: 'error', messageId: 'mtlsOnly' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'only system namespaces hold workloads',
      objects: [ns('kube-system'), deployment('kube-system', 'coredns', [53])],
      expect: [{ kind: 'Cluster', status: 'not_applicable', messageId: 'noWorkloads' }],
    },
  ],
});

describe('mesh-mtls-coverage messages', () => {
  it('names the mesh (or none) and the ports', () => {
    const [noMesh] = runCase(meshMtlsCoverage, { name: 'no mesh', objects: UNMESHED_LEDGER, expect: [] });
    expect(noMesh?.message).toBe('Deployment payments/ledger is in no service mesh (no service mesh is installed on this target), so 8080 accept plaintext.');
    const [permissive] = runCase(meshMtlsCoverage, {
      name: 'permissive',
      objects: [...ISTIO, ns('payments', { 'istio-injection': 'enabled' }), peerAuthentication('payments', 'default', { mtls: { mode: 'PERMISSIVE' } }), deployment('payments', 'ledger', [8080, 9090])],
      expect: [],
    });
    expect(permissive?.message).toContain('under Istio (sidecar) on 8080, 9090: port 8080: PERMISSIVE, PeerAuthentication payments/default (namespace level)');
    const [linkerd] = runCase(meshMtlsCoverage, {
      name: 'linkerd',
      objects: [LINKERD_NS, ...linkerdConfig('all-authenticated'), SHOP, deployment('shop', 'api', [8080]), pod('shop', 'api', [8080], 'linkerd', { 'linkerd.io/inject': 'enabled' })],
      expect: [],
    });
    expect(linkerd?.message).toBe('Deployment shop/api accepts only mutual TLS under Linkerd (observed in running pods) on 8080.');
  });
});
