import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { HistoryError } from './errors.ts';

// The part of findings.json (DESIGN.md contract, schemaVersion 1) that comparing runs relies on.
// Loose objects: findings.json may gain fields; these never change meaning.
export const FindingsResult = z.looseObject({
  check: z.string().min(1),
  status: z.string().min(1),
  severity: z.string(),
  target: z.string(),
  resource: z.looseObject({ kind: z.string(), namespace: z.string().optional(), name: z.string() }),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
  evidence: z.array(z.string()).default([]),
  controls: z.array(z.string()).default([]),
});
export type FindingsResult = z.infer<typeof FindingsResult>;

export const FindingsControl = z.looseObject({
  framework: z.string(),
  id: z.string(),
  title: z.string().default(''),
  status: z.string(),
  reason: z.string().optional(),
  checks: z.array(z.string()).optional(),
});
export type FindingsControl = z.infer<typeof FindingsControl>;

export const Findings = z.looseObject({
  schemaVersion: z.literal(1),
  run: z.looseObject({ id: z.string().min(1), startedAt: z.string().min(1) }),
  results: z.array(FindingsResult),
  controls: z.array(FindingsControl),
});
export type Findings = z.infer<typeof Findings>;

export function parseFindings(text: string, file: string): Findings {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new HistoryError('FINDINGS_INVALID', `${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = Findings.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new HistoryError('FINDINGS_INVALID', `${file} is not an auditpack findings.json (schemaVersion 1): ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`);
  }
  return parsed.data;
}

export async function loadFindings(dir: string): Promise<Findings> {
  const file = path.join(dir, 'findings.json');
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new HistoryError('FINDINGS_INVALID', `Cannot read ${file}: ${err.code === 'ENOENT' ? 'file not found (is this an auditpack run folder?)' : err.message}`);
  });
  return parseFindings(text, file);
}
