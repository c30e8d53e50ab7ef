import type { Obj } from '../types.ts';
import { GATEWAY_GROUP, POLICY_GROUP } from './build.ts';
import type {
  AuthorizationPolicySpec,
  GrpcRouteSpec,
  HttpRouteSpec,
  MeshTLSAuthenticationSpec,
  Network,
  NetworkAuthenticationSpec,
  ObjectReference,
  ServerAuthorizationSpec,
  ServerSpec,
} from './schema.ts';
import { selectorMatches } from './selector.ts';
import type { LinkerdInventory } from './types.ts';

// What a Linkerd authorization (AuthorizationPolicy or ServerAuthorization) targets and whom it lets in
// (reference/authorization-policy.md, the policy CRDs). References resolve within the evidence only:
// a reference to something not in evidence is "dangling" unless that kind has an evidence gap.

export type RouteObj = Obj<HttpRouteSpec> | Obj<GrpcRouteSpec>;

export interface Dangling {
  kind: string;
  namespace: string;
  name: string;
  // Why the reference does not resolve (not found, unsupported kind or group, ...).
  problem: string;
}

export interface ResolvedTarget {
  // What the authorization attaches to, for messages ("Server emojivoto/web-http").
  description: string;
  kind: 'Server' | 'HTTPRoute' | 'GRPCRoute' | 'Namespace';
  servers: Obj<ServerSpec>[];
  route: RouteObj | undefined;
  evidence: string[];
}

// Who is authorized. `identity`: only clients with a mesh (mTLS) identity; `network`: clients without
// identity, limited by source networks only.
export type ClientRequirement =
  | { kind: 'identity'; anyIdentity: boolean; detail: string }
  | { kind: 'network'; anyNetwork: boolean; networks: string[]; detail: string };

export interface AuthorizationAnalysis {
  target: ResolvedTarget | undefined;
  dangling: Dangling[];
  clients: ClientRequirement | undefined;
  evidence: string[];
  notes: string[];
}

const CORE = new Set(['', 'core']);

function groupOf(ref: ObjectReference): string {
  return ref.group ?? '';
}

function find<T extends { namespace: string; name: string }>(list: readonly T[], namespace: string, name: string): T | undefined {
  return list.find((o) => o.namespace === namespace && o.name === name);
}

// A CIDR with prefix length 0 covers every address of its family (0.0.0.0/0, ::/0).
export function isAnyNetwork(cidr: string): boolean {
  return /\/0+$/.test(cidr.trim());
}

function describeNetworks(networks: readonly Network[]): string[] {
  return networks.map((n) => (n.except && n.except.length > 0 ? `${n.cidr} except ${n.except.join(', ')}` : n.cidr));
}

function routeTarget(inv: LinkerdInventory, route: RouteObj, kind: 'HTTPRoute' | 'GRPCRoute', notes: string[]): ResolvedTarget {
  const servers: Obj<ServerSpec>[] = [];
  for (const p of route.spec.parentRefs ?? []) {
    if (p.kind !== 'Server' || p.group !== POLICY_GROUP) continue;
    const s = find(inv.servers, p.namespace ?? route.namespace, p.name);
    if (s) servers.push(s);
    // The route attaches to nothing through this parent, so the authorization has no effect there.
    else notes.push(`${kind} ${route.namespace}/${route.name} names parent Server ${p.namespace ?? route.namespace}/${p.name}, which is not in the evidence`);
  }
  if (servers.length === 0 && !notes.some((n) => n.includes(`${route.namespace}/${route.name} names parent`))) {
    notes.push(`${kind} ${route.namespace}/${route.name} has no Server parent, so Linkerd does not use it for inbound policy`);
  }
  return {
    description: `${kind} ${route.namespace}/${route.name}`,
    kind,
    servers,
    route,
    evidence: [route.evidenceId, ...servers.map((s) => s.evidenceId)],
  };
}

export function analyzeAuthorizationPolicy(inv: LinkerdInventory, policy: Obj<AuthorizationPolicySpec>): AuthorizationAnalysis {
  const dangling: Dangling[] = [];
  const notes: string[] = [];
  const evidence = [policy.evidenceId];
  const ref = policy.spec.targetRef;
  const ns = ref.namespace ?? policy.namespace;
  const name = ref.name ?? '';
  const group = groupOf(ref);
  let target: ResolvedTarget | undefined;

  // Linkerd compares group and kind exactly; an omitted group means the core group.
  if (ref.kind === 'Server' && group === POLICY_GROUP) {
    const s = find(inv.servers, ns, name);
    if (s) target = { description: `Server ${ns}/${name}`, kind: 'Server', servers: [s], route: undefined, evidence: [s.evidenceId] };
    else dangling.push({ kind: 'Server', namespace: ns, name, problem: 'not found' });
  } else if (ref.kind === 'HTTPRoute' && (group === POLICY_GROUP || group === GATEWAY_GROUP)) {
    const r = find(inv.httpRoutes, ns, name);
    if (r) target = routeTarget(inv, r, 'HTTPRoute', notes);
    else dangling.push({ kind: 'HTTPRoute', namespace: ns, name, problem: 'not found' });
  } else if (ref.kind === 'GRPCRoute' && group === GATEWAY_GROUP) {
    const r = find(inv.grpcRoutes, ns, name);
    if (r) target = routeTarget(inv, r, 'GRPCRoute', notes);
    else dangling.push({ kind: 'GRPCRoute', namespace: ns, name, problem: 'not found' });
  } else if (ref.kind === 'Namespace' && CORE.has(group)) {
    // A Namespace target applies to every Server in the policy's own namespace.
    if (name === policy.namespace) {
      const servers = inv.servers.filter((s) => s.namespace === policy.namespace);
      target = { description: `every Server in namespace ${name}`, kind: 'Namespace', servers, route: undefined, evidence: servers.map((s) => s.evidenceId) };
    } else {
      dangling.push({ kind: 'Namespace', namespace: name, name, problem: `a Namespace target must be the policy's own namespace (${policy.namespace})` });
    }
  } else {
    dangling.push({ kind: ref.kind, namespace: ns, name, problem: `unsupported target (group "${group}", kind ${ref.kind})` });
  }
  if (target) evidence.push(...target.evidence);

  let identity = false;
  let anyIdentity = false;
  const identityDetail: string[] = [];
  const networkAuthns: Obj<NetworkAuthenticationSpec>[] = [];
  for (const a of policy.spec.requiredAuthenticationRefs) {
    const ans = a.namespace ?? policy.namespace;
    const aname = a.name ?? '';
    const agroup = groupOf(a);
    if (a.kind === 'MeshTLSAuthentication' && agroup === POLICY_GROUP) {
      const m = find(inv.meshTLSAuthentications, ans, aname);
      if (!m) {
        dangling.push({ kind: 'MeshTLSAuthentication', namespace: ans, name: aname, problem: 'not found' });
        continue;
      }
      evidence.push(m.evidenceId);
      identity = true;
      const wildcard = meshTlsAllowsAnyIdentity(m.spec);
      anyIdentity ||= wildcard;
      identityDetail.push(`MeshTLSAuthentication ${ans}/${aname}${wildcard ? ' (any meshed identity)' : ''}`);
    } else if (a.kind === 'NetworkAuthentication' && agroup === POLICY_GROUP) {
      const n = find(inv.networkAuthentications, ans, aname);
      if (!n) {
        dangling.push({ kind: 'NetworkAuthentication', namespace: ans, name: aname, problem: 'not found' });
        continue;
      }
      evidence.push(n.evidenceId);
      networkAuthns.push(n);
    } else if (a.kind === 'ServiceAccount' && CORE.has(agroup)) {
      // Equivalent to a MeshTLSAuthentication naming that ServiceAccount's identity.
      identity = true;
      identityDetail.push(`ServiceAccount ${ans}/${aname}`);
    } else {
      dangling.push({ kind: a.kind, namespace: ans, name: aname, problem: `unsupported authentication (group "${agroup}", kind ${a.kind})` });
    }
  }

  let clients: ClientRequirement | undefined;
  if (dangling.length === 0) {
    if (identity) {
      clients = { kind: 'identity', anyIdentity, detail: identityDetail.join(' and ') };
    } else if (networkAuthns.length > 0) {
      // Every NetworkAuthentication must match, so the policy is open to all networks only when each is.
      const anyNetwork = networkAuthns.every((n) => n.spec.networks.some((net) => isAnyNetwork(net.cidr)));
      const networks = networkAuthns.flatMap((n) => describeNetworks(n.spec.networks));
      clients = {
        kind: 'network',
        anyNetwork,
        networks,
        detail: networkAuthns.map((n) => `NetworkAuthentication ${n.namespace}/${n.name} (${describeNetworks(n.spec.networks).join(', ')})`).join(' and '),
      };
    } else {
      // No authentication required at all: every client, from anywhere.
      notes.push('requiredAuthenticationRefs is empty, so no authentication is required');
      clients = { kind: 'network', anyNetwork: true, networks: [], detail: 'no required authentication' };
    }
  }
  return { target, dangling, clients, evidence, notes };
}

function meshTlsAllowsAnyIdentity(spec: MeshTLSAuthenticationSpec): boolean {
  if ((spec.identities ?? []).some((i) => i.trim() === '*')) return true;
  // identityRefs to a whole Namespace, or a ServiceAccount without a name, admit many identities.
  return (spec.identityRefs ?? []).some((r) => r.kind === 'Namespace' || (r.kind === 'ServiceAccount' && !r.name));
}

export function analyzeServerAuthorization(inv: LinkerdInventory, sa: Obj<ServerAuthorizationSpec>): AuthorizationAnalysis {
  const dangling: Dangling[] = [];
  const notes: string[] = [];
  const evidence = [sa.evidenceId];
  let target: ResolvedTarget | undefined;
  const { server, client } = sa.spec;
  if (server.name) {
    const s = find(inv.servers, sa.namespace, server.name);
    if (s) target = { description: `Server ${sa.namespace}/${server.name}`, kind: 'Server', servers: [s], route: undefined, evidence: [s.evidenceId] };
    else dangling.push({ kind: 'Server', namespace: sa.namespace, name: server.name, problem: 'not found' });
  } else if (server.selector) {
    const servers = inv.servers.filter((s) => s.namespace === sa.namespace && selectorMatches(server.selector, s.labels));
    if (servers.length > 0) {
      target = {
        description: `Server${servers.length > 1 ? 's' : ''} ${servers.map((s) => `${s.namespace}/${s.name}`).join(', ')}`,
        kind: 'Server',
        servers,
        route: undefined,
        evidence: servers.map((s) => s.evidenceId),
      };
    } else {
      dangling.push({ kind: 'Server', namespace: sa.namespace, name: '(selector)', problem: 'the server selector matches no Server' });
    }
  } else {
    dangling.push({ kind: 'Server', namespace: sa.namespace, name: '', problem: 'spec.server names neither a Server nor a selector' });
  }
  if (target) evidence.push(...target.evidence);

  const mtls = client.meshTLS;
  const networks = client.networks ?? [];
  // Without networks the policy controller uses its default (all networks, or the cluster networks):
  // treat it as any network, the permissive reading.
  const anyNetwork = networks.length === 0 || networks.some((n) => isAnyNetwork(n.cidr));
  const networkText = networks.length === 0 ? ['any network (no networks listed)'] : describeNetworks(networks);
  let clients: ClientRequirement;
  if (client.unauthenticated === true) {
    clients = { kind: 'network', anyNetwork, networks: networkText, detail: `client.unauthenticated: true from ${networkText.join(', ')}` };
  } else if (mtls?.unauthenticatedTLS === true) {
    // TLS without a mesh identity proves nothing about who the client is.
    clients = { kind: 'network', anyNetwork, networks: networkText, detail: `client.meshTLS.unauthenticatedTLS: true from ${networkText.join(', ')}` };
  } else if (mtls && ((mtls.identities ?? []).length > 0 || (mtls.serviceAccounts ?? []).length > 0)) {
    const wildcard = (mtls.identities ?? []).some((i) => i.trim() === '*');
    const who = [...(mtls.identities ?? []), ...(mtls.serviceAccounts ?? []).map((s) => `ServiceAccount ${s.namespace ?? sa.namespace}/${s.name}`)];
    clients = { kind: 'identity', anyIdentity: wildcard, detail: `client.meshTLS ${who.join(', ')}` };
  } else if (mtls) {
    // meshTLS: {} admits any client with a mesh identity.
    clients = { kind: 'identity', anyIdentity: true, detail: 'client.meshTLS with no identities (any meshed identity)' };
  } else {
    notes.push('spec.client names no authentication; the admission webhook normally rejects this');
    clients = { kind: 'network', anyNetwork, networks: networkText, detail: 'no client authentication' };
  }
  return { target, dangling, clients: dangling.length === 0 ? clients : undefined, evidence, notes };
}

// Paths that health checks and metrics scrapers use; a route limited to GET/HEAD on these is a probe.
const PROBE_PATHS: ReadonlySet<string> = new Set([
  '/ping',
  '/health',
  '/healthz',
  '/healthcheck',
  '/ready',
  '/readyz',
  '/readiness',
  '/live',
  '/livez',
  '/liveness',
  '/metrics',
]);
const PROBE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);
// The proxy's admin port (4191, named linkerd-admin) and conventional metrics port names.
const TELEMETRY_PORT_NAMES: ReadonlySet<string> = new Set(['linkerd-admin', 'metrics', 'http-metrics', 'prom', 'prometheus']);
const PROXY_ADMIN_PORT = 4191;

// Whether a route admits only health-check or metrics requests. A route with no matches matches
// every request; a regular-expression path is never considered narrow.
export function isProbeRoute(route: RouteObj, kind: 'HTTPRoute' | 'GRPCRoute'): boolean {
  const rules = route.spec.rules ?? [];
  if (rules.length === 0) return false;
  for (const rule of rules) {
    const matches = rule.matches ?? [];
    if (matches.length === 0) return false;
    for (const m of matches) {
      if (kind === 'GRPCRoute') {
        const method = (m as { method?: { service?: string | null } | null }).method;
        if (method?.service !== 'grpc.health.v1.Health') return false;
        continue;
      }
      const hm = m as { method?: string | null; path?: { type?: string | null; value?: string | null } | null };
      if (!hm.method || !PROBE_METHODS.has(hm.method.toUpperCase())) return false;
      const type = hm.path?.type ?? 'PathPrefix';
      const value = (hm.path?.value ?? '/').replace(/\/+$/, '');
      if (type === 'RegularExpression' || !PROBE_PATHS.has(value)) return false;
    }
  }
  return true;
}

export function isTelemetryServer(server: Obj<ServerSpec>): boolean {
  const p = server.spec.port;
  return typeof p === 'number' ? p === PROXY_ADMIN_PORT : TELEMETRY_PORT_NAMES.has(p);
}

// A probe/health target: a route limited to probe requests, or Servers that are all admin/metrics ports.
export function probeTarget(target: ResolvedTarget): { probe: boolean; why: string } {
  if ((target.kind === 'HTTPRoute' || target.kind === 'GRPCRoute') && target.route) {
    return isProbeRoute(target.route, target.kind)
      ? { probe: true, why: `${target.description} matches only health-check requests` }
      : { probe: false, why: '' };
  }
  if (target.kind === 'Server' && target.servers.length > 0 && target.servers.every(isTelemetryServer)) {
    const ports = target.servers.map((s) => String(s.spec.port)).join(', ');
    return { probe: true, why: `${target.description} serve${target.servers.length > 1 ? '' : 's'} the admin/metrics port ${ports} (judged by port name)` };
  }
  return { probe: false, why: '' };
}
