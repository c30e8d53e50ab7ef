import { expandedSize, expansionLimit } from './alias-expansion.ts';
import { decodeSnapshotText } from './decode-text.ts';
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { SnapshotError, errorMessage } from '../../shared/errors.ts';
import { findDuplicateKey } from './json-duplicate-keys.ts';
import { jsonErrorOffset } from './json-error-offset.ts';
import { recognizeCloudOutput } from '../cloud-cli/recognize.ts';
import type { RecognizedOutput } from '../cloud-cli/types.ts';
import type { EvidenceGap } from '../../inventory/types.ts';

// One Kubernetes object found in a snapshot, with where it was written.
export interface SnapshotObject {
  object: Record<string, unknown>;
  // Set for cloud CLI output (not a Kubernetes object): stored as an API-response record.
  apiResponse?: RecognizedOutput;
  // Path relative to the snapshot folder, POSIX separators.
  file: string;
  line: number;
  // 1-based document index within a multi-document YAML file (1 for JSON).
  document: number;
}

// An input that was read but is not a Kubernetes object auditpack judges, kept for the report.
export interface SnapshotNote {
  file: string;
  line?: number;
  message: string;
}

export interface SnapshotRead {
  target: string;
  root: string;
  files: string[];
  objects: SnapshotObject[];
  gaps: EvidenceGap[];
  notes: SnapshotNote[];
}

export interface SnapshotOptions {
  target?: string;
  // Files above this size are refused with a clear gap instead of being loaded (bytes).
  maxFileBytes?: number;
  // YAML alias expansion limit (alias bombs).
  maxAliasCount?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
const EXTENSIONS = ['.yaml', '.yml', '.json'];

// Reads every *.yaml, *.yml and *.json under a folder as one offline target: multi-document YAML,
// `kind: List` / `*List` JSON from kubectl, and bare arrays. A file or document that cannot be parsed
// becomes an evidence gap naming the file and line; the rest of the folder is still read.
export async function readSnapshot(dir: string, options: SnapshotOptions = {}): Promise<SnapshotRead> {
  const root = path.resolve(dir);
  const stat = await lstat(root).catch(() => undefined);
  if (!stat?.isDirectory()) throw new SnapshotError('SNAPSHOT_NOT_FOUND', `Snapshot folder not found: ${dir}`);
  const target = options.target ?? path.basename(root);
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxAliasCount = options.maxAliasCount ?? 100;
  const result: SnapshotRead = { target, root, files: [], objects: [], gaps: [], notes: [] };

  for (const rel of await listFiles(root, '', result.notes)) {
    result.files.push(rel);
    const abs = path.join(root, ...rel.split('/'));
    const size = (await lstat(abs)).size;
    if (size > maxBytes) {
      result.gaps.push(gap(target, rel, undefined, 'too-large', '*', `${rel} is ${size} bytes, above the ${maxBytes}-byte limit per snapshot file; it was not read`));
      continue;
    }
    const bytes = await readFile(abs);
    const decoded = decodeSnapshotText(bytes);
    if ('problem' in decoded) {
      // The kinds it probably held, read from its ASCII, so one bad file does not void every check.
      const kinds = kindsIn(bytes.toString('latin1'), /(?:^kind:\s*["']?|"kind"\s*:\s*")([A-Za-z][\w.-]*)/gm);
      result.gaps.push(gap(target, rel, undefined, 'parse-error', kinds, `${rel} ${decoded.problem}; it was not read`));
      continue;
    }
    const text = decoded.text;
    if (rel.endsWith('.json')) readJson(text, rel, target, result);
    else readYaml(text, rel, target, maxAliasCount, result);
  }
  return result;
}

async function listFiles(root: string, rel: string, notes: SnapshotNote[]): Promise<string[]> {
  const entries = await readdir(path.join(root, ...rel.split('/').filter(Boolean)), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink()) {
      notes.push({ file: childRel, message: 'symbolic link not followed' });
    } else if (e.isDirectory()) {
      out.push(...(await listFiles(root, childRel, notes)));
    } else if (e.isFile() && EXTENSIONS.some((x) => e.name.toLowerCase().endsWith(x))) {
      out.push(childRel);
    }
  }
  return out;
}

function gap(
  target: string,
  file: string,
  line: number | undefined,
  reason: EvidenceGap['reason'],
  kinds: EvidenceGap['kinds'],
  message: string,
  area?: EvidenceGap['area'],
): EvidenceGap {
  const id = `gap-${createHash('sha256').update(`${target}\0${file}\0${line ?? 0}\0${reason}`).digest('hex').slice(0, 16)}`;
  return { id, target, reason, kinds, message, file, ...(line !== undefined ? { line } : {}), ...(area ? { area } : {}) };
}

// Lost text that names an apiVersion was Kubernetes input (cloud CLI output never carries one), so
// it can only hide objects the mesh and Kubernetes checks read, never an account's posture.
function inputArea(text: string): EvidenceGap['area'] {
  return /^\s*apiVersion:|"apiVersion"\s*:/m.test(text) ? 'cluster' : undefined;
}

// The kinds a lost document probably held, so one bad file does not void every check.
function kindsIn(text: string, pattern: RegExp): EvidenceGap['kinds'] {
  const kinds = new Set<string>();
  for (const m of text.matchAll(pattern)) if (m[1]) kinds.add(m[1]);
  const specific = [...kinds].filter((k) => !k.endsWith('List'));
  if (specific.length === 0 || specific.length !== kinds.size) return '*';
  return specific.sort();
}

function readYaml(text: string, file: string, target: string, maxAliasCount: number, out: SnapshotRead): void {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, merge: true });
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, i) => {
    const start = doc.range[0];
    const line = lineCounter.linePos(doc.contents?.range[0] ?? start).line;
    const source = text.slice(start, doc.range[2]);
    const firstError = doc.errors[0];
    if (firstError) {
      const errLine = firstError.linePos?.[0]?.line ?? line;
      out.gaps.push(
        gap(target, file, errLine, 'parse-error', kindsIn(source, /^kind:\s*["']?([A-Za-z][\w.-]*)/gm),
          `${file}:${errLine}: invalid YAML in document ${i + 1}: ${firstError.message.split('\n')[0]}`, inputArea(source)),
      );
      return;
    }
    const limit = expansionLimit(source.length);
    const expanded = expandedSize(doc, limit);
    if (expanded > limit) {
      out.gaps.push(
        gap(target, file, line, 'parse-error', kindsIn(source, /^kind:\s*["']?([A-Za-z][\w.-]*)/gm),
          `${file}:${line}: document ${i + 1} was not loaded: its aliases expand it to more than ${limit} nodes and characters (${source.length} in the file)`),
      );
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (err) {
      out.gaps.push(
        gap(target, file, line, 'parse-error', kindsIn(source, /^kind:\s*["']?([A-Za-z][\w.-]*)/gm),
          `${file}:${line}: document ${i + 1} could not be loaded: ${errorMessage(err).split('\n')[0]}`, inputArea(source)),
      );
      return;
    }
    addValue(value, file, line, i + 1, out);
  });
}

function readJson(text: string, file: string, target: string, out: SnapshotRead): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const line = jsonErrorLine(text, err);
    out.gaps.push(
      gap(target, file, line, 'parse-error', kindsIn(text, /"kind"\s*:\s*"([A-Za-z][\w.-]*)"/g),
        `${file}${line ? `:${line}` : ''}: invalid JSON: ${errorMessage(err).split('\n')[0]}`, inputArea(text)),
    );
    return;
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    const key = duplicate.key.length > 80 ? `${duplicate.key.slice(0, 80)}…` : duplicate.key;
    out.gaps.push(
      gap(target, file, duplicate.line, 'parse-error', kindsIn(text, /"kind"\s*:\s*"([A-Za-z][\w.-]*)"/g),
        `${file}:${duplicate.line}: key ${JSON.stringify(key)} appears twice in one JSON object, so readers disagree on its value (JSON.parse keeps the last); the file is not used`, inputArea(text)),
    );
    return;
  }
  addValue(value, file, 1, 1, out);
}

function jsonErrorLine(text: string, err: unknown): number | undefined {
  const position = /position (\d+)/.exec(errorMessage(err))?.[1];
  const offset = position !== undefined ? Number(position) : jsonErrorOffset(text);
  if (offset < 0) return undefined;
  return text.slice(0, offset).split('\n').length;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function addValue(value: unknown, file: string, line: number, document: number, out: SnapshotRead): void {
  if (value === null || value === undefined) return;
  // Some cloud CLIs print a bare array (e.g. `az security pricing list` in older versions).
  const recognizedArray = Array.isArray(value) ? recognizeCloudOutput(value, file) : undefined;
  if (recognizedArray) {
    out.objects.push({ object: { items: value }, apiResponse: recognizedArray, file, line, document });
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) addValue(item, file, line, document, out);
    return;
  }
  if (!isRecord(value)) {
    out.notes.push({ file, line, message: `document ${document} is a ${typeof value}, not a Kubernetes object; ignored` });
    return;
  }
  const kind = value.kind;
  if (typeof kind === 'string' && (kind === 'List' || kind.endsWith('List')) && Array.isArray(value.items)) {
    // `kubectl get X -o json` prints a List; API list responses omit kind/apiVersion on items.
    const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : undefined;
    for (const item of value.items) {
      if (isRecord(item) && itemKind && item.kind === undefined) {
        addValue({ apiVersion, ...item, kind: itemKind }, file, line, document, out);
      } else {
        addValue(item, file, line, document, out);
      }
    }
    return;
  }
  if (typeof kind !== 'string' || typeof value.apiVersion !== 'string') {
    const recognized = recognizeCloudOutput(value, file);
    if (recognized) {
      out.objects.push({ object: value, apiResponse: recognized, file, line, document });
      return;
    }
    out.notes.push({ file, line, message: `document ${document} has no apiVersion/kind; not a Kubernetes object, ignored` });
    return;
  }
  out.objects.push({ object: value, file, line, document });
}
