import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/run.ts';

const DEMO = path.resolve(new URL('../../demo/environment/prod-eu', import.meta.url).pathname);

async function soc2Ids(soc2Categories?: ('availability' | 'confidentiality' | 'processing-integrity' | 'privacy')[]): Promise<string[]> {
  const outDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'auditpack-soc2-')), 'out');
  const summary = await runPipeline({
    snapshots: [{ dir: DEMO }],
    outDir,
    clock: () => new Date('2025-05-01T10:00:00Z'),
    formats: { html: false, pdf: false, csv: false },
    frameworks: ['soc2'],
    ...(soc2Categories ? { soc2Categories } : {}),
  });
  return summary.controls.map((c) => c.id);
}

describe('a run reports SOC 2 Security plus the categories selected in config', () => {
  it('Security only by default; the selected categories are added, the others left out', async () => {
    const security = await soc2Ids();
    expect(security).toHaveLength(33);
    expect(security.every((id) => id.startsWith('CC'))).toBe(true);
    const withAvailability = await soc2Ids(['availability', 'privacy']);
    expect(withAvailability.filter((id) => !id.startsWith('CC')).sort()).toEqual(
      ['A1.1', 'A1.2', 'A1.3', 'P1.1', 'P2.1', 'P3.1', 'P3.2', 'P4.1', 'P4.2', 'P4.3', 'P5.1', 'P5.2', 'P6.1', 'P6.2', 'P6.3', 'P6.4', 'P6.5', 'P6.6', 'P6.7', 'P7.1', 'P8.1'].sort(),
    );
  }, 60_000);
});
