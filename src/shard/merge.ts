import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { MANIFEST_FILE } from '../bundle/files.ts';
import { verifyBundle } from '../bundle/verify.ts';
import { scrubDeep } from '../evidence/scrub.ts';
import { TARGETS_FILE, TargetsFile, type CollectedTarget } from '../pipeline/collect.ts';
import { reportFromAssembledEvidence, type ReportOptions, type RunSummary, type ShardDeclaration } from '../pipeline/run.ts';
import { BundleError, MergeError, errorMessage } from '../shared/errors.ts';

// run.json fields merge relies on; the rest is free to grow.
const PartialRun = z.looseObject({
  id: z.string().min(1),
  shard: z.strictObject({ index: z.number().int().min(1), count: z.number().int().min(1) }).optional(),
});

export interface Partial {
  dir: string;
  runId: string;
  shard?: ShardDeclaration;
  signer: string;
  manifestSha256: string;
  targets: CollectedTarget[];
}

export const PARTIALS_FILE = 'evidence/partials.json';

// Verifies every partial (signature, hashes, pinned key when given) and checks that together they
// are one collection: no target twice, and — when they declare shards — every index 1..N exactly
// once with the same N. Throws before anything is judged.
export async function checkPartials(dirs: readonly string[], publicKeyPem?: string): Promise<Partial[]> {
  if (dirs.length === 0) throw new MergeError('MERGE_NOT_EVIDENCE', 'Give at least one partial evidence bundle to merge');
  const partials: Partial[] = [];
  for (const given of dirs) {
    const dir = path.resolve(given);
    if (!(await stat(path.join(dir, MANIFEST_FILE)).catch(() => undefined))) {
      throw new MergeError('MERGE_NOT_EVIDENCE', `${given} is not a signed auditpack bundle (no ${MANIFEST_FILE}); merge only takes signed partials`);
    }
    const report = await verifyBundle(dir, publicKeyPem ? { publicKeyPem } : {});
    if (!report.ok || !report.manifest) {
      const first = report.problems[0];
      throw new BundleError(first?.code ?? 'MANIFEST_INVALID', `Partial ${given} does not verify (${report.problems.length} problem(s), first: ${first?.message ?? 'unknown'}); refusing to merge it`);
    }
    const read = async (rel: string): Promise<unknown> => {
      try {
        return JSON.parse(await readFile(path.join(dir, rel), 'utf8')) as unknown;
      } catch (err) {
        throw new MergeError('MERGE_NOT_EVIDENCE', `${given}: ${rel} is missing or not JSON (${errorMessage(err)}); is it an evidence bundle from \`auditpack collect\`?`);
      }
    };
    const run = PartialRun.safeParse(await read('run.json'));
    const targets = TargetsFile.safeParse(await read(TARGETS_FILE));
    if (!run.success || !targets.success) throw new MergeError('MERGE_NOT_EVIDENCE', `${given}: run.json or ${TARGETS_FILE} is not in the expected form`);
    partials.push({
      dir,
      runId: run.data.id,
      ...(run.data.shard ? { shard: run.data.shard } : {}),
      signer: report.fingerprint ?? '',
      manifestSha256: createHash('sha256').update(await readFile(path.join(dir, MANIFEST_FILE))).digest('hex'),
      targets: targets.data.targets,
    });
  }

  const owner = new Map<string, string>();
  for (const p of partials) {
    for (const t of p.targets) {
      const first = owner.get(t.name);
      if (first !== undefined) throw new MergeError('MERGE_DUPLICATE_TARGET', `Target "${t.name}" is in two partials (${first} and ${p.dir}); each target must come from exactly one shard`);
      owner.set(t.name, p.dir);
    }
  }

  const sharded = partials.filter((p) => p.shard);
  if (sharded.length > 0) {
    if (sharded.length !== partials.length) throw new MergeError('MERGE_SHARD_MISMATCH', 'Some partials declare a shard and some do not; merge the partials of one sharded run');
    const counts = new Set(sharded.map((p) => p.shard?.count));
    if (counts.size !== 1) throw new MergeError('MERGE_SHARD_MISMATCH', `The partials declare different shard counts (${[...counts].join(', ')}); they are not from one sharded run`);
    const count = sharded[0]?.shard?.count ?? 0;
    const seen = new Map<number, string>();
    for (const p of sharded) {
      const i = p.shard?.index ?? 0;
      const other = seen.get(i);
      if (other !== undefined) throw new MergeError('MERGE_SHARD_MISMATCH', `Shard ${i}/${count} is given twice (${other} and ${p.dir})`);
      seen.set(i, p.dir);
    }
    const missing = Array.from({ length: count }, (_, k) => k + 1).filter((i) => !seen.has(i));
    if (missing.length > 0) throw new MergeError('MERGE_SHARD_MISSING', `Shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')} missing; a merged report must cover every shard`);
    partials.sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0));
  }
  return partials;
}

// One evidence folder out of several: index.jsonl concatenated, targets.json joined, raw/ (named by
// content hash, so equal names mean equal bytes) and cli/ (named by target-scoped ids) unioned, and
// evidence/partials.json recording where each part came from.
async function assemble(partials: readonly Partial[], work: string): Promise<void> {
  const evidence = path.join(work, 'evidence');
  await mkdir(path.join(evidence, 'raw'), { recursive: true });
  await mkdir(path.join(evidence, 'cli'), { recursive: true });
  const index: string[] = [];
  for (const p of partials) {
    const src = path.join(p.dir, 'evidence');
    for (const sub of ['raw', 'cli'] as const) {
      const names = await readdir(path.join(src, sub)).catch(() => [] as string[]);
      for (const name of names) {
        const to = path.join(evidence, sub, name);
        if (await stat(to).catch(() => undefined)) {
          if (sub === 'raw') continue;
          throw new MergeError('MERGE_DUPLICATE_TARGET', `evidence/${sub}/${name} is in more than one partial`);
        }
        await copyFile(path.join(src, sub, name), to);
      }
    }
    const text = await readFile(path.join(src, 'index.jsonl'), 'utf8');
    if (text.length > 0) index.push(text.endsWith('\n') ? text : `${text}\n`);
  }
  await writeFile(path.join(evidence, 'index.jsonl'), index.join(''));
  // Scrubbed again: a partial written by an older version may hold credentials in locations or gaps.
  await writeFile(path.join(work, TARGETS_FILE), `${JSON.stringify(scrubDeep({ schemaVersion: 1, targets: partials.flatMap((p) => p.targets) } satisfies TargetsFile), null, 2)}\n`);
  await writeFile(
    path.join(work, PARTIALS_FILE),
    `${JSON.stringify(
      {
        schemaVersion: 1,
        partials: partials.map((p) => ({ runId: p.runId, ...(p.shard ? { shard: p.shard } : {}), signer: p.signer, manifestSha256: p.manifestSha256, targets: p.targets.map((t) => t.name) })),
      },
      null,
      2,
    )}\n`,
  );
}

export interface MergeOptions extends Omit<ReportOptions, 'evidenceDir' | 'evidenceKeyPem'> {
  partials: readonly string[];
  // Public key every partial must be signed with; without it each partial's bundled key is used.
  evidenceKeyPem?: string;
}

export async function mergePartials(opts: MergeOptions): Promise<RunSummary & { partials: Partial[] }> {
  const { partials: dirs, evidenceKeyPem, ...report } = opts;
  const partials = await checkPartials(dirs, evidenceKeyPem);
  for (const p of partials) opts.onProgress?.({ stage: 'collect', message: `partial ${p.runId}${p.shard ? ` (shard ${p.shard.index}/${p.shard.count})` : ''}: ${p.targets.length} target(s), verified, signer ${p.signer}` });
  // Every partial verified; the key is named when they share one (as with --evidence-key).
  const signers = [...new Set(partials.map((p) => p.signer))];
  const inputEvidence = { verified: true, keySource: evidenceKeyPem ? ('pinned' as const) : ('bundled' as const), ...(signers.length === 1 && signers[0] ? { keyFingerprint: signers[0] } : {}) };
  const summary = await reportFromAssembledEvidence(report, (work) => assemble(partials, work), inputEvidence);
  return { ...summary, partials };
}

// The bundle folders (those holding a manifest.json) directly under dir, sorted.
export async function bundleFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw new MergeError('MERGE_NOT_EVIDENCE', `--partials-dir ${dir}: ${errorMessage(err)}`);
  });
  const found: string[] = [];
  // Every folder is a partial: one without a manifest (a shard still writing, killed, or a stray
  // folder) is refused by name, never skipped, or the merged report would silently lack its targets.
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const folder = path.join(dir, e.name);
    if (!(await stat(path.join(folder, MANIFEST_FILE)).catch(() => undefined))) {
      const unfinished = /\.(partial|old)-\d+-[0-9a-f]{8}$/.test(e.name) ? ' (an unfinished or killed run\'s work folder: wait for that run, or remove the folder and run its shard again)' : '';
      throw new MergeError('MERGE_NOT_EVIDENCE', `--partials-dir ${dir}: ${e.name} has no ${MANIFEST_FILE}, so it is not a signed partial${unfinished}; refusing to merge without it`);
    }
    found.push(folder);
  }
  return found;
}
