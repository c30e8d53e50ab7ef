import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBundle } from '../../src/bundle/manifest.ts';
import { generateEphemeralSigner } from '../../src/bundle/signer.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { META, SAMPLE_FILES } from '../bundle/helpers.ts';

// Any single change to a signed bundle (a flipped bit, a truncation, an appended byte in any file,
// including the manifest and its signature) makes verification fail.
describe('bundle verifier (property)', () => {
  let signed: string;
  let work: string;
  const files = [...Object.keys(SAMPLE_FILES), 'VERIFY.md', 'manifest.json', 'manifest.sig'];

  beforeAll(async () => {
    signed = await mkdtemp(path.join(os.tmpdir(), 'auditpack-prop-signed-'));
    work = await mkdtemp(path.join(os.tmpdir(), 'auditpack-prop-work-'));
    for (const [name, text] of Object.entries(SAMPLE_FILES)) {
      await mkdir(path.dirname(path.join(signed, name)), { recursive: true });
      await writeFile(path.join(signed, name), text);
    }
    await signBundle(signed, generateEphemeralSigner(), META);
    expect((await verifyBundle(signed)).ok).toBe(true);
  });

  afterAll(async () => {
    await rm(signed, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('rejects every single-file mutation', async () => {
    const mutation = fc.record({
      file: fc.constantFrom(...files),
      kind: fc.constantFrom('flip', 'truncate', 'append'),
      at: fc.nat(),
      bit: fc.integer({ min: 0, max: 7 }),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        await rm(work, { recursive: true, force: true });
        await cp(signed, work, { recursive: true });
        const p = path.join(work, m.file);
        const bytes = await readFile(p);
        let changed: Buffer;
        if (m.kind === 'flip') {
          changed = Buffer.from(bytes);
          const i = m.at % changed.length;
          changed[i] = (changed[i] ?? 0) ^ (1 << m.bit);
        } else if (m.kind === 'truncate') {
          changed = bytes.subarray(0, m.at % bytes.length);
        } else {
          changed = Buffer.concat([bytes, Buffer.from([m.at % 256])]);
        }
        await writeFile(p, changed);
        const report = await verifyBundle(work);
        expect(report.ok, `${m.kind} ${m.file}`).toBe(false);
        expect(report.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 150, seed: 42 },
    );
  });
});
