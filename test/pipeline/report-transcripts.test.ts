import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundTranscript } from '../../src/evidence/store.ts';
import { runPipeline } from '../../src/pipeline/run.ts';
import { EVIDENCE_DETAILED_MAX } from '../../src/render/view-model.ts';

// run/report load evidence without transcripts and read only those the evidence appendix shows in
// full: every record shown in full must still come with the start of its own transcript.
const DEMO = path.resolve(import.meta.dirname, '../../demo/environment');

describe('report transcripts', () => {
  let tmp: string;
  let html: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-transcripts-'));
    await runPipeline({
      snapshots: ['prod-eu', 'prod-us'].map((t) => ({ dir: path.join(DEMO, t) })),
      outDir: path.join(tmp, 'out'),
      formats: { html: true, pdf: false, csv: false },
      clock: () => new Date('2026-07-01T00:00:00Z'),
    });
    html = await readFile(path.join(tmp, 'out', 'report.html'), 'utf8');
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('shows each record shown in full with the start of its own transcript', async () => {
    const cards = [...html.matchAll(/<div class="ev" id="[^"]*">[\s\S]*?<span class="ev-id">(ev-[0-9a-f]{16})<\/span>[\s\S]*?(?=<div class="ev" id=|<table class="data evtable"|<\/section>)/g)];
    expect(cards.length).toBeGreaterThan(0);
    expect(cards.length).toBeLessThanOrEqual(EVIDENCE_DETAILED_MAX);
    for (const [card, id] of cards) {
      const transcript = boundTranscript(await readFile(path.join(tmp, 'out', 'evidence', 'cli', `${id}.txt`), 'utf8'));
      expect(transcript.split('\n')[0]).toContain(id);
      // The preview starts at the command line of the record's own transcript (for a snapshot, the
      // comment that it is not live output and the command that would reproduce it), then its output.
      const lines = transcript.split('\n');
      const start = lines.findIndex((l) => l.startsWith('$ ') || l.startsWith('# not live output'));
      const escape = (t: string): string => t.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
      expect(start).toBeGreaterThan(0);
      expect(card).toContain(`<pre class="transcript">`);
      expect(card).toContain(escape(lines.slice(start, start + 3).join('\n')));
    }
  });
});
