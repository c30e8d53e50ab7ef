import { CLI_PATH_RE, EVIDENCE_ID_RE, EvidenceRecord, EvidenceSource, RAW_PATH_RE, Redaction, SHA256_RE } from './types.ts';
import type { StringPool } from './string-pool.ts';

// Reads one evidence/index.jsonl record (already JSON-parsed). A large run has hundreds of
// thousands of records, so the common case takes a hand-written check of the same rules as the
// EvidenceRecord schema (strict keys, types, patterns, enums) instead of a zod parse per line. Any
// value that check does not accept goes to the zod schema, which decides: the fast check may only
// be stricter than the schema, never looser, and builds the object the schema would (same keys,
// same order), with repeated values pooled.
export type RecordRead = { success: true; data: EvidenceRecord } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };

const RECORD_KEYS: ReadonlySet<string> = new Set(Object.keys(EvidenceRecord.shape));
const SOURCE_KEYS: ReadonlySet<string> = new Set(Object.keys(EvidenceSource.shape));
const SOURCE_TYPES: ReadonlySet<string> = new Set(EvidenceSource.shape.type.options);
const REDACTION_REASONS: ReadonlySet<string> = new Set(Redaction.shape.reason.options);
const EXPORTED_AT_SOURCES: ReadonlySet<string> = new Set(EvidenceSource.shape.exportedAtSource.unwrap().options);

type Plain = Record<string, unknown>;

function plain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function onlyKeys(v: Plain, allowed: ReadonlySet<string>): boolean {
  for (const k in v) if (!allowed.has(k)) return false;
  return true;
}

const str = (v: unknown): v is string => typeof v === 'string';
const optStr = (v: Plain, k: string): boolean => !(k in v) || typeof v[k] === 'string';
const optInt = (v: Plain, k: string): boolean => !(k in v) || Number.isSafeInteger(v[k]);

// Reads the records of one index: repeated values (targets, files, sources, redactions) are kept
// once across all records. Records are never mutated after loading, so sharing them is safe.
export class EvidenceRecordReader {
  private readonly sources = new Map<string, EvidenceSource>();
  private readonly redactions = new Map<string, Redaction>();

  constructor(private readonly strings: StringPool) {}

  read(value: unknown): RecordRead {
    const fast = this.fastRecord(value);
    if (fast) return { success: true, data: fast };
    return EvidenceRecord.safeParse(value);
  }

  private fastSource(v: unknown): EvidenceSource | undefined {
    if (!plain(v) || !onlyKeys(v, SOURCE_KEYS)) return undefined;
    const { type, file, line, document, call, fileSha256, exportedAt, exportedAtSource } = v;
    if (!str(type) || !SOURCE_TYPES.has(type) || !optStr(v, 'file') || !optInt(v, 'line') || !optInt(v, 'document') || !optStr(v, 'call')) return undefined;
    if ('fileSha256' in v && !(str(fileSha256) && SHA256_RE.test(fileSha256))) return undefined;
    if (!optStr(v, 'exportedAt') || ('exportedAtSource' in v && !(str(exportedAtSource) && EXPORTED_AT_SOURCES.has(exportedAtSource)))) return undefined;
    const s = this.strings;
    // The objects of one snapshot document, or the pages of one API call, share one source.
    const key = `${type}\0${'file' in v ? `f${file as string}` : ''}\0${'line' in v ? String(line) : ''}\0${'document' in v ? String(document) : ''}\0${'call' in v ? `c${call as string}` : ''}\0${'fileSha256' in v ? String(fileSha256) : ''}\0${'exportedAt' in v ? `e${exportedAt as string}` : ''}\0${'exportedAtSource' in v ? String(exportedAtSource) : ''}`;
    const seen = this.sources.get(key);
    if (seen) return seen;
    const source: EvidenceSource = {
      type: s.get(type) as EvidenceSource['type'],
      ...('file' in v ? { file: s.get(file as string) } : {}),
      ...('line' in v ? { line: line as number } : {}),
      ...('document' in v ? { document: document as number } : {}),
      ...('call' in v ? { call: s.get(call as string) } : {}),
      ...('fileSha256' in v ? { fileSha256: s.get(fileSha256 as string) } : {}),
      ...('exportedAt' in v ? { exportedAt: s.get(exportedAt as string) } : {}),
      ...('exportedAtSource' in v ? { exportedAtSource: exportedAtSource as NonNullable<EvidenceSource['exportedAtSource']> } : {}),
    };
    this.sources.set(key, source);
    return source;
  }

  private fastRedactions(v: unknown): Redaction[] | undefined {
    if (!Array.isArray(v)) return undefined;
    // Most records have none; they share one (frozen) empty list.
    if (v.length === 0) return NO_REDACTIONS;
    for (const r of v as unknown[]) {
      if (!plain(r) || !onlyKeys(r, REDACTION_KEYS) || !str(r.path) || !str(r.reason) || !REDACTION_REASONS.has(r.reason)) return undefined;
      if ('length' in r && !(Number.isSafeInteger(r.length) && (r.length as number) >= 0)) return undefined;
    }
    // map, not push: an array grown by push keeps room for 16 more elements.
    return (v as { path: string; reason: Redaction['reason']; length?: number }[]).map((r) => {
      const key = `${r.reason}\0${r.path}\0${r.length ?? ''}`;
      let shared = this.redactions.get(key);
      if (!shared) {
        shared = { path: this.strings.get(r.path), reason: this.strings.get(r.reason) as Redaction['reason'], ...(r.length !== undefined ? { length: r.length } : {}) };
        this.redactions.set(key, shared);
      }
      return shared;
    });
  }

  private fastRecord(v: unknown): EvidenceRecord | undefined {
    if (!plain(v) || !onlyKeys(v, RECORD_KEYS)) return undefined;
    const { id, target, collectedAt, sha256, path, cli, cliPath } = v;
    if (!str(id) || !EVIDENCE_ID_RE.test(id) || !str(target) || !str(collectedAt) || !str(sha256) || !SHA256_RE.test(sha256)) return undefined;
    if (!str(path) || !RAW_PATH_RE.test(path) || !str(cli) || !str(cliPath) || !CLI_PATH_RE.test(cliPath)) return undefined;
    if (!optStr(v, 'apiVersion') || !optStr(v, 'kind') || !optStr(v, 'namespace') || !optStr(v, 'name')) return undefined;
    const source = this.fastSource(v.source);
    const redactions = this.fastRedactions(v.redactions);
    if (!source || !redactions) return undefined;
    const s = this.strings;
    // path is evidence/raw/<sha256>.json: the hash is kept as a view into it, not a second copy.
    const hash = path.slice(RAW_PREFIX.length, RAW_PREFIX.length + 64);
    return {
      id,
      target: s.get(target),
      source,
      collectedAt: s.get(collectedAt),
      sha256: hash === sha256 ? hash : sha256,
      path,
      ...('apiVersion' in v ? { apiVersion: s.get(v.apiVersion as string) } : {}),
      ...('kind' in v ? { kind: s.get(v.kind as string) } : {}),
      ...('namespace' in v ? { namespace: s.get(v.namespace as string) } : {}),
      ...('name' in v ? { name: v.name as string } : {}),
      cli,
      cliPath,
      redactions,
    };
  }
}

const RAW_PREFIX = 'evidence/raw/';
const NO_REDACTIONS = Object.freeze([]) as unknown as Redaction[];
const REDACTION_KEYS: ReadonlySet<string> = new Set(Object.keys(Redaction.shape));
