import { createHash } from 'node:crypto';

// RFC 4122 §4.3 name-based UUIDs (version 5, SHA-1). OSCAL only accepts version 4 or 5 UUIDs, and
// name-based ones let the same input render the same document, byte for byte.

// The RFC 4122 URL namespace, and auditpack's own namespace derived from it:
// uuidV5(URL_NAMESPACE, 'https://auditpack.io/ns/oscal').
export const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
export const AUDITPACK_NAMESPACE = '9238f8b5-aeb3-55e1-a0c7-79f5b79305de';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidV5(namespace: string, name: string): string {
  if (!UUID_PATTERN.test(namespace)) throw new TypeError(`Not a UUID: ${namespace}`);
  const digest = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  const bytes = digest.subarray(0, 16);
  // Version 5 in the high nibble of byte 6; RFC 4122 variant (10xx) in byte 8.
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

// A UUID for one subject of the document. Parts are joined with NUL so ("a b", "c") and ("a", "b c")
// never share a name.
export function oscalUuid(...parts: readonly string[]): string {
  return uuidV5(AUDITPACK_NAMESPACE, parts.join('\u0000'));
}
