import type { Redaction } from './types.ts';
import { redactedMarker, scrubText, type ScrubHit } from './scrub.ts';

// Secrets must never reach evidence or reports. Redaction runs before hashing and works by
// structure: fields whose content no check reads (Secret data anywhere, ConfigMap data other than
// the certificates and mesh config checks read, annotations outside the mesh keys, container env
// values, command and args, credential-named keys) are replaced by a marker with their length.
// Every string that stays passes the free-text scrubber. Each redaction is recorded as a JSON
// pointer, a reason and a length, never the value.

const SENSITIVE_KEY =
  /^(password|passwd|pass|pwd|secret|token|apikey|api[-_]key|accesskey|access[-_]key|secretaccesskey|secret[-_]access[-_]key|aws[-_]secret[-_]access[-_]key|privatekey|private[-_]key|clientsecret|client[-_]secret|authtoken|auth[-_]token|bearertoken|bearer[-_]token|sessiontoken|session[-_]token|refreshtoken|refresh[-_]token|accesstoken|access[-_]token|id[-_]?token|connectionstring|connection[-_]string|credentials?|client-key-data|token-data|passphrase)$/i;
const SENSITIVE_SUFFIX = /(password|passwd|passphrase|secret|token|apikey|api_key|privatekey|private_key)$/i;
// Names of references, not values (credentialName: a Secret's name; secretName; tokenPath…).
const REFERENCE_SUFFIX = /(name|ref|path|file|id|names|refs|policy|type|ttl|version|mode|enabled)$/i;

// Annotations checks read: the mesh ones (sidecar.istio.io/inject, linkerd.io/inject,
// config.linkerd.io/*, consul.hashicorp.com/*, traffic.sidecar.istio.io/*, istio.io/rev, ...).
const MESH_ANNOTATION_DOMAINS = ['istio.io', 'linkerd.io', 'consul.hashicorp.com'];

// ConfigMap keys checks read (src/inventory/build-inventory.ts, src/inventory/linkerd/build.ts,
// the CA checks): mesh config and public certificates. Every other ConfigMap value is opaque.
export const CONFIGMAP_KEYS_READ: readonly { name: string | ((n: string) => boolean); keys: readonly string[] }[] = [
  { name: (n) => n === 'istio' || n.startsWith('istio-'), keys: ['mesh'] },
  { name: 'istio-ca-root-cert', keys: ['root-cert.pem'] },
  { name: 'linkerd-config', keys: ['values'] },
  { name: 'linkerd-identity-trust-roots', keys: ['ca-bundle.crt'] },
  { name: 'linkerd-identity-issuer', keys: ['crt.pem', 'tls.crt'] },
];

export interface RedactOutput {
  value: unknown;
  redactions: Redaction[];
}

type Reason = Redaction['reason'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// RFC 6901 JSON pointer.
function pointer(base: string, key: string | number): string {
  return `${base}/${typeof key === 'number' ? key : key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

export function isMeshAnnotation(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const domain = key.slice(0, slash);
  return MESH_ANNOTATION_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`));
}

export function configMapKeyRead(name: unknown, key: string): boolean {
  if (typeof name !== 'string') return false;
  return CONFIGMAP_KEYS_READ.some((r) => (typeof r.name === 'string' ? r.name === name : r.name(name)) && r.keys.includes(key));
}

function isSensitiveKey(key: string): boolean {
  if (SENSITIVE_KEY.test(key)) return true;
  return SENSITIVE_SUFFIX.test(key) && !REFERENCE_SUFFIX.test(key);
}

function lengthOf(v: unknown): number {
  if (typeof v === 'string') return v.length;
  try {
    return JSON.stringify(v)?.length ?? 0;
  } catch {
    // Nested beyond what the stack holds: the length is unknown, the value still goes.
    return 0;
  }
}

const TOO_DEEP = 200;

class Walker {
  readonly redactions: Redaction[] = [];
  private readonly hits: ScrubHit[] = [];

  // The whole value becomes a marker (a string), whatever its type.
  opaque(v: unknown, path: string, reason: Reason): unknown {
    if (v === null || v === undefined || v === '') return v;
    const length = lengthOf(v);
    this.redactions.push({ path, reason, length });
    return redactedMarker(length);
  }

  // The value goes but its JSON type stays, where a schema check decides on the type (an annotation
  // that is not a string is a schema gap before and after redaction).
  typed(v: unknown, path: string, reason: Reason): unknown {
    if (typeof v === 'string' || v === null || v === undefined || typeof v === 'boolean') return v === '' || typeof v !== 'string' ? v : this.opaque(v, path, reason);
    this.redactions.push({ path, reason, length: lengthOf(v) });
    if (typeof v === 'number') return 0;
    return Array.isArray(v) ? [] : {};
  }

  text(s: string, path: string): string {
    this.hits.length = 0;
    const out = scrubText(s, this.hits);
    for (const h of this.hits) this.redactions.push({ path, reason: h.reason, length: h.length });
    return out;
  }

  walk(value: unknown, path: string, depth: number): unknown {
    if (typeof value === 'string') return this.text(value, path);
    if (depth > TOO_DEEP) {
      this.redactions.push({ path, reason: 'too-deep' });
      return `[redacted: nested deeper than ${TOO_DEEP} levels]`;
    }
    if (Array.isArray(value)) return value.map((v, i) => this.walk(v, pointer(path, i), depth + 1));
    if (!isRecord(value)) return value;
    const core = value.apiVersion === undefined || value.apiVersion === 'v1';
    const secret = value.kind === 'Secret' && core;
    const configMap = value.kind === 'ConfigMap' && core;
    const name = isRecord(value.metadata) ? value.metadata.name : undefined;
    const result: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const p = pointer(path, key);
      if (secret && (key === 'data' || key === 'stringData')) result[key] = this.each(v, p, (x, q) => this.opaque(x, q, 'secret-data'), 'secret-data');
      else if (configMap && key === 'binaryData') result[key] = this.each(v, p, (x, q) => this.typed(x, q, 'config-data'));
      else if (configMap && key === 'data') result[key] = this.each(v, p, (x, q, k) => (configMapKeyRead(name, k) ? this.walk(x, q, depth + 2) : this.typed(x, q, 'config-data')));
      else if (key === 'metadata' && isRecord(v)) result[key] = this.metadata(v, p, depth + 1);
      else if (key === 'env' && Array.isArray(v)) result[key] = this.env(v, p, depth + 1);
      else if ((key === 'command' || key === 'args') && (Array.isArray(v) || typeof v === 'string')) {
        result[key] = Array.isArray(v) ? v.map((x, i) => (isRecord(x) || Array.isArray(x) ? this.walk(x, pointer(p, i), depth + 2) : this.opaque(x, pointer(p, i), 'command-line'))) : this.opaque(v, p, 'command-line');
      } else if (isSensitiveKey(key) && (typeof v === 'string' || typeof v === 'number')) result[key] = this.opaque(v, p, 'sensitive-key');
      else result[key] = this.walk(v, p, depth + 1);
    }
    return result;
  }

  // Each value of a map; anything else in its place is opaque as a whole.
  private each(v: unknown, p: string, f: (x: unknown, q: string, key: string) => unknown, reason: Reason = 'config-data'): unknown {
    if (!isRecord(v)) return this.typed(v, p, reason);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = f(x, pointer(p, k), k);
    return out;
  }

  private metadata(m: Record<string, unknown>, p: string, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(m)) {
      const q = pointer(p, key);
      if (key === 'annotations' && isRecord(v)) {
        out[key] = this.each(v, q, (x, r, k) => (isMeshAnnotation(k) ? this.walk(x, r, depth + 2) : this.typed(x, r, 'annotation')), 'annotation');
      } else out[key] = this.walk(v, q, depth + 1);
    }
    return out;
  }

  // Container env: names and valueFrom references stay, literal values (any type) go.
  private env(list: unknown[], p: string, depth: number): unknown[] {
    return list.map((e, i) => {
      const q = pointer(p, i);
      if (!isRecord(e)) return this.walk(e, q, depth + 1);
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(e)) out[key] = key === 'value' ? this.opaque(v, pointer(q, key), 'env-value') : this.walk(v, pointer(q, key), depth + 2);
      return out;
    });
  }
}

// Redacts one collected object or API response.
export function redact(value: unknown): RedactOutput {
  const w = new Walker();
  const result = w.walk(value, '', 0);
  return { value: result, redactions: w.redactions };
}
