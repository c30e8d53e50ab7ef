import type { Redaction } from './types.ts';

// Secrets must never reach evidence or reports. Redaction runs before hashing, replaces the value
// with a marker naming the reason, and records the path (never the value).

const SENSITIVE_KEY =
  /^(password|passwd|pass|pwd|secret|token|apikey|api[-_]key|accesskey|access[-_]key|secretaccesskey|secret[-_]access[-_]key|aws[-_]secret[-_]access[-_]key|privatekey|private[-_]key|clientsecret|client[-_]secret|authtoken|auth[-_]token|bearertoken|bearer[-_]token|sessiontoken|session[-_]token|refreshtoken|refresh[-_]token|accesstoken|access[-_]token|id[-_]?token|connectionstring|connection[-_]string|credentials?|client-key-data|token-data)$/i;
const SENSITIVE_SUFFIX = /(password|passwd|secret|token|apikey|api_key|privatekey|private_key)$/i;
// Names of references, not values (credentialName: a Secret's name; secretName; tokenPath…).
const REFERENCE_SUFFIX = /(name|ref|path|file|id|names|refs|policy|type|ttl|version|mode|enabled)$/i;

const SECRET_FLAG = /^--?[\w.-]*(password|passwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?)$/i;

const EMBEDDED_ASSIGNMENT =
  /^([ \t]*(?:-[ \t]*)?["']?[\w.-]*?(?:password|passwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|client-key-data|credentials?)["']?[ \t]*[:=][ \t]*)(["']?)(?!\[REDACTED)([^\s"'#]{4,})\2/gim;

const VALUE_PATTERNS: readonly { re: RegExp; reason: Redaction['reason'] }[] = [
  { re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/g, reason: 'private-key' },
  { re: /\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/g, reason: 'token-like' },
  { re: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, reason: 'token-like' },
  { re: /\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|xox[abposr]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}|glpat-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35})\b/g, reason: 'token-like' },
  { re: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}/g, reason: 'token-like' },
  { re: /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]+):([^\s@/]+)@/gi, reason: 'credential-in-url' },
  { re: /\b(password|pwd|passwd|secret|token|AccountKey|SharedAccessKey)=([^;&\s"']+)/gi, reason: 'credential-in-url' },
  // Config files embedded in strings (INI, YAML, .env, kubeconfig): `aws_secret_access_key = …`, `token: …`.
  { re: EMBEDDED_ASSIGNMENT, reason: 'sensitive-key' },
];

export const REDACTED = (reason: Redaction['reason']): string => `[REDACTED:${reason}]`;

export interface RedactOutput {
  value: unknown;
  redactions: Redaction[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`;
}

function redactString(s: string, p: string, out: Redaction[]): string {
  let result = s;
  for (const { re, reason } of VALUE_PATTERNS) {
    re.lastIndex = 0;
    if (!re.test(result)) continue;
    re.lastIndex = 0;
    result = result.replace(re, (...m: string[]) => {
      if (reason === 'credential-in-url' && m[1]?.includes('://')) return `${m[1]}${m[2]}:${REDACTED(reason)}@`;
      if (reason === 'credential-in-url') return `${m[1]}=${REDACTED(reason)}`;
      if (re === EMBEDDED_ASSIGNMENT) return `${m[1]}${m[2]}${REDACTED(reason)}${m[2]}`;
      return REDACTED(reason);
    });
    out.push({ path: p, reason });
  }
  return result;
}

function isSensitiveKey(key: string): boolean {
  if (SENSITIVE_KEY.test(key)) return true;
  return SENSITIVE_SUFFIX.test(key) && !REFERENCE_SUFFIX.test(key);
}

function walk(value: unknown, p: string, out: Redaction[], ctx: { secretObject: boolean }, depth: number): unknown {
  if (depth > 200) return '[REDACTED:too-deep]';
  if (typeof value === 'string') return redactString(value, p, out);
  if (Array.isArray(value)) {
    return value.map((v, i) => {
      // Command-line flags: ["--password", "value"] carries the secret in the next element.
      const prev = i > 0 ? value[i - 1] : undefined;
      if (typeof v === 'string' && typeof prev === 'string' && SECRET_FLAG.test(prev) && !v.startsWith('-')) {
        out.push({ path: joinPath(p, i), reason: 'sensitive-key' });
        return REDACTED('sensitive-key');
      }
      return walk(v, joinPath(p, i), out, ctx, depth + 1);
    });
  }
  if (!isRecord(value)) return value;

  const result: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const childPath = joinPath(p, key);
    // Every value of a Secret's data/stringData, whatever it looks like.
    if (ctx.secretObject && (p === 'data' || p === 'stringData') && depth === 1) {
      result[key] = REDACTED('secret-data');
      out.push({ path: childPath, reason: 'secret-data' });
      continue;
    }
    // Container env: keep the variable name and valueFrom references, drop literal values.
    if (key === 'value' && typeof v === 'string' && /(^|\.)env\[\d+\]$/.test(p)) {
      result[key] = REDACTED('env-value');
      out.push({ path: childPath, reason: 'env-value' });
      continue;
    }
    if (key === 'kubectl.kubernetes.io/last-applied-configuration' && typeof v === 'string') {
      result[key] = redactEmbeddedJson(v, childPath, out, ctx);
      continue;
    }
    if (isSensitiveKey(key) && v !== null && v !== '' && (typeof v === 'string' || typeof v === 'number')) {
      result[key] = REDACTED('sensitive-key');
      out.push({ path: childPath, reason: 'sensitive-key' });
      continue;
    }
    result[key] = walk(v, childPath, out, ctx, depth + 1);
  }
  return result;
}

function redactEmbeddedJson(s: string, p: string, out: Redaction[], ctx: { secretObject: boolean }): string {
  try {
    const inner = redactValue(JSON.parse(s) as unknown, ctx.secretObject);
    for (const r of inner.redactions) out.push({ path: `${p}<${r.path}>`, reason: r.reason });
    return JSON.stringify(inner.value);
  } catch {
    out.push({ path: p, reason: 'sensitive-key' });
    return REDACTED('sensitive-key');
  }
}

function redactValue(value: unknown, secretObject: boolean): RedactOutput {
  const redactions: Redaction[] = [];
  const result = walk(value, '', redactions, { secretObject }, 0);
  return { value: result, redactions };
}

// Redacts one collected object or API response. Secret objects lose all data values.
export function redact(value: unknown): RedactOutput {
  const secretObject = isRecord(value) && value.kind === 'Secret';
  return redactValue(value, secretObject);
}
