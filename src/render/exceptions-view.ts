import type { AttestationOutcome, AttestationState } from '../attestations/types.ts';
import type { ControlOutcome, FrameworkId } from '../controls/types.ts';
import type { WaiverRef } from '../checks/types.ts';
import type { ExceptionOutcome, ExceptionState } from '../exceptions/types.ts';
import type { ReportInput } from './report-input.ts';
import { displayText } from './text.ts';

// Section "Exceptions and attestations" (a subsection of Controls) and the short texts that name
// an exception on a waived result and an attestation on a control. Display-ready and bounded.

const LIMIT = { id: 64, text: 200, justification: 600, statement: 1_000, path: 200 } as const;

export interface ExceptionRowView {
  id: string;
  state: string;
  stateClass: string;
  check: string;
  checkAnchor: string;
  selector: string;
  justification: string;
  approver: string;
  ticket: string;
  expires: string;
  effect: string;
  source: string;
}

export interface AttachmentView {
  path: string;
  sha256: string;
  size: string;
}

export interface AttestationRowView {
  control: string;
  controlAnchor: string;
  state: string;
  stateClass: string;
  statement: string;
  attestedBy: string;
  attestedAt: string;
  validUntil: string;
  attachments: AttachmentView[];
  hasAttachments: boolean;
  source: string;
}

export interface ExceptionsSectionView {
  number: string;
  anchor: string;
  intro: string;
  applied: ExceptionRowView[];
  hasApplied: boolean;
  expired: ExceptionRowView[];
  hasExpired: boolean;
  stale: ExceptionRowView[];
  hasStale: boolean;
  exceptionsNote: string;
  attestations: AttestationRowView[];
  hasAttestations: boolean;
  attestationsNote: string;
}

export const EXCEPTIONS_ANCHOR = 'exceptions';

const EXCEPTION_STATE: Record<ExceptionState, { label: string; cssClass: string }> = {
  applied: { label: 'Applied', cssClass: 'st-waived' },
  expired: { label: 'Expired', cssClass: 'st-bad' },
  stale: { label: 'Stale', cssClass: 'st-na' },
};

const ATTESTATION_STATE: Record<AttestationState, { label: string; cssClass: string }> = {
  applied: { label: 'Attested', cssClass: 'st-attested' },
  expired: { label: 'Expired', cssClass: 'st-bad' },
  not_yet_valid: { label: 'Not yet valid', cssClass: 'st-warn' },
};

const FRAMEWORK_SHORT: Record<FrameworkId, string> = { soc2: 'SOC 2', hipaa: 'HIPAA', 'pci-dss-4': 'PCI DSS' };

const t = (value: string, max: number = LIMIT.text): string => displayText(value, max);

// "EX-7 · ticket SEC-123 · approved by Jane Roe · expires 2026-03-31"
export function waiverText(w: WaiverRef): string {
  return [t(w.id, LIMIT.id), w.ticket ? `ticket ${t(w.ticket)}` : '', `approved by ${t(w.approver)}`, `expires ${t(w.expires, LIMIT.id)}`].filter(Boolean).join(' · ');
}

// "Attested by Jane Roe on 2025-11-03, valid until 2026-11-03 (2 attachments)"
export function attestationText(c: ControlOutcome): string {
  const a = c.attestation;
  if (!a) return '';
  const n = a.attachments.length;
  return `Attested by ${t(a.attestedBy)} on ${t(a.attestedAt, LIMIT.id)}, valid until ${t(a.validUntil, LIMIT.id)}${n > 0 ? ` (${n} ${n === 1 ? 'attachment' : 'attachments'})` : ''}.`;
}

export function exceptionsSection(
  input: ReportInput,
  number: string,
  anchors: { check: (id: string) => string; control: (fw: FrameworkId, id: string) => string },
): ExceptionsSectionView {
  const rows = (input.exceptions ?? []).map((e) => exceptionRow(e, anchors.check));
  const of = (s: ExceptionState): ExceptionRowView[] => rows.filter((_r, i) => input.exceptions?.[i]?.state === s);
  const applied = of('applied');
  const expired = of('expired');
  const stale = of('stale');
  const waived = (input.exceptions ?? []).reduce((n, e) => n + e.waived, 0);
  const attestations = [...(input.attestations ?? [])]
    .sort((a, b) => a.framework.localeCompare(b.framework) || a.control.localeCompare(b.control))
    .map((a) => attestationRow(a, anchors.control));
  const attestedCount = (input.attestations ?? []).filter((a) => a.state === 'applied').length;
  return {
    number,
    anchor: EXCEPTIONS_ANCHOR,
    intro:
      'A waived result is a failure whose risk an approver accepted in exceptions.yaml until a set date; it is shown and counted as waived, never as a pass, ' +
      'and an error (missing evidence) is never waived. An attestation is a person’s statement, with attachments, for a control no automated check covers; ' +
      'its attachments are in the bundle under attestations/ and hashed in manifest.json.',
    applied,
    hasApplied: applied.length > 0,
    expired,
    hasExpired: expired.length > 0,
    stale,
    hasStale: stale.length > 0,
    exceptionsNote:
      input.exceptions === undefined
        ? 'No exceptions file was given for this run: no result is waived.'
        : `${count(input.exceptions.length, 'exception')} in the file: ${applied.length} applied (${count(waived, 'result')} waived), ${expired.length} expired, ${stale.length} stale.`,
    attestations,
    hasAttestations: attestations.length > 0,
    attestationsNote:
      input.attestations === undefined
        ? 'No attestations file was given for this run: every manual control still needs an attestation.'
        : `${count(input.attestations.length, 'attestation')} for controls in this report: ${attestedCount} in force.`,
  };
}

function count(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : `${noun}s`}`;
}

function exceptionRow(e: ExceptionOutcome, checkAnchor: (id: string) => string): ExceptionRowView {
  const s = e.selector;
  const selector = [s.target !== undefined ? `target ${s.target}` : '', s.namespace !== undefined ? `namespace ${s.namespace}` : '', s.kind !== undefined ? `kind ${s.kind}` : '', s.name !== undefined ? `name ${s.name}` : '']
    .filter(Boolean)
    .join(' · ');
  return {
    id: t(e.id, LIMIT.id),
    state: EXCEPTION_STATE[e.state].label,
    stateClass: EXCEPTION_STATE[e.state].cssClass,
    check: t(e.check, LIMIT.id),
    checkAnchor: checkAnchor(e.check),
    selector: t(selector),
    justification: t(e.justification, LIMIT.justification),
    approver: t(e.approver),
    ticket: t(e.ticket ?? '—'),
    expires: t(e.expires, LIMIT.id),
    effect: t(e.note),
    source: t(e.source),
  };
}

function attestationRow(a: AttestationOutcome, controlAnchor: (fw: FrameworkId, id: string) => string): AttestationRowView {
  return {
    control: `${FRAMEWORK_SHORT[a.framework]} ${t(a.control, LIMIT.id)}`,
    controlAnchor: controlAnchor(a.framework, a.control),
    state: ATTESTATION_STATE[a.state].label,
    stateClass: ATTESTATION_STATE[a.state].cssClass,
    statement: t(a.statement, LIMIT.statement),
    attestedBy: t(a.attestedBy),
    attestedAt: t(a.attestedAt, LIMIT.id),
    validUntil: t(a.validUntil, LIMIT.id),
    attachments: a.attachments.map((f) => ({ path: t(f.path, LIMIT.path), sha256: f.sha256, size: `${f.size} bytes` })),
    hasAttachments: a.attachments.length > 0,
    source: t(a.source),
  };
}
