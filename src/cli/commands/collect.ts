import type { Command } from 'commander';
import type { AuditpackConfig } from '../../config/schema.ts';
import type { ShardDeclaration } from '../../pipeline/run.ts';
import { EXIT } from '../exit-codes.ts';
import { summaryOut, type Ctx } from '../io.ts';
import { withSelectionOptions, withShardOptions, withSigningOptions, withTargetOptions, type OutputFlags, type TargetFlags } from '../options.ts';

type Flags = OutputFlags & TargetFlags & { target?: string[]; shard?: string; shards?: string };

// collect (and run --shard): signed evidence only; a shard collects its slice of the targets.
export async function collectCommand(ctx: Ctx, flags: Flags, config: AuditpackConfig | undefined, shard: ShardDeclaration | undefined): Promise<number> {
  const [{ collectOnly }, r, { reporterFor, warnEphemeral, uploadIfAsked }, { selectShard }] = await Promise.all([
    import('../../pipeline/run.ts'),
    import('../resolve.ts'),
    import('../summary.ts'),
    import('../../shard/assign.ts'),
  ]);
  const all = r.selectTargets({ ...(await r.targetsFrom(flags, config)), cloud: await r.cloudTargets(config, flags.awsProfile) }, flags.target && flags.target.length > 0 ? flags.target : config?.select?.targets);
  const slice = shard ? selectShard(all, shard) : undefined;
  const collection = await r.collectionFrom(flags, config);
  const reporter = await reporterFor(ctx, config);
  const result = await collectOnly({
    ...(slice ?? all),
    collection,
    outDir: r.requireOut(flags.out ?? config?.output?.dir),
    ...r.signingFrom(flags, config),
    ...(shard ? { shard } : {}),
    command: r.commandLine(),
    onProgress: reporter.onProgress,
  }).finally(reporter.close);
  const out = summaryOut(ctx);
  const gaps = result.targets.reduce((n, t) => n + t.gaps.length, 0);
  if (shard && slice) out(`Shard ${shard.index}/${shard.count}: ${slice.mine.length} of ${slice.all.length} target(s): ${slice.mine.join(', ') || '(none)'}`);
  out(`Evidence written to ${result.outDir}: ${result.targets.length} target(s), ${result.targets.reduce((n, t) => n + t.objects, 0)} objects, ${gaps} evidence gap(s)`);
  out(shard ? `Merge all ${shard.count} shards with: npx auditpack merge PARTIAL... --out DIR` : `Judge it with: npx auditpack report ${result.outDir} --out DIR`);
  warnEphemeral(reporter, result.signer.ephemeral);
  await uploadIfAsked(ctx, r.uploadSettings(flags.upload, config), result.outDir, result.runId);
  return gaps > 0 ? EXIT.EVIDENCE_INCOMPLETE : EXIT.OK;
}

export function registerCollect(program: Command, ctx: Ctx): void {
  withSelectionOptions(
    withSigningOptions(withShardOptions(withTargetOptions(program.command('collect').description('collect evidence only (signed), to judge later with `auditpack report`'))))
      .option('--out <dir>', 'output folder for the evidence bundle')
      .option('--key <file>', 'Ed25519 private key (PKCS#8 PEM) to sign the evidence; default: a one-time key')
      .option('--upload <url>', 'after the evidence bundle verifies, copy it to s3://…, gs://… or https://ACCOUNT.blob.core.windows.net/… (under <prefix>/<runId>/)'),
    'targets',
  ).action(async (flags: Flags) => {
    const [r, { parseShard }] = await Promise.all([import('../resolve.ts'), import('../../shard/assign.ts')]);
    const config = await r.loadConfigIfGiven(flags.config);
    ctx.onExit(await collectCommand(ctx, flags, config, parseShard(flags.shard, flags.shards)));
  });
}
