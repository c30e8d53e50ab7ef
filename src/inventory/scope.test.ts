import { describe, expect, it } from 'vitest';
import { inventoryOf } from '../checks/tester.ts';
import { gapsTouching, inScopeNamespace } from './scope.ts';

describe('inScopeNamespace', () => {
  it('excludes system namespaces and the Istio root namespace', () => {
    const t = inventoryOf([]);
    for (const ns of ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage', 'istio-system']) {
      expect(inScopeNamespace(t, ns)).toBe(false);
    }
    expect(inScopeNamespace(t, 'default')).toBe(true);
    expect(inScopeNamespace(t, 'payments')).toBe(true);
  });

  it('follows a custom root namespace from meshConfig', () => {
    const t = inventoryOf([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: 'rootNamespace: mesh-root' } }]);
    expect(inScopeNamespace(t, 'mesh-root')).toBe(false);
    expect(inScopeNamespace(t, 'istio-system')).toBe(true);
  });
});

describe('gapsTouching', () => {
  const t = inventoryOf(
    [],
    [
      { id: 'g-root', reason: 'access-denied', kinds: ['PeerAuthentication'], namespace: 'istio-system', message: 'denied' },
      { id: 'g-all', reason: 'api-error', kinds: '*', message: 'boom' },
      { id: 'g-pod', reason: 'access-denied', kinds: ['Pod'], namespace: 'foo', message: 'denied' },
    ],
  );
  it('matches kinds and namespaces; unnamespaced gaps match everywhere', () => {
    expect(gapsTouching(t, ['PeerAuthentication'], ['istio-system']).map((g) => g.id)).toEqual(['g-root', 'g-all']);
    expect(gapsTouching(t, ['PeerAuthentication'], ['bar']).map((g) => g.id)).toEqual(['g-all']);
    expect(gapsTouching(t, ['Pod'], '*').map((g) => g.id)).toEqual(['g-all', 'g-pod']);
  });
});
