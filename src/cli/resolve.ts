import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { AuditpackConfig } from '../config/schema.ts';
import type { CollectionOptions } from '../pipeline/collect.ts';
import type { ConsulApiTarget, KubeTarget, OutputFormats, RunOptions, SnapshotTarget } from '../pipeline/run.ts';
import type { UploadSettings } from '../storage/upload-bundle.ts';
import type { CloudTarget } from '../pipeline/cloud.ts';
import { globMatch } from '../pipeline/selection.ts';
import { AuditpackError } from '../shared/errors.ts';
import { expandOutPath } from '../storage/out-path.ts';
import { P12_PASSPHRASE_ENV, type RunFlags, type SigningFlags, type TargetFlags } from './options.ts';
import { validTargetName } from './names.ts';
import { scopeOf } from '../scope/options.ts';
import type { Selection } from '../pipeline/selection.ts';

// Flags and auditpack.yaml turned into pipeline options. Flags win over the config. Modules that
// load SDKs are imported only when a target needs them.

export interface Targets {
  snapshots: SnapshotTarget[];
  kube: KubeTarget[];
  consul: ConsulApiTarget[];
}

export async function loadConfigIfGiven(file: string | undefined): Promise<AuditpackConfig | undefined> {
  if (!file) return undefined;
  const { loadConfig } = await import('../config/load.ts');
  return loadConfig(file);
}

// A snapshot must be a folder: a file or a missing path is a usage error naming the flag.
async function assertSnapshotFolder(dir: string): Promise<void> {
  const s = await stat(dir).catch(() => undefined);
  if (!s) throw new AuditpackError('SNAPSHOT_NOT_FOUND', `Snapshot folder not found: ${dir}`);
  if (!s.isDirectory()) throw new AuditpackError('USAGE', `--snapshot ${dir} is a file; give the folder that holds the *.yaml, *.yml and *.json files`);
}

// Snapshot folders and live clusters can be mixed in one run; each live target is named after its context.
export async function targetsFrom(flags: TargetFlags, config: AuditpackConfig | undefined): Promise<Targets> {
  for (const name of flags.targetName) validTargetName(name, '--target-name');
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
  const local = hasCloud && !flagTargets && effective.snapshot.length === 0 && effective.kubeContext.length === 0 && !effective.allContexts ? { snapshots: [], kube: [] } : await localTargets(effective);
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
    if (m?.[1] !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) validTargetName(m[1], '--consul-addr');
    const target = m?.[1] ?? (names.length === 1 ? names[0] : undefined);
    if (!target) throw new AuditpackError('USAGE', `--consul-addr ${v}: with several targets, write TARGET=URL`);
    return { target, address: m?.[2] ?? v, ...(token ? { token } : {}), ...(caCertPem ? { caCertPem } : {}) };
  });
}

// Cloud accounts, subscriptions and projects of the config; the cloud SDKs load only when there are some.
export async function cloudTargets(config: AuditpackConfig | undefined, awsProfile: string | undefined): Promise<CloudTarget[]> {
  const withProfile = withAwsProfile(config, awsProfile);
  if (!withProfile?.aws && !withProfile?.azure && !withProfile?.gcp) return [];
  const { cloudTargetsFromConfig } = await import('../pipeline/cloud.ts');
  return cloudTargetsFromConfig(withProfile);
}

export function withAwsProfile(config: AuditpackConfig | undefined, profile: string | undefined): AuditpackConfig | undefined {
  if (!profile) return config;
  if (!config?.aws) throw new AuditpackError('USAGE', '--aws-profile needs AWS accounts in --config (aws.accounts)');
  return { ...config, aws: { ...config.aws, profile } };
}

async function localTargets(flags: TargetFlags): Promise<{ snapshots: SnapshotTarget[]; kube: KubeTarget[] }> {
  const wantsKube = flags.kubeContext.length > 0 || flags.allContexts === true;
  if (flags.snapshot.length === 0 && !wantsKube) {
    throw new AuditpackError('USAGE', 'Give at least one target with --snapshot DIR, --kube-context CTX or --all-contexts');
  }
  if (flags.targetName.length > flags.snapshot.length) throw new AuditpackError('USAGE', 'More --target-name values than --snapshot folders');
  for (const dir of flags.snapshot) await assertSnapshotFolder(dir);
  const snapshots = flags.snapshot.map((dir, i): SnapshotTarget => {
    const name = flags.targetName[i];
    return name ? { dir, name } : { dir };
  });
  if (!wantsKube) {
    if (flags.kubeconfig) throw new AuditpackError('USAGE', '--kubeconfig needs --kube-context CTX or --all-contexts');
    return { snapshots, kube: [] };
  }
  const { loadKubeConfig, selectContexts } = await import('../collectors/kubernetes/index.ts');
  const loaded = loadKubeConfig(flags.kubeconfig ? { file: flags.kubeconfig } : {});
  const contexts = selectContexts(loaded.kubeConfig, flags.kubeContext, flags.allContexts === true);
  return { snapshots, kube: contexts.map((context) => ({ kubeConfig: loaded.kubeConfig, context, ...(loaded.inCluster ? { inCluster: true } : {}) })) };
}

// --concurrency and --target-timeout, else collection.* in the config; defaults in collect.ts.
export async function collectionFrom(flags: TargetFlags, config: AuditpackConfig | undefined): Promise<CollectionOptions> {
  const concurrency = flags.concurrency ?? config?.collection?.concurrency;
  const timeout = flags.targetTimeout ?? config?.collection?.targetTimeout;
  const out: CollectionOptions = {};
  if (concurrency !== undefined) {
    const n = Number(concurrency);
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new AuditpackError('USAGE', `--concurrency ${concurrency}: give a whole number from 1 to 256`);
    out.concurrency = n;
  }
  if (timeout !== undefined) {
    const { parseDuration } = await import('../pipeline/collect.ts');
    out.targetTimeoutMs = parseDuration(timeout, '--target-timeout');
  }
  return out;
}

export function requireOut(out: string | undefined): string {
  if (!out) throw new AuditpackError('USAGE', 'Give the output folder with --out DIR');
  return expandOutPath(out);
}

const FORMATS = ['html', 'pdf', 'csv', 'sarif', 'junit', 'json'] as const;
// Written when --format is not given (sarif and junit only when asked for).
const DEFAULT_FORMATS: readonly string[] = ['html', 'pdf', 'csv'];

// Exactly what was asked for: `--format html` writes no CSV; a contradiction is refused.
export function formatsFrom(flags: Pick<RunFlags, 'format' | 'pdf'>, config?: AuditpackConfig): OutputFormats {
  const format = flags.format ?? config?.output?.formats?.join(',');
  const wanted = new Set(format === undefined ? DEFAULT_FORMATS : format.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
  for (const w of wanted) {
    if (w !== 'all' && !(FORMATS as readonly string[]).includes(w)) {
      throw new AuditpackError('USAGE', `Unknown --format "${w}"; use a comma list of ${FORMATS.join(', ')}, or all`);
    }
  }
  if (wanted.size === 0) throw new AuditpackError('USAGE', `--format is empty; use a comma list of ${FORMATS.join(', ')}, or all`);
  const all = wanted.has('all');
  const has = (f: string): boolean => all || wanted.has(f);
  if (!flags.pdf && flags.format !== undefined && wanted.has('pdf')) throw new AuditpackError('USAGE', '--format pdf and --no-pdf contradict each other; give one of them');
  return { html: has('html'), pdf: has('pdf') && flags.pdf, csv: has('csv'), sarif: has('sarif'), junit: has('junit') };
}

// The signing key of a run, from flags (which win) or the config: an Ed25519 key file, an X.509
// .p12 (passphrase only from the environment, never a flag), or an AWS KMS key.
export function signingFrom(flags: SigningFlags, config: AuditpackConfig | undefined): Pick<RunOptions, 'signingKey' | 'signP12' | 'kms' | 'tsa'> {
  const s = config?.signing;
  const fromFlags = flags.key !== undefined || flags.signP12 !== undefined || flags.kmsKeyId !== undefined;
  const key = fromFlags ? flags.key : s?.key;
  const p12 = fromFlags ? flags.signP12 : s?.p12;
  const kmsKeyId = fromFlags ? flags.kmsKeyId : s?.kmsKeyId;
  const tsa = flags.tsa ?? s?.tsa;
  return {
    ...(tsa ? { tsa } : {}),
    ...(key ? { signingKey: key } : {}),
    ...(p12 ? { signP12: { file: p12, passphrase: process.env[P12_PASSPHRASE_ENV] ?? '' } } : {}),
    ...(kmsKeyId ? { kms: { keyId: kmsKeyId, ...(s?.kmsRegion ? { region: s.kmsRegion } : {}), ...(s?.kmsEndpoint ? { endpoint: s.kmsEndpoint } : {}) } } : {}),
  };
}

// --upload wins over output.upload.url; lock, endpoint and region come from the config.
export function uploadSettings(flag: string | undefined, config: AuditpackConfig | undefined): UploadSettings | undefined {
  const c = config?.output?.upload;
  const url = flag ?? c?.url;
  if (!url) return undefined;
  return { url, ...(c?.objectLock ? { objectLock: c.objectLock } : {}), ...(c?.endpoint ? { endpoint: c.endpoint } : {}), ...(c?.region ? { region: c.region } : {}) };
}

// What run and report share once targets are known: what is judged, how it is signed and scoped.
export function judgedOptions(
  flags: RunFlags,
  config: AuditpackConfig | undefined,
  selection: Selection | undefined,
): Pick<RunOptions, 'frameworks' | 'selection' | 'chrome' | 'signingKey' | 'signP12' | 'kms' | 'tsa' | 'exceptionsFile' | 'attestationsFile' | 'notApplicable' | 'scope' | 'soc2Categories'> {
  const chrome = flags.chrome ?? config?.output?.chrome;
  return {
    ...(selection?.frameworks ? { frameworks: selection.frameworks } : {}),
    ...(selection ? { selection } : {}),
    ...(chrome ? { chrome } : {}),
    ...signingFrom(flags, config),
    ...judgementFiles(flags, config),
    ...scopeOf(config),
    ...(config?.soc2Categories ? { soc2Categories: config.soc2Categories } : {}),
  };
}

// --exceptions/--attestations win over the config's keys.
export function judgementFiles(flags: Pick<RunFlags, 'exceptions' | 'attestations'>, config: AuditpackConfig | undefined): Pick<RunOptions, 'exceptionsFile' | 'attestationsFile' | 'notApplicable'> {
  const exceptionsFile = flags.exceptions ?? config?.exceptions;
  const attestationsFile = flags.attestations ?? config?.attestations;
  // Declared scoping decisions (config only): controls that do not apply, with justification and approver.
  const notApplicable = config?.notApplicable;
  return { ...(exceptionsFile ? { exceptionsFile } : {}), ...(attestationsFile ? { attestationsFile } : {}), ...(notApplicable ? { notApplicable } : {}) };
}

export function commandLine(): string {
  return ['auditpack', ...process.argv.slice(2)].join(' ');
}

// --target NAME|GLOB (or select.targets): only matching targets are collected. A pattern that
// matches no target is an error that names the targets there are.
export function selectTargets<T extends Targets & { cloud: readonly CloudTarget[] }>(t: T, patterns: readonly string[] | undefined): T & { cloud: CloudTarget[] } {
  if (!patterns || patterns.length === 0) return { ...t, cloud: [...t.cloud] };
  const nameOf = (s: SnapshotTarget): string => s.name ?? path.basename(path.resolve(s.dir));
  const all = [...t.snapshots.map(nameOf), ...t.kube.map((k) => k.name ?? k.context), ...t.cloud.map((c) => c.target)];
  for (const p of patterns) {
    if (!all.some((n) => globMatch(p, n))) throw new AuditpackError('USAGE', `--target ${p}: no target has this name; the targets are ${all.join(', ') || '(none)'}`);
  }
  const keep = (n: string): boolean => patterns.some((p) => globMatch(p, n));
  const names = new Set(all.filter(keep));
  return {
    ...t,
    snapshots: t.snapshots.filter((s) => keep(nameOf(s))),
    kube: t.kube.filter((k) => keep(k.name ?? k.context)),
    consul: t.consul.filter((c) => names.has(c.target) || !all.includes(c.target)),
    cloud: t.cloud.filter((c) => keep(c.target)),
  };
}
