import type { AreaInput, AreaOutput } from '../area.ts';
import type { ConsulInventory } from './types.ts';

export function buildConsulInventory(_input: AreaInput): AreaOutput<ConsulInventory> {
  return { inventory: { present: false }, claimed: new Set() };
}
