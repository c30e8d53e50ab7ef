import { consulDataplane, DATAPLANE_CONTAINER, type ConsulDataplane } from './consul/dataplane.ts';
import {
  decisionAction,
  describeIntention,
  describePermission,
  describeService,
  effectiveDecision,
  intentionMatches,
  norm,
  resolveDefaultPolicy,
  runningIntentions,
  UNLISTED_SOURCE,
  WILDCARD,
  type ConsulDecision,
  type ConsulServiceRef,
} from './consul/intentions.ts';
import type { ConsulDefaultPolicy, ConsulIntention, ConsulIntentionSource } from './consul/types.ts';
import {
  effectiveAction,
  hasNoRules,
  isAllowNothing,
  isEmptyRule,
  isEnforced,
  isNamespaceWide,
  l7Attributes,
  objectName,
  operationFields,
  policiesForWorkload,
  policyRules,
  sourceFields,
} from './istio/authz.ts';
import { istioDataplane, type IstioDataplane } from './istio/dataplane.ts';
import { describeDecider, effectiveMtls, judgedPorts } from './istio/effective-mtls.ts';
import type { AuthzRule, AuthzSource } from './istio/schema.ts';
import { judgeNamespaceDefaultDeny } from './kubernetes/default-deny.ts';
import { allowAllRules, appliesTo, selectsPod } from './kubernetes/netpol.ts';
import { isEmptySelector, matchesLabels } from './labels.ts';
import { analyzeAuthorizationPolicy, analyzeServerAuthorization, type AuthorizationAnalysis, type ClientRequirement } from './linkerd/authz.ts';
import { linkerdDataplane, PROXY_CONTAINER, type LinkerdDataplane } from './linkerd/dataplane.ts';
import { workloadInboundPolicy, type DefaultPolicyDecision, type PortPolicy } from './linkerd/inbound-policy.ts';
import type { InboundPolicy, ServerSpec } from './linkerd/schema.ts';
import type { LinkerdInventory } from './linkerd/types.ts';
import { inScopeNamespace } from './scope.ts';
import type { Container, NamespaceInfo, Obj, TargetInventory, Workload } from './types.ts';

// One row per workload across meshes, for the report's coverage table. Every mesh judgement comes
// from the per-mesh helpers the checks use; this module only picks the mesh and words the result.

export type WorkloadMesh = 'istio-sidecar' | 'istio-ambient' | 'linkerd' | 'consul' | 'none';
// running: observed in running pods; predicted: from manifests only; missing: no proxy.
export type ProxyState = 'running' | 'predicted' | 'missing';

export interface WorkloadPortMtls {
  port: number | '*';
  mtls: string;
}

export interface WorkloadRow {
  target: string;
  namespace: string;
  kind: string;
  name: string;
  inScope: boolean;
  mesh: WorkloadMesh;
  proxy: ProxyState;
  ports: WorkloadPortMtls[];
  inboundDefault: string;
  // Bounded to MAX_CALLERS entries plus a '+N more' entry.
  callers: string[];
  // Evidence ids the row rests on, sorted.
  evidence: string[];
  // Why the row reads as it does: dataplane reason, mTLS deciders, mesh conflicts, warnings.
  notes: string[];
}

export interface CoverageRow {
  target: string;
  // Absent on the whole-target row.
  namespace?: string;
  workloads: number;
  meshed: number;
  // meshed / workloads * 100, rounded down to one decimal.
  percent: number;
}

export interface WorkloadView {
  rows: WorkloadRow[];
  coverage: CoverageRow[];
}

export const MAX_CALLERS = 10;

export const PLAINTEXT = 'plaintext';

// Proxy and mesh init containers: their ports are not the application's.
const MESH_CONTAINERS: ReadonlySet<string> = new Set(['istio-proxy', PROXY_CONTAINER, DATAPLANE_CONTAINER, 'envoy-sidecar', 'consul-sidecar']);

const CONSUL_SERVICE_ANNOTATION = 'consul.hashicorp.com/connect-service';
export const CONSUL_EXCLUDE_INBOUND = 'consul.hashicorp.com/transparent-proxy-exclude-inbound-ports';

export type MeshName = Exclude<WorkloadMesh, 'none'>;

export interface Claim {
  mesh: MeshName;
  basis: 'observed' | 'predicted';
  reason: string;
}

export interface Dataplanes {
  istio: IstioDataplane;
  linkerd: LinkerdDataplane;
  consul: ConsulDataplane;
}

// The mesh-specific part of a row.
interface MeshPart {
  ports: WorkloadPortMtls[];
  inbound: string;
  callers: string[];
  evidence: string[];
  notes: string[];
}

export function workloadView(target: TargetInventory): WorkloadView {
  const namespaces = new Map(target.namespaces.map((n) => [n.name, n]));
  const netpolCache = new Map<string, { text: string; evidence: string[] }>();
  const linkerdAuthz = linkerdAuthorizations(target.linkerd);

  const rows = target.workloads.map((w): WorkloadRow => {
    const ns = namespaces.get(w.namespace);
    const dp: Dataplanes = { istio: istioDataplane(w, ns), linkerd: linkerdDataplane(w, ns), consul: consulDataplane(w, ns) };
    const claims = claimsOf(dp);
    const chosen = pickClaim(claims);
    const notes: string[] = [];
    if (chosen && claims.length > 1) {
      // Two meshes on one workload is a misconfiguration; the running proxy is what handles traffic.
      const others = claims.filter((c) => c !== chosen).map((c) => `${c.mesh} (${c.basis}: ${c.reason})`);
      notes.push(`mesh conflict: ${chosen.mesh} (${chosen.basis}) is shown, but the workload is also claimed by ${others.join('; ')}`);
    }

    let part: MeshPart;
    if (chosen?.mesh === 'istio-sidecar' || chosen?.mesh === 'istio-ambient') part = istioPart(target, w, ns, dp.istio);
    else if (chosen?.mesh === 'linkerd') part = linkerdPart(target, w, ns, dp.linkerd, linkerdAuthz);
    else if (chosen?.mesh === 'consul') part = consulPart(target, w, dp.consul);
    else part = unmeshedPart(target, w, dp);

    const netpol = namespaceNetpol(target, w.namespace, ns, netpolCache);
    return {
      target: target.name,
      namespace: w.namespace,
      kind: w.kind,
      name: w.name,
      inScope: inScopeNamespace(target, w.namespace),
      mesh: chosen?.mesh ?? 'none',
      proxy: chosen ? (chosen.basis === 'observed' ? 'running' : 'predicted') : 'missing',
      ports: part.ports,
      inboundDefault: `${part.inbound}; ${netpol.text}`,
      callers: boundCallers(part.callers),
      evidence: [...new Set([...w.evidenceIds, ...(ns?.evidenceId ? [ns.evidenceId] : []), ...part.evidence, ...netpol.evidence])].sort(),
      notes: [...new Set([...notes, ...part.notes])],
    };
  });

  rows.sort((a, b) => cmp(a.target, b.target) || cmp(a.namespace, b.namespace) || cmp(a.kind, b.kind) || cmp(a.name, b.name));
  return { rows, coverage: coverageOf(target.name, rows) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- mesh choice -------------------------------------------------------------------------------

export function claimsOf(dp: Dataplanes): Claim[] {
  const claims: Claim[] = [];
  if (dp.istio.mode !== 'none') claims.push({ mesh: dp.istio.mode === 'ambient' ? 'istio-ambient' : 'istio-sidecar', basis: dp.istio.basis, reason: dp.istio.reason });
  if (dp.linkerd.meshed) claims.push({ mesh: 'linkerd', basis: dp.linkerd.basis, reason: dp.linkerd.reason });
  if (dp.consul.meshed) claims.push({ mesh: 'consul', basis: dp.consul.basis, reason: dp.consul.reason });
  return claims;
}

// A running proxy beats a predicted one; otherwise the fixed order Istio, Linkerd, Consul decides.
export function pickClaim(claims: readonly Claim[]): Claim | undefined {
  return claims.find((c) => c.basis === 'observed') ?? claims[0];
}

// ---- shared helpers ----------------------------------------------------------------------------

export function boundCallers(callers: readonly string[]): string[] {
  const unique = [...new Set(callers)];
  if (unique.length <= MAX_CALLERS) return unique;
  return [...unique.slice(0, MAX_CALLERS), `+${unique.length - MAX_CALLERS} more`];
}

function servingContainers(containers: readonly Container[], initContainers: readonly Container[]): Container[] {
  // Native sidecars (init containers with restartPolicy Always) keep running and can listen.
  return [...containers, ...initContainers.filter((c) => c.restartPolicy === 'Always')].filter((c) => !MESH_CONTAINERS.has(c.name));
}

// Application container ports from the template and running pods, without any mesh proxy's own.
export function appPorts(w: Workload): number[] {
  const ports = new Set<number>();
  const all = [...servingContainers(w.containers, w.initContainers), ...w.pods.flatMap((p) => servingContainers(p.containers, p.initContainers))];
  for (const c of all) for (const p of c.ports) ports.add(p.containerPort);
  return [...ports].sort((a, b) => a - b);
}

// One entry per application port (or '*' when none is declared), all with the same wording.
function portsWith(w: Workload, mtls: string): WorkloadPortMtls[] {
  const ports = appPorts(w);
  return ports.length > 0 ? ports.map((port) => ({ port, mtls })) : [{ port: '*', mtls }];
}

function namespaceNetpol(
  target: TargetInventory,
  name: string,
  ns: NamespaceInfo | undefined,
  cache: Map<string, { text: string; evidence: string[] }>,
): { text: string; evidence: string[] } {
  const cached = cache.get(name);
  if (cached) return cached;
  const info: NamespaceInfo = ns ?? { name, labels: {}, annotations: {}, evidenceId: undefined };
  const verdict = judgeNamespaceDefaultDeny(target, info, 'Ingress');
  const text =
    verdict.status === 'pass'
      ? `NetworkPolicy default-deny ingress: yes (${String(verdict.data.policies ?? '')})`
      : verdict.status === 'fail'
        ? 'NetworkPolicy default-deny ingress: no'
        : 'NetworkPolicy default-deny ingress: unknown (NetworkPolicy evidence incomplete)';
  // Only the deny policies themselves; the verdict's other evidence (CNI, namespace) is not row-specific.
  const evidence = verdict.status === 'pass' ? target.kubernetes.networkPolicies.filter((p) => p.namespace === name && verdict.evidence.includes(p.evidenceId)).map((p) => p.evidenceId) : [];
  const result = { text, evidence };
  cache.set(name, result);
  return result;
}

// ---- unmeshed ----------------------------------------------------------------------------------

function unmeshedPart(target: TargetInventory, w: Workload, dp: Dataplanes): MeshPart {
  const notes: string[] = [];
  // Only meshes the evidence shows are worth explaining; otherwise say there is none.
  if (target.istio.present) notes.push(`istio: ${dp.istio.reason}`);
  if (target.linkerd.present) notes.push(`linkerd: ${dp.linkerd.reason}`);
  if (target.consul.present) notes.push(`consul: ${dp.consul.reason}`);
  if (notes.length === 0) notes.push('no service mesh found in the evidence for this target');
  if (dp.linkerd.drift) notes.push(`linkerd: ${dp.linkerd.drift}`);

  // No mesh authorization: only NetworkPolicy can narrow who connects.
  const isolating = target.kubernetes.networkPolicies.filter((p) => appliesTo(p.spec, 'Ingress') && podLabelSets(w).some((l) => selectsPod(p, w.namespace, l)));
  let callers: string[];
  if (isolating.length === 0) {
    callers = ['anyone'];
  } else {
    const open = isolating.filter((p) => allowAllRules(p, 'Ingress').length > 0);
    callers =
      open.length > 0
        ? open.map((p) => `anyone (NetworkPolicy ${objectName(p)} allows all ingress)`)
        : [`only peers NetworkPolicy ${isolating.map(objectName).join(', ')} allow${isolating.length > 1 ? '' : 's'}`];
  }
  return {
    ports: portsWith(w, PLAINTEXT),
    inbound: 'allow (no mesh proxy)',
    callers,
    evidence: isolating.map((p) => p.evidenceId),
    notes,
  };
}

function podLabelSets(w: Workload): Record<string, string>[] {
  return w.pods.length > 0 ? w.pods.map((p) => p.labels) : [w.podLabels];
}

// ---- Istio -------------------------------------------------------------------------------------

const SOURCE_LABEL: Readonly<Record<string, string>> = {
  principals: '',
  requestPrincipals: 'JWT ',
  namespaces: 'namespace ',
  serviceAccounts: 'serviceAccount ',
  ipBlocks: 'ip ',
  remoteIpBlocks: 'remote ip ',
};

function sourceValue(field: string, value: string): string {
  if (field === 'principals' && value === '*') return 'any mesh identity';
  if (field === 'namespaces' && value === '*') return 'any namespace';
  return `${SOURCE_LABEL[field] ?? `${field} `}${value}`;
}

// The string list of one source or operation field (schema: string[] | null | undefined).
function valuesOf(obj: Readonly<Record<string, unknown>>, field: string): string[] {
  const v = obj[field];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

// One `from` source: fields are ANDed, values within a field ORed.
function describeSource(source: AuthzSource, anyone: string): string[] {
  const fields = sourceFields(source);
  const positive = fields.filter((f) => !f.startsWith('not'));
  const negative = fields.filter((f) => f.startsWith('not'));
  const first = positive[0];
  if (first !== undefined && positive.length === 1 && negative.length === 0) return valuesOf(source, first).map((v) => sourceValue(first, v));
  const parts = positive.map((f) => {
    const values = valuesOf(source, f);
    return values.length === 1 && values[0] !== undefined ? sourceValue(f, values[0]) : `${SOURCE_LABEL[f] ?? `${f} `}${values.join('|')}`;
  });
  const except = negative.map((f) => {
    const positiveName = `${f.charAt(3).toLowerCase()}${f.slice(4)}`;
    return `except ${SOURCE_LABEL[positiveName] ?? `${positiveName} `}${valuesOf(source, f).join('|')}`;
  });
  return [[parts.length > 0 ? parts.join(' + ') : anyone, ...except].join(' ')];
}

// What narrows a rule besides its sources (operations, conditions), for the caller text.
function ruleScope(rule: AuthzRule): string {
  const parts: string[] = [];
  const to = rule.to ?? [];
  const restricted = to.length > 0 && to.every((t) => operationFields(t.operation).length > 0);
  if (restricted) {
    const ops = to.map((t) =>
      operationFields(t.operation)
        .map((f) => `${f} ${valuesOf(t.operation ?? {}, f).join(',')}`)
        .join(' '),
    );
    parts.push(ops.join(' or '));
  }
  for (const c of rule.when ?? []) parts.push(`when ${c.key}`);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

function ruleCallers(rule: AuthzRule | null | undefined, anyone: string): string[] {
  if (!rule || isEmptyRule(rule)) return [anyone];
  const scope = ruleScope(rule);
  const from = rule.from ?? [];
  // An absent `from`, or one empty source, matches any peer.
  if (from.length === 0 || from.some((f) => sourceFields(f.source).length === 0)) return [`${anyone}${scope}`];
  return from.flatMap((f) => (f.source ? describeSource(f.source, anyone) : [anyone]).map((c) => `${c}${scope}`));
}

function istioPart(target: TargetInventory, w: Workload, ns: NamespaceInfo | undefined, dataplane: IstioDataplane): MeshPart {
  const mtls = effectiveMtls(target, w, ns);
  const judged = judgedPorts(mtls);
  const notes = [`istio: ${dataplane.reason}`, ...judged.map((p) => `port ${p.port}: ${p.mode} (${describeDecider(p.decidedBy)})`), ...mtls.warnings];
  const ports = judged.map((p) => ({ port: p.port, mtls: p.mode }));
  // Plaintext peers carry no identity; only with STRICT on every port is "anyone" limited to the mesh.
  const anyone = judged.every((p) => p.mode === 'STRICT') ? 'anyone in the mesh' : 'anyone';

  const applicable = policiesForWorkload(target, w);
  const enforced = applicable.filter(isEnforced);
  const dryRun = applicable.filter((p) => !isEnforced(p));
  const allow = enforced.filter((p) => effectiveAction(p) === 'ALLOW');
  const deny = enforced.filter((p) => effectiveAction(p) === 'DENY');
  const denyAll = deny.filter((p) => policyRules(p).some(isEmptyRule));
  for (const p of dryRun) notes.push(`AuthorizationPolicy ${objectName(p)} is dry-run (istio.io/dry-run) and enforces nothing`);
  for (const p of deny.filter((x) => !denyAll.includes(x))) {
    notes.push(hasNoRules(p) ? `DENY AuthorizationPolicy ${objectName(p)} has no rules and matches nothing` : `DENY AuthorizationPolicy ${objectName(p)} removes some of these callers`);
  }
  for (const p of enforced.filter((x) => effectiveAction(x) === 'CUSTOM')) notes.push(`CUSTOM AuthorizationPolicy ${objectName(p)} delegates some requests to an external authorizer`);
  if (dataplane.mode === 'ambient') {
    for (const p of allow) {
      const l7 = l7Attributes(p);
      if (l7.length > 0) notes.push(`AuthorizationPolicy ${objectName(p)} uses ${l7.join(', ')}, which ztunnel cannot enforce without a waypoint`);
    }
  }

  let callers: string[];
  let inbound: string;
  if (denyAll.length > 0) {
    callers = ['nobody'];
    inbound = `deny (DENY with an empty rule: ${denyAll.map(objectName).join(', ')})`;
  } else if (allow.length === 0) {
    callers = [anyone];
    inbound = `allow (no ALLOW policy${dryRun.length > 0 ? `; ${dryRun.map(objectName).join(', ')} is dry-run` : ''})`;
  } else {
    callers = allow.filter((p) => !isAllowNothing(p)).flatMap((p) => policyRules(p).flatMap((r) => ruleCallers(r, anyone)));
    if (callers.length === 0) callers = ['nobody'];
    const allowAll = allow.filter((p) => policyRules(p).some(isEmptyRule));
    // The workload's own namespace baseline is named before a mesh-wide one.
    const baseline = [...allow.filter((p) => p.namespace === w.namespace), ...allow.filter((p) => p.namespace !== w.namespace)].find(
      (p) => isAllowNothing(p) && isNamespaceWide(p),
    ) ?? allow.find(isAllowNothing);
    if (allowAll.length > 0) inbound = `allow (allow-all rule in ${allowAll.map(objectName).join(', ')})`;
    else if (baseline) inbound = `deny (allow-nothing ${objectName(baseline)})`;
    else inbound = `deny (only what ALLOW ${allow.map(objectName).join(', ')} permit${allow.length > 1 ? '' : 's'})`;
  }
  return {
    ports,
    inbound,
    callers,
    evidence: [...mtls.evidence, ...applicable.map((p) => p.evidenceId), ...(target.istio.meshConfig ? [target.istio.meshConfig.evidenceId] : [])],
    notes,
  };
}

// ---- Linkerd -----------------------------------------------------------------------------------

interface LinkerdAuthz {
  ref: string;
  analysis: AuthorizationAnalysis;
  // Who it admits, in words; empty when it is ignored (a reference does not resolve).
  who: string[];
}

function linkerdAuthorizations(inv: LinkerdInventory): LinkerdAuthz[] {
  const out: LinkerdAuthz[] = [];
  for (const p of inv.authorizationPolicies) {
    const analysis = analyzeAuthorizationPolicy(inv, p);
    const identities = (): string[] =>
      p.spec.requiredAuthenticationRefs.flatMap((a) => {
        const ns = a.namespace ?? p.namespace;
        if (a.kind === 'ServiceAccount') return [`ServiceAccount ${ns}/${a.name ?? ''}`];
        if (a.kind !== 'MeshTLSAuthentication') return [];
        const m = inv.meshTLSAuthentications.find((x) => x.namespace === ns && x.name === a.name);
        if (!m) return [];
        return [
          ...(m.spec.identities ?? []),
          ...(m.spec.identityRefs ?? []).map((r) =>
            r.kind === 'Namespace' ? `any ServiceAccount in namespace ${r.name ?? ''}` : `${r.kind} ${r.namespace ?? m.namespace}/${r.name ?? '*'}`,
          ),
        ];
      });
    out.push({ ref: `AuthorizationPolicy ${p.namespace}/${p.name}`, analysis, who: clientsText(analysis.clients, identities) });
  }
  for (const s of inv.serverAuthorizations) {
    const analysis = analyzeServerAuthorization(inv, s);
    const mtls = s.spec.client.meshTLS;
    const identities = (): string[] => [...(mtls?.identities ?? []), ...(mtls?.serviceAccounts ?? []).map((x) => `ServiceAccount ${x.namespace ?? s.namespace}/${x.name}`)];
    out.push({ ref: `ServerAuthorization ${s.namespace}/${s.name}`, analysis, who: clientsText(analysis.clients, identities) });
  }
  return out;
}

function clientsText(c: ClientRequirement | undefined, identities: () => string[]): string[] {
  if (!c) return [];
  if (c.kind === 'identity') {
    if (c.anyIdentity) return ['any meshed identity'];
    const ids = identities();
    return ids.length > 0 ? ids : [c.detail];
  }
  return c.anyNetwork ? ['anyone (unauthenticated)'] : [`unauthenticated clients from ${c.networks.join(', ')}`];
}

// Callers admitted by a fallback policy (default or Server accessPolicy) without any authorization.
function policyCallers(policy: InboundPolicy | undefined): string | undefined {
  switch (policy) {
    case undefined:
      return 'unknown (the default inbound policy is not in the evidence)';
    case 'all-unauthenticated':
      return 'anyone';
    case 'audit':
      return 'anyone (audit mode only flags)';
    case 'cluster-unauthenticated':
      return 'anyone in the cluster networks';
    case 'all-authenticated':
      return 'any meshed identity';
    case 'cluster-authenticated':
      return 'any meshed identity in the cluster networks';
    case 'deny':
      return undefined;
  }
}

function policyMtls(policy: InboundPolicy): string {
  switch (policy) {
    case 'all-unauthenticated':
    case 'audit':
      return 'mTLS (meshed peers), plaintext allowed';
    case 'cluster-unauthenticated':
      return 'mTLS (meshed peers), plaintext allowed from cluster networks';
    case 'all-authenticated':
    case 'cluster-authenticated':
      return 'mTLS required';
    case 'deny':
      return 'mTLS required (authorized identities only)';
  }
}

function linkerdPortMtls(p: PortPolicy | undefined, dflt: DefaultPolicyDecision, unauthServers: ReadonlySet<string>): string {
  if (p?.decidedBy === 'skipped') return `${PLAINTEXT} (skip-inbound-ports: bypasses the proxy)`;
  const policy = p ? p.policy : dflt.policy;
  if (policy === undefined) return 'unknown (the default inbound policy is not in the evidence)';
  if (policy === 'deny' && p?.decidedBy !== 'server') return 'nothing admitted (default policy deny, no Server)';
  if (p?.requireIdentity) return 'mTLS required (proxy-require-identity-inbound-ports)';
  if (policy === 'deny' && p?.servers.some((s) => unauthServers.has(s.evidenceId))) {
    return 'mTLS (meshed peers), plaintext allowed for authorized networks';
  }
  return policyMtls(policy);
}

function linkerdPart(target: TargetInventory, w: Workload, ns: NamespaceInfo | undefined, dataplane: LinkerdDataplane, authz: readonly LinkerdAuthz[]): MeshPart {
  const inv = target.linkerd;
  const resolved = workloadInboundPolicy(inv, w, ns);
  const dflt = resolved.defaultPolicy;
  const notes = [`linkerd: ${dataplane.reason}`, ...(dataplane.drift ? [`linkerd: ${dataplane.drift}`] : []), `default inbound policy from ${dflt.detail}`, ...dflt.warnings];
  const evidence = [...dflt.evidence, ...resolved.servers.map((s) => s.evidenceId)];

  const onServer = (s: Obj<ServerSpec>): LinkerdAuthz[] => authz.filter((a) => a.analysis.target?.servers.some((x) => x.evidenceId === s.evidenceId));
  // An authorization on one of these Servers whose authentication does not resolve admits nobody.
  for (const a of authz) {
    if (a.analysis.dangling.length === 0 || !resolved.servers.some((s) => a.analysis.target?.servers.some((x) => x.evidenceId === s.evidenceId))) continue;
    const refs = a.analysis.dangling.map((d) => `${d.kind} ${d.namespace}/${d.name} (${d.problem})`).join(', ');
    notes.push(`${a.ref} is ignored by Linkerd because a reference does not resolve: ${refs}`);
    evidence.push(...a.analysis.evidence);
  }
  const unauthServers = new Set(
    resolved.servers.filter((s) => onServer(s).some((a) => a.analysis.clients?.kind === 'network')).map((s) => s.evidenceId),
  );

  const ports: WorkloadPortMtls[] =
    resolved.ports.length > 0
      ? resolved.ports.map((p) => ({ port: p.port, mtls: linkerdPortMtls(p, dflt, unauthServers) }))
      : [{ port: '*', mtls: linkerdPortMtls(undefined, dflt, unauthServers) }];

  const callers: string[] = [];
  for (const s of resolved.servers) {
    for (const a of onServer(s)) {
      evidence.push(...a.analysis.evidence);
      const t = a.analysis.target;
      const via = t && (t.kind === 'HTTPRoute' || t.kind === 'GRPCRoute') ? `${t.description} on Server ${s.name}` : `Server ${s.name}`;
      for (const who of a.who) callers.push(`${who} (${via})`);
    }
  }
  for (const p of resolved.ports) {
    if (p.decidedBy === 'skipped') callers.push(`anyone (port ${p.port} bypasses the proxy)`);
    if (p.decidedBy === 'server' && p.policy !== 'deny') {
      const who = policyCallers(p.policy);
      if (who) callers.push(`${who} (Server ${p.servers.map((s) => s.name).join(', ')} accessPolicy ${p.policy ?? 'unknown'})`);
    }
  }
  // Ports without a Server (declared or not) fall back to the default policy.
  const fallback = policyCallers(dflt.policy);
  if (fallback) callers.push(`${fallback} (default policy ${dflt.policy ?? 'unknown'}, ports without a Server)`);
  if (callers.length === 0) callers.push('nobody');

  const inbound = dflt.policy ?? 'unknown (linkerd-config is not in the evidence)';
  return { ports, inbound, callers, evidence, notes };
}

// ---- Consul ------------------------------------------------------------------------------------

// consul-k8s registers a pod under the connect-service annotation, else under the one Kubernetes
// Service that selects it (consul-k8s endpoints controller).
export function consulServiceName(target: TargetInventory, w: Workload): { name: string; note: string; evidence: string[] } {
  const annotated = w.pods.map((p) => p.annotations[CONSUL_SERVICE_ANNOTATION]).find((v) => v !== undefined) ?? w.podAnnotations[CONSUL_SERVICE_ANNOTATION];
  const first = annotated?.split(',')[0]?.trim();
  if (first) return { name: first, note: `Consul service ${first} (annotation ${CONSUL_SERVICE_ANNOTATION})`, evidence: [] };
  const labelSets = podLabelSets(w);
  const services = target.services.filter(
    (s) => s.namespace === w.namespace && !isEmptySelector(s.selector) && labelSets.some((l) => matchesLabels(l, s.selector)),
  );
  const svc = services[0];
  if (!svc) return { name: w.name, note: `no Kubernetes Service selects the workload; its Consul service name is assumed to be ${w.name}`, evidence: [] };
  const more = services.length > 1 ? `; ${services.length} Services select it (${services.map((s) => s.name).join(', ')}), the first is shown` : '';
  return { name: svc.name, note: `Consul service ${svc.name} (Kubernetes Service ${svc.namespace}/${svc.name}${more})`, evidence: services.map((s) => s.evidenceId) };
}

export function consulMtlsMode(target: TargetInventory, service: string): { mode: 'strict' | 'permissive'; why: string; evidence: string[]; notes: string[] } {
  const consul = target.consul;
  const notes: string[] = [];
  // Unsynced config entries were never written to Consul, so they are not in effect.
  for (const o of [...consul.serviceDefaults.filter((s) => s.name === service), ...consul.proxyDefaults]) {
    if (o.sync.state === 'unsynced') notes.push(`${o.kind} ${o.namespace}/${o.name} is not synced to Consul (${o.sync.reason ?? 'not synced'}) and is not in effect`);
  }
  const sd = consul.serviceDefaults.find((s) => s.name === service && s.sync.state !== 'unsynced');
  const pd = consul.proxyDefaults.find((p) => p.sync.state !== 'unsynced');
  const own = sd?.spec.mutualTLSMode || undefined;
  const inherited = pd?.spec.mutualTLSMode || undefined;
  // ServiceDefaults overrides ProxyDefaults; unset everywhere means strict.
  if (own && sd) return { mode: own, why: `ServiceDefaults ${sd.namespace}/${sd.name}`, evidence: [sd.evidenceId], notes };
  if (inherited && pd) return { mode: inherited, why: `ProxyDefaults ${pd.namespace}/${pd.name}`, evidence: [pd.evidenceId, ...(sd ? [sd.evidenceId] : [])], notes };
  return { mode: 'strict', why: 'unset in ServiceDefaults and ProxyDefaults (strict by default)', evidence: [...(sd ? [sd.evidenceId] : []), ...(pd ? [pd.evidenceId] : [])], notes };
}

function sourceRef(s: ConsulIntentionSource): ConsulServiceRef {
  return { name: s.name, namespace: s.namespace, partition: s.partition, peer: s.peer };
}

function defaultWhy(d: ConsulDefaultPolicy): string {
  switch (d.basis) {
    case 'default-intention-policy':
      return 'agent default_intention_policy';
    case 'acl-default-policy':
      return 'ACL default policy';
    case 'acls-disabled':
      return 'ACLs disabled';
    case 'unknown':
      return d.reason;
  }
}

function decisionWhy(d: ConsulDecision): string {
  switch (d.by) {
    case 'default':
      return defaultWhy(d.default);
    case 'l7-unmatched':
      return defaultWhy(d.default);
    default:
      return `intention ${describeIntention(d.intention)}`;
  }
}

function l7Text(ixn: ConsulIntention, unmatched: ConsulDefaultPolicy): string {
  const allowed = ixn.permissions.filter((p) => p.action === 'allow').map(describePermission);
  return `L7: ${allowed.length > 0 ? allowed.join(', ') : 'no allow permission'}; other requests ${unmatched.policy}`;
}

function consulCallers(target: TargetInventory, destination: ConsulServiceRef, def: ConsulDefaultPolicy): { callers: string[]; evidence: string[]; inbound: string; notes: string[] } {
  const running = runningIntentions(target.consul);
  const inEffect = running.inEffect;
  const notes: string[] = [];
  const relevant = inEffect.filter((i) => i.source.samenessGroup === '' && intentionMatches(i, sourceRef(i.source), destination));
  // intentionMatches never matches a sameness-group source; test only the destination to mention them.
  for (const i of inEffect.filter((x) => x.source.samenessGroup !== '' && intentionMatches({ ...x, source: { ...x.source, samenessGroup: '' } }, sourceRef(x.source), destination))) {
    notes.push(`intention ${describeIntention(i)} names a sameness group, whose membership is not in the evidence`);
  }
  if (inEffect.some((i) => ![i.source.namespace, i.destination.namespace].every((n) => n === WILDCARD || norm(n) === 'default'))) {
    notes.push('intentions name Consul namespaces; the service is assumed to be in the default namespace');
  }

  const callers: string[] = [];
  const specific = relevant.filter((i) => i.source.name !== WILDCARD && i.source.namespace !== WILDCARD);
  for (const i of specific) {
    const d = effectiveDecision(inEffect, def, sourceRef(i.source), destination);
    const action = decisionAction(d);
    const who = describeService(i.source);
    if (action === 'allow') callers.push(who);
    else if (action === 'depends' && d.by === 'l7') callers.push(`${who} (${l7Text(d.intention, d.unmatched)})`);
    else if (action === 'unknown') callers.push(`${who} (unknown: ${decisionWhy(d)})`);
  }

  // Services without their own intention: per source namespace a wildcard names, plus the default one.
  const sourceNamespaces = new Set(['default']);
  for (const i of relevant) if (i.source.name === WILDCARD && i.source.namespace !== WILDCARD) sourceNamespaces.add(norm(i.source.namespace));
  let inbound = '';
  for (const ns of [...sourceNamespaces].sort()) {
    const d = effectiveDecision(inEffect, def, { name: UNLISTED_SOURCE, namespace: ns }, destination);
    const action = decisionAction(d);
    const who = ns === 'default' ? 'any other service' : `any other service in namespace ${ns}`;
    if (action === 'allow') callers.push(`${who} (${decisionWhy(d)})`);
    else if (action === 'depends' && d.by === 'l7') callers.push(`${who} (${l7Text(d.intention, d.unmatched)})`);
    else if (action === 'unknown') callers.push(`${who}? unknown: ${decisionWhy(d)}`);
    if (ns === 'default') inbound = `${action} (${decisionWhy(d)})`;
  }
  const evidence = [...def.evidence, ...relevant.map((i) => i.evidenceId)];
  return { callers, evidence, inbound, notes };
}

function consulPart(target: TargetInventory, w: Workload, dataplane: ConsulDataplane): MeshPart {
  const service = consulServiceName(target, w);
  const mode = consulMtlsMode(target, service.name);
  const def = resolveDefaultPolicy(target.consul.agent);
  const destination: ConsulServiceRef = { name: service.name };
  const intentions = consulCallers(target, destination, def);
  const notes = [`consul: ${dataplane.reason}`, service.note, `mutualTLSMode ${mode.mode} (${mode.why})`, ...mode.notes, `default intention: ${def.reason}`, ...intentions.notes];

  const tproxy = dataplane.tproxy;
  const excluded = new Set(
    dataplane.exclusions.filter((e) => e.annotation === CONSUL_EXCLUDE_INBOUND).flatMap((e) => e.values.map(Number).filter((n) => Number.isInteger(n))),
  );
  const callers: string[] = [];
  let ports: WorkloadPortMtls[];
  if (tproxy && !tproxy.enabled) {
    // Without redirection the application port is reached directly, bypassing Envoy.
    notes.push(`transparent proxy disabled: ${tproxy.reason}`);
    ports = portsWith(w, `${PLAINTEXT} (transparent proxy disabled: the port is reachable directly)`);
    callers.push('anyone reaching the pod directly (transparent proxy disabled)');
  } else {
    if (tproxy) notes.push(`transparent proxy enabled: ${tproxy.reason}`);
    ports = portsWith(w, mode.mode).map((p) =>
      typeof p.port === 'number' && excluded.has(p.port) ? { port: p.port, mtls: `${PLAINTEXT} (excluded from transparent proxy)` } : p,
    );
    for (const port of [...excluded].sort((a, b) => a - b)) callers.push(`anyone on port ${port} (excluded from transparent proxy)`);
    // Consul does not enforce intentions on plaintext connections a permissive service accepts.
    if (mode.mode === 'permissive') callers.push('anyone over plaintext (permissive mTLS: intentions not enforced)');
  }
  callers.push(...intentions.callers);
  if (callers.length === 0) callers.push('nobody');
  return {
    ports,
    inbound: intentions.inbound,
    callers,
    evidence: [...service.evidence, ...mode.evidence, ...intentions.evidence],
    notes,
  };
}

// ---- coverage ----------------------------------------------------------------------------------

// Rounded down so a cluster at 99.95 % never reads as 100; integer arithmetic avoids float drift.
export function coveragePercent(meshed: number, workloads: number): number {
  if (workloads <= 0) return 0;
  return Math.floor((meshed * 1000) / workloads) / 10;
}

function coverageOf(target: string, rows: readonly WorkloadRow[]): CoverageRow[] {
  const inScope = rows.filter((r) => r.inScope);
  if (inScope.length === 0) return [];
  const count = (list: readonly WorkloadRow[]): { workloads: number; meshed: number; percent: number } => {
    const meshed = list.filter((r) => r.mesh !== 'none').length;
    return { workloads: list.length, meshed, percent: coveragePercent(meshed, list.length) };
  };
  const byNamespace = new Map<string, WorkloadRow[]>();
  for (const r of inScope) byNamespace.set(r.namespace, [...(byNamespace.get(r.namespace) ?? []), r]);
  return [
    { target, ...count(inScope) },
    ...[...byNamespace.entries()].sort(([a], [b]) => cmp(a, b)).map(([namespace, list]) => ({ target, namespace, ...count(list) })),
  ];
}
