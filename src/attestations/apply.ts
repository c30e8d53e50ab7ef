import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { controlRef } from '../controls/roll-up.ts';
import type { ControlAttestation, ControlOutcome } from '../controls/types.ts';
import { BundleError } from '../shared/errors.ts';
import { sha256File } from './load.ts';
import type { AttestationOutcome, AttestationRule, AttestationState } from './types.ts';

export function attestationState(rule: Pick<AttestationRule, 'attestedAtInstant' | 'validUntilInstant'>, now: Date): AttestationState {
  if (now.getTime() >= rule.validUntilInstant.getTime()) return 'expired';
  if (now.getTime() < rule.attestedAtInstant.getTime()) return 'not_yet_valid';
  return 'applied';
}

// Attaches each attestation valid at `now` (the run's injected clock) to its partial or manual
// control. A manual control stays `manual` and reads as attested; a partial control whose automated
// part passed becomes `satisfied`; an attestation never overrides a failure or an evidence gap. An
// expired or future attestation leaves the control as it was and is reported as such. Attestations
// of controls not in this run (framework not selected) are left out.
export function applyAttestations(
  controls: readonly ControlOutcome[],
  rules: readonly AttestationRule[],
  now: Date,
): { controls: ControlOutcome[]; outcomes: AttestationOutcome[] } {
  const byControl = new Map(rules.map((r) => [controlRef(r.framework, r.control), r]));
  const outcomes: AttestationOutcome[] = [];
  const out = controls.map((c): ControlOutcome => {
    const rule = byControl.get(controlRef(c.framework, c.id));
    if (!rule) return c;
    const state = attestationState(rule, now);
    const attestation: ControlAttestation = {
      statement: rule.statement,
      attestedBy: rule.attestedBy,
      attestedAt: rule.attestedAt,
      validUntil: rule.validUntil,
      attachments: rule.attachments.map(({ path: p, sha256, size }) => ({ path: p, sha256, size })),
    };
    outcomes.push({ framework: c.framework, control: c.id, state, source: `${rule.file}:${rule.line}`, ...attestation });
    // Only partial and manual controls can be attested; the loader refuses the rest, this guards it.
    if (c.evidence === 'automated' || c.status === 'not_applicable') return c;
    const by = `${rule.attestedBy} on ${rule.attestedAt}, valid until ${rule.validUntil}`;
    if (state !== 'applied') {
      const why = state === 'expired' ? `its attestation by ${rule.attestedBy} expired (valid until ${rule.validUntil})` : `its attestation by ${rule.attestedBy} is dated ${rule.attestedAt}, after this run`;
      return c.status === 'manual' ? { ...c, reason: `${c.reason} Not attested: ${why}.` } : c;
    }
    if (c.status !== 'manual') {
      // A failure or missing evidence stands: the attestation is shown, never counted.
      return { ...c, attestation, reason: `${c.reason} An attestation by ${by} is on file, but it does not override the automated results.` };
    }
    if (c.automatedPassed) {
      const passed = c.resultIds.length;
      return {
        ...c,
        status: 'satisfied',
        attestation,
        reason: `Satisfied: the automated part passed (${passed} deciding ${passed === 1 ? 'result' : 'results'} passed or waived) and the rest is attested by ${by}.`,
      };
    }
    return { ...c, attestation, reason: `Attested by ${by}.` };
  });
  return { controls: out, outcomes };
}

// Copies the attachments of the reported attestations into the bundle (under attestations/), so
// the manifest hashes them; a file that changed since it was loaded fails the run.
export async function copyAttachments(work: string, rules: readonly AttestationRule[], outcomes: readonly AttestationOutcome[]): Promise<string[]> {
  const reported = new Set(outcomes.map((o) => controlRef(o.framework, o.control)));
  const written: string[] = [];
  for (const rule of rules) {
    if (!reported.has(controlRef(rule.framework, rule.control))) continue;
    for (const a of rule.attachments) {
      const dest = path.join(work, ...a.path.split('/'));
      await mkdir(path.dirname(dest), { recursive: true });
      await copyFile(a.file, dest);
      const copied = await sha256File(dest);
      if (copied.sha256 !== a.sha256) {
        throw new BundleError('FILE_CHANGED', `Attestation attachment ${a.file} changed while the run was in progress; run again`);
      }
      written.push(a.path);
    }
  }
  return written;
}
