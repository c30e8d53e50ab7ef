import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { k8sNetpolDefaultDenyEgress } from './k8s-netpol-default-deny-egress.ts';

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

const DENY_EGRESS = `
  podSelector: {}
  policyTypes:
    - Egress`;

// The usual companion of an egress default deny: DNS to kube-dns only.
const ALLOW_DNS = `
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: kube-system}
          podSelector:
            matchLabels: {k8s-app: kube-dns}
      ports:
        - {protocol: UDP, port: 53}
        - {protocol: TCP, port: 53}`;

const PAYMENTS = { kind: 'Namespace', name: 'payments' } as const;
const DEFAULT_NS = { kind: 'Namespace', name: 'default' } as const;

describeCheck(k8sNetpolDefaultDenyEgress, {
  pass: [
    {
      name: 'policyTypes [Egress] with no egress rules, plus a DNS allow',
      objects: yaml(namespace('payments'), netpol('payments', 'default-deny-egress', DENY_EGRESS), netpol('payments', 'allow-dns', ALLOW_DNS)),
      expect: [{ ...PAYMENTS, status: 'pass', messageId: 'defaultDeny', warning: true }],
    },
    {
      name: 'one policy denying both directions (policyTypes [Ingress, Egress], egress: [])',
      objects: yaml(namespace('payments'), netpol('payments', 'default-deny-all', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  egress: []')),
      expect: [{ ...PAYMENTS, status: 'pass', messageId: 'defaultDeny' }],
    },
  ],
  fail: [
    {
      name: 'upstream default-deny-ingress example does not restrict egress',
      objects: fixture('network-policy-default-deny-ingress.yaml'),
      expect: [{ ...DEFAULT_NS, status: 'fail', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'upstream allow-all-egress-deny-all-ingress example: egress: [{}] allows all egress',
      objects: fixture('network-policy-allow-all-egress-deny-all-ingress.yaml'),
      expect: [{ ...DEFAULT_NS, status: 'fail', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'trap: egress: [] without policyTypes defaults to Ingress only',
      objects: yaml(namespace('payments'), netpol('payments', 'deny-egress', '  podSelector: {}\n  egress: []')),
      expect: [{ ...PAYMENTS, status: 'fail', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'trap: egress to ipBlock ::/0 without except allows all IPv6 egress',
      objects: yaml(namespace('payments'), netpol('payments', 'egress-v6', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: "::/0"}}]')),
      expect: [{ ...PAYMENTS, status: 'fail', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'an allow-DNS policy alone isolates pods but is not the default deny the check asks for',
      objects: yaml(namespace('payments'), netpol('payments', 'allow-dns', ALLOW_DNS)),
      expect: [{ ...PAYMENTS, status: 'fail', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'no NetworkPolicy at all',
      objects: yaml(namespace('payments')),
      expect: [{ ...PAYMENTS, status: 'fail', messageId: 'noPolicies' }],
    },
  ],
  error: [
    {
      name: 'NetworkPolicies denied in this namespace: no verdict on the missing default deny',
      objects: yaml(namespace('payments')),
      gaps: [{ id: 'gap-np', reason: 'access-denied', kinds: ['NetworkPolicy'], namespace: 'payments', message: 'list networkpolicies in payments: 403 Forbidden' }],
      expect: [
        { ...PAYMENTS, status: 'error', messageId: 'evidenceIncomplete' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a snapshot file that could not be parsed may have held the policy',
      objects: yaml(namespace('payments')),
      gaps: [{ id: 'gap-yaml', reason: 'parse-error', kinds: '*', message: 'netpol.yaml:3: invalid YAML in document 1' }],
      expect: [
        { ...PAYMENTS, status: 'error', messageId: 'evidenceIncomplete' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('k8s-netpol-default-deny-egress result data', () => {
  it('explains why the upstream examples do not deny egress', () => {
    const [ingressOnly] = runCase(k8sNetpolDefaultDenyEgress, { name: 'a', objects: fixture('network-policy-default-deny-ingress.yaml'), expect: [] });
    expect(ingressOnly?.message).toContain('default-deny-ingress (policyTypes [Ingress] leaves out Egress)');
    const [allowAll] = runCase(k8sNetpolDefaultDenyEgress, { name: 'b', objects: fixture('network-policy-allow-all-egress-deny-all-ingress.yaml'), expect: [] });
    expect(allowAll?.message).toContain('allow-egress-deny-ingress (allows all egress: egress[0] (no to: every destination; every port))');
    const [implied] = runCase(k8sNetpolDefaultDenyEgress, {
      name: 'c',
      objects: yaml(namespace('payments'), netpol('payments', 'deny-egress', '  podSelector: {}\n  egress: []')),
      expect: [],
    });
    expect(implied?.message).toContain('deny-egress (policyTypes is omitted, so it defaults to [Ingress])');
  });
});

describe('k8s-netpol-default-deny-egress gap scoping', () => {
  it('holds back only the namespace whose NetworkPolicies are missing; another namespace keeps its pass', () => {
    const results = runCase(k8sNetpolDefaultDenyEgress, {
      name: 'scoped gap',
      objects: yaml(namespace('payments'), namespace('orders'), netpol('orders', 'default-deny-egress', DENY_EGRESS)),
      gaps: [{ id: 'gap-np', reason: 'access-denied', kinds: ['NetworkPolicy'], namespace: 'payments', message: 'list networkpolicies in payments: 403 Forbidden' }],
      expect: [],
    });
    expect(results.find((r) => r.resource.name === 'orders')?.status).toBe('pass');
    expect(results.find((r) => r.resource.name === 'payments')?.status).toBe('error');
  });
});
