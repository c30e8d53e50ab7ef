// Canonical JSON for everything auditpack signs or hashes: RFC 8785 (JCS) restricted to our value
// space (strings, finite numbers, booleans, null, arrays, plain objects). Object keys are sorted by
// UTF-16 code units, there is no whitespace, and strings and numbers use the ECMAScript
// serialization that RFC 8785 specifies (JSON.stringify of a single primitive).
//
// Anything JSON.stringify would silently drop or coerce (NaN, Infinity, undefined or a function in
// an array, Date, Map, class instances, bigint, cycles) throws instead, so two producers can never
// sign different bytes for what they believe is the same value. An object property whose value is
// undefined is omitted, as JSON.stringify does: that is how optional fields are absent.
export function canonicalJson(value: unknown): string {
  if (value === undefined) {
    throw new TypeError('canonicalJson: the top-level value is undefined');
  }
  return serialize(value, '$', new Set());
}

function serialize(value: unknown, at: string, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TypeError(`canonicalJson: ${at} is ${String(value)}, which JSON cannot represent`);
      }
      // Number-to-string as ECMAScript defines it, which is what RFC 8785 requires; -0 becomes 0.
      return JSON.stringify(value);
    case 'object':
      return serializeContainer(value, at, ancestors);
    case 'undefined':
      throw new TypeError(`canonicalJson: ${at} is undefined`);
    case 'bigint':
    case 'symbol':
    case 'function':
      throw new TypeError(`canonicalJson: ${at} is a ${typeof value}, which JSON cannot represent`);
  }
  /* v8 ignore next -- unreachable: the switch covers every typeof result */
  throw new TypeError(`canonicalJson: ${at} has an unsupported type`);
}

function serializeContainer(value: object, at: string, ancestors: Set<object>): string {
  if (ancestors.has(value)) {
    throw new TypeError(`canonicalJson: ${at} is a circular reference`);
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items: string[] = [];
      for (let i = 0; i < value.length; i++) {
        // Index access (not for-of) so holes in sparse arrays are seen as undefined and rejected.
        items.push(serialize(value[i], `${at}[${i}]`, ancestors));
      }
      return `[${items.join(',')}]`;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = value.constructor?.name ?? 'unknown';
      throw new TypeError(`canonicalJson: ${at} is a ${name}, not a plain object`);
    }
    if (Object.getOwnPropertySymbols(value).length > 0) {
      throw new TypeError(`canonicalJson: ${at} has symbol keys`);
    }
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, exactly the order RFC 8785 section 3.2.3 requires.
    const keys = Object.keys(record).sort();
    const members: string[] = [];
    for (const key of keys) {
      const member = record[key];
      if (member === undefined) continue;
      members.push(`${JSON.stringify(key)}:${serialize(member, `${at}.${key}`, ancestors)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}
