import { describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { istioGatewayTls } from './istio-gateway-tls.ts';

// A Gateway in istio-ingress whose servers are given as YAML list items (indented 4).
function gateway(name: string, servers: string, namespace = 'istio-ingress'): unknown[] {
  return docs(`
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  selector:
    istio: ingressgateway
  servers:
${servers}
`);
}

const httpsSimple = (extraTls = '', port = 443, name = 'https'): string => `
    - name: ${name}
      port: {number: ${port}, name: https, protocol: HTTPS}
      hosts: ["shop.example.com"]
      tls:
        mode: SIMPLE
        credentialName: shop-example-com-tls
${extraTls}`;

function meshConfigMap(mesh: string): unknown[] {
  return docs(`
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |-
    trustDomain: cluster.local
${mesh}
`);
}

const GW = { kind: 'Gateway', namespace: 'istio-ingress', name: 'shop' } as const;

describeCheck(istioGatewayTls, {
  pass: [
    {
      name: 'HTTPS SIMPLE with credentialName and default minimum version (TLS 1.2)',
      objects: gateway('shop', httpsSimple()),
      expect: [{ ...GW, status: 'pass', port: 443, messageId: 'tlsTerminated', warning: false }],
    },
    {
      name: 'HTTP redirect-only server passes with a warning next to the HTTPS server',
      objects: gateway(
        'shop',
        `
    - name: http-redirect
      port: {number: 80, name: http, protocol: HTTP}
      hosts: ["shop.example.com"]
      tls:
        httpsRedirect: true
${httpsSimple()}`,
      ),
      expect: [
        { ...GW, status: 'pass', port: 80, messageId: 'httpsRedirect', warning: true },
        { ...GW, status: 'pass', port: 443, messageId: 'tlsTerminated', warning: false },
      ],
    },
    {
      name: 'MUTUAL with credentialNames, TLS 1.3 minimum and explicit TLSV1_2 / TLS_AUTO servers',
      objects: gateway(
        'shop',
        `
    - port: {number: 8443, name: https-mtls, protocol: HTTPS}
      hosts: ["partners.example.com"]
      tls:
        mode: MUTUAL
        credentialNames: [partners-rsa, partners-ecdsa]
        minProtocolVersion: TLSV1_3
    - port: {number: 9443, name: https-12, protocol: HTTPS}
      hosts: ["api.example.com"]
      tls: {mode: SIMPLE, credentialName: api-tls, minProtocolVersion: TLSV1_2, maxProtocolVersion: TLSV1_3}
    - port: {number: 10443, name: https-auto, protocol: HTTPS}
      hosts: ["www.example.com"]
      tls: {mode: SIMPLE, credentialName: www-tls, minProtocolVersion: TLS_AUTO}`,
      ),
      expect: [
        { ...GW, status: 'pass', port: 8443 },
        { ...GW, status: 'pass', port: 9443 },
        { ...GW, status: 'pass', port: 10443 },
      ],
    },
    {
      name: 'strong ECDHE AEAD cipher suites, including an Envoy equal-preference group',
      objects: gateway(
        'shop',
        httpsSimple(`        cipherSuites:
          - "[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]"
          - ECDHE-RSA-AES256-GCM-SHA384
          - ECDHE-RSA-CHACHA20-POLY1305`),
      ),
      expect: [{ ...GW, status: 'pass', port: 443 }],
    },
    {
      name: 'TLS 1.3-only server: TLS 1.2 cipherSuites are never negotiated',
      objects: gateway('shop', httpsSimple('        minProtocolVersion: TLSV1_3\n        cipherSuites: [AES128-SHA]')),
      expect: [{ ...GW, status: 'pass', port: 443 }],
    },
    {
      name: 'PASSTHROUGH and AUTO_PASSTHROUGH pass with the not-verifiable warning; unset mode is PASSTHROUGH',
      objects: gateway(
        'cross-network-gateway',
        `
    - port: {number: 15443, name: tls, protocol: TLS}
      hosts: ["*.local"]
      tls: {mode: AUTO_PASSTHROUGH}
    - port: {number: 8443, name: tls-pass, protocol: TLS}
      hosts: ["legacy.example.com"]
      tls: {mode: PASSTHROUGH}
    - port: {number: 9443, name: https-pass, protocol: HTTPS}
      hosts: ["backend.example.com"]
      tls: {}`,
        'istio-system',
      ),
      expect: [
        { kind: 'Gateway', namespace: 'istio-system', name: 'cross-network-gateway', status: 'pass', port: 15443, messageId: 'passthrough', warning: true },
        { kind: 'Gateway', status: 'pass', port: 8443, messageId: 'passthrough', warning: true },
        { kind: 'Gateway', status: 'pass', port: 9443, messageId: 'passthrough', warning: true },
      ],
    },
    {
      name: 'OPTIONAL_MUTUAL passes with a warning; ISTIO_MUTUAL needs no credentialName',
      objects: gateway(
        'shop',
        `
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: ["shop.example.com"]
      tls: {mode: OPTIONAL_MUTUAL, credentialName: shop-tls}
    - port: {number: 15443, name: tls-mesh, protocol: TLS}
      hosts: ["*.payments.svc.cluster.local"]
      tls: {mode: ISTIO_MUTUAL}`,
      ),
      expect: [
        { ...GW, status: 'pass', port: 443, warning: true },
        { ...GW, status: 'pass', port: 15443, warning: false },
      ],
    },
    {
      name: 'serverCertificate file mount counts as a certificate',
      objects: gateway(
        'shop',
        `
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: ["shop.example.com"]
      tls:
        mode: SIMPLE
        serverCertificate: /etc/istio/ingressgateway-certs/tls.crt
        privateKey: /etc/istio/ingressgateway-certs/tls.key`,
      ),
      expect: [{ ...GW, status: 'pass', port: 443 }],
    },
    {
      name: 'mesh tlsDefaults TLSV1_3 raises the inherited minimum',
      objects: [...meshConfigMap('    tlsDefaults:\n      minProtocolVersion: TLSV1_3'), ...gateway('shop', httpsSimple())],
      expect: [{ ...GW, status: 'pass', port: 443 }],
    },
  ],
  fail: [
    {
      name: 'plaintext HTTP server (bookinfo-gateway style)',
      objects: gateway(
        'shop',
        `
    - port: {number: 8080, name: http, protocol: HTTP}
      hosts: ["*"]`,
      ),
      expect: [{ ...GW, status: 'fail', port: 8080, messageId: 'plaintextListener' }],
    },
    {
      name: 'trap: a tls block on an HTTP-protocol server is ignored (still plaintext)',
      objects: gateway(
        'shop',
        `
    - port: {number: 443, name: http-tls, protocol: HTTP}
      hosts: ["shop.example.com"]
      tls: {mode: SIMPLE, credentialName: shop-tls}`,
      ),
      expect: [{ ...GW, status: 'fail', port: 443, messageId: 'plaintextListener' }],
    },
    {
      name: 'HTTP2, GRPC, TCP, MONGO and HTTPS without tls are plaintext listeners',
      objects: gateway(
        'shop',
        `
    - port: {number: 8081, name: http2, protocol: HTTP2}
      hosts: ["*"]
    - port: {number: 9090, name: grpc, protocol: GRPC}
      hosts: ["*"]
    - port: {number: 31400, name: tcp, protocol: TCP}
      hosts: ["*"]
    - port: {number: 27017, name: mongo, protocol: MONGO}
      hosts: ["*"]
    - port: {number: 8443, name: https-notls, protocol: HTTPS}
      hosts: ["*"]`,
      ),
      expect: [8081, 9090, 31400, 27017, 8443].map((port) => ({ ...GW, status: 'fail' as const, port, messageId: 'plaintextListener' })),
    },
    {
      name: 'mixed gateway: plaintext port 80 fails, HTTPS port 443 passes',
      objects: gateway(
        'shop',
        `
    - port: {number: 80, name: http, protocol: HTTP}
      hosts: ["shop.example.com"]
${httpsSimple()}`,
      ),
      expect: [
        { ...GW, status: 'fail', port: 80 },
        { ...GW, status: 'pass', port: 443 },
      ],
    },
    {
      name: 'minProtocolVersion TLSV1_0 / TLSV1_1 and maxProtocolVersion TLSV1_1',
      objects: gateway(
        'shop',
        `${httpsSimple('        minProtocolVersion: TLSV1_0', 443, 'tls10')}
${httpsSimple('        minProtocolVersion: TLSV1_1', 8443, 'tls11')}
${httpsSimple('        maxProtocolVersion: TLSV1_1', 9443, 'max11')}`,
      ),
      expect: [
        { ...GW, status: 'fail', port: 443, messageId: 'weakMinVersion' },
        { ...GW, status: 'fail', port: 8443, messageId: 'weakMinVersion' },
        { ...GW, status: 'fail', port: 9443, messageId: 'weakMaxVersion' },
      ],
    },
    {
      name: 'weak cipher suites: CBC -SHA, 3DES and non-ECDHE AES-GCM',
      objects: gateway(
        'shop',
        ['ECDHE-RSA-AES128-SHA', 'AES128-SHA', 'AES256-SHA', 'DES-CBC3-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'ECDHE-ECDSA-AES256-SHA']
          .map((suite, i) => httpsSimple(`        cipherSuites: [ECDHE-ECDSA-AES128-GCM-SHA256, ${suite}]`, 8000 + i, `s${i}`))
          .join('\n'),
      ),
      expect: [0, 1, 2, 3, 4, 5, 6].map((i) => ({ ...GW, status: 'fail' as const, port: 8000 + i, messageId: 'weakCiphers' })),
    },
    {
      name: 'SIMPLE and MUTUAL servers without a certificate',
      objects: gateway(
        'shop',
        `
    - port: {number: 443, name: https, protocol: HTTPS}
      hosts: ["shop.example.com"]
      tls: {mode: SIMPLE}
    - port: {number: 8443, name: https-mtls, protocol: HTTPS}
      hosts: ["partners.example.com"]
      tls: {mode: MUTUAL, credentialNames: []}`,
      ),
      expect: [
        { ...GW, status: 'fail', port: 443, messageId: 'noCertificate' },
        { ...GW, status: 'fail', port: 8443, messageId: 'noCertificate' },
      ],
    },
    {
      name: 'an invalid mesh tlsDefaults TLSV1_0 is not accepted as the inherited minimum',
      objects: [...meshConfigMap('    tlsDefaults:\n      minProtocolVersion: TLSV1_0'), ...gateway('shop', httpsSimple())],
      expect: [{ ...GW, status: 'fail', port: 443, messageId: 'weakMeshDefault' }],
    },
  ],
  error: [
    {
      name: 'Gateways could not be listed: a good server is not accepted as a pass',
      objects: gateway('shop', httpsSimple()),
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['Gateway'], message: 'list gateways.networking.istio.io: 403 Forbidden' }],
      expect: [
        { ...GW, status: 'error', port: 443 },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'schema-invalid Gateway (unknown TLS version) in the same namespace',
      objects: [
        ...gateway('shop', httpsSimple()),
        ...gateway('broken', httpsSimple('        minProtocolVersion: TLSV1_4')),
      ],
      expect: [
        { ...GW, status: 'error', port: 443 },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'unreadable mesh config: the inherited minimum is unknown',
      objects: [...meshConfigMap('    tlsDefaults: [not, a, map]'), ...gateway('shop', httpsSimple())],
      expect: [
        { ...GW, status: 'error', port: 443 },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('istio-gateway-tls result data', () => {
  it('names the server, port, mode, effective minimum and every problem', () => {
    const results = runCase(istioGatewayTls, {
      name: 'data',
      objects: [
        ...meshConfigMap('    tlsDefaults:\n      minProtocolVersion: TLSV1_3'),
        ...gateway(
          'shop',
          `${httpsSimple()}
    - port: {number: 8443, name: https-bad, protocol: HTTPS}
      hosts: ["old.example.com"]
      tls: {mode: SIMPLE, minProtocolVersion: TLSV1_1, cipherSuites: [AES128-SHA]}`,
        ),
      ],
      expect: [],
    });
    expect(results[0]?.data).toMatchObject({ server: 'https', port: 443, mode: 'SIMPLE', minVersion: 'TLSV1_3' });
    expect(results[0]?.evidence).toEqual(['ev-test-000', 'ev-test-001']);
    expect(results[1]?.data.server).toBe(1);
    expect(results[1]?.messageId).toBe('noCertificate');
    expect(String(results[1]?.data.problems)).toMatch(/no certificate configured.*TLSV1_1.*AES128-SHA/);
    expect(results[1]?.evidence).toEqual(['ev-test-001']);
  });
});
