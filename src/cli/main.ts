import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { generateKeyPair, loadPublicKey } from '../bundle/keys.ts';
import { P12_PASSPHRASE_ENV } from '../bundle/x509-signer.ts';
import { verifyBundle } from '../bundle/verify.ts';
import { loadKubeConfig, selectContexts } from '../collectors/kubernetes/index.ts';
import { collectOnly, reportFromEvidence, runPipeline, type ShardDeclaration, type ConsulApiTarget, type KubeTarget, type RunOptions, type RunSummary, type SnapshotTarget } from '../pipeline/run.ts';
import { parseDuration, type CollectionOptions } from '../pipeline/collect.ts';
import { createReporter, type LogFormat, type Reporter, type ReporterOutput } from '../logging/reporter.ts';
import { AuditpackError, errorMessage } from '../shared/errors.ts';
import { TOOL } from '../shared/version.ts';
import { loadConfig } from '../config/load.ts';
import { cloudTargetsFromConfig } from '../pipeline/cloud.ts';
import type { AuditpackConfig } from '../config/schema.ts';
import { uploadBundle, type UploadSettings } from '../storage/upload-bundle.ts';
import { parseShard, selectShard } from '../shard/assign.ts';
import { bundleFolders, mergePartials } from '../shard/merge.ts';
import { expandOutPath } from '../storage/out-path.ts';
import { EXIT, EXIT_CODES_HELP, exitCodeFor, exitCodeForError } from './exit-codes.ts';
import { registerHistoryCommands, verifyArchiveCommand, verifyHistoryCommand } from '../history/cli.ts';
import { isArchivePath } from '../archive/verify.ts';

export const DEMO_ENVIRONMENT = fileURLToPath(new URL('../../demo/environment/', import.meta.url));
// The demo shows a waived result and an attested control unless other files are given.
export const DEMO_EXCEPTIONS = fileURLToPath(new URL('../../demo/exceptions.yaml', import.meta.url));
export const DEMO_ATTESTATIONS = fileURLToPath(new URL('../../demo/attestations.yaml', import.meta.url));

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  // stderr when it is a terminal (progress bar); absent: logs are lines (JSON unless --log-format text).
  tty?: NodeJS.WritableStream;
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  ...(process.stderr.isTTY ? { tty: process.stderr } : {}),
};

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

// --log-format (program-wide), then logging.format in auditpack.yaml, then auto.
function reporterFor(io: ReporterOutput, program: Command, config?: AuditpackConfig): Reporter {
  const flag = program.opts<{ logFormat?: LogFormat }>().logFormat;
  return createReporter(flag ?? config?.logging?.format, io);
}

function warnEphemeral(reporter: Reporter, ephemeral: boolean): void {
  if (!ephemeral) return;
  reporter.warn([
    '',
    'WARNING: no signing key was configured, so this bundle is signed with a ONE-TIME key.',
    '         The signature proves the files have not changed since signing (integrity),',
    '         NOT who produced them. For audit evidence, create a key once with',
    '         `auditpack keys generate --out DIR`, publish its .pub file, and pass --key.',
  ]);
}

function summarize(io: Io, summary: RunSummary, reporter: Reporter): void {
  const count = (s: string): number => summary.controls.filter((c) => c.status === s).length;
  const results = (s: string): number => summary.results.filter((r) => r.status === s).length;
  io.out(`Report written to ${summary.outDir}`);
  io.out(`  results:  ${results('pass')} pass, ${results('fail')} fail, ${results('error')} error, ${results('not_applicable')} not applicable, ${results('waived')} waived`);
  io.out(
    `  controls: ${count('satisfied')} satisfied, ${count('not_satisfied')} not satisfied, ${count('insufficient_evidence')} insufficient evidence, ${count('manual')} manual, ${count('not_applicable')} not applicable`,
  );
  if (summary.gaps.length > 0) io.out(`  evidence gaps: ${summary.gaps.length} (listed in the report)`);
  if (summary.exceptions.length > 0) {
    const ex = (s: string): number => summary.exceptions.filter((e) => e.state === s).length;
    io.out(`  exceptions: ${ex('applied')} applied, ${ex('expired')} expired, ${ex('stale')} stale (listed in the report)`);
  }
  if (summary.attestations.length > 0) {
    const at = (s: string): number => summary.attestations.filter((a) => a.state === s).length;
    io.out(`  attestations: ${at('applied')} in force, ${at('expired')} expired${at('not_yet_valid') > 0 ? `, ${at('not_yet_valid')} not yet valid` : ''}`);
  }
  io.out(`  signed by ${summary.signer.keyFingerprint}`);
  if (summary.history) io.out(`  history: recorded in ${summary.history.dir} (${summary.history.runs} run(s)${summary.history.previous ? `, chained to ${summary.history.previous}` : ''})`);
  warnEphemeral(reporter, summary.signer.ephemeral);
  const rel = path.relative(process.cwd(), summary.outDir);
  io.out(`Verify with: npx auditpack verify ${rel && !rel.startsWith('..') ? rel : summary.outDir}`);
}

interface TargetFlags {
  config?: string;
  awsProfile?: string;
  snapshot: string[];
  targetName: string[];
  kubeContext: string[];
  allContexts?: boolean;
  kubeconfig?: string;
  consulAddr: string[];
  concurrency?: string;
  targetTimeout?: string;
}

interface RunFlags extends TargetFlags {
  out: string;
  exceptions?: string;
  attestations?: string;
  pdf: boolean;
  format?: string;
  chrome?: string;
  key?: string;
  signP12?: string;
  kmsKeyId?: string;
  upload?: string;
  shard?: string;
  shards?: string;
}

// --upload wins over output.upload.url; lock, endpoint and region come from the config.
function uploadSettings(flag: string | undefined, config: AuditpackConfig | undefined): UploadSettings | undefined {
  const c = config?.output?.upload;
  const url = flag ?? c?.url;
  if (!url) return undefined;
  return { url, ...(c?.objectLock ? { objectLock: c.objectLock } : {}), ...(c?.endpoint ? { endpoint: c.endpoint } : {}), ...(c?.region ? { region: c.region } : {}) };
}

// After the local bundle is complete: verify it, copy it, and report where. A failure leaves the
// local bundle in place and ends the command with an error (exit 4).
async function uploadIfAsked(io: Io, settings: UploadSettings | undefined, outDir: string, runId: string): Promise<void> {
  if (!settings) return;
  try {
    const r = await uploadBundle(outDir, settings, { runId });
    io.out(`Uploaded ${r.objects.length} objects to ${r.location}${r.retainUntil ? ` (${settings.objectLock?.mode} retention until ${r.retainUntil})` : ''}`);
  } catch (err) {
    if (err instanceof AuditpackError) throw new AuditpackError(err.code, `${err.message}. The local bundle is complete and kept at ${outDir}`, { cause: err });
    throw err;
  }
}

// Snapshot folders and live clusters can be mixed in one run; each live target is named after its context.
function targetsFrom(flags: TargetFlags, config: AuditpackConfig | undefined): { snapshots: SnapshotTarget[]; kube: KubeTarget[]; consul: ConsulApiTarget[] } {
  const t = config?.targets;
  const flagTargets = flags.snapshot.length > 0 || flags.kubeContext.length > 0 || flags.allContexts === true;
  // Targets on the command line replace the config's targets as a whole.
  const effective: TargetFlags =
    flagTargets || !t
      ? flags
      : {
          ...flags,
          snapshot: t.snapshots.map((s) => s.dir),
          targetName: [],
          kubeContext: t.kubernetes?.contexts ?? [],
          ...(t.kubernetes?.allContexts ? { allContexts: true } : {}),
          ...(flags.kubeconfig ?? t.kubernetes?.kubeconfig ? { kubeconfig: flags.kubeconfig ?? t.kubernetes?.kubeconfig } : {}),
        };
  const hasCloud = Boolean(config?.aws || config?.azure || config?.gcp);
  const local = hasCloud && !flagTargets && effective.snapshot.length === 0 && effective.kubeContext.length === 0 && !effective.allContexts ? { snapshots: [], kube: [] } : localTargets(effective);
  const snapshots = flagTargets || !t ? local.snapshots : local.snapshots.map((s, i) => ({ ...s, ...(t.snapshots[i]?.name ? { name: t.snapshots[i]?.name } : {}) }));
  const names = [...snapshots.map((s) => s.name ?? path.basename(path.resolve(s.dir))), ...local.kube.map((k) => k.name ?? k.context)];
  const consul =
    flags.consulAddr.length > 0 || !t
      ? consulTargets(flags.consulAddr, names)
      : t.consul.map((c) => {
          const token = process.env.CONSUL_HTTP_TOKEN;
          const caFile = c.caFile ?? process.env.CONSUL_CACERT;
          return { target: c.target, address: c.address, ...(token ? { token } : {}), ...(caFile ? { caCertPem: readFileSync(caFile, 'utf8') } : {}) };
        });
  return { snapshots, kube: local.kube, consul };
}

// `--consul-addr [TARGET=]URL`: the Consul HTTP API serving a target; without TARGET= it needs
// exactly one target. Token and CA come from the environment, as for the consul CLI.
function consulTargets(values: readonly string[], names: readonly string[]): ConsulApiTarget[] {
  const token = process.env.CONSUL_HTTP_TOKEN;
  const caFile = process.env.CONSUL_CACERT;
  const caCertPem = caFile ? readFileSync(caFile, 'utf8') : undefined;
  return values.map((v) => {
    const m = /^([^=]+)=(.+)$/.exec(v);
    const target = m?.[1] ?? (names.length === 1 ? names[0] : undefined);
    if (!target) throw new AuditpackError('USAGE', `--consul-addr ${v}: with several targets, write TARGET=URL`);
    return { target, address: m?.[2] ?? v, ...(token ? { token } : {}), ...(caCertPem ? { caCertPem } : {}) };
  });
}

function withAwsProfile(config: AuditpackConfig | undefined, profile: string | undefined): AuditpackConfig | undefined {
  if (!profile) return config;
  if (!config?.aws) throw new AuditpackError('USAGE', '--aws-profile needs AWS accounts in --config (aws.accounts)');
  return { ...config, aws: { ...config.aws, profile } };
}

function localTargets(flags: TargetFlags): { snapshots: SnapshotTarget[]; kube: KubeTarget[] } {
  const wantsKube = flags.kubeContext.length > 0 || flags.allContexts === true;
  if (flags.snapshot.length === 0 && !wantsKube) {
    throw new AuditpackError('USAGE', 'Give at least one target with --snapshot DIR, --kube-context CTX or --all-contexts');
  }
  if (flags.targetName.length > flags.snapshot.length) throw new AuditpackError('USAGE', 'More --target-name values than --snapshot folders');
  const snapshots = flags.snapshot.map((dir, i): SnapshotTarget => {
    const name = flags.targetName[i];
    return name ? { dir, name } : { dir };
  });
  if (!wantsKube) {
    if (flags.kubeconfig) throw new AuditpackError('USAGE', '--kubeconfig needs --kube-context CTX or --all-contexts');
    return { snapshots, kube: [] };
  }
  const loaded = loadKubeConfig(flags.kubeconfig ? { file: flags.kubeconfig } : {});
  const contexts = selectContexts(loaded.kubeConfig, flags.kubeContext, flags.allContexts === true);
  return { snapshots, kube: contexts.map((context) => ({ kubeConfig: loaded.kubeConfig, context, ...(loaded.inCluster ? { inCluster: true } : {}) })) };
}

function withTargetOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'auditpack.yaml with targets, clouds, output and signing (flags given here win)')
    .option('--snapshot <dir>', 'offline target: every *.yaml, *.yml, *.json under DIR (repeatable)', collect, [])
    .option('--target-name <name>', 'name for the matching --snapshot target (repeatable, in order)', collect, [])
    .option('--kube-context <ctx>', 'live cluster: a kubeconfig context, collected read-only through the Kubernetes API; the target is named after it (repeatable)', collect, [])
    .option('--all-contexts', 'live clusters: every context in the kubeconfig')
    .option('--kubeconfig <file>', 'kubeconfig for --kube-context/--all-contexts (default: KUBECONFIG, then ~/.kube/config, then the pod service account when in a cluster, as context "in-cluster")')
    .option('--aws-profile <name>', 'AWS shared-config profile for the accounts in --config (like aws.profile)')
    .option('--consul-addr <[target=]url>', 'Consul HTTP API for a target (token from CONSUL_HTTP_TOKEN, CA from CONSUL_CACERT) (repeatable)', collect, [])
    .option('--concurrency <n>', 'targets collected at once (like collection.concurrency; default 4)')
    .option('--target-timeout <duration>', 'time one target may take, e.g. 90s, 10m, 1h; then its requests are aborted and it is reported as an evidence gap (like collection.targetTimeout; default 15m; 0: none)');
}

// --concurrency and --target-timeout, else collection.* in the config; defaults in collect.ts.
function collectionFrom(flags: TargetFlags, config: AuditpackConfig | undefined): CollectionOptions {
  const concurrency = flags.concurrency ?? config?.collection?.concurrency;
  const timeout = flags.targetTimeout ?? config?.collection?.targetTimeout;
  const out: CollectionOptions = {};
  if (concurrency !== undefined) {
    const n = Number(concurrency);
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new AuditpackError('USAGE', `--concurrency ${concurrency}: give a whole number from 1 to 256`);
    out.concurrency = n;
  }
  if (timeout !== undefined) out.targetTimeoutMs = parseDuration(timeout, '--target-timeout');
  return out;
}

function requireOut(out: string | undefined): string {
  if (!out) throw new AuditpackError('USAGE', 'Give the output folder with --out DIR');
  return expandOutPath(out);
}

function formatsFrom(flags: RunFlags, config?: AuditpackConfig): { html: boolean; pdf: boolean; csv: boolean } {
  const all = { html: true, pdf: true, csv: true };
  const format = flags.format ?? config?.output?.formats?.join(',');
  if (format) {
    const wanted = new Set(format.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
    for (const w of wanted) {
      if (!['html', 'pdf', 'csv', 'json', 'all'].includes(w)) {
        throw new AuditpackError('USAGE', `Unknown --format "${w}"; use a comma list of html, pdf, csv, json or all`);
      }
    }
    if (!wanted.has('all')) {
      all.html = wanted.has('html');
      all.pdf = wanted.has('pdf');
      all.csv = wanted.has('csv');
    }
  }
  if (!flags.pdf) all.pdf = false;
  return all;
}

// The signing key of a run, from flags (which win) or the config: an Ed25519 key file, an X.509
// .p12 (passphrase only from the environment, never a flag), or an AWS KMS key.
function signingFrom(flags: Pick<RunFlags, 'key' | 'signP12' | 'kmsKeyId'>, config: AuditpackConfig | undefined): Pick<RunOptions, 'signingKey' | 'signP12' | 'kms'> {
  const s = config?.signing;
  const fromFlags = flags.key !== undefined || flags.signP12 !== undefined || flags.kmsKeyId !== undefined;
  const key = fromFlags ? flags.key : s?.key;
  const p12 = fromFlags ? flags.signP12 : s?.p12;
  const kmsKeyId = fromFlags ? flags.kmsKeyId : s?.kmsKeyId;
  return {
    ...(key ? { signingKey: key } : {}),
    ...(p12 ? { signP12: { file: p12, passphrase: process.env[P12_PASSPHRASE_ENV] ?? '' } } : {}),
    ...(kmsKeyId
      ? { kms: { keyId: kmsKeyId, ...(s?.kmsRegion ? { region: s.kmsRegion } : {}), ...(s?.kmsEndpoint ? { endpoint: s.kmsEndpoint } : {}) } }
      : {}),
  };
}

function withSigningOptions(cmd: Command): Command {
  return cmd
    .option('--sign-p12 <file>', `X.509 certificate and key (.p12/.pfx) that sign the manifest and report.pdf (passphrase from ${P12_PASSPHRASE_ENV})`)
    .option('--kms-key-id <arn>', 'AWS KMS ECC_NIST_P256 key (id, ARN or alias) that signs the manifest (region from the ARN, signing.kmsRegion or AWS_REGION)');
}

function withRunOptions(cmd: Command): Command {
  return withSigningOptions(cmd)
    .option('--out <dir>', 'output folder for the signed bundle')
    .option('--format <list>', 'outputs: comma list of html, pdf, csv, json (findings.json is always written), or all (default)')
    .option('--no-pdf', 'skip the PDF report')
    .option('--chrome <path>', 'Chromium/Chrome executable for the PDF (or AUDITPACK_CHROME)')
    .option('--key <file>', 'Ed25519 private key (PKCS#8 PEM) to sign the bundle; default: a one-time key')
    .option('--upload <url>', 'after the bundle verifies, copy it to s3://bucket/prefix, gs://bucket/prefix or https://ACCOUNT.blob.core.windows.net/container/prefix (under <prefix>/<runId>/)');
}

function withJudgementOptions(cmd: Command): Command {
  return cmd
    .option('--exceptions <file>', 'exceptions.yaml: approved, expiring risk acceptances; a matching failure is reported as waived (like `exceptions` in --config)')
    .option('--attestations <file>', 'attestations.yaml: statements and attachments for manual controls (like `attestations` in --config)');
}

// --exceptions/--attestations win over the config's keys.
function judgementFiles(flags: Pick<RunFlags, 'exceptions' | 'attestations'>, config: AuditpackConfig | undefined): Pick<RunOptions, 'exceptionsFile' | 'attestationsFile' | 'notApplicable'> {
  const exceptionsFile = flags.exceptions ?? config?.exceptions;
  const attestationsFile = flags.attestations ?? config?.attestations;
  // Declared scoping decisions (config only): controls that do not apply, with justification and approver.
  const notApplicable = config?.notApplicable;
  return { ...(exceptionsFile ? { exceptionsFile } : {}), ...(attestationsFile ? { attestationsFile } : {}), ...(notApplicable ? { notApplicable } : {}) };
}

function withShardOptions(cmd: Command): Command {
  return cmd
    .option('--shard <i/n>', 'collect only shard I of N (1-based) of the sorted targets, as signed partial evidence for `auditpack merge`')
    .option('--shards <n>', 'like --shard, with I taken from JOB_COMPLETION_INDEX (0-based; Kubernetes Indexed Job)');
}

export function buildProgram(io: Io = defaultIo, onExit: (code: number) => void = () => undefined): Command {
  const program = new Command();
  program
    .name('auditpack')
    .description('Signed, auditor-ready compliance evidence from service-mesh and cloud security configuration.')
    .version(TOOL.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError()
    .addOption(new Option('--log-format <format>', 'stderr logs: auto (progress bar on a terminal, JSON lines otherwise), json, or text (like logging.format)').choices(['auto', 'json', 'text']))
    .addHelpText('after', EXIT_CODES_HELP);

  withJudgementOptions(withRunOptions(
    program
      .command('demo')
      .description('full run on the embedded sample environment (two clusters and an AWS, Azure and GCP estate, with sample exceptions and attestations), written to reports/demo')
      .option('--history <dir>', 'evidence history to chain, compare and record the run in (default: history/ next to --out)')
      .option('--no-history', 'do not record the run in an evidence history'),
  )).action(async (flags: RunFlags & { history?: string | false }) => {
    const dirs = (await readdir(DEMO_ENVIRONMENT, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    const reporter = reporterFor(io, program);
    const summary = await runPipeline({
      snapshots: dirs.map((d) => ({ dir: path.join(DEMO_ENVIRONMENT, d) })),
      outDir: flags.out ?? path.resolve('reports', 'demo'),
      formats: formatsFrom(flags),
      ...(flags.chrome ? { chrome: flags.chrome } : {}),
      ...signingFrom(flags, undefined),
      exceptionsFile: flags.exceptions ?? DEMO_EXCEPTIONS,
      attestationsFile: flags.attestations ?? DEMO_ATTESTATIONS,
      ...(flags.history === false ? {} : { history: flags.history ?? path.join(path.dirname(path.resolve(flags.out ?? path.join('reports', 'demo'))), 'history') }),
      command: 'auditpack demo',
      onProgress: reporter.onProgress,
    }).finally(reporter.close);
    summarize(io, summary, reporter);
    await uploadIfAsked(io, uploadSettings(flags.upload, undefined), summary.outDir, summary.runId);
    onExit(EXIT.OK);
  });

  withJudgementOptions(withShardOptions(withRunOptions(withTargetOptions(program.command('run').description('collect, judge, report and sign for the given targets').option('--history <dir>', 'evidence history: chain the run to its last run, compare with it in the report, and record it (like history:)'))))).action(async (flags: RunFlags & { history?: string }) => {
    const config = flags.config ? await loadConfig(flags.config) : undefined;
    const chrome = flags.chrome ?? config?.output?.chrome;
    const reporter = reporterFor(io, program, config);
    const shard = parseShard(flags.shard, flags.shards);
    if (shard) {
      // A shard judges nothing: its partial evidence is judged once, with the others, by `merge`.
      onExit(await collectCommand(flags, config, reporter, shard));
      return;
    }
    const summary = await runPipeline({
      ...targetsFrom(flags, config),
      collection: collectionFrom(flags, config),
      cloud: cloudTargetsFromConfig(withAwsProfile(config, flags.awsProfile)),
      outDir: requireOut(flags.out ?? config?.output?.dir),
      formats: formatsFrom(flags, config),
      ...(config?.frameworks ? { frameworks: config.frameworks } : {}),
      ...(config?.soc2Categories ? { soc2Categories: config.soc2Categories } : {}),
      ...(chrome ? { chrome } : {}),
      ...signingFrom(flags, config),
      ...judgementFiles(flags, config),
      ...(flags.history ?? config?.history ? { history: flags.history ?? config?.history } : {}),
      command: ['auditpack', ...process.argv.slice(2)].join(' '),
      onProgress: reporter.onProgress,
    }).finally(reporter.close);
    summarize(io, summary, reporter);
    await uploadIfAsked(io, uploadSettings(flags.upload, config), summary.outDir, summary.runId);
    onExit(exitCodeFor(summary));
  });

  // collect (and run --shard): signed evidence only; a shard collects its slice of the targets.
  const collectCommand = async (flags: Omit<RunFlags, 'pdf'>, config: AuditpackConfig | undefined, reporter: Reporter, shard: ShardDeclaration | undefined): Promise<number> => {
    const all = { ...targetsFrom(flags, config), cloud: cloudTargetsFromConfig(withAwsProfile(config, flags.awsProfile)) };
    const slice = shard ? selectShard(all, shard) : undefined;
    const result = await collectOnly({
      ...(slice ?? all),
      collection: collectionFrom(flags, config),
      outDir: requireOut(flags.out ?? config?.output?.dir),
      ...signingFrom(flags, config),
      ...(shard ? { shard } : {}),
      command: ['auditpack', ...process.argv.slice(2)].join(' '),
      onProgress: reporter.onProgress,
    }).finally(reporter.close);
    const gaps = result.targets.reduce((n, t) => n + t.gaps.length, 0);
    if (shard && slice) io.out(`Shard ${shard.index}/${shard.count}: ${slice.mine.length} of ${slice.all.length} target(s): ${slice.mine.join(', ') || '(none)'}`);
    io.out(`Evidence written to ${result.outDir}: ${result.targets.length} target(s), ${result.targets.reduce((n, t) => n + t.objects, 0)} objects, ${gaps} evidence gap(s)`);
    io.out(shard ? `Merge all ${shard.count} shards with: npx auditpack merge PARTIAL... --out DIR` : `Judge it with: npx auditpack report ${result.outDir} --out DIR`);
    warnEphemeral(reporter, result.signer.ephemeral);
    await uploadIfAsked(io, uploadSettings(flags.upload, config), result.outDir, result.runId);
    return gaps > 0 ? EXIT.EVIDENCE_INCOMPLETE : EXIT.OK;
  };

  withSigningOptions(withShardOptions(withTargetOptions(program.command('collect').description('collect evidence only (signed), to judge later with `auditpack report`')))
    .option('--out <dir>', 'output folder for the evidence bundle')
    .option('--key <file>', 'Ed25519 private key (PKCS#8 PEM) to sign the evidence; default: a one-time key')
    .option('--upload <url>', 'after the evidence bundle verifies, copy it to s3://…, gs://… or https://ACCOUNT.blob.core.windows.net/… (under <prefix>/<runId>/)'))
    .action(async (flags: Omit<RunFlags, 'pdf'>) => {
      const config = flags.config ? await loadConfig(flags.config) : undefined;
      const reporter = reporterFor(io, program, config);
      onExit(await collectCommand(flags, config, reporter, parseShard(flags.shard, flags.shards)));
    });

  withJudgementOptions(withRunOptions(
    program
      .command('report')
      .description('judge, report and sign an evidence folder written by `collect` or `run` (verified first when signed)')
      .argument('<evidence>', 'evidence folder')
      .option('--evidence-key <file>', 'public key the evidence folder must be signed with'),
  )).action(async (evidence: string, flags: RunFlags & { evidenceKey?: string }) => {
    const pinned = flags.evidenceKey ? await loadPublicKey(flags.evidenceKey) : undefined;
    const reporter = reporterFor(io, program);
    const summary = await reportFromEvidence({
      evidenceDir: evidence,
      ...(pinned ? { evidenceKeyPem: pinned.pem } : {}),
      outDir: requireOut(flags.out),
      formats: formatsFrom(flags),
      ...(flags.chrome ? { chrome: flags.chrome } : {}),
      ...signingFrom(flags, undefined),
      ...judgementFiles(flags, undefined),
      command: ['auditpack', ...process.argv.slice(2)].join(' '),
      onProgress: reporter.onProgress,
    }).finally(reporter.close);
    summarize(io, summary, reporter);
    await uploadIfAsked(io, uploadSettings(flags.upload, undefined), summary.outDir, summary.runId);
    onExit(exitCodeFor(summary));
  });

  withJudgementOptions(withRunOptions(
    program
      .command('merge')
      .description('verify partial evidence bundles (from `run --shard` / `collect --shard`), combine them, judge, report and sign one bundle')
      .argument('[partials...]', 'partial evidence folders (every shard of one sharded run)')
      .option('--partials-dir <dir>', 'also merge every bundle folder directly under DIR ({date}/{month} expand as for --out)')
      .option('--evidence-key <file>', 'public key every partial must be signed with'),
  )).action(async (partials: string[], flags: RunFlags & { evidenceKey?: string; partialsDir?: string }) => {
    const pinned = flags.evidenceKey ? await loadPublicKey(flags.evidenceKey) : undefined;
    const fromDir = flags.partialsDir ? await bundleFolders(expandOutPath(flags.partialsDir)) : [];
    const reporter = reporterFor(io, program);
    const summary = await mergePartials({
      partials: [...partials, ...fromDir],
      ...(pinned ? { evidenceKeyPem: pinned.pem } : {}),
      ...judgementFiles(flags, undefined),
      outDir: requireOut(flags.out),
      formats: formatsFrom(flags),
      ...(flags.chrome ? { chrome: flags.chrome } : {}),
      ...signingFrom(flags, undefined),
      command: ['auditpack', ...process.argv.slice(2)].join(' '),
      onProgress: reporter.onProgress,
    }).finally(reporter.close);
    io.out(`Merged ${summary.partials.length} partial(s): ${summary.partials.reduce((n, p) => n + p.targets.length, 0)} target(s)`);
    summarize(io, summary, reporter);
    await uploadIfAsked(io, uploadSettings(flags.upload, undefined), summary.outDir, summary.runId);
    onExit(exitCodeFor(summary));
  });

  program
    .command('verify')
    .description('verify a bundle: signature, every file hash, no missing, extra or escaping files')
    .argument('[bundle]', 'bundle folder, or hand-off archive (.tar.gz, checked without unpacking it by hand)')
    .option('--key <file>', 'the public key you trust (PEM); without it the key inside the bundle is used (integrity only)')
    .option('--history <dir>', 'verify an evidence history: every run\'s signature and the hash chain from run to run')
    .action(async (bundle: string | undefined, flags: { key?: string; history?: string }) => {
      if (flags.history !== undefined || bundle === undefined) {
        if (flags.history === undefined) throw new AuditpackError('USAGE', 'Give a bundle folder, a .tar.gz archive, or --history DIR');
        if (bundle !== undefined) throw new AuditpackError('USAGE', 'Give either a bundle or --history DIR, not both');
        onExit(await verifyHistoryCommand(io, flags.history, flags.key));
        return;
      }
      if (isArchivePath(bundle)) {
        onExit(await verifyArchiveCommand(io, bundle, flags.key));
        return;
      }
      const pinned = flags.key ? await loadPublicKey(flags.key) : undefined;
      const report = await verifyBundle(bundle, pinned ? { publicKeyPem: pinned.pem } : {});
      for (const p of report.problems) io.err(`FAIL ${p.code}${p.path ? ` ${p.path}` : ''}: ${p.message}`);
      if (!report.ok) {
        io.err(`Bundle ${bundle} did NOT verify (${report.problems.length} problem(s)).`);
        onExit(EXIT.NOT_SATISFIED);
        return;
      }
      io.out(`OK: ${bundle} verified — signature valid, ${report.manifest?.files.length ?? 0} files match the manifest, no extra files.`);
      io.out(`Signer key ${report.fingerprint}${report.keySource === 'bundled' ? ' (key taken from the bundle: integrity only; pass --key with your published key to prove origin)' : ' (pinned)'}`);
      if (report.certificate) {
        io.out(`Signer certificate: ${report.certificate.subject}, issued by ${report.certificate.issuer}, valid until ${report.certificate.validTo} (check it chains to a CA you trust: see VERIFY.md)`);
      }
      onExit(EXIT.OK);
    });

  registerHistoryCommands(program, io, onExit);

  const keys = program.command('keys').description('signing keys');
  keys
    .command('generate')
    .description('create an Ed25519 signing key pair (private key written with mode 0600)')
    .requiredOption('--out <dir>', 'folder for auditpack-signing.key and auditpack-signing.pub')
    .action(async (flags: { out: string }) => {
      const pair = await generateKeyPair(flags.out);
      io.out(`Private key: ${pair.privateKeyPath} (mode 0600; keep it secret, e.g. in your secret store)`);
      io.out(`Public key:  ${pair.publicKeyPath} (publish it to your auditors)`);
      io.out(`Fingerprint: ${pair.fingerprint}`);
      onExit(EXIT.OK);
    });

  program.addOption(new Option('--debug', 'print stack traces').hideHelp());
  return program;
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
    // A fatal error is one JSON line with --log-format json; otherwise a plain line a person reads
    // (also in `auto` mode off a terminal, where scripts match on it).
    const reporter = createReporter(program.opts<{ logFormat?: LogFormat }>().logFormat === 'json' ? 'json' : 'text', io);
    if (err instanceof AuditpackError) {
      reporter.error(`auditpack: ${err.message} [${err.code}]`);
      return exitCodeForError(err.code);
    }
    reporter.error(`auditpack: unexpected error: ${errorMessage(err)}`);
    if (argv.includes('--debug') && err instanceof Error && err.stack) io.err(err.stack);
    return EXIT.ERROR;
  }
}
