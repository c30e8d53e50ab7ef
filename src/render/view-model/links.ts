import type { CheckMeta } from '../../checks/types.ts';
import { evidenceAnchor } from './anchors.ts';
import { name } from './format.ts';

export interface LinkView {
  id: string;
  // True when the target is in this report (the link is followed).
  anchor: string;
  found: boolean;
  // An evidence record that is in evidence/index.jsonl but not listed in this report.
  inIndex: boolean;
}


export interface LinkContext {
  checkMeta: Map<string, CheckMeta>;
  evidenceIds: Set<string>;
  // Evidence records with an entry in the appendix (in full or on a line).
  evidenceShown: Set<string>;
  gapIds: Set<string>;
  // Checks that have a group in "Results by check".
  groups: Set<string>;
  // Catalog position of each "framework:id" control reference.
  controlOrder: Map<string, number>;
  controlsTextCache: Map<string, string>;
}


// Linked when the record has an entry in the appendix; otherwise either in the index but not listed
// here (large runs) or dangling (not in the index at all).
export function evidenceLink(id: string, links: Pick<LinkContext, 'evidenceIds' | 'evidenceShown'>): LinkView {
  const found = links.evidenceShown.has(id);
  return { id: name(id), anchor: evidenceAnchor(id), found, inIndex: !found && links.evidenceIds.has(id) };
}
