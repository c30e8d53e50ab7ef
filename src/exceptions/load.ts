import path from 'node:path';
import { at, instant, invalid, lineOf, parseWith, readYamlFile, type YamlFile } from './yaml-file.ts';
import { ExceptionsFile } from './schema.ts';
import type { ExceptionRule } from './types.ts';

const WHAT = 'exceptions file';

export async function loadExceptions(file: string, knownChecks: ReadonlySet<string>): Promise<ExceptionRule[]> {
  return exceptionsFrom(await readYamlFile(file, WHAT), knownChecks);
}

// Validates every entry (schema, known check id, unique id) and lists every problem with file:line.
export function exceptionsFrom(y: YamlFile, knownChecks: ReadonlySet<string>): ExceptionRule[] {
  const parsed = parseWith(y, ExceptionsFile, WHAT);
  const issues: string[] = [];
  const seen = new Set<string>();
  const rules = parsed.exceptions.map((e, i): ExceptionRule => {
    const id = e.id ?? `exception-${i + 1}`;
    if (!knownChecks.has(e.check)) issues.push(`${at(y, ['exceptions', i, 'check'])}: exceptions.${i}.check: unknown check id "${e.check}"`);
    if (seen.has(id)) issues.push(`${at(y, ['exceptions', i, 'id'])}: exceptions.${i}.id: duplicate exception id "${id}"`);
    seen.add(id);
    const line = lineOf(y, ['exceptions', i]) ?? 0;
    return {
      id,
      check: e.check,
      selector: {
        ...(e.target !== undefined ? { target: e.target } : {}),
        ...(e.namespace !== undefined ? { namespace: e.namespace } : {}),
        ...(e.kind !== undefined ? { kind: e.kind } : {}),
        ...(e.name !== undefined ? { name: e.name } : {}),
      },
      justification: e.justification,
      approver: e.approver,
      ...(e.ticket !== undefined ? { ticket: e.ticket } : {}),
      expires: e.expires,
      expiresAt: instant(e.expires, 'end'),
      file: path.basename(y.file),
      line,
    };
  });
  if (issues.length > 0) throw invalid(WHAT, y.file, 'has invalid references', issues);
  return rules;
}
