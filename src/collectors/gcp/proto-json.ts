// The Google Cloud client libraries return protobuf.js objects (`toObject` with defaults, oneof
// virtual fields, enums as names, int64 as strings, bytes as Buffers, Timestamps as {seconds, nanos}).
// toRestJson turns one back into the proto3 JSON mapping that the REST API and
// `gcloud … --format json` print, so the stored evidence is the response body an auditor sees:
// fields at their default value are omitted (except the member a oneof has set, e.g.
// `enforce: false`), a message that is set stays even when empty (`spec: {}`), bytes become base64
// and Timestamps RFC 3339.

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function isTimestamp(v: Record<string, unknown>): boolean {
  const keys = Object.keys(v);
  return keys.length === 2 && 'seconds' in v && 'nanos' in v && (typeof v.seconds === 'string' || typeof v.seconds === 'number') && typeof v.nanos === 'number';
}

// RFC 3339 with 0, 3, 6 or 9 fractional digits, as the proto3 JSON mapping prints it.
function timestamp(v: Record<string, unknown>): string {
  const seconds = Number(v.seconds);
  const nanos = Number(v.nanos);
  const base = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  if (nanos === 0) return `${base}Z`;
  const digits = nanos % 1_000_000 === 0 ? 3 : nanos % 1000 === 0 ? 6 : 9;
  return `${base}.${String(nanos).padStart(9, '0').slice(0, digits)}Z`;
}

// google.protobuf.Value / Struct (e.g. the `parameters` of a managed-constraint rule).
const VALUE_KINDS = new Set(['nullValue', 'numberValue', 'stringValue', 'boolValue', 'structValue', 'listValue']);

function structValue(v: unknown): unknown {
  if (!isRecord(v) || typeof v.kind !== 'string' || !VALUE_KINDS.has(v.kind)) return toRestJson(v);
  const inner = v[v.kind];
  if (v.kind === 'nullValue') return null;
  if (v.kind === 'structValue') return struct(inner);
  if (v.kind === 'listValue') return isRecord(inner) && Array.isArray(inner.values) ? inner.values.map(structValue) : [];
  return inner;
}

function struct(v: unknown): Record<string, unknown> {
  const fields = isRecord(v) && isRecord(v.fields) ? v.fields : {};
  return Object.fromEntries(Object.entries(fields).map(([k, x]) => [k, structValue(x)]));
}

export function toRestJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toRestJson);
  if (!isRecord(value)) return value;
  if (isTimestamp(value)) return timestamp(value);
  // protobuf.js adds the name of the set oneof member as a virtual field (`kind: 'enforce'`).
  const oneof = typeof value.kind === 'string' && value.kind !== 'kind' && Object.hasOwn(value, value.kind) ? value.kind : undefined;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (oneof !== undefined && key === 'kind') continue;
    if (key === oneof) {
      out[key] = toRestJson(v);
      continue;
    }
    if (v === null || v === undefined || v === '' || v === false || v === 0) continue;
    if ((Array.isArray(v) || v instanceof Uint8Array) && v.length === 0) continue;
    // Enum zero values are named *_UNSPECIFIED by Google API convention.
    if (typeof v === 'string' && /^[A-Z][A-Z0-9_]*_UNSPECIFIED$/.test(v)) continue;
    if (key === 'parameters' && isRecord(v) && isRecord(v.fields)) {
      out[key] = struct(v);
      continue;
    }
    out[key] = toRestJson(v);
  }
  return out;
}
