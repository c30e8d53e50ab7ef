import { Command, CommanderError, Option } from 'commander';
import { AuditpackError, errorMessage } from '../shared/errors.ts';
import { TOOL } from '../shared/version.ts';
import { EXIT, EXIT_CODES_HELP, exitCodeForError } from './exit-codes.ts';
import { defaultIo, type Ctx, type GlobalFlags, type Io } from './io.ts';
import { registerBundle } from './commands/bundle.ts';
import { registerCollect } from './commands/collect.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDiff } from './commands/diff.ts';
import { registerKeys } from './commands/keys.ts';
import { registerList } from './commands/list.ts';
import { registerMerge } from './commands/merge.ts';
import { registerReport } from './commands/report.ts';
import { registerRun } from './commands/run.ts';
import { registerVerify } from './commands/verify.ts';

export { DEMO_ATTESTATIONS, DEMO_ENVIRONMENT, DEMO_EXCEPTIONS } from './paths.ts';
export type { Io } from './io.ts';

// The program: commands declare their options here and import what they run only when they run,
// so `--version`, `--help` and `verify` never load cloud SDKs, Chromium support or the pipeline.
export function buildProgram(io: Io = defaultIo, onExit: (code: number) => void = () => undefined): Command {
  const program = new Command();
  program
    .name('auditpack')
    .description('Signed, auditor-ready compliance evidence from service-mesh and cloud security configuration.')
    .version(TOOL.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError('(run with --help for usage)')
    .addOption(new Option('--log-format <format>', 'stderr logs: auto (progress bar on a terminal, JSON lines otherwise), json, or text (like logging.format)').choices(['auto', 'json', 'text']))
    .option('-q, --quiet', 'print only errors, warnings and what was asked for on stdout (-o json)')
    .option('-v, --verbose', 'also list every failed and errored result after a run, and print stack traces of internal errors')
    .option('--no-color', 'no colour (also NO_COLOR=1); colour is used only on a terminal')
    .addOption(new Option('--debug', 'print stack traces').hideHelp())
    .addHelpText('after', EXIT_CODES_HELP);
  const ctx: Ctx = { io, onExit, globals: () => program.opts<GlobalFlags>() };
  for (const register of [registerDemo, registerRun, registerCollect, registerReport, registerMerge, registerVerify, registerDiff, registerBundle, registerList, registerKeys]) {
    register(program, ctx);
  }
  // Subcommands report their errors the same way: one line and a hint, never the whole help.
  for (const cmd of program.commands) configureErrors(cmd, io);
  return program;
}

function configureErrors(cmd: Command, io: Io): void {
  cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) }).showHelpAfterError(`(run auditpack ${cmd.name()} --help for usage)`);
  for (const sub of cmd.commands) configureErrors(sub, io);
}

// File-system errors on paths the user gave are input errors: one line naming the path, exit 2.
const INPUT_ERRNO: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'not a folder',
  EISDIR: 'is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'name too long',
};

function errnoLine(err: unknown): string | undefined {
  if (!(err instanceof Error) || !('code' in err) || typeof err.code !== 'string') return undefined;
  const what = INPUT_ERRNO[err.code];
  const file = 'path' in err && typeof err.path === 'string' ? err.path : undefined;
  return what && file ? `${file}: ${what}` : undefined;
}

// Parses argv, runs the command and returns the process exit code; never calls process.exit.
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const flags = program.opts<GlobalFlags>();
    // A fatal error is one JSON line with --log-format json; otherwise a plain line a person reads
    // (also in `auto` mode off a terminal, where scripts match on it).
    const { createReporter } = await import('../logging/reporter.ts');
    const reporter = createReporter(flags.logFormat === 'json' ? 'json' : 'text', io);
    if (err instanceof AuditpackError) {
      reporter.error(`auditpack: ${err.message} [${err.code}]`);
      return exitCodeForError(err.code);
    }
    const input = errnoLine(err);
    if (input) {
      reporter.error(`auditpack: ${input}`);
      return EXIT.USAGE;
    }
    reporter.error(`auditpack: unexpected error: ${errorMessage(err)}`);
    if ((flags.debug || flags.verbose) && err instanceof Error && err.stack) io.err(err.stack);
    return EXIT.ERROR;
  }
}
