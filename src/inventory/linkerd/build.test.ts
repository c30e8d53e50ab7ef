import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { docs, inventoryOf } from '../../checks/tester.ts';

const upstream = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/upstream/linkerd/${name}`, import.meta.url), 'utf8'));
const fixture = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/linkerd/${name}`, import.meta.url), 'utf8'));

const ISTIO_AUTHZ = docs(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: deny-all
  namespace: shop
spec: {}
`);

describe('buildLinkerdInventory', () => {
  it('claims every policy.linkerd.io object of the upstream emojivoto and booksapp policies', () => {
    const inv = inventoryOf([...upstream('emojivoto-policy.yml'), ...upstream('booksapp-per-route-policy.yaml')]);
    const l = inv.linkerd;
    expect(l.present).toBe(true);
    expect(l.servers.map((s) => `${s.namespace}/${s.name}`)).toEqual([
      'booksapp/authors-server',
      'emojivoto/admin',
      'emojivoto/emoji-grpc',
      'emojivoto/prom',
      'emojivoto/voting-grpc',
      'emojivoto/web-http',
    ]);
    expect(l.serverAuthorizations).toHaveLength(4);
    expect(l.authorizationPolicies).toHaveLength(3);
    expect(l.meshTLSAuthentications).toHaveLength(2);
    expect(l.networkAuthentications).toHaveLength(1);
    expect(l.httpRoutes).toHaveLength(3);
    expect(inv.ignored).toEqual([]);
    expect(inv.gaps).toEqual([]);
    // v1beta1 Servers carry no accessPolicy; the v1beta3 booksapp Server omits it (default deny).
    expect(l.servers.every((s) => s.spec.accessPolicy === undefined)).toBe(true);
  });

  it('never sees Istio AuthorizationPolicies (the core claims security.istio.io first)', () => {
    const inv = inventoryOf([...ISTIO_AUTHZ, ...upstream('booksapp-per-route-policy.yaml')]);
    expect(inv.istio.authorizationPolicies.map((p) => p.name)).toEqual(['deny-all']);
    expect(inv.linkerd.authorizationPolicies.map((p) => p.name)).toEqual(['authors-get-policy', 'authors-modify-policy', 'authors-probe-policy']);
  });

  it('claims Gateway API routes only when a parent is a Server', () => {
    const inv = inventoryOf(
      docs(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: inbound, namespace: shop}
spec:
  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api-http}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: health, namespace: shop}
spec:
  parentRefs: [{group: policy.linkerd.io, kind: Server, name: api-grpc}]
  rules: [{matches: [{method: {service: grpc.health.v1.Health}}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: edge, namespace: shop}
spec:
  parentRefs: [{name: public-gateway}]
`),
    );
    expect(inv.linkerd.httpRoutes.map((r) => r.name)).toEqual(['inbound']);
    expect(inv.linkerd.grpcRoutes.map((r) => r.name)).toEqual(['health']);
    expect(inv.ignored.map((i) => i.name)).toEqual(['edge']);
  });

  it('turns a schema-invalid Linkerd object into a gap on its kind and namespace, and claims it', () => {
    const inv = inventoryOf(
      docs(`
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: broken, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  accessPolicy: allow-everything
  port: 8080
`),
    );
    expect(inv.linkerd.servers).toEqual([]);
    expect(inv.gaps).toHaveLength(1);
    expect(inv.gaps[0]).toMatchObject({ reason: 'schema-invalid', kinds: ['Server'], namespace: 'shop' });
    expect(inv.gaps[0]?.message).toContain('spec.accessPolicy');
    expect(inv.ignored).toEqual([]);
  });

  it('reads linkerd-config values and the control-plane namespace', () => {
    const inv = inventoryOf(fixture('linkerd-config.yaml'));
    expect(inv.linkerd.present).toBe(true);
    expect(inv.linkerd.controlPlaneNamespace).toBe('linkerd');
    expect(inv.linkerd.config?.values.proxy?.defaultInboundPolicy).toBe('all-unauthenticated');
    expect(inv.linkerd.config?.values.proxyInit?.ignoreInboundPorts).toBe('4567,4568');
    expect(inv.linkerd.issuerCertificate).toBeUndefined();
  });

  it.each([
    ['no values key (pre-2.10 layout)', { global: '{"linkerdNamespace":"linkerd"}' }, 'schema-invalid'],
    ['values is not YAML', { values: 'proxy: [' }, 'parse-error'],
    ['unknown default policy', { values: 'proxy:\n  defaultInboundPolicy: allow\n' }, 'schema-invalid'],
  ])('records a LinkerdConfig gap when linkerd-config is unusable: %s', (_name, data, reason) => {
    const inv = inventoryOf([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'linkerd-config', namespace: 'linkerd' }, data }]);
    expect(inv.linkerd.present).toBe(true);
    expect(inv.linkerd.config).toBeUndefined();
    expect(inv.gaps).toEqual([expect.objectContaining({ reason, kinds: ['LinkerdConfig'] })]);
    expect(inv.gaps[0]?.namespace).toBeUndefined();
  });

  it('takes the issuer certificate from a public ConfigMap copy before the install-time crtPEM, never from the Secret', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const values = `identity:\n  issuer:\n    tls:\n      crtPEM: |\n        -----BEGIN CERTIFICATE-----\n        MIIC\n        -----END CERTIFICATE-----\n`;
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'linkerd-config', namespace: 'linkerd' }, data: { values } };
    const copy = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'linkerd-identity-issuer', namespace: 'linkerd' }, data: { 'crt.pem': pem } };
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'linkerd-identity-issuer', namespace: 'linkerd' }, data: { 'crt.pem': 'cmVkYWN0ZWQ=' } };

    expect(inventoryOf([config, secret]).linkerd.issuerCertificate).toMatchObject({ installTimeCopy: true, location: expect.stringContaining('crtPEM') });
    expect(inventoryOf([config, copy, secret]).linkerd.issuerCertificate).toMatchObject({ installTimeCopy: false, pem });
    expect(inventoryOf([secret]).linkerd.issuerCertificate).toBeUndefined();
  });

  it.each([
    ['linkerd-config', fixture('linkerd-config.yaml')],
    ['a policy.linkerd.io object', upstream('booksapp-per-route-policy.yaml')],
    ['the trust roots ConfigMap', upstream('linkerd-identity-trust-roots.configmap.yaml')],
    ['a namespace annotated linkerd.io/inject', upstream('namespace-inject-enabled.yaml')],
    ['a running pod with linkerd-proxy', fixture('emojivoto-workloads.yaml').filter((o) => (o as { kind: string }).kind === 'Pod')],
  ])('marks Linkerd present from %s', (_name, objects) => {
    expect(inventoryOf(objects).linkerd.present).toBe(true);
  });

  it('is absent when nothing points at Linkerd', () => {
    const inv = inventoryOf([...ISTIO_AUTHZ, ...fixture('deployment-inject-disabled.yaml')]);
    expect(inv.linkerd.present).toBe(false);
  });
});
