import { escapeTerminal } from '../shared/terminal-text.ts';
import { loadPublicKey } from '../bundle/keys.ts';
import { verifyArchive } from '../archive/verify.ts';
import { verifyHistory } from './verify-chain.ts';

// The CLI side of `verify --history DIR` and `verify FILE.tar.gz` (`diff` and `bundle` are in
// src/cli/commands/). Commands return their exit code.

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
