import { describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { istioMtlsMeshStrict } from './istio-mtls-mesh-strict.ts';

const ISTIO_SYSTEM = docs(`
apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
`);

function meshPa(name: string, mode: string, created = '2025-01-10T08:00:00Z', ns = 'istio-system'): unknown[] {
  return docs(`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: ${name}
  namespace: ${ns}
  creationTimestamp: "${created}"
spec:
  mtls:
    mode: ${mode}
`);
}

const NAMESPACE_PERMISSIVE = docs(`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: payments
  creationTimestamp: "2025-01-10T08:00:00Z"
spec:
  mtls:
    mode: PERMISSIVE
`);

const ROOT_SELECTOR_STRICT = docs(`
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: istiod-strict
  namespace: istio-system
  creationTimestamp: "2024-01-10T08:00:00Z"
spec:
  selector:
    matchLabels:
      app: istiod
  mtls:
    mode: STRICT
`);

const MESH_CONFIG_CUSTOM_ROOT = docs(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
data:
  mesh: |-
    rootNamespace: istio-config
    enableAutoMtls: true
`);

describeCheck(istioMtlsMeshStrict, {
  pass: [
    {
      name: 'mesh-wide STRICT policy in istio-system',
      objects: [...ISTIO_SYSTEM, ...meshPa('default', 'STRICT')],
      expect: [{ status: 'pass', kind: 'PeerAuthentication', namespace: 'istio-system', name: 'default', messageId: 'strict', warning: false }],
    },
    {
      name: 'a namespace PERMISSIVE override does not change the root-namespace verdict (judged by istio-mtls-strict)',
      objects: [...ISTIO_SYSTEM, ...meshPa('default', 'STRICT'), ...NAMESPACE_PERMISSIVE],
      expect: [{ status: 'pass', name: 'default', namespace: 'istio-system' }],
    },
    {
      name: 'trap: two selector-less root policies, the OLDEST (STRICT) wins even though it sorts last by name; warns',
      objects: [...meshPa('a-permissive', 'PERMISSIVE', '2025-06-01T00:00:00Z'), ...meshPa('z-strict', 'STRICT', '2024-06-01T00:00:00Z')],
      expect: [{ status: 'pass', name: 'z-strict', warning: true }],
    },
    {
      name: 'custom rootNamespace from meshConfig',
      objects: [...MESH_CONFIG_CUSTOM_ROOT, ...meshPa('default', 'STRICT', '2025-01-01T00:00:00Z', 'istio-config')],
      expect: [{ status: 'pass', namespace: 'istio-config', name: 'default' }],
    },
  ],
  fail: [
    {
      name: 'no mesh-wide policy: default PERMISSIVE',
      objects: [...ISTIO_SYSTEM],
      expect: [{ status: 'fail', kind: 'Namespace', name: 'istio-system', messageId: 'missing' }],
    },
    {
      name: 'mesh-wide PERMISSIVE',
      objects: [...ISTIO_SYSTEM, ...meshPa('default', 'PERMISSIVE')],
      expect: [{ status: 'fail', name: 'default', messageId: 'notStrict' }],
    },
    {
      name: 'mesh-wide DISABLE',
      objects: [...meshPa('default', 'DISABLE')],
      expect: [{ status: 'fail', name: 'default', messageId: 'notStrict' }],
    },
    {
      name: 'trap: mesh-wide UNSET is treated as PERMISSIVE',
      objects: [...meshPa('default', 'UNSET')],
      expect: [{ status: 'fail', name: 'default', messageId: 'notStrict' }],
    },
    {
      name: 'trap: the oldest selector-less policy is PERMISSIVE, a newer STRICT one is ignored; warns',
      objects: [...meshPa('a-strict', 'STRICT', '2025-06-01T00:00:00Z'), ...meshPa('z-permissive', 'PERMISSIVE', '2024-06-01T00:00:00Z')],
      expect: [{ status: 'fail', name: 'z-permissive', warning: true }],
    },
    {
      name: 'trap: a selector policy in the root namespace is ignored, not mesh-wide',
      objects: [...ISTIO_SYSTEM, ...ROOT_SELECTOR_STRICT],
      expect: [{ status: 'fail', kind: 'Namespace', name: 'istio-system', messageId: 'missing', warning: true }],
    },
    {
      name: 'trap: STRICT in istio-system does not count when meshConfig moves the root namespace',
      objects: [...MESH_CONFIG_CUSTOM_ROOT, ...meshPa('default', 'STRICT')],
      expect: [{ status: 'fail', kind: 'Namespace', name: 'istio-config', messageId: 'missing' }],
    },
  ],
  error: [
    {
      name: 'PeerAuthentications could not be listed: a STRICT policy seen is not accepted',
      objects: [...ISTIO_SYSTEM, ...meshPa('default', 'STRICT')],
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['PeerAuthentication'], message: 'list peerauthentications: 403' }],
      expect: [
        { status: 'error', name: 'default', messageId: 'strict' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a schema-invalid root policy (mode STRICTT) next to a STRICT one',
      objects: [...meshPa('default', 'STRICT'), ...meshPa('other', 'STRICTT', '2024-01-01T00:00:00Z')],
      expect: [
        { status: 'error', name: 'default' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'the istio ConfigMap mesh key is unreadable, so the root namespace is unknown',
      objects: [
        ...docs(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
data:
  mesh: "rootNamespace: [unclosed"
`),
        ...meshPa('default', 'STRICT'),
      ],
      expect: [
        { status: 'error', name: 'default' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('istio-mtls-mesh-strict details', () => {
  it('names the winner in the warning and keeps every considered policy as evidence', () => {
    const [r] = runCase(istioMtlsMeshStrict, {
      name: 'dup',
      objects: [...ISTIO_SYSTEM, ...meshPa('a-permissive', 'PERMISSIVE', '2025-06-01T00:00:00Z'), ...meshPa('z-strict', 'STRICT', '2024-06-01T00:00:00Z')],
      expect: [],
    });
    expect(r?.warning).toMatch(/only the oldest, istio-system\/z-strict/);
    expect(r?.evidence).toEqual(['ev-test-000', 'ev-test-001', 'ev-test-002']);
    expect(r?.message).toMatch(/may still override/);
  });
});
