import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { boundTranscript } from '../evidence/store.ts';
import { EvidenceRecord } from '../evidence/types.ts';
import { API_RESPONSE_GROUP } from '../evidence/api-response.ts';

export { API_RESPONSE_GROUP };
import { buildInventory, type CollectedObject } from '../inventory/build-inventory.ts';
import type { TargetInventory } from '../inventory/types.ts';
import { BundleError, UsageError, errorMessage } from '../shared/errors.ts';
import { TARGETS_FILE, TargetsFile, type CollectedTarget } from './collect.ts';

export interface LoadedEvidence {
  targets: CollectedTarget[];
  inventories: TargetInventory[];
  records: EvidenceRecord[];
  transcripts: Record<string, string>;
}

function isApiResponse(record: EvidenceRecord): boolean {
  return record.apiVersion?.startsWith(`${API_RESPONSE_GROUP}/`) === true && record.kind !== undefined && record.name !== undefined;
}

// Reads an evidence folder (evidence/targets.json, index.jsonl, raw/, cli/) back into inventories.
// `run` goes through here too, so a re-run of `report` on the same evidence gives the same findings.
// Every raw file is checked against the sha256 its record names.
export async function loadEvidence(dir: string): Promise<LoadedEvidence> {
  const targetsText = await readFile(path.join(dir, TARGETS_FILE), 'utf8').catch((err: unknown) => {
    throw new UsageError('USAGE', `${dir} is not an auditpack evidence folder (${TARGETS_FILE}: ${errorMessage(err)})`);
  });
  const targetsParsed = TargetsFile.safeParse(JSON.parse(targetsText));
  if (!targetsParsed.success) {
    throw new BundleError('MANIFEST_INVALID', `${TARGETS_FILE} is not valid: ${targetsParsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const targets = targetsParsed.data.targets;

  const records: EvidenceRecord[] = [];
  const lines = createInterface({ input: createReadStream(path.join(dir, 'evidence', 'index.jsonl')), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const parsed = EvidenceRecord.safeParse(JSON.parse(line));
    if (!parsed.success) {
      throw new BundleError('MANIFEST_INVALID', `evidence/index.jsonl:${lineNo} is not a valid evidence record: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    records.push(parsed.data);
  }

  const byTarget = new Map<string, CollectedObject[]>(targets.map((t) => [t.name, []]));
  const transcripts: Record<string, string> = {};
  for (const record of records) {
    const bytes = await readFile(path.join(dir, record.path));
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== record.sha256) throw new BundleError('FILE_CHANGED', `${record.path} does not match the sha256 in its evidence record ${record.id}`);
    const list = byTarget.get(record.target);
    if (!list) throw new BundleError('MANIFEST_INVALID', `evidence record ${record.id} names unknown target "${record.target}"`);
    const body = JSON.parse(bytes.toString('utf8')) as unknown;
    list.push({
      evidenceId: record.id,
      object: isApiResponse(record) ? { apiVersion: record.apiVersion, kind: record.kind, metadata: { name: record.name }, body } : body,
      ...(record.source.file ? { file: record.source.file } : {}),
      ...(record.source.line ? { line: record.source.line } : {}),
    });
    transcripts[record.id] = boundTranscript(await readFile(path.join(dir, record.cliPath), 'utf8'));
  }

  const inventories = targets.map((t) => buildInventory(t.name, byTarget.get(t.name) ?? [], t.gaps));
  return { targets, inventories, records, transcripts };
}
