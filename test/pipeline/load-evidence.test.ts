import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../src/checks/registry.ts';
import { evaluateCheck } from '../../src/checks/evaluate.ts';
import type { CheckResult } from '../../src/checks/types.ts';
import { EvidenceRecord } from '../../src/evidence/types.ts';
import { boundTranscript } from '../../src/evidence/store.ts';
import { buildInventory, type CollectedObject } from '../../src/inventory/build-inventory.ts';
import type { TargetInventory } from '../../src/inventory/types.ts';
import { TARGETS_FILE, TargetsFile, collectTargets } from '../../src/pipeline/collect.ts';
import { API_RESPONSE_GROUP, indexLines, loadEvidence } from '../../src/pipeline/load-evidence.ts';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

// The streaming loader (one target at a time, synchronous batched reads, transcripts on demand)
// must hand the checks exactly what the straightforward loader did: every record and raw object
// read at once, in index order, then inventories built. Compared on the whole demo environment.
const DEMO = path.resolve(import.meta.dirname, '../../demo/environment');
const TARGETS = ['prod-eu', 'prod-us', 'aws-payments-prod', 'azure-web-prod', 'gcp-analytics'];
const NOW = new Date('2026-07-01T00:00:00Z');

async function loadAllAtOnce(dir: string): Promise<{ inventories: TargetInventory[]; records: EvidenceRecord[]; transcripts: Record<string, string> }> {
  const targets = TargetsFile.parse(JSON.parse(await readFile(path.join(dir, TARGETS_FILE), 'utf8'))).targets;
  const lines = (await readFile(path.join(dir, 'evidence', 'index.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const records = lines.map((l) => EvidenceRecord.parse(JSON.parse(l)));
  const byTarget = new Map<string, CollectedObject[]>(targets.map((t) => [t.name, []]));
  const transcripts: Record<string, string> = {};
  for (const r of records) {
    const bytes = await readFile(path.join(dir, r.path));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(r.sha256);
    const body = JSON.parse(bytes.toString('utf8')) as unknown;
    const api = r.apiVersion?.startsWith(`${API_RESPONSE_GROUP}/`) === true && r.kind !== undefined && r.name !== undefined;
    byTarget.get(r.target)?.push({
      evidenceId: r.id,
      object: api ? { apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name }, body } : body,
      ...(r.source.file ? { file: r.source.file } : {}),
      ...(r.source.line ? { line: r.source.line } : {}),
    });
    transcripts[r.id] = boundTranscript(await readFile(path.join(dir, r.cliPath), 'utf8'));
  }
  return { inventories: targets.map((t) => buildInventory(t.name, byTarget.get(t.name) ?? [], t.gaps)), records, transcripts };
}

function judge(inventories: readonly TargetInventory[]): CheckResult[] {
  return inventories.flatMap((inv) => CHECKS.flatMap((c) => evaluateCheck(c, inv, NOW)));
}

describe('streaming evidence loader', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-load-'));
    await collectTargets({ snapshots: TARGETS.map((t) => ({ dir: path.join(DEMO, t) })) }, dir, () => NOW, () => undefined);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the same records, transcripts, inventories and check results as loading everything at once', async () => {
    const reference = await loadAllAtOnce(dir);
    const streamed = await loadEvidence(dir);
    expect(streamed.records).toEqual(reference.records);
    expect(streamed.transcripts).toEqual(reference.transcripts);
    expect(streamed.inventories).toEqual(reference.inventories);
    const results = judge(streamed.inventories);
    expect(results.length).toBeGreaterThan(200);
    expect(results.some((r) => r.status === 'fail')).toBe(true);
    expect(results).toEqual(judge(reference.inventories));
  });

  it('gives the same with the raw files read ahead on a worker thread (as large folders are)', async () => {
    const reference = await loadAllAtOnce(dir);
    const threaded = await loadEvidence(dir, { readAhead: true });
    expect(threaded.records).toEqual(reference.records);
    expect(threaded.inventories).toEqual(reference.inventories);
    expect(judge(threaded.inventories)).toEqual(judge(reference.inventories));
  });

  it.each([false, true])('reports a changed or missing raw file the same way, read ahead or not (%s)', async (readAhead) => {
    const copy = await mkdtemp(path.join(os.tmpdir(), 'auditpack-load-bad-'));
    try {
      await cp(dir, copy, { recursive: true });
      const lines = (await readFile(path.join(copy, 'evidence', 'index.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
      const last = EvidenceRecord.parse(JSON.parse(lines.at(-1) ?? ''));
      const middle = EvidenceRecord.parse(JSON.parse(lines[Math.floor(lines.length / 2)] ?? ''));
      await writeFile(path.join(copy, last.path), '{"changed":true}\n');
      await expect(loadEvidence(copy, { readAhead })).rejects.toMatchObject({ code: 'FILE_CHANGED', message: expect.stringContaining(last.id) as unknown });
      // A file missing before the changed one: the read error comes first, as a direct read raises it.
      await rm(path.join(copy, middle.path));
      await expect(loadEvidence(copy, { readAhead })).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining(middle.sha256) as unknown });
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('skips transcripts when asked and still judges the same', async () => {
    const reference = await loadAllAtOnce(dir);
    const lean = await loadEvidence(dir, { transcripts: false });
    expect(lean.transcripts).toEqual({});
    expect(judge(lean.inventories)).toEqual(judge(reference.inventories));
  });

  it('splits index lines exactly as readline does, across chunk boundaries', async () => {
    const file = path.join(dir, 'lines.txt');
    const text = 'a\r\nb\rc\n\n  \r\r\nd\u00e9\u4e2d\r\ne\r';
    for (const content of [text, `${text}last`, `${text}\n`, '', '\n', 'x']) {
      await writeFile(file, content);
      const expected: string[] = [];
      for await (const l of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) expected.push(l);
      for (const size of [1, 2, 3, 5, 1 << 20]) {
        const got: string[] = [];
        for await (const chunk of indexLines(file, size)) got.push(...chunk);
        expect(got, JSON.stringify({ content, size })).toEqual(expected);
      }
    }
  });
});
