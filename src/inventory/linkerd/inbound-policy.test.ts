import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { docs, inventoryOf } from '../../checks/tester.ts';
import { clusterDefaultPolicy, effectiveDefaultPolicy, morePermissive, workloadInboundPolicy } from './inbound-policy.ts';

const upstream = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/upstream/linkerd/${name}`, import.meta.url), 'utf8'));
const fixture = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/linkerd/${name}`, import.meta.url), 'utf8'));

const ANNOTATION = 'config.linkerd.io/default-inbound-policy';

function setup(opts: { cluster?: string; ns?: string; template?: string; pods?: (string | undefined)[] }) {
  const objects: unknown[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', annotations: opts.ns ? { [ANNOTATION]: opts.ns } : {} } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' }, annotations: opts.template ? { [ANNOTATION]: opts.template } : {} },
          spec: { containers: [{ name: 'api', image: 'api:1', ports: [{ containerPort: 8080, name: 'http' }] }] },
        },
      },
    },
    ...(opts.pods ?? []).map((p, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `api-x-${i}`, namespace: 'shop', labels: { app: 'api', 'pod-template-hash': 'x' }, annotations: p ? { [ANNOTATION]: p } : {}, ownerReferences: [{ kind: 'ReplicaSet', name: 'api-x', controller: true }] },
      spec: { containers: [{ name: 'linkerd-proxy', image: 'proxy' }, { name: 'api', image: 'api:1', ports: [{ containerPort: 8080, name: 'http' }] }] },
      status: { phase: 'Running' },
    })),
  ];
  if (opts.cluster !== undefined) {
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'linkerd-config', namespace: 'linkerd' }, data: { values: opts.cluster } });
  }
  const inv = inventoryOf(objects);
  const w = inv.workloads.find((x) => x.name === 'api');
  if (!w) throw new Error('no workload');
  return { inv, w, ns: inv.namespaces.find((n) => n.name === 'shop') };
}

describe('effectiveDefaultPolicy', () => {
  it.each<[string, Parameters<typeof setup>[0], string | undefined, string]>([
    ['install default when linkerd-config sets none', { cluster: 'proxy: {}\n' }, 'all-unauthenticated', 'install default'],
    ['linkerd-config value', { cluster: 'proxy:\n  defaultInboundPolicy: cluster-authenticated\n' }, 'cluster-authenticated', 'linkerd-config'],
    ['namespace beats cluster', { cluster: 'proxy:\n  defaultInboundPolicy: all-unauthenticated\n', ns: 'deny' }, 'deny', 'namespace'],
    ['pod template beats namespace (no running pods)', { cluster: '{}', ns: 'deny', template: 'all-authenticated' }, 'all-authenticated', 'pod template'],
    ['running pod beats the current template', { cluster: '{}', template: 'deny', pods: ['audit'] }, 'audit', 'running pod'],
    ['unknown without linkerd-config', { ns: undefined }, undefined, 'unknown'],
  ])('%s', (_name, opts, policy, level) => {
    const { inv, w, ns } = setup(opts);
    const d = effectiveDefaultPolicy(w, ns, clusterDefaultPolicy(inv.linkerd));
    expect(d.policy).toBe(policy);
    expect(d.level).toBe(level);
  });

  it('the proxy env of a running pod wins over every annotation', () => {
    const { inv, w, ns } = setup({ cluster: '{}', ns: 'deny', pods: ['deny'] });
    const d = effectiveDefaultPolicy(w, ns, clusterDefaultPolicy(inv.linkerd), new Map([['api-x-0', 'all-unauthenticated']]));
    expect(d).toMatchObject({ policy: 'all-unauthenticated', level: 'proxy env' });
  });

  it('a pod without the annotation falls back to the namespace, and the weakest pod decides', () => {
    const { inv, w, ns } = setup({ cluster: '{}', ns: 'cluster-unauthenticated', pods: ['deny', undefined] });
    const d = effectiveDefaultPolicy(w, ns, clusterDefaultPolicy(inv.linkerd));
    expect(d.policy).toBe('cluster-unauthenticated');
    expect(d.warnings.join()).toMatch(/different default policies/);
  });

  it('ignores an unrecognised value with a warning', () => {
    const { inv, w, ns } = setup({ cluster: 'proxy:\n  defaultInboundPolicy: deny\n', ns: 'Deny' });
    const d = effectiveDefaultPolicy(w, ns, clusterDefaultPolicy(inv.linkerd));
    expect(d).toMatchObject({ policy: 'deny', level: 'linkerd-config' });
    expect(d.warnings.join()).toMatch(/unrecognised value "Deny"/);
  });

  it('orders policies by permissiveness', () => {
    expect(morePermissive('deny', 'all-authenticated')).toBe('all-authenticated');
    expect(morePermissive('cluster-unauthenticated', 'cluster-authenticated')).toBe('cluster-unauthenticated');
    expect(morePermissive('audit', 'all-unauthenticated')).toBe('audit');
  });
});

describe('workloadInboundPolicy on the upstream emojivoto policy', () => {
  it('resolves each declared port to its Server (named ports, matchExpressions selector)', () => {
    const inv = inventoryOf([...fixture('linkerd-config.yaml'), ...fixture('emojivoto-workloads.yaml'), ...upstream('emojivoto-policy.yml')]);
    const web = inv.workloads.find((w) => w.name === 'web');
    if (!web) throw new Error('no web');
    const r = workloadInboundPolicy(inv.linkerd, web, inv.namespaces.find((n) => n.name === 'emojivoto'));
    expect(r.ports.map((p) => [p.port, p.decidedBy, p.servers.map((s) => s.name).join(), p.policy])).toEqual([
      [8080, 'server', 'web-http', 'deny'],
      [8801, 'server', 'prom', 'deny'],
    ]);
    // The admin Server selects every pod but names the proxy's own port, which is not an app port.
    expect(r.servers.map((s) => s.name).sort()).toEqual(['admin', 'prom', 'web-http']);
    expect(r.defaultPolicy.policy).toBe('all-unauthenticated');
  });
});
