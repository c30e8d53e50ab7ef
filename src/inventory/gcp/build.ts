import type { AreaInput, AreaOutput } from '../area.ts';
import type { GcpInventory } from './types.ts';

export function buildGcpInventory(_input: AreaInput): AreaOutput<GcpInventory> {
  return { inventory: { present: false }, claimed: new Set() };
}
