import { describe, expect, it } from 'vitest';
import { describeCheck, runCase } from '../tester.ts';
import { apiIntention, appPod, consulCrd, intentionList, upstream } from '../../../test/collectors/consul/consul-objects.ts';
import { consulIntentionsNoWildcardAllow } from './consul-intentions-no-wildcard-allow.ts';

const intentionsCrd = (name: string, destination: string, sources: unknown[], sync: 'synced' | 'failed' | 'none' = 'synced'): unknown =>
  consulCrd('ServiceIntentions', name, { destination: { name: destination }, sources }, { namespace: 'payments', sync });

const TELEMETRY = [apiIntention('*', 'consul-telemetry-collector'), apiIntention('web', 'api')];

describeCheck(consulIntentionsNoWildcardAllow, {
  pass: [
    {
      name: 'intention-client-to-server fixture: exact source and destination (CRD without status: warned)',
      objects: upstream('intention-client-to-server.yaml'),
      expect: [{ kind: 'ServiceIntentions', namespace: 'default', name: 'client-to-server', status: 'pass', messageId: 'specific', warning: true }],
    },
    {
      name: 'API list: specific allows and wildcard denies',
      objects: [intentionList([apiIntention('*', '*', { action: 'deny' }), apiIntention('web', 'api'), apiIntention('*', 'payments', { action: 'deny' })])],
      expect: [
        { kind: 'ConsulIntention', name: '* -> *', status: 'pass', messageId: 'denies', warning: false },
        { kind: 'ConsulIntention', name: 'web -> api', status: 'pass', messageId: 'specific', warning: false },
        { kind: 'ConsulIntention', name: '* -> payments', status: 'pass', messageId: 'denies', warning: false },
      ],
    },
    {
      name: 'crds-oss-serviceintentions fixture: L4 and L7 sources both name the service',
      objects: upstream('crds-oss-serviceintentions.yaml'),
      expect: [
        { kind: 'ServiceIntentions', name: 'intentions', status: 'pass', messageId: 'specific' },
        { kind: 'ServiceIntentions', name: 'intentions', status: 'pass', messageId: 'specific' },
      ],
    },
    {
      name: 'API list empty: nothing grants wildcard access',
      objects: [intentionList([])],
      expect: [{ kind: 'ConsulIntentionList', status: 'pass', messageId: 'noIntentions' }],
    },
    {
      name: 'the API list is the running state: a wildcard CRD absent from Consul is not judged',
      objects: [intentionsCrd('open', 'payments', [{ name: '*', action: 'allow' }], 'failed'), intentionList([apiIntention('checkout', 'payments')])],
      expect: [{ kind: 'ConsulIntention', name: 'checkout -> payments', status: 'pass', messageId: 'specific' }],
    },
  ],
  fail: [
    {
      name: '"*" → "*" allow is an explicit allow-all',
      objects: [intentionList([apiIntention('*', '*', { action: 'allow' })])],
      expect: [{ kind: 'ConsulIntention', name: '* -> *', status: 'fail', messageId: 'allowAll' }],
    },
    {
      name: 'synced CRD lets every service reach payments',
      objects: [intentionsCrd('payments', 'payments', [{ name: 'checkout', action: 'allow' }, { name: '*', action: 'allow' }])],
      expect: [
        { kind: 'ServiceIntentions', name: 'payments', status: 'pass', messageId: 'specific' },
        { kind: 'ServiceIntentions', name: 'payments', status: 'fail', messageId: 'wildcardAllow' },
      ],
    },
    {
      name: 'a source allowed to reach every service',
      objects: [intentionList([apiIntention('debug-shell', '*')])],
      expect: [{ kind: 'ConsulIntention', name: 'debug-shell -> *', status: 'fail', messageId: 'wildcardAllow' }],
    },
    {
      name: 'an L7 wildcard source with an allow permission',
      objects: [intentionList([apiIntention('*', 'orders', { permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/', Methods: ['GET'] } }] })])],
      expect: [{ kind: 'ConsulIntention', name: '* -> orders', status: 'fail', messageId: 'wildcardAllow' }],
    },
    {
      name: 'the consul-k8s telemetry collector intention still opens the collector to every service',
      objects: [intentionList(TELEMETRY)],
      expect: [
        { kind: 'ConsulIntention', name: '* -> consul-telemetry-collector', status: 'fail', messageId: 'wildcardAllow' },
        { kind: 'ConsulIntention', name: 'web -> api', status: 'pass', messageId: 'specific' },
      ],
    },
  ],
  error: [
    {
      name: 'Consul present (injected pod) but no intentions in evidence',
      objects: [appPod('shop', 'cart', 'x7k2p')],
      expect: [{ kind: 'ConsulIntentionList', status: 'error', messageId: 'intentionsMissing' }],
    },
    {
      name: 'unsynced ServiceIntentions are not in effect: what Consul enforces is unknown',
      objects: [intentionsCrd('payments', 'payments', [{ name: 'checkout', action: 'allow' }, { name: '*', action: 'allow' }], 'failed')],
      expect: [
        { kind: 'ServiceIntentions', name: 'payments', status: 'error', messageId: 'notSynced' },
        { kind: 'ServiceIntentions', name: 'payments', status: 'error', messageId: 'notSynced' },
      ],
    },
    {
      name: '/v1/connect/intentions denied (403): CRD passes become errors',
      objects: upstream('intention-client-to-server.yaml'),
      gaps: [{ id: 'gap-consul-intentions', reason: 'access-denied', kinds: ['ConsulIntentionList'], message: 'GET /v1/connect/intentions was denied (403)' }],
      expect: [
        { kind: 'ServiceIntentions', name: 'client-to-server', status: 'error', messageId: 'specific' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});

describe('consul-intentions-no-wildcard-allow severities', () => {
  it('an allow-all is critical; the telemetry-collector wildcard is low', () => {
    const all = runCase(consulIntentionsNoWildcardAllow, { name: 'all', objects: [intentionList([apiIntention('*', '*')])], expect: [] });
    expect(all.map((r) => r.severity)).toEqual(['critical']);
    const telemetry = runCase(consulIntentionsNoWildcardAllow, { name: 'telemetry', objects: [intentionList(TELEMETRY)], expect: [] });
    expect(telemetry.find((r) => r.status === 'fail')?.severity).toBe('low');
  });
});
