import type { AreaInput, AreaOutput } from '../area.ts';
import type { AwsInventory } from './types.ts';

export function buildAwsInventory(_input: AreaInput): AreaOutput<AwsInventory> {
  return { inventory: { present: false }, claimed: new Set() };
}
