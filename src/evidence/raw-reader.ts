import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

// Raw evidence files read back in order, each with the sha256 of its bytes, in batches:
// `bytes.subarray(start, ends[i])` is file i, `start` being the previous end (or 0).
export interface RawBatch {
  bytes: Buffer;
  ends: number[];
  sha256: string[];
}

// Past this many files a worker thread reads ahead: opening, reading and closing hundreds of
// thousands of small files is a third of the work of `report` on a large estate, and on a second
// core it overlaps with parsing and judging them. Below it, a thread costs more than it saves.
export const READ_AHEAD_MIN_FILES = 4096;
const BATCH = 512;
// Batches asked for ahead of the one being processed (memory: a few MiB at most).
const IN_FLIGHT = 3;
// Files read between two returns to the event loop when reading inline.
const READS_PER_TURN = 256;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// The worker: plain JavaScript evaluated as a script, so it runs whatever loader the main thread
// uses (tsx, or none). It stops at the first file it cannot read; the main thread then reads that
// file itself, so the error is exactly the one a direct read raises.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const path = require('node:path');
parentPort.on('message', ({ id, dir, files }) => {
  const parts = [];
  const sha256 = [];
  let failed = -1;
  for (let i = 0; i < files.length; i++) {
    let b;
    try { b = readFileSync(path.join(dir, files[i])); } catch { failed = i; break; }
    parts.push(b);
    sha256.push(createHash('sha256').update(b).digest('hex'));
  }
  const bytes = Buffer.concat(parts);
  // Transfer the batch's own memory, never a slice of Node's shared buffer pool.
  const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length && bytes.length > 0;
  const ab = own ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  const ends = [];
  let end = 0;
  for (const p of parts) { end += p.length; ends.push(end); }
  parentPort.postMessage({ id, bytes: ab, ends, sha256, failed }, [ab]);
});
`;

interface Reply {
  id: number;
  bytes: ArrayBuffer;
  ends: number[];
  sha256: string[];
  failed: number;
}

function readInline(dir: string, files: readonly string[]): RawBatch {
  const parts: Buffer[] = [];
  const sha256: string[] = [];
  const ends: number[] = [];
  let end = 0;
  for (const f of files) {
    const b = readFileSync(path.join(dir, f));
    parts.push(b);
    sha256.push(createHash('sha256').update(b).digest('hex'));
    end += b.length;
    ends.push(end);
  }
  return { bytes: parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts), ends, sha256 };
}

// Yields the files (paths relative to `dir`) in the order given. A file that cannot be read throws
// the error of readFileSync, after every file before it was yielded.
export async function* readRawFiles(dir: string, files: readonly string[], options: { thread?: boolean } = {}): AsyncGenerator<RawBatch> {
  const thread = options.thread ?? files.length >= READ_AHEAD_MIN_FILES;
  if (!thread) {
    for (let i = 0; i < files.length; i += READS_PER_TURN) {
      if (i > 0) await turn();
      yield readInline(dir, files.slice(i, i + READS_PER_TURN));
    }
    return;
  }
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  worker.unref();
  const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: unknown) => void }>();
  const fail = (err: unknown): void => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (r: Reply) => {
    const w = waiting.get(r.id);
    waiting.delete(r.id);
    w?.resolve(r);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`evidence reader thread stopped (exit code ${code})`)));
  const ask = (id: number): Promise<Reply> => {
    const reply = new Promise<Reply>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, dir, files: files.slice(id * BATCH, (id + 1) * BATCH) });
    });
    // Awaited in order later; a failure of the thread must not count as unhandled meanwhile.
    reply.catch(() => undefined);
    return reply;
  };
  const batches = Math.ceil(files.length / BATCH);
  const pending: Promise<Reply>[] = [];
  try {
    for (let id = 0; id < Math.min(IN_FLIGHT, batches); id++) pending.push(ask(id));
    for (let id = 0; id < batches; id++) {
      const reply = await (pending.shift() as Promise<Reply>);
      if (id + IN_FLIGHT < batches) pending.push(ask(id + IN_FLIGHT));
      yield { bytes: Buffer.from(reply.bytes), ends: reply.ends, sha256: reply.sha256 };
      if (reply.failed >= 0) {
        // Read the rest of this batch here: the failing file throws as a direct read does.
        yield readInline(dir, files.slice(id * BATCH + reply.failed, (id + 1) * BATCH));
      }
    }
  } finally {
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
}
