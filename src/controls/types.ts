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

// A control's verdict for this run, derived from the results of the checks it points at.
export interface ControlOutcome {
  framework: FrameworkId;
  id: string;
  title: string;
  // HIPAA implementation specifications only.
  requirement?: 'required' | 'addressable';
  family?: string;
  status: ControlStatus;
  checks: string[];
  results: number;
  counts: ResultCounts;
  // Why the status is what it is, in one sentence.
  reason: string;
  // For manual controls: what a person must attest.
  manual?: string;
  // A manual control with an unexpired attestation (attestations.yaml). The status stays `manual`
  // (the status enum is a public contract); this field says a person has attested it.
  attestation?: ControlAttestation;
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
