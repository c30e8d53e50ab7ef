import { describe, expect, it } from 'vitest';
import { inventoryOf } from '../../checks/tester.ts';
import { hasLinkerdProxy, linkerdDataplane } from './dataplane.ts';

interface Setup {
  namespace?: string;
  nsAnnotations?: Record<string, string>;
  nsLabels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
  hostNetwork?: boolean;
  pods?: ('proxy' | 'none')[];
}

function judge(s: Setup) {
  const ns = s.namespace ?? 'shop';
  const objects: unknown[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, annotations: s.nsAnnotations ?? {}, labels: s.nsLabels ?? {} } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' }, annotations: s.podAnnotations ?? {} },
          spec: { hostNetwork: s.hostNetwork ?? false, containers: [{ name: 'web', image: 'nginx:1.29' }] },
        },
      },
    },
    ...(s.pods ?? []).map((p, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-7c9d-${i}`, namespace: ns, labels: { app: 'web', 'pod-template-hash': '7c9d' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7c9d', controller: true }] },
      spec: { containers: [{ name: 'web', image: 'nginx:1.29' }, ...(p === 'proxy' ? [{ name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-25.4.4' }] : [])] },
      status: { phase: 'Running' },
    })),
  ];
  const inv = inventoryOf(objects);
  const w = inv.workloads.find((x) => x.name === 'web');
  if (!w) throw new Error('workload not built');
  return linkerdDataplane(w, inv.namespaces.find((n) => n.name === ns));
}

const ENABLED = { 'linkerd.io/inject': 'enabled' };

describe('linkerdDataplane (predicted from annotations)', () => {
  it.each<[string, Setup, boolean, RegExp]>([
    ['no annotation', {}, false, /neither the namespace nor the pod template/],
    ['namespace enabled', { nsAnnotations: ENABLED }, true, /namespace annotation/],
    ['namespace ingress mode', { nsAnnotations: { 'linkerd.io/inject': 'ingress' } }, true, /ingress/],
    ['pod enabled, namespace silent', { podAnnotations: ENABLED }, true, /pod annotation/],
    ['pod disabled beats namespace enabled', { nsAnnotations: ENABLED, podAnnotations: { 'linkerd.io/inject': 'disabled' } }, false, /opts the workload out/],
    ['pod enabled beats namespace disabled', { nsAnnotations: { 'linkerd.io/inject': 'disabled' }, podAnnotations: ENABLED }, true, /pod annotation/],
    ['label instead of annotation', { nsLabels: ENABLED }, false, /label/],
    ['hostNetwork', { nsAnnotations: ENABLED, hostNetwork: true }, false, /hostNetwork/],
    ['kube-system is never injected', { namespace: 'kube-system', nsAnnotations: ENABLED }, false, /never runs/],
    ['cert-manager is never injected', { namespace: 'cert-manager', podAnnotations: ENABLED }, false, /never runs/],
    ['admission webhooks disabled on the namespace', { nsAnnotations: ENABLED, nsLabels: { 'config.linkerd.io/admission-webhooks': 'disabled' } }, false, /admission-webhooks/],
    ['unrecognised value', { nsAnnotations: { 'linkerd.io/inject': 'true' } }, false, /unrecognised/],
  ])('%s', (_name, setup, meshed, reason) => {
    const dp = judge(setup);
    expect(dp.basis).toBe('predicted');
    expect(dp.meshed).toBe(meshed);
    expect(dp.reason).toMatch(reason);
  });
});

describe('linkerdDataplane (observed from running pods)', () => {
  it('running pods with the proxy are meshed', () => {
    expect(judge({ nsAnnotations: ENABLED, pods: ['proxy', 'proxy'] })).toMatchObject({ meshed: true, basis: 'observed', drift: undefined });
  });

  it('one pod without the proxy makes the workload unmeshed and names it; the namespace intent explains why', () => {
    const dp = judge({ nsAnnotations: ENABLED, pods: ['proxy', 'none'] });
    expect(dp).toMatchObject({ meshed: false, basis: 'observed', unmeshedPods: ['web-7c9d-1'] });
    expect(dp.drift).toMatch(/created before/);
  });

  it('pods injected earlier stay meshed after the annotation is removed, with a drift note', () => {
    const dp = judge({ pods: ['proxy'] });
    expect(dp.meshed).toBe(true);
    expect(dp.drift).toMatch(/would not be injected/);
  });
});

describe('hasLinkerdProxy', () => {
  const c = (name: string, restartPolicy?: string) => ({ name, ports: [], ...(restartPolicy ? { restartPolicy } : {}) });
  it('accepts a container or a native-sidecar init container only', () => {
    expect(hasLinkerdProxy({ containers: [c('linkerd-proxy')], initContainers: [] })).toBe(true);
    expect(hasLinkerdProxy({ containers: [], initContainers: [c('linkerd-proxy', 'Always')] })).toBe(true);
    expect(hasLinkerdProxy({ containers: [], initContainers: [c('linkerd-proxy')] })).toBe(false);
    expect(hasLinkerdProxy({ containers: [c('linkerd-init')], initContainers: [] })).toBe(false);
  });
});
