import { Option, type Command } from 'commander';

// Option declarations shared by several commands. Cheap on purpose: declaring options imports no
// pipeline module, so `--help` and `--version` start fast.

export const P12_PASSPHRASE_ENV = 'AUDITPACK_P12_PASSPHRASE';

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export interface TargetFlags {
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

export interface SelectionFlags {
  framework: string[];
  check: string[];
  excludeCheck: string[];
  severity?: string;
  namespace: string[];
  excludeNamespace: string[];
  target: string[];
}

export interface SigningFlags {
  key?: string;
  signP12?: string;
  kmsKeyId?: string;
  tsa?: string;
}

export interface OutputFlags extends SigningFlags {
  out?: string;
  upload?: string;
}

export interface RunFlags extends OutputFlags {
  exceptions?: string;
  attestations?: string;
  pdf: boolean;
  format?: string;
  output?: string;
  chrome?: string;
  failOn?: string;
  shard?: string;
  shards?: string;
}

export function withTargetOptions(cmd: Command): Command {
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

// What is judged and reported. Recorded in run.json and the report's scope section.
export function withSelectionOptions(cmd: Command, only: 'all' | 'targets' = 'all'): Command {
  cmd.option('--target <name>', 'only the targets with this name or glob, e.g. prod-* (repeatable; like select.targets)', collect, []);
  if (only === 'targets') return cmd;
  return cmd
    .option('--framework <id>', 'only this framework: soc2, hipaa or pci-dss-4 (repeatable; like frameworks)', collect, [])
    .option('--check <id>', 'only checks with this id or glob, e.g. istio-* (repeatable; like select.checks)', collect, [])
    .option('--exclude-check <id>', 'leave out checks with this id or glob (repeatable; like select.excludeChecks)', collect, [])
    .addOption(new Option('--severity <level>', 'only results of this severity or higher (like select.severity)').choices(['critical', 'high', 'medium', 'low', 'info']))
    .option('--namespace <name>', 'only results in this namespace or glob (repeatable; like select.namespaces)', collect, [])
    .option('--exclude-namespace <name>', 'leave out results in this namespace or glob (repeatable; like select.excludeNamespaces)', collect, []);
}

export function withSigningOptions(cmd: Command): Command {
  return cmd
    .option('--sign-p12 <file>', `X.509 certificate and key (.p12/.pfx) that sign the manifest and report.pdf (passphrase from ${P12_PASSPHRASE_ENV})`)
    .option('--kms-key-id <arn>', 'AWS KMS ECC_NIST_P256 key (id, ARN or alias) that signs the manifest (region from the ARN, signing.kmsRegion or AWS_REGION)')
    .option('--tsa <url>', 'RFC 3161 time-stamping authority: manifest.tsr gets its token over manifest.sig (like signing.tsa)');
}

export function withRunOptions(cmd: Command): Command {
  return withSigningOptions(cmd)
    .option('--out <dir>', 'output folder for the signed bundle')
    .option('--format <list>', 'outputs: comma list of html, pdf, csv, sarif, junit (findings.json is always written), or all; default html,pdf,csv (like output.formats)')
    .option('--no-pdf', 'skip the PDF report')
    .addOption(new Option('-o, --output <kind>', 'also print to stdout: json (findings.json)').choices(['json']))
    .addOption(new Option('--fail-on <severity>', 'exit 1 only when a failed result has this severity or higher (default: when a control is not satisfied; like failOn)').choices(['critical', 'high', 'medium', 'low']))
    .option('--chrome <path>', 'Chromium/Chrome executable for the PDF (or AUDITPACK_CHROME)')
    .option('--key <file>', 'Ed25519 private key (PKCS#8 PEM) to sign the bundle; default: a one-time key')
    .option('--upload <url>', 'after the bundle verifies, copy it to s3://bucket/prefix, gs://bucket/prefix or https://ACCOUNT.blob.core.windows.net/container/prefix (under <prefix>/<runId>/)');
}

export function withJudgementOptions(cmd: Command): Command {
  return cmd
    .option('--exceptions <file>', 'exceptions.yaml: approved, expiring risk acceptances; a matching failure is reported as waived (like `exceptions` in --config)')
    .option('--attestations <file>', 'attestations.yaml: statements and attachments for manual controls (like `attestations` in --config)');
}

export function withShardOptions(cmd: Command): Command {
  return cmd
    .option('--shard <i/n>', 'collect only shard I of N (1-based) of the sorted targets, as signed partial evidence for `auditpack merge`')
    .option('--shards <n>', 'like --shard, with I taken from JOB_COMPLETION_INDEX (0-based; Kubernetes Indexed Job)');
}
