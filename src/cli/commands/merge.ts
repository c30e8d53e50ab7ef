import type { Command } from 'commander';
import { AuditpackError } from '../../shared/errors.ts';
import { summaryOut, type Ctx } from '../io.ts';
import { withJudgementOptions, withRunOptions, type RunFlags } from '../options.ts';
import { assertEvidenceFolder } from './report.ts';

type Flags = RunFlags & { evidenceKey?: string; partialsDir?: string };

export function registerMerge(program: Command, ctx: Ctx): void {
  withJudgementOptions(withRunOptions(
    program
      .command('merge')
      .description('verify partial evidence bundles (from `run --shard` / `collect --shard`), combine them, judge, report and sign one bundle')
      .argument('[partials...]', 'partial evidence folders (every shard of one sharded run)')
      .option('--partials-dir <dir>', 'also merge every bundle folder directly under DIR ({date}/{month} expand as for --out)')
      .option('--evidence-key <file>', 'public key every partial must be signed with'),
  )).action(async (partials: string[], flags: Flags) => {
    const [{ bundleFolders, mergePartials }, r, j, { reporterFor }, { loadPublicKey }, { expandOutPath }] = await Promise.all([
      import('../../shard/merge.ts'),
      import('../resolve.ts'),
      import('../judged.ts'),
      import('../summary.ts'),
      import('../../bundle/keys.ts'),
      import('../../storage/out-path.ts'),
    ]);
    const formats = r.formatsFrom(flags);
    const outDir = r.requireOut(flags.out);
    for (const p of partials) await assertEvidenceFolder(p, 'Partial');
    if (flags.partialsDir) await assertFolder(expandOutPath(flags.partialsDir));
    const fromDir = flags.partialsDir ? await bundleFolders(expandOutPath(flags.partialsDir)) : [];
    const all = [...partials, ...fromDir];
    if (all.length === 0) throw new AuditpackError('USAGE', flags.partialsDir ? `--partials-dir ${flags.partialsDir} holds no partial evidence bundles` : 'Give the partial evidence folders to merge (or --partials-dir DIR)');
    const pinned = flags.evidenceKey ? await loadPublicKey(flags.evidenceKey) : undefined;
    const reporter = await reporterFor(ctx);
    const summary = await mergePartials({
      partials: all,
      ...(pinned ? { evidenceKeyPem: pinned.pem } : {}),
      ...r.judgementFiles(flags, undefined),
      outDir,
      formats,
      ...(flags.chrome ? { chrome: flags.chrome } : {}),
      ...r.signingFrom(flags, undefined),
      command: r.commandLine(),
      onProgress: reporter.onProgress,
    }).finally(reporter.close);
    summaryOut(j.judgedCtx(ctx, flags))(`Merged ${summary.partials.length} partial(s): ${summary.partials.reduce((n, p) => n + p.targets.length, 0)} target(s)`);
    ctx.onExit(await j.finishJudged(ctx, summary, reporter, flags));
  });
}

async function assertFolder(dir: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) throw new AuditpackError('NOT_EVIDENCE', `--partials-dir ${dir}: no such folder`);
}
