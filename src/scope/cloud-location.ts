import { CHECKS } from '../checks/registry.ts';
import type { CheckResult } from '../checks/types.ts';
import type { TargetInventory } from '../inventory/types.ts';
import { kindOfArea, type TargetKind } from './target-kind.ts';

// Where a result sits in the target model: a cluster namespace, or a cloud provider's account /
// subscription / project and region. Cloud results carry their account and region in
// resource.namespace ('<account>/<region>' for AWS, the subscription id for Azure) or in the
// resource name ('projects/<id>/...' for GCP); readers get them as columns of their own.
export interface ResultLocation {
  kind: TargetKind;
  provider: '' | 'aws' | 'azure' | 'gcp';
  account: string;
  region: string;
  // The Kubernetes namespace, for cluster results only.
  namespace: string;
}

const AREA = new Map(CHECKS.map((c) => [c.meta.id, c.meta.area]));

export function checkKind(checkId: string): TargetKind {
  const area = AREA.get(checkId);
  return area ? kindOfArea(area) : 'cluster';
}

export function resultLocation(r: Pick<CheckResult, 'check' | 'resource'>): ResultLocation {
  const kind = checkKind(r.check);
  const ns = r.resource.namespace ?? '';
  if (kind === 'cluster') return { kind, provider: '', account: '', region: '', namespace: ns };
  if (kind === 'aws') {
    const [account = '', region = ''] = ns.split('/');
    return { kind, provider: 'aws', account, region, namespace: '' };
  }
  if (kind === 'azure') return { kind, provider: 'azure', account: ns, region: '', namespace: '' };
  const project = /^projects\/([^/\s]+)/.exec(r.resource.name)?.[1] ?? ns;
  return { kind, provider: 'gcp', account: project, region: '', namespace: '' };
}

// The accounts, subscriptions and projects a target's evidence is about, with their regions.
export interface CloudAccount {
  provider: 'aws' | 'azure' | 'gcp';
  account: string;
  regions: string[];
}

export function cloudAccounts(inventory: TargetInventory): CloudAccount[] {
  const out: CloudAccount[] = [];
  const aws = new Map<string, Set<string>>();
  for (const r of inventory.aws.regions) {
    const set = aws.get(r.account) ?? new Set<string>();
    set.add(r.region);
    aws.set(r.account, set);
  }
  for (const id of inventory.aws.identities) if (id.account !== 'unknown' && !aws.has(id.account)) aws.set(id.account, new Set());
  for (const [account, regions] of [...aws].sort(([a], [b]) => a.localeCompare(b))) out.push({ provider: 'aws', account, regions: [...regions].sort() });
  for (const s of inventory.azure.subscriptions) out.push({ provider: 'azure', account: s.id, regions: [] });
  for (const p of inventory.gcp.projects) out.push({ provider: 'gcp', account: p.id, regions: [] });
  return out;
}

export const PROVIDER_NAMES: Readonly<Record<CloudAccount['provider'], string>> = { aws: 'AWS', azure: 'Azure', gcp: 'Google Cloud' };
export const ACCOUNT_WORDS: Readonly<Record<CloudAccount['provider'], string>> = { aws: 'account', azure: 'subscription', gcp: 'project' };
