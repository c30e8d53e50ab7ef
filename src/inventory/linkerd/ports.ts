import type { NamespaceInfo, Workload } from '../types.ts';
import { PROXY_CONTAINER } from './dataplane.ts';
import type { LinkerdInventory } from './types.ts';

// Proxy port annotations (linkerd2 pkg/k8s/labels.go). They are read by the injector and proxy-init
// when a pod is created, so a running pod's own annotations are what is in force for it.
export const SKIP_INBOUND_PORTS = 'config.linkerd.io/skip-inbound-ports';
export const SKIP_OUTBOUND_PORTS = 'config.linkerd.io/skip-outbound-ports';
export const SKIP_SUBNETS = 'config.linkerd.io/skip-subnets';
export const OPAQUE_PORTS = 'config.linkerd.io/opaque-ports';
export const REQUIRE_IDENTITY_PORTS = 'config.linkerd.io/proxy-require-identity-inbound-ports';

// charts/linkerd-control-plane/values.yaml proxyInit.ignoreInboundPorts / ignoreOutboundPorts (Galera).
export const INSTALL_DEFAULT_IGNORED_PORTS = '4567,4568';

const LINKERD_CONTAINERS: ReadonlySet<string> = new Set([PROXY_CONTAINER, 'linkerd-init', 'linkerd-network-validator', 'linkerd-debug']);

export interface PortRange {
  from: number;
  to: number;
}

// A Linkerd port list: "25,443,8080-8090". Named ports are kept as names; anything else is invalid.
export interface PortList {
  ranges: PortRange[];
  names: string[];
  invalid: string[];
}

export function parsePortList(text: string | number | null | undefined): PortList {
  const out: PortList = { ranges: [], names: [], invalid: [] };
  if (text === null || text === undefined) return out;
  for (const raw of String(text).split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(token);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (from >= 1 && to <= 65535 && from <= to) out.ranges.push({ from, to });
      else out.invalid.push(token);
    } else if (/^\d+$/.test(token)) {
      const port = Number(token);
      if (port >= 1 && port <= 65535) out.ranges.push({ from: port, to: port });
      else out.invalid.push(token);
    } else if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(token)) {
      out.names.push(token);
    } else {
      out.invalid.push(token);
    }
  }
  return out;
}

export function isEmptyPortList(list: PortList): boolean {
  return list.ranges.length === 0 && list.names.length === 0 && list.invalid.length === 0;
}

export function portListHas(list: PortList, port: number, name?: string): boolean {
  return list.ranges.some((r) => port >= r.from && port <= r.to) || (name !== undefined && list.names.includes(name));
}

export function formatPortList(list: PortList): string {
  const parts = [
    ...list.ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)),
    ...list.names,
    ...list.invalid.map((t) => `${t} (unparseable)`),
  ];
  return [...new Set(parts)].join(', ');
}

export type SettingLevel = 'running pod' | 'pod template' | 'namespace' | 'linkerd-config' | 'install default';

// Where one value of a proxy setting came from.
export interface SettingSource {
  level: SettingLevel;
  value: string;
  // Pods that run with this value (running-pod level only).
  pods: string[];
  evidence: string[];
}

export interface ResolvedSetting {
  // Distinct values in force across the workload's pods (or the one predicted for new pods).
  sources: SettingSource[];
  // Some pod falls back to the cluster value, and that value is not in the evidence.
  unresolved: boolean;
}

// One value per pod: the pod's own annotation, else the namespace's, else the cluster value. Without
// running pods the pod template stands in for the pod. Across pods the sources are merged, so a
// workload whose pods differ reports every value any of its pods runs with.
export function resolveSetting(
  workload: Workload,
  namespace: NamespaceInfo | undefined,
  annotation: string,
  cluster: { level: 'linkerd-config' | 'install default'; value: string | undefined; evidence: string[] } | undefined,
): ResolvedSetting {
  const sources = new Map<string, SettingSource>();
  let unresolved = false;
  const add = (level: SettingLevel, value: string, evidence: string[], pod?: string): void => {
    const key = `${level}\0${value}`;
    const s = sources.get(key) ?? { level, value, pods: [], evidence: [] };
    if (pod) s.pods.push(pod);
    s.evidence.push(...evidence);
    sources.set(key, s);
  };
  const nsValue = namespace?.annotations[annotation];
  const nsEvidence = namespace?.evidenceId ? [namespace.evidenceId] : [];
  const fallBack = (pod?: string): void => {
    if (nsValue !== undefined) add('namespace', nsValue, nsEvidence, pod);
    else if (!cluster) unresolved = true;
    else if (cluster.value !== undefined && cluster.value !== '') add(cluster.level, cluster.value, cluster.evidence, pod);
  };
  if (workload.pods.length > 0) {
    for (const pod of workload.pods) {
      const own = pod.annotations[annotation];
      if (own !== undefined) add('running pod', own, [pod.evidenceId], pod.name);
      else fallBack(pod.name);
    }
  } else {
    const own = workload.podAnnotations[annotation];
    if (own !== undefined) add('pod template', own, workload.evidenceIds);
    else fallBack();
  }
  return { sources: [...sources.values()], unresolved };
}

export function settingPortList(setting: ResolvedSetting): PortList {
  const merged: PortList = { ranges: [], names: [], invalid: [] };
  for (const s of setting.sources) {
    const l = parsePortList(s.value);
    merged.ranges.push(...l.ranges);
    merged.names.push(...l.names);
    merged.invalid.push(...l.invalid);
  }
  return merged;
}

export function describeSources(setting: ResolvedSetting): string {
  return setting.sources
    .map((s) => `"${s.value}" from the ${s.level}${s.level === 'running pod' ? ` (${s.pods.join(', ')})` : ''}`)
    .join('; ');
}

export interface WorkloadPort {
  port: number;
  name?: string;
  container: string;
}

// Ports the application containers declare (native sidecars included), without Linkerd's own.
// Undeclared ports still receive traffic; callers must say so rather than treat this list as complete.
export function workloadPorts(workload: Workload): WorkloadPort[] {
  const seen = new Map<number, WorkloadPort>();
  const containers = [...workload.containers, ...workload.initContainers.filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    if (LINKERD_CONTAINERS.has(c.name)) continue;
    for (const p of c.ports) {
      if (p.protocol && p.protocol.toUpperCase() === 'UDP') continue; // the proxy handles TCP only
      if (!seen.has(p.containerPort)) {
        seen.set(p.containerPort, { port: p.containerPort, ...(p.name ? { name: p.name } : {}), container: c.name });
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.port - b.port);
}

export interface ClusterPortDefaults {
  ignoreInbound: { level: 'linkerd-config' | 'install default'; value: string; evidence: string[] } | undefined;
  ignoreOutbound: { level: 'linkerd-config' | 'install default'; value: string; evidence: string[] } | undefined;
  skipSubnets: { level: 'linkerd-config' | 'install default'; value: string; evidence: string[] } | undefined;
  requireIdentity: { level: 'linkerd-config' | 'install default'; value: string; evidence: string[] } | undefined;
}

// Cluster-wide proxy-init and proxy values from linkerd-config; undefined when linkerd-config is not
// in the evidence (then the cluster value is unknown, which callers must not treat as "none").
export function clusterPortDefaults(inv: LinkerdInventory): ClusterPortDefaults | undefined {
  const config = inv.config;
  if (!config) return undefined;
  const evidence = [config.evidenceId];
  const v = config.values;
  const from = (value: string | number | null | undefined, installDefault: string): ClusterPortDefaults['ignoreInbound'] =>
    value === undefined || value === null
      ? { level: 'install default', value: installDefault, evidence }
      : { level: 'linkerd-config', value: String(value), evidence };
  return {
    ignoreInbound: from(v.proxyInit?.ignoreInboundPorts, INSTALL_DEFAULT_IGNORED_PORTS),
    ignoreOutbound: from(v.proxyInit?.ignoreOutboundPorts, INSTALL_DEFAULT_IGNORED_PORTS),
    skipSubnets: from(v.proxyInit?.skipSubnets, ''),
    requireIdentity: from(v.proxy?.requireIdentityOnInboundPorts, ''),
  };
}

export interface ProxyPortSettings {
  skipInbound: ResolvedSetting;
  skipOutbound: ResolvedSetting;
  skipSubnets: ResolvedSetting;
  opaque: ResolvedSetting;
  requireIdentity: ResolvedSetting;
}

// The bypass and identity settings a workload's proxies run with. `cluster` undefined means the
// linkerd-config values are not in evidence: only annotations are reported.
export function proxyPortSettings(
  workload: Workload,
  namespace: NamespaceInfo | undefined,
  cluster: ClusterPortDefaults | undefined,
): ProxyPortSettings {
  return {
    skipInbound: resolveSetting(workload, namespace, SKIP_INBOUND_PORTS, cluster?.ignoreInbound),
    skipOutbound: resolveSetting(workload, namespace, SKIP_OUTBOUND_PORTS, cluster?.ignoreOutbound),
    skipSubnets: resolveSetting(workload, namespace, SKIP_SUBNETS, cluster?.skipSubnets),
    // Opaque ports keep mTLS; they only lose HTTP-level policy, so the install default is not needed.
    opaque: resolveSetting(workload, namespace, OPAQUE_PORTS, undefined),
    requireIdentity: resolveSetting(workload, namespace, REQUIRE_IDENTITY_PORTS, cluster?.requireIdentity),
  };
}

export function subnetList(setting: ResolvedSetting): string[] {
  const out = new Set<string>();
  for (const s of setting.sources) {
    for (const t of s.value.split(',')) if (t.trim() !== '') out.add(t.trim());
  }
  return [...out];
}
