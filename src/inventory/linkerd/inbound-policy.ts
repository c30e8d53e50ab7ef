import type { NamespaceInfo, Obj, Workload } from '../types.ts';
import { InboundPolicy, type ServerSpec } from './schema.ts';
import { selectorMatches } from './selector.ts';
import {
  clusterPortDefaults,
  portListHas,
  proxyPortSettings,
  settingPortList,
  workloadPorts,
  type ProxyPortSettings,
  type WorkloadPort,
} from './ports.ts';
import type { LinkerdInventory } from './types.ts';

// Linkerd's default inbound policy cascade (catalog 2.1; linkerd2 labels.go, values.yaml):
// cluster default (linkerd-config values proxy.defaultInboundPolicy) → Namespace annotation →
// pod annotation config.linkerd.io/default-inbound-policy. The value is fixed when the pod is created;
// the proxy's env LINKERD2_PROXY_INBOUND_DEFAULT_POLICY is what a running pod actually enforces.

export const DEFAULT_POLICY_ANNOTATION = 'config.linkerd.io/default-inbound-policy';
export const PROXY_POLICY_ENV = 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY';
export const INSTALL_DEFAULT_POLICY: InboundPolicy = 'all-unauthenticated';

export type PolicyLevel = 'proxy env' | 'running pod' | 'pod template' | 'namespace' | 'linkerd-config' | 'install default';

// How much traffic a policy lets through when nothing else authorizes it; higher is more permissive.
// audit admits everything (it only flags), so it ranks with all-unauthenticated.
const PERMISSIVENESS: Readonly<Record<InboundPolicy, number>> = {
  deny: 0,
  'cluster-authenticated': 1,
  'all-authenticated': 2,
  'cluster-unauthenticated': 3,
  'all-unauthenticated': 4,
  audit: 4,
};

export function morePermissive(a: InboundPolicy, b: InboundPolicy): InboundPolicy {
  return PERMISSIVENESS[b] > PERMISSIVENESS[a] ? b : a;
}

export interface ClusterDefaultPolicy {
  policy: InboundPolicy;
  level: 'linkerd-config' | 'install default';
  evidence: string[];
}

// undefined when linkerd-config is not in the evidence: the cluster default is then unknown.
export function clusterDefaultPolicy(inv: LinkerdInventory): ClusterDefaultPolicy | undefined {
  const config = inv.config;
  if (!config) return undefined;
  const explicit = config.values.proxy?.defaultInboundPolicy ?? config.values.policyController?.defaultAllowPolicy;
  return explicit
    ? { policy: explicit, level: 'linkerd-config', evidence: [config.evidenceId] }
    : { policy: INSTALL_DEFAULT_POLICY, level: 'install default', evidence: [config.evidenceId] };
}

export interface DefaultPolicyDecision {
  // undefined when it rests on the cluster default and linkerd-config is not in evidence.
  policy: InboundPolicy | undefined;
  // Level that decided the most permissive pod's policy.
  level: PolicyLevel | 'unknown';
  detail: string;
  evidence: string[];
  warnings: string[];
}

interface PodDecision {
  policy: InboundPolicy | undefined;
  level: PolicyLevel | 'unknown';
  detail: string;
}

function parsePolicy(value: string | undefined): InboundPolicy | undefined | 'invalid' {
  if (value === undefined) return undefined;
  const parsed = InboundPolicy.safeParse(value.trim());
  return parsed.success ? parsed.data : 'invalid';
}

// The effective default inbound policy of a workload: per running pod when pods are in evidence (the
// weakest pod decides), else predicted for new pods from the template. `proxyEnv` maps pod name to
// the proxy's LINKERD2_PROXY_INBOUND_DEFAULT_POLICY when the evidence carries it; it wins.
export function effectiveDefaultPolicy(
  workload: Workload,
  namespace: NamespaceInfo | undefined,
  cluster: ClusterDefaultPolicy | undefined,
  proxyEnv: ReadonlyMap<string, string> = new Map(),
): DefaultPolicyDecision {
  const warnings: string[] = [];
  const evidence = new Set<string>();
  const invalid = (where: string, value: string): void => {
    // The injector ignores an unrecognised value and falls back to the next level.
    warnings.push(`${where} sets ${DEFAULT_POLICY_ANNOTATION} to the unrecognised value "${value}", which Linkerd ignores`);
  };

  const nsRaw = namespace?.annotations[DEFAULT_POLICY_ANNOTATION];
  const nsPolicy = parsePolicy(nsRaw);
  if (nsPolicy === 'invalid' && nsRaw !== undefined) invalid(`namespace ${workload.namespace}`, nsRaw);

  const lower = (): PodDecision => {
    if (nsPolicy !== undefined && nsPolicy !== 'invalid') {
      if (namespace?.evidenceId) evidence.add(namespace.evidenceId);
      return { policy: nsPolicy, level: 'namespace', detail: `namespace ${workload.namespace} annotation ${DEFAULT_POLICY_ANNOTATION}` };
    }
    if (cluster) {
      for (const e of cluster.evidence) evidence.add(e);
      return {
        policy: cluster.policy,
        level: cluster.level,
        detail: cluster.level === 'linkerd-config' ? 'cluster default in linkerd-config' : 'install default (linkerd-config sets none)',
      };
    }
    return { policy: undefined, level: 'unknown', detail: 'cluster default (linkerd-config is not in the evidence)' };
  };

  const decisions: PodDecision[] = [];
  if (workload.pods.length > 0) {
    const templateRaw = workload.podAnnotations[DEFAULT_POLICY_ANNOTATION];
    for (const pod of workload.pods) {
      const env = parsePolicy(proxyEnv.get(pod.name));
      if (env !== undefined && env !== 'invalid') {
        evidence.add(pod.evidenceId);
        decisions.push({ policy: env, level: 'proxy env', detail: `pod ${pod.name} proxy env ${PROXY_POLICY_ENV}` });
        continue;
      }
      const raw = pod.annotations[DEFAULT_POLICY_ANNOTATION];
      const own = parsePolicy(raw);
      if (own === 'invalid' && raw !== undefined) invalid(`pod ${pod.name}`, raw);
      if (own !== undefined && own !== 'invalid') {
        evidence.add(pod.evidenceId);
        decisions.push({ policy: own, level: 'running pod', detail: `pod ${pod.name} annotation ${DEFAULT_POLICY_ANNOTATION}` });
        if (templateRaw !== undefined && templateRaw !== raw) {
          warnings.push(
            `the pod template now sets ${DEFAULT_POLICY_ANNOTATION}: ${templateRaw}, but running pod ${pod.name} was created with ${raw}; ` +
              'the value is fixed at pod creation, so it takes effect only after a restart',
          );
        }
      } else {
        decisions.push(lower());
      }
    }
  } else {
    const raw = workload.podAnnotations[DEFAULT_POLICY_ANNOTATION];
    const own = parsePolicy(raw);
    if (own === 'invalid' && raw !== undefined) invalid(`the pod template of ${workload.kind} ${workload.name}`, raw);
    if (own !== undefined && own !== 'invalid') {
      for (const e of workload.evidenceIds) evidence.add(e);
      decisions.push({ policy: own, level: 'pod template', detail: `pod template annotation ${DEFAULT_POLICY_ANNOTATION}` });
    } else {
      decisions.push(lower());
    }
  }

  // An unknown pod makes the whole workload unknown; otherwise the most permissive pod decides.
  const unknown = decisions.find((d) => d.policy === undefined);
  let chosen = unknown ?? decisions[0] ?? lower();
  if (!unknown) {
    for (const d of decisions) {
      if (d.policy !== undefined && chosen.policy !== undefined && morePermissive(chosen.policy, d.policy) !== chosen.policy) chosen = d;
    }
    const distinct = new Set(decisions.map((d) => d.policy));
    if (distinct.size > 1) {
      warnings.push(`running pods enforce different default policies (${[...distinct].join(', ')}); the most permissive is judged`);
    }
  }
  return { policy: chosen.policy, level: chosen.level, detail: chosen.detail, evidence: [...evidence], warnings };
}

export interface PortPolicy extends WorkloadPort {
  // skipped: proxy-init does not redirect the port, so no proxy, mTLS or policy sees its traffic.
  decidedBy: 'skipped' | 'server' | 'default';
  servers: Obj<ServerSpec>[];
  // For a Server: its accessPolicy (absent means deny); for the default: the default policy.
  policy: InboundPolicy | undefined;
  // The port is listed in proxy-require-identity-inbound-ports: clients must present a mesh identity.
  requireIdentity: boolean;
  opaque: boolean;
}

export interface WorkloadInboundPolicy {
  defaultPolicy: DefaultPolicyDecision;
  settings: ProxyPortSettings;
  ports: PortPolicy[];
  // Every Server that selects one of the workload's pods (matching a declared port or not).
  servers: Obj<ServerSpec>[];
}

export function serverSelectsWorkload(server: Obj<ServerSpec>, workload: Workload): boolean {
  if (server.namespace !== workload.namespace) return false;
  const selector = server.spec.podSelector;
  if (!selector) return false; // externalWorkloadSelector Servers apply to ExternalWorkloads, not pods
  if (workload.pods.length > 0) return workload.pods.some((p) => selectorMatches(selector, p.labels));
  return selectorMatches(selector, workload.podLabels);
}

export function serverCoversPort(server: Obj<ServerSpec>, port: WorkloadPort): boolean {
  const p = server.spec.port;
  return typeof p === 'number' ? p === port.port : port.name !== undefined && p === port.name;
}

// The accessPolicy field exists only in Server v1beta3 and defaults to deny; older versions deny
// unmatched traffic. A field present in any version is honoured (never assume the safer default).
export function serverAccessPolicy(server: Obj<ServerSpec>): { policy: InboundPolicy; explicit: boolean } {
  const explicit = server.spec.accessPolicy;
  return explicit ? { policy: explicit, explicit: true } : { policy: 'deny', explicit: false };
}

// Per declared port: skipped by proxy-init, covered by a Server (its accessPolicy applies and the
// default is bypassed), or falling back to the workload's default policy.
export function workloadInboundPolicy(
  inv: LinkerdInventory,
  workload: Workload,
  namespace: NamespaceInfo | undefined,
  proxyEnv?: ReadonlyMap<string, string>,
): WorkloadInboundPolicy {
  const defaultPolicy = effectiveDefaultPolicy(workload, namespace, clusterDefaultPolicy(inv), proxyEnv);
  const settings = proxyPortSettings(workload, namespace, clusterPortDefaults(inv));
  const skipInbound = settingPortList(settings.skipInbound);
  const requireIdentity = settingPortList(settings.requireIdentity);
  const opaque = settingPortList(settings.opaque);
  const servers = inv.servers.filter((s) => serverSelectsWorkload(s, workload));
  const ports = workloadPorts(workload).map((wp): PortPolicy => {
    const base = {
      ...wp,
      requireIdentity: portListHas(requireIdentity, wp.port, wp.name),
      opaque: portListHas(opaque, wp.port, wp.name),
    };
    if (portListHas(skipInbound, wp.port, wp.name)) return { ...base, decidedBy: 'skipped', servers: [], policy: undefined };
    const covering = servers.filter((s) => serverCoversPort(s, wp));
    if (covering.length > 0) {
      // Servers must not overlap (an admission check prevents it); if they do, judge the weakest.
      let policy: InboundPolicy = 'deny';
      for (const s of covering) policy = morePermissive(policy, serverAccessPolicy(s).policy);
      return { ...base, decidedBy: 'server', servers: covering, policy };
    }
    return { ...base, decidedBy: 'default', servers: [], policy: defaultPolicy.policy };
  });
  return { defaultPolicy, settings, ports, servers };
}
