import { describeCheck } from '../tester.ts';
import { agentSelf, apiIntention, consulCrd, intentionList, namespace, upstream } from '../../../test/collectors/consul/consul-objects.ts';
import { consulIntentionsDefaultDeny } from './consul-intentions-default-deny.ts';

const DC1 = { kind: 'ConsulAgent', name: 'dc1' } as const;
const denyAllCrd = (sync: 'synced' | 'failed' | 'none' = 'synced'): unknown =>
  consulCrd('ServiceIntentions', 'deny-all', { destination: { name: '*' }, sources: [{ name: '*', action: 'deny' }] }, { namespace: 'consul', sync });

describeCheck(consulIntentionsDefaultDeny, {
  pass: [
    {
      name: 'ACLs enabled with default_policy deny (DebugConfig.ACLResolverSettings)',
      objects: [agentSelf({ aclsEnabled: true, aclDefaultPolicy: 'deny' }), intentionList([apiIntention('web', 'db')])],
      expect: [{ ...DC1, status: 'pass', messageId: 'defaultDeny', warning: false }],
    },
    {
      name: 'older agent: DebugConfig.ACLDefaultPolicy deny',
      objects: [agentSelf({ datacenter: 'east-1', aclDefaultPolicy: 'deny', layout: 'flat' })],
      expect: [{ kind: 'ConsulAgent', name: 'east-1', status: 'pass', messageId: 'defaultDeny' }],
    },
    {
      name: 'default_intention_policy deny decides even with ACLs disabled (with a warning that intentions are unprotected)',
      objects: [agentSelf({ defaultIntentionPolicy: 'deny', aclsEnabled: false })],
      expect: [{ ...DC1, status: 'pass', messageId: 'defaultDeny', warning: true }],
    },
    {
      name: 'crds-oss-serviceintentions fixture under a deny default: L7 permissions are a real allow-list',
      objects: [...upstream('crds-oss-serviceintentions.yaml'), agentSelf({ aclDefaultPolicy: 'deny' })],
      expect: [{ ...DC1, status: 'pass', messageId: 'defaultDeny' }],
    },
    {
      name: 'ACL default allow but a synced "*" → "*" deny CRD (no L7 intentions): pass with the peer caveat',
      objects: [agentSelf({ aclDefaultPolicy: 'allow' }), denyAllCrd('synced'), ...upstream('intention-client-to-server.yaml')],
      expect: [{ ...DC1, status: 'pass', messageId: 'catchAllDeny', warning: true }],
    },
    {
      name: 'ACL default allow and a catch-all deny in the API list (the running state)',
      objects: [agentSelf({ aclDefaultPolicy: 'allow' }), intentionList([apiIntention('*', '*', { action: 'deny' }), apiIntention('web', 'db')])],
      expect: [{ ...DC1, status: 'pass', messageId: 'catchAllDeny' }],
    },
  ],
  fail: [
    {
      name: 'ACLs disabled: every connection is allowed by default',
      objects: [agentSelf({ aclsEnabled: false }), ...upstream('intention-client-to-server.yaml')],
      expect: [{ ...DC1, status: 'fail', messageId: 'aclsDisabled' }],
    },
    {
      name: 'ACLs disabled: a catch-all deny intention does not help, anyone can delete it',
      objects: [agentSelf({ aclsEnabled: false }), denyAllCrd('synced')],
      expect: [{ ...DC1, status: 'fail', messageId: 'aclsDisabled' }],
    },
    {
      name: 'ACLs enabled with default_policy allow and no catch-all deny',
      objects: [agentSelf({ aclDefaultPolicy: 'allow' }), intentionList([apiIntention('web', 'db')])],
      expect: [{ ...DC1, status: 'fail', messageId: 'defaultAllow' }],
    },
    {
      name: 'default_intention_policy allow overrides an ACL deny default',
      objects: [agentSelf({ defaultIntentionPolicy: 'allow', aclDefaultPolicy: 'deny' })],
      expect: [{ ...DC1, status: 'fail', messageId: 'defaultAllow' }],
    },
    {
      name: 'a Mesh entry claiming DefaultIntentionPolicy deny is not where Consul reads it',
      objects: [agentSelf({ aclsEnabled: false }), consulCrd('Mesh', 'mesh', { DefaultIntentionPolicy: 'deny' }, { namespace: 'consul' })],
      expect: [{ ...DC1, status: 'fail', messageId: 'aclsDisabled' }],
    },
    {
      name: 'crds-oss-serviceintentions fixture under an allow default: L7 permissions restrict nothing, even with a catch-all deny',
      objects: [...upstream('crds-oss-serviceintentions.yaml'), denyAllCrd('synced'), agentSelf({ aclDefaultPolicy: 'allow' })],
      expect: [{ ...DC1, status: 'fail', messageId: 'l7UnderAllowDefault' }],
    },
    {
      name: 'a "*" → "*" allow intention overrides a deny default',
      objects: [agentSelf({ aclDefaultPolicy: 'deny' }), intentionList([apiIntention('*', '*', { action: 'allow' })])],
      expect: [{ ...DC1, status: 'fail', messageId: 'catchAllAllow' }],
    },
    {
      name: 'an unsynced catch-all deny CRD is not in effect',
      objects: [agentSelf({ aclDefaultPolicy: 'allow' }), denyAllCrd('failed')],
      expect: [{ ...DC1, status: 'fail', messageId: 'defaultAllow', warning: true }],
    },
    {
      name: 'the API list is the running state: a deny-all CRD missing from it does not count',
      objects: [agentSelf({ aclDefaultPolicy: 'allow' }), denyAllCrd('synced'), intentionList([apiIntention('web', 'db')])],
      expect: [{ ...DC1, status: 'fail', messageId: 'defaultAllow' }],
    },
    {
      name: 'a default-namespace catch-all deny does not cover intentions in another namespace',
      objects: [
        agentSelf({ aclDefaultPolicy: 'allow' }),
        intentionList([apiIntention('*', '*', { action: 'deny' }), apiIntention('web', 'db', { sourceNs: 'team-a', destinationNs: 'team-a' })]),
      ],
      expect: [{ ...DC1, status: 'fail', messageId: 'defaultAllow' }],
    },
  ],
  error: [
    {
      name: 'Consul present but /v1/agent/self not in evidence: the default is unknown',
      objects: [...upstream('intention-client-to-server.yaml'), denyAllCrd('synced')],
      expect: [{ kind: 'ConsulAgent', name: 'agent', status: 'error', messageId: 'defaultUnknown' }],
    },
    {
      name: '/v1/agent/self without any ACL field',
      objects: [agentSelf({ layout: 'none' })],
      expect: [{ ...DC1, status: 'error', messageId: 'defaultUnknown' }],
    },
    {
      name: '/v1/agent/self denied (403): an evidence gap, never a pass',
      objects: [namespace('web', {}, { 'consul.hashicorp.com/connect-inject': 'true' })],
      gaps: [{ id: 'gap-consul-agent-self', reason: 'access-denied', kinds: ['ConsulAgentSelf'], message: 'GET /v1/agent/self was denied (403): the token lacks agent:read' }],
      expect: [
        { kind: 'ConsulAgent', name: 'agent', status: 'error', messageId: 'defaultUnknown' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'default deny, but the intentions list was filtered by ACLs: the pass becomes an error',
      objects: [agentSelf({ aclDefaultPolicy: 'deny' }), intentionList([apiIntention('web', 'db')])],
      gaps: [{ id: 'gap-consul-intentions', reason: 'access-denied', kinds: ['ConsulIntentionList'], message: 'GET /v1/connect/intentions results were filtered by ACLs' }],
      expect: [
        { ...DC1, status: 'error', messageId: 'defaultDeny' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'no Consul in the evidence',
      objects: [namespace('shop')],
      expect: [{ kind: 'Cluster', status: 'not_applicable', messageId: 'meshNotPresent' }],
    },
  ],
});
