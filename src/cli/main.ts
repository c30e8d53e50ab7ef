import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { generateKeyPair, loadPublicKey } from '../bundle/keys.ts';
import { verifyBundle } from '../bundle/verify.ts';
import { loadKubeConfig, selectContexts } from '../collectors/kubernetes/index.ts';
import { collectOnly, reportFromEvidence, runPipeline, type ConsulApiTarget, type KubeTarget, type ProgressEvent, type RunSummary, type SnapshotTarget } from '../pipeline/run.ts';
import { AuditpackError, errorMessage } from '../shared/errors.ts';
import { TOOL } from '../shared/version.ts';
import { loadConfig } from '../config/load.ts';
import { cloudTargetsFromConfig } from '../pipeline/cloud.ts';
import type { AuditpackConfig } from '../config/schema.ts';
import { EXIT, exitCodeFor, exitCodeForError } from './exit-codes.ts';

export const DEMO_ENVIRONMENT = fileURLToPath(new URL('../../demo/environment/', import.meta.url));

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function progressPrinter(io: Io): (e: ProgressEvent) => void {
  return (e) => {
    const took = e.durationMs === undefined ? '' : ` (${(e.durationMs / 1000).toFixed(1)} s)`;
    io.err(`[${e.stage}]${e.target ? ` ${e.target}:` : ''} ${e.message}${took}`);
  };
}

function warnEphemeral(io: Io, ephemeral: boolean): void {
  if (!ephemeral) return;
  io.err('');
  io.err('WARNING: no signing key was configured, so this bundle is signed with a ONE-TIME key.');
  io.err('         The signature proves the files have not changed since signing (integrity),');
  io.err('         NOT who produced them. For audit evidence, create a key once with');
  io.err('         `auditpack keys generate --out DIR`, publish its .pub file, and pass --key.');
}

function summarize(io: Io, summary: RunSummary): void {
  const count = (s: string): number => summary.controls.filter((c) => c.status === s).length;
  const results = (s: string): number => summary.results.filter((r) => r.status === s).length;
  io.out(`Report written to ${summary.outDir}`);
  io.out(`  results:  ${results('pass')} pass, ${results('fail')} fail, ${results('error')} error, ${results('not_applicable')} not applicable`);
  io.out(
    `  controls: ${count('satisfied')} satisfied, ${count('not_satisfied')} not satisfied, ${count('insufficient_evidence')} insufficient evidence, ${count('manual')} manual, ${count('not_applicable')} not applicable`,
  );
  if (summary.gaps.length > 0) io.out(`  evidence gaps: ${summary.gaps.length} (listed in the report)`);
  io.out(`  signed by ${summary.signer.keyFingerprint}`);
  warnEphemeral(io, summary.signer.ephemeral);
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
}

interface RunFlags extends TargetFlags {
  out: string;
  pdf: boolean;
  format?: string;
  chrome?: string;
  key?: string;
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
    .option('--consul-addr <[target=]url>', 'Consul HTTP API for a target (token from CONSUL_HTTP_TOKEN, CA from CONSUL_CACERT) (repeatable)', collect, []);
}

function requireOut(out: string | undefined): string {
  if (!out) throw new AuditpackError('USAGE', 'Give the output folder with --out DIR');
  return out;
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

function withRunOptions(cmd: Command): Command {
  return cmd
    .option('--out <dir>', 'output folder for the signed bundle')
    .option('--format <list>', 'outputs: comma list of html, pdf, csv, json (findings.json is always written), or all (default)')
    .option('--no-pdf', 'skip the PDF report')
    .option('--chrome <path>', 'Chromium/Chrome executable for the PDF (or AUDITPACK_CHROME)')
    .option('--key <file>', 'Ed25519 private key (PKCS#8 PEM) to sign the bundle; default: a one-time key');
}

export function buildProgram(io: Io = defaultIo, onExit: (code: number) => void = () => undefined): Command {
  const program = new Command();
  program
    .name('auditpack')
    .description('Signed, auditor-ready compliance evidence from service-mesh and cloud security configuration.')
    .version(TOOL.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();

  withRunOptions(
    program.command('demo').description('full run on the embedded sample environment (two clusters), written to reports/demo'),
  ).action(async (flags: RunFlags) => {
    const dirs = (await readdir(DEMO_ENVIRONMENT, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    const summary = await runPipeline({
      snapshots: dirs.map((d) => ({ dir: path.join(DEMO_ENVIRONMENT, d) })),
      outDir: flags.out ?? path.resolve('reports', 'demo'),
      formats: formatsFrom(flags),
      ...(flags.chrome ? { chrome: flags.chrome } : {}),
      ...(flags.key ? { signingKey: flags.key } : {}),
      command: 'auditpack demo',
      onProgress: progressPrinter(io),
    });
    summarize(io, summary);
    onExit(EXIT.OK);
  });

  withRunOptions(withTargetOptions(program.command('run').description('collect, judge, report and sign for the given targets'))).action(async (flags: RunFlags) => {
    const config = flags.config ? await loadConfig(flags.config) : undefined;
    const chrome = flags.chrome ?? config?.output?.chrome;
    const key = flags.key ?? config?.signing?.key;
    const summary = await runPipeline({
      ...targetsFrom(flags, config),
      cloud: cloudTargetsFromConfig(withAwsProfile(config, flags.awsProfile)),
      outDir: requireOut(flags.out ?? config?.output?.dir),
      formats: formatsFrom(flags, config),
      ...(config?.frameworks ? { frameworks: config.frameworks } : {}),
      ...(chrome ? { chrome } : {}),
      ...(key ? { signingKey: key } : {}),
      command: ['auditpack', ...process.argv.slice(2)].join(' '),
      onProgress: progressPrinter(io),
    });
    summarize(io, summary);
    onExit(exitCodeFor(summary));
  });

  withTargetOptions(program.command('collect').description('collect evidence only (signed), to judge later with `auditpack report`'))
    .option('--out <dir>', 'output folder for the evidence bundle')
    .option('--key <file>', 'Ed25519 private key (PKCS#8 PEM) to sign the evidence; default: a one-time key')
    .action(async (flags: Omit<RunFlags, 'pdf'>) => {
      const config = flags.config ? await loadConfig(flags.config) : undefined;
      const key = flags.key ?? config?.signing?.key;
      const result = await collectOnly({
        ...targetsFrom(flags, config),
        cloud: cloudTargetsFromConfig(withAwsProfile(config, flags.awsProfile)),
        outDir: requireOut(flags.out ?? config?.output?.dir),
        ...(key ? { signingKey: key } : {}),
        command: ['auditpack', ...process.argv.slice(2)].join(' '),
        onProgress: progressPrinter(io),
      });
      const gaps = result.targets.reduce((n, t) => n + t.gaps.length, 0);
      io.out(`Evidence written to ${result.outDir}: ${result.targets.length} target(s), ${result.targets.reduce((n, t) => n + t.objects, 0)} objects, ${gaps} evidence gap(s)`);
      io.out(`Judge it with: npx auditpack report ${result.outDir} --out DIR`);
      warnEphemeral(io, result.signer.ephemeral);
      onExit(gaps > 0 ? EXIT.EVIDENCE_INCOMPLETE : EXIT.OK);
    });

  withRunOptions(
    program
      .command('report')
      .description('judge, report and sign an evidence folder written by `collect` or `run` (verified first when signed)')
      .argument('<evidence>', 'evidence folder')
      .option('--evidence-key <file>', 'public key the evidence folder must be signed with'),
  ).action(async (evidence: string, flags: RunFlags & { evidenceKey?: string }) => {
    const pinned = flags.evidenceKey ? await loadPublicKey(flags.evidenceKey) : undefined;
    const summary = await reportFromEvidence({
      evidenceDir: evidence,
      ...(pinned ? { evidenceKeyPem: pinned.pem } : {}),
      outDir: requireOut(flags.out),
      formats: formatsFrom(flags),
      ...(flags.chrome ? { chrome: flags.chrome } : {}),
      ...(flags.key ? { signingKey: flags.key } : {}),
      command: ['auditpack', ...process.argv.slice(2)].join(' '),
      onProgress: progressPrinter(io),
    });
    summarize(io, summary);
    onExit(exitCodeFor(summary));
  });

  program
    .command('verify')
    .description('verify a bundle: signature, every file hash, no missing, extra or escaping files')
    .argument('<bundle>', 'bundle folder')
    .option('--key <file>', 'the public key you trust (PEM); without it the key inside the bundle is used (integrity only)')
    .action(async (bundle: string, flags: { key?: string }) => {
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
      onExit(EXIT.OK);
    });

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
    if (err instanceof AuditpackError) {
      io.err(`auditpack: ${err.message} [${err.code}]`);
      return exitCodeForError(err.code);
    }
    io.err(`auditpack: unexpected error: ${errorMessage(err)}`);
    if (argv.includes('--debug') && err instanceof Error && err.stack) io.err(err.stack);
    return EXIT.ERROR;
  }
}
