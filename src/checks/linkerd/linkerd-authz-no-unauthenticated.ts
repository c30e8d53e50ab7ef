import {
  analyzeAuthorizationPolicy,
  analyzeServerAuthorization,
  probeTarget,
  type AuthorizationAnalysis,
} from '../../inventory/linkerd/authz.ts';
import { gapsTouching, inScopeNamespace } from '../../inventory/scope.ts';
import type { ObjectRef, TargetInventory } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const DEPRECATED = 'ServerAuthorization is deprecated in favour of AuthorizationPolicy (still enforced)';

export const linkerdAuthzNoUnauthenticated: Check = {
  meta: {
    id: 'linkerd-authz-no-unauthenticated',
    title: 'Linkerd authorizations admit only authenticated clients, except narrow health-check routes',
    severity: 'high',
    area: 'linkerd',
    rationale:
      'An AuthorizationPolicy or ServerAuthorization that admits unauthenticated clients from any network (0.0.0.0/0, ::/0, ' +
      'unauthenticated: true) makes the Server reachable by anyone who can route to the pod, defeating mTLS-based access control. ' +
      'An authorization whose target or authentication does not exist is ignored by Linkerd, so the control it documents is not in force.',
    remediation:
      'Require a MeshTLSAuthentication (or ServiceAccount) naming the clients that need access; if unauthenticated access is truly ' +
      'needed (kubelet probes, a public edge), restrict it to an HTTPRoute matching only GET on the health path, or to the ' +
      'narrowest networks. Fix or delete authorizations whose references do not resolve, and migrate ServerAuthorizations to AuthorizationPolicies.',
    requires: [
      'AuthorizationPolicy',
      'ServerAuthorization',
      'MeshTLSAuthentication',
      'NetworkAuthentication',
      'Server',
      'HTTPRoute',
      'GRPCRoute',
    ],
    proves:
      'Each Linkerd authorization in an in-scope namespace resolves to existing objects and requires a mesh identity, or is network-limited, or opens only a health-check route.',
    messages: {
      authenticated: '{{kind}} {{namespace}}/{{name}} on {{target}} requires a mesh identity: {{clients}}.',
      networkLimited:
        '{{kind}} {{namespace}}/{{name}} on {{target}} admits clients without identity, but only from {{networks}}: {{clients}}.',
      probeOnly:
        '{{kind}} {{namespace}}/{{name}} admits unauthenticated clients from any network ({{clients}}), but only to a health-check target: {{why}}.',
      openToAnyone:
        '{{kind}} {{namespace}}/{{name}} admits unauthenticated clients from any network to {{target}}: {{clients}}.',
      dangling: '{{kind}} {{namespace}}/{{name}} is ignored by Linkerd because a reference does not resolve: {{refs}}.',
      danglingUnknown:
        '{{kind}} {{namespace}}/{{name}} references {{refs}}, which are not in the evidence, and that evidence is incomplete ({{gaps}}).',
    },
  },
  evaluate({ target }) {
    const inv = target.linkerd;
    const findings: CheckFinding[] = [];
    for (const p of inv.authorizationPolicies) {
      if (!inScopeNamespace(target, p.namespace)) continue;
      findings.push(judge(target, { kind: p.kind, namespace: p.namespace, name: p.name }, analyzeAuthorizationPolicy(inv, p), []));
    }
    for (const s of inv.serverAuthorizations) {
      if (!inScopeNamespace(target, s.namespace)) continue;
      findings.push(judge(target, { kind: s.kind, namespace: s.namespace, name: s.name }, analyzeServerAuthorization(inv, s), [DEPRECATED]));
    }
    return findings;
  },
};

function judge(target: TargetInventory, resource: ObjectRef & { namespace: string }, a: AuthorizationAnalysis, extraWarnings: string[]): CheckFinding {
  const base = { kind: resource.kind, namespace: resource.namespace, name: resource.name };
  const warnings = [...a.notes, ...extraWarnings];
  const finish = (f: CheckFinding): CheckFinding => (warnings.length > 0 ? { ...f, warning: [...new Set(warnings)].join('; ') } : f);

  if (a.dangling.length > 0) {
    const refs = a.dangling.map((d) => `${d.kind} ${d.namespace}/${d.name} (${d.problem})`).join(', ');
    // A reference missing from evidence is unknown, not dangling, when its kind has a gap there.
    const gaps = a.dangling.flatMap((d) => (d.problem === 'not found' ? gapsTouching(target, [d.kind], [d.namespace]) : []));
    if (gaps.length > 0) {
      return finish({
        status: 'error',
        resource,
        messageId: 'danglingUnknown',
        data: { ...base, refs, gaps: [...new Set(gaps.map((g) => g.message))].join('; ') },
        evidence: a.evidence,
      });
    }
    return finish({ status: 'fail', resource, messageId: 'dangling', data: { ...base, refs }, evidence: a.evidence });
  }
  const t = a.target;
  const c = a.clients;
  if (!t || !c) return finish({ status: 'fail', resource, messageId: 'dangling', data: { ...base, refs: 'target or authentication' }, evidence: a.evidence });
  const data = { ...base, target: t.description, clients: c.detail };

  if (c.kind === 'identity') {
    if (c.anyIdentity) warnings.push('any meshed identity is accepted, so every meshed workload in the cluster is authorized');
    return finish({ status: 'pass', resource, messageId: 'authenticated', data, evidence: a.evidence });
  }
  if (!c.anyNetwork) {
    warnings.push('network-only authentication: clients are not identified, only their source address is checked');
    return finish({ status: 'pass', resource, messageId: 'networkLimited', data: { ...data, networks: c.networks.join(', ') }, evidence: a.evidence });
  }
  const probe = probeTarget(t);
  if (probe.probe) {
    warnings.push(`unauthenticated access from any network is accepted only because ${probe.why}; confirm it exposes nothing else`);
    return finish({ status: 'pass', resource, messageId: 'probeOnly', data: { ...data, why: probe.why }, evidence: a.evidence });
  }
  return finish({ status: 'fail', resource, messageId: 'openToAnyone', data, evidence: a.evidence });
}
