import { escapeTerminal } from '../shared/terminal-text.ts';
import path from 'node:path';
import type { Command } from 'commander';
import { loadPublicKey } from '../bundle/keys.ts';
import { verifyArchive } from '../archive/verify.ts';
import { writeArchive } from '../archive/write.ts';
import { compareRuns, formatDiff } from './compare.ts';
import { verifyHistory } from './verify-chain.ts';

// The CLI side of the evidence history and the hand-off archive: `diff`, `bundle`,
// `verify --history DIR` and `verify FILE.tar.gz`. Commands return their exit code.

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const OK = 0;
const NOT_VERIFIED = 1;

async function pinnedKey(file: string | undefined): Promise<{ publicKeyPem?: string }> {
  return file ? { publicKeyPem: (await loadPublicKey(file)).pem } : {};
}

export async function verifyHistoryCommand(io: Io, dir: string, keyFile: string | undefined): Promise<number> {
  const report = await verifyHistory(dir, await pinnedKey(keyFile));
  for (const p of report.problems) io.err(escapeTerminal(`FAIL ${p.code}${p.runId ? ` ${p.runId}` : ''}: ${p.message}`));
  if (!report.ok) {
    io.err(`History ${dir} did NOT verify (${report.problems.length} problem(s)).`);
    return NOT_VERIFIED;
  }
  const first = report.runs[0];
  const last = report.runs[report.runs.length - 1];
  io.out(`OK: history ${dir} verified — ${report.runs.length} run(s) from ${first?.startedAt ?? '?'} to ${last?.startedAt ?? '?'}, every signature valid, every run names the one before it, no gap.`);
  const keys = [...new Set(report.runs.map((r) => r.fingerprint ?? '?'))];
  io.out(
    keyFile
      ? `All runs signed by the pinned key ${keys.join(', ')}`
      : `Signer key(s): ${keys.join(', ')} (taken from the runs: integrity only; pass --key with your published key to prove origin)`,
  );
  io.out(`The newest run is ${last?.runId ?? '?'}: check it is your latest bundle (removing the newest runs leaves a shorter valid chain).`);
  return OK;
}

export async function verifyArchiveCommand(io: Io, file: string, keyFile: string | undefined): Promise<number> {
  const report = await verifyArchive(file, await pinnedKey(keyFile));
  for (const p of report.problems) io.err(escapeTerminal(`FAIL ${p.code}${p.path ? ` ${p.path}` : ''}: ${p.message}`));
  if (!report.ok) {
    io.err(`Archive ${file} did NOT verify (${report.problems.length} problem(s)).`);
    return NOT_VERIFIED;
  }
  io.out(
    `OK: ${file} verified without unpacking it — signature valid, ${report.manifest?.files.length ?? 0} bundle files match the manifest, no extra files` +
      (report.layout === 'handoff' ? `, ${report.derivedChecked} report copies and index files match the signed bundle.` : '.'),
  );
  io.out(`Signer key ${report.fingerprint ?? '?'}${report.keySource === 'bundled' ? ' (key taken from the bundle: integrity only; pass --key with your published key to prove origin)' : ' (pinned)'}`);
  return OK;
}

export function registerHistoryCommands(program: Command, io: Io, onExit: (code: number) => void): void {
  program
    .command('diff')
    .description('what changed between two runs: new failures, resolved, still failing (with first-seen date), control status changes')
    .argument('<old>', 'the older run (bundle folder, or a run folder of an evidence history)')
    .argument('<new>', 'the newer run')
    .option('--history <dir>', 'evidence history, for the date each still-failing result was first seen')
    .option('--key <file>', 'public key both runs must be signed with')
    .option('--json', 'print the comparison as JSON')
    .action(async (oldDir: string, newDir: string, flags: { history?: string; key?: string; json?: boolean }) => {
      const diff = await compareRuns(oldDir, newDir, { ...(await pinnedKey(flags.key)), ...(flags.history ? { history: flags.history } : {}) });
      if (flags.json) io.out(JSON.stringify({ schemaVersion: 1, ...diff }, null, 2));
      else for (const line of formatDiff(diff)) io.out(line);
      onExit(OK);
    });

  program
    .command('bundle')
    .description('write the hand-off archive (.tar.gz): reports at the top, evidence by control, by source and by date, and the signed bundle unchanged')
    .argument('<run>', 'bundle folder written by run, demo or report')
    .requiredOption('--out <file>', 'archive to write, e.g. evidence-2025-01.tar.gz')
    .option('--key <file>', 'public key the bundle must be signed with')
    .action(async (run: string, flags: { out: string; key?: string }) => {
      const summary = await writeArchive(run, flags.out, await pinnedKey(flags.key));
      io.out(`Archive written to ${summary.file}: ${summary.entries} files, ${(summary.bytes / 1024).toFixed(0)} KiB, top folder ${summary.top}/`);
      const rel = path.relative(process.cwd(), summary.file);
      io.out(`Verify with: npx auditpack verify ${rel && !rel.startsWith('..') ? rel : summary.file}`);
      onExit(OK);
    });
}
