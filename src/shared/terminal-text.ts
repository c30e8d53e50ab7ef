// Characters that drive or deceive a terminal or a reader: C0 controls (ESC starts ANSI
// sequences), DEL, C1 controls (U+009B is a one-byte CSI), bidi overrides and isolates (a name
// that displays reversed), and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEP_NEWLINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
// What JSON.stringify leaves raw although a terminal or editor acts on it.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

function codePoint(c: string): string {
  return `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
}

// Text for a terminal: every unsafe character shown as \uXXXX (so the line reads the same in a
// JSON log). keepNewlines: for multi-line text whose line breaks are ours (help, config errors).
export function escapeTerminal(text: string, opts: { keepNewlines?: boolean } = {}): string {
  return text.replace(opts.keepNewlines ? UNSAFE_KEEP_NEWLINES : UNSAFE_ALL, codePoint);
}

// Serialized JSON with the characters JSON.stringify leaves raw written as \uXXXX escapes; the
// value is unchanged (they can only occur inside strings).
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_IN_JSON, codePoint);
}

// True when a string holds a character escapeTerminal would rewrite.
export function hasUnsafeTerminalText(text: string): boolean {
  UNSAFE_ALL.lastIndex = 0;
  const found = UNSAFE_ALL.test(text);
  UNSAFE_ALL.lastIndex = 0;
  return found;
}
