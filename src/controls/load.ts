import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { CatalogError } from '../shared/errors.ts';
import { Catalog } from './schema.ts';

export const DEFAULT_CONTROLS_DIR = fileURLToPath(new URL('../../controls/', import.meta.url));

// Parses and validates one catalog. Every problem is collected (with file, YAML path and line)
// before failing, so a reviewer fixes them all in one pass.
export function parseCatalog(text: string, file: string, knownChecks: ReadonlySet<string>): Catalog {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const issues: string[] = [];
  for (const e of doc.errors) {
    issues.push(`${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
  }
  if (issues.length > 0) throw new CatalogError('CATALOG_INVALID', `Control catalog ${file} is not valid YAML`, issues);

  const lineOf = (p: readonly PropertyKey[]): string => {
    const node = doc.getIn(p.map((k) => (typeof k === 'symbol' ? String(k) : k)), true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    return offset === undefined ? '' : `:${lineCounter.linePos(offset).line}`;
  };
  const parsed = Catalog.safeParse(doc.toJS({ maxAliasCount: 50 }));
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const where = i.path.map(String).join('.') || '(root)';
      const keys = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
      issues.push(`${file}${lineOf(i.path)}: ${where}: ${i.message}${keys}`);
    }
    throw new CatalogError('CATALOG_INVALID', `Control catalog ${file} does not match the catalog schema`, issues);
  }
  const catalog = parsed.data;
  const seen = new Set<string>();
  catalog.controls.forEach((control, i) => {
    if (seen.has(control.id)) issues.push(`${file}${lineOf(['controls', i, 'id'])}: controls.${i}.id: duplicate control id "${control.id}"`);
    seen.add(control.id);
    if (!control.checks && !control.manual) {
      issues.push(`${file}${lineOf(['controls', i])}: controls.${i}: a control needs checks or a manual attestation text`);
    }
    control.checks?.forEach((check, j) => {
      if (!knownChecks.has(check)) {
        issues.push(`${file}${lineOf(['controls', i, 'checks', j])}: controls.${i}.checks.${j}: unknown check id "${check}"`);
      }
    });
  });
  if (issues.length > 0) {
    const code = issues.some((i) => i.includes('unknown check id')) ? 'CATALOG_UNKNOWN_CHECK' : 'CATALOG_DUPLICATE_CONTROL';
    throw new CatalogError(code, `Control catalog ${file} has invalid references`, issues);
  }
  return catalog;
}

export async function loadCatalogs(dir: string, knownChecks: ReadonlySet<string>): Promise<Catalog[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const catalogs: Catalog[] = [];
  const problems: string[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    try {
      catalogs.push(parseCatalog(await readFile(file, 'utf8'), file, knownChecks));
    } catch (err) {
      if (err instanceof CatalogError) problems.push(...err.issues);
      else throw err;
    }
  }
  if (problems.length > 0) throw new CatalogError('CATALOG_INVALID', 'Control catalogs failed to load', problems);
  const frameworks = catalogs.map((c) => c.framework);
  const dup = frameworks.find((f, i) => frameworks.indexOf(f) !== i);
  if (dup) throw new CatalogError('CATALOG_INVALID', 'Control catalogs failed to load', [`framework "${dup}" is defined by more than one file in ${dir}`]);
  return catalogs;
}
