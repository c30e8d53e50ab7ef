// The one scrubber for free text that must stay readable (messages, logs, commands, run.json, the
// report, OSCAL, transcripts, gap messages, target locations). A single left-to-right scan: every
// branch either advances past what it read or reads a bounded window, so a crafted value of several
// MB costs time proportional to its length (no regexes over unbounded input, no backtracking).

export type ScrubReason = 'credential-in-url' | 'key-value' | 'command-line' | 'private-key' | 'token-like';

export interface ScrubHit {
  reason: ScrubReason;
  length: number;
}

export const redactedMarker = (length: number): string => `[redacted: ${length} chars]`;
const MARKER_PREFIX = '[redacted';

// Names whose value is a credential, compared lower-case without `-`, `_`, `.` and leading dashes:
// `DB_PASSWORD`, `--db-pass`, `aws_secret_access_key`, `sig` (Azure SAS), `requirepass`, `passphrase`.
const SECRET_SUFFIXES = [
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'pass',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'secretkey',
  'privatekey',
  'accountkey',
  'sharedaccesskey',
  'signingkey',
  'encryptionkey',
  'masterkey',
  'sessionkey',
  'authkey',
  'credential',
  'credentials',
  'auth',
  'sig',
  'clientkeydata',
  'tokendata',
  'connectionstring',
];
// Ordinary words that end like a secret name.
const NOT_SECRET = new Set(['bypass', 'compass', 'trespass', 'surpass', 'overpass', 'underpass', 'oauth', 'unauth', 'noauth']);
// Pagination cursors, not credentials (`$skipToken`, `NextToken`, `pageToken`).
const CURSOR_SUFFIXES = ['skiptoken', 'nexttoken', 'pagetoken', 'continuationtoken', 'synctoken', 'resumetoken', 'paginationtoken'];
const MAX_NAME = 48;

// Words that end like a secret name (separators allowed between the parts); checked first, on a
// bounded tail, before the exact comparison below.
const SECRET_TAIL = /(?:pass(?:wo?r)?d|passphrase|pwd|pass|secret|token|(?:api|access|secret|private|account|signing|encryption|master|session|auth)[-_.]?key|credentials?|auth|sig|key[-_.]?data|token[-_.]?data|connection[-_.]?string)$/i;

export function isSecretName(word: string): boolean {
  if (!SECRET_TAIL.test(word.length > MAX_NAME ? word.slice(-MAX_NAME) : word)) return false;
  let n = '';
  // Only the tail matters (names end with the secret word); reading a bounded tail keeps it linear.
  const from = Math.max(0, word.length - MAX_NAME);
  for (let k = from; k < word.length; k++) {
    const c = word.charCodeAt(k);
    if (c === 45 || c === 95 || c === 46) continue; // - _ .
    n += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : word[k];
  }
  if (n === '' || NOT_SECRET.has(n)) return false;
  for (const s of CURSOR_SUFFIXES) if (n.endsWith(s)) return false;
  for (const s of SECRET_SUFFIXES) if (n.endsWith(s)) return true;
  return false;
}

// Word characters of names and tokens: letters, digits, `_`, `-`, `.`.
function isWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}
function isQuote(c: number): boolean {
  return c === 34 || c === 39 || c === 96;
}
// Characters of a base64 / bearer token.
function isTokenChar(c: number): boolean {
  return isWord(c) || c === 43 || c === 47 || c === 61 || c === 126;
}
// Where an unquoted value ends: whitespace, quotes, separators of query strings, JSON and shells.
function endsValue(c: number): boolean {
  return c <= 32 || isQuote(c) || c === 92 || c === 44 || c === 59 || c === 38 || c === 125 || c === 93 || c === 41 || c === 60 || c === 62 || c === 127;
}
// Where a URL authority ends.
function endsAuthority(c: number): boolean {
  return c <= 32 || c === 47 || c === 63 || c === 35 || isQuote(c) || c === 92 || c === 60 || c === 62 || c === 127;
}

const MYSQL_CLIENTS = new Set(['mysql', 'mysqldump', 'mysqladmin', 'mysqlimport', 'mysqlshow', 'mysqlcheck', 'mariadb', 'mariadb-dump']);
const AWS_KEY_PREFIXES = ['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'ANPA', 'ANVA', 'AIPA'];
// Public PEM types (certificates checks read); every other PEM block is treated as a secret.
const PUBLIC_PEM = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CRL', 'CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST', 'PUBLIC KEY', 'RSA PUBLIC KEY']);
const ENV_REFERENCE = /^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/;
const PEM_BEGIN = '-----BEGIN ';
const PEM_END = '-----END ';
// base64("-----BEGIN") as it starts an encoded PEM file (kubeconfig *-data, Secret data).
const B64_PEM = 'LS0tLS1CRUdJTi';

function tokenLike(w: string): boolean {
  const len = w.length;
  if (len === 20 && AWS_KEY_PREFIXES.includes(w.slice(0, 4))) {
    let ok = true;
    for (let k = 4; k < 20 && ok; k++) {
      const c = w.charCodeAt(k);
      ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
    }
    if (ok) return true;
  }
  if (w.startsWith('eyJ') && len >= 20) {
    const a = w.indexOf('.');
    const b = a < 0 ? -1 : w.indexOf('.', a + 1);
    if (b > a + 5 && w.startsWith('eyJ', a + 1) && len - b > 5) return true;
  }
  if (len >= 34 && /^gh[pousr]_/.test(w.slice(0, 4))) return true;
  if (len >= 50 && w.startsWith('github_pat_')) return true;
  if (len >= 14 && /^xox[abposr]-/.test(w.slice(0, 5))) return true;
  if (len >= 24 && (w.startsWith('sk_live_') || w.startsWith('rk_live_'))) return true;
  if (len >= 26 && w.startsWith('glpat-')) return true;
  if (len >= 39 && w.startsWith('AIza')) return true;
  return false;
}

class Out {
  private parts: string[] = [];
  private from = 0;
  constructor(
    private readonly s: string,
    private readonly hits: ScrubHit[] | undefined,
  ) {}
  redact(start: number, end: number, reason: ScrubReason): void {
    if (end <= start) return;
    this.parts.push(this.s.slice(this.from, start), redactedMarker(end - start));
    this.from = end;
    this.hits?.push({ reason, length: end - start });
  }
  done(): string {
    if (this.parts.length === 0) return this.s;
    this.parts.push(this.s.slice(this.from));
    return this.parts.join('');
  }
}

// Whether any rule could fire: a separator, a flag, or the start of a token or PEM block. Most
// strings (names, labels, images) have none and are returned without the scan. Alternatives of
// bounded length and no nested quantifiers: linear in the length of the string.
const TRIGGER = /[=@]|:[^\d]|(?:^|[\s"'[,(])-|-----BEGIN|LS0tLS1CRUdJTi|A(?:KIA|SIA|GPA|IDA|ROA|NPA|NVA|IPA)|eyJ|gh[pousr]_|github_pat_|xox[abposr]-|[sr]k_live_|glpat-|AIza|bearer|basic|token|mysql|mariadb/i;

// Scrubs one string; hits (reason and length, never the value) are appended to `hits` when given.
export function scrubText(s: string, hits?: ScrubHit[]): string {
  if (!TRIGGER.test(s)) return s;
  const n = s.length;
  const out = new Out(s, hits);
  // Inside a mysql command (up to the end of the line or a shell separator), `-pX` is a password.
  let mysql = false;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 45 && s.startsWith(PEM_BEGIN, i)) {
      const next = scanPem(s, i, out);
      if (next > i) {
        i = next;
        continue;
      }
    }
    if (c === 76 && s.startsWith(B64_PEM, i)) {
      i = scanBase64Pem(s, i, out);
      continue;
    }
    if (c === 58 && s.startsWith('://', i)) {
      i = scanAuthority(s, i + 3, out);
      continue;
    }
    if (!isWord(c)) {
      if (c === 10 || c === 59 || c === 124 || c === 38) mysql = false;
      i++;
      continue;
    }
    let j = i;
    while (j < n && isWord(s.charCodeAt(j))) j++;
    const word = s.slice(i, j);
    i = scanWord(s, word, i, j, mysql, out);
    if (MYSQL_CLIENTS.has(word)) mysql = true;
  }
  return out.done();
}

// After a word: a token, `Bearer X`, `mysql -pX`, `name=value`, `name: value`, `"name":"value"`,
// `--flag value`. Returns where scanning goes on.
function scanWord(s: string, word: string, start: number, end: number, mysql: boolean, out: Out): number {
  const n = s.length;
  let bareEnd = word.length;
  while (bareEnd > 0 && (word.charCodeAt(bareEnd - 1) === 46 || word.charCodeAt(bareEnd - 1) === 45)) bareEnd--;
  const bare = bareEnd === word.length ? word : word.slice(0, bareEnd);
  if (tokenLike(bare)) {
    out.redact(start, start + bare.length, 'token-like');
    return end;
  }
  const lower = word.length <= 6 ? word.toLowerCase() : '';
  if (lower === 'bearer' || lower === 'basic' || lower === 'token') {
    let k = end;
    while (k < n && k - end < 8 && isSpace(s.charCodeAt(k))) k++;
    if (k > end) {
      let e = k;
      while (e < n && isTokenChar(s.charCodeAt(e))) e++;
      if (e - k >= 16 && !s.startsWith(MARKER_PREFIX, k)) {
        out.redact(k, e, 'token-like');
        return e;
      }
    }
  }
  if (mysql && word.length >= 2 && word.charCodeAt(0) === 45 && word.charCodeAt(1) === 112) {
    if (word.length > 2) {
      out.redact(start + 2, end, 'command-line');
      return end;
    }
    // -p'PW'
    if (isQuote(s.charCodeAt(end))) return scanValue(s, end, out, 'command-line');
  }
  if (!isSecretName(word)) return end;
  // name, closing quotes (`"`, `\"`), spaces, `=` or `:`, spaces, opening quote, value.
  let k = end;
  for (let q = 0; q < 3 && k < n && (isQuote(s.charCodeAt(k)) || s.charCodeAt(k) === 92); q++) k++;
  while (k < n && k - end < 16 && isSpace(s.charCodeAt(k))) k++;
  const sep = s.charCodeAt(k);
  const isFlag = word.charCodeAt(0) === 45;
  // `=` always assigns; `:` only where a key stands (line start, after `{`, `,`, a quote, `- `),
  // so prose such as "requests with no token: Deployment web/api" stays.
  const assigns = sep === 61 || (sep === 58 && keyPosition(s, start));
  if (assigns && !s.startsWith('://', k) && s.charCodeAt(k + 1) !== sep) {
    k++;
    const afterSep = k;
    while (k < n && k - afterSep < 16 && isSpace(s.charCodeAt(k))) k++;
    return scanValue(s, k, out, 'key-value');
  }
  // `--passphrase X`, `--requirepass X`: the next argument is the value.
  if (isFlag && k > end && k < n && sep !== 45 && sep !== 10 && sep !== 13 && k === skipSpaces(s, end)) {
    return scanValue(s, k, out, 'command-line');
  }
  return end;
}

function keyPosition(s: string, start: number): boolean {
  let b = start - 1;
  while (b >= 0 && start - b < 64 && isSpace(s.charCodeAt(b))) b--;
  if (b < 0) return true;
  const c = s.charCodeAt(b);
  return c === 10 || c === 13 || c === 123 || c === 44 || isQuote(c) || c === 40 || c === 91 || c === 59 || c === 45 || c === 92;
}

function skipSpaces(s: string, k: number): number {
  while (k < s.length && isSpace(s.charCodeAt(k))) k++;
  return k;
}

// One value from k: quoted (`"…"`, `'…'`, `\"…\"`) up to its closing quote on the same line, or
// unquoted up to a separator. Markers already in place are left alone.
function scanValue(s: string, k: number, out: Out, reason: ScrubReason): number {
  const n = s.length;
  let close = '';
  if (s.charCodeAt(k) === 92 && isQuote(s.charCodeAt(k + 1))) close = s.slice(k, k + 2);
  else if (isQuote(s.charCodeAt(k))) close = s[k] ?? '';
  const v = k + close.length;
  if (s.startsWith(MARKER_PREFIX, v)) return v + MARKER_PREFIX.length;
  let e = v;
  if (close) {
    const q = close.charCodeAt(close.length - 1);
    while (e < n) {
      const c = s.charCodeAt(e);
      if (c === 10 || c === 13) break;
      if (close.length === 1 && c === q && s.charCodeAt(e - 1) !== 92) break;
      if (close.length === 2 && c === 92 && s.charCodeAt(e + 1) === q) break;
      e++;
    }
  } else {
    while (e < n && !endsValue(s.charCodeAt(e))) e++;
  }
  // A reference to where the secret lives (`$CONSUL_HTTP_TOKEN`, `${DB_PASSWORD}`) is not the secret.
  const ref = s.startsWith('${', v) && s.charCodeAt(e) === 125 ? e + 1 : e;
  if (ENV_REFERENCE.test(s.slice(v, ref))) return Math.max(ref, k + 1);
  out.redact(v, e, reason);
  return Math.max(e, k + 1);
}

// `scheme://user:PW@host`, `redis://:PW@host`: the password goes, the user and host stay.
function scanAuthority(s: string, from: number, out: Out): number {
  const n = s.length;
  let e = from;
  let at = -1;
  let colon = -1;
  while (e < n) {
    const c = s.charCodeAt(e);
    if (endsAuthority(c)) break;
    if (c === 64) at = e;
    else if (c === 58 && colon < 0 && at < 0) colon = e;
    e++;
  }
  if (at > 0 && colon >= 0 && colon < at && !s.startsWith(MARKER_PREFIX, colon + 1)) out.redact(colon + 1, at, 'credential-in-url');
  // Resumes after the userinfo so the host is still read as words (it holds no secret).
  return at > 0 ? at + 1 : from;
}

// A PEM block: certificates stay (checks read them); any other block goes, to its END line or, when
// it has none, to the end of the text.
function scanPem(s: string, i: number, out: Out): number {
  const labelStart = i + PEM_BEGIN.length;
  const labelEnd = findWithin(s, '-----', labelStart, 70);
  if (labelEnd < 0) return i;
  const label = s.slice(labelStart, labelEnd);
  if (PUBLIC_PEM.has(label)) return labelEnd + 5;
  const endAt = s.indexOf(PEM_END, labelEnd + 5);
  if (endAt < 0) {
    out.redact(i, s.length, 'private-key');
    return s.length;
  }
  const close = findWithin(s, '-----', endAt + PEM_END.length, 70);
  const stop = close >= 0 ? close + 5 : endAt + PEM_END.length;
  out.redact(i, stop, 'private-key');
  return stop;
}

// indexOf limited to a window, so repeated look-ups stay linear.
function findWithin(s: string, needle: string, from: number, window: number): number {
  const at = s.slice(from, from + window + needle.length).indexOf(needle);
  return at < 0 ? -1 : from + at;
}

// base64 of a PEM file: decoded far enough to read its type; certificates stay.
function scanBase64Pem(s: string, i: number, out: Out): number {
  const n = s.length;
  let e = i;
  while (e < n && isTokenChar(s.charCodeAt(e))) e++;
  const head = Buffer.from(s.slice(i, Math.min(e, i + 96)), 'base64').toString('latin1');
  const m = /^-----BEGIN ([A-Z0-9 ]{1,64})-----/.exec(head);
  if (m && PUBLIC_PEM.has(m[1] ?? '')) return e;
  out.redact(i, e, 'private-key');
  return e;
}

// Scrubs every string inside a JSON-like value. Objects and arrays are copied only where a string
// changed, so an unchanged value is returned as is (same identity).
export function scrubDeep<T>(value: T, hits?: ScrubHit[]): T {
  return scrubAny(value, hits, 0) as T;
}

function scrubAny(v: unknown, hits: ScrubHit[] | undefined, depth: number): unknown {
  if (typeof v === 'string') return scrubText(v, hits);
  if (typeof v !== 'object' || v === null || depth > 256) return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let k = 0; k < v.length; k++) {
      const x: unknown = v[k];
      const y = scrubAny(x, hits, depth + 1);
      if (y !== x) {
        copy ??= v.slice();
        copy[k] = y;
      }
    }
    return copy ?? v;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v;
  let copy: Record<string, unknown> | undefined;
  for (const [key, x] of Object.entries(v as Record<string, unknown>)) {
    const y = scrubAny(x, hits, depth + 1);
    if (y !== x) {
      copy ??= { ...(v as Record<string, unknown>) };
      copy[key] = y;
    }
  }
  return copy ?? v;
}
