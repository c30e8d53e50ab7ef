import { escapeTerminal } from '../shared/terminal-text.ts';
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { redact } from './redact.ts';
import { scrubDeep } from './scrub.ts';
import type { EvidenceRecord, EvidenceSource } from './types.ts';
import { kubectlGetCommand, shellQuote } from './cli-command.ts';

export interface PutInput {
  target: string;
  source: EvidenceSource;
  raw: unknown;
  // Identity of the object, when it is a Kubernetes object.
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  // Overrides the derived kubectl command (API collectors know the exact call).
  cli?: string;
  // One line on where the object was read, for its transcript (a live cluster's identity).
  origin?: string;
}

export interface StoredEvidence {
  record: EvidenceRecord;
  // The redacted value: what checks see and what an auditor can re-read from evidence/raw.
  value: unknown;
}

export const TRANSCRIPT_PREVIEW = 4000;

// index.jsonl lines are gathered up to this many characters and then written in one call.
const INDEX_BUFFER = 1 << 20;

// Content-addressed evidence: raw/<sha256>.json holds the redacted object exactly as hashed,
// index.jsonl one record per object, cli/<id>.txt the terminal view of the same object.
//
// Each object is written as it arrives and is not kept: the store holds only its records. Writes
// are synchronous: for many small files they are several times faster than fs/promises (one
// thread-pool round trip per open, write and close), and they keep the index in put() order.
export class EvidenceStore {
  readonly dir: string;
  private readonly clock: () => Date;
  private index: number | undefined;
  private indexBuffer = '';
  private readonly written = new Set<string>();
  private readonly ids = new Set<string>();
  readonly records: EvidenceRecord[] = [];

  constructor(outDir: string, clock: () => Date) {
    this.dir = path.join(outDir, 'evidence');
    this.clock = clock;
  }

  async open(): Promise<void> {
    await mkdir(path.join(this.dir, 'raw'), { recursive: true });
    await mkdir(path.join(this.dir, 'cli'), { recursive: true });
    this.index = openSync(path.join(this.dir, 'index.jsonl'), 'w');
  }

  async close(): Promise<void> {
    if (this.index === undefined) return;
    this.flush();
    closeSync(this.index);
    this.index = undefined;
  }

  private flush(): void {
    if (this.index === undefined || this.indexBuffer === '') return;
    writeSync(this.index, this.indexBuffer);
    this.indexBuffer = '';
  }

  async put(input: PutInput): Promise<StoredEvidence> {
    if (this.index === undefined) throw new Error('EvidenceStore.open() must be called before put()');
    const { value, redactions } = redact(input.raw);
    const bytes = `${terminalSafeJson(value)}\n`;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const rawRel = `evidence/raw/${sha256}.json`;
    if (!this.written.has(sha256)) {
      writeFileSync(path.join(this.dir, 'raw', `${sha256}.json`), bytes);
      this.written.add(sha256);
    }
    let id = evidenceId(input, sha256);
    for (let n = 2; this.ids.has(id); n++) id = evidenceId(input, sha256, n);
    this.ids.add(id);

    const cli =
      input.cli ??
      (input.kind && input.apiVersion && input.name
        ? kubectlGetCommand({
            apiVersion: input.apiVersion,
            kind: input.kind,
            name: input.name,
            ...(input.namespace ? { namespace: input.namespace } : {}),
          })
        : `cat ${shellQuote(input.source.file ?? rawRel)}`);
    const cliRel = `evidence/cli/${id}.txt`;
    const collectedAt = this.clock().toISOString();
    // Target names, file names, API calls and commands are free text an operator supplied
    // (a Consul URL with a password, a query with token=): scrubbed like every outgoing string.
    const record: EvidenceRecord = scrubDeep({
      id,
      target: input.target,
      source: input.source,
      collectedAt,
      sha256,
      path: rawRel,
      ...(input.apiVersion ? { apiVersion: input.apiVersion } : {}),
      ...(input.kind ? { kind: input.kind } : {}),
      ...(input.namespace ? { namespace: input.namespace } : {}),
      ...(input.name ? { name: input.name } : {}),
      cli,
      cliPath: cliRel,
      redactions,
    });
    writeFileSync(path.join(this.dir, 'cli', `${id}.txt`), transcript(record, bytes, input.origin));
    this.indexBuffer += `${JSON.stringify(record)}\n`;
    if (this.indexBuffer.length >= INDEX_BUFFER) this.flush();
    this.records.push(record);
    return { record, value };
  }
}

function evidenceId(input: PutInput, sha256: string, n = 1): string {
  const key = [input.target, input.source.file ?? input.source.call ?? '', input.source.document ?? 0, input.kind ?? '', input.namespace ?? '', input.name ?? '', sha256, n].join('\0');
  return `ev-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

// What an auditor would see in a terminal. JSON.stringify escapes control characters, so ANSI
// sequences in cluster data cannot drive the auditor's terminal.
// A snapshot object is never shown as a command's output: it says which file it was read from,
// that file's sha256 and export time, and gives the command that would show it live as a comment.
function transcript(record: EvidenceRecord, body: string, origin?: string): string {
  const s = record.source;
  const snapshot = s.type === 'snapshot';
  const where = snapshot
    ? `read from file ${JSON.stringify(s.file ?? '')}${s.line ? `, line ${s.line}` : ''}${s.document ? `, document ${s.document}` : ''}${s.fileSha256 ? ` (file sha256 ${s.fileSha256})` : ''}${s.exportedAt ? `, exported at ${s.exportedAt}${s.exportedAtSource === 'file-mtime' ? ' (file modification time; no collected-at file)' : ' (collected-at file of the export)'}` : ''}`
    : (s.call ?? s.type);
  const redacted = record.redactions.length > 0 ? `# redacted: ${record.redactions.map((r) => `${r.path} (${r.reason})`).join(', ')}\n` : '';
  const command = !snapshot
    ? `$ ${record.cli}`
    : record.cli.startsWith('cat ')
      ? `# not live output; the same file: ${record.cli}`
      : `# not live output; to reproduce it live run: ${record.cli}`;
  return [
    `# auditpack evidence ${record.id} · target ${JSON.stringify(record.target)} · ${snapshot ? 'read' : 'collected'} ${record.collectedAt}`,
    `# source: ${where}`,
    origin === undefined ? '' : `# ${origin}`,
    `# sha256: ${record.sha256} (${record.path})`,
    redacted.trimEnd(),
    command,
    body.trimEnd(),
    '',
  ]
    .filter((l, i, all) => l !== '' || i === all.length - 1)
    .map((l) => escapeTerminal(l, { keepNewlines: true }))
    .join('\n');
}

export function boundTranscript(text: string): string {
  return text.length > TRANSCRIPT_PREVIEW ? `${text.slice(0, TRANSCRIPT_PREVIEW)}\n…` : text;
}

// JSON.stringify escapes C0 controls but leaves C1 controls (U+0080–U+009F, e.g. CSI) and bidi
// overrides as raw characters, which can drive or reorder an auditor's terminal when they `cat`
// evidence. Escaping them keeps the JSON value identical.
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
