import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { CatalogError, type CatalogErrorCode } from '../shared/errors.ts';
import { Catalog, type CatalogControl, type Soc2Category, type Soc2OptionalCategory } from './schema.ts';

export const DEFAULT_CONTROLS_DIR = fileURLToPath(new URL('../../controls/', import.meta.url));

type Issue = { code: CatalogErrorCode; text: string };

// Rules the schema alone cannot express (notes/CATALOG-FORMAT.md): evidence kind versus edges and
// attestation text, per-framework fields, one edge per (check, control), registered check ids.
function controlIssues(
  control: CatalogControl,
  framework: Catalog['framework'],
  knownChecks: ReadonlySet<string>,
  at: (p: readonly (string | number)[]) => string,
  i: number,
): Issue[] {
  const issues: Issue[] = [];
  const here = `controls.${i} ("${control.id}")`;
  const bad = (text: string, p: readonly (string | number)[] = []): void => {
    issues.push({ code: 'CATALOG_INVALID_MAPPING', text: `${at(['controls', i, ...p])}: ${here}: ${text}` });
  };
  const edges = control.edges ?? [];
  if (control.evidence === 'automated') {
    if (control.attest !== undefined) bad('an automated control takes no attest text (checks decide it)', ['attest']);
    if (!edges.some((e) => e.strength === 'satisfies')) bad('an automated control needs at least one satisfies edge');
  } else if (control.attest === undefined) {
    bad(`a ${control.evidence} control needs attest: what a person attests`);
  }
  if (framework === 'soc2' && control.category === undefined) bad('a SOC 2 criterion needs its category');
  if (framework !== 'soc2' && control.category !== undefined) bad('category is for SOC 2 criteria only', ['category']);
  if (framework === 'hipaa' && control.requirement === undefined) bad('a HIPAA entry needs requirement: required or addressable');
  if (framework !== 'hipaa' && control.requirement !== undefined) bad('requirement is for HIPAA entries only', ['requirement']);
  const seen = new Set<string>();
  edges.forEach((edge, j) => {
    const where = ['edges', j];
    if (!knownChecks.has(edge.check)) {
      issues.push({ code: 'CATALOG_UNKNOWN_CHECK', text: `${at(['controls', i, 'edges', j, 'check'])}: ${here}.edges.${j}: unknown check id "${edge.check}"` });
    }
    if (seen.has(edge.check)) bad(`edges.${j}: check "${edge.check}" is mapped twice; one edge per (check, control)`, where);
    seen.add(edge.check);
    if (control.evidence === 'manual' && edge.strength === 'satisfies') {
      bad(`edges.${j}: a satisfies edge ("${edge.check}") cannot point into a manual control; use supports or make the control partial`, where);
    }
  });
  return issues;
}

// Parses and validates one catalog. Every problem is collected (with file, YAML path and line)
// before failing, so a reviewer fixes them all in one pass. `publishedIds` (controls/ids/) rejects
// a control id the framework does not publish, e.g. a typo.
export function parseCatalog(text: string, file: string, knownChecks: ReadonlySet<string>, publishedIds?: ReadonlySet<string>): Catalog {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const issues: string[] = [];
  for (const e of doc.errors) {
    issues.push(`${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
  }
  if (issues.length > 0) throw new CatalogError('CATALOG_INVALID', `Control catalog ${file} is not valid YAML`, issues);

  // The line of the node at `p`, or of its nearest ancestor when the key is missing.
  const lineOf = (p: readonly PropertyKey[]): string => {
    const keys = p.map((k) => (typeof k === 'symbol' ? String(k) : k));
    for (let n = keys.length; n >= 0; n -= 1) {
      const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0];
      if (offset !== undefined) return `:${lineCounter.linePos(offset).line}`;
    }
    return '';
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
  const found: Issue[] = [];
  const seen = new Set<string>();
  const at = (p: readonly (string | number)[]): string => `${file}${lineOf(p)}`;
  catalog.controls.forEach((control, i) => {
    if (seen.has(control.id)) {
      found.push({ code: 'CATALOG_DUPLICATE_CONTROL', text: `${at(['controls', i, 'id'])}: controls.${i}.id: duplicate control id "${control.id}"` });
    }
    seen.add(control.id);
    if (publishedIds && !publishedIds.has(control.id)) {
      found.push({ code: 'CATALOG_UNKNOWN_CONTROL', text: `${at(['controls', i, 'id'])}: controls.${i}.id: unknown control id "${control.id}" (not in the published ${catalog.framework} id list)` });
    }
    found.push(...controlIssues(control, catalog.framework, knownChecks, at, i));
  });
  if (found.length > 0) {
    const order: CatalogErrorCode[] = ['CATALOG_UNKNOWN_CHECK', 'CATALOG_UNKNOWN_CONTROL', 'CATALOG_DUPLICATE_CONTROL', 'CATALOG_INVALID_MAPPING'];
    const code = order.find((c) => found.some((f) => f.code === c)) ?? 'CATALOG_INVALID';
    throw new CatalogError(code, `Control catalog ${file} has invalid controls or mappings`, found.map((f) => f.text));
  }
  return catalog;
}

// controls/ids/<framework>.txt: the framework's published ids, one a line; `#` lines name the source.
export function parseIdList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

async function publishedIdsFor(dir: string, text: string): Promise<Set<string> | undefined> {
  const framework = /^framework:\s*["']?([a-z0-9-]+)/m.exec(text)?.[1];
  if (!framework) return undefined;
  const list = await readFile(path.join(dir, 'ids', `${framework}.txt`), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  return list === undefined ? undefined : new Set(parseIdList(list));
}

export async function loadCatalogs(dir: string, knownChecks: ReadonlySet<string>): Promise<Catalog[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const catalogs: Catalog[] = [];
  const problems: string[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    try {
      const text = await readFile(file, 'utf8');
      catalogs.push(parseCatalog(text, file, knownChecks, await publishedIdsFor(dir, text)));
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

// Keeps only the SOC 2 criteria of the selected categories; Security (the common criteria) always
// stays. Other frameworks pass through unchanged.
export function selectSoc2Categories(catalogs: readonly Catalog[], categories: readonly Soc2OptionalCategory[]): Catalog[] {
  const keep = new Set<Soc2Category>(['security', ...categories]);
  return catalogs.map((c) =>
    c.framework === 'soc2' ? { ...c, controls: c.controls.filter((control) => control.category === undefined || keep.has(control.category)) } : c,
  );
}
