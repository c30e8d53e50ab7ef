import type { AreaInput, AreaOutput } from '../area.ts';
import type { AzureInventory } from './types.ts';

export function buildAzureInventory(_input: AreaInput): AreaOutput<AzureInventory> {
  return { inventory: { present: false }, claimed: new Set() };
}
