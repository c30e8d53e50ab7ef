import { matchesLabels } from '../labels.ts';
import type { Obj, Workload } from '../types.ts';
import type { WorkloadSelector } from './schema.ts';

interface ScopedSpec {
  selector?: WorkloadSelector | null | undefined;
  targetRef?: unknown;
  targetRefs?: readonly unknown[] | null | undefined;
}

// Whether an Istio policy applies to a workload's sidecar: its namespace (or every namespace when it
// lives in the root namespace) and its selector. targetRef(s) policies bind to gateways, waypoints
// and services, not to sidecars, so they never select a sidecar workload.
export function policySelectsWorkload(policy: Obj<ScopedSpec>, workload: Workload, rootNamespace: string): boolean {
  if (policy.spec.targetRef || (policy.spec.targetRefs && policy.spec.targetRefs.length > 0)) return false;
  if (policy.namespace !== rootNamespace && policy.namespace !== workload.namespace) return false;
  return matchesLabels(workload.podLabels, policy.spec.selector?.matchLabels);
}

export function hasWorkloadSelector(spec: ScopedSpec): boolean {
  return Object.keys(spec.selector?.matchLabels ?? {}).length > 0;
}

// Oldest first by creationTimestamp, then by namespace/name so the order is total and stable;
// Istio resolves duplicates at one level in favour of the oldest object.
export function oldestFirst<T extends Obj<unknown>>(policies: readonly T[]): T[] {
  return [...policies].sort((a, b) => {
    const ta = a.creationTimestamp ?? '';
    const tb = b.creationTimestamp ?? '';
    if (ta !== tb) {
      if (ta === '') return 1;
      if (tb === '') return -1;
      return Date.parse(ta) - Date.parse(tb);
    }
    return a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
  });
}
