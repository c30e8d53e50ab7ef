import type { Command } from 'commander';
import { EXIT } from '../exit-codes.ts';
import type { Ctx } from '../io.ts';

export function registerKeys(program: Command, ctx: Ctx): void {
  const keys = program.command('keys').description('signing keys');
  keys
    .command('generate')
    .description('create an Ed25519 signing key pair (private key written with mode 0600)')
    .requiredOption('--out <dir>', 'folder for auditpack-signing.key and auditpack-signing.pub')
    .action(async (flags: { out: string }) => {
      const { generateKeyPair } = await import('../../bundle/keys.ts');
      const pair = await generateKeyPair(flags.out);
      ctx.io.out(`Private key: ${pair.privateKeyPath} (mode 0600; keep it secret, e.g. in your secret store)`);
      ctx.io.out(`Public key:  ${pair.publicKeyPath} (publish it to your auditors)`);
      ctx.io.out(`Fingerprint: ${pair.fingerprint}`);
      ctx.onExit(EXIT.OK);
    });
}
