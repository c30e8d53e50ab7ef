import { WORKLOAD_KINDS } from '../../inventory/types.ts';
import { inNamespace } from '../../inventory/by-namespace.ts';
import { describeDecider, effectiveMtls, judgedPorts, modeOnPort } from '../../inventory/istio/effective-mtls.ts';
import { policySelectsWorkload } from '../../inventory/istio/policy-scope.ts';
import type { AuthorizationPolicySpec, AuthzRule, AuthzSource } from '../../inventory/istio/schema.ts';
import { gapsTouching, inScopeNamespace } from '../../inventory/scope.ts';
import type { Obj, TargetInventory, Workload } from '../../inventory/types.ts';
import type { Check, CheckFinding } from '../types.ts';

const REQUIRES = ['AuthorizationPolicy', 'PeerAuthentication', ...WORKLOAD_KINDS, 'Namespace', 'ConfigMap', 'MeshConfig', 'IstioOperator'];

// Source fields and conditions that read the peer's mTLS identity (authorization_policy.proto: "requires mTLS enabled").
const POSITIVE_FIELDS = ['principals', 'namespaces', 'serviceAccounts'] as const;
const NEGATIVE_FIELDS = ['notPrincipals', 'notNamespaces', 'notServiceAccounts'] as const;
const IDENTITY_KEYS = new Set(['source.principal', 'source.namespace']);

type AP = Obj<AuthorizationPolicySpec>;

interface IdentityUse {
  fields: string[];
  // Whether a plaintext peer (no identity) still gets through the rule's intent: DENY on a positive
  // identity never matches it, ALLOW on a negated identity always matches it.
  failOpen: boolean;
}

interface PortSelection {
  all: boolean;
  ports: number[];
  exclude: number[];
}

function nonEmpty(list: readonly string[] | null | undefined): boolean {
  return (list ?? []).length > 0;
}

function identityFields(rule: AuthzRule): { positive: string[]; negative: string[] } {
  const positive = new Set<string>();
  const negative = new Set<string>();
  for (const from of rule.from ?? []) {
    const source: AuthzSource | null | undefined = from.source;
    if (!source) continue;
    for (const f of POSITIVE_FIELDS) if (nonEmpty(source[f])) positive.add(f);
    for (const f of NEGATIVE_FIELDS) if (nonEmpty(source[f])) negative.add(f);
  }
  for (const cond of rule.when ?? []) {
    if (!IDENTITY_KEYS.has(cond.key)) continue;
    if (nonEmpty(cond.values)) positive.add(`when ${cond.key}`);
    if (nonEmpty(cond.notValues)) negative.add(`when ${cond.key} notValues`);
  }
  return { positive: [...positive], negative: [...negative] };
}

function toPorts(list: readonly string[] | null | undefined): number[] {
  return (list ?? []).map((p) => Number(p)).filter((n) => Number.isInteger(n) && n > 0 && n <= 65535);
}

// Ports a rule matches on the destination workload (to.operation.ports are workload ports).
function rulePorts(rule: AuthzRule): PortSelection[] {
  const to = rule.to ?? [];
  if (to.length === 0) return [{ all: true, ports: [], exclude: [] }];
  return to.map((t) => {
    const op = t.operation;
    const ports = toPorts(op?.ports);
    const exclude = toPorts(op?.notPorts);
    return nonEmpty(op?.ports) ? { all: false, ports, exclude } : { all: true, ports: [], exclude };
  });
}

function isEnforced(p: AP): boolean {
  if (p.annotations['istio.io/dry-run'] === 'true') return false;
  const action = p.spec.action ?? 'ALLOW';
  return action === 'ALLOW' || action === 'DENY';
}

function identityUse(p: AP): { use: IdentityUse; selections: PortSelection[] } | undefined {
  const action = p.spec.action ?? 'ALLOW';
  const fields = new Set<string>();
  let failOpen = false;
  const selections: PortSelection[] = [];
  for (const rule of p.spec.rules ?? []) {
    if (!rule) continue;
    const { positive, negative } = identityFields(rule);
    if (positive.length + negative.length === 0) continue;
    for (const f of [...positive, ...negative]) fields.add(f);
    if ((action === 'DENY' && positive.length > 0) || (action === 'ALLOW' && negative.length > 0)) failOpen = true;
    selections.push(...rulePorts(rule));
  }
  if (fields.size === 0) return undefined;
  return { use: { fields: [...fields].sort(), failOpen }, selections };
}

function selectedWorkloads(target: TargetInventory, p: AP): Workload[] {
  const root = target.istio.rootNamespace;
  return (p.namespace === root ? target.workloads : inNamespace(target.workloads, p.namespace)).filter(
    (w) =>
      policySelectsWorkload(p, w, root) &&
      // Mesh-wide policies reach system namespaces too, but those are judged elsewhere.
      (inScopeNamespace(target, w.namespace) || (w.namespace === p.namespace && p.namespace !== root)),
  );
}

export const istioAuthzIdentityNeedsMtls: Check = {
  meta: {
    id: 'istio-authz-identity-needs-mtls',
    title: 'AuthorizationPolicies that match peer identities apply only to workload ports that require mutual TLS',
    severity: 'high',
    area: 'istio',
    rationale:
      'principals, namespaces and serviceAccounts (and source.principal/source.namespace conditions) come from the peer mTLS certificate. ' +
      'A plaintext peer has no identity: a DENY on an identity never matches it and a negated identity in an ALLOW always does, ' +
      'so the policy is bypassed on any port that is not STRICT.',
    remediation:
      'Make the effective PeerAuthentication STRICT for every workload port the policy selects (namespace or workload policy, ' +
      'portLevelMtls keyed by container port), and make sure the selected workloads run an Istio proxy.',
    requires: REQUIRES,
    proves: 'Every enforced identity-based AuthorizationPolicy is evaluated only on mTLS traffic, where the identity it matches is authenticated.',
    messages: {
      allStrict: 'AuthorizationPolicy {{policy}} matches on {{fields}}; all {{count}} selected workload(s) require mTLS on the matched ports.',
      notStrict:
        'AuthorizationPolicy {{policy}} matches on {{fields}}, but these matched workload ports accept plaintext, whose peers carry no identity{{effect}}: {{problems}}.',
      noWorkloads:
        'AuthorizationPolicy {{policy}} matches on {{fields}} but selects no workload in scope, so it protects nothing here; check its selector.',
      targetRefs:
        'AuthorizationPolicy {{policy}} matches on {{fields}} and binds through targetRefs (gateway, waypoint or service), which carry mesh identity themselves; sidecar mTLS is not judged.',
      unconfirmed:
        'AuthorizationPolicy {{policy}} matches on {{fields}}; the selected workload ports look STRICT, but evidence it depends on is incomplete: {{gaps}}.',
      selectionUnknown:
        'AuthorizationPolicy {{policy}} matches on {{fields}} and selects no workload found, but workload or policy evidence is incomplete: {{gaps}}.',
    },
  },
  evaluate({ target }) {
    const root = target.istio.rootNamespace;
    const findings: CheckFinding[] = [];
    const meshConfigEvidence = target.istio.meshConfig ? [target.istio.meshConfig.evidenceId] : [];

    for (const p of target.istio.authorizationPolicies) {
      if (!isEnforced(p)) continue;
      const identity = identityUse(p);
      if (!identity) continue;
      const resource = { kind: p.kind, namespace: p.namespace, name: p.name };
      const base = { policy: `${p.namespace}/${p.name}`, fields: identity.use.fields.join(', ') };
      // A root-namespace policy reaches every namespace; others reach their own plus root-namespace PeerAuthentications.
      const relied = p.namespace === root ? '*' : [p.namespace, root];
      const gaps = [
        ...new Set([
          ...gapsTouching(target, [...WORKLOAD_KINDS, 'PeerAuthentication', 'Namespace'], relied),
          ...gapsTouching(target, REQUIRES, [p.namespace, root]),
        ]),
      ].filter((g) => g.namespace !== undefined);
      const gapText = gaps.map((g) => g.message).join('; ');

      if (p.spec.targetRef || (p.spec.targetRefs ?? []).length > 0) {
        findings.push({ status: 'not_applicable', resource, messageId: 'targetRefs', data: base, evidence: [p.evidenceId] });
        continue;
      }

      const workloads = selectedWorkloads(target, p);
      if (workloads.length === 0) {
        if (gaps.length > 0) {
          findings.push({ status: 'error', resource, messageId: 'selectionUnknown', data: { ...base, gaps: gapText }, evidence: [p.evidenceId] });
        } else {
          findings.push({ status: 'not_applicable', resource, messageId: 'noWorkloads', data: base, evidence: [p.evidenceId] });
        }
        continue;
      }

      const evidence: string[] = [p.evidenceId, ...meshConfigEvidence];
      const problems: string[] = [];
      const warnings: string[] = [];
      for (const w of workloads) {
        const nsInfo = target.namespaces.find((n) => n.name === w.namespace);
        const mtls = effectiveMtls(target, w, nsInfo);
        evidence.push(...w.evidenceIds, ...mtls.evidence, ...(nsInfo?.evidenceId ? [nsInfo.evidenceId] : []));
        warnings.push(...mtls.warnings);
        const name = `${w.kind} ${w.namespace}/${w.name}`;
        if (mtls.dataplane.mode === 'none') {
          problems.push(`${name} is not in the mesh (${mtls.dataplane.reason})`);
          continue;
        }
        const ports = new Set<number | '*'>();
        const all = judgedPorts(mtls).map((x) => x.port);
        for (const s of identity.selections) {
          for (const port of s.all ? all : s.ports) if (port === '*' || !s.exclude.includes(port)) ports.add(port);
        }
        for (const port of [...ports].sort((a, b) => String(a).localeCompare(String(b), undefined, { numeric: true }))) {
          const r = port === '*' ? { mode: mtls.mode, decidedBy: mtls.decidedBy } : modeOnPort(mtls, port);
          if (r.mode !== 'STRICT') problems.push(`${name}:${port} is ${r.mode} (${describeDecider(r.decidedBy)})`);
        }
      }
      const warning = warnings.length > 0 ? { warning: [...new Set(warnings)].join('; ') } : {};

      if (problems.length > 0) {
        const effect = identity.use.failOpen
          ? ' (plaintext requests slip past this rule)'
          : ' (plaintext requests are rejected rather than authenticated)';
        findings.push({
          status: 'fail',
          resource,
          messageId: 'notStrict',
          data: { ...base, effect, problems: problems.join('; ') },
          evidence,
          // Fail-closed rules still block plaintext; the exposure is smaller than a bypass.
          ...(identity.use.failOpen ? {} : { severity: 'medium' as const }),
          ...warning,
        });
        continue;
      }
      if (gaps.length > 0) {
        findings.push({ status: 'error', resource, messageId: 'unconfirmed', data: { ...base, gaps: gapText }, evidence, ...warning });
        continue;
      }
      findings.push({ status: 'pass', resource, messageId: 'allStrict', data: { ...base, count: workloads.length }, evidence, ...warning });
    }
    return findings;
  },
};
