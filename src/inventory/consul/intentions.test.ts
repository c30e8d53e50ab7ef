import { describe, expect, it } from 'vitest';
import { inventoryOf } from '../../checks/tester.ts';
import { agentSelf, apiIntention, consulCrd, intentionList, upstream } from '../../../test/collectors/consul/consul-objects.ts';
import {
  decisionAction,
  effectiveDecision,
  intentionPrecedence,
  resolveDefaultPolicy,
  runningIntentions,
  unlistedDecisions,
} from './intentions.ts';
import type { ConsulDefaultPolicy, ConsulIntention } from './types.ts';

const DENY: ConsulDefaultPolicy = { policy: 'deny', basis: 'acl-default-policy', reason: 'test', evidence: [] };
const ALLOW: ConsulDefaultPolicy = { policy: 'allow', basis: 'acls-disabled', reason: 'test', evidence: [] };
const UNKNOWN: ConsulDefaultPolicy = { policy: 'unknown', basis: 'unknown', reason: 'test', evidence: [] };

function apiIntentions(...intentions: Record<string, unknown>[]): ConsulIntention[] {
  return inventoryOf([intentionList(intentions)]).consul.apiIntentions?.intentions ?? [];
}

describe('intentionPrecedence (intentions/index.mdx table)', () => {
  it.each([
    [['default', 'web'], ['default', 'db'], 9],
    [['default', '*'], ['default', 'db'], 8],
    [['*', '*'], ['default', 'db'], 7],
    [['default', 'web'], ['default', '*'], 6],
    [['default', '*'], ['default', '*'], 5],
    [['*', '*'], ['default', '*'], 4],
    [['default', 'web'], ['*', '*'], 3],
    [['default', '*'], ['*', '*'], 2],
    [['*', '*'], ['*', '*'], 1],
    // OSS: an empty namespace is the (exact) default namespace.
    [['', 'web'], ['', 'db'], 9],
  ] as const)('%j → %j = %i', (src, dst, expected) => {
    expect(intentionPrecedence({ namespace: src[0], name: src[1] }, { namespace: dst[0], name: dst[1] })).toBe(expected);
  });
});

describe('resolveDefaultPolicy (agent_endpoint.go order)', () => {
  const agentOf = (o: Parameters<typeof agentSelf>[0]) => inventoryOf([agentSelf(o)]).consul.agent;

  it('default_intention_policy wins over the ACL default', () => {
    expect(resolveDefaultPolicy(agentOf({ defaultIntentionPolicy: 'allow', aclsEnabled: true, aclDefaultPolicy: 'deny' }))).toMatchObject({ policy: 'allow', basis: 'default-intention-policy' });
    expect(resolveDefaultPolicy(agentOf({ defaultIntentionPolicy: 'deny', aclsEnabled: false }))).toMatchObject({ policy: 'deny', basis: 'default-intention-policy' });
  });
  it('ACLs disabled means allow', () => {
    expect(resolveDefaultPolicy(agentOf({ aclsEnabled: false }))).toMatchObject({ policy: 'allow', basis: 'acls-disabled' });
  });
  it('ACL default policy from ACLResolverSettings (newer agents) or the flat field (older)', () => {
    expect(resolveDefaultPolicy(agentOf({ aclDefaultPolicy: 'deny' }))).toMatchObject({ policy: 'deny', basis: 'acl-default-policy' });
    expect(resolveDefaultPolicy(agentOf({ aclDefaultPolicy: 'allow', layout: 'flat' }))).toMatchObject({ policy: 'allow', basis: 'acl-default-policy' });
    expect(resolveDefaultPolicy(agentOf({ aclDefaultPolicy: 'deny', layout: 'flat' })).reason).toContain('DebugConfig.ACLDefaultPolicy');
  });
  it('unknown without /v1/agent/self or when the ACL state is not shown', () => {
    expect(resolveDefaultPolicy(undefined).policy).toBe('unknown');
    expect(resolveDefaultPolicy(agentOf({ layout: 'none' })).policy).toBe('unknown');
    expect(resolveDefaultPolicy(agentOf({ defaultIntentionPolicy: 'maybe' })).policy).toBe('unknown');
  });
  it('never reads DefaultIntentionPolicy from a Mesh entry', () => {
    const inv = inventoryOf([consulCrd('Mesh', 'mesh', { DefaultIntentionPolicy: 'deny' }), agentSelf({ aclsEnabled: false })]);
    expect(resolveDefaultPolicy(inv.consul.agent).policy).toBe('allow');
  });
});

describe('effectiveDecision', () => {
  const web = { name: 'web' };
  const db = { name: 'db' };

  it('a specific allow beats a wildcard deny (most specific wins)', () => {
    const ixns = apiIntentions(apiIntention('*', '*', { action: 'deny' }), apiIntention('web', 'db', { action: 'allow' }));
    const d = effectiveDecision(ixns, DENY, web, db);
    expect(d).toMatchObject({ by: 'intention', action: 'allow' });
    expect(decisionAction(effectiveDecision(ixns, DENY, { name: 'api' }, db))).toBe('deny');
  });
  it('a specific deny beats a wildcard allow', () => {
    const ixns = apiIntentions(apiIntention('*', 'db', { action: 'allow' }), apiIntention('web', 'db', { action: 'deny' }));
    expect(decisionAction(effectiveDecision(ixns, ALLOW, web, db))).toBe('deny');
    expect(decisionAction(effectiveDecision(ixns, DENY, { name: 'api' }, db))).toBe('allow');
  });
  it('deny beats allow at equal precedence', () => {
    const ixns = apiIntentions(apiIntention('web', 'db', { action: 'allow', precedence: 9 }), apiIntention('web', 'db', { action: 'deny', precedence: 9 }));
    expect(decisionAction(effectiveDecision(ixns, ALLOW, web, db))).toBe('deny');
  });
  it('no match falls to the default, including an unknown one', () => {
    expect(effectiveDecision([], ALLOW, web, db)).toMatchObject({ by: 'default' });
    expect(decisionAction(effectiveDecision([], UNKNOWN, web, db))).toBe('unknown');
  });
  it('a local intention does not match a source imported from a peer', () => {
    const ixns = apiIntentions(apiIntention('*', '*', { action: 'deny' }));
    expect(effectiveDecision(ixns, ALLOW, { name: 'web', peer: 'dc2-peer' }, db)).toMatchObject({ by: 'default' });
    const peered = apiIntentions(apiIntention('web', 'db', { action: 'allow', sourcePeer: 'dc2-peer' }));
    expect(decisionAction(effectiveDecision(peered, DENY, { name: 'web', peer: 'dc2-peer' }, db))).toBe('allow');
    expect(decisionAction(effectiveDecision(peered, DENY, web, db))).toBe('deny');
  });
  it('namespaces: a wildcard namespace matches any, an exact one only itself', () => {
    const ixns = apiIntentions(apiIntention('*', 'db', { action: 'allow', sourceNs: '*' }));
    expect(decisionAction(effectiveDecision(ixns, DENY, { name: 'web', namespace: 'team-a' }, db))).toBe('allow');
    expect(decisionAction(effectiveDecision(ixns, DENY, web, { name: 'db', namespace: 'team-b' }))).toBe('deny');
  });

  describe('L7 (crds-oss-serviceintentions fixture: svc3 → svc1 allow GET/PUT /foo)', () => {
    const ixns = inventoryOf(upstream('crds-oss-serviceintentions.yaml')).consul.crdIntentions;
    const svc3 = { name: 'svc3' };
    const svc1 = { name: 'svc1' };

    it('without a request the decision depends on the request; unmatched requests use the default', () => {
      const d = effectiveDecision(ixns, ALLOW, svc3, svc1);
      expect(d.by).toBe('l7');
      expect(decisionAction(d)).toBe('depends');
    });
    it('a matching permission decides', () => {
      expect(effectiveDecision(ixns, DENY, svc3, svc1, { method: 'GET', path: '/foo' })).toMatchObject({ by: 'permission', index: 0, action: 'allow' });
    });
    it('a request matching no permission falls to the default, not to a lower intention: allowed under allow', () => {
      expect(decisionAction(effectiveDecision(ixns, ALLOW, svc3, svc1, { method: 'POST', path: '/bar' }))).toBe('allow');
      expect(decisionAction(effectiveDecision(ixns, DENY, svc3, svc1, { method: 'POST', path: '/bar' }))).toBe('deny');
      expect(decisionAction(effectiveDecision(ixns, DENY, svc3, svc1, { method: 'GET', path: '/foo/bar' }))).toBe('deny');
    });
    it('svc2 → svc1 is L4 allow', () => {
      expect(decisionAction(effectiveDecision(ixns, DENY, { name: 'svc2' }, svc1))).toBe('allow');
    });
    it('header and regex permissions', () => {
      const withHeader = apiIntentions(
        apiIntention('web', 'db', {
          permissions: [
            { Action: 'deny', HTTP: { PathRegex: '/admin/.*' } },
            { Action: 'allow', HTTP: { PathPrefix: '/api/', Header: [{ Name: 'X-Tenant', Exact: 'acme' }] } },
            // RE2 inline flags: valid for Envoy, not for a JavaScript RegExp.
            { Action: 'allow', HTTP: { PathRegex: '(?i)/API/.*' } },
          ],
        }),
      );
      expect(decisionAction(effectiveDecision(withHeader, ALLOW, web, db, { method: 'GET', path: '/admin/users' }))).toBe('deny');
      expect(decisionAction(effectiveDecision(withHeader, DENY, web, db, { method: 'GET', path: '/api/x', headers: { 'x-tenant': 'acme' } }))).toBe('allow');
      const undecidable = effectiveDecision(withHeader, DENY, web, db, { method: 'GET', path: '/api/x', headers: { 'x-tenant': 'other' } });
      expect(undecidable.by).toBe('undecidable');
      expect(decisionAction(undecidable)).toBe('unknown');
    });
  });
});

describe('runningIntentions', () => {
  it('the API list is the running state: CRDs are ignored when both exist', () => {
    const inv = inventoryOf([...upstream('intention-client-to-server.yaml'), intentionList([apiIntention('web', 'db')])]);
    const r = runningIntentions(inv.consul);
    expect(r.origin).toBe('api');
    expect(r.inEffect.map((i) => i.source.name)).toEqual(['web']);
  });
  it('CRDs only: unsynced objects are not in effect; objects without status are judged as declared', () => {
    const inv = inventoryOf([
      consulCrd('ServiceIntentions', 'deny-all', { destination: { name: '*' }, sources: [{ name: '*', action: 'deny' }] }, { sync: 'failed' }),
      ...upstream('intention-client-to-server.yaml'),
    ]);
    const r = runningIntentions(inv.consul);
    expect(r.origin).toBe('crd');
    expect(r.inEffect.map((i) => `${i.source.name}->${i.destination.name}:${i.sync.state}`)).toEqual(['static-client->static-server:unknown']);
    expect(r.notInEffect.map((i) => i.sync.reason)).toEqual([expect.stringContaining('Synced=False (ConsulAgentError')]);
  });
  it('unlisted pairs are judged in every namespace the intentions mention', () => {
    const ixns = apiIntentions(apiIntention('*', '*', { action: 'deny' }), apiIntention('web', 'db', { sourceNs: 'team-a', destinationNs: 'team-a' }));
    // The default-namespace catch-all does not cover team-a.
    const decisions = unlistedDecisions(ixns, ALLOW);
    expect(decisions).toHaveLength(4);
    expect(decisions.filter((d) => d.by === 'intention')).toHaveLength(1);
  });
});
