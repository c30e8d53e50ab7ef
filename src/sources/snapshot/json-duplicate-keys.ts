// JSON.parse keeps the last of two equal keys in one object, so `{"mode":"DISABLE","mode":"STRICT"}`
// reads as STRICT while another reader may see DISABLE. A snapshot is evidence: such a document is
// ambiguous and is refused (YAML documents are refused the same way, with uniqueKeys).
//
// One linear pass over text JSON.parse has already accepted: strings are skipped with their
// escapes, and each open object keeps the keys seen so far (compared after unescaping).

export interface DuplicateKey {
  key: string;
  // 1-based line of the second occurrence.
  line: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

export function findDuplicateKey(text: string): DuplicateKey | undefined {
  // One frame per open container: a key set for an object, undefined for an array.
  const stack: (Set<string> | undefined)[] = [];
  // In an object, the next string is a key (after `{` or `,`), otherwise a value.
  let expectKey = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) {
      line++;
    } else if (c === QUOTE) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (escaped) escaped = false;
        else if (d === BACKSLASH) escaped = true;
        else if (d === QUOTE) break;
      }
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const raw = text.slice(start, i + 1);
        const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (keys.has(key)) return { key, line };
        keys.add(key);
        expectKey = false;
      }
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(undefined);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] !== undefined;
    }
  }
  return undefined;
}
