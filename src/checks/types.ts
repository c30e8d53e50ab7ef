import type { FrameworkId } from '../controls/types.ts';
import type { EvidenceGap, ObjectRef, TargetInventory } from '../inventory/types.ts';

export const CHECK_STATUSES = ['pass', 'fail', 'error', 'not_applicable', 'waived'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type MessageData = Readonly<Record<string, string | number>>;

export interface CheckMeta {
  // Public, stable id (reports, exceptions files and other tools refer to it). Equals the file name.
  id: string;
  // The secure state, not an instruction ("Workloads accept only mutual TLS").
  title: string;
  severity: Severity;
  // 'mesh': judged across every mesh (and none), so never skipped when a mesh is absent.
  area: 'istio' | 'linkerd' | 'consul' | 'mesh' | 'kubernetes' | 'aws' | 'azure' | 'gcp';
  rationale: string;
  remediation: string;
  // Kubernetes kinds (or logical evidence kinds) the check reads. A gap on any of them turns the
  // check's passes into errors, so missing evidence can never look like compliance.
  requires: readonly string[];
  // What the check proves, in one sentence, for the README and report.
  proves: string;
  // Message templates keyed by message id; {{name}} slots are filled from result data.
  messages: Readonly<Record<string, string>>;
}

// What a check returns for one subject; the evaluator adds target, severity and the rendered message.
export interface CheckFinding {
  status: Exclude<CheckStatus, 'waived'>;
  resource: ObjectRef;
  messageId: string;
  data?: MessageData;
  // Evidence record ids the judgement relied on.
  evidence: readonly string[];
  // A weakness that does not change the status (e.g. a certificate expiring within 30 days).
  warning?: string;
  // Overrides the check's default severity for this result (e.g. an expired root CA is critical).
  severity?: Severity;
  mappedControls?: readonly MappedControl[];
}

// A per-result mapping edge from live vendor data or a shipped cloud mapping table (docs:
// CATALOG-FORMAT.md); the roll-up treats it like a catalog edge for this one result.
export interface MappedControl {
  control: `${FrameworkId}:${string}`;
  strength: 'satisfies' | 'supports';
  rationale: string;
  // Where the mapping came from, e.g. 'AWS Security Hub RelatedRequirements'.
  provenance: string;
}

export interface CheckContext {
  target: TargetInventory;
  // The run's start time from the injected clock; checks never read the system clock.
  now: Date;
}

export interface Check {
  meta: CheckMeta;
  evaluate(ctx: CheckContext): CheckFinding[];
}

export interface CheckResult {
  check: string;
  status: CheckStatus;
  severity: Severity;
  target: string;
  resource: ObjectRef;
  messageId: string;
  message: string;
  data: MessageData;
  evidence: string[];
  warning?: string;
  gaps?: string[];
  // Set only on `waived` results: the approved exception (exceptions.yaml) that waived the failure.
  exception?: WaiverRef;
  mappedControls?: MappedControl[];
}

export interface WaiverRef {
  id: string;
  approver: string;
  ticket?: string;
  // As written in the file (a date or an instant).
  expires: string;
  justification: string;
}

export function renderMessage(template: string, data: MessageData): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, key: string) => {
    const value = data[key];
    return value === undefined ? `{{${key}}}` : String(value);
  });
}

export function gapAffects(gap: EvidenceGap, requires: readonly string[], namespace: string | undefined): boolean {
  const kindHit = gap.kinds === '*' || gap.kinds.some((k) => requires.includes(k));
  if (!kindHit) return false;
  return gap.namespace === undefined || namespace === undefined || gap.namespace === namespace;
}
