import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { AuditpackError } from '../../shared/errors.ts';
import type { Ctx } from '../io.ts';
import { withJudgementOptions, withRunOptions, withSelectionOptions, type RunFlags, type SelectionFlags } from '../options.ts';

type Flags = RunFlags & SelectionFlags & { evidenceKey?: string; config?: string };

// An evidence folder is one `collect`, `run` or `report` wrote: it has evidence/index.jsonl.
// Anything else is a usage error naming the folder, never a raw ENOENT.
export async function assertEvidenceFolder(dir: string, what = 'Evidence folder'): Promise<void> {
  const s = await stat(dir).catch(() => undefined);
  if (!s) throw new AuditpackError('NOT_EVIDENCE', `${what} ${dir} not found`);
  if (!s.isDirectory()) throw new AuditpackError('NOT_EVIDENCE', `${what} ${dir} is a file, not a folder`);
  const index = await stat(path.join(dir, 'evidence', 'index.jsonl')).catch(() => undefined);
  if (!index?.isFile()) throw new AuditpackError('NOT_EVIDENCE', `${dir} is not an evidence folder (no evidence/index.jsonl); give a folder written by \`auditpack collect\` or \`auditpack run\``);
}

export function registerReport(program: Command, ctx: Ctx): void {
  withSelectionOptions(withJudgementOptions(withRunOptions(
    program
      .command('report')
      .description('judge, report and sign an evidence folder written by `collect` or `run` (verified first when signed)')
      .argument('<evidence>', 'evidence folder')
      .option('--config <file>', 'auditpack.yaml: its output, signing, selection, exceptions and attestations apply (flags given here win)')
      .option('--evidence-key <file>', 'public key the evidence folder must be signed with'),
  ))).action(async (evidence: string, flags: Flags) => {
    await assertEvidenceFolder(evidence);
    const [{ reportFromEvidence }, r, j, { reporterFor }, { loadPublicKey }] = await Promise.all([import('../../pipeline/run.ts'), import('../resolve.ts'), import('../judged.ts'), import('../summary.ts'), import('../../bundle/keys.ts')]);
    const config = await r.loadConfigIfGiven(flags.config);
    const formats = r.formatsFrom(flags, config);
    const selection = await j.selectionFrom(flags, config);
    const pinned = flags.evidenceKey ? await loadPublicKey(flags.evidenceKey) : undefined;
    const reporter = await reporterFor(ctx, config);
    const summary = await reportFromEvidence({
      evidenceDir: evidence,
      ...(pinned ? { evidenceKeyPem: pinned.pem } : {}),
      outDir: r.requireOut(flags.out ?? config?.output?.dir),
      formats,
      ...r.judgedOptions(flags, config, selection),
      command: r.commandLine(),
      onProgress: reporter.onProgress,
    }).finally(reporter.close);
    if (summary.inputEvidence) {
      const { unverifiedEvidenceWarning } = await import('../../pipeline/input-evidence.ts');
      reporter.warn(unverifiedEvidenceWarning(evidence, summary.inputEvidence));
    }
    ctx.onExit(await j.finishJudged(ctx, summary, reporter, flags, config));
  });
}
