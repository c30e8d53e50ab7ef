import { consulDataplane } from './consul/dataplane.ts';
import { effectiveMtls, judgedPorts, describeDecider } from './istio/effective-mtls.ts';
import { istioDataplane } from './istio/dataplane.ts';
import { analyzeAuthorizationPolicy, analyzeServerAuthorization } from './linkerd/authz.ts';
import { linkerdDataplane } from './linkerd/dataplane.ts';
import { workloadInboundPolicy, type PortPolicy } from './linkerd/inbound-policy.ts';
import type { InboundPolicy } from './linkerd/schema.ts';
import { gapsTouching } from './scope.ts';
import type { NamespaceInfo, TargetInventory, Workload } from './types.ts';
import {
  appPorts,
  claimsOf,
  consulMtlsMode,
  consulServiceName,
  CONSUL_EXCLUDE_INBOUND,
  pickClaim,
  type WorkloadMesh,
} from './workload-view.ts';

// Whether each serving port of a workload accepts only mutual TLS, under whichever mesh actually
// carries it. Every judgement comes from the per-mesh effective-policy helpers (Istio PeerAuthentication
// precedence, Linkerd inbound policy cascade, Consul ServiceDefaults/ProxyDefaults); this module
// only picks the mesh (the same choice as the workload table) and classifies each port.

// mtls-only: a plaintext connection is refused; plaintext: accepted; unknown: the evidence cannot tell.
export type PortAcceptance = 'mtls-only' | 'plaintext' | 'unknown';

export interface PortVerdict {
  // A container port, or '*' when the workload declares none (judged on its workload-wide setting).
  port: number | '*';
  accepts: PortAcceptance;
  // What decided it, in words ("STRICT, PeerAuthentication payments/default (namespace level)").
  why: string;
}

export interface WorkloadMeshMtls {
  mesh: WorkloadMesh;
  // How the mesh was told: from running pods (observed) or the manifests (predicted); undefined for none.
  basis: 'observed' | 'predicted' | undefined;
  // Why the workload is (or is not) in that mesh.
  reason: string;
  ports: PortVerdict[];
  evidence: string[];
  // Mesh conflicts and policy warnings; they do not change the verdict.
  warnings: string[];
}

export const MESH_LABELS: Record<WorkloadMesh, string> = {
  'istio-sidecar': 'Istio (sidecar)',
  'istio-ambient': 'Istio (ambient)',
  linkerd: 'Linkerd',
  consul: 'Consul service mesh',
  none: 'no mesh',
};

// Istio mesh-wide policy lives in the root namespace; a gap there can hide a PERMISSIVE override.
const ISTIO_POLICY_KINDS = ['PeerAuthentication', 'ConfigMap', 'MeshConfig', 'IstioOperator'];

export function workloadMeshMtls(target: TargetInventory, w: Workload, ns: NamespaceInfo | undefined): WorkloadMeshMtls {
  const dp = { istio: istioDataplane(w, ns), linkerd: linkerdDataplane(w, ns), consul: consulDataplane(w, ns) };
  const claims = claimsOf(dp);
  const chosen = pickClaim(claims);
  const warnings: string[] = [];
  if (chosen && claims.length > 1) {
    const others = claims.filter((c) => c !== chosen).map((c) => `${MESH_LABELS[c.mesh]} (${c.basis})`);
    warnings.push(`mesh conflict: ${MESH_LABELS[chosen.mesh]} (${chosen.basis}) is judged, but the workload is also claimed by ${others.join(', ')}`);
  }
  if (!chosen) {
    const reasons = [
      ...(target.istio.present ? [`Istio: ${dp.istio.reason}`] : []),
      ...(target.linkerd.present ? [`Linkerd: ${dp.linkerd.reason}`] : []),
      ...(target.consul.present ? [`Consul: ${dp.consul.reason}`] : []),
    ];
    const ports = appPorts(w);
    const why = 'no mesh proxy terminates the connection';
    return {
      mesh: 'none',
      basis: undefined,
      reason: reasons.length > 0 ? reasons.join('; ') : 'no service mesh is installed on this target',
      ports: (ports.length > 0 ? ports : (['*'] as const)).map((port) => ({ port, accepts: 'plaintext' as const, why })),
      evidence: [],
      warnings,
    };
  }
  const part =
    chosen.mesh === 'linkerd' ? linkerdPorts(target, w, ns) : chosen.mesh === 'consul' ? consulPorts(target, w) : istioPorts(target, w, ns);
  return { mesh: chosen.mesh, basis: chosen.basis, reason: chosen.reason, ports: part.ports, evidence: part.evidence, warnings: [...warnings, ...part.warnings] };
}

interface MeshPorts {
  ports: PortVerdict[];
  evidence: string[];
  warnings: string[];
}

function istioPorts(target: TargetInventory, w: Workload, ns: NamespaceInfo | undefined): MeshPorts {
  const mtls = effectiveMtls(target, w, ns);
  const root = target.istio.rootNamespace;
  const rootGaps = gapsTouching(target, ISTIO_POLICY_KINDS, [root]).filter((g) => g.namespace === root);
  const ports = judgedPorts(mtls).map((p): PortVerdict => {
    const why = `${p.mode}, ${describeDecider(p.decidedBy)}`;
    if (p.mode !== 'STRICT') return { port: p.port, accepts: 'plaintext', why };
    // STRICT cannot be confirmed while mesh-wide policy evidence is incomplete.
    if (rootGaps.length > 0) return { port: p.port, accepts: 'unknown', why: `${why}; but ${rootGaps.map((g) => g.message).join('; ')}` };
    return { port: p.port, accepts: 'mtls-only', why };
  });
  const evidence = [...mtls.evidence, ...(target.istio.meshConfig ? [target.istio.meshConfig.evidenceId] : [])];
  return { ports, evidence, warnings: mtls.warnings };
}

// Whether a Linkerd inbound policy lets a client without a mesh identity connect.
function linkerdPolicyAccepts(policy: InboundPolicy): PortAcceptance {
  switch (policy) {
    case 'all-unauthenticated':
    case 'cluster-unauthenticated':
    case 'audit':
      return 'plaintext';
    case 'all-authenticated':
    case 'cluster-authenticated':
    case 'deny':
      return 'mtls-only';
  }
}

function linkerdPorts(target: TargetInventory, w: Workload, ns: NamespaceInfo | undefined): MeshPorts {
  const inv = target.linkerd;
  const resolved = workloadInboundPolicy(inv, w, ns);
  const dflt = resolved.defaultPolicy;
  const evidence = [...dflt.evidence, ...resolved.servers.map((s) => s.evidenceId)];
  // Servers on which some authorization admits clients by network alone (no identity): plaintext.
  const analyses = [
    ...inv.authorizationPolicies.map((p) => analyzeAuthorizationPolicy(inv, p)),
    ...inv.serverAuthorizations.map((s) => analyzeServerAuthorization(inv, s)),
  ];
  const unauthenticated = new Set<string>();
  for (const a of analyses) {
    const servers = (a.target?.servers ?? []).filter((s) => resolved.servers.some((x) => x.evidenceId === s.evidenceId));
    if (servers.length === 0) continue;
    evidence.push(...a.evidence);
    if (a.clients?.kind === 'network') for (const s of servers) unauthenticated.add(s.evidenceId);
  }

  const judge = (p: PortPolicy | undefined): Omit<PortVerdict, 'port'> => {
    if (p?.decidedBy === 'skipped') return { accepts: 'plaintext', why: 'skip-inbound-ports: traffic bypasses the proxy' };
    if (p?.requireIdentity) return { accepts: 'mtls-only', why: 'proxy-require-identity-inbound-ports' };
    const policy = p ? p.policy : dflt.policy;
    if (policy === undefined) return { accepts: 'unknown', why: `the default inbound policy is not in the evidence (${dflt.detail})` };
    const source = p?.decidedBy === 'server' ? `Server ${p.servers.map((s) => `${s.namespace}/${s.name}`).join(', ')} accessPolicy ${policy}` : `default inbound policy ${policy} (${dflt.detail})`;
    if (policy === 'deny' && p?.servers.some((s) => unauthenticated.has(s.evidenceId))) {
      return { accepts: 'plaintext', why: `${source}, but an authorization on the Server admits unauthenticated networks` };
    }
    return { accepts: linkerdPolicyAccepts(policy), why: source };
  };
  const ports: PortVerdict[] =
    resolved.ports.length > 0 ? resolved.ports.map((p) => ({ port: p.port, ...judge(p) })) : [{ port: '*', ...judge(undefined) }];
  return { ports, evidence, warnings: dflt.warnings };
}

function consulPorts(target: TargetInventory, w: Workload): MeshPorts {
  const dp = consulDataplane(w, target.namespaces.find((n) => n.name === w.namespace));
  const service = consulServiceName(target, w);
  const mode = consulMtlsMode(target, service.name);
  const declared = appPorts(w);
  const list: (number | '*')[] = declared.length > 0 ? declared : ['*'];
  const evidence = [...service.evidence, ...mode.evidence];
  if (dp.tproxy && !dp.tproxy.enabled) {
    // Without redirection the application port is reached directly, bypassing Envoy.
    const why = `transparent proxy disabled (${dp.tproxy.reason}): the port is reachable directly`;
    return { ports: list.map((port) => ({ port, accepts: 'plaintext', why })), evidence, warnings: [] };
  }
  const excluded = new Set(
    dp.exclusions.filter((e) => e.annotation === CONSUL_EXCLUDE_INBOUND).flatMap((e) => e.values.map(Number).filter((n) => Number.isInteger(n))),
  );
  // A config entry that never reached Consul leaves the enforced mode unknown (it may be an older one).
  const unsynced = mode.notes.filter((n) => n.includes('is not synced to Consul'));
  const ports = list.map((port): PortVerdict => {
    if (typeof port === 'number' && excluded.has(port)) return { port, accepts: 'plaintext', why: `excluded from the transparent proxy (${CONSUL_EXCLUDE_INBOUND})` };
    const why = `mutualTLSMode ${mode.mode} for Consul service ${service.name} (${mode.why})`;
    if (mode.mode === 'permissive') return { port, accepts: 'plaintext', why };
    if (unsynced.length > 0) return { port, accepts: 'unknown', why: `${why}; but ${unsynced.join('; ')}` };
    return { port, accepts: 'mtls-only', why };
  });
  return { ports, evidence, warnings: [] };
}
