import type { CheckMeta } from '../checks/types.ts';
import type { EvidenceGap, TargetInventory } from '../inventory/types.ts';

// What a target is: a Kubernetes cluster (mesh and NetworkPolicy checks judge it) or a cloud
// account / subscription / project (only that cloud's checks judge it). A snapshot folder may hold
// both; a target whose evidence shows neither (every input unreadable) is judged by every check, so
// its gaps still show as errors rather than vanish.
export const TARGET_KINDS = ['cluster', 'aws', 'azure', 'gcp'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export function kindOfArea(area: CheckMeta['area']): TargetKind {
  return area === 'aws' || area === 'azure' || area === 'gcp' ? area : 'cluster';
}

// Evidence kinds of the cloud inventories are prefixed by their provider (AwsSecurityHubHub,
// AzureSecureScores, GcpIamPolicy); every other kind is a Kubernetes object.
export function kindOfEvidence(kind: string): TargetKind {
  if (kind.startsWith('Aws')) return 'aws';
  if (kind.startsWith('Azure')) return 'azure';
  if (kind.startsWith('Gcp')) return 'gcp';
  return 'cluster';
}

export function gapKinds(gap: EvidenceGap): TargetKind[] {
  if (gap.area) return [gap.area];
  if (gap.kinds === '*') return [];
  return [...new Set(gap.kinds.map(kindOfEvidence))];
}

export function targetKinds(inventory: TargetInventory): ReadonlySet<TargetKind> {
  const kinds = new Set<TargetKind>();
  const i = inventory;
  if (
    i.namespaces.length > 0 ||
    i.workloads.length > 0 ||
    i.services.length > 0 ||
    i.configMaps.length > 0 ||
    i.istio.present ||
    i.linkerd.present ||
    i.consul.present ||
    i.kubernetes.networkPolicyObjects > 0 ||
    i.ignored.some((o) => kindOfEvidence(o.kind) === 'cluster')
  ) {
    kinds.add('cluster');
  }
  if (i.aws.present) kinds.add('aws');
  if (i.azure.present) kinds.add('azure');
  if (i.gcp.present) kinds.add('gcp');
  // A live cloud target whose every call was denied stores nothing but its gaps.
  for (const g of i.gaps) for (const k of gapKinds(g)) kinds.add(k);
  if (kinds.size === 0) return new Set(TARGET_KINDS);
  return kinds;
}

// Whether a check judges this target at all. When it does not, it gives no result there: an AWS
// check has nothing to say about a cluster, and a "not applicable" per cluster would be noise.
export function checkApplies(meta: Pick<CheckMeta, 'area'>, kinds: ReadonlySet<TargetKind>): boolean {
  return kinds.has(kindOfArea(meta.area));
}
