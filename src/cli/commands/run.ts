import type { Command } from 'commander';
import type { Ctx } from '../io.ts';
import { withJudgementOptions, withRunOptions, withSelectionOptions, withShardOptions, withTargetOptions, type RunFlags, type SelectionFlags, type TargetFlags } from '../options.ts';
import { collectCommand } from './collect.ts';

type Flags = RunFlags & TargetFlags & SelectionFlags & { history?: string };

export function registerRun(program: Command, ctx: Ctx): void {
  withSelectionOptions(withJudgementOptions(withShardOptions(withRunOptions(withTargetOptions(
    program.command('run').description('collect, judge, report and sign for the given targets').option('--history <dir>', 'evidence history: chain the run to its last run, compare with it in the report, and record it (like history:)'),
  ))))).action(async (flags: Flags) => {
    const [{ runPipeline }, r, j, { reporterFor }, { parseShard }] = await Promise.all([
      import('../../pipeline/run.ts'),
      import('../resolve.ts'),
      import('../judged.ts'),
      import('../summary.ts'),
      import('../../shard/assign.ts'),
    ]);
    const config = await r.loadConfigIfGiven(flags.config);
    const shard = parseShard(flags.shard, flags.shards);
    if (shard) {
      // A shard judges nothing: its partial evidence is judged once, with the others, by `merge`.
      ctx.onExit(await collectCommand(ctx, flags, config, shard));
      return;
    }
    const formats = r.formatsFrom(flags, config);
    const selection = await j.selectionFrom(flags, config);
    const targets = r.selectTargets({ ...(await r.targetsFrom(flags, config)), cloud: await r.cloudTargets(config, flags.awsProfile) }, selection?.targets);
    const collection = await r.collectionFrom(flags, config);
    const reporter = await reporterFor(ctx, config);
    const summary = await runPipeline({
      ...targets,
      collection,
      outDir: r.requireOut(flags.out ?? config?.output?.dir),
      formats,
      ...r.judgedOptions(flags, config, selection),
      ...(flags.history ?? config?.history ? { history: flags.history ?? config?.history } : {}),
      command: r.commandLine(),
      onProgress: reporter.onProgress,
    }).finally(reporter.close);
    ctx.onExit(await j.finishJudged(ctx, summary, reporter, flags, config));
  });
}
