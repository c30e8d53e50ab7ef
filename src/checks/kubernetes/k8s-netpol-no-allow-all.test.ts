import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { k8sNetpolNoAllowAll } from './k8s-netpol-no-allow-all.ts';

const fixture = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/upstream/k8s/${name}`, import.meta.url), 'utf8'));
const yaml = (...parts: string[]): unknown[] => docs(parts.join('\n---\n'));

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
  policyTypes: [Ingress]`;

const ALLOW_FRONTEND = `
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchExpressions:
              - {key: app, operator: In, values: [frontend, admin]}
      ports:
        - {protocol: TCP, port: 8080}`;

const np = (namespace: string, name: string) => ({ kind: 'NetworkPolicy', namespace, name }) as const;

describeCheck(k8sNetpolNoAllowAll, {
  pass: [
    {
      name: 'upstream default-deny-ingress example allows nothing',
      objects: fixture('network-policy-default-deny-ingress.yaml'),
      expect: [{ ...np('default', 'default-deny-ingress'), status: 'pass', messageId: 'allowsNothing', warning: false }],
    },
    {
      name: 'rules naming peers and ports',
      objects: yaml(netpol('shop', 'default-deny-ingress', DENY_INGRESS), netpol('shop', 'allow-frontend', ALLOW_FRONTEND)),
      expect: [
        { ...np('shop', 'allow-frontend'), status: 'pass', messageId: 'restricted', warning: false },
        { ...np('shop', 'default-deny-ingress'), status: 'pass', messageId: 'allowsNothing' },
      ],
    },
    {
      name: 'any source on port 443 only is an exposure, not allow-all (warned)',
      objects: yaml(
        netpol('web', 'public-https', '  podSelector: {matchLabels: {app: gateway}}\n  ingress:\n    - from: [{ipBlock: {cidr: 0.0.0.0/0}}]\n      ports: [{port: 443}]'),
      ),
      expect: [{ ...np('web', 'public-https'), status: 'pass', messageId: 'restricted', warning: true }],
    },
    {
      name: 'ipBlock 0.0.0.0/0 with except is not allow-all',
      objects: yaml(
        netpol('shop', 'internet-egress', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 169.254.169.254/32]}}]'),
      ),
      expect: [{ ...np('shop', 'internet-egress'), status: 'pass', messageId: 'restricted' }],
    },
    {
      name: 'trap: egress: [{}] is ignored when policyTypes leaves out Egress (warned, not failed)',
      objects: yaml(netpol('shop', 'ingress-only', '  podSelector: {}\n  policyTypes: [Ingress]\n  egress:\n    - {}')),
      expect: [{ ...np('shop', 'ingress-only'), status: 'pass', messageId: 'allowsNothing', warning: true }],
    },
    {
      name: 'namespaceSelector {} with a podSelector reaches only matching pods',
      objects: yaml(
        netpol('shop', 'allow-prometheus', '  podSelector: {}\n  ingress:\n    - from: [{namespaceSelector: {}, podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}}]'),
      ),
      expect: [{ ...np('shop', 'allow-prometheus'), status: 'pass', messageId: 'restricted' }],
    },
  ],
  fail: [
    {
      name: 'upstream allow-all-egress-deny-all-ingress example: egress: [{}]',
      objects: fixture('network-policy-allow-all-egress-deny-all-ingress.yaml'),
      expect: [{ ...np('default', 'allow-egress-deny-ingress'), status: 'fail', messageId: 'allowAll' }],
    },
    {
      name: 'trap: ingress: [{}] next to a default deny overrides it (union semantics)',
      objects: yaml(
        netpol('shop', 'default-deny-ingress', DENY_INGRESS),
        netpol('shop', 'allow-all-ingress', '  podSelector: {}\n  ingress:\n    - {}\n  policyTypes: [Ingress]'),
      ),
      expect: [
        { ...np('shop', 'allow-all-ingress'), status: 'fail', messageId: 'allowAll' },
        { ...np('shop', 'default-deny-ingress'), status: 'pass' },
      ],
    },
    {
      name: 'from: [{namespaceSelector: {}}] with no ports admits every pod in the cluster',
      objects: yaml(netpol('shop', 'allow-cluster', '  podSelector: {matchLabels: {app: api}}\n  ingress:\n    - from:\n        - namespaceSelector: {}')),
      expect: [{ ...np('shop', 'allow-cluster'), status: 'fail', messageId: 'allowAll' }],
    },
    {
      name: 'egress to ipBlock ::/0 (IPv6 everywhere)',
      objects: yaml(netpol('shop', 'egress-v6', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: "::/0"}}]')),
      expect: [{ ...np('shop', 'egress-v6'), status: 'fail', messageId: 'allowAll' }],
    },
    {
      name: 'trap: from: [] is the same as no from (every source)',
      objects: yaml(netpol('shop', 'empty-from', '  podSelector: {}\n  ingress:\n    - from: []')),
      expect: [{ ...np('shop', 'empty-from'), status: 'fail', messageId: 'allowAll' }],
    },
    {
      name: 'trap: a bare `-` rule decodes to {} and allows all',
      objects: yaml(netpol('shop', 'bare-rule', '  podSelector: {}\n  ingress:\n    -')),
      expect: [{ ...np('shop', 'bare-rule'), status: 'fail', messageId: 'allowAll' }],
    },
    {
      name: 'a port entry with only a protocol opens every TCP port to any source',
      objects: yaml(netpol('shop', 'any-tcp', '  podSelector: {}\n  ingress:\n    - ports: [{protocol: TCP}]')),
      expect: [{ ...np('shop', 'any-tcp'), status: 'fail', messageId: 'allowAll' }],
    },
    {
      name: 'policyTypes omitted with egress rules: Egress is implied and its allow-all counts',
      objects: yaml(netpol('shop', 'implied-egress', '  podSelector: {}\n  egress:\n    - to: [{namespaceSelector: {matchLabels: {}}}]')),
      expect: [{ ...np('shop', 'implied-egress'), status: 'fail', messageId: 'allowAll' }],
    },
  ],
  error: [
    {
      name: 'a schema-invalid NetworkPolicy in the namespace holds back its neighbour pass',
      objects: yaml(
        netpol('shop', 'allow-frontend', ALLOW_FRONTEND),
        netpol('shop', 'broken', '  podSelector: {}\n  ingress:\n    - from: [{ipBlock: {cidr: everywhere}}]'),
      ),
      expect: [
        { ...np('shop', 'allow-frontend'), status: 'error', messageId: 'restricted' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'NetworkPolicies could not be listed: no not_applicable, only the gap',
      objects: [],
      gaps: [{ id: 'gap-np', reason: 'access-denied', kinds: ['NetworkPolicy'], message: 'list networkpolicies.networking.k8s.io: 403 Forbidden' }],
      expect: [{ kind: 'Cluster', status: 'error', messageId: 'evidenceGap' }],
    },
  ],
  notApplicable: [
    {
      name: 'no NetworkPolicy in the evidence',
      objects: yaml(`
apiVersion: v1
kind: Namespace
metadata: {name: shop}`),
      expect: [{ kind: 'Cluster', status: 'not_applicable', messageId: 'noPolicies' }],
    },
  ],
});

describe('k8s-netpol-no-allow-all result data', () => {
  it('names the rule, the pods it opens and the default deny it overrides', () => {
    const results = runCase(k8sNetpolNoAllowAll, {
      name: 'override',
      objects: yaml(
        netpol('shop', 'default-deny-ingress', DENY_INGRESS),
        netpol('shop', 'allow-internet', '  podSelector: {matchLabels: {app: web}}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: lb}}}]\n    - from: [{ipBlock: {cidr: 0.0.0.0/0}}]'),
      ),
      expect: [],
    });
    const fail = results.find((r) => r.status === 'fail');
    expect(fail?.message).toBe(
      'NetworkPolicy shop/allow-internet allows all ingress for pods matching app=web in namespace shop: ingress[1] (ipBlock 0.0.0.0/0: every IPv4 address; every port); this overrides default-deny NetworkPolicy default-deny-ingress for those pods.',
    );
    expect(fail?.evidence).toEqual(['ev-test-000', 'ev-test-001']);
  });

  it('warns about ignored rules and any-peer rules on named ports', () => {
    const [ignored] = runCase(k8sNetpolNoAllowAll, {
      name: 'ignored',
      objects: yaml(netpol('shop', 'ingress-only', '  podSelector: {}\n  policyTypes: [Ingress]\n  egress:\n    - {}')),
      expect: [],
    });
    expect(ignored?.warning).toBe('its egress rules are ignored because the effective policyTypes [Ingress] leave out Egress');
    const [https] = runCase(k8sNetpolNoAllowAll, {
      name: 'https',
      objects: yaml(netpol('web', 'public-https', '  podSelector: {}\n  ingress:\n    - ports: [{port: 443}, {port: 8443, protocol: TCP}]')),
      expect: [],
    });
    expect(https?.warning).toBe('admits every peer on some ports: ingress[0] (no from: every source; TCP/443, TCP/8443)');
  });
});
