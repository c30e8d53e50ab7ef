import { matchesLabels } from '../labels.ts';
import { inNamespace } from '../by-namespace.ts';
import type { Container, NamespaceInfo, Obj, TargetInventory, Workload } from '../types.ts';
import { istioDataplane, type IstioDataplane } from './dataplane.ts';
import { hasWorkloadSelector, oldestFirst } from './policy-scope.ts';
import type { MtlsMode, PeerAuthenticationSpec } from './schema.ts';

// Effective inbound mTLS mode, as istiod composes it (pilot/pkg/model/authentication.go,
// pilot/pkg/security/authn/policy_applier.go ComposePeerAuthentication):
// mesh (root namespace, no selector) → namespace (no selector) → workload (selector, not in the
// root namespace) → port (portLevelMtls of the workload policy, keyed by container port).
// UNSET inherits; the oldest object wins among duplicates at one level.

export type EffectiveMtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';
export type MtlsLevel = 'mesh' | 'namespace' | 'workload' | 'port';

export type MtlsDecider =
  | { kind: 'PeerAuthentication'; namespace: string; name: string; level: MtlsLevel; evidenceId: string }
  | { kind: 'mesh default' };

export interface MtlsResolution {
  mode: EffectiveMtlsMode;
  decidedBy: MtlsDecider;
  // Evidence ids relied on: every PeerAuthentication considered at the levels walked, duplicates included.
  evidence: string[];
  warnings: string[];
}

export interface PortMtls {
  // Container (target) port; never a Service port.
  port: number;
  // false when the port only appears as a portLevelMtls key, not in any container's ports.
  declared: boolean;
  mode: EffectiveMtlsMode;
  decidedBy: MtlsDecider;
}

export interface WorkloadMtls extends MtlsResolution {
  ports: PortMtls[];
  dataplane: IstioDataplane;
  // The workload-level PeerAuthentication that applies, if any.
  workloadPolicy: Obj<PeerAuthenticationSpec> | undefined;
}

const MESH_DEFAULT: MtlsDecider = { kind: 'mesh default' };

type PA = Obj<PeerAuthenticationSpec>;

export function describeDecider(d: MtlsDecider): string {
  if (d.kind === 'mesh default') return 'mesh default (no mesh-wide PeerAuthentication: PERMISSIVE)';
  return `PeerAuthentication ${d.namespace}/${d.name} (${d.level} level)`;
}

function deciderOf(pa: PA, level: MtlsLevel): MtlsDecider {
  return { kind: 'PeerAuthentication', namespace: pa.namespace, name: pa.name, level, evidenceId: pa.evidenceId };
}

function ref(pa: PA): string {
  return `${pa.namespace}/${pa.name}${pa.creationTimestamp ? ` (created ${pa.creationTimestamp})` : ' (no creationTimestamp)'}`;
}

// The oldest of several policies at one level wins; the rest are ignored, which is easy to miss.
function pickOldest(candidates: readonly PA[], scope: string, warnings: string[]): PA | undefined {
  const sorted = oldestFirst(candidates);
  const winner = sorted[0];
  if (winner && sorted.length > 1) {
    const undated = sorted.some((p) => p.creationTimestamp === undefined);
    warnings.push(
      `${sorted.length} PeerAuthentications apply at ${scope}; only the oldest, ${ref(winner)}, takes effect and ` +
        `${sorted.slice(1).map(ref).join(', ')} ${sorted.length > 2 ? 'are' : 'is'} ignored` +
        (undated ? '; without creationTimestamp the winner cannot be confirmed from the evidence' : ''),
    );
  }
  return winner;
}

function isUnset(mode: MtlsMode | null | undefined): mode is 'UNSET' | null | undefined {
  return mode === undefined || mode === null || mode === 'UNSET';
}

interface Step {
  mode: EffectiveMtlsMode;
  decidedBy: MtlsDecider;
}

// Applies one level's mode over the inherited result. Ambient (ztunnel) ignores DISABLE.
function override(
  inherited: Step,
  mode: MtlsMode | null | undefined,
  decider: MtlsDecider,
  ambient: boolean,
  what: string,
  warnings: string[],
): Step {
  if (isUnset(mode)) return inherited;
  if (mode === 'DISABLE' && ambient) {
    warnings.push(`${what} sets DISABLE, which ambient mode ignores (config drift); the inherited ${inherited.mode} applies`);
    return inherited;
  }
  return { mode, decidedBy: decider };
}

function selectorless(target: TargetInventory, ns: string): PA[] {
  return inNamespace(target.istio.peerAuthentications, ns).filter((p) => !hasWorkloadSelector(p.spec));
}

function portLevelIgnoredWarning(pa: PA | undefined, warnings: string[]): void {
  if (pa && Object.keys(pa.spec.portLevelMtls ?? {}).length > 0) {
    warnings.push(`PeerAuthentication ${pa.namespace}/${pa.name} has portLevelMtls without a selector; Istio ignores it`);
  }
}

function resolveMesh(target: TargetInventory, ambient: boolean): MtlsResolution & { policy: PA | undefined } {
  const root = target.istio.rootNamespace;
  const warnings: string[] = [];
  const candidates = selectorless(target, root);
  const policy = pickOldest(candidates, `mesh level (root namespace ${root})`, warnings);
  portLevelIgnoredWarning(policy, warnings);
  let step: Step = { mode: 'PERMISSIVE', decidedBy: MESH_DEFAULT };
  if (policy) {
    // The mesh policy decides even when UNSET: UNSET at mesh level means PERMISSIVE.
    step = { mode: 'PERMISSIVE', decidedBy: deciderOf(policy, 'mesh') };
    step = override(step, policy.spec.mtls?.mode, deciderOf(policy, 'mesh'), ambient, `mesh PeerAuthentication ${root}/${policy.name}`, warnings);
  }
  return { ...step, evidence: candidates.map((p) => p.evidenceId), warnings, policy };
}

// The mesh-wide (root namespace) policy alone; namespace and workload policies may override it.
export function meshMtls(target: TargetInventory): MtlsResolution & { policy: PA | undefined } {
  return resolveMesh(target, false);
}

function resolveNamespace(target: TargetInventory, ns: string, ambient: boolean): MtlsResolution {
  const mesh = resolveMesh(target, ambient);
  if (ns === target.istio.rootNamespace) return { mode: mesh.mode, decidedBy: mesh.decidedBy, evidence: mesh.evidence, warnings: mesh.warnings };
  const warnings = [...mesh.warnings];
  const candidates = selectorless(target, ns);
  const policy = pickOldest(candidates, `namespace level (${ns})`, warnings);
  portLevelIgnoredWarning(policy, warnings);
  let step: Step = { mode: mesh.mode, decidedBy: mesh.decidedBy };
  if (policy) {
    step = override(step, policy.spec.mtls?.mode, deciderOf(policy, 'namespace'), ambient, `namespace PeerAuthentication ${ns}/${policy.name}`, warnings);
  }
  return { ...step, evidence: [...mesh.evidence, ...candidates.map((p) => p.evidenceId)], warnings };
}

// Mesh and namespace levels only: what a workload without a matching selector policy gets.
export function namespaceMtls(target: TargetInventory, ns: string): MtlsResolution {
  return resolveNamespace(target, ns, false);
}

function servingContainers(containers: readonly Container[], initContainers: readonly Container[]): Container[] {
  // Native sidecars (init containers with restartPolicy Always) keep running and can listen.
  return [...containers, ...initContainers.filter((c) => c.restartPolicy === 'Always')].filter((c) => c.name !== 'istio-proxy');
}

// Container ports of every serving container except the proxy, from the template and running pods.
export function workloadPorts(workload: Workload): number[] {
  const ports = new Set<number>();
  const all = [
    ...servingContainers(workload.containers, workload.initContainers),
    ...workload.pods.flatMap((p) => servingContainers(p.containers, p.initContainers)),
  ];
  for (const c of all) for (const p of c.ports) ports.add(p.containerPort);
  return [...ports].sort((a, b) => a - b);
}

function parsePortKey(key: string): number | undefined {
  if (!/^\d+$/.test(key.trim())) return undefined;
  const n = Number(key.trim());
  return n >= 1 && n <= 65535 ? n : undefined;
}

export function effectiveMtls(target: TargetInventory, workload: Workload, namespace?: NamespaceInfo): WorkloadMtls {
  const nsInfo = namespace ?? target.namespaces.find((n) => n.name === workload.namespace);
  const dataplane = istioDataplane(workload, nsInfo);
  const ambient = dataplane.mode === 'ambient';
  const ns = resolveNamespace(target, workload.namespace, ambient);
  const warnings = [...ns.warnings];
  const evidence = [...ns.evidence];

  // Selector policies in the root namespace are ignored by istiod, so none apply to root-namespace workloads.
  const candidates =
    workload.namespace === target.istio.rootNamespace
      ? []
      : inNamespace(target.istio.peerAuthentications, workload.namespace).filter(
          (p) => hasWorkloadSelector(p.spec) && matchesLabels(workload.podLabels, p.spec.selector?.matchLabels),
        );
  evidence.push(...candidates.map((p) => p.evidenceId));
  const policy = pickOldest(candidates, `workload level (${workload.kind} ${workload.namespace}/${workload.name})`, warnings);

  let step: Step = { mode: ns.mode, decidedBy: ns.decidedBy };
  if (policy) {
    step = override(step, policy.spec.mtls?.mode, deciderOf(policy, 'workload'), ambient, `workload PeerAuthentication ${policy.namespace}/${policy.name}`, warnings);
  }

  const perPort = new Map<number, Step>();
  if (policy) {
    for (const [key, value] of Object.entries(policy.spec.portLevelMtls ?? {})) {
      const port = parsePortKey(key);
      if (port === undefined) {
        warnings.push(`PeerAuthentication ${policy.namespace}/${policy.name} has portLevelMtls key "${key}", which is not a port number`);
        continue;
      }
      perPort.set(
        port,
        override(step, value.mode, deciderOf(policy, 'port'), ambient, `port ${port} of PeerAuthentication ${policy.namespace}/${policy.name}`, warnings),
      );
    }
  }

  const declared = workloadPorts(workload);
  const numbers = [...new Set([...declared, ...perPort.keys()])].sort((a, b) => a - b);
  const ports: PortMtls[] = numbers.map((port) => {
    const s = perPort.get(port) ?? step;
    return { port, declared: declared.includes(port), mode: s.mode, decidedBy: s.decidedBy };
  });
  if (policy && declared.length > 0) {
    // Keys are container ports; a key matching none is usually a Service port and changes nothing.
    for (const p of ports.filter((x) => !x.declared)) {
      warnings.push(
        `portLevelMtls key ${p.port} (${p.mode}) of PeerAuthentication ${policy.namespace}/${policy.name} matches no container port ` +
          `(${declared.join(', ')}); keys are container ports, not Service ports`,
      );
    }
  }

  return {
    mode: step.mode,
    decidedBy: step.decidedBy,
    ports,
    evidence: [...new Set(evidence)],
    warnings: [...new Set(warnings)],
    dataplane,
    workloadPolicy: policy,
  };
}

export interface JudgedPort {
  port: number | '*';
  declared: boolean;
  mode: EffectiveMtlsMode;
  decidedBy: MtlsDecider;
}

// The ports a check judges: the declared container ports. A workload that declares none is judged
// on its workload-level mode ('*') plus any portLevelMtls keys, which may be the ports it listens on.
export function judgedPorts(mtls: WorkloadMtls): JudgedPort[] {
  const declared = mtls.ports.filter((p) => p.declared);
  if (declared.length > 0) return declared;
  return [{ port: '*', declared: false, mode: mtls.mode, decidedBy: mtls.decidedBy }, ...mtls.ports];
}

// The mode on one port of a resolved workload (a port not listed gets the workload-level mode).
export function modeOnPort(mtls: WorkloadMtls, port: number): PortMtls {
  return mtls.ports.find((p) => p.port === port) ?? { port, declared: false, mode: mtls.mode, decidedBy: mtls.decidedBy };
}
