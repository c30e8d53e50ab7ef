// Snapshot files as text. `kubectl get -o json > f.json` in Windows PowerShell 5 writes UTF-16LE
// with a byte order mark, and editors add a UTF-8 BOM: both are decoded, not reported as "invalid
// JSON" at position 0. Bytes that are not text in any of these encodings give a clear reason.
export type DecodedText = { text: string; encoding: 'utf-8' | 'utf-16le' | 'utf-16be' } | { problem: string };

export function decodeSnapshotText(bytes: Uint8Array): DecodedText {
  const [a, b, c] = [bytes[0], bytes[1], bytes[2]];
  if (a === 0xef && b === 0xbb && c === 0xbf) return utf8(bytes.subarray(3));
  if (a === 0xff && b === 0xfe) return utf16(bytes.subarray(2), 'utf-16le');
  if (a === 0xfe && b === 0xff) return utf16(bytes.subarray(2), 'utf-16be');
  // UTF-16 without a BOM: JSON and YAML start with ASCII, so every other byte of the start is NUL.
  if (bytes.length >= 4 && a !== 0 && b === 0 && bytes[3] === 0) return utf16(bytes, 'utf-16le');
  if (bytes.length >= 4 && a === 0 && b !== 0 && c === 0) return utf16(bytes, 'utf-16be');
  return utf8(bytes);
}

function utf8(bytes: Uint8Array): DecodedText {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { problem: 'is not UTF-8 text (nor UTF-16 with a byte order mark); save it as UTF-8' };
  }
}

function utf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): DecodedText {
  if (bytes.length % 2 !== 0) return { problem: `looks like ${encoding.toUpperCase()} but has an odd number of bytes; save it as UTF-8` };
  try {
    return { text: new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes), encoding };
  } catch {
    return { problem: `looks like ${encoding.toUpperCase()} but is not valid ${encoding.toUpperCase()} text; save it as UTF-8` };
  }
}
