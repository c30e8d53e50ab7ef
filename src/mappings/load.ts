import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { CatalogError } from '../shared/errors.ts';
import { MappingTable } from './schema.ts';

export const DEFAULT_MAPPINGS_DIR = fileURLToPath(new URL('../../controls/mappings/', import.meta.url));

// Parses one table; every problem is reported with file and line before failing.
export function parseMappingTable(text: string, file: string, knownChecks?: ReadonlySet<string>): MappingTable {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const issues = doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0] ?? ''}`);
  if (issues.length > 0) throw new CatalogError('CATALOG_INVALID', `Mapping table ${file} is not valid YAML`, issues);
  const lineOf = (p: readonly PropertyKey[]): string => {
    const node = doc.getIn(p.map((k) => (typeof k === 'symbol' ? String(k) : k)), true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    return offset === undefined ? '' : `:${lineCounter.linePos(offset).line}`;
  };
  const parsed = MappingTable.safeParse(doc.toJS({ maxAliasCount: 50 }));
  if (!parsed.success) {
    for (const i of parsed.error.issues) issues.push(`${file}${lineOf(i.path)}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new CatalogError('CATALOG_INVALID', `Mapping table ${file} does not match the mapping-table schema`, issues);
  }
  const table = parsed.data;
  const seen = new Set<string>();
  table.rows.forEach((row, i) => {
    const key = `${row.from}\0${row.control}`;
    if (seen.has(key)) issues.push(`${file}${lineOf(['rows', i])}: rows.${i}: duplicate row ${row.from} -> ${row.control}`);
    seen.add(key);
  });
  if (knownChecks && !knownChecks.has(table.check)) issues.push(`${file}${lineOf(['check'])}: check: unknown check id "${table.check}"`);
  if (issues.length > 0) throw new CatalogError('CATALOG_INVALID', `Mapping table ${file} is inconsistent`, issues);
  return table;
}

let cached: MappingTable[] | undefined;

// Every table under controls/mappings (sorted by file name), read once per process.
export function shippedMappingTables(dir = DEFAULT_MAPPINGS_DIR, knownChecks?: ReadonlySet<string>): MappingTable[] {
  if (dir === DEFAULT_MAPPINGS_DIR && cached) return cached;
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const tables = files.map((f) => parseMappingTable(readFileSync(path.join(dir, f), 'utf8'), path.join('controls/mappings', f), knownChecks));
  if (dir === DEFAULT_MAPPINGS_DIR) cached = tables;
  return tables;
}
