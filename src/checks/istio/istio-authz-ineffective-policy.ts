import { gapsTouching } from '../../inventory/scope.ts';
import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import {
  dryRunValue,
  effectiveAction,
  hasNoRules,
  hasUnparseableDryRun,
  isDryRun,
  l7Attributes,
  objectName,
  usesTargetRefs,
  workloadName,
  workloadsSelectedBy,
  listNames,
  type AuthzPolicy,
} from '../../inventory/istio/authz.ts';
import { istioDataplane } from '../../inventory/istio/dataplane.ts';
import { hasWorkloadSelector } from '../../inventory/istio/policy-scope.ts';
import type { TargetInventory } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';


export const istioAuthzIneffectivePolicy: Check = {
  meta: {
    id: 'istio-authz-ineffective-policy',
    title: 'Every AuthorizationPolicy is enforced and can take effect on at least one workload',
    severity: 'medium',
    area: 'istio',
    rationale:
      'Policies that look like controls but enforce nothing give false assurance: a DENY or CUSTOM policy without rules ' +
      'never matches, dry-run and AUDIT policies only log or mark requests, a CUSTOM policy naming an unknown provider ' +
      'is not applied, and a selector that matches no workload (istioctl IST0127) protects nothing.',
    remediation:
      'Add rules to DENY and CUSTOM policies, remove the istio.io/dry-run annotation once the policy is validated, use ' +
      'ALLOW or DENY instead of AUDIT for access control, register CUSTOM providers in meshConfig.extensionProviders, ' +
      'and fix or delete selectors that match no workload.',
    requires: ['AuthorizationPolicy', 'ConfigMap', 'MeshConfig', ...WORKLOAD_KINDS],
    proves: 'Each AuthorizationPolicy is enforced, has an action and rules that can match, and selects at least one workload.',
    messages: {
      dryRun:
        'AuthorizationPolicy {{policy}} is dry-run (istio.io/dry-run: "{{value}}"): Istio only logs what its {{action}} would decide and enforces nothing.',
      auditOnly: 'AuthorizationPolicy {{policy}} has action AUDIT: it only marks requests for an audit plugin and never allows or denies.',
      denyNoRules: 'AuthorizationPolicy {{policy}} has action DENY and no rules: it never matches, so it denies nothing.',
      customNoRules: 'AuthorizationPolicy {{policy}} has action CUSTOM and no rules: it never matches, so the provider is never consulted.',
      customNoProvider: 'AuthorizationPolicy {{policy}} has action CUSTOM but names no provider, so it is not applied.',
      customUnknownProvider:
        'AuthorizationPolicy {{policy}} names provider "{{provider}}", which is not in meshConfig.extensionProviders ({{providers}}), so it is not applied.',
      customUnverifiable:
        'AuthorizationPolicy {{policy}} names provider "{{provider}}", but no meshConfig is in the evidence to confirm the provider exists.',
      selectorMatchesNothing: 'AuthorizationPolicy {{policy}} selects {{selector}} {{where}}, which matches no workload (IST0127): it protects nothing.',
      selectorUnverifiable:
        'AuthorizationPolicy {{policy}} selects {{selector}} {{where}}, which matches no workload in the evidence, but workload evidence is incomplete: {{gaps}}.',
      targetRefs: 'AuthorizationPolicy {{policy}} ({{action}}) is bound by targetRefs to {{refs}}.',
      effective: 'AuthorizationPolicy {{policy}} ({{action}}) is enforced and applies to {{count}} workload(s): {{workloads}}.',
    },
  },
  evaluate({ target }) {
    return target.istio.authorizationPolicies.map((p) => judgePolicy(target, p));
  },
};

function judgePolicy(target: TargetInventory, p: AuthzPolicy): CheckFinding {
  const resource = { kind: 'AuthorizationPolicy', namespace: p.namespace, name: p.name };
  const action = effectiveAction(p);
  const policy = objectName(p);
  const evidence = [p.evidenceId];
  const fail = (messageId: string, data: Record<string, string | number> = {}): CheckFinding => ({
    status: 'fail',
    resource,
    messageId,
    data: { policy, action, ...data },
    evidence,
  });

  if (isDryRun(p)) return fail('dryRun', { value: dryRunValue(p) ?? '' });
  if (action === 'AUDIT') return fail('auditOnly');
  if (action === 'DENY' && hasNoRules(p)) return fail('denyNoRules');
  if (action === 'CUSTOM') {
    const provider = p.spec.provider?.name;
    if (!provider) return fail('customNoProvider');
    if (hasNoRules(p)) return fail('customNoRules', { provider });
    const mesh = target.istio.meshConfig;
    if (!mesh) {
      return { status: 'error', resource, messageId: 'customUnverifiable', data: { policy, action, provider }, evidence };
    }
    const providers = (mesh.config.extensionProviders ?? []).map((e) => e.name);
    evidence.push(mesh.evidenceId);
    if (!providers.includes(provider)) {
      return fail('customUnknownProvider', { provider, providers: providers.length > 0 ? providers.join(', ') : 'none defined' });
    }
  }

  const warning = hasUnparseableDryRun(p)
    ? `istio.io/dry-run value "${dryRunValue(p) ?? ''}" is not a boolean: istiod logs an error and enforces the policy (validation would reject it)`
    : undefined;
  const warn = (w: string | undefined): { warning?: string } => (w ? { warning: w } : {});

  if (usesTargetRefs(p)) {
    const refs = [...(p.spec.targetRefs ?? []), ...(p.spec.targetRef ? [p.spec.targetRef] : [])]
      .map((r) => `${r.kind} ${r.namespace ?? p.namespace}/${r.name}`)
      .join(', ');
    return {
      status: 'pass',
      resource,
      messageId: 'targetRefs',
      data: { policy, action, refs },
      evidence,
      warning: [
        'bound to gateway/waypoint; not verifiable from sidecar evidence (the targeted object is not judged)',
        ...(warning ? [warning] : []),
      ].join('; '),
    };
  }

  const root = p.namespace === target.istio.rootNamespace;
  const selected = workloadsSelectedBy(target, p);
  if (selected.length === 0 && hasWorkloadSelector(p.spec)) {
    const selector = Object.entries(p.spec.selector?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const where = root ? 'in every namespace (root namespace)' : `in namespace ${p.namespace}`;
    // A selector that matched nothing may only look empty because workload evidence is missing.
    const gaps = gapsTouching(target, WORKLOAD_KINDS, root ? '*' : [p.namespace]);
    if (gaps.length > 0) {
      return {
        status: 'error',
        resource,
        messageId: 'selectorUnverifiable',
        data: { policy, action, selector, where, gaps: gaps.map((g) => g.message).join('; ') },
        evidence,
      };
    }
    return { ...fail('selectorMatchesNothing', { selector, where }), ...warn(warning) };
  }
  // ISTIO-AUTHZ-07: ztunnel cannot evaluate L7 attributes and drops the traffic; waypoints ignore selector policies.
  const l7 = l7Attributes(p);
  const ambient = selected.filter((w) => istioDataplane(w, target.namespaces.find((n) => n.name === w.namespace)).mode === 'ambient');
  const ambientWarning =
    l7.length > 0 && ambient.length > 0
      ? `uses L7 attributes (${l7.join(', ')}) on ambient workload(s) ${listNames(ambient.map(workloadName))}: ztunnel cannot enforce them and drops their traffic unless a waypoint enforces a targetRefs policy`
      : undefined;
  const warnings = [warning, ambientWarning].filter((w): w is string => w !== undefined);
  return {
    status: 'pass',
    resource,
    messageId: 'effective',
    data: {
      policy,
      action,
      count: selected.length,
      workloads: selected.length > 0 ? listNames(selected.map(workloadName)) : 'none yet (namespace-wide; applies to workloads deployed later)',
    },
    evidence: [...evidence, ...selected.flatMap((w) => w.evidenceIds)],
    ...warn(warnings.join('; ')),
  };
}
