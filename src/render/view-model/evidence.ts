import { snapshotSourceSuffix } from '../provenance-view.ts';
import type { EvidenceRecord } from '../../evidence/types.ts';
import type { ReportInput, ReportedResult } from '../report-input.ts';
import { displayText, truncate } from '../text.ts';
import { evidenceAnchor } from './anchors.ts';
import { compareEvidence, formatCount, formatTimestamp, name, plural, severityRank, statusRank } from './format.ts';
import { CHECK_STATUS_ORDER, EVIDENCE_DETAILED_MAX, EVIDENCE_ID, EVIDENCE_INDEX_FILE, EVIDENCE_LISTED_MAX, LIMITS, NEEDS_ATTENTION, SHA256, TRANSCRIPT_INPUT } from './limits.ts';
import { sourceTypeLabel } from './scope.ts';
import type { ReportView } from './types.ts';

export interface EvidenceView {
  id: string;
  anchor: string;
  target: string;
  kind: string;
  apiVersion: string;
  namespace: string;
  hasNamespace: boolean;
  name: string;
  source: string;
  collectedAt: string;
  sha256: string;
  showSha: boolean;
  rawPath: string;
  hasRawLink: boolean;
  cli: string;
  cliPath: string;
  hasCliLink: boolean;
  transcript: string;
  hasTranscript: boolean;
  transcriptCut: boolean;
  transcriptNote: string;
  redactions: string;
  hasRedactions: boolean;
  usedBy: string;
}

// One line of the evidence appendix's table.
export interface EvidenceRowView {
  id: string;
  anchor: string;
  target: string;
  resource: string;
  source: string;
  rawPath: string;
  hasRawLink: boolean;
  cliPath: string;
  hasCliLink: boolean;
  usedBy: string;
}


export interface EvidenceSelection {
  // Shown in full, in appendix order.
  detailed: EvidenceRecord[];
  // Listed one line each, in appendix order.
  listed: EvidenceRecord[];
  // Ids of both: the records this report can link to.
  shown: Set<string>;
  // Records used by results that need attention (fail, error, waived).
  attention: number;
}

// The records the appendix shows in full are those that failing, errored and waived results rely
// on, the most severe first (at most EVIDENCE_DETAILED_MAX); then the others, one line each (at
// most EVIDENCE_LISTED_MAX). Nothing is dropped silently: the appendix counts what it leaves out.
// The pipeline reads the transcripts of evidenceShownInFull(input) only (src/pipeline/run.ts).
export function evidenceShownInFull(input: ReportInput): EvidenceRecord[] {
  return selectEvidence(input, input.results).detailed;
}

export function selectEvidence(input: ReportInput, results: readonly ReportedResult[]): EvidenceSelection {
  const rank = new Map<string, number>();
  for (const r of results) {
    if (!NEEDS_ATTENTION.has(r.status)) continue;
    const value = severityRank(r.severity) * CHECK_STATUS_ORDER.length + statusRank(r.status);
    for (const id of r.evidence) rank.set(id, Math.min(rank.get(id) ?? Infinity, value));
  }
  const records = [...new Map(input.evidence.map((e) => [e.id, e])).values()];
  const needed = records
    .filter((e) => rank.has(e.id))
    .sort((a, b) => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0) || compareEvidence(a, b));
  const detailed = needed.slice(0, EVIDENCE_DETAILED_MAX).sort(compareEvidence);
  const inDetail = new Set(detailed.map((e) => e.id));
  const listed = records
    .filter((e) => !inDetail.has(e.id))
    .sort(compareEvidence)
    .slice(0, EVIDENCE_LISTED_MAX);
  return { detailed, listed, shown: new Set([...inDetail, ...listed.map((e) => e.id)]), attention: needed.length };
}

export function evidenceSection(
  input: ReportInput,
  results: readonly ReportedResult[],
  selection: EvidenceSelection,
): Pick<ReportView, 'evidence' | 'hasEvidence' | 'evidenceTable' | 'hasEvidenceTable' | 'evidenceIntro' | 'evidenceDetailNote' | 'evidenceTableNote' | 'evidenceUnlisted' | 'hasEvidenceUnlisted'> {
  const usedBy = new Map<string, number>();
  for (const r of results) for (const id of new Set(r.evidence)) usedBy.set(id, (usedBy.get(id) ?? 0) + 1);
  const total = new Set(input.evidence.map((e) => e.id)).size;
  const { detailed, listed, attention } = selection;
  const unlisted = total - detailed.length - listed.length;
  const full =
    attention === 0
      ? 'No failing, errored or waived result relies on evidence, so no record is shown in full.'
      : detailed.length === attention
        ? `${plural(detailed.length, 'record is', 'records are')} shown in full, with the start of ${detailed.length === 1 ? 'its' : 'their'} terminal transcript: ` +
          `the ${detailed.length === 1 ? 'record' : 'records'} that failing, errored and waived results rely on.`
        : `${formatCount(detailed.length)} of the ${plural(attention, 'record', 'records')} that failing, errored and waived results rely on are shown in full, ` +
          `with the start of their terminal transcript: those of the most severe results (at most ${formatCount(EVIDENCE_DETAILED_MAX)}).`;
  const rest =
    listed.length === 0
      ? ''
      : ` The other ${plural(listed.length, 'record is', 'records are')} listed one line each in the table after them${unlisted > 0 ? ` (at most ${formatCount(EVIDENCE_LISTED_MAX)})` : ''}, with links to the raw object and the transcript.`;
  return {
    evidence: detailed.map((e) => evidenceView(e, input.transcripts, usedBy.get(e.id) ?? 0)),
    hasEvidence: detailed.length > 0,
    evidenceTable: listed.map((e) => evidenceRowView(e, usedBy.get(e.id) ?? 0)),
    hasEvidenceTable: listed.length > 0,
    evidenceIntro:
      total === 0
        ? 'This run has no evidence records.'
        : `This run has ${plural(total, 'evidence record', 'evidence records')}: this appendix shows ${formatCount(detailed.length)} in full and lists ${formatCount(listed.length)} more` +
          `${unlisted > 0 ? `; ${formatCount(unlisted)} ${unlisted === 1 ? 'is' : 'are'} not listed here` : ''}. ${full}${rest} ` +
          `The bundle holds every record: ${EVIDENCE_INDEX_FILE} indexes all ${formatCount(total)}, with the raw objects in evidence/raw/ (named by sha256) and the full transcripts in evidence/cli/.`,
    evidenceDetailNote:
      `For each record shown in full, the raw object is in the bundle at the path shown, named by its sha256; the command reproduces it against the live system, ` +
      `and the start of its terminal transcript as recorded is shown below it, without the header lines that repeat the fields above ` +
      `(at most ${LIMITS.transcriptLines} lines or ${formatCount(LIMITS.transcript)} characters; the full transcript is in the file named).`,
    evidenceTableNote: listed.length === 0 ? '' : `${plural(listed.length, 'record', 'records')}, in target, kind, namespace and name order.`,
    evidenceUnlisted:
      unlisted > 0
        ? `${plural(unlisted, 'more record is', 'more records are')} not listed in this report (references to ${unlisted === 1 ? 'it' : 'them'} are shown without a link); ` +
          `${EVIDENCE_INDEX_FILE} in the bundle lists every record, with its raw object and transcript.`
        : '',
    hasEvidenceUnlisted: unlisted > 0,
  };
}

export function evidenceRowView(e: EvidenceRecord, usedBy: number): EvidenceRowView {
  const shaValid = SHA256.test(e.sha256);
  const idValid = EVIDENCE_ID.test(e.id);
  const ns = e.namespace ?? '';
  return {
    id: name(e.id),
    anchor: evidenceAnchor(e.id),
    target: name(e.target),
    resource: name(`${e.kind ?? ''} ${ns === '' ? '' : `${ns}/`}${e.name ?? ''}`.trim()),
    source: name(sourceText(e.source)),
    rawPath: shaValid ? `evidence/raw/${e.sha256}.json` : name(e.path),
    hasRawLink: shaValid,
    cliPath: idValid ? `evidence/cli/${e.id}.txt` : name(e.cliPath),
    hasCliLink: idValid,
    usedBy: formatCount(usedBy),
  };
}

export function evidenceView(e: EvidenceRecord, transcripts: Record<string, string>, usedBy: number): EvidenceView {
  const shaValid = SHA256.test(e.sha256);
  const idValid = EVIDENCE_ID.test(e.id);
  const transcript = Object.hasOwn(transcripts, e.id) ? (transcripts[e.id] ?? '') : '';
  const preview = transcriptPreview(transcript);
  const cliPath = idValid ? `evidence/cli/${e.id}.txt` : name(e.cliPath);
  const sha = shaValid ? `${e.sha256.slice(0, 16)}…` : displayText(e.sha256, 24);
  return {
    id: name(e.id),
    anchor: evidenceAnchor(e.id),
    target: name(e.target),
    kind: name(e.kind ?? ''),
    apiVersion: name(e.apiVersion ?? ''),
    namespace: name(e.namespace ?? ''),
    hasNamespace: (e.namespace ?? '') !== '',
    name: name(e.name ?? ''),
    source: name(sourceText(e.source)),
    collectedAt: formatTimestamp(e.collectedAt),
    sha256: name(e.sha256),
    // The raw object's path names its sha256; a separate line for it only when it is not a valid one.
    showSha: !shaValid,
    // Links are built from validated ids only, never from a path in the input.
    rawPath: shaValid ? `evidence/raw/${e.sha256}.json` : name(e.path),
    hasRawLink: shaValid,
    cli: displayText(e.cli, LIMITS.command),
    cliPath,
    hasCliLink: idValid,
    transcript: preview.text,
    hasTranscript: transcript !== '',
    transcriptCut: preview.cut,
    // The sha256 is the record's (the raw object's): the transcript file is hashed in manifest.json.
    transcriptNote: preview.cut ? `… full output in ${cliPath} (raw object sha256 ${sha})` : '',
    redactions: e.redactions.map((r) => `${r.path} (${r.reason})`).map(name).join(', '),
    hasRedactions: e.redactions.length > 0,
    usedBy: `used by ${plural(usedBy, 'result', 'results')}`,
  };
}

// The header the evidence store writes at the top of each transcript: id, target, time, source and
// sha256, all shown in the record's entry already.
export const TRANSCRIPT_HEADER = /^# (auditpack evidence |source: |sha256: )/;

// The first LIMITS.transcriptLines lines after the header, at most LIMITS.transcript characters
// (cut at a line end when one is close), and whether anything after the header was left out.
export function transcriptPreview(transcript: string): { text: string; cut: boolean } {
  const lines = displayText(transcript, TRANSCRIPT_INPUT, { multiline: true }).trimEnd().split('\n');
  let start = 0;
  while (start < lines.length - 1 && TRANSCRIPT_HEADER.test(lines[start] ?? '')) start += 1;
  const clean = lines.slice(start).join('\n');
  let text = lines.slice(start, start + LIMITS.transcriptLines).join('\n');
  if (text.length > LIMITS.transcript) {
    const lineEnd = text.lastIndexOf('\n', LIMITS.transcript);
    text = lineEnd >= LIMITS.transcript / 2 ? text.slice(0, lineEnd) : truncate(text, LIMITS.transcript);
  }
  return { text, cut: text !== clean };
}

export function sourceText(source: EvidenceRecord['source']): string {
  if (source.file !== undefined) {
    const line = source.line === undefined ? '' : `:${source.line}`;
    const doc = source.document === undefined ? '' : ` (document ${source.document})`;
    return `${source.file}${line}${doc}${snapshotSourceSuffix(source)}`;
  }
  if (source.call !== undefined) return source.call;
  return sourceTypeLabel(source.type);
}
