import { gapAffects, type CheckMeta } from '../checks/types.ts';
import type { TargetInventory } from '../inventory/types.ts';
import type { EvidenceSource } from './types.ts';

// The source of a check's evidence, from its area: clusters (Kubernetes objects, every mesh, the
// Consul API) or one cloud.
export function checkSource(area: CheckMeta['area']): EvidenceSource {
  switch (area) {
    case 'aws':
    case 'azure':
    case 'gcp':
      return area;
    default:
      return 'kubernetes';
  }
}

export function checkSources(checks: readonly CheckMeta[]): Map<string, EvidenceSource> {
  return new Map(checks.map((c) => [c.id, checkSource(c.area)]));
}

// What a control's reason says when no source of its evidence was in the run.
export const SOURCE_ABSENT: Record<EvidenceSource, string> = {
  kubernetes: 'no Kubernetes cluster, snapshot or service mesh in this run',
  aws: 'no AWS account in this run',
  azure: 'no Azure subscription in this run',
  gcp: 'no Google Cloud project in this run',
};

// The sources this run holds evidence from. A source whose every read failed is still in the run:
// its gaps make the checks error (an evidence gap), which is not the same as "not assessed".
export function sourcesInRun(inventories: readonly TargetInventory[], checks: readonly CheckMeta[]): Set<EvidenceSource> {
  const requires = new Map<EvidenceSource, string[]>();
  for (const c of checks) {
    const s = checkSource(c.area);
    requires.set(s, [...(requires.get(s) ?? []), ...c.requires]);
  }
  const gapOn = (inv: TargetInventory, s: EvidenceSource): boolean => inv.gaps.some((g) => gapAffects(g, requires.get(s) ?? [], undefined));
  const out = new Set<EvidenceSource>();
  for (const inv of inventories) {
    const cluster =
      inv.namespaces.length > 0 || inv.workloads.length > 0 || inv.istio.present || inv.linkerd.present || inv.consul.present || inv.kubernetes.networkPolicies.length > 0;
    if (cluster || gapOn(inv, 'kubernetes')) out.add('kubernetes');
    if (inv.aws.present || gapOn(inv, 'aws')) out.add('aws');
    if (inv.azure.present || gapOn(inv, 'azure')) out.add('azure');
    if (inv.gcp.present || gapOn(inv, 'gcp')) out.add('gcp');
  }
  return out;
}
