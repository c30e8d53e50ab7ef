import type { AreaInput, AreaOutput } from '../area.ts';
import type { KubernetesInventory } from './types.ts';

export function buildKubernetesInventory(_input: AreaInput): AreaOutput<KubernetesInventory> {
  return { inventory: { networkPoliciesListed: false }, claimed: new Set() };
}
