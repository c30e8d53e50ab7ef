import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.ts';
import type { Ctx } from '../io.ts';
import { withJudgementOptions, withRunOptions, withSelectionOptions, type RunFlags, type SelectionFlags } from '../options.ts';
import { DEMO_ATTESTATIONS, DEMO_CONFIG, DEMO_ENVIRONMENT, DEMO_EXCEPTIONS } from '../paths.ts';

type DemoFlags = RunFlags & SelectionFlags & { history?: string | false };

export function registerDemo(program: Command, ctx: Ctx): void {
  withSelectionOptions(withJudgementOptions(withRunOptions(
    program
      .command('demo')
      .description('full run on the embedded sample environment (two clusters and an AWS, Azure and GCP estate, with sample exceptions and attestations), written to reports/demo')
      .option('--history <dir>', 'evidence history to chain, compare and record the run in (default: history/ next to --out)')
      .option('--no-history', 'do not record the run in an evidence history'),
  ))).action(async (flags: DemoFlags) => {
    const [{ runPipeline }, r, j, { reporterFor }, { loadConfig }, { scopeOf }] = await Promise.all([
      import('../../pipeline/run.ts'),
      import('../resolve.ts'),
      import('../judged.ts'),
      import('../summary.ts'),
      import('../../config/load.ts'),
      import('../../scope/options.ts'),
    ]);
    const formats = r.formatsFrom(flags);
    const selection = await j.selectionFrom(flags, undefined);
    const dirs = (await readdir(DEMO_ENVIRONMENT, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    const reporter = await reporterFor(ctx);
    const out = flags.out ?? path.join('reports', 'demo');
    const summary = await runPipeline({
      snapshots: dirs.map((d) => ({ dir: path.join(DEMO_ENVIRONMENT, d) })),
      outDir: path.resolve(out),
      formats,
      ...(flags.chrome ? { chrome: flags.chrome } : {}),
      ...r.signingFrom(flags, undefined),
      exceptionsFile: flags.exceptions ?? DEMO_EXCEPTIONS,
      attestationsFile: flags.attestations ?? DEMO_ATTESTATIONS,
      // The demo's audit boundary: its PCI DSS cardholder data environment (demo/auditpack.yaml).
      ...scopeOf(await loadConfig(DEMO_CONFIG)),
      ...(selection?.frameworks ? { frameworks: selection.frameworks } : {}),
      ...(selection ? { selection } : {}),
      ...(flags.history === false ? {} : { history: flags.history ?? path.join(path.dirname(path.resolve(out)), 'history') }),
      command: 'auditpack demo',
      onProgress: reporter.onProgress,
    }).finally(reporter.close);
    const code = await j.finishJudged(ctx, summary, reporter, flags);
    // The demo's sample estate fails on purpose: only --fail-on, an unrendered PDF or an error change its exit code.
    ctx.onExit(flags.failOn || code === EXIT.OUTPUT_INCOMPLETE ? code : EXIT.OK);
  });
}
