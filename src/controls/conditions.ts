import { inScopeNamespace } from '../inventory/scope.ts';
import { WORKLOAD_KINDS, type TargetInventory } from '../inventory/types.ts';

// Conditions a catalog entry can name in `notApplicableWhen`: facts the evidence can prove absent.
// A condition is proven absent only when the run holds the evidence that would show it and none of
// that evidence is missing; anything less leaves the control to the other rules (never a false N/A).

export interface ConditionVerdict {
  absent: boolean;
  // Why, in words, for the control's reason.
  reason: string;
  // Evidence ids the verdict rests on.
  evidence: string[];
}

interface Condition {
  describe: string;
  judge(inventories: readonly TargetInventory[]): ConditionVerdict;
}

function clusters(inventories: readonly TargetInventory[]): TargetInventory[] {
  return inventories.filter((i) => i.namespaces.length > 0 || i.workloads.length > 0);
}

function kindGaps(inv: TargetInventory, kinds: readonly string[]): boolean {
  return inv.gaps.some((g) => g.kinds === '*' || g.kinds.some((k) => kinds.includes(k)));
}

export const CONDITIONS: Readonly<Record<string, Condition>> = {
  // No application workload runs in any cluster of the run.
  'kubernetes-workloads': {
    describe: 'application workloads in a Kubernetes cluster',
    judge(inventories) {
      const cs = clusters(inventories);
      if (cs.length === 0) return { absent: false, reason: 'no cluster evidence in this run', evidence: [] };
      if (cs.some((i) => kindGaps(i, [...WORKLOAD_KINDS, 'Namespace']))) return { absent: false, reason: 'workload evidence is incomplete', evidence: [] };
      const inScope = cs.flatMap((i) => i.workloads.filter((w) => inScopeNamespace(i, w.namespace)));
      if (inScope.length > 0) return { absent: false, reason: `${inScope.length} workload(s) in scope`, evidence: [] };
      return {
        absent: true,
        reason: `no application workload runs in the ${cs.length} cluster(s) of this run (complete workload evidence)`,
        evidence: cs.flatMap((i) => i.namespaces.map((n) => n.evidenceId).filter((e): e is string => e !== undefined)),
      };
    },
  },
  // No Istio Gateway (ingress or egress through the mesh edge) in any cluster of the run.
  'istio-gateways': {
    describe: 'Istio Gateways',
    judge(inventories) {
      const cs = clusters(inventories);
      if (cs.length === 0) return { absent: false, reason: 'no cluster evidence in this run', evidence: [] };
      if (cs.some((i) => kindGaps(i, ['Gateway']))) return { absent: false, reason: 'Gateway evidence is incomplete', evidence: [] };
      const gateways = cs.flatMap((i) => i.istio.gateways);
      if (gateways.length > 0) return { absent: false, reason: `${gateways.length} Istio Gateway(s)`, evidence: gateways.map((g) => g.evidenceId) };
      return { absent: true, reason: `no Istio Gateway exists in the ${cs.length} cluster(s) of this run (complete Gateway evidence)`, evidence: [] };
    },
  },
};

export function judgeConditions(ids: Iterable<string>, inventories: readonly TargetInventory[]): Map<string, ConditionVerdict> {
  const out = new Map<string, ConditionVerdict>();
  for (const id of new Set(ids)) {
    const c = CONDITIONS[id];
    out.set(id, c ? c.judge(inventories) : { absent: false, reason: `unknown condition "${id}"`, evidence: [] });
  }
  return out;
}
