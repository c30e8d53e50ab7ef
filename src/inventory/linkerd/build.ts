import type { AreaInput, AreaOutput } from '../area.ts';
import type { LinkerdInventory } from './types.ts';

export function buildLinkerdInventory(_input: AreaInput): AreaOutput<LinkerdInventory> {
  return { inventory: { present: false }, claimed: new Set() };
}
