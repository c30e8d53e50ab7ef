import { describe, expect, it } from 'vitest';
import { describeCheck, docs, runCase } from '../tester.ts';
import { istioEgressRegistryOnly } from './istio-egress-registry-only.ts';

// The `istio` ConfigMap as istiod's Helm chart renders it; `outbound` is spliced into the mesh YAML.
function meshConfigMap(outbound: string, extra = ''): unknown[] {
  return docs(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: istio
  namespace: istio-system
  labels:
    app: istiod
    istio.io/rev: default
data:
  mesh: |-
    accessLogFile: /dev/stdout
    defaultConfig:
      discoveryAddress: istiod.istio-system.svc:15012
    enablePrometheusMerge: true
    trustDomain: cluster.local
${outbound}
${extra}
  meshNetworks: 'networks: {}'
`);
}

const registryOnly = '    outboundTrafficPolicy:\n      mode: REGISTRY_ONLY';
const allowAny = '    outboundTrafficPolicy:\n      mode: ALLOW_ANY';

function istioOperator(mode: string): unknown[] {
  return docs(`
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: installed-state
  namespace: istio-system
spec:
  profile: default
  meshConfig:
    accessLogFile: /dev/stdout
    outboundTrafficPolicy:
      mode: ${mode}
`);
}

function sidecar(namespace: string, name: string, mode: string | undefined, selector?: Record<string, string>): unknown {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name, namespace },
    spec: {
      ...(selector ? { workloadSelector: { labels: selector } } : {}),
      egress: [{ hosts: ['./*', 'istio-system/*'] }],
      ...(mode ? { outboundTrafficPolicy: { mode } } : {}),
    },
  };
}

const ISTIO_SYSTEM = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } };
const MESH = { kind: 'ConfigMap', namespace: 'istio-system', name: 'istio' } as const;

describeCheck(istioEgressRegistryOnly, {
  pass: [
    {
      name: 'mesh config REGISTRY_ONLY (ConfigMap), passes with the not-a-firewall warning',
      objects: meshConfigMap(registryOnly),
      expect: [{ ...MESH, status: 'pass', messageId: 'meshRegistryOnly', warning: true }],
    },
    {
      name: 'IstioOperator spec.meshConfig is used when no ConfigMap exists',
      objects: istioOperator('REGISTRY_ONLY'),
      expect: [{ kind: 'IstioOperator', namespace: 'istio-system', name: 'installed-state', status: 'pass', warning: true }],
    },
    {
      name: 'Sidecar REGISTRY_ONLY passes; a Sidecar without outboundTrafficPolicy is not judged',
      objects: [
        ...meshConfigMap(registryOnly),
        sidecar('payments', 'payments-egress', 'REGISTRY_ONLY'),
        sidecar('web', 'web-egress', undefined),
      ],
      expect: [
        { ...MESH, status: 'pass', warning: true },
        { kind: 'Sidecar', namespace: 'payments', name: 'payments-egress', status: 'pass', messageId: 'sidecarRegistryOnly', warning: true },
      ],
    },
  ],
  fail: [
    {
      name: 'trap: outboundTrafficPolicy absent means ALLOW_ANY (not the enum zero value REGISTRY_ONLY)',
      objects: meshConfigMap(''),
      expect: [{ ...MESH, status: 'fail', messageId: 'meshAllowAny', warning: false }],
    },
    {
      name: 'trap: outboundTrafficPolicy present with no mode is still ALLOW_ANY',
      objects: meshConfigMap('    outboundTrafficPolicy: {}'),
      expect: [{ ...MESH, status: 'fail', messageId: 'meshAllowAny' }],
    },
    {
      name: 'explicit ALLOW_ANY',
      objects: meshConfigMap(allowAny),
      expect: [{ ...MESH, status: 'fail', messageId: 'meshAllowAny' }],
    },
    {
      name: 'ALLOW_ANY_DYNAMIC_DNS is not registry-only',
      objects: meshConfigMap('    outboundTrafficPolicy:\n      mode: ALLOW_ANY_DYNAMIC_DNS'),
      expect: [{ ...MESH, status: 'fail', messageId: 'meshAllowAny' }],
    },
    {
      name: 'empty mesh key defaults to ALLOW_ANY',
      objects: docs(`
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: ""
`),
      expect: [{ ...MESH, status: 'fail', messageId: 'meshAllowAny' }],
    },
    {
      name: 'a Sidecar with ALLOW_ANY overrides a REGISTRY_ONLY mesh for its workloads',
      objects: [...meshConfigMap(registryOnly), sidecar('payments', 'legacy-egress', 'ALLOW_ANY', { app: 'legacy-batch' })],
      expect: [
        { ...MESH, status: 'pass', warning: true },
        { kind: 'Sidecar', namespace: 'payments', name: 'legacy-egress', status: 'fail', messageId: 'sidecarAllowAny' },
      ],
    },
    {
      name: 'the ConfigMap wins over the IstioOperator when both are present',
      objects: [...meshConfigMap(allowAny), ...istioOperator('REGISTRY_ONLY')],
      expect: [{ ...MESH, status: 'fail', messageId: 'meshAllowAny' }],
    },
    {
      name: 'IstioOperator without outboundTrafficPolicy defaults to ALLOW_ANY',
      objects: docs(`
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: control-plane, namespace: istio-system}
spec:
  profile: default
  meshConfig:
    accessLogFile: /dev/stdout
`),
      expect: [{ kind: 'IstioOperator', namespace: 'istio-system', name: 'control-plane', status: 'fail', messageId: 'meshAllowAny' }],
    },
    {
      name: 'non-default root namespace: its selector-less Sidecar with ALLOW_ANY is the mesh-wide default',
      objects: [
        ...meshConfigMap(registryOnly, '    rootNamespace: istio-config'),
        sidecar('istio-config', 'default', 'ALLOW_ANY'),
        sidecar('istio-system', 'default', 'REGISTRY_ONLY'),
      ],
      expect: [
        { ...MESH, status: 'pass', warning: true },
        { kind: 'Sidecar', namespace: 'istio-config', name: 'default', status: 'fail', messageId: 'sidecarAllowAny' },
        { kind: 'Sidecar', namespace: 'istio-system', name: 'default', status: 'pass', warning: true },
      ],
    },
  ],
  error: [
    {
      name: 'no mesh config in the evidence is an error, never a pass',
      objects: [ISTIO_SYSTEM, sidecar('payments', 'payments-egress', 'ALLOW_ANY')],
      expect: [
        { ...MESH, status: 'error', messageId: 'meshConfigMissing' },
        { kind: 'Sidecar', namespace: 'payments', name: 'payments-egress', status: 'fail' },
      ],
    },
    {
      name: 'mesh key with an unknown outbound mode is unusable evidence',
      objects: [ISTIO_SYSTEM, ...meshConfigMap('    outboundTrafficPolicy:\n      mode: DENY_ALL')],
      expect: [
        { ...MESH, status: 'error', messageId: 'meshConfigMissing' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'Sidecars could not be listed: a REGISTRY_ONLY mesh is not accepted as a pass',
      objects: meshConfigMap(registryOnly),
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['Sidecar'], message: 'list sidecars.networking.istio.io: 403 Forbidden' }],
      expect: [
        { ...MESH, status: 'error', messageId: 'meshRegistryOnly' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'schema-invalid root-namespace Sidecar could be hiding a mesh-wide ALLOW_ANY',
      objects: [...meshConfigMap(registryOnly), sidecar('istio-system', 'default', 'OPEN')],
      expect: [
        { ...MESH, status: 'error' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('istio-egress-registry-only result data', () => {
  it('names the scope of each Sidecar, honouring meshConfig.rootNamespace', () => {
    const results = runCase(istioEgressRegistryOnly, {
      name: 'scopes',
      objects: [
        ...meshConfigMap(registryOnly, '    rootNamespace: istio-config'),
        sidecar('istio-config', 'default', 'REGISTRY_ONLY'),
        sidecar('istio-system', 'default', 'REGISTRY_ONLY'),
        sidecar('payments', 'batch', 'ALLOW_ANY', { app: 'batch' }),
      ],
      expect: [],
    });
    const scope = (ns: string): unknown => results.find((r) => r.resource.kind === 'Sidecar' && r.resource.namespace === ns)?.data.scope;
    expect(scope('istio-config')).toBe('mesh-wide default');
    expect(scope('istio-system')).toBe('namespace default for istio-system');
    expect(scope('payments')).toBe('workloads matching app=batch');
  });

  it('reports an unreadable namespaced Sidecar as an evidence gap next to the mesh result', () => {
    const results = runCase(istioEgressRegistryOnly, {
      name: 'namespaced gap',
      objects: [...meshConfigMap(registryOnly), sidecar('payments', 'weird', 'OPEN')],
      expect: [],
    });
    expect(results.map((r) => `${r.status}:${r.messageId}`)).toEqual(['pass:meshRegistryOnly', 'error:evidenceGap']);
  });

  it('says when ALLOW_ANY comes from the default and quotes the firewall caveat on passes', () => {
    const [absent] = runCase(istioEgressRegistryOnly, { name: 'absent', objects: meshConfigMap(''), expect: [] });
    expect(absent?.message).toContain('ALLOW_ANY (field not set; ALLOW_ANY is the default)');
    expect(absent?.evidence).toEqual(['ev-test-000']);
    const [pass] = runCase(istioEgressRegistryOnly, { name: 'pass', objects: meshConfigMap(registryOnly), expect: [] });
    expect(pass?.warning).toBe('REGISTRY_ONLY is not an egress firewall (Istio says so); pair it with egress NetworkPolicy or an egress gateway');
  });
});
