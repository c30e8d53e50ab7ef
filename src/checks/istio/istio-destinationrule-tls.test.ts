import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { istioDestinationruleTls } from './istio-destinationrule-tls.ts';

const fixture = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/upstream/istio/${name}`, import.meta.url), 'utf8'));

function meshConfig(mesh: string): unknown[] {
  return docs(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
data:
  mesh: |-
${mesh
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`);
}

const AUTO_ON = meshConfig('defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\nenableAutoMtls: true');
const AUTO_DEFAULT = meshConfig('defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012');
const AUTO_OFF = meshConfig('enableAutoMtls: false');
const MESH_CONFIG = { kind: 'ConfigMap', namespace: 'istio-system', name: 'istio' };

function dr(name: string, spec: string, ns = 'default'): unknown[] {
  return docs(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: ${ns}
spec:
${spec}
`);
}

const BOOKINFO = fixture('bookinfo.yaml');
const ALL_MTLS = fixture('bookinfo-destination-rule-all-mtls.yaml');
const ALL_SUBSETS = fixture('bookinfo-destination-rule-all.yaml');
const BOOKINFO_DRS = ['productpage', 'reviews', 'ratings', 'details'];

const REVIEWS_PORT_RESET = dr(
  'reviews-port',
  `  host: reviews
  trafficPolicy:
    tls:
      mode: ISTIO_MUTUAL
    portLevelSettings:
      - port:
          number: 9080
        loadBalancer:
          simple: LEAST_REQUEST`,
);

describeCheck(istioDestinationruleTls, {
  pass: [
    {
      name: 'bookinfo destination-rule-all-mtls: every DR sets ISTIO_MUTUAL (subsets add no override)',
      objects: [...AUTO_ON, ...BOOKINFO, ...ALL_MTLS],
      expect: [{ status: 'pass', ...MESH_CONFIG, messageId: 'autoMtlsOn' }, ...BOOKINFO_DRS.map((name) => ({ status: 'pass' as const, kind: 'DestinationRule', namespace: 'default', name }))],
    },
    {
      name: 'trap: bookinfo destination-rule-all has no tls at all, fine under the default enableAutoMtls (unset = true)',
      objects: [...AUTO_DEFAULT, ...BOOKINFO, ...ALL_SUBSETS],
      expect: [{ status: 'pass', ...MESH_CONFIG }, ...BOOKINFO_DRS.map((name) => ({ status: 'pass' as const, name }))],
    },
    {
      name: 'trap: a port-level entry without tls falls back to auto-mTLS, which is on',
      objects: [...AUTO_ON, ...REVIEWS_PORT_RESET],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'pass', name: 'reviews-port' }],
    },
    {
      name: 'external host with SIMPLE and caCertificates; external DISABLE leaves TLS to the application',
      objects: [
        ...AUTO_ON,
        ...dr('payments-api', '  host: api.example.com\n  trafficPolicy:\n    tls:\n      mode: SIMPLE\n      caCertificates: /etc/certs/example-ca.pem\n      sni: api.example.com'),
        ...dr('legacy-http', '  host: legacy.example.org\n  trafficPolicy:\n    tls: {mode: DISABLE}'),
      ],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'pass', name: 'payments-api' }, { status: 'pass', name: 'legacy-http' }],
    },
    {
      name: 'MUTUAL with credentialName counts when the DR has a workloadSelector',
      objects: [
        ...AUTO_ON,
        ...dr(
          'bank-mtls',
          '  host: bank.example.com\n  workloadSelector:\n    matchLabels: {app: payments}\n  trafficPolicy:\n    tls:\n      mode: MUTUAL\n      credentialName: bank-client-cert',
          'payments',
        ),
      ],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'pass', namespace: 'payments', name: 'bank-mtls' }],
    },
    {
      name: 'mesh config from an IstioOperator',
      objects: docs(`
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: installed-state
  namespace: istio-system
spec:
  meshConfig:
    enableAutoMtls: true
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ratings
  namespace: default
spec:
  host: ratings
`),
      expect: [{ status: 'pass', kind: 'IstioOperator', name: 'installed-state' }, { status: 'pass', name: 'ratings' }],
    },
  ],
  fail: [
    {
      name: 'auto-mTLS off fails the mesh config, while a DR with explicit ISTIO_MUTUAL on every path (DR, port entry, subset) passes',
      objects: [
        ...AUTO_OFF,
        ...dr(
          'reviews',
          `  host: reviews.default.svc.cluster.local
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings:
      - port: {number: 9080}
        tls: {mode: ISTIO_MUTUAL}
  subsets:
    - name: v1
      labels: {version: v1}`,
        ),
      ],
      expect: [{ status: 'pass', name: 'reviews' }, { status: 'fail', ...MESH_CONFIG, messageId: 'autoMtlsOff' }],
    },
    {
      name: 'DR-level DISABLE for a short (mesh) host',
      objects: [...AUTO_ON, ...BOOKINFO, ...dr('ratings-off', '  host: ratings\n  trafficPolicy:\n    tls: {mode: DISABLE}')],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'fail', name: 'ratings-off', messageId: 'weak' }],
    },
    {
      name: 'DISABLE for a cluster-local FQDN in another namespace',
      objects: [...AUTO_ON, ...dr('db-off', '  host: postgres.data.svc.cluster.local\n  trafficPolicy:\n    tls: {mode: DISABLE}', 'payments')],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'fail', name: 'db-off' }],
    },
    {
      name: 'trap: a port-level entry without tls drops DR-level ISTIO_MUTUAL when auto-mTLS is disabled',
      objects: [...AUTO_OFF, ...REVIEWS_PORT_RESET],
      expect: [{ status: 'fail', ...MESH_CONFIG }, { status: 'fail', name: 'reviews-port' }],
    },
    {
      name: 'trap: a port-level DISABLE overrides the DR-level ISTIO_MUTUAL',
      objects: [
        ...AUTO_ON,
        ...dr('reviews', '  host: reviews\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    portLevelSettings:\n      - port: {number: 9080}\n        tls: {mode: DISABLE}'),
      ],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'fail', name: 'reviews' }],
    },
    {
      name: 'trap: a subset overrides the inherited ISTIO_MUTUAL with DISABLE',
      objects: [
        ...AUTO_ON,
        ...dr(
          'reviews',
          `  host: reviews
  trafficPolicy:
    tls: {mode: ISTIO_MUTUAL}
  subsets:
    - name: v1
      labels: {version: v1}
    - name: v2
      labels: {version: v2}
      trafficPolicy:
        tls: {mode: DISABLE}`,
        ),
      ],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'fail', name: 'reviews' }],
    },
    {
      name: 'trap: a subset port-level DISABLE',
      objects: [
        ...AUTO_ON,
        ...dr(
          'reviews',
          `  host: reviews
  subsets:
    - name: v3
      labels: {version: v3}
      trafficPolicy:
        tls: {mode: ISTIO_MUTUAL}
        portLevelSettings:
          - port: {number: 9080}
            tls: {mode: DISABLE}`,
        ),
      ],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'fail', name: 'reviews' }],
    },
    {
      name: 'trap: a tls block without mode is DISABLE and overrides auto-mTLS',
      objects: [...AUTO_ON, ...dr('details', '  host: details\n  trafficPolicy:\n    tls:\n      sni: details.default.svc.cluster.local')],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'fail', name: 'details' }],
    },
    {
      name: 'IST0128: SIMPLE without caCertificates for an external host',
      objects: [...AUTO_ON, ...dr('ext', '  host: api.example.com\n  trafficPolicy:\n    tls: {mode: SIMPLE, sni: api.example.com}')],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'fail', name: 'ext' }],
    },
    {
      name: 'IST0129: port-level MUTUAL with insecureSkipVerify',
      objects: [
        ...AUTO_ON,
        ...dr(
          'ext',
          '  host: api.example.com\n  trafficPolicy:\n    portLevelSettings:\n      - port: {number: 443}\n        tls: {mode: MUTUAL, caCertificates: /etc/ca.pem, clientCertificate: /etc/c.pem, privateKey: /etc/k.pem, insecureSkipVerify: true}',
        ),
      ],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'fail', name: 'ext' }],
    },
    {
      name: 'credentialName without a workloadSelector does not verify the server on a sidecar',
      objects: [...AUTO_ON, ...dr('bank', '  host: bank.example.com\n  trafficPolicy:\n    tls: {mode: SIMPLE, credentialName: bank-ca}')],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'fail', name: 'bank' }],
    },
    {
      name: 'ISTIO-DR-03: enableAutoMtls false makes every DR without tls a plaintext path',
      objects: [...AUTO_OFF, ...BOOKINFO, ...ALL_SUBSETS],
      expect: [{ status: 'fail', ...MESH_CONFIG, messageId: 'autoMtlsOff' }, ...BOOKINFO_DRS.map((name) => ({ status: 'fail' as const, name, messageId: 'weak' }))],
    },
    {
      name: 'enableAutoMtls false: SIMPLE (one-way) with a CA for a mesh host is not enough',
      objects: [...AUTO_OFF, ...dr('ratings', '  host: ratings\n  trafficPolicy:\n    tls: {mode: SIMPLE, caCertificates: /etc/ca.pem}')],
      expect: [{ status: 'fail', ...MESH_CONFIG }, { status: 'fail', name: 'ratings' }],
    },
    {
      name: 'trap: a short host resolves in the DR namespace and is a mesh host even with no Service there',
      objects: [...AUTO_ON, ...BOOKINFO, ...dr('reviews-off', '  host: reviews\n  trafficPolicy:\n    tls: {mode: DISABLE}', 'bar')],
      expect: [{ status: 'pass', ...MESH_CONFIG }, { status: 'fail', namespace: 'bar', name: 'reviews-off' }],
    },
  ],
  error: [
    {
      name: 'no mesh config: a DR relying on auto-mTLS cannot pass',
      objects: [...BOOKINFO, ...ALL_SUBSETS],
      expect: [
        { status: 'error', ...MESH_CONFIG, messageId: 'meshConfigMissing' },
        ...BOOKINFO_DRS.map((name) => ({ status: 'error' as const, name, messageId: 'autoMtlsUnknown' })),
      ],
    },
    {
      name: 'trap: no mesh config and a port-level entry without tls: the port relies on auto-mTLS',
      objects: [...REVIEWS_PORT_RESET],
      expect: [
        { status: 'error', ...MESH_CONFIG, messageId: 'meshConfigMissing' },
        { status: 'error', name: 'reviews-port', messageId: 'autoMtlsUnknown' },
      ],
    },
    {
      name: 'DestinationRules could not be listed',
      objects: [...AUTO_ON, ...ALL_MTLS],
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['DestinationRule'], message: 'list destinationrules: 403' }],
      expect: [
        { status: 'error', ...MESH_CONFIG },
        ...BOOKINFO_DRS.map((name) => ({ status: 'error' as const, name })),
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a schema-invalid DR (mode ISTIO_MUTUALL) next to a valid one',
      objects: [...dr('good', '  host: ratings\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}'), ...dr('bad', '  host: reviews\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUALL}')],
      expect: [
        { status: 'error', ...MESH_CONFIG, messageId: 'meshConfigMissing' },
        { status: 'error', name: 'good', messageId: 'ok' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'an unparseable mesh config: auto-mTLS unknown',
      objects: [...meshConfig('enableAutoMtls: [true'), ...dr('ratings', '  host: ratings')],
      expect: [
        { status: 'error', ...MESH_CONFIG, messageId: 'meshConfigMissing' },
        { status: 'error', name: 'ratings' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a host that looks external while Services could not be listed',
      objects: [...dr('billing', '  host: billing.finance\n  trafficPolicy:\n    tls: {mode: DISABLE}', 'payments')],
      gaps: [{ id: 'gap-2', reason: 'access-denied', kinds: ['Service'], namespace: 'finance', message: 'list services in finance: 403' }],
      expect: [
        { status: 'error', ...MESH_CONFIG, messageId: 'meshConfigMissing' },
        { status: 'error', name: 'billing', messageId: 'hostUnknown' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('istio-destinationrule-tls details', () => {
  it('explicit ISTIO_MUTUAL passes without mesh config, while the mesh config result is an error', () => {
    const results = runCase(istioDestinationruleTls, { name: 'x', objects: [...ALL_MTLS], expect: [] });
    expect(results.filter((r) => r.resource.kind === 'DestinationRule').every((r) => r.status === 'pass')).toBe(true);
    expect(results.find((r) => r.messageId === 'meshConfigMissing')?.status).toBe('error');
  });

  it('names the path, the reset trap and the resolved short host; relies on DR, mesh config and Service evidence', () => {
    const results = runCase(istioDestinationruleTls, { name: 'x', objects: [...AUTO_OFF, ...BOOKINFO, ...REVIEWS_PORT_RESET], expect: [] });
    const r = results.find((x) => x.resource.name === 'reviews-port');
    expect(r?.message).toContain('trafficPolicy.portLevelSettings[port 9080]');
    expect(r?.message).toContain('does not inherit the DR-level tls');
    expect(r?.message).toContain('reviews.default.svc.cluster.local');
    const reviewsService = BOOKINFO.findIndex((o) => (o as { kind: string; metadata: { name: string } }).kind === 'Service' && (o as { metadata: { name: string } }).metadata.name === 'reviews');
    expect(r?.evidence).toEqual(['ev-test-000', `ev-test-${String(reviewsService + 1).padStart(3, '0')}`, `ev-test-${String(BOOKINFO.length + 1).padStart(3, '0')}`].sort());
  });
});
