import { describeCheck } from '../tester.ts';
import { consulCrd, upstream } from '../../../test/collectors/consul/consul-objects.ts';
import { consulMtlsStrict } from './consul-mtls-strict.ts';

const PD = { kind: 'ProxyDefaults', name: 'global' } as const;
const sd = (name: string, spec: unknown, sync: 'synced' | 'failed' | 'none' = 'synced'): unknown => consulCrd('ServiceDefaults', name, spec, { namespace: 'payments', sync });
const pd = (spec: unknown, sync: 'synced' | 'failed' | 'none' = 'synced'): unknown => consulCrd('ProxyDefaults', 'global', spec, { namespace: 'consul', sync });
const mesh = (spec: unknown): unknown => consulCrd('Mesh', 'mesh', spec, { namespace: 'consul' });

describeCheck(consulMtlsStrict, {
  pass: [
    {
      name: 'proxydefaults-global fixture: no mutualTLSMode (strict), expose path /health warned',
      objects: upstream('proxydefaults-global.yaml'),
      expect: [{ ...PD, namespace: 'default', status: 'pass', messageId: 'proxyDefaultsStrict', warning: true }],
    },
    {
      name: 'servicedefaults-strict fixture with no ProxyDefaults (default strict)',
      objects: upstream('servicedefaults-strict.yaml'),
      expect: [
        { ...PD, status: 'pass', messageId: 'proxyDefaultsAbsent', warning: false },
        { kind: 'ServiceDefaults', namespace: 'default', name: 'static-server', status: 'pass', messageId: 'serviceStrict' },
      ],
    },
    {
      name: 'crds-oss ServiceDefaults without a mode inherit strict ProxyDefaults',
      objects: [...upstream('crds-oss-serviceintentions.yaml'), pd({ mutualTLSMode: 'strict' })],
      expect: [
        { ...PD, namespace: 'consul', status: 'pass', messageId: 'proxyDefaultsStrict', warning: false },
        { kind: 'ServiceDefaults', name: 'svc1', status: 'pass', messageId: 'serviceStrict' },
        { kind: 'ServiceDefaults', name: 'svc2', status: 'pass', messageId: 'serviceStrict' },
        { kind: 'ServiceDefaults', name: 'svc3', status: 'pass', messageId: 'serviceStrict' },
      ],
    },
    {
      name: 'strict everywhere, but Mesh allowEnablingPermissiveMutualTLS is on: warned',
      objects: [pd({}), sd('payments', { protocol: 'http', mutualTLSMode: 'strict' }), mesh({ allowEnablingPermissiveMutualTLS: true })],
      expect: [
        { ...PD, status: 'pass', messageId: 'proxyDefaultsStrict', warning: true },
        { kind: 'ServiceDefaults', name: 'payments', status: 'pass', messageId: 'serviceStrict', warning: true },
      ],
    },
  ],
  fail: [
    {
      name: 'ServiceDefaults permissive: plaintext accepted and intentions skipped for it',
      objects: [pd({}), sd('legacy-billing', { protocol: 'http', mutualTLSMode: 'permissive' }), mesh({ allowEnablingPermissiveMutualTLS: true })],
      expect: [
        { ...PD, status: 'pass', messageId: 'proxyDefaultsStrict' },
        { kind: 'ServiceDefaults', name: 'legacy-billing', status: 'fail', messageId: 'servicePermissive' },
      ],
    },
    {
      name: 'ProxyDefaults permissive: services without their own mode inherit it; a strict override passes',
      objects: [pd({ mutualTLSMode: 'permissive' }), sd('orders', { protocol: 'grpc' }), sd('payments', { mutualTLSMode: 'strict' })],
      expect: [
        { ...PD, status: 'fail', messageId: 'proxyDefaultsPermissive' },
        { kind: 'ServiceDefaults', name: 'orders', status: 'fail', messageId: 'servicePermissive' },
        { kind: 'ServiceDefaults', name: 'payments', status: 'pass', messageId: 'serviceStrict' },
      ],
    },
    {
      name: 'an unsynced permissive ServiceDefaults still fails (it can never pass)',
      objects: [sd('legacy-billing', { mutualTLSMode: 'permissive' }, 'failed')],
      expect: [
        { ...PD, status: 'pass', messageId: 'proxyDefaultsAbsent' },
        { kind: 'ServiceDefaults', name: 'legacy-billing', status: 'fail', messageId: 'servicePermissive', warning: true },
      ],
    },
  ],
  error: [
    {
      name: 'unsynced strict ProxyDefaults and ServiceDefaults are not in effect',
      objects: [pd({ mutualTLSMode: 'strict' }, 'failed'), sd('payments', { mutualTLSMode: 'strict' }, 'failed')],
      expect: [
        { ...PD, status: 'error', messageId: 'notSynced' },
        { kind: 'ServiceDefaults', name: 'payments', status: 'error', messageId: 'notSynced' },
      ],
    },
    {
      name: 'a ServiceDefaults inheriting from an unsynced ProxyDefaults',
      objects: [pd({ mutualTLSMode: 'strict' }, 'failed'), sd('orders', {})],
      expect: [
        { ...PD, status: 'error', messageId: 'notSynced' },
        { kind: 'ServiceDefaults', name: 'orders', status: 'error', messageId: 'notSynced' },
      ],
    },
    {
      name: 'ProxyDefaults could not be listed (403): its absence is not proof of strict',
      objects: upstream('servicedefaults-strict.yaml'),
      gaps: [{ id: 'gap-pd', reason: 'access-denied', kinds: ['ProxyDefaults'], message: 'list proxydefaults.consul.hashicorp.com is forbidden' }],
      expect: [
        { ...PD, status: 'error', messageId: 'proxyDefaultsAbsent' },
        { kind: 'ServiceDefaults', name: 'static-server', status: 'error', messageId: 'serviceStrict' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});
