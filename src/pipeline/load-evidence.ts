import { createReadStream, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { boundTranscript } from '../evidence/store.ts';
import type { EvidenceRecord } from '../evidence/types.ts';
import { API_RESPONSE_GROUP } from '../evidence/api-response.ts';
import { EvidenceRecordReader } from '../evidence/read-record.ts';
import { readRawFiles, type RawBatch } from '../evidence/raw-reader.ts';
import { StringPool } from '../evidence/string-pool.ts';
// Not ./collect.ts: reading evidence back must not load the collectors and their SDKs.
import { TARGETS_FILE, TargetsFile, type CollectedTarget } from '../evidence/targets-file.ts';

export { API_RESPONSE_GROUP };
import { InventoryBuilder } from '../inventory/build-inventory.ts';
import type { TargetInventory } from '../inventory/types.ts';
import { BundleError, UsageError, errorMessage } from '../shared/errors.ts';

export interface LoadedEvidence {
  targets: CollectedTarget[];
  inventories: TargetInventory[];
  records: EvidenceRecord[];
  transcripts: Record<string, string>;
}

export interface LoadOptions {
  // Read the terminal transcript (evidence/cli/<id>.txt) of every record, for the report's
  // evidence appendix. Off, `transcripts` is empty and readTranscripts reads only those shown.
  transcripts?: boolean;
  // Read raw files ahead on a worker thread; default: for folders of READ_AHEAD_MIN_FILES or more.
  readAhead?: boolean;
}

function isApiResponse(record: EvidenceRecord): boolean {
  return record.apiVersion?.startsWith(`${API_RESPONSE_GROUP}/`) === true && record.kind !== undefined && record.name !== undefined;
}

// Files read between two returns to the event loop: the reads are synchronous (for small files
// several times faster than fs/promises, which costs an open, fstat, read and close round trip to
// the thread pool each), so the loop is given a turn now and then.
const READS_PER_TURN = 256;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Reads an evidence folder (evidence/targets.json, index.jsonl, raw/, cli/) back into inventories.
// `run` goes through here too, so a re-run of `report` on the same evidence gives the same findings.
// Every raw file is checked against the sha256 its record names.
//
// Memory stays bounded by what the checks need, not by the evidence: the index is streamed, and
// each raw object is read, checked, handed to its target's inventory builder and dropped at once
// (the builder keeps typed facts, not raw objects). Repeated strings are kept once, in one pool.
export async function loadEvidence(dir: string, options: LoadOptions = {}): Promise<LoadedEvidence> {
  const targetsText = await readFile(path.join(dir, TARGETS_FILE), 'utf8').catch((err: unknown) => {
    throw new UsageError('USAGE', `${dir} is not an auditpack evidence folder (${TARGETS_FILE}: ${errorMessage(err)})`);
  });
  const targetsParsed = TargetsFile.safeParse(JSON.parse(targetsText));
  if (!targetsParsed.success) {
    throw new BundleError('MANIFEST_INVALID', `${TARGETS_FILE} is not valid: ${targetsParsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const targets = targetsParsed.data.targets;

  const records: EvidenceRecord[] = [];
  const byTarget = new Map<string, EvidenceRecord[]>(targets.map((t) => [t.name, []]));
  const lines = indexLines(path.join(dir, 'evidence', 'index.jsonl'));
  let lineNo = 0;
  const strings = new StringPool();
  const reader = new EvidenceRecordReader(strings);
  for await (const chunk of lines) {
    for (const line of chunk) {
      lineNo++;
      if (line.trim() === '') continue;
      const parsed = reader.read(JSON.parse(line));
      if (!parsed.success) {
        throw new BundleError('MANIFEST_INVALID', `evidence/index.jsonl:${lineNo} is not a valid evidence record: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`);
      }
      const list = byTarget.get(parsed.data.target);
      if (!list) throw new BundleError('MANIFEST_INVALID', `evidence record ${parsed.data.id} names unknown target "${parsed.data.target}"`);
      records.push(parsed.data);
      list.push(parsed.data);
    }
  }

  const inventories: TargetInventory[] = [];
  const ordered = targets.flatMap((t) => byTarget.get(t.name) ?? []);
  const files = readRawFiles(
    dir,
    ordered.map((r) => r.path),
    options.readAhead === undefined ? {} : { thread: options.readAhead },
  );
  let batch: RawBatch | undefined;
  let inBatch = 0;
  let start = 0;
  try {
    for (const t of targets) {
      const builder = new InventoryBuilder(t.name, t.gaps, { strings });
      for (const record of byTarget.get(t.name) ?? []) {
        while (!batch || inBatch >= batch.ends.length) {
          const next = await files.next();
          if (next.done) throw new Error('evidence reader ended early');
          batch = next.value;
          inBatch = 0;
          start = 0;
        }
        const end = batch.ends[inBatch] ?? 0;
        const sha = batch.sha256[inBatch];
        const text = batch.bytes.toString('utf8', start, end);
        inBatch++;
        start = end;
        if (sha !== record.sha256) throw new BundleError('FILE_CHANGED', `${record.path} does not match the sha256 in its evidence record ${record.id}`);
        const body = JSON.parse(text) as unknown;
        builder.add({
          evidenceId: record.id,
          object: isApiResponse(record) ? { apiVersion: record.apiVersion, kind: record.kind, metadata: { name: record.name }, body } : body,
          ...(record.source.file ? { file: record.source.file } : {}),
          ...(record.source.line ? { line: record.source.line } : {}),
        });
      }
      inventories.push(builder.finish());
    }
  } finally {
    // Stops the reader (and its thread) when an error above left files unread.
    await files.return(undefined);
  }

  const transcripts = options.transcripts === false ? {} : await readTranscripts(dir, records);
  return { targets, inventories, records, transcripts };
}

// The lines of index.jsonl as readline gives them (a line ends at \r\n, \n or a lone \r), split
// from 1 MiB chunks: readline resolves one promise per line, a measurable cost at 400,000 lines.
export async function* indexLines(file: string, chunkSize = 1 << 20): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: chunkSize })) {
    const text = rest + (chunk as string);
    // A \r at the very end may be the first half of \r\n: wait for the next chunk.
    const cut = text.endsWith('\r') ? text.length - 1 : text.length;
    const parts = text.slice(0, cut).split(/\r\n|\n|\r/);
    rest = (parts.pop() ?? '') + text.slice(cut);
    yield parts;
  }
  if (rest !== '') yield rest.split(/\r\n|\n|\r/).filter((l, i, all) => i < all.length - 1 || l !== '');
}

// The bounded terminal transcripts of the given records, keyed by evidence id.
export async function readTranscripts(dir: string, records: Iterable<EvidenceRecord>): Promise<Record<string, string>> {
  const transcripts: Record<string, string> = {};
  let reads = 0;
  for (const record of records) {
    if (++reads % READS_PER_TURN === 0) await turn();
    transcripts[record.id] = boundTranscript(readFileSync(path.join(dir, record.cliPath), 'utf8'));
  }
  return transcripts;
}
