import { describe, expect, it } from 'vitest';
import { docs, inventoryOf } from '../../checks/tester.ts';
import { istioDataplane, type IstioDataplaneMode } from './dataplane.ts';

interface Case {
  name: string;
  nsLabels: Record<string, string>;
  podLabels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
  hostNetwork?: boolean;
  mode: IstioDataplaneMode;
  reason?: RegExp;
}

function judge(c: Pick<Case, 'nsLabels' | 'podLabels' | 'podAnnotations' | 'hostNetwork'>, pod?: unknown) {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', ...c.podLabels }, annotations: c.podAnnotations ?? {} },
        spec: { hostNetwork: c.hostNetwork ?? false, containers: [{ name: 'web', image: 'nginx:1.29' }] },
      },
    },
  };
  const inv = inventoryOf([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: c.nsLabels } }, deployment, ...(pod ? [pod] : [])]);
  const w = inv.workloads.find((x) => x.name === 'web');
  if (!w) throw new Error('workload not built');
  return istioDataplane(w, inv.namespaces.find((n) => n.name === 'shop'));
}

// Predicted from labels (no running pods): mutatingwebhook.yaml selectors, injectRequired, ambient enrolment.
const predicted: Case[] = [
  { name: 'unlabeled namespace', nsLabels: {}, mode: 'none' },
  { name: 'istio-injection=enabled', nsLabels: { 'istio-injection': 'enabled' }, mode: 'sidecar' },
  { name: 'istio-injection=enabled, pod label false', nsLabels: { 'istio-injection': 'enabled' }, podLabels: { 'sidecar.istio.io/inject': 'false' }, mode: 'none' },
  { name: 'istio-injection=enabled, pod annotation false', nsLabels: { 'istio-injection': 'enabled' }, podAnnotations: { 'sidecar.istio.io/inject': 'false' }, mode: 'none' },
  { name: 'istio-injection=disabled, pod label true', nsLabels: { 'istio-injection': 'disabled' }, podLabels: { 'sidecar.istio.io/inject': 'true' }, mode: 'none' },
  { name: 'istio-injection=disabled beats istio.io/rev', nsLabels: { 'istio-injection': 'disabled', 'istio.io/rev': 'canary' }, mode: 'none' },
  { name: 'istio.io/rev=canary', nsLabels: { 'istio.io/rev': 'canary' }, mode: 'sidecar' },
  { name: 'istio.io/rev=canary, pod label false', nsLabels: { 'istio.io/rev': 'canary' }, podLabels: { 'sidecar.istio.io/inject': 'false' }, mode: 'none' },
  { name: 'empty istio.io/rev matches no revision even with pod label true', nsLabels: { 'istio.io/rev': '' }, podLabels: { 'sidecar.istio.io/inject': 'true' }, mode: 'none', reason: /empty/ },
  { name: 'pod label true in unlabeled namespace', nsLabels: {}, podLabels: { 'sidecar.istio.io/inject': 'true' }, mode: 'sidecar' },
  { name: 'pod annotation true alone does not opt in', nsLabels: {}, podAnnotations: { 'sidecar.istio.io/inject': 'true' }, mode: 'none', reason: /annotation/ },
  { name: 'pod label istio.io/rev in unlabeled namespace', nsLabels: {}, podLabels: { 'istio.io/rev': 'canary' }, mode: 'sidecar' },
  { name: 'pod label istio.io/rev with pod label inject=false is not selected', nsLabels: {}, podLabels: { 'istio.io/rev': 'canary', 'sidecar.istio.io/inject': 'false' }, mode: 'none' },
  { name: 'hostNetwork in an injected namespace', nsLabels: { 'istio-injection': 'enabled' }, hostNetwork: true, mode: 'none', reason: /hostNetwork/ },
  { name: 'ambient namespace', nsLabels: { 'istio.io/dataplane-mode': 'ambient' }, mode: 'ambient' },
  { name: 'ambient namespace, pod label dataplane-mode=none', nsLabels: { 'istio.io/dataplane-mode': 'ambient' }, podLabels: { 'istio.io/dataplane-mode': 'none' }, mode: 'none' },
  { name: 'pod label dataplane-mode=ambient in unlabeled namespace', nsLabels: {}, podLabels: { 'istio.io/dataplane-mode': 'ambient' }, mode: 'ambient' },
  { name: 'ambient namespace, hostNetwork pod', nsLabels: { 'istio.io/dataplane-mode': 'ambient' }, hostNetwork: true, mode: 'none' },
  { name: 'ambient namespace that also has istio-injection=enabled injects a sidecar', nsLabels: { 'istio.io/dataplane-mode': 'ambient', 'istio-injection': 'enabled' }, mode: 'sidecar' },
  {
    name: 'sidecar namespace with ambient label: opted-out pod is not ambient either',
    nsLabels: { 'istio.io/dataplane-mode': 'ambient', 'istio-injection': 'enabled' },
    podLabels: { 'sidecar.istio.io/inject': 'false' },
    mode: 'none',
  },
  { name: 'istio-injection=disabled does not stop ambient enrolment', nsLabels: { 'istio.io/dataplane-mode': 'ambient', 'istio-injection': 'disabled' }, mode: 'ambient' },
];

describe('istioDataplane (predicted)', () => {
  it.each(predicted)('$name → $mode', (c) => {
    const dp = judge(c);
    expect(dp.basis).toBe('predicted');
    expect(dp.mode).toBe(c.mode);
    if (c.reason) expect(dp.reason).toMatch(c.reason);
  });
});

describe('istioDataplane (observed)', () => {
  const pod = (containers: string, annotations = '{}'): unknown =>
    docs(`
apiVersion: v1
kind: Pod
metadata:
  name: web-5c8d7f9b4-abcde
  namespace: shop
  labels: {app: web, pod-template-hash: 5c8d7f9b4}
  annotations: ${annotations}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5c8d7f9b4, controller: true}]
spec:
${containers}
status: {phase: Running}
`)[0];

  it('running pod with istio-proxy is the fact, whatever the labels say', () => {
    const dp = judge({ nsLabels: { 'istio-injection': 'disabled' } }, pod('  containers: [{name: web, image: nginx}, {name: istio-proxy, image: proxyv2}]'));
    expect(dp).toMatchObject({ mode: 'sidecar', basis: 'observed', unmeshedPods: [] });
  });

  it('running pod without a proxy in an injected namespace is unmeshed', () => {
    const dp = judge({ nsLabels: { 'istio-injection': 'enabled' } }, pod('  containers: [{name: web, image: nginx}]'));
    expect(dp).toMatchObject({ mode: 'none', basis: 'observed', unmeshedPods: ['web-5c8d7f9b4-abcde'] });
  });

  it('native sidecar counts; a plain init container named istio-proxy does not', () => {
    const native = judge({ nsLabels: {} }, pod('  initContainers: [{name: istio-proxy, image: proxyv2, restartPolicy: Always}]\n  containers: [{name: web, image: nginx}]'));
    expect(native.mode).toBe('sidecar');
    const plain = judge({ nsLabels: {} }, pod('  initContainers: [{name: istio-proxy, image: proxyv2}]\n  containers: [{name: web, image: nginx}]'));
    expect(plain.mode).toBe('none');
  });

  it('ambient redirection enabled counts; pending does not', () => {
    const ns = { 'istio.io/dataplane-mode': 'ambient' };
    expect(judge({ nsLabels: ns }, pod('  containers: [{name: web, image: nginx}]', '{ambient.istio.io/redirection: enabled}')).mode).toBe('ambient');
    expect(judge({ nsLabels: ns }, pod('  containers: [{name: web, image: nginx}]', '{ambient.istio.io/redirection: pending}')).mode).toBe('none');
  });
});
