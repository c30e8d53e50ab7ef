import path from 'node:path';
import { BUNDLED_PUBLIC_KEY_FILE, MANIFEST_FILE, SIGNATURE_FILE, pathExists } from '../bundle/files.ts';
import { verifyBundle } from '../bundle/verify.ts';
import { parseSigningPublicKey, publicKeyFingerprint } from '../bundle/signer.ts';
import { BundleError } from '../shared/errors.ts';

// What `report` (and `merge`) know about the evidence they judged: verified, and by which key, or
// judged unsigned. Recorded in run.json, the report and OSCAL, so a reader can tell.
export interface InputEvidence {
  verified: boolean;
  // 'pinned': --evidence-key; 'bundled': the folder's own signer.pub.pem (integrity only).
  keySource?: 'pinned' | 'bundled';
  keyFingerprint?: string;
}

// Verifies an evidence folder before it is judged. With a pinned key the folder must be signed by
// that key: an unsigned folder (manifest.json and manifest.sig deleted) is refused like a forged
// one. Without a pinned key an unsigned folder is judged, marked unverified; a folder that carries
// any part of a signature must verify in full.
export async function checkInputEvidence(dir: string, pinnedPem?: string): Promise<InputEvidence> {
  const source = path.resolve(dir);
  const signatureParts = [MANIFEST_FILE, SIGNATURE_FILE, BUNDLED_PUBLIC_KEY_FILE];
  const present = await Promise.all(signatureParts.map((f) => pathExists(path.join(source, f))));
  if (!present.some(Boolean)) {
    if (pinnedPem === undefined) return { verified: false };
    const fingerprint = publicKeyFingerprint(parseSigningPublicKey(pinnedPem, '--evidence-key'));
    throw new BundleError(
      'SIGNATURE_INVALID',
      `Evidence folder ${dir} is not signed (no ${MANIFEST_FILE} or ${SIGNATURE_FILE}), but --evidence-key requires evidence signed by ${fingerprint}; refusing to report on it`,
    );
  }
  const check = await verifyBundle(source, pinnedPem !== undefined ? { publicKeyPem: pinnedPem } : {});
  if (!check.ok) {
    const first = check.problems[0];
    throw new BundleError(first?.code ?? 'MANIFEST_INVALID', `Evidence folder ${dir} does not verify (${check.problems.length} problem(s), first: ${first?.message ?? 'unknown'}); refusing to report on it`);
  }
  return { verified: true, keySource: check.keySource, ...(check.fingerprint ? { keyFingerprint: check.fingerprint } : {}) };
}

// The operator-facing warning for evidence judged without a signature check.
export function unverifiedEvidenceWarning(dir: string, evidence: InputEvidence): string[] {
  if (evidence.verified) return [];
  return [
    '',
    `WARNING: the evidence folder ${dir} is NOT SIGNED, so it was judged WITHOUT verification.`,
    '         Anyone could have written or changed it; the report says so on its cover.',
    '         Judge only signed evidence: pass --evidence-key with the collector\'s public key.',
  ];
}

// One line for the report and OSCAL remarks.
export function describeInputEvidence(evidence: InputEvidence): string {
  if (!evidence.verified) return 'NOT verified: the evidence folder was unsigned and was judged without a signature check';
  const key = evidence.keyFingerprint ?? 'unknown key';
  return evidence.keySource === 'pinned' ? `verified with the pinned key ${key}` : `verified with the key inside the evidence folder ${key} (integrity only, origin not proven)`;
}
