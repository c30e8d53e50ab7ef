import {
  describeIntention,
  isL7,
  resolveDefaultPolicy,
  runningIntentions,
  unlistedDecisions,
} from '../../inventory/consul/intentions.ts';
import type { ConsulIntention } from '../../inventory/consul/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const ACLS_OFF_WARNING =
  'ACLs are disabled: anyone who can reach the Consul HTTP API can create, change or delete intentions, so they are not a protected control';
const PEER_WARNING =
  'The catch-all intention covers local services only; services imported from cluster peers or sameness groups fall to the agent default, which is allow';

function list(intentions: readonly ConsulIntention[]): string {
  return [...new Set(intentions.map((i) => `${describeIntention(i)} (${i.ref.kind}${i.ref.namespace ? ` ${i.ref.namespace}/` : ' '}${i.ref.name})`))].join(', ');
}

export const consulIntentionsDefaultDeny: Check = {
  meta: {
    id: 'consul-intentions-default-deny',
    title: 'Consul denies every service-to-service connection that no intention explicitly allows',
    severity: 'high',
    area: 'consul',
    rationale:
      'Intentions are an allow-list only when the default is deny. The default comes from the agent setting default_intention_policy, ' +
      'else from the ACL default policy, and with ACLs disabled Consul allows everything. Under an allow default, requests that match none ' +
      'of an L7 intention\'s permissions fall through to the default and are allowed, so L7 allow-lists restrict nothing.',
    remediation:
      'Enable ACLs with acl.default_policy = "deny" (Helm global.acls.manageSystemACLs: true), or set the agent option ' +
      'default_intention_policy = "deny"; alternatively write a synced ServiceIntentions with destination "*" and source "*" action deny. ' +
      'Then add specific allow intentions for the connections each service needs.',
    requires: ['ConsulAgentSelf', 'ConsulIntentionList', 'ServiceIntentions'],
    proves:
      'Connections between services that no specific intention names are denied, judged from the agent configuration (/v1/agent/self) and the intentions in effect, and no L7 intention relies on an allow default.',
    messages: {
      defaultDeny: 'Consul datacenter {{datacenter}} denies connections no intention allows: {{reason}}.',
      catchAllDeny:
        'Consul datacenter {{datacenter}} denies connections no specific intention allows through the catch-all intention {{intentions}}, although {{reason}}.',
      catchAllAllow:
        'Consul datacenter {{datacenter}} allows connections between services without their own intention through {{intentions}}, whatever the default ({{reason}}).',
      defaultAllow:
        'Consul datacenter {{datacenter}} allows every connection no intention denies: {{reason}}, and no catch-all "*" → "*" deny intention in effect covers them.',
      aclsDisabled: 'Consul datacenter {{datacenter}} has no protected default deny: {{reason}}. {{catchAll}}',
      l7UnderAllowDefault:
        'Consul datacenter {{datacenter}} defaults to allow ({{reason}}), so the L7 intentions {{intentions}} restrict nothing: requests matching none of their permissions fall through to the default and are allowed.',
      defaultUnknown: 'The default intention decision of Consul datacenter {{datacenter}} cannot be judged: {{reason}}.',
    },
  },
  evaluate({ target }) {
    const consul = target.consul;
    const agent = consul.agent;
    const datacenter = agent?.datacenter ?? 'unknown';
    const resource = { kind: 'ConsulAgent', name: agent?.datacenter ?? 'agent' };
    const def = resolveDefaultPolicy(agent);
    const running = runningIntentions(consul);
    const ids = (xs: readonly ConsulIntention[]): string[] => xs.map((i) => i.evidenceId);
    // Unsynced CRDs were left out; say so on the result so nobody wonders where their deny-all went.
    const skipped = running.notInEffect.length > 0 ? `Not counted, because not synced to Consul: ${list(running.notInEffect)}` : undefined;
    const withSkipped = (f: CheckFinding): CheckFinding => (skipped && !f.warning ? { ...f, warning: skipped } : f);

    if (def.policy === 'unknown') {
      return [
        {
          status: 'error',
          resource,
          messageId: 'defaultUnknown',
          data: { datacenter, reason: def.reason },
          evidence: def.evidence.length > 0 ? def.evidence : consul.presenceEvidence,
        },
      ];
    }

    const data = { datacenter, reason: def.reason, basis: def.basis, intentionSource: running.origin };
    const decisions = unlistedDecisions(running.inEffect, def);
    const byIntention = (action: 'allow' | 'deny'): ConsulIntention[] =>
      decisions.flatMap((d) => (d.by === 'intention' && d.action === action ? [d.intention] : []));

    // A "*" → "*" allow is more specific than no intention at all, so it overrides a deny default.
    const allowAll = byIntention('allow');
    if (allowAll.length > 0) {
      return [withSkipped({ status: 'fail', resource, messageId: 'catchAllAllow', data: { ...data, intentions: list(allowAll) }, evidence: [...def.evidence, ...ids(allowAll)] })];
    }

    if (def.policy === 'deny') {
      const finding: CheckFinding = { status: 'pass', resource, messageId: 'defaultDeny', data, evidence: def.evidence };
      return [agent?.aclsEnabled === false ? { ...finding, warning: ACLS_OFF_WARNING } : withSkipped(finding)];
    }

    const l7 = running.inEffect.filter(isL7);
    if (l7.length > 0) {
      return [withSkipped({ status: 'fail', resource, messageId: 'l7UnderAllowDefault', data: { ...data, intentions: list(l7) }, evidence: [...def.evidence, ...ids(l7)] })];
    }

    const denyAll = byIntention('deny');
    const coveredByCatchAll = decisions.length > 0 && denyAll.length === decisions.length;
    if (def.basis === 'acls-disabled') {
      // Without ACLs the catch-all deny itself can be deleted by anyone, so it does not establish a default.
      const catchAll = coveredByCatchAll
        ? `The catch-all deny ${list(denyAll)} does not change this: without ACLs anyone who can reach the Consul API can remove or override it.`
        : 'No catch-all "*" → "*" deny intention is in effect either.';
      return [withSkipped({ status: 'fail', resource, messageId: 'aclsDisabled', data: { ...data, catchAll }, evidence: [...def.evidence, ...ids(denyAll)] })];
    }
    if (coveredByCatchAll) {
      return [{ status: 'pass', resource, messageId: 'catchAllDeny', data: { ...data, intentions: list(denyAll) }, evidence: [...def.evidence, ...ids(denyAll)], warning: PEER_WARNING }];
    }
    return [withSkipped({ status: 'fail', resource, messageId: 'defaultAllow', data, evidence: def.evidence })];
  },
};
