import { evidenceGapCount } from '../scope/evidence-gaps.ts';
import path from 'node:path';
import type { CheckResult, Severity } from '../checks/types.ts';
import type { Reporter } from '../logging/reporter.ts';
import type { RunSummary } from '../pipeline/run.ts';
import type { UploadSettings } from '../storage/upload-bundle.ts';
import { AuditpackError } from '../shared/errors.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { styleFor, summaryOut, type Ctx } from './io.ts';
import type { LogFormat } from '../logging/reporter.ts';

// What the run/report/merge/demo commands print after the bundle is written, and their exit code.

export async function reporterFor(ctx: Ctx, config?: { logging?: { format?: LogFormat | undefined } | undefined }): Promise<Reporter> {
  const { createReporter } = await import('../logging/reporter.ts');
  const g = ctx.globals();
  const reporter = createReporter(g.logFormat ?? config?.logging?.format, ctx.io);
  // --quiet: no progress; warnings and errors still reach stderr.
  return g.quiet ? { ...reporter, onProgress: () => undefined } : reporter;
}

export function warnEphemeral(reporter: Reporter, ephemeral: boolean): void {
  if (!ephemeral) return;
  reporter.warn([
    '',
    'WARNING: no signing key was configured, so this bundle is signed with a ONE-TIME key.',
    '         The signature proves the files have not changed since signing (integrity),',
    '         NOT who produced them. For audit evidence, create a key once with',
    '         `auditpack keys generate --out DIR`, publish its .pub file, and pass --key.',
  ]);
}

function resource(r: CheckResult): string {
  return `${r.resource.kind}/${r.resource.namespace ? `${r.resource.namespace}/` : ''}${r.resource.name}`;
}

export function summarize(ctx: Ctx, summary: RunSummary, reporter: Reporter): void {
  const out = summaryOut(ctx);
  const s = styleFor(ctx.io, ctx.globals());
  const count = (st: string): number => summary.controls.filter((c) => c.status === st).length;
  const results = (st: string): number => summary.results.filter((r) => r.status === st).length;
  out(`Report written to ${summary.outDir}`);
  out(`  results:  ${s.ok(`${results('pass')} pass`)}, ${s.bad(`${results('fail')} fail`)}, ${s.warn(`${results('error')} error`)}, ${results('not_applicable')} not applicable, ${results('waived')} waived`);
  out(
    `  controls: ${s.ok(`${count('satisfied')} satisfied`)}, ${s.bad(`${count('not_satisfied')} not satisfied`)}, ${s.warn(`${count('insufficient_evidence')} insufficient evidence`)}, ${count('manual')} manual, ${count('not_applicable')} not applicable`,
  );
  const gaps = evidenceGapCount(summary.results, summary.gaps);
  if (gaps.total > 0) out(`  evidence gaps: ${gaps.total} (${gaps.inputs} unreadable input(s), ${gaps.results} other result(s) in error; listed in the report)`);
  if (summary.exceptions.length > 0) {
    const ex = (st: string): number => summary.exceptions.filter((e) => e.state === st).length;
    out(`  exceptions: ${ex('applied')} applied, ${ex('expired')} expired, ${ex('stale')} stale (listed in the report)`);
  }
  if (summary.attestations.length > 0) {
    const at = (st: string): number => summary.attestations.filter((a) => a.state === st).length;
    out(`  attestations: ${at('applied')} in force, ${at('expired')} expired${at('not_yet_valid') > 0 ? `, ${at('not_yet_valid')} not yet valid` : ''}`);
  }
  if (ctx.globals().verbose) {
    for (const r of summary.results.filter((x) => x.status === 'fail' || x.status === 'error')) {
      out(`  ${r.status === 'fail' ? s.bad('FAIL') : s.warn('ERROR')} ${r.severity} ${r.check} ${r.target} ${resource(r)}: ${r.message}`);
    }
  }
  out(`  signed by ${summary.signer.keyFingerprint}`);
  if (summary.history) out(`  history: recorded in ${summary.history.dir} (${summary.history.runs} run(s)${summary.history.previous ? `, chained to ${summary.history.previous}` : ''})`);
  warnEphemeral(reporter, summary.signer.ephemeral);
  if (summary.pdfError) {
    reporter.warn([`auditpack: the PDF report could not be rendered (${summary.pdfError}); the signed bundle holds the HTML and JSON outputs without report.pdf [PDF_FAILED]`]);
  }
  const rel = path.relative(process.cwd(), summary.outDir);
  out(`Verify with: npx auditpack verify ${rel && !rel.startsWith('..') ? rel : summary.outDir}`);
}

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

export function atLeast(severity: Severity, minimum: Severity): boolean {
  return RANK[severity] >= RANK[minimum];
}

// The exit code of a judged run. --fail-on replaces "a control is not satisfied" with "a failed
// result at or above this severity"; evidence gaps still give 3, an unrendered PDF gives 5.
export function verdict(summary: RunSummary, failOn: Severity | undefined): number {
  const failed = failOn ? summary.results.some((r) => r.status === 'fail' && atLeast(r.severity, failOn)) : summary.controls.some((c) => c.status === 'not_satisfied');
  if (failed) return EXIT.NOT_SATISFIED;
  if (summary.pdfError) return EXIT.OUTPUT_INCOMPLETE;
  if (failOn) return summary.gaps.length > 0 ? EXIT.EVIDENCE_INCOMPLETE : EXIT.OK;
  return exitCodeFor({ controls: summary.controls.filter((c) => c.status !== 'not_satisfied'), gaps: summary.gaps });
}

// After the local bundle is complete: verify it, copy it, and report where. A failure leaves the
// local bundle in place and ends the command with an error (exit 4).
export async function uploadIfAsked(ctx: Ctx, settings: UploadSettings | undefined, outDir: string, runId: string): Promise<void> {
  if (!settings) return;
  const { uploadBundle } = await import('../storage/upload-bundle.ts');
  try {
    const r = await uploadBundle(outDir, settings, { runId });
    summaryOut(ctx)(`Uploaded ${r.objects.length} objects to ${r.location}${r.retainUntil ? ` (${settings.objectLock?.mode} retention until ${r.retainUntil})` : ''}`);
  } catch (err) {
    if (err instanceof AuditpackError) throw new AuditpackError(err.code, `${err.message}. The local bundle is complete and kept at ${outDir}`, { cause: err });
    throw err;
  }
}
