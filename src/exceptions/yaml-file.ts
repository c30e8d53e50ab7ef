import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../shared/errors.ts';

// A YAML input file parsed with line numbers, so every problem can name file:line.
export interface YamlFile {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
}

export async function readYamlFile(file: string, what: string): Promise<YamlFile> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError('CONFIG_INVALID', `Cannot read ${what} ${file}: ${err.code === 'ENOENT' ? 'file not found' : err.message}`);
  });
  return parseYamlText(text, file, what);
}

export function parseYamlText(text: string, file: string, what: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
    throw invalid(what, file, 'is not valid YAML', lines);
  }
  return { file, doc, lineCounter };
}

// The line of the node at `path`, or of its nearest ancestor that exists (a missing key is
// reported at the entry that lacks it).
export function lineOf(y: YamlFile, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n -= 1) {
    const keys = path.slice(0, n).map((k) => (typeof k === 'symbol' ? String(k) : k));
    const node = (keys.length === 0 ? y.doc.contents : y.doc.getIn(keys, true)) as { range?: [number, number, number] } | null | undefined;
    const offset = node?.range?.[0];
    if (offset !== undefined) return y.lineCounter.linePos(offset).line;
  }
  return undefined;
}

export function at(y: YamlFile, path: readonly PropertyKey[]): string {
  const line = lineOf(y, path);
  return `${y.file}${line === undefined ? '' : `:${line}`}`;
}

// Validates the document with a strict zod schema; every issue is listed with file:line.
export function parseWith<S extends z.ZodType>(y: YamlFile, schema: S, what: string): z.infer<S> {
  const parsed = schema.safeParse(y.doc.toJS({ maxAliasCount: 50 }) ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const where = i.path.map(String).join('.') || '(root)';
    const keys = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
    return `${at(y, i.path)}: ${where}: ${i.message}${keys}`;
  });
  throw invalid(what, y.file, 'is invalid', lines);
}

export function invalid(what: string, file: string, problem: string, issues: readonly string[]): UsageError {
  return new UsageError('CONFIG_INVALID', `${capitalize(what)} ${file} ${problem}:\n${issues.map((l) => `  - ${l}`).join('\n')}`);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// A date ("2026-03-31") or an ISO 8601 instant with offset. A bare date as an end ("expires",
// "validUntil") includes the whole day in UTC; as a start ("attestedAt") it is the day's first instant.
export function instant(value: string, edge: 'start' | 'end'): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00Z`);
    return new Date(edge === 'start' ? start : start + 24 * 60 * 60 * 1000);
  }
  return new Date(value);
}
