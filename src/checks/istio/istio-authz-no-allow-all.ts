import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import {
  effectiveAction,
  emptyRuleIndexes,
  hasNoRules,
  isDryRun,
  nearAllowAllReasons,
  objectName,
  policyReach,
  usesTargetRefs,
  workloadsSelectedBy,
} from '../../inventory/istio/authz.ts';
import type { Check, CheckFinding } from '../types.ts';


export const istioAuthzNoAllowAll: Check = {
  meta: {
    id: 'istio-authz-no-allow-all',
    title: 'No enforced ALLOW AuthorizationPolicy contains an empty rule that allows every request',
    severity: 'high',
    area: 'istio',
    rationale:
      'An empty rule (`rules: [{}]`) always matches, so an ALLOW policy containing one allows every request to the ' +
      'workloads it selects that CUSTOM or DENY policies do not reject, and it neutralises any deny-by-default baseline for them.',
    remediation:
      'Replace the empty rule with rules naming the allowed sources (principals, namespaces), operations and conditions; ' +
      'to deny everything, use an ALLOW policy with no rules instead.',
    requires: ['AuthorizationPolicy', 'ConfigMap', 'MeshConfig', ...WORKLOAD_KINDS],
    proves: 'No enforced ALLOW AuthorizationPolicy contains a rule that matches every request.',
    messages: {
      allowAll: 'AuthorizationPolicy {{policy}} has an empty rule ({{rules}}) that allows every request to {{reach}}.',
      allowAllDryRun:
        'AuthorizationPolicy {{policy}} has an empty rule ({{rules}}) that would allow every request to {{reach}}, but it is dry-run and enforces nothing.',
      allowNothing: 'AuthorizationPolicy {{policy}} has no rules, so it never allows a request (applies to {{reach}}).',
      restricted: 'Every rule of AuthorizationPolicy {{policy}} ({{count}}) restricts source, operation or conditions.',
    },
  },
  evaluate({ target }) {
    return target.istio.authorizationPolicies
      .filter((p) => effectiveAction(p) === 'ALLOW')
      .map((p): CheckFinding => {
        const resource = { kind: 'AuthorizationPolicy', namespace: p.namespace, name: p.name };
        const reach = policyReach(target, p);
        const empty = emptyRuleIndexes(p);
        const selectedEvidence = usesTargetRefs(p) ? [] : workloadsSelectedBy(target, p).flatMap((w) => w.evidenceIds);
        const base = { policy: objectName(p), reach };
        if (empty.length > 0) {
          const rules = empty.map((i) => `rules[${i}]`).join(', ');
          if (isDryRun(p)) {
            return {
              status: 'pass',
              resource,
              messageId: 'allowAllDryRun',
              data: { ...base, rules },
              evidence: [p.evidenceId],
              warning: 'allow-all rule is not enforced only because of the istio.io/dry-run annotation; removing it opens the workloads to every request',
            };
          }
          return { status: 'fail', resource, messageId: 'allowAll', data: { ...base, rules }, evidence: [p.evidenceId, ...selectedEvidence] };
        }
        if (hasNoRules(p)) return { status: 'pass', resource, messageId: 'allowNothing', data: base, evidence: [p.evidenceId] };
        const near = nearAllowAllReasons(p);
        return {
          status: 'pass',
          resource,
          messageId: 'restricted',
          data: { ...base, count: p.spec.rules?.length ?? 0 },
          evidence: [p.evidenceId],
          ...(near.length > 0 ? { warning: `near allow-all${isDryRun(p) ? ' (dry-run)' : ''}: ${near.join('; ')}` } : {}),
        };
      });
  },
};
