import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import { inNamespace, inNamespaces } from '../../inventory/by-namespace.ts';
import {
  effectiveAction,
  isAllowNothing,
  isDefaultDenyBaseline,
  isDryRun,
  isEnforced,
  isNamespaceWide,
  emptyRuleIndexes,
  listNames,
  objectName,
  policiesForWorkload,
  workloadName,
  type AuthzPolicy,
} from '../../inventory/istio/authz.ts';
import { istioDataplane } from '../../inventory/istio/dataplane.ts';
import { inScopeNamespace } from '../../inventory/scope.ts';
import type { NamespaceInfo, TargetInventory, Workload } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';


export const istioAuthzDefaultDeny: Check = {
  meta: {
    id: 'istio-authz-default-deny',
    title: 'Every application namespace denies requests that no AuthorizationPolicy explicitly allows',
    severity: 'high',
    area: 'istio',
    rationale:
      'Without an ALLOW policy in effect, Istio allows every request to a workload. An enforced allow-nothing policy ' +
      '(action ALLOW, no rules, no selector) in the namespace or root namespace turns that into default deny, so access ' +
      'must be granted explicitly (least privilege).',
    remediation:
      'Apply an AuthorizationPolicy with an empty spec (`spec: {}`) in each application namespace, or once in the Istio ' +
      'root namespace, without the istio.io/dry-run annotation; then add ALLOW policies for the traffic each workload needs.',
    requires: ['AuthorizationPolicy', 'Namespace', 'ConfigMap', 'MeshConfig', ...WORKLOAD_KINDS],
    proves:
      'Each in-scope namespace has an enforced allow-nothing AuthorizationPolicy (its own or mesh-wide), or every workload in it is selected by an enforced ALLOW policy.',
    messages: {
      baseline: 'Namespace {{namespace}} denies by default: enforced allow-nothing AuthorizationPolicy {{policy}} ({{scope}}) applies.',
      denyAll:
        'Namespace {{namespace}} denies every request: enforced DENY AuthorizationPolicy {{policy}} ({{scope}}) has an empty rule, which matches all traffic.',
      perWorkload:
        'Namespace {{namespace}} has no allow-nothing baseline, but each of its {{count}} workload(s) is selected by an enforced ALLOW policy without an allow-all rule, so each denies what is not allowed.',
      noDefaultDeny:
        'Namespace {{namespace}} does not deny by default: no enforced allow-nothing AuthorizationPolicy in it or in root namespace {{root}}{{dryRun}}, and {{uncovered}} of {{count}} workload(s) accept any request not explicitly denied: {{workloads}}.',
      noWorkloads:
        'Namespace {{namespace}} has no enforced allow-nothing AuthorizationPolicy in it or in root namespace {{root}}{{dryRun}}; it has no workloads yet, and any deployed there will accept every request.',
    },
  },
  evaluate({ target }) {
    return target.namespaces.filter((ns) => inScopeNamespace(target, ns.name)).map((ns) => judgeNamespace(target, ns));
  },
};

function judgeNamespace(target: TargetInventory, ns: NamespaceInfo): CheckFinding {
  const root = target.istio.rootNamespace;
  const resource = { kind: 'Namespace', name: ns.name };
  const nsEvidence = ns.evidenceId ? [ns.evidenceId] : [];
  const candidates = inNamespaces(target.istio.authorizationPolicies, [ns.name, root]).filter((p) => isAllowNothing(p) && isNamespaceWide(p));
  // The namespace's own baseline is reported before the mesh-wide one.
  const baseline = [...candidates.filter((p) => p.namespace === ns.name), ...candidates.filter((p) => p.namespace === root)].find(
    isDefaultDenyBaseline,
  );
  const workloads = inNamespace(target.workloads, ns.name);
  const scopeOf = (p: AuthzPolicy): string => (p.namespace === root ? `mesh-wide, root namespace ${root}` : 'namespace-wide');

  const warnings: string[] = [];
  const warningEvidence: string[] = [];
  const unmeshed = workloads.filter((w) => istioDataplane(w, ns).mode === 'none');
  if (unmeshed.length > 0) {
    warnings.push(`${unmeshed.length} workload(s) run without an Istio proxy, so no AuthorizationPolicy protects them: ${listNames(unmeshed.map(workloadName))}`);
    warningEvidence.push(...unmeshed.flatMap((w) => w.evidenceIds));
  }

  if (baseline) {
    const opened = allowAllOpenings(target, workloads);
    if (opened.length > 0) {
      warnings.push(`allow-all despite the baseline: ${listNames(opened.map((o) => o.text))}`);
      warningEvidence.push(...opened.flatMap((o) => o.evidence));
    }
    return {
      status: 'pass',
      resource,
      messageId: 'baseline',
      data: {
        namespace: ns.name,
        policy: objectName(baseline),
        scope: scopeOf(baseline),
      },
      evidence: [...nsEvidence, baseline.evidenceId, ...warningEvidence],
      ...warningOf(warnings),
    };
  }

  // DENY with an empty rule matches everything: stricter than default deny (CUSTOM > DENY > ALLOW).
  const denyAll = target.istio.authorizationPolicies.find(
    (p) =>
      (p.namespace === ns.name || p.namespace === root) &&
      isEnforced(p) &&
      effectiveAction(p) === 'DENY' &&
      isNamespaceWide(p) &&
      emptyRuleIndexes(p).length > 0,
  );
  if (denyAll) {
    return {
      status: 'pass',
      resource,
      messageId: 'denyAll',
      data: { namespace: ns.name, policy: objectName(denyAll), scope: scopeOf(denyAll) },
      evidence: [...nsEvidence, denyAll.evidenceId, ...warningEvidence],
      warning: ['every request is denied, including requests ALLOW policies permit', ...warnings].join('; '),
    };
  }

  const dryRuns = candidates.filter(isDryRun);
  const dryRun =
    dryRuns.length > 0
      ? ` (${dryRuns.map(objectName).join(', ')} would allow nothing but ${dryRuns.length === 1 ? 'is dry-run (istio.io/dry-run) and enforces' : 'are dry-run (istio.io/dry-run) and enforce'} nothing)`
      : '';
  const dryRunEvidence = dryRuns.map((p) => p.evidenceId);

  if (workloads.length === 0) {
    return {
      status: 'fail',
      resource,
      messageId: 'noWorkloads',
      data: { namespace: ns.name, root, dryRun },
      evidence: [...nsEvidence, ...dryRunEvidence],
    };
  }

  const judged = workloads.map((w) => ({ w, allow: enforcedAllow(target, w) }));
  const uncovered = judged.filter((j) => j.allow.length === 0 || j.allow.some((p) => emptyRuleIndexes(p).length > 0));
  const policyEvidence = judged.flatMap((j) => j.allow.map((p) => p.evidenceId));
  if (uncovered.length === 0) {
    return {
      status: 'pass',
      resource,
      messageId: 'perWorkload',
      data: { namespace: ns.name, count: workloads.length },
      evidence: [...nsEvidence, ...policyEvidence, ...workloads.flatMap((w) => w.evidenceIds)],
      ...warningOf(warnings),
    };
  }
  const describe = uncovered.map(({ w, allow }) => {
    const allowAll = allow.filter((p) => emptyRuleIndexes(p).length > 0);
    return allowAll.length > 0
      ? `${workloadName(w)} (allow-all rule in ${allowAll.map(objectName).join(', ')})`
      : `${workloadName(w)} (no enforced ALLOW policy)`;
  });
  return {
    status: 'fail',
    resource,
    messageId: 'noDefaultDeny',
    data: { namespace: ns.name, root, dryRun, uncovered: uncovered.length, count: workloads.length, workloads: listNames(describe) },
    evidence: [...nsEvidence, ...dryRunEvidence, ...policyEvidence, ...uncovered.flatMap((u) => u.w.evidenceIds), ...warningEvidence],
    ...warningOf(warnings),
  };
}

function enforcedAllow(target: TargetInventory, w: Workload): AuthzPolicy[] {
  return policiesForWorkload(target, w).filter((p) => isEnforced(p) && effectiveAction(p) === 'ALLOW');
}

// Workloads an enforced `rules: [{}]` ALLOW opens to every request; a baseline does not stop it.
function allowAllOpenings(target: TargetInventory, workloads: readonly Workload[]): { text: string; evidence: string[] }[] {
  return workloads.flatMap((w) => {
    const open = enforcedAllow(target, w).filter((p) => emptyRuleIndexes(p).length > 0);
    if (open.length === 0) return [];
    return [
      {
        text: `${workloadName(w)} (AuthorizationPolicy ${open.map(objectName).join(', ')} has an empty rule)`,
        evidence: [...w.evidenceIds, ...open.map((p) => p.evidenceId)],
      },
    ];
  });
}

function warningOf(warnings: readonly string[]): { warning?: string } {
  return warnings.length > 0 ? { warning: warnings.join('; ') } : {};
}
