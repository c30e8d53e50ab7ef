import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { linkerdProxyCoverage } from './linkerd-proxy-coverage.ts';

const upstream = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/upstream/linkerd/${name}`, import.meta.url), 'utf8'));
const fixture = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/linkerd/${name}`, import.meta.url), 'utf8'));

// The control plane marks Linkerd present and is out of scope itself.
const LINKERD_NS = docs(`
apiVersion: v1
kind: Namespace
metadata:
  name: linkerd
  annotations:
    linkerd.io/inject: disabled
  labels:
    linkerd.io/is-control-plane: "true"
`);

const namespace = (name: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): unknown => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, annotations, labels },
});

const deployment = (opts: { annotations?: Record<string, string>; labels?: Record<string, string>; hostNetwork?: boolean; namespace?: string } = {}): unknown => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: opts.namespace ?? 'shop' },
  spec: {
    selector: { matchLabels: { app: 'api' } },
    template: {
      metadata: { labels: { app: 'api', ...(opts.labels ?? {}) }, annotations: opts.annotations ?? {} },
      spec: {
        ...(opts.hostNetwork ? { hostNetwork: true } : {}),
        containers: [{ name: 'api', image: 'registry.example.com/shop/api:3.1.0', ports: [{ containerPort: 8080, name: 'http' }] }],
      },
    },
  },
});

// A running pod of Deployment shop/api (ReplicaSet api-5f7d9c8b6).
function apiPod(name: string, proxy: 'container' | 'native' | 'init-only' | 'none'): unknown {
  const containers: unknown[] = [{ name: 'api', image: 'registry.example.com/shop/api:3.1.0', ports: [{ containerPort: 8080, name: 'http' }] }];
  const initContainers: unknown[] = [];
  const image = 'cr.l5d.io/linkerd/proxy:edge-25.4.4';
  if (proxy === 'container') containers.unshift({ name: 'linkerd-proxy', image });
  if (proxy === 'native') initContainers.push({ name: 'linkerd-proxy', image, restartPolicy: 'Always' });
  if (proxy === 'init-only') initContainers.push({ name: 'linkerd-proxy', image });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      labels: { app: 'api', 'pod-template-hash': '5f7d9c8b6' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-5f7d9c8b6', controller: true }],
    },
    spec: { containers, initContainers },
    status: { phase: 'Running' },
  };
}

const API = { kind: 'Deployment', namespace: 'shop', name: 'api' } as const;
const INJECT = { 'linkerd.io/inject': 'enabled' };

describeCheck(linkerdProxyCoverage, {
  pass: [
    {
      name: 'running pod carries the linkerd-proxy container (observed)',
      objects: [...LINKERD_NS, namespace('shop', INJECT), deployment(), apiPod('api-5f7d9c8b6-k2x8p', 'container')],
      expect: [{ ...API, status: 'pass', messageId: 'meshed', warning: false }],
    },
    {
      name: 'Linkerd 2.20 native sidecar (init container with restartPolicy Always) counts as meshed',
      objects: [...LINKERD_NS, namespace('shop', INJECT), deployment(), apiPod('api-5f7d9c8b6-k2x8p', 'native')],
      expect: [{ ...API, status: 'pass', messageId: 'meshed' }],
    },
    {
      name: 'no running pods: namespace annotation predicts injection',
      objects: [...LINKERD_NS, namespace('shop', INJECT), deployment()],
      expect: [{ ...API, status: 'pass', messageId: 'meshed' }],
    },
    {
      name: 'pod template annotation enables injection in an unannotated namespace',
      objects: [...LINKERD_NS, namespace('shop'), deployment({ annotations: INJECT })],
      expect: [{ ...API, status: 'pass' }],
    },
    {
      name: 'upstream emojivoto workloads, all running with the proxy',
      objects: [...LINKERD_NS, ...fixture('emojivoto-workloads.yaml')],
      expect: [
        { kind: 'Deployment', namespace: 'emojivoto', name: 'emoji', status: 'pass' },
        { kind: 'Deployment', namespace: 'emojivoto', name: 'voting', status: 'pass' },
        { kind: 'Deployment', namespace: 'emojivoto', name: 'web', status: 'pass' },
      ],
    },
    {
      name: 'trap: running pods meshed but the template now opts out; pass with a warning that new pods will be unmeshed',
      objects: [...LINKERD_NS, namespace('shop', INJECT), deployment({ annotations: { 'linkerd.io/inject': 'disabled' } }), apiPod('api-5f7d9c8b6-k2x8p', 'container')],
      expect: [{ ...API, status: 'pass', warning: true }],
    },
  ],
  fail: [
    {
      name: 'trap: injection annotation added after the pods were created; running pods are the fact',
      objects: [...LINKERD_NS, namespace('shop', INJECT), deployment(), apiPod('api-5f7d9c8b6-k2x8p', 'none'), apiPod('api-5f7d9c8b6-m4r7t', 'container')],
      expect: [{ ...API, status: 'fail', messageId: 'podsMissingProxy', warning: true }],
    },
    {
      name: 'trap: an init container named linkerd-proxy without restartPolicy Always is not a sidecar',
      objects: [...LINKERD_NS, namespace('shop', INJECT), deployment(), apiPod('api-5f7d9c8b6-k2x8p', 'init-only')],
      expect: [{ ...API, status: 'fail', messageId: 'podsMissingProxy' }],
    },
    {
      name: 'trap: pod annotation disabled overrides the namespace (upstream deployment-inject-disabled, moved to an in-scope namespace)',
      objects: [
        ...LINKERD_NS,
        namespace('shop', INJECT),
        ...fixture('deployment-inject-disabled.yaml').map((o) => ({ ...(o as object), metadata: { ...(o as { metadata: object }).metadata, namespace: 'shop' } })),
      ],
      expect: [{ kind: 'Deployment', namespace: 'shop', name: 'nginx', status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'trap: linkerd.io/inject set as a label does nothing',
      objects: [...LINKERD_NS, namespace('shop', {}, INJECT), deployment()],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'trap: hostNetwork pods are never injected',
      objects: [...LINKERD_NS, namespace('shop', INJECT), deployment({ hostNetwork: true })],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'namespace opted out with config.linkerd.io/admission-webhooks=disabled',
      objects: [...LINKERD_NS, namespace('shop', INJECT, { 'config.linkerd.io/admission-webhooks': 'disabled' }), deployment({ annotations: INJECT })],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected' }],
    },
    {
      name: 'no annotation anywhere and the Namespace object missing from evidence',
      objects: [...LINKERD_NS, deployment()],
      expect: [{ ...API, status: 'fail', messageId: 'notInjected' }],
    },
  ],
  error: [
    {
      name: 'a meshed workload cannot pass while Deployments in its namespace could not be listed',
      objects: [...LINKERD_NS, namespace('shop', INJECT), deployment(), apiPod('api-5f7d9c8b6-k2x8p', 'container')],
      gaps: [{ id: 'gap-deploy', reason: 'access-denied', kinds: ['Deployment'], namespace: 'shop', message: 'list deployments in shop: 403 Forbidden' }],
      expect: [
        { ...API, status: 'error', messageId: 'meshed' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a gap on Namespaces errors the predicted pass',
      objects: [...LINKERD_NS, namespace('shop', INJECT), deployment()],
      gaps: [{ id: 'gap-ns', reason: 'access-denied', kinds: ['Namespace'], message: 'list namespaces: 403 Forbidden' }],
      expect: [
        { ...API, status: 'error' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'no sign of Linkerd at all',
      objects: [namespace('shop'), deployment()],
      expect: [{ kind: 'Cluster', status: 'not_applicable', messageId: 'meshNotPresent' }],
    },
  ],
});

describe('linkerd-proxy-coverage scope', () => {
  it('upstream namespace-inject-enabled + deployment-inject-disabled: kube-public is out of scope, so nothing is judged', () => {
    const results = runCase(linkerdProxyCoverage, {
      name: 'kube-public',
      objects: [...upstream('namespace-inject-enabled.yaml'), ...fixture('deployment-inject-disabled.yaml')],
      expect: [],
    });
    // The namespace annotation alone makes Linkerd present; the workload is in a system namespace.
    expect(results).toEqual([]);
  });
});
