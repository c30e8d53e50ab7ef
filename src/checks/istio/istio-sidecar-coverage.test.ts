import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { istioSidecarCoverage } from './istio-sidecar-coverage.ts';

const fixture = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/upstream/istio/${name}`, import.meta.url), 'utf8'));

// Istio's own namespace: marks Istio as present and is out of scope for coverage.
const ISTIO_SYSTEM = docs(`
apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
`);

function namespace(name: string, labels: Record<string, string> = {}): unknown {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

const SIDECAR_CONTAINER = `
        - name: istio-proxy
          image: docker.io/istio/proxyv2:1.28.0
          ports:
            - containerPort: 15090
              name: http-envoy-prom`;

const paymentsDeployment = (templateMeta = '', extraSpec = ''): unknown[] =>
  docs(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: payments
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels:
        app: api
${templateMeta}
    spec:
${extraSpec}
      containers:
        - name: api
          image: registry.example.com/payments/api:4.2.0
          ports:
            - containerPort: 8080
`);

// A running pod of Deployment payments/api (ReplicaSet api-7d9f8c6b5d).
function apiPod(name: string, opts: { proxy?: 'container' | 'native' | 'init-only'; annotations?: Record<string, string> } = {}): unknown {
  const containers: unknown[] = [{ name: 'api', image: 'registry.example.com/payments/api:4.2.0', ports: [{ containerPort: 8080 }] }];
  const initContainers: unknown[] = [];
  if (opts.proxy === 'container') containers.push({ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.0' });
  if (opts.proxy === 'native') initContainers.push({ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.0', restartPolicy: 'Always' });
  if (opts.proxy === 'init-only') initContainers.push({ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.0' });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'payments',
      labels: { app: 'api', 'pod-template-hash': '7d9f8c6b5d' },
      annotations: opts.annotations ?? {},
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-7d9f8c6b5d', controller: true }],
    },
    spec: { containers, initContainers },
    status: { phase: 'Running' },
  };
}

const API = { kind: 'Deployment', namespace: 'payments', name: 'api' } as const;
const BOOKINFO_DEPLOYMENTS = ['details-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'productpage-v1'];

describeCheck(istioSidecarCoverage, {
  pass: [
    {
      name: 'running pod carries the istio-proxy sidecar (observed)',
      objects: [namespace('payments', { 'istio-injection': 'enabled' }), ...paymentsDeployment(), apiPod('api-7d9f8c6b5d-x2kq9', { proxy: 'container', annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' } })],
      expect: [{ ...API, status: 'pass', messageId: 'meshed', warning: false }],
    },
    {
      name: 'native sidecar: init container istio-proxy with restartPolicy Always counts',
      objects: [namespace('payments', { 'istio-injection': 'enabled' }), ...paymentsDeployment(), apiPod('api-7d9f8c6b5d-x2kq9', { proxy: 'native' })],
      expect: [{ ...API, status: 'pass', messageId: 'meshed' }],
    },
    {
      name: 'namespace istio-injection=enabled, no running pods (predicted)',
      objects: [namespace('payments', { 'istio-injection': 'enabled' }), ...paymentsDeployment()],
      expect: [{ ...API, status: 'pass', messageId: 'meshed' }],
    },
    {
      name: 'namespace istio.io/rev=canary without istio-injection (predicted)',
      objects: [...ISTIO_SYSTEM, namespace('payments', { 'istio.io/rev': 'canary' }), ...paymentsDeployment()],
      expect: [{ ...API, status: 'pass', messageId: 'meshed', warning: false }],
    },
    {
      name: 'pod label sidecar.istio.io/inject=true in an unlabeled namespace opts in',
      objects: [...ISTIO_SYSTEM, namespace('payments'), ...paymentsDeployment('        sidecar.istio.io/inject: "true"')],
      expect: [{ ...API, status: 'pass', messageId: 'meshed' }],
    },
    {
      name: 'ambient namespace and pod annotation ambient.istio.io/redirection=enabled (observed)',
      objects: [
        namespace('payments', { 'istio.io/dataplane-mode': 'ambient' }),
        ...paymentsDeployment(),
        apiPod('api-7d9f8c6b5d-x2kq9', { annotations: { 'ambient.istio.io/redirection': 'enabled' } }),
      ],
      expect: [{ ...API, status: 'pass', messageId: 'meshed' }],
    },
    {
      name: 'ambient namespace label without pods (predicted ambient)',
      objects: [namespace('payments', { 'istio.io/dataplane-mode': 'ambient' }), ...paymentsDeployment()],
      expect: [{ ...API, status: 'pass', messageId: 'meshed' }],
    },
    {
      name: 'both istio-injection=enabled and istio.io/rev: still meshed, with an IST0123 warning',
      objects: [namespace('payments', { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }), ...paymentsDeployment()],
      expect: [{ ...API, status: 'pass', messageId: 'meshed', warning: true }],
    },
    {
      name: 'system namespaces and the Istio root namespace are out of scope',
      objects: [
        namespace('payments', { 'istio-injection': 'enabled' }),
        ...paymentsDeployment(),
        ...docs(`
apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istiod
  namespace: istio-system
spec:
  selector: {matchLabels: {app: istiod}}
  template:
    metadata: {labels: {app: istiod}}
    spec:
      containers: [{name: discovery, image: docker.io/istio/pilot:1.28.0}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-proxy
  namespace: kube-system
spec:
  selector: {matchLabels: {k8s-app: kube-proxy}}
  template:
    metadata: {labels: {k8s-app: kube-proxy}}
    spec:
      hostNetwork: true
      containers: [{name: kube-proxy, image: registry.k8s.io/kube-proxy:v1.34.1}]
`),
      ],
      expect: [{ ...API, status: 'pass' }],
    },
    {
      name: 'manual injection: the pod template already contains istio-proxy',
      objects: [...ISTIO_SYSTEM, namespace('payments'), ...docs(`
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ledger
  namespace: payments
spec:
  serviceName: ledger
  selector: {matchLabels: {app: ledger}}
  template:
    metadata:
      labels: {app: ledger}
    spec:
      containers:
        - name: ledger
          image: registry.example.com/payments/ledger:1.0.0${SIDECAR_CONTAINER}
`)],
      expect: [{ kind: 'StatefulSet', namespace: 'payments', name: 'ledger', status: 'pass' }],
    },
  ],
  fail: [
    {
      name: 'bookinfo fixture (no namespace labels) fails every Deployment',
      objects: [...ISTIO_SYSTEM, ...fixture('bookinfo.yaml')],
      expect: BOOKINFO_DEPLOYMENTS.map((name) => ({ kind: 'Deployment', namespace: 'default', name, status: 'fail' as const, messageId: 'notInjected' })),
    },
    {
      name: 'sleep fixture in an unlabeled namespace fails',
      objects: [...ISTIO_SYSTEM, namespace('default'), ...fixture('sleep.yaml')],
      expect: [{ kind: 'Deployment', namespace: 'default', name: 'sleep', status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'trap: annotation sidecar.istio.io/inject "true" alone does not opt a pod in',
      objects: [...ISTIO_SYSTEM, namespace('payments'), ...paymentsDeployment('      annotations:\n        sidecar.istio.io/inject: "true"')],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'trap: namespace istio-injection=disabled beats pod label sidecar.istio.io/inject=true',
      objects: [namespace('payments', { 'istio-injection': 'disabled' }), ...paymentsDeployment('        sidecar.istio.io/inject: "true"')],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'trap: istio-injection=disabled beats istio.io/rev (and warns IST0123)',
      objects: [namespace('payments', { 'istio-injection': 'disabled', 'istio.io/rev': 'canary' }), ...paymentsDeployment()],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected', warning: true }],
    },
    {
      name: 'trap: pod label sidecar.istio.io/inject=false opts out of an injected namespace',
      objects: [namespace('payments', { 'istio-injection': 'enabled' }), ...paymentsDeployment('        sidecar.istio.io/inject: "false"')],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'trap: pod annotation sidecar.istio.io/inject "false" opts out inside the webhook',
      objects: [namespace('payments', { 'istio-injection': 'enabled' }), ...paymentsDeployment('      annotations:\n        sidecar.istio.io/inject: "false"')],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'trap: hostNetwork pods are never injected',
      objects: [namespace('payments', { 'istio-injection': 'enabled' }), ...paymentsDeployment('', '      hostNetwork: true')],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'trap: ambient pod with redirection "pending" is not protected',
      objects: [
        namespace('payments', { 'istio.io/dataplane-mode': 'ambient' }),
        ...paymentsDeployment(),
        apiPod('api-7d9f8c6b5d-x2kq9', { annotations: { 'ambient.istio.io/redirection': 'pending' } }),
      ],
      expect: [{ ...API, status: 'fail', messageId: 'podsMissingProxy' }],
    },
    {
      name: 'trap: running pod without istio-proxy in an injected namespace (created before the label) fails, IST0103',
      objects: [namespace('payments', { 'istio-injection': 'enabled' }), ...paymentsDeployment(), apiPod('api-7d9f8c6b5d-old01')],
      expect: [{ ...API, status: 'fail', messageId: 'podsMissingProxy' }],
    },
    {
      name: 'one of two running pods lacks the proxy',
      objects: [
        namespace('payments', { 'istio-injection': 'enabled' }),
        ...paymentsDeployment(),
        apiPod('api-7d9f8c6b5d-new01', { proxy: 'container' }),
        apiPod('api-7d9f8c6b5d-old01'),
      ],
      expect: [{ ...API, status: 'fail', messageId: 'podsMissingProxy' }],
    },
    {
      name: 'an init container named istio-proxy without restartPolicy Always is not a sidecar',
      objects: [namespace('payments', { 'istio-injection': 'enabled' }), ...paymentsDeployment(), apiPod('api-7d9f8c6b5d-x2kq9', { proxy: 'init-only' })],
      expect: [{ ...API, status: 'fail', messageId: 'podsMissingProxy' }],
    },
    {
      name: 'unmeshed bare Pod and CronJob are judged too',
      objects: [
        ...ISTIO_SYSTEM,
        namespace('batch'),
        ...docs(`
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: batch
spec:
  containers: [{name: shell, image: docker.io/library/busybox:1.37}]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly-export
  namespace: batch
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: export, image: registry.example.com/export:2.1.0}]
`),
      ],
      expect: [
        { kind: 'Pod', namespace: 'batch', name: 'debug', status: 'fail', messageId: 'podsMissingProxy' },
        { kind: 'CronJob', namespace: 'batch', name: 'nightly-export', status: 'fail', messageId: 'notInjected' },
      ],
    },
  ],
  error: [
    {
      name: 'pods could not be listed: a predicted pass is not accepted',
      objects: [namespace('payments', { 'istio-injection': 'enabled' }), ...paymentsDeployment()],
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['Pod'], message: 'list pods: 403 Forbidden' }],
      expect: [
        { ...API, status: 'error', messageId: 'meshed' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'namespaces could not be listed: labels unknown',
      objects: [...ISTIO_SYSTEM, ...paymentsDeployment('        sidecar.istio.io/inject: "true"')],
      gaps: [{ id: 'gap-2', reason: 'access-denied', kinds: ['Namespace'], message: 'list namespaces: 403 Forbidden' }],
      expect: [
        { ...API, status: 'error' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'schema-invalid Deployment in the namespace turns its neighbour pass into an error',
      objects: [
        namespace('payments', { 'istio-injection': 'enabled' }),
        ...paymentsDeployment(),
        ...docs(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
  namespace: payments
spec:
  template:
    spec:
      containers: "api"
`),
      ],
      expect: [
        { ...API, status: 'error' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('istio-sidecar-coverage result data', () => {
  it('records basis, mode and the IST codes', () => {
    const observed = runCase(istioSidecarCoverage, {
      name: 'observed',
      objects: [namespace('payments', { 'istio-injection': 'enabled' }), ...paymentsDeployment(), apiPod('api-7d9f8c6b5d-old01')],
      expect: [],
    });
    expect(observed[0]?.data).toMatchObject({ basis: 'observed', mode: 'none', code: 'IST0103', pods: 'api-7d9f8c6b5d-old01' });
    expect(observed[0]?.evidence).toEqual(['ev-test-000', 'ev-test-001', 'ev-test-002']);

    const predicted = runCase(istioSidecarCoverage, {
      name: 'predicted',
      objects: [namespace('payments', { 'istio.io/dataplane-mode': 'ambient' }), ...paymentsDeployment()],
      expect: [],
    });
    expect(predicted[0]?.data).toMatchObject({ basis: 'predicted', mode: 'ambient' });
  });

  it('names the pending ambient pods and says when the Namespace object is missing', () => {
    const pending = runCase(istioSidecarCoverage, {
      name: 'pending',
      objects: [
        namespace('payments', { 'istio.io/dataplane-mode': 'ambient' }),
        ...paymentsDeployment(),
        apiPod('api-7d9f8c6b5d-x2kq9', { annotations: { 'ambient.istio.io/redirection': 'pending' } }),
      ],
      expect: [],
    });
    expect(pending[0]?.message).toContain('api-7d9f8c6b5d-x2kq9 (ambient redirection pending)');

    const bookinfo = runCase(istioSidecarCoverage, { name: 'bookinfo', objects: [...ISTIO_SYSTEM, ...fixture('bookinfo.yaml')], expect: [] });
    expect(bookinfo.every((r) => r.data.code === 'IST0102' && String(r.data.reason).includes('Namespace object is not in the evidence'))).toBe(true);
  });
});
