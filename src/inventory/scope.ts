import type { EvidenceGap, TargetInventory } from './types.ts';

// Namespaces that hold cluster plumbing, not application workloads; mesh-wide controls
// (mTLS on every workload, ...) do not judge them.
const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'local-path-storage',
  // Mesh control planes (Linkerd and consul-k8s default install namespaces).
  'linkerd',
  'linkerd-viz',
  'linkerd-jaeger',
  'linkerd-multicluster',
  'consul',
  // CNI plugins.
  'calico-system',
  'calico-apiserver',
  'tigera-operator',
  'kube-flannel',
  'cilium',
  'cilium-system',
]);

// Whether workloads in `ns` are in scope for per-workload controls. The Istio root namespace
// (istio-system by default) holds the control plane and mesh-wide policy, so it is out of scope too.
export function inScopeNamespace(target: TargetInventory, ns: string): boolean {
  if (SYSTEM_NAMESPACES.has(ns)) return false;
  return ns !== target.istio.rootNamespace;
}

// Gaps on any of `kinds` in any of `namespaces` ('*' = every namespace), plus gaps with no namespace.
// The evaluator only matches a gap against the result's own namespace; a result that relied on
// objects elsewhere (root-namespace policy, workloads selected mesh-wide) must look itself.
export function gapsTouching(
  target: TargetInventory,
  kinds: readonly string[],
  namespaces: Iterable<string> | '*',
): EvidenceGap[] {
  const nsSet = namespaces === '*' ? undefined : new Set(namespaces);
  return target.gaps.filter((g) => {
    const kindHit = g.kinds === '*' || g.kinds.some((k) => kinds.includes(k));
    if (!kindHit) return false;
    return g.namespace === undefined || nsSet === undefined || nsSet.has(g.namespace);
  });
}
