import type { FrameworkId } from '../../controls/types.ts';
import { EVIDENCE_ID } from './limits.ts';

// Anchors are generated, never copied: anything outside [A-Za-z0-9-] is hex-encoded so two
// different ids can never share an anchor and no input character reaches an attribute unescaped.
export function encodeId(id: string): string {
  let out = '';
  for (const ch of id) {
    out += /^[A-Za-z0-9-]$/.test(ch) ? ch : `_${ch.codePointAt(0)?.toString(16) ?? ''}_`;
  }
  return out;
}

export function evidenceAnchor(id: string): string {
  return EVIDENCE_ID.test(id) ? id : `ev-x${encodeId(id)}`;
}

export function checkAnchor(id: string): string {
  return `check-${encodeId(id)}`;
}

// A check's group in "Results by check".
export function resultsAnchor(id: string): string {
  return `res-${encodeId(id)}`;
}

// A check's part of the results table (large runs).
export function resultsTableAnchor(id: string): string {
  return `all-${encodeId(id)}`;
}

export function controlAnchor(framework: FrameworkId, id: string): string {
  return `ctl-${framework}-${encodeId(id)}`;
}

export function gapAnchor(id: string): string {
  return `gap-${encodeId(id)}`;
}
