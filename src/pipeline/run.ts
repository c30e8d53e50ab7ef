import { randomBytes } from 'node:crypto';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CHECKS } from '../checks/registry.ts';
import type { CheckResult } from '../checks/types.ts';
import { DEFAULT_CONTROLS_DIR, loadCatalogs, selectSoc2Categories } from '../controls/load.ts';
import type { Soc2OptionalCategory } from '../controls/schema.ts';
import { controlsByCheck, resultControls, type NotApplicableDeclaration } from '../controls/roll-up.ts';
import { checkDeclarations, rollUpContext } from '../controls/context.ts';
import { FRAMEWORKS, type ControlOutcome, type FrameworkId } from '../controls/types.ts';
import type { EvidenceGap } from '../inventory/types.ts';
import { inScopeNamespace } from '../inventory/scope.ts';
import { workloadView } from '../inventory/workload-view.ts';
import { findChrome } from '../render/chrome.ts';
import { renderCsv } from '../render/csv.ts';
import { WORKLOADS_CSV_FILE, renderWorkloadsCsv } from '../render/workloads-csv.ts';
import { renderFindingsJson } from '../render/findings-json.ts';
import { OSCAL_AR_FILE, renderAssessmentResults } from '../oscal/assessment-results.ts';
import { renderHtml } from '../render/html.ts';
import { evidenceShownInFull } from '../render/view-model.ts';
import type { ReportInput, ReportedResult, TargetSummary } from '../render/report-input.ts';
import { RenderError, UsageError } from '../shared/errors.ts';
import { TOOL } from '../shared/version.ts';
import { loadSigner } from '../bundle/keys.ts';
import { generateEphemeralSigner, type Signer } from '../bundle/signer.ts';
import type { KmsSignerOptions } from '../bundle/kms-signer.ts';
import type { X509Identity } from '../bundle/x509-signer.ts';
import { signBundle, type ManifestPrevious } from '../bundle/manifest.ts';
import { runStats, type RunStats } from '../bundle/run-stats.ts';
import { openHistory, type History } from '../history/store.ts';
import type { Catalog } from '../controls/schema.ts';
import type { CloudTarget } from './cloud.ts';
import type { CollectionOptions, ConsulApiTarget, CollectInput, CollectedTarget, KubeTarget, Progress, SnapshotTarget } from './collect.ts';
import type { KubeCollectOptions } from '../collectors/kubernetes/index.ts';
import { loadEvidence, readTranscripts, type LoadedEvidence } from './load-evidence.ts';
import { evaluateChecks, mapControls } from './evaluate.ts';
import { describeSelection, selectGaps, selectResults, type Selection } from './selection.ts';
import { renderJunit, renderSarif, JUNIT_FILE, SARIF_FILE } from '../render/ci-formats.ts';
import { loadExceptions } from '../exceptions/load.ts';
import { resultId } from '../render/result-id.ts';
import type { ExceptionOutcome, ExceptionRule } from '../exceptions/types.ts';
import { loadAttestations } from '../attestations/load.ts';
import { copyAttachments } from '../attestations/apply.ts';
import type { AttestationOutcome, AttestationRule } from '../attestations/types.ts';
import { scrubDeep } from '../evidence/scrub.ts';
import { redactionSummary } from '../evidence/redaction-summary.ts';
import { crashPoint } from '../shared/crash-point.ts';
import { assertReplaceable, commitBundle, ensureParent, pendingSignatureName, recoverOutDir, workDirFor } from './out-dir.ts';
import { checkInputEvidence, type InputEvidence } from './input-evidence.ts';
import type { ScopeConfig } from '../config/schema.ts';
import { FrameworkScopes } from '../scope/apply.ts';
import { targetKinds } from '../scope/target-kind.ts';
import { cloudAccounts } from '../scope/cloud-location.ts';
import { evidenceGapCount } from '../scope/evidence-gaps.ts';

export type { ConsulApiTarget, KubeTarget, ProgressEvent, SnapshotTarget } from './collect.ts';

export interface OutputFormats {
  html: boolean;
  pdf: boolean;
  csv: boolean;
  // findings.sarif (SARIF 2.1.0) and findings.junit.xml, only when asked for.
  sarif?: boolean;
  junit?: boolean;
}

export interface RunOptions {
  snapshots: readonly SnapshotTarget[];
  // Live clusters, collected after the snapshots; names share one namespace with them.
  kube?: readonly KubeTarget[];
  kubeOptions?: KubeCollectOptions;
  // Targets at once and the per-target timeout.
  collection?: CollectionOptions;
  consul?: readonly ConsulApiTarget[];
  cloud?: readonly CloudTarget[];
  // Frameworks in the report (default: every catalog).
  frameworks?: readonly FrameworkId[];
  // Checks, severities, namespaces and targets judged (default: all); recorded in run.json.
  selection?: Selection;
  // SOC 2 categories in scope besides Security (default: Security only).
  soc2Categories?: readonly Soc2OptionalCategory[];
  outDir: string;
  formats: OutputFormats;
  chrome?: string;
  // PKCS#8 Ed25519 private key; without it the run signs with a one-time key.
  signingKey?: string;
  // X.509 identity (.p12/.pfx): signs the manifest and embeds a PDF signature in report.pdf.
  signP12?: { file: string; passphrase: string };
  // AWS KMS ECC_NIST_P256 key that signs the manifest (the key never leaves KMS).
  kms?: KmsSignerOptions;
  // RFC 3161 time-stamping authority URL: manifest.tsr holds its token over manifest.sig.
  tsa?: string;
  controlsDir?: string;
  // exceptions.yaml (approved risk acceptances) and attestations.yaml (manual controls).
  exceptionsFile?: string;
  attestationsFile?: string;
  // Controls declared not applicable (config notApplicable), with justification and approver.
  notApplicable?: readonly NotApplicableDeclaration[];
  clock?: () => Date;
  command?: string;
  onProgress?: Progress;
  // Evidence history folder: the run chains to its last run, is compared with it, and is recorded there.
  history?: string;
  // Audit boundary per framework (config `scope`): results outside it do not count for that framework.
  scope?: ScopeConfig;
}

export interface RunSummary {
  runId: string;
  outDir: string;
  results: CheckResult[];
  controls: ControlOutcome[];
  gaps: EvidenceGap[];
  exceptions: ExceptionOutcome[];
  attestations: AttestationOutcome[];
  signer: { keyFingerprint: string; ephemeral: boolean };
  files: string[];
  // report: whether the judged evidence folder was verified, and with which key.
  inputEvidence?: InputEvidence;
  // Where the run was recorded (--history) and how many runs the history now holds.
  history?: { dir: string; runs: number; previous?: string };
  // The PDF was asked for but could not be rendered: the bundle is signed without it.
  pdfError?: string;
}

interface Judgement {
  exceptions: ExceptionRule[];
  attestations: AttestationRule[];
  notApplicable: readonly NotApplicableDeclaration[];
}

// Read before collecting, so a bad exceptions or attestations file fails fast. Attestations are
// checked against every catalog (a file may cover frameworks this run does not select).
async function loadJudgement(opts: Pick<RunOptions, 'exceptionsFile' | 'attestationsFile' | 'notApplicable'>, catalogs: readonly Catalog[]): Promise<Judgement> {
  checkDeclarations(opts.notApplicable ?? [], catalogs);
  return {
    notApplicable: opts.notApplicable ?? [],
    exceptions: opts.exceptionsFile ? await loadExceptions(opts.exceptionsFile, new Set(CHECKS.map((c) => c.meta.id))) : [],
    attestations: opts.attestationsFile ? await loadAttestations(opts.attestationsFile, catalogs) : [],
  };
}

export function newRunId(now: Date): string {
  return `run-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

interface Prepared {
  clock: () => Date;
  progress: Progress;
  startedAt: Date;
  runId: string;
  outDir: string;
  signer: Signer;
  // What the report judged, for the attestation's predicate (set by renderReport).
  stats?: RunStats;
  tsa?: string;
}

async function prepare(opts: Pick<RunOptions, 'outDir' | 'signingKey' | 'signP12' | 'kms' | 'tsa' | 'clock' | 'onProgress'>): Promise<Prepared> {
  const clock = opts.clock ?? (() => new Date());
  const startedAt = clock();
  const outDir = path.resolve(opts.outDir);
  // A crashed run's leftovers are resolved first, so a good bundle it moved aside is back in place.
  await ensureParent(outDir);
  await recoverOutDir(outDir);
  await assertReplaceable(outDir);
  const signer = await chooseSigner(opts, startedAt);
  return { clock, progress: opts.onProgress ?? (() => undefined), startedAt, runId: newRunId(startedAt), outDir, signer, ...(opts.tsa ? { tsa: opts.tsa } : {}) };
}

// One signing key per run: an Ed25519 key file, an X.509 .p12, a KMS key, or a one-time key.
async function chooseSigner(opts: Pick<RunOptions, 'signingKey' | 'signP12' | 'kms'>, now: Date): Promise<Signer> {
  const given = [opts.signingKey && '--key', opts.signP12 && '--sign-p12', opts.kms && '--kms-key-id'].filter((g) => typeof g === 'string');
  if (given.length > 1) throw new UsageError('USAGE', `Give one signing key, not ${given.join(' and ')}`);
  if (opts.signP12) return (await import('../bundle/x509-signer.ts')).loadP12Signer(opts.signP12.file, opts.signP12.passphrase, now);
  if (opts.kms) return (await import('../bundle/kms-signer.ts')).KmsSigner.create(opts.kms);
  return opts.signingKey ? loadSigner(opts.signingKey) : generateEphemeralSigner();
}

// Builds the bundle in a sibling temp folder and renames it into place only once it is complete
// and signed, so a crash never leaves a folder that verifies.
// The steps and how a crash at each is recovered: src/pipeline/out-dir.ts.
async function inWorkDir<T>(p: Prepared, build: (work: string) => Promise<T>, previous?: ManifestPrevious): Promise<{ value: T; files: string[] }> {
  const work = workDirFor(p.outDir);
  await mkdir(work, { recursive: true });
  crashPoint('work-created');
  try {
    const value = await build(work);
    crashPoint('work-built');
    // The signature is written under a pending name until the folder has its final name, so a
    // folder that is still being built or moved never verifies.
    const manifest = await signBundle(work, p.signer, { tool: { name: TOOL.name, version: TOOL.version }, runId: p.runId, createdAt: p.clock().toISOString(), ...(previous ? { previous } : {}), ...(p.stats ? { stats: p.stats } : {}), ...(p.tsa ? { tsa: { url: p.tsa } } : {}), signedPdf: isX509(p.signer) }, { signatureFile: pendingSignatureName() });
    await commitBundle(work, p.outDir);
    p.progress({ stage: 'sign', event: 'finish', message: `signed with ${p.signer.keyFingerprint}${p.signer.ephemeral ? ' (one-time key)' : ''}` });
    return { value, files: manifest.files.map((f) => f.path) };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

// run: collect → evidence store → normalize → evaluate → map → render → sign.
export async function runPipeline(opts: RunOptions): Promise<RunSummary> {
  const allCatalogs = await loadCatalogs(opts.controlsDir ?? DEFAULT_CONTROLS_DIR, new Set(CHECKS.map((c) => c.meta.id)));
  const judgement = await loadJudgement(opts, allCatalogs);
  const catalogs = selectSoc2Categories(
    allCatalogs.filter((c) => !opts.frameworks || opts.frameworks.includes(c.framework)),
    opts.soc2Categories ?? [],
  );
  const chromePath = opts.formats.pdf ? findChrome(opts.chrome) : undefined;
  const history = opts.history ? await openHistory(opts.history) : undefined;
  const p = await prepare(opts);
  const { value, files } = await inWorkDir(
    p,
    async (work) => {
      const { collectTargets } = await import('./collect.ts');
      await collectTargets(collectInput(opts), work, p.clock, p.progress);
      return renderReport(work, await loadEvidence(work, { transcripts: false }), catalogs, p, { formats: opts.formats, chromePath, command: opts.command ?? 'auditpack run', judgement, ...(history ? { history } : {}), ...(opts.selection ? { selection: opts.selection } : {}), ...(opts.scope ? { scope: opts.scope } : {}) });
    },
    history?.previous,
  );
  // Recorded only once the signed bundle is in place, so the history never names a run that does not exist.
  const recorded = history ? await history.record(p.outDir) : undefined;
  if (recorded && history) p.progress({ stage: 'sign', message: `recorded in history ${history.dir} (${history.entries.length + 1} runs${recorded.previous ? `, chained to ${recorded.previous.runId}` : ''})` });
  return {
    ...value,
    runId: p.runId,
    outDir: p.outDir,
    signer: { keyFingerprint: p.signer.keyFingerprint, ephemeral: p.signer.ephemeral },
    files,
    ...(recorded && history ? { history: { dir: history.dir, runs: history.entries.length + 1, ...(recorded.previous ? { previous: recorded.previous.runId } : {}) } } : {}),
  };
}

// collect: evidence only, signed, for `report` to judge later (or elsewhere).
export async function collectOnly(opts: Pick<RunOptions, 'snapshots' | 'kube' | 'kubeOptions' | 'collection' | 'consul' | 'cloud' | 'outDir' | 'signingKey' | 'signP12' | 'kms' | 'tsa' | 'clock' | 'onProgress' | 'command'> & { shard?: ShardDeclaration }): Promise<{ runId: string; outDir: string; targets: CollectedTarget[]; signer: RunSummary['signer'] }> {
  const p = await prepare(opts);
  const { collectTargets } = await import('./collect.ts');
  const { value } = await inWorkDir(p, async (work) => {
    const targets = await collectTargets(collectInput(opts), work, p.clock, p.progress);
    await writeFile(
      path.join(work, 'run.json'),
      `${JSON.stringify(scrubDeep({ schemaVersion: 1, id: p.runId, startedAt: p.startedAt.toISOString(), finishedAt: p.clock().toISOString(), tool: TOOL, operator: operator(), command: opts.command ?? 'auditpack collect', stage: 'collect', targets: targets.map((t) => ({ name: t.name, source: t.source, location: t.location })), ...(opts.shard ? { shard: opts.shard } : {}) }), null, 2)}\n`,
    );
    return targets;
  });
  return { runId: p.runId, outDir: p.outDir, targets: value, signer: { keyFingerprint: p.signer.keyFingerprint, ephemeral: p.signer.ephemeral } };
}

function collectInput(opts: Pick<RunOptions, 'snapshots' | 'kube' | 'kubeOptions' | 'collection' | 'consul' | 'cloud'>): CollectInput {
  return {
    snapshots: opts.snapshots,
    ...(opts.kube ? { kube: opts.kube } : {}),
    ...(opts.kubeOptions ? { kubeOptions: opts.kubeOptions } : {}),
    ...(opts.collection ? { collection: opts.collection } : {}),
    ...(opts.consul ? { consul: opts.consul } : {}),
    ...(opts.cloud ? { cloud: opts.cloud } : {}),
  };
}

export interface ReportOptions extends Omit<RunOptions, 'snapshots' | 'kube' | 'kubeOptions' | 'collection' | 'consul' | 'cloud'> {
  evidenceDir: string;
  // Public key the evidence folder must be signed with; without it the bundled key is used.
  evidenceKeyPem?: string;
}

// report: judge an existing evidence folder again (after verifying it, when it is signed).
export async function reportFromEvidence(opts: ReportOptions): Promise<RunSummary> {
  const allCatalogs = await loadCatalogs(opts.controlsDir ?? DEFAULT_CONTROLS_DIR, new Set(CHECKS.map((c) => c.meta.id)));
  const judgement = await loadJudgement(opts, allCatalogs);
  const catalogs = selectSoc2Categories(allCatalogs, opts.soc2Categories ?? []);
  const chromePath = opts.formats.pdf ? findChrome(opts.chrome) : undefined;
  const source = path.resolve(opts.evidenceDir);
  // Refuses (before any output exists) evidence that does not verify, or is unsigned under --evidence-key.
  const inputEvidence = await checkInputEvidence(source, opts.evidenceKeyPem);
  if (!inputEvidence.verified) opts.onProgress?.({ stage: 'collect', message: `WARNING: evidence folder ${opts.evidenceDir} is unsigned; judging it WITHOUT verification` });
  const p = await prepare(opts);
  const { value, files } = await inWorkDir(p, async (work) => {
    await cp(path.join(source, 'evidence'), path.join(work, 'evidence'), { recursive: true, verbatimSymlinks: true });
    return renderReport(work, await loadEvidence(work, { transcripts: false }), catalogs, p, { formats: opts.formats, chromePath, command: opts.command ?? 'auditpack report', judgement, inputEvidence, ...(opts.selection ? { selection: opts.selection } : {}), ...(opts.scope ? { scope: opts.scope } : {}) });
  });
  return { ...value, runId: p.runId, outDir: p.outDir, signer: { keyFingerprint: p.signer.keyFingerprint, ephemeral: p.signer.ephemeral }, files, inputEvidence };
}

// A sharded collect's place in the whole, recorded in run.json so `merge` can tell a missing shard.
export interface ShardDeclaration {
  // 1-based, like --shard I/N.
  index: number;
  count: number;
}

// merge: judge evidence assembled from several verified folders (src/shard/merge.ts) as one run.
export async function reportFromAssembledEvidence(opts: Omit<ReportOptions, 'evidenceDir' | 'evidenceKeyPem'>, assemble: (work: string) => Promise<void>, inputEvidence?: InputEvidence): Promise<RunSummary> {
  const allCatalogs = await loadCatalogs(opts.controlsDir ?? DEFAULT_CONTROLS_DIR, new Set(CHECKS.map((c) => c.meta.id)));
  const judgement = await loadJudgement(opts, allCatalogs);
  const catalogs = selectSoc2Categories(allCatalogs, opts.soc2Categories ?? []);
  const chromePath = opts.formats.pdf ? findChrome(opts.chrome) : undefined;
  const p = await prepare(opts);
  const { value, files } = await inWorkDir(p, async (work) => {
    await assemble(work);
    return renderReport(work, await loadEvidence(work, { transcripts: false }), catalogs, p, { formats: opts.formats, chromePath, command: opts.command ?? 'auditpack merge', judgement, ...(opts.selection ? { selection: opts.selection } : {}), ...(opts.scope ? { scope: opts.scope } : {}), ...(inputEvidence ? { inputEvidence } : {}) });
  });
  return { ...value, runId: p.runId, outDir: p.outDir, signer: { keyFingerprint: p.signer.keyFingerprint, ephemeral: p.signer.ephemeral }, files, ...(inputEvidence ? { inputEvidence } : {}) };
}

async function renderReport(
  work: string,
  loaded: LoadedEvidence,
  catalogs: Catalog[],
  p: Prepared,
  o: { formats: OutputFormats; chromePath: string | undefined; command: string; judgement?: Judgement; history?: History; selection?: Selection; inputEvidence?: InputEvidence; scope?: ScopeConfig },
): Promise<Pick<RunSummary, 'results' | 'controls' | 'gaps' | 'exceptions' | 'attestations' | 'pdfError'>> {
  const t1 = Date.now();
  p.progress({ stage: 'evaluate', event: 'start', message: `${CHECKS.length} checks on ${loaded.inventories.length} target(s)` });
  // Exceptions are judged at the run's start time (injected clock), like the checks.
  const evaluated = evaluateChecks(loaded.inventories, p.startedAt, o.judgement?.exceptions ?? []);
  const { exceptions } = evaluated;
  const results = selectResults(evaluated.results, o.selection);
  const gapCount = evidenceGapCount(results, loaded.inventories.flatMap((i) => i.gaps));
  p.progress({ stage: 'evaluate', event: 'finish', message: `${CHECKS.length} checks on ${loaded.inventories.length} target(s): ${results.length} results, ${gapCount.text}`, durationMs: Date.now() - t1 });

  // Each framework counts only the results inside its declared boundary (config `scope`).
  const scopes = new FrameworkScopes(o.scope, loaded.inventories, catalogs.map((c) => c.framework));
  const context = rollUpContext(loaded.inventories, catalogs, CHECKS.map((c) => c.meta), o.judgement?.notApplicable);
  const { controls, attestations } = mapControls(catalogs, results, o.judgement?.attestations ?? [], p.startedAt, context, (fw, r) => scopes.contains(fw, r));
  p.stats = runStats(results, controls);
  const attachments = await copyAttachments(work, o.judgement?.attestations ?? [], attestations);
  const byCheck = controlsByCheck(catalogs);
  // Results without vendor edges share one controls array per check and scope (large runs).
  const reported: ReportedResult[] = results.map((r) => ({
    ...r,
    controls: r.mappedControls && r.mappedControls.length > 0 ? resultControls(r, byCheck).filter((ref) => scopes.contains(ref.slice(0, ref.indexOf(':')), r)) : scopes.controlsOf(r, byCheck.get(r.check) ?? []),
  }));
  p.progress({ stage: 'map', event: 'finish', message: `${controls.length} controls in ${catalogs.length} frameworks` });

  const summaries: TargetSummary[] = loaded.inventories.map((inventory, i) => {
    const t = loaded.targets[i];
    return {
      name: inventory.name,
      source: t?.source ?? 'snapshot',
      location: t?.location ?? '',
      objects: t?.objects ?? 0,
      namespaces: inventory.namespaces.length,
      workloads: inventory.workloads.length,
      istioPresent: inventory.istio.present,
      rootNamespace: inventory.istio.rootNamespace,
      namespaceDetails: inventory.namespaces.map((n) => ({
        name: n.name,
        labels: n.labels,
        annotations: n.annotations,
        inScope: inScopeNamespace(inventory, n.name),
        workloads: inventory.workloads.filter((w) => w.namespace === n.name).length,
      })),
      kinds: [...targetKinds(inventory)].sort(),
      cloud: cloudAccounts(inventory),
    };
  });
  const ignored: ReportInput['ignored'] = [];
  loaded.inventories.forEach((inventory, i) => {
    for (const x of inventory.ignored) ignored.push({ ...x, target: inventory.name });
    for (const n of loaded.targets[i]?.notes ?? []) {
      ignored.push({ target: inventory.name, evidenceId: '', kind: '(file)', apiVersion: '', name: `${n.file}${n.line ? `:${n.line}` : ''}`, reason: n.message });
    }
  });
  const gaps = selectGaps(loaded.inventories.flatMap((i) => i.gaps), o.selection);
  // Ids are computed only when there is something to match (a large run has many results).
  const reportedIds = new Set(evaluated.mappingDisagreements.length > 0 ? results.map((r) => resultId(r)) : []);
  const views = loaded.inventories.map((i) => workloadView(i));
  const input: ReportInput = {
    run: {
      id: p.runId,
      startedAt: p.startedAt.toISOString(),
      finishedAt: p.clock().toISOString(),
      tool: { name: TOOL.name, version: TOOL.version },
      operator: operator(),
      command: o.command,
      frameworks: FRAMEWORKS.filter((f) => catalogs.some((c) => c.framework === f)),
      signing: { algorithm: p.signer.algorithm, keyFingerprint: p.signer.keyFingerprint, ephemeral: p.signer.ephemeral },
      ...(describeSelection(o.selection).length > 0 ? { selection: describeSelection(o.selection) } : {}),
      ...(o.inputEvidence ? { inputEvidence: o.inputEvidence } : {}),
    },
    targets: summaries,
    checks: CHECKS.map((c) => c.meta),
    results: reported,
    controls,
    evidence: loaded.records,
    // Filled below with the transcripts the report shows, and only those.
    transcripts: {},
    gaps,
    ignored,
    workloads: views.flatMap((v) => v.rows),
    coverage: views.flatMap((v) => v.coverage),
    exceptions,
    attestations,
    evidenceSources: loaded.inventories.flatMap((inv, i) => {
      const provenance = loaded.targets[i]?.provenance;
      return provenance ? [{ target: inv.name, provenance }] : [];
    }),
    scope: scopes.summaries(),
    // Only those about results this run reports (a --check selection may leave some out).
    mappingDisagreements: evaluated.mappingDisagreements.filter((d) => d.resultIds.some((id) => reportedIds.has(id))),
  };
  // Evidence was loaded without transcripts: a large run has hundreds of thousands, the appendix
  // shows a few in full.
  input.transcripts = await readTranscripts(work, evidenceShownInFull(input));
  if (o.history) input.history = await o.history.reportSection(input);
  // The writer boundary: every string in every report file passes the one scrubber (gap messages,
  // target locations, the command line, attestation text), whatever stage produced it.
  const out = scrubDeep(input);

  const t2 = Date.now();
  p.progress({ stage: 'render', event: 'start', message: 'writing the report' });
  const written = ['findings.json', 'run.json', ...(attachments.length > 0 ? [`${attachments.length} attestation attachment(s)`] : [])];
  await writeFile(path.join(work, 'findings.json'), renderFindingsJson(out));
  await mkdir(path.join(work, path.dirname(OSCAL_AR_FILE)), { recursive: true });
  await writeFile(path.join(work, OSCAL_AR_FILE), renderAssessmentResults(out));
  written.push(OSCAL_AR_FILE);
  await writeFile(path.join(work, 'run.json'), `${JSON.stringify({ schemaVersion: 1, ...out.run, ...(o.selection ? { select: o.selection } : {}), stage: 'report', targets: out.targets.map(({ namespaceDetails: _n, ...t }) => t), redactions: redactionSummary(loaded.records) }, null, 2)}\n`);
  if (o.formats.csv) {
    await writeFile(path.join(work, 'findings.csv'), renderCsv(out.results));
    written.push('findings.csv');
    // With the CSV outputs: the report points readers to it for the full workload table.
    await writeFile(path.join(work, WORKLOADS_CSV_FILE), renderWorkloadsCsv(out.workloads));
    written.push(WORKLOADS_CSV_FILE);
  }
  if (o.formats.sarif) {
    await writeFile(path.join(work, SARIF_FILE), renderSarif(out));
    written.push(SARIF_FILE);
  }
  if (o.formats.junit) {
    await writeFile(path.join(work, JUNIT_FILE), renderJunit(out));
    written.push(JUNIT_FILE);
  }
  let pdfError: string | undefined;
  if (o.formats.html || o.chromePath) {
    const html = renderHtml(out);
    if (o.formats.html) {
      await writeFile(path.join(work, 'report.html'), html);
      written.push('report.html');
    }
    if (o.chromePath) {
      // A browser that cannot render loses only the PDF: the evidence and other outputs are signed.
      const pdf = await (await import('../render/pdf.ts')).renderPdf(html, { chromePath: o.chromePath }).catch((err: unknown) => {
        if (!(err instanceof RenderError)) throw err;
        pdfError = err.message;
        return undefined;
      });
      // With an X.509 identity the PDF carries its own signature, so it can be checked once it leaves the bundle.
      if (pdf) {
        const signed = isX509(p.signer) ? await (await import('../bundle/pdf-sign.ts')).signPdf(pdf, p.signer.identity, { reason: `Compliance evidence, run ${p.runId}`, name: p.signer.identity.certificate.subject.replaceAll('\n', ', '), location: os.hostname(), contactInfo: operator(), signingTime: p.clock() }) : pdf;
        await writeFile(path.join(work, 'report.pdf'), signed);
        written.push('report.pdf');
      }
    }
  }
  p.progress({ stage: 'render', event: 'finish', message: written.join(', '), durationMs: Date.now() - t2 });
  return { results, controls, gaps, exceptions, attestations, ...(pdfError ? { pdfError } : {}) };
}

// X.509 signers carry an identity that also signs the PDF; checked without loading node-forge.
function isX509(signer: Signer): signer is Signer & { identity: X509Identity } {
  return 'identity' in signer;
}

function operator(): string {
  return process.env.AUDITPACK_OPERATOR ?? `${safeUser()}@${os.hostname()}`;
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
