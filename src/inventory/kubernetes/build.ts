import { parseAreaObject, type AreaInput, type AreaOutput } from '../area.ts';
import type { Workload } from '../types.ts';
import { NetworkPolicySpec } from './schema.ts';
import type { CniComponent, KubernetesInventory, NetworkPolicy, UnevaluatedPolicy } from './types.ts';

const NETWORKING = 'networking.k8s.io';

// Other policy engines: `group/kind` → whether the kind is cluster-wide. The core builder puts a
// namespace-less object in `default`, so scope comes from the kind, not the object.
const OTHER_POLICY_KINDS: ReadonlyMap<string, boolean> = new Map([
  ['policy.networking.k8s.io/AdminNetworkPolicy', true],
  ['policy.networking.k8s.io/BaselineAdminNetworkPolicy', true],
  ['policy.networking.k8s.io/ClusterNetworkPolicy', true],
  ['cilium.io/CiliumNetworkPolicy', false],
  ['cilium.io/CiliumClusterwideNetworkPolicy', true],
  // Calico's own NetworkPolicy shares the kind name with networking.k8s.io but not the semantics.
  ['crd.projectcalico.org/NetworkPolicy', false],
  ['crd.projectcalico.org/GlobalNetworkPolicy', true],
  ['projectcalico.org/NetworkPolicy', false],
  ['projectcalico.org/GlobalNetworkPolicy', true],
]);

// CNI DaemonSets by name. Only a few plugins are known not to enforce NetworkPolicy at all.
const CNI_DAEMONSETS: readonly { name: RegExp; plugin: string; enforces: (w: Workload) => boolean }[] = [
  { name: /^calico-node$/, plugin: 'Calico', enforces: () => true },
  { name: /^canal$/, plugin: 'Canal (Calico policy on Flannel)', enforces: () => true },
  { name: /^cilium$/, plugin: 'Cilium', enforces: () => true },
  { name: /^anetd$/, plugin: 'GKE Dataplane V2 (Cilium)', enforces: () => true },
  { name: /^antrea-agent$/, plugin: 'Antrea', enforces: () => true },
  { name: /^kube-router$/, plugin: 'kube-router', enforces: () => true },
  { name: /^weave-net$/, plugin: 'Weave Net', enforces: () => true },
  { name: /^azure-npm$/, plugin: 'Azure Network Policy Manager', enforces: () => true },
  { name: /^(kube-)?flannel(-ds)?$/, plugin: 'Flannel', enforces: () => false },
  // The AWS VPC CNI enforces NetworkPolicy only with its network policy agent container.
  { name: /^aws-node$/, plugin: 'AWS VPC CNI', enforces: (w) => w.containers.some((c) => c.name === 'aws-network-policy-agent') },
];

// Claims networking.k8s.io NetworkPolicy objects; a schema-invalid one becomes a gap for its
// namespace, so no check reading NetworkPolicy can pass there.
export function buildKubernetesInventory(input: AreaInput): AreaOutput<KubernetesInventory> {
  const claimed = new Set<string>();
  const networkPolicies: NetworkPolicy[] = [];
  const unevaluatedPolicies: UnevaluatedPolicy[] = [];
  let networkPolicyObjects = 0;

  for (const o of input.objects) {
    if (o.group === NETWORKING && o.kind === 'NetworkPolicy') {
      claimed.add(o.evidenceId);
      networkPolicyObjects++;
      const policy = parseAreaObject(input, o, NetworkPolicySpec);
      if (policy) networkPolicies.push(policy);
      continue;
    }
    const clusterWide = OTHER_POLICY_KINDS.get(`${o.group}/${o.kind}`);
    // Listed for the report's caveats, not claimed: auditpack does not judge them.
    if (clusterWide !== undefined) {
      unevaluatedPolicies.push({
        evidenceId: o.evidenceId,
        apiVersion: o.apiVersion,
        kind: o.kind,
        namespace: clusterWide ? undefined : o.namespace,
        name: o.name,
      });
    }
  }

  const cni: CniComponent[] = [];
  for (const w of input.workloads) {
    if (w.kind !== 'DaemonSet') continue;
    const known = CNI_DAEMONSETS.find((c) => c.name.test(w.name));
    if (!known) continue;
    cni.push({
      plugin: known.plugin,
      enforcesNetworkPolicy: known.enforces(w),
      workload: { kind: w.kind, namespace: w.namespace, name: w.name },
      evidenceIds: [...w.evidenceIds],
    });
  }

  const byName = <T extends { namespace?: string | undefined; name: string }>(a: T, b: T): number =>
    (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name);
  networkPolicies.sort(byName);
  unevaluatedPolicies.sort((a, b) => a.kind.localeCompare(b.kind) || byName(a, b));
  cni.sort((a, b) => byName(a.workload, b.workload));

  return { inventory: { networkPolicies, networkPolicyObjects, unevaluatedPolicies, cni }, claimed };
}
