import type { Command } from 'commander';
import { AuditpackError } from '../../shared/errors.ts';
import { escapeTerminal } from '../../shared/terminal-text.ts';
import { EXIT } from '../exit-codes.ts';
import { styleFor, summaryOut, type Ctx } from '../io.ts';

export function registerVerify(program: Command, ctx: Ctx): void {
  program
    .command('verify')
    .description('verify a bundle: signature, every file hash, no missing, extra or escaping files')
    .argument('[bundle]', 'bundle folder, or hand-off archive (.tar.gz, checked without unpacking it by hand)')
    .option('--key <file>', 'the public key you trust (PEM); without it the key inside the bundle is used (integrity only)')
    .option('--history <dir>', "verify an evidence history: every run's signature and the hash chain from run to run")
    .option('--tsa-ca <file>', 'CA certificate (PEM) the RFC 3161 timestamp (manifest.tsr) must chain to; the timestamp is then required')
    .action(async (bundle: string | undefined, flags: { key?: string; history?: string; tsaCa?: string }) => {
      const io = { ...ctx.io, out: summaryOut(ctx) };
      if (flags.history !== undefined || bundle === undefined) {
        if (flags.history === undefined) throw new AuditpackError('USAGE', 'Give a bundle folder, a .tar.gz archive, or --history DIR');
        if (bundle !== undefined) throw new AuditpackError('USAGE', 'Give either a bundle or --history DIR, not both');
        const { verifyHistoryCommand } = await import('../../history/cli.ts');
        ctx.onExit(await verifyHistoryCommand(io, flags.history, flags.key));
        return;
      }
      // The test of archive/verify.ts isArchivePath, without loading the archive reader for a folder.
      if (/\.(tar\.gz|tgz)$/i.test(bundle)) {
        const { verifyArchiveCommand } = await import('../../history/cli.ts');
        ctx.onExit(await verifyArchiveCommand(io, bundle, flags.key));
        return;
      }
      const [{ verifyBundle }, { stat }, { readTextFile, verifyDetailLines }] = await Promise.all([import('../../bundle/verify.ts'), import('node:fs/promises'), import('../../bundle/verify-summary.ts')]);
      const s = await stat(bundle).catch(() => undefined);
      if (!s?.isDirectory()) throw new AuditpackError('USAGE', s ? `${bundle} is a file; give a bundle folder or a .tar.gz archive` : `Bundle ${bundle} not found`);
      const pinned = flags.key ? await (await import('../../bundle/keys.ts')).loadPublicKey(flags.key) : undefined;
      const report = await verifyBundle(bundle, { ...(pinned ? { publicKeyPem: pinned.pem } : {}), ...(flags.tsaCa ? { tsaCaPem: await readTextFile(flags.tsaCa) } : {}) });
      const style = styleFor(ctx.io, ctx.globals());
      for (const p of report.problems) ctx.io.err(`${style.bad('FAIL')} ${escapeTerminal(`${p.code}${p.path ? ` ${p.path}` : ''}: ${p.message}`)}`);
      if (!report.ok) {
        ctx.io.err(`Bundle ${escapeTerminal(bundle)} did NOT verify (${report.problems.length} problem(s)).`);
        ctx.onExit(EXIT.NOT_SATISFIED);
        return;
      }
      io.out(`${style.ok('OK')}: ${escapeTerminal(bundle)} verified — signature valid, ${report.manifest?.files.length ?? 0} files match the manifest, no extra files.`);
      io.out(`Signer key ${report.fingerprint}${report.keySource === 'bundled' ? ' (key taken from the bundle: integrity only; pass --key with your published key to prove origin)' : ' (pinned)'}`);
      if (report.certificate) {
        io.out(`Signer certificate: ${report.certificate.subject}, issued by ${report.certificate.issuer}, valid until ${report.certificate.validTo} (check it chains to a CA you trust: see VERIFY.md)`);
      }
      for (const line of verifyDetailLines(report)) io.out(line);
      ctx.onExit(EXIT.OK);
    });
}
