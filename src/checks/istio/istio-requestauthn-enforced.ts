import { gapsTouching } from '../../inventory/scope.ts';
import { inNamespace } from '../../inventory/by-namespace.ts';
import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import {
  effectiveAction,
  isDryRun,
  isEnforced,
  listNames,
  objectName,
  policiesForWorkload,
  policyRules,
  ruleRequiresRequestPrincipal,
  tokenlessDeny,
  usesTargetRefs,
  workloadName,
  type AuthzPolicy,
} from '../../inventory/istio/authz.ts';
import { hasWorkloadSelector, policySelectsWorkload } from '../../inventory/istio/policy-scope.ts';
import type { RequestAuthenticationSpec } from '../../inventory/istio/schema.ts';
import { inScopeNamespace } from '../../inventory/scope.ts';
import type { Obj, TargetInventory } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const REQUIRES = ['RequestAuthentication', 'AuthorizationPolicy', 'ConfigMap', 'MeshConfig', ...WORKLOAD_KINDS];

type RequestAuthn = Obj<RequestAuthenticationSpec>;
type Ref = { group?: string | undefined; kind: string; name: string; namespace?: string | undefined };

export const istioRequestauthnEnforced: Check = {
  meta: {
    id: 'istio-requestauthn-enforced',
    title: 'Workloads covered by a RequestAuthentication reject requests that carry no valid token',
    severity: 'high',
    area: 'istio',
    rationale:
      'A RequestAuthentication only rejects requests with an invalid JWT; a request with no token at all is accepted. ' +
      'Only an enforced AuthorizationPolicy that requires a request principal (ALLOW with requestPrincipals on every ' +
      'rule, or DENY with notRequestPrincipals: ["*"]) makes the token mandatory.',
    remediation:
      'For each workload the RequestAuthentication covers, add an ALLOW AuthorizationPolicy whose every rule sets ' +
      'from.source.requestPrincipals (and remove other ALLOW rules that do not), or a DENY policy with ' +
      'from.source.notRequestPrincipals: ["*"].',
    requires: REQUIRES,
    proves: 'Every workload a RequestAuthentication covers is also covered by an enforced AuthorizationPolicy that rejects requests without a valid JWT.',
    messages: {
      enforced: 'RequestAuthentication {{requestAuthentication}}: all {{total}} covered target(s) reject requests without a valid token ({{details}}).',
      enforcedPartially:
        'RequestAuthentication {{requestAuthentication}}: all {{total}} covered target(s) have a policy rejecting requests without a valid token, {{count}} only for part of their traffic ({{details}}).',
      acceptsNoToken:
        'RequestAuthentication {{requestAuthentication}} validates tokens, but {{count}} of {{total}} covered target(s) accept requests with no token: {{details}}.',
      selectsNothing:
        'RequestAuthentication {{requestAuthentication}} selects no workload ({{selector}}), so it validates no token anywhere.',
      selectsNothingUnverifiable:
        'RequestAuthentication {{requestAuthentication}} matches no workload in the evidence ({{selector}}), but workload evidence is incomplete: {{gaps}}.',
      gapElsewhere:
        'RequestAuthentication {{requestAuthentication}} would be backed by policies that require a token, but AuthorizationPolicy or workload evidence it depends on is incomplete: {{gaps}}.',
    },
  },
  evaluate({ target }) {
    return target.istio.requestAuthentications.map((ra) => judgeRequestAuthn(target, ra));
  },
};

interface Verdict {
  coverage: 'full' | 'partial' | 'none';
  note: string;
}

// Whether the enforced policies on one target reject a request that carries no JWT.
function judgeSubject(policies: readonly AuthzPolicy[]): Verdict {
  const enforced = policies.filter(isEnforced);
  const dryRun = policies.filter(isDryRun);
  const dryRunNote = dryRun.length > 0 ? `; dry-run ${dryRun.map(objectName).join(', ')} ${dryRun.length === 1 ? 'enforces' : 'enforce'} nothing` : '';
  const allow = enforced.filter((p) => effectiveAction(p) === 'ALLOW');
  const openRules = allow.flatMap((p) => policyRules(p).flatMap((r, i) => (ruleRequiresRequestPrincipal(r) ? [] : [`${objectName(p)} rules[${i}]`])));
  if (allow.length > 0 && openRules.length === 0) {
    const hasRules = allow.some((p) => policyRules(p).length > 0);
    return {
      coverage: 'full',
      note: hasRules
        ? `every enforced ALLOW rule requires a request principal (${allow.map(objectName).join(', ')})`
        : `only allow-nothing ALLOW policies apply, so every request is denied (${allow.map(objectName).join(', ')})`,
    };
  }
  const denies = enforced
    .filter((p) => effectiveAction(p) === 'DENY')
    .map((p) => ({ p, d: tokenlessDeny(p) }));
  const full = denies.find((x) => x.d.coverage === 'all');
  if (full) return { coverage: 'full', note: `DENY ${objectName(full.p)} rejects every request without a request principal` };
  const partial = denies.find((x) => x.d.coverage === 'partial');
  if (partial) {
    return {
      coverage: 'partial',
      note: `partial coverage: DENY ${objectName(partial.p)} rejects tokenless requests only where ${partial.d.narrowedBy.join(', ')} match`,
    };
  }
  if (allow.length === 0) return { coverage: 'none', note: `no enforced ALLOW or DENY policy requires a request principal${dryRunNote}` };
  return { coverage: 'none', note: `another allow path without requestPrincipals: ${listNames(openRules, 3)}${dryRunNote}` };
}

function refsOf(spec: { targetRef?: Ref | null | undefined; targetRefs?: readonly Ref[] | null | undefined }): Ref[] {
  return [...(spec.targetRefs ?? []), ...(spec.targetRef ? [spec.targetRef] : [])];
}

function sameRef(a: Ref, aNs: string, b: Ref, bNs: string): boolean {
  return a.kind === b.kind && a.name === b.name && (a.namespace ?? aNs) === (b.namespace ?? bNs) && (a.group ?? '') === (b.group ?? '');
}

function judgeRequestAuthn(target: TargetInventory, ra: RequestAuthn): CheckFinding {
  const root = target.istio.rootNamespace;
  const resource = { kind: 'RequestAuthentication', namespace: ra.namespace, name: ra.name };
  const requestAuthentication = objectName(ra);
  const subjects: { name: string; namespace: string; evidence: string[]; policies: AuthzPolicy[] }[] = [];

  if (usesTargetRefs(ra)) {
    // Gateway/waypoint-bound: only policies bound to the same object are enforced there.
    for (const ref of refsOf(ra.spec)) {
      subjects.push({
        name: `${ref.kind} ${ref.namespace ?? ra.namespace}/${ref.name}`,
        namespace: ref.namespace ?? ra.namespace,
        evidence: [],
        policies: target.istio.authorizationPolicies.filter(
          (p) => p.namespace === ra.namespace && refsOf(p.spec).some((r) => sameRef(r, p.namespace, ref, ra.namespace)),
        ),
      });
    }
  } else {
    const selectorWide = hasWorkloadSelector(ra.spec);
    const covered = (ra.namespace === root ? target.workloads : inNamespace(target.workloads, ra.namespace)).filter(
      (w) => policySelectsWorkload(ra, w, root) && (inScopeNamespace(target, w.namespace) || (w.namespace === ra.namespace && selectorWide)),
    );
    if (covered.length === 0) {
      const selector = selectorWide
        ? `selector ${Object.entries(ra.spec.selector?.matchLabels ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(',')} in ${ra.namespace === root ? 'every namespace' : `namespace ${ra.namespace}`}`
        : `every workload in ${ra.namespace === root ? 'the mesh' : `namespace ${ra.namespace}`}`;
      const gaps = gapsTouching(target, WORKLOAD_KINDS, ra.namespace === root ? '*' : [ra.namespace]);
      if (gaps.length > 0) {
        return {
          status: 'error',
          resource,
          messageId: 'selectsNothingUnverifiable',
          data: { requestAuthentication, selector, gaps: gaps.map((g) => g.message).join('; ') },
          evidence: [ra.evidenceId],
        };
      }
      return { status: 'fail', resource, messageId: 'selectsNothing', data: { requestAuthentication, selector }, evidence: [ra.evidenceId] };
    }
    for (const w of covered) subjects.push({ name: workloadName(w), namespace: w.namespace, evidence: w.evidenceIds, policies: policiesForWorkload(target, w) });
  }

  const judged = subjects.map((s) => ({ ...s, verdict: judgeSubject(s.policies) }));
  const evidence = [ra.evidenceId, ...judged.flatMap((j) => [...j.evidence, ...j.policies.map((p) => p.evidenceId)])];
  const open = judged.filter((j) => j.verdict.coverage === 'none');
  if (open.length > 0) {
    return {
      status: 'fail',
      resource,
      messageId: 'acceptsNoToken',
      data: {
        requestAuthentication,
        count: open.length,
        total: judged.length,
        details: listNames(open.map((j) => `${j.name} (${j.verdict.note})`), 3),
      },
      evidence,
    };
  }

  // The evaluator already voids passes for cluster-wide gaps and gaps in the RA's own namespace; root
  // namespace policies and a mesh-wide RA's workloads live elsewhere, so those gaps are checked here.
  const gaps = gapsTouching(target, REQUIRES, ra.namespace === root ? '*' : [root, ...subjects.map((s) => s.namespace)]).filter(
    (g) => g.namespace !== undefined && g.namespace !== ra.namespace,
  );
  if (gaps.length > 0) {
    return {
      status: 'error',
      resource,
      messageId: 'gapElsewhere',
      data: { requestAuthentication, gaps: gaps.map((g) => g.message).join('; ') },
      evidence,
    };
  }
  const partial = judged.filter((j) => j.verdict.coverage === 'partial');
  return {
    status: 'pass',
    resource,
    messageId: partial.length > 0 ? 'enforcedPartially' : 'enforced',
    data: {
      requestAuthentication,
      total: judged.length,
      count: partial.length,
      details: listNames(judged.map((j) => `${j.name}: ${j.verdict.note}`), 3),
    },
    evidence,
    ...(partial.length > 0 ? { warning: partial.map((j) => `${j.name}: ${j.verdict.note}`).join('; ') } : {}),
  };
}
