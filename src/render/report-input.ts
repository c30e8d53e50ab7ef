import type { CheckMeta, CheckResult } from '../checks/types.ts';
import type { ControlOutcome, FrameworkId } from '../controls/types.ts';
import type { EvidenceRecord } from '../evidence/types.ts';
import type { EvidenceSourceRow } from './provenance-view.ts';
import type { EvidenceGap, IgnoredObject } from '../inventory/types.ts';
import type { CoverageRow, WorkloadRow } from '../inventory/workload-view.ts';
import type { ExceptionOutcome } from '../exceptions/types.ts';
import type { AttestationOutcome } from '../attestations/types.ts';
import type { ReportHistory } from '../history/types.ts';
import type { InputEvidence } from '../pipeline/input-evidence.ts';
import type { TargetKind } from '../scope/target-kind.ts';
import type { CloudAccount } from '../scope/cloud-location.ts';
import type { FrameworkScopeSummary } from '../scope/apply.ts';
import type { MappingDisagreement } from '../mappings/disagreements.ts';

export interface RunInfo {
  id: string;
  startedAt: string;
  finishedAt: string;
  tool: { name: string; version: string };
  // Who ran it and where (user@host), and the command line used.
  operator: string;
  command: string;
  frameworks: FrameworkId[];
  signing: { algorithm: string; keyFingerprint: string; ephemeral: boolean };
  // What the run was narrowed to (--check, --namespace, …), one line per selector; absent: everything.
  selection?: string[];
  // `report`: whether the evidence folder judged was verified, and with which key.
  inputEvidence?: InputEvidence;
}

export interface NamespaceSummary {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  // Judged by the checks (system namespaces and the Istio root namespace are not).
  inScope: boolean;
  workloads: number;
}

export interface TargetSummary {
  name: string;
  source: 'snapshot' | 'kubernetes' | 'aws' | 'azure' | 'gcp';
  // Snapshot folder (as given) or kube context.
  location: string;
  objects: number;
  namespaces: number;
  workloads: number;
  istioPresent: boolean;
  rootNamespace: string;
  namespaceDetails: NamespaceSummary[];
  // What the target is (src/scope/target-kind.ts) and, for cloud targets, the accounts /
  // subscriptions / projects and regions its evidence is about. Absent: a cluster (older inputs).
  kinds?: TargetKind[];
  cloud?: CloudAccount[];
}

// A result as reported: the check result plus the controls it counts toward.
export interface ReportedResult extends CheckResult {
  controls: string[];
}

// Everything the renderers may show. Templates get a view model built from this, never raw evidence.
export interface ReportInput {
  run: RunInfo;
  targets: TargetSummary[];
  checks: CheckMeta[];
  results: ReportedResult[];
  controls: ControlOutcome[];
  evidence: EvidenceRecord[];
  // Terminal transcripts keyed by evidence id (command and output as an auditor would see them),
  // already bounded in length for display.
  transcripts: Record<string, string>;
  gaps: EvidenceGap[];
  ignored: (IgnoredObject & { target: string })[];
  // One row per workload across meshes, and mesh coverage per target and namespace.
  workloads: WorkloadRow[];
  coverage: CoverageRow[];
  // Every entry of exceptions.yaml / attestations.yaml with what it did in this run (absent: no file).
  exceptions?: ExceptionOutcome[];
  attestations?: AttestationOutcome[];
  // Evidence history (--history): changes since the last recorded run and the trend (absent: no history).
  history?: ReportHistory;
  // Where each target's evidence came from (cluster identity, cloud account, snapshot files).
  evidenceSources?: EvidenceSourceRow[];
  // The audit boundary of each framework in the run (config `scope`), for the scope statement.
  scope?: FrameworkScopeSummary[];
  // Where a vendor's live mapping and a shipped mapping table disagree (src/mappings/disagreements.ts).
  mappingDisagreements?: MappingDisagreement[];
}
