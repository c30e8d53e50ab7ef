// Display hygiene for strings that came from a cluster or cloud. The full value stays in the raw
// evidence; what a reader sees is bounded and cannot move the cursor, recolour a terminal or
// reorder text (Trojan Source, CVE-2021-42574).

export const ELLIPSIS = '…';

// Escape sequences a terminal would interpret: OSC (ESC ] … BEL | ESC \), CSI (ESC [ … final, or
// the one-byte C1 CSI) and the remaining two-byte ESC sequences.
const ANSI_ESCAPES =
  /\u001b\][^\u0000-\u001f\u007f-\u009f]*(?:\u0007|\u001b\\)?|(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|\u001b[ -/]*[0-~]/g;

// Bidirectional formatting characters: embeddings, overrides, isolates and the invisible marks.
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const CONTROLS_EXCEPT_TAB_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export interface SanitizeOptions {
  // Keep newlines and tabs (terminal transcripts shown in a <pre>); otherwise they become spaces.
  multiline?: boolean;
}

// Removes terminal escapes, control characters and bidi overrides. Does not HTML-escape: the
// templates do that.
export function sanitizeText(value: string, options: SanitizeOptions = {}): string {
  const noEscapes = value.replace(ANSI_ESCAPES, '').replace(BIDI_CONTROLS, '');
  if (options.multiline === true) {
    return noEscapes
      .replace(/\r\n?/g, '\n')
      .replace(/[\u0085\u2028\u2029]/g, '\n')
      .replace(CONTROLS_EXCEPT_TAB_NEWLINE, '');
  }
  return noEscapes.replace(LINE_BREAKS, ' ').replace(CONTROLS, '');
}

// Cuts a string to at most `max` UTF-16 units including the trailing ellipsis, never splitting a
// surrogate pair.
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  if (max <= 1) return ELLIPSIS;
  let end = max - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return value.slice(0, end) + ELLIPSIS;
}

// Bounded at a word boundary (page 1 has room for one line per check title): never cut mid-word.
export function truncateWords(value: string, max: number): string {
  if (value.length <= max) return value;
  const space = value.lastIndexOf(' ', max - 1);
  return space >= max / 2 ? `${value.slice(0, space).replace(/[\s,;:—-]+$/u, '')}${ELLIPSIS}` : truncate(value, max);
}

// Sanitized and bounded: the only form in which input text reaches a template.
export function displayText(value: string | undefined, max: number, options: SanitizeOptions = {}): string {
  if (value === undefined) return '';
  // Sanitizing a multi-megabyte value would be wasted work: anything past a generous prefix is cut
  // anyway. The prefix is long enough that escapes removed from it cannot leave it short of `max`
  // unless the value is mostly escapes, in which case the ellipsis still marks the cut.
  const prefixLength = max * 8 + 64;
  const prefix = value.length > prefixLength ? value.slice(0, prefixLength) : value;
  const clean = sanitizeText(prefix, options);
  const cut = truncate(clean, max);
  return prefix.length < value.length && cut === clean ? truncate(clean + ELLIPSIS, max) : cut;
}
