import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildInventory, type CollectedObject } from '../inventory/build-inventory.ts';
import type { EvidenceGap, TargetInventory } from '../inventory/types.ts';
import { evaluateCheck } from './evaluate.ts';
import type { Check, CheckResult, CheckStatus } from './types.ts';

// Table-driven check tests: realistic Kubernetes objects in, expected results out, through the
// same inventory builder and evaluator the pipeline uses.

export interface ExpectedResult {
  status: CheckStatus;
  kind?: string;
  namespace?: string;
  name?: string;
  messageId?: string;
  // Matches result.data.port when given.
  port?: number | string;
  // true: a warning must be present; false: none may be.
  warning?: boolean;
}

export interface CheckCase {
  name: string;
  // Raw Kubernetes objects as a snapshot or API would return them.
  objects: readonly unknown[];
  gaps?: readonly Omit<EvidenceGap, 'target'>[];
  // ISO time used as the run clock; default 2026-11-22T12:00:00Z.
  now?: string;
  // Every result the check must return; with `partial`, only these must be among them.
  expect: readonly ExpectedResult[];
  partial?: boolean;
}

export interface CheckTable {
  pass: readonly CheckCase[];
  fail: readonly CheckCase[];
  error: readonly CheckCase[];
  notApplicable?: readonly CheckCase[];
}

export const TEST_TARGET = 'test-cluster';
export const DEFAULT_NOW = '2026-11-22T12:00:00Z';

export function evidenceIdFor(index: number): string {
  return `ev-test-${String(index).padStart(3, '0')}`;
}

export function inventoryOf(objects: readonly unknown[], gaps: readonly Omit<EvidenceGap, 'target'>[] = []): TargetInventory {
  const collected: CollectedObject[] = objects.map((object, i) => ({ evidenceId: evidenceIdFor(i), object }));
  return buildInventory(
    TEST_TARGET,
    collected,
    gaps.map((g) => ({ ...g, target: TEST_TARGET })),
  );
}

export function runCase(check: Check, c: CheckCase): CheckResult[] {
  return evaluateCheck(check, inventoryOf(c.objects, c.gaps), new Date(c.now ?? DEFAULT_NOW));
}

function matches(r: CheckResult, e: ExpectedResult): boolean {
  if (r.status !== e.status) return false;
  if (e.kind !== undefined && r.resource.kind !== e.kind) return false;
  if (e.namespace !== undefined && r.resource.namespace !== e.namespace) return false;
  if (e.name !== undefined && r.resource.name !== e.name) return false;
  if (e.messageId !== undefined && r.messageId !== e.messageId) return false;
  if (e.port !== undefined && String(r.data.port) !== String(e.port)) return false;
  if (e.warning === true && !r.warning) return false;
  if (e.warning === false && r.warning) return false;
  return true;
}

function describeResult(r: CheckResult): string {
  const res = `${r.resource.kind} ${r.resource.namespace ? `${r.resource.namespace}/` : ''}${r.resource.name}`;
  return `${r.status} ${res} [${r.messageId}]${r.data.port !== undefined ? ` port ${r.data.port}` : ''}: ${r.message}`;
}

function assertCase(check: Check, c: CheckCase, group: keyof CheckTable): void {
  const results = runCase(check, c);
  const listing = results.map(describeResult).join('\n');
  const objectCount = c.objects.length;
  const validIds = new Set(Array.from({ length: objectCount }, (_v, i) => evidenceIdFor(i)));
  for (const r of results) {
    expect(r.check).toBe(check.meta.id);
    expect(check.meta.messages[r.messageId] ?? ['evidenceGap', 'checkFailed', 'meshNotPresent'].includes(r.messageId)).toBeTruthy();
    for (const id of r.evidence) expect(validIds.has(id), `unknown evidence id ${id} in:\n${listing}`).toBe(true);
    expect(r.message).not.toMatch(/\{\{\w+\}\}/);
  }
  for (const e of c.expect) {
    expect(results.some((r) => matches(r, e)), `expected ${JSON.stringify(e)} among:\n${listing}`).toBe(true);
  }
  if (!c.partial) {
    expect(results.length, `expected exactly ${c.expect.length} result(s), got:\n${listing}`).toBe(c.expect.length);
    for (const r of results) {
      expect(c.expect.some((e) => matches(r, e)), `unexpected result:\n${describeResult(r)}`).toBe(true);
    }
  }
  const statuses = new Set(results.map((r) => r.status));
  if (group === 'pass') {
    expect(statuses.has('pass'), `a pass case must produce a pass:\n${listing}`).toBe(true);
    expect(statuses.has('fail') || statuses.has('error'), `a pass case must not fail or error:\n${listing}`).toBe(false);
  }
  if (group === 'fail') expect(statuses.has('fail'), `a fail case must produce a fail:\n${listing}`).toBe(true);
  if (group === 'error') {
    expect(statuses.has('error'), `an error case must produce an error:\n${listing}`).toBe(true);
    expect(statuses.has('pass'), `an error case must not pass:\n${listing}`).toBe(false);
  }
  if (group === 'notApplicable') expect(statuses.has('not_applicable')).toBe(true);
}

export function describeCheck(check: Check, table: CheckTable): void {
  describe(check.meta.id, () => {
    it('has at least one pass, one fail and one error case', () => {
      expect(table.pass.length).toBeGreaterThan(0);
      expect(table.fail.length).toBeGreaterThan(0);
      expect(table.error.length).toBeGreaterThan(0);
      const names = [...table.pass, ...table.fail, ...table.error, ...(table.notApplicable ?? [])].map((c) => c.name);
      expect(new Set(names).size).toBe(names.length);
    });
    for (const group of ['pass', 'fail', 'error', 'notApplicable'] as const) {
      for (const c of table[group] ?? []) {
        it(`${group}: ${c.name}`, () => assertCase(check, c, group));
      }
    }
  });
}

// Parses multi-document YAML the way a snapshot file is written, for readable test tables.
export function docs(yamlText: string): unknown[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as unknown)
    .filter((d) => d !== null && d !== undefined);
}
