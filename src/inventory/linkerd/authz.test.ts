import { describe, expect, it } from 'vitest';
import { docs, inventoryOf } from '../../checks/tester.ts';
import { isAnyNetwork, isProbeRoute } from './authz.ts';

function route(kind: 'HTTPRoute' | 'GRPCRoute', rules: string) {
  const inv = inventoryOf(
    docs(`
apiVersion: gateway.networking.k8s.io/v1
kind: ${kind}
metadata: {name: r, namespace: shop}
spec:
  parentRefs: [{group: policy.linkerd.io, kind: Server, name: s}]
  rules:
${rules}
`),
  );
  const r = kind === 'HTTPRoute' ? inv.linkerd.httpRoutes[0] : inv.linkerd.grpcRoutes[0];
  if (!r) throw new Error(`no ${kind}: ${JSON.stringify(inv.gaps)}`);
  return isProbeRoute(r, kind);
}

describe('isProbeRoute', () => {
  it.each<[string, 'HTTPRoute' | 'GRPCRoute', string, boolean]>([
    ['GET /ping (prefix by default)', 'HTTPRoute', '    - matches: [{method: GET, path: {value: /ping}}]', true],
    ['GET and HEAD on /healthz and /readyz', 'HTTPRoute', '    - matches: [{method: GET, path: {type: Exact, value: /healthz}}, {method: HEAD, path: {value: /readyz/}}]', true],
    ['no method matches every method', 'HTTPRoute', '    - matches: [{path: {value: /ping}}]', false],
    ['POST is not a probe', 'HTTPRoute', '    - matches: [{method: POST, path: {value: /health}}]', false],
    ['a data path next to a probe path', 'HTTPRoute', '    - matches: [{method: GET, path: {value: /ping}}, {method: GET, path: {value: /api}}]', false],
    ['a rule without matches matches everything', 'HTTPRoute', '    - {}', false],
    ['regular expressions are never narrow', 'HTTPRoute', '    - matches: [{method: GET, path: {type: RegularExpression, value: /ping}}]', false],
    ['gRPC health service', 'GRPCRoute', '    - matches: [{method: {service: grpc.health.v1.Health}}]', true],
    ['another gRPC service', 'GRPCRoute', '    - matches: [{method: {service: emojivoto.v1.EmojiService}}]', false],
  ])('%s', (_name, kind, rules, probe) => {
    expect(route(kind, rules)).toBe(probe);
  });
});

describe('isAnyNetwork', () => {
  it('recognises prefix length zero in both families', () => {
    expect(['0.0.0.0/0', '::/0', ' ::/00 '].map(isAnyNetwork)).toEqual([true, true, true]);
    expect(['10.0.0.0/8', '::1/128', '0.0.0.0/1'].map(isAnyNetwork)).toEqual([false, false, false]);
  });
});
