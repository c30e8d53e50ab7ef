import { describe, expect, it } from 'vitest';
import { inventoryOf } from '../../checks/tester.ts';
import {
  agentSelf,
  apiObject,
  appDeployment,
  appPod,
  caRoots,
  CONSUL_DOCS_ROOT_ID,
  CONSUL_DOCS_ROOT_PEM,
  consulCrd,
  intentionList,
  apiIntention,
  namespace,
  upstream,
} from '../../../test/collectors/consul/consul-objects.ts';

describe('buildConsulInventory', () => {
  it('is absent for a cluster without any Consul sign', () => {
    const inv = inventoryOf([namespace('shop'), appDeployment('shop', 'cart'), appPod('shop', 'cart', 'a1b2c', { injected: false })]);
    expect(inv.consul.present).toBe(false);
    expect(inv.consul.presenceEvidence).toEqual([]);
  });

  it.each([
    ['a ServiceIntentions CRD', upstream('intention-client-to-server.yaml')],
    ['an API response', [agentSelf()]],
    ['a pod running consul-dataplane', [appPod('shop', 'cart', 'a1b2c')]],
    ['a pod template annotated connect-inject', [appDeployment('shop', 'cart', { 'consul.hashicorp.com/connect-inject': 'false' })]],
    ['a namespace annotated connect-inject', [namespace('shop', {}, { 'consul.hashicorp.com/connect-inject': 'true' })]],
    ['a consul-k8s CRD no check judges', [consulCrd('ExportedServices', 'default', { services: [] })]],
  ])('is present with %s', (_name, objects) => {
    const inv = inventoryOf(objects);
    expect(inv.consul.present).toBe(true);
    expect(inv.consul.presenceEvidence.length).toBeGreaterThan(0);
  });

  it('claims the judged kinds and leaves the rest listed as not judged', () => {
    const inv = inventoryOf([
      ...upstream('crds-oss-serviceintentions.yaml'),
      ...upstream('mesh-meshdestinationsonly.yaml'),
      ...upstream('proxydefaults-global.yaml'),
      consulCrd('ProxyDefaults', 'not-global', { mutualTLSMode: 'permissive' }),
      consulCrd('ExportedServices', 'default', { services: [] }),
      agentSelf(),
      intentionList([]),
      caRoots([{ id: CONSUL_DOCS_ROOT_ID, pem: CONSUL_DOCS_ROOT_PEM }]),
      apiObject('ConsulSomethingElse', '/v1/other', {}),
    ]);
    expect(inv.consul.serviceDefaults.map((s) => s.name)).toEqual(['svc1', 'svc2', 'svc3']);
    expect(inv.consul.serviceIntentions.map((s) => s.name)).toEqual(['intentions']);
    expect(inv.consul.crdIntentions.map((i) => `${i.source.name}:${i.action ?? 'L7'}:${i.precedence}`)).toEqual(['svc2:allow:9', 'svc3:L7:9']);
    expect(inv.consul.meshes).toHaveLength(1);
    expect(inv.consul.proxyDefaults.map((p) => p.name)).toEqual(['global']);
    expect(inv.consul.agent?.datacenter).toBe('dc1');
    expect(inv.consul.apiIntentions?.intentions).toEqual([]);
    expect(inv.consul.caRoots?.roots.map((r) => r.active)).toEqual([true]);
    expect(inv.ignored.map((i) => `${i.kind}/${i.name}`).sort()).toEqual(['ConsulSomethingElse//v1/other', 'ExportedServices/default', 'ProxyDefaults/not-global']);
    expect(inv.gaps).toEqual([]);
  });

  it('records sync state from status.conditions[type=Synced]', () => {
    const inv = inventoryOf([
      consulCrd('ServiceDefaults', 'synced', {}, { sync: 'synced' }),
      consulCrd('ServiceDefaults', 'failed', {}, { sync: 'failed' }),
      consulCrd('ServiceDefaults', 'manifest', {}, { sync: 'none' }),
      { ...(consulCrd('ServiceDefaults', 'no-condition', {}, { sync: 'none' }) as object), status: { conditions: [] } },
    ]);
    const states = Object.fromEntries(inv.consul.serviceDefaults.map((s) => [s.name, s.sync.state]));
    expect(states).toEqual({ synced: 'synced', failed: 'unsynced', manifest: 'unknown', 'no-condition': 'unsynced' });
  });

  it('turns a schema mismatch into an evidence gap on the kind, never a silent default', () => {
    const inv = inventoryOf([
      consulCrd('ServiceDefaults', 'web', { mutualTLSMode: 'Permissive' }),
      intentionList([{ SourceName: 'web' }]),
      apiObject('ConsulAgentSelf', '/v1/agent/self', { DebugConfig: { ACLsEnabled: 'yes' } }),
    ]);
    expect(inv.consul.serviceDefaults).toEqual([]);
    expect(inv.consul.apiIntentions).toBeUndefined();
    expect(inv.consul.agent).toBeUndefined();
    expect(inv.gaps.map((g) => [g.reason, g.kinds])).toEqual([
      ['schema-invalid', ['ServiceDefaults']],
      ['schema-invalid', ['ConsulIntentionList']],
      ['schema-invalid', ['ConsulAgentSelf']],
    ]);
  });

  it('reads ACL settings from whichever /v1/agent/self path the agent version uses', () => {
    const legacy = inventoryOf([
      apiObject('ConsulAgentSelf', '/v1/agent/self', { Config: { Datacenter: 'east', ACLDefaultPolicy: 'deny' }, DebugConfig: { ACLsEnabled: true } }),
    ]).consul.agent;
    expect(legacy).toMatchObject({ datacenter: 'east', aclsEnabled: true, aclDefaultPolicy: 'deny', aclDefaultPolicyField: 'Config.ACLDefaultPolicy' });
    const resolver = inventoryOf([agentSelf({ aclsEnabled: false, aclDefaultPolicy: 'allow' })]).consul.agent;
    expect(resolver).toMatchObject({ aclsEnabled: false, aclsEnabledField: 'DebugConfig.ACLsEnabled', aclDefaultPolicyField: 'DebugConfig.ACLResolverSettings.ACLDefaultPolicy', defaultIntentionPolicy: undefined });
  });

  it('normalizes API intentions with L7 permissions and keeps Consul precedence', () => {
    const inv = inventoryOf([
      intentionList([
        apiIntention('*', 'consul-telemetry-collector'),
        apiIntention('frontend', 'api', { permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/v2/', Methods: ['GET'] } }] }),
      ]),
    ]);
    const [collector, api] = inv.consul.apiIntentions?.intentions ?? [];
    expect(collector).toMatchObject({ origin: 'api', precedence: 8, action: 'allow', ref: { kind: 'ConsulIntention', name: '* -> consul-telemetry-collector' } });
    expect(api).toMatchObject({ action: undefined, permissions: [{ action: 'allow', http: { pathPrefix: '/v2/', methods: ['GET'] } }] });
  });
});
