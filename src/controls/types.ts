export const FRAMEWORKS = ['soc2', 'hipaa', 'pci-dss-4'] as const;
export type FrameworkId = (typeof FRAMEWORKS)[number];

// How reports name each framework.
export const FRAMEWORK_LABELS: Record<FrameworkId, string> = {
  soc2: 'SOC 2',
  hipaa: 'HIPAA Security Rule',
  'pci-dss-4': 'PCI DSS v4.0.1',
};

export const CONTROL_STATUSES = ['satisfied', 'not_satisfied', 'insufficient_evidence', 'manual', 'not_applicable'] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

export interface ResultCounts {
  pass: number;
  fail: number;
  error: number;
  not_applicable: number;
  waived: number;
}

// Where a check's evidence comes from. "No source of this evidence in the run" makes a control
// insufficient_evidence (not assessed), never not_applicable.
export const EVIDENCE_SOURCES = ['kubernetes', 'aws', 'azure', 'gcp'] as const;
export type EvidenceSource = (typeof EVIDENCE_SOURCES)[number];

// One mapping edge of a control as judged in this run: a catalog edge (one check) or a per-result
// edge from vendor data (result.mappedControls), with the results that came through it.
export interface ControlEdgeOutcome {
  check: string;
  strength: 'satisfies' | 'supports';
  rationale: string;
  // Provenance: 'auditpack' for our reviewed catalog mapping, else where the mapping came from
  // (e.g. 'AWS Security Hub RelatedRequirements').
  source: string;
  // true for a per-result edge (result.mappedControls).
  dynamic: boolean;
  counts: ResultCounts;
  // Set when the edge brought no judged result: "not assessed: no AWS account in this run", ...
  notAssessed?: string;
}

// How the catalog says a control can be evidenced.
export type ControlEvidence = 'automated' | 'partial' | 'manual';

// A declared scoping decision (config `notApplicable`) or a catalog condition the evidence proves absent.
export interface NotApplicableBasis {
  kind: 'declared' | 'condition';
  justification: string;
  // Who approved the declaration; the condition id for a proven-absent condition.
  approver: string;
  // Evidence ids that prove the condition absent (empty for a declaration).
  evidence: string[];
}

// A control's verdict for this run, derived from the results that came through its edges.
export interface ControlOutcome {
  framework: FrameworkId;
  id: string;
  title: string;
  // HIPAA implementation specifications only.
  requirement?: 'required' | 'addressable';
  family?: string;
  evidence: ControlEvidence;
  status: ControlStatus;
  // Every check with an edge into the control (catalog order, then per-result edges).
  checks: string[];
  edges: ControlEdgeOutcome[];
  // All results through any edge, and their counts.
  results: number;
  counts: ResultCounts;
  // Why the status is what it is, in one sentence or two.
  reason: string;
  // The results the status rests on (findings.json result ids): the failures, the errors, or the
  // passing results of the deciding (satisfies) edges; the supporting results of a manual control.
  resultIds: string[];
  // For partial and manual controls: what a person must attest.
  manual?: string;
  // A partial control whose automated part passed: an in-force attestation makes it satisfied.
  automatedPassed?: boolean;
  // insufficient_evidence because results of deciding checks errored (evidence missing, denied or
  // unparseable), as opposed to not assessed (no source of that evidence, nothing in scope).
  missingEvidence?: boolean;
  // An attestation in force (attestations.yaml). A manual control stays `manual` (the status enum is
  // a public contract) and reads as attested; a partial control whose automated part passed is satisfied.
  attestation?: ControlAttestation;
  notApplicable?: NotApplicableBasis;
}

export interface AttestationAttachment {
  // Path inside the bundle (under attestations/), listed and hashed in manifest.json.
  path: string;
  sha256: string;
  size: number;
}

export interface ControlAttestation {
  statement: string;
  attestedBy: string;
  attestedAt: string;
  validUntil: string;
  attachments: AttestationAttachment[];
}
