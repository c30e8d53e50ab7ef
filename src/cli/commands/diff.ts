import type { Command } from 'commander';
import { EXIT } from '../exit-codes.ts';
import type { Ctx } from '../io.ts';

export function registerDiff(program: Command, ctx: Ctx): void {
  program
    .command('diff')
    .description('what changed between two runs: new failures, resolved, still failing (with first-seen date), control status changes; exits 1 when there are new failures')
    .argument('<old>', 'the older run (bundle folder, or a run folder of an evidence history)')
    .argument('<new>', 'the newer run')
    .option('--history <dir>', 'evidence history, for the date each still-failing result was first seen')
    .option('--key <file>', 'public key both runs must be signed with')
    .option('--json', 'print the comparison as JSON')
    .action(async (oldDir: string, newDir: string, flags: { history?: string; key?: string; json?: boolean }) => {
      const [{ compareRuns, formatDiff }, { loadPublicKey }, { resultId }] = await Promise.all([import('../../history/compare.ts'), import('../../bundle/keys.ts'), import('../../render/result-id.ts')]);
      const pinned = flags.key ? { publicKeyPem: (await loadPublicKey(flags.key)).pem } : {};
      const diff = await compareRuns(oldDir, newDir, { ...pinned, ...(flags.history ? { history: flags.history } : {}) });
      if (flags.json) {
        // Each subject is named by the result id findings.json gives it, not the internal key.
        const json = JSON.stringify({ schemaVersion: 1, ...diff }, (k, v: unknown) => {
          if (k !== 'key' || typeof v !== 'string') return v;
          const [check = '', target = '', kind = '', namespace = '', name = '', port = ''] = v.split('\u0000');
          return resultId({ check, target, resource: { kind, ...(namespace ? { namespace } : {}), name }, data: port ? { port } : {} });
        }, 2);
        (ctx.io.data ?? ctx.io.out)(json.replaceAll('"key":', '"id":'));
      } else for (const line of formatDiff(diff)) ctx.io.out(line);
      ctx.onExit(diff.newFailures.length > 0 ? EXIT.NOT_SATISFIED : EXIT.OK);
    });
}
