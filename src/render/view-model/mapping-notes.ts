import type { MappingDisagreement } from '../../mappings/disagreements.ts';
import { disagreementControls } from '../../mappings/disagreements.ts';
import { displayText } from '../text.ts';
import { message, name } from './format.ts';
import { LIMITS } from './limits.ts';

// Where a vendor's live mapping and a shipped table disagree (src/mappings/disagreements.ts): listed
// once at the head of the Controls section and repeated on every control either side names.

export interface MappingNoteView {
  source: string;
  message: string;
  // "123456789012/eu-west-1, 123456789012/us-east-1" (bounded), where the live mapping was read.
  scopes: string;
  table: string;
}

export function mappingNoteViews(list: readonly MappingDisagreement[] | undefined): MappingNoteView[] {
  return (list ?? []).map((d) => ({
    source: name(d.source),
    message: message(d.message),
    scopes: displayText(d.scopes.join(', '), LIMITS.catalogText),
    table: name(`controls/mappings/${d.table}.yaml`),
  }));
}

// Control ref (<framework>:<id>) → the notes about it, as one line each.
export function mappingNotesByControl(list: readonly MappingDisagreement[] | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of list ?? []) {
    for (const ref of disagreementControls(d)) out.set(ref, [...(out.get(ref) ?? []), message(d.message)]);
  }
  return out;
}
