import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSnapshot } from '../../src/sources/snapshot/read-snapshot.ts';

// Whatever bytes a snapshot file holds, the reader returns objects, gaps or notes: it never throws,
// and every gap names the file it came from.
describe('snapshot parser (property)', () => {
  const yamlish = fc.array(
    fc.oneof(
      fc.constantFrom('---', 'apiVersion: v1', 'kind: Namespace', 'kind: List', 'items:', '- a', 'metadata:', '  name: x', '  name: [', '{', '}', '&a [1]', '*a', '"unterminated', ': :', '\t- tab', '%YAML 1.2'),
      fc.string({ maxLength: 40 }),
    ),
    { maxLength: 30 },
  );

  it('never throws on arbitrary YAML-like or JSON-like text', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-fuzz-'));
    try {
      await fc.assert(
        fc.asyncProperty(yamlish, fc.boolean(), async (lines, asJson) => {
          const file = asJson ? 'input.json' : 'input.yaml';
          await rm(path.join(dir, 'input.json'), { force: true });
          await rm(path.join(dir, 'input.yaml'), { force: true });
          await writeFile(path.join(dir, file), lines.join('\n'));
          const read = await readSnapshot(dir, { target: 'fuzz' });
          for (const g of read.gaps) {
            expect(g.file).toBe(file);
            expect(g.message.startsWith(file)).toBe(true);
          }
          for (const o of read.objects) {
            expect(typeof o.object.kind).toBe('string');
            expect(o.line).toBeGreaterThan(0);
          }
        }),
        { numRuns: 300, seed: 7 },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
