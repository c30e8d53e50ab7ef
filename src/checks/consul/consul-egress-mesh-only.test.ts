import { describeCheck } from '../tester.ts';
import { agentSelf, appPod, consulCrd, namespace, upstream } from '../../../test/collectors/consul/consul-objects.ts';
import { consulEgressMeshOnly } from './consul-egress-mesh-only.ts';

const MESH = { kind: 'Mesh', name: 'mesh' } as const;
const mesh = (spec: unknown, sync: 'synced' | 'failed' | 'none' = 'synced'): unknown => consulCrd('Mesh', 'mesh', spec, { namespace: 'consul', sync });

describeCheck(consulEgressMeshOnly, {
  pass: [
    {
      name: 'mesh-meshdestinationsonly fixture',
      objects: upstream('mesh-meshdestinationsonly.yaml'),
      expect: [{ ...MESH, namespace: 'default', status: 'pass', messageId: 'meshOnly' }],
    },
    {
      name: 'synced Mesh with meshDestinationsOnly true and TLS settings',
      objects: [mesh({ transparentProxy: { meshDestinationsOnly: true }, tls: { incoming: { tlsMinVersion: 'TLSv1_2' } } }), appPod('shop', 'cart', 'a1b2c')],
      expect: [{ ...MESH, namespace: 'consul', status: 'pass', messageId: 'meshOnly' }],
    },
  ],
  fail: [
    {
      name: 'meshDestinationsOnly false',
      objects: [mesh({ transparentProxy: { meshDestinationsOnly: false } })],
      expect: [{ ...MESH, status: 'fail', messageId: 'anyDestination' }],
    },
    {
      name: 'Mesh without transparentProxy: the default is false',
      objects: [mesh({ allowEnablingPermissiveMutualTLS: false })],
      expect: [{ ...MESH, status: 'fail', messageId: 'anyDestination' }],
    },
    {
      name: 'no Mesh resource at all while Consul is present: default false',
      objects: [agentSelf(), appPod('shop', 'cart', 'a1b2c')],
      expect: [{ ...MESH, status: 'fail', messageId: 'meshMissing' }],
    },
    {
      name: 'an unsynced Mesh with false still fails',
      objects: [mesh({ transparentProxy: { meshDestinationsOnly: false } }, 'failed')],
      expect: [{ ...MESH, status: 'fail', messageId: 'anyDestination' }],
    },
  ],
  error: [
    {
      name: 'meshes could not be listed (403): absence is not the default',
      objects: [appPod('shop', 'cart', 'a1b2c')],
      gaps: [{ id: 'gap-mesh', reason: 'access-denied', kinds: ['Mesh'], message: 'list meshes.consul.hashicorp.com is forbidden' }],
      expect: [
        { ...MESH, status: 'error', messageId: 'meshUnknown' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'an unsynced Mesh with true is not in effect',
      objects: [mesh({ transparentProxy: { meshDestinationsOnly: true } }, 'failed')],
      expect: [{ ...MESH, status: 'error', messageId: 'notSynced' }],
    },
  ],
  notApplicable: [
    {
      name: 'no Consul in the evidence',
      objects: [namespace('shop')],
      expect: [{ kind: 'Cluster', status: 'not_applicable' }],
    },
  ],
});
