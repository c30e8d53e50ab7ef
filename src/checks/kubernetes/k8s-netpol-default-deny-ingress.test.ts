import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { k8sNetpolDefaultDenyIngress } from './k8s-netpol-default-deny-ingress.ts';

const fixture = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/upstream/k8s/${name}`, import.meta.url), 'utf8'));
const yaml = (...parts: string[]): unknown[] => docs(parts.join('\n---\n'));

function namespace(name: string): string {
  return `
apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: {kubernetes.io/metadata.name: ${name}}`;
}

function deployment(ns: string, app: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${app}, namespace: ${ns}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec:
      containers:
        - name: ${app}
          image: registry.example.com/${ns}/${app}:3.1.0
          ports: [{containerPort: 8080, name: http}]`;
}

function netpol(ns: string, name: string, spec: string): string {
  return `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
  namespace: ${ns}
spec:
${spec}`;
}

const DENY_INGRESS = `
  podSelector: {}
  policyTypes:
    - Ingress`;

const ALLOW_API_FROM_INGRESS_NGINX = `
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: ingress-nginx}
          podSelector:
            matchLabels: {app.kubernetes.io/name: ingress-nginx}
      ports:
        - {protocol: TCP, port: 8080}`;

const CALICO_NODE = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: calico-system}
spec:
  selector: {matchLabels: {k8s-app: calico-node}}
  template:
    metadata: {labels: {k8s-app: calico-node}}
    spec:
      hostNetwork: true
      containers: [{name: calico-node, image: quay.io/calico/node:v3.30.3}]`;

const PAYMENTS = { kind: 'Namespace', name: 'payments' } as const;
const NP_403 = { id: 'gap-np', reason: 'access-denied', kinds: ['NetworkPolicy'], message: 'list networkpolicies.networking.k8s.io: 403 Forbidden' } as const;

describeCheck(k8sNetpolDefaultDenyIngress, {
  pass: [
    {
      name: 'upstream default-deny-ingress example (YAML flow syntax) in the default namespace',
      objects: fixture('network-policy-default-deny-ingress.yaml'),
      expect: [{ kind: 'Namespace', name: 'default', status: 'pass', messageId: 'defaultDeny', warning: true }],
    },
    {
      name: 'upstream allow-all-egress-deny-all-ingress example: ingress: [] denies all ingress',
      objects: fixture('network-policy-allow-all-egress-deny-all-ingress.yaml'),
      expect: [{ kind: 'Namespace', name: 'default', status: 'pass', messageId: 'defaultDeny' }],
    },
    {
      name: 'default deny plus a narrow allow; system namespaces and istio-system are not judged',
      objects: yaml(
        namespace('payments'),
        namespace('kube-system'),
        namespace('istio-system'),
        deployment('payments', 'api'),
        deployment('kube-system', 'coredns'),
        netpol('payments', 'default-deny-ingress', DENY_INGRESS),
        netpol('payments', 'allow-api-from-ingress-nginx', ALLOW_API_FROM_INGRESS_NGINX),
      ),
      expect: [{ ...PAYMENTS, status: 'pass', messageId: 'defaultDeny' }],
    },
    {
      name: 'policyTypes omitted and no ingress rules: Ingress is implied',
      objects: yaml(namespace('payments'), netpol('payments', 'deny-all', '  podSelector: {}')),
      expect: [{ ...PAYMENTS, status: 'pass' }],
    },
    {
      name: 'trap: an empty matchLabels and matchExpressions select every pod',
      objects: yaml(namespace('payments'), netpol('payments', 'deny-all', '  podSelector: {matchLabels: {}, matchExpressions: []}\n  policyTypes: [Ingress, Egress]')),
      expect: [{ ...PAYMENTS, status: 'pass' }],
    },
    {
      name: 'a namespace known only from its workloads is judged too',
      objects: yaml(deployment('payments', 'api'), netpol('payments', 'default-deny-ingress', DENY_INGRESS)),
      expect: [{ ...PAYMENTS, status: 'pass' }],
    },
    {
      name: 'an allow-all policy in the namespace keeps the pass but warns that it re-opens the pods',
      objects: yaml(
        namespace('payments'),
        netpol('payments', 'default-deny-ingress', DENY_INGRESS),
        netpol('payments', 'allow-all-ingress', '  podSelector: {}\n  ingress:\n    - {}\n  policyTypes: [Ingress]'),
      ),
      expect: [{ ...PAYMENTS, status: 'pass', warning: true }],
    },
  ],
  fail: [
    {
      name: 'no NetworkPolicy anywhere and no gap: none exist',
      objects: yaml(namespace('payments'), deployment('payments', 'api')),
      expect: [{ ...PAYMENTS, status: 'fail', messageId: 'noPolicies', warning: false }],
    },
    {
      name: 'only a policy selecting app=api: the other pods stay open',
      objects: yaml(namespace('payments'), deployment('payments', 'api'), netpol('payments', 'allow-api-from-ingress-nginx', ALLOW_API_FROM_INGRESS_NGINX)),
      expect: [{ ...PAYMENTS, status: 'fail', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'trap: ingress: [{}] allows all ingress, the opposite of ingress: []',
      objects: yaml(namespace('payments'), netpol('payments', 'allow-all-ingress', '  podSelector: {}\n  ingress:\n    - {}\n  policyTypes:\n    - Ingress')),
      expect: [{ ...PAYMENTS, status: 'fail', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'trap: a bare `-` ingress rule decodes to {} and allows all',
      objects: yaml(namespace('payments'), netpol('payments', 'deny-all', '  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    -')),
      expect: [{ ...PAYMENTS, status: 'fail', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'trap: policyTypes [Egress] leaves ingress unrestricted',
      objects: yaml(namespace('payments'), netpol('payments', 'default-deny', '  podSelector: {}\n  policyTypes: [Egress]')),
      expect: [{ ...PAYMENTS, status: 'fail', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'a namespace-wide policy with rules is not a default deny (from: [{namespaceSelector: {}}] admits every pod)',
      objects: yaml(
        namespace('payments'),
        netpol('payments', 'allow-cluster', '  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    - from: [{namespaceSelector: {}}]'),
      ),
      expect: [{ ...PAYMENTS, status: 'fail', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'a default deny protects only its own namespace',
      objects: yaml(
        namespace('payments'),
        namespace('orders'),
        deployment('orders', 'checkout'),
        netpol('payments', 'default-deny-ingress', DENY_INGRESS),
      ),
      expect: [
        { ...PAYMENTS, status: 'pass' },
        { kind: 'Namespace', name: 'orders', status: 'fail', messageId: 'noPolicies' },
      ],
    },
    {
      name: 'trap: a Calico projectcalico.org NetworkPolicy is not a Kubernetes NetworkPolicy (warned as not evaluated)',
      objects: yaml(
        namespace('payments'),
        `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: default-deny, namespace: payments}
spec:
  selector: all()
  types: [Ingress]`,
      ),
      expect: [{ ...PAYMENTS, status: 'fail', messageId: 'noPolicies', warning: true }],
    },
  ],
  error: [
    {
      name: 'NetworkPolicies could not be listed (403) and none are in the evidence: not "none exist"',
      objects: yaml(namespace('payments'), deployment('payments', 'api')),
      gaps: [NP_403],
      expect: [
        { ...PAYMENTS, status: 'error', messageId: 'evidenceIncomplete' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a default deny found while NetworkPolicy evidence is incomplete is not accepted as a pass',
      objects: yaml(namespace('payments'), netpol('payments', 'default-deny-ingress', DENY_INGRESS)),
      gaps: [NP_403],
      expect: [
        { ...PAYMENTS, status: 'error', messageId: 'defaultDeny' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a schema-invalid NetworkPolicy (policyTypes typo) makes its namespace unknown, not failed',
      objects: yaml(namespace('payments'), netpol('payments', 'default-deny-ingress', '  podSelector: {}\n  policyTypes: [ingress]')),
      expect: [
        { ...PAYMENTS, status: 'error', messageId: 'evidenceIncomplete' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'namespaces could not be listed: a pass is not accepted',
      objects: yaml(netpol('payments', 'default-deny-ingress', DENY_INGRESS)),
      gaps: [{ id: 'gap-ns', reason: 'access-denied', kinds: ['Namespace'], message: 'list namespaces: 403 Forbidden' }],
      expect: [
        { ...PAYMENTS, status: 'error', messageId: 'defaultDeny' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('k8s-netpol-default-deny-ingress result data', () => {
  it('names the policy and carries the CNI caveat (NP-05) with the CNI the evidence shows', () => {
    // calico-system and kube-flannel are in scope today (scope.ts), so pick the payments result.
    const r = runCase(k8sNetpolDefaultDenyIngress, {
      name: 'calico',
      objects: yaml(namespace('payments'), CALICO_NODE, netpol('payments', 'default-deny-ingress', DENY_INGRESS)),
      expect: [],
    }).find((x) => x.resource.name === 'payments');
    expect(r?.message).toBe('Namespace payments denies ingress by default: NetworkPolicy default-deny-ingress (podSelector {}, no ingress rules).');
    expect(r?.warning).toBe(
      'enforcement depends on the CNI plugin, which the Kubernetes API cannot show; the evidence shows Calico (DaemonSet calico-system/calico-node)',
    );
    expect(r?.evidence).toEqual(['ev-test-000', 'ev-test-001', 'ev-test-002']);
  });

  it('warns when only a non-enforcing CNI is seen', () => {
    const r = runCase(k8sNetpolDefaultDenyIngress, {
      name: 'flannel',
      objects: yaml(
        namespace('payments'),
        CALICO_NODE.replace(/calico-node/g, 'kube-flannel-ds').replace(/calico-system/g, 'kube-flannel'),
        netpol('payments', 'default-deny-ingress', DENY_INGRESS),
      ),
      expect: [],
    }).find((x) => x.resource.name === 'payments');
    expect(r?.status).toBe('pass');
    expect(r?.warning).toContain('the evidence shows only Flannel (DaemonSet kube-flannel/kube-flannel-ds), which does not enforce NetworkPolicy');
  });

  it('names the allow-all rule that re-opens the namespace, and other engines that can override it', () => {
    const [r] = runCase(k8sNetpolDefaultDenyIngress, {
      name: 'override',
      objects: yaml(
        namespace('payments'),
        netpol('payments', 'default-deny-ingress', DENY_INGRESS),
        netpol('payments', 'allow-internet', '  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]'),
        `
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: allow-monitoring}
spec: {priority: 10, subject: {namespaces: {}}, ingress: [{name: monitoring, action: Allow, from: [{namespaces: {matchLabels: {team: monitoring}}}]}]}`,
      ),
      expect: [],
    });
    expect(r?.warning).toContain(
      'allow-all despite the default deny: NetworkPolicy allow-internet ingress[0] (ipBlock 0.0.0.0/0: every IPv4 address; every port) opens pods matching app=web in namespace payments',
    );
    expect(r?.warning).toContain('not evaluated and can override or extend NetworkPolicy: AdminNetworkPolicy allow-monitoring');
    expect(r?.evidence).toEqual(['ev-test-000', 'ev-test-001', 'ev-test-002', 'ev-test-003']);
  });

  it('explains each policy that is not a default deny, and says when the target holds no NetworkPolicy at all', () => {
    const [r] = runCase(k8sNetpolDefaultDenyIngress, {
      name: 'reasons',
      objects: yaml(
        namespace('payments'),
        netpol('payments', 'allow-api-from-ingress-nginx', ALLOW_API_FROM_INGRESS_NGINX),
        netpol('payments', 'egress-only', '  podSelector: {}\n  policyTypes: [Egress]'),
      ),
      expect: [],
    });
    expect(r?.message).toContain('allow-api-from-ingress-nginx (selects only pods matching app=api)');
    expect(r?.message).toContain('egress-only (policyTypes [Egress] leaves out Ingress)');
    expect(r?.evidence).toEqual(['ev-test-000', 'ev-test-001', 'ev-test-002']);

    const [none] = runCase(k8sNetpolDefaultDenyIngress, { name: 'none', objects: yaml(deployment('payments', 'api')), expect: [] });
    expect(none?.message).toBe(
      'Namespace payments has no NetworkPolicy (the evidence for this target holds no NetworkPolicy at all), so every pod in it accepts ingress from any source.',
    );
    // Without the Namespace object, the workload that shows the namespace exists is the evidence.
    expect(none?.evidence).toEqual(['ev-test-000']);
  });
});
