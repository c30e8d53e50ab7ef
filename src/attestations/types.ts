import type { ControlAttestation, FrameworkId } from '../controls/types.ts';

export interface AttestationSource {
  // Absolute path of the file to copy.
  file: string;
  // Path inside the bundle.
  path: string;
  sha256: string;
  size: number;
}

// One validated entry of attestations.yaml.
export interface AttestationRule {
  framework: FrameworkId;
  control: string;
  statement: string;
  attestedBy: string;
  attestedAt: string;
  validUntil: string;
  attestedAtInstant: Date;
  // First instant it no longer counts.
  validUntilInstant: Date;
  attachments: AttestationSource[];
  file: string;
  line: number;
}

// applied: the control is attested; expired: past validUntil (the control stays manual);
// not_yet_valid: attestedAt is after this run started.
export const ATTESTATION_STATES = ['applied', 'expired', 'not_yet_valid'] as const;
export type AttestationState = (typeof ATTESTATION_STATES)[number];

export interface AttestationOutcome extends ControlAttestation {
  framework: FrameworkId;
  control: string;
  state: AttestationState;
  source: string;
}
