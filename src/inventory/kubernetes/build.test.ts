import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { docs, inventoryOf } from '../../checks/tester.ts';

const fixture = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/upstream/k8s/${name}`, import.meta.url), 'utf8'));

describe('buildKubernetesInventory', () => {
  it('claims NetworkPolicy objects, including the flow-syntax upstream example, and sorts them', () => {
    const inv = inventoryOf([...fixture('network-policy-default-deny-ingress.yaml'), ...fixture('network-policy-allow-all-egress-deny-all-ingress.yaml')]);
    expect(inv.kubernetes.networkPolicyObjects).toBe(2);
    expect(inv.kubernetes.networkPolicies.map((p) => `${p.namespace}/${p.name}`)).toEqual(['default/allow-egress-deny-ingress', 'default/default-deny-ingress']);
    expect(inv.kubernetes.networkPolicies[1]?.spec).toMatchObject({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(inv.ignored).toEqual([]);
    expect(inv.gaps).toEqual([]);
    expect(inv.namespaces.map((n) => n.name)).toEqual(['default']);
  });

  it('turns a schema-invalid NetworkPolicy into a gap for its kind and namespace', () => {
    const inv = inventoryOf(
      docs(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Inbound]
`),
    );
    expect(inv.kubernetes.networkPolicies).toEqual([]);
    expect(inv.kubernetes.networkPolicyObjects).toBe(1);
    expect(inv.gaps).toHaveLength(1);
    expect(inv.gaps[0]).toMatchObject({ reason: 'schema-invalid', kinds: ['NetworkPolicy'], namespace: 'shop' });
    expect(inv.gaps[0]?.message).toContain('spec.policyTypes.0');
  });

  it('lists other policy engines without claiming them, and Calico NetworkPolicy is not mistaken for the Kubernetes kind', () => {
    const inv = inventoryOf(
      docs(`
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow-tcp-6379, namespace: shop}
spec: {selector: role == 'database', types: [Ingress]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: cluster-control}
spec: {priority: 20, subject: {namespaces: {}}, ingress: [{name: allow-all, action: Allow, from: [{namespaces: {}}]}]}
`),
    );
    expect(inv.kubernetes.networkPolicies).toEqual([]);
    expect(inv.kubernetes.networkPolicyObjects).toBe(0);
    expect(inv.kubernetes.unevaluatedPolicies).toEqual([
      { evidenceId: 'ev-test-001', apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', namespace: undefined, name: 'cluster-control' },
      { evidenceId: 'ev-test-000', apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', namespace: 'shop', name: 'allow-tcp-6379' },
    ]);
    expect(inv.ignored.map((i) => i.kind).sort()).toEqual(['AdminNetworkPolicy', 'NetworkPolicy']);
  });

  it('recognises CNI DaemonSets and whether they enforce NetworkPolicy', () => {
    const ds = (ns: string, name: string, containers: string[]): string => `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {k8s-app: ${name}}}
  template:
    metadata: {labels: {k8s-app: ${name}}}
    spec:
      hostNetwork: true
      containers: [${containers.map((c) => `{name: ${c}, image: example/${c}:1}`).join(', ')}]`;
    const inv = inventoryOf(
      docs(
        [
          ds('kube-system', 'aws-node', ['aws-node']),
          ds('kube-flannel', 'kube-flannel-ds', ['kube-flannel']),
          ds('calico-system', 'calico-node', ['calico-node']),
          ds('kube-system', 'kube-proxy', ['kube-proxy']),
        ].join('\n---\n'),
      ),
    );
    expect(inv.kubernetes.cni.map((c) => [c.plugin, c.enforcesNetworkPolicy, c.workload.name])).toEqual([
      ['Calico', true, 'calico-node'],
      ['Flannel', false, 'kube-flannel-ds'],
      ['AWS VPC CNI', false, 'aws-node'],
    ]);
    const withAgent = inventoryOf(docs(ds('kube-system', 'aws-node', ['aws-node', 'aws-network-policy-agent'])));
    expect(withAgent.kubernetes.cni[0]?.enforcesNetworkPolicy).toBe(true);
  });
});
