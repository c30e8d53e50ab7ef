import path from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.ts';
import { summaryOut, type Ctx } from '../io.ts';

export function registerBundle(program: Command, ctx: Ctx): void {
  program
    .command('bundle')
    .description('write the hand-off archive (.tar.gz): reports at the top, evidence by control, by source and by date, and the signed bundle unchanged')
    .argument('<run>', 'bundle folder written by run, demo or report')
    .requiredOption('--out <file>', 'archive to write, e.g. evidence-2025-01.tar.gz')
    .option('--key <file>', 'public key the bundle must be signed with')
    .action(async (run: string, flags: { out: string; key?: string }) => {
      const [{ writeArchive }, { loadPublicKey }] = await Promise.all([import('../../archive/write.ts'), import('../../bundle/keys.ts')]);
      const summary = await writeArchive(run, flags.out, flags.key ? { publicKeyPem: (await loadPublicKey(flags.key)).pem } : {});
      const out = summaryOut(ctx);
      out(`Archive written to ${summary.file}: ${summary.entries} files, ${(summary.bytes / 1024).toFixed(0)} KiB, top folder ${summary.top}/`);
      const rel = path.relative(process.cwd(), summary.file);
      out(`Verify with: npx auditpack verify ${rel && !rel.startsWith('..') ? rel : summary.file}`);
      ctx.onExit(EXIT.OK);
    });
}
