import { evidenceGapCount } from '../../scope/evidence-gaps.ts';
import { describeInputEvidence } from '../../pipeline/input-evidence.ts';
import { CHECK_STATUSES, type CheckStatus, SEVERITIES, type Severity } from '../../checks/types.ts';
import { CONTROL_STATUSES, type ControlOutcome, type ControlStatus, FRAMEWORK_LABELS, type FrameworkId } from '../../controls/types.ts';
import type { ReportInput, ReportedResult } from '../report-input.ts';
import { CHECK_STATUS_DISPLAY, CONTROL_STATUS_DISPLAY } from '../status-display.ts';
import { displayText, truncateWords } from '../text.ts';
import { checkAnchor } from './anchors.ts';
import { compareText, countBy, message, counted, formatCell, formatCount, formatDuration, formatPercent, formatTimestamp, name, plural, severityRank } from './format.ts';
import { CHECK_STATUS_ORDER, COVER_LIMITS, EPHEMERAL_NOTICE, LIMITS, SEVERITY_LABELS, SEVERITY_SHORT, TOP_FAILING_CHECKS } from './limits.ts';
import type { LinkContext } from './links.ts';
import { selectedFrameworks } from './sections.ts';
import type { RunView, StatusCountView, TotalsView } from './types.ts';

export interface DonutSegment {
  cssClass: string;
  dash: string;
  offset: string;
}

export interface MatrixRow {
  label: string;
  cssClass: string;
  cells: string[];
  total: string;
}

export interface TopFailingCheck {
  id: string;
  anchor: string;
  found: boolean;
  title: string;
  severity: string;
  severityClass: string;
  failures: string;
}

export interface FrameworkSummary {
  headline: string;
  satisfiedPct: string;
  total: string;
  statuses: StatusCountView[];
  donut: DonutSegment[];
  severities: string[];
  matrix: MatrixRow[];
  matrixTotals: string[];
  matrixTotal: string;
  hasResults: boolean;
  topFailing: TopFailingCheck[];
  hasTopFailing: boolean;
  moreFailing: string;
  hasMoreFailing: boolean;
}


export function runView(input: ReportInput): RunView {
  const { run } = input;
  return {
    id: name(run.id),
    generatedAt: formatTimestamp(run.finishedAt),
    startedAt: formatTimestamp(run.startedAt),
    duration: formatDuration(run.startedAt, run.finishedAt),
    tool: `${name(run.tool.name)} ${name(run.tool.version)}`,
    operator: name(run.operator),
    command: displayText(run.command, LIMITS.command),
    coverId: displayText(run.id, COVER_LIMITS.id),
    coverOperator: displayText(run.operator, COVER_LIMITS.operator),
    coverCommand: displayText(run.command, COVER_LIMITS.command),
    targets: targetsLine(input),
    frameworks: selectedFrameworks(input)
      .map((fw) => FRAMEWORK_LABELS[fw])
      .join(', '),
    selection: (run.selection ?? []).map((l) => displayText(l, LIMITS.command)),
    signing: {
      algorithm: name(run.signing.algorithm),
      keyFingerprint: name(run.signing.keyFingerprint),
      ephemeral: run.signing.ephemeral,
      notice: run.signing.ephemeral ? EPHEMERAL_NOTICE : '',
    },
    ...(run.inputEvidence ? { inputEvidence: { verified: run.inputEvidence.verified, text: message(describeInputEvidence(run.inputEvidence)) } } : {}),
  };
}

export function targetsLine(input: ReportInput): string {
  const names = input.targets.map((t) => displayText(t.name, COVER_LIMITS.targetName)).sort(compareText);
  if (names.length === 0) return 'none';
  const shown: string[] = [];
  for (const n of names) {
    if (shown.length > 0 && [...shown, n].join(', ').length > COVER_LIMITS.targetsText) break;
    shown.push(n);
  }
  const more = names.length - shown.length;
  return `${formatCount(names.length)} (${shown.join(', ')}${more > 0 ? ` and ${formatCount(more)} more` : ''})`;
}

export function totalsView(input: ReportInput, results: ReportedResult[]): TotalsView {
  const byStatus = countBy(results, (r) => r.status);
  return {
    items: [
      counted(input.targets.length, 'target', 'targets'),
      counted(input.checks.length, 'check', 'checks'),
      counted(results.length, 'result', 'results'),
      counted(input.controls.length, 'control', 'controls'),
      counted(input.evidence.length, 'evidence record', 'evidence records'),
      // Unreadable inputs plus results in error that no such input explains, as the CLI counts them.
      counted(evidenceGapCount(input.results, input.gaps).total, 'evidence gap', 'evidence gaps'),
    ],
    results: formatCount(results.length),
    evidence: formatCount(input.evidence.length),
    redactions: formatCount(input.evidence.reduce((n, e) => n + e.redactions.length, 0)),
    resultsByStatus: CHECK_STATUS_ORDER.map((s) => ({
      ...CHECK_STATUS_DISPLAY[s],
      count: formatCount(byStatus.get(s) ?? 0),
      pct: formatPercent(byStatus.get(s) ?? 0, results.length),
    })),
  };
}


// What each framework counts its entries as, in the page-1 coverage line.
const ENTRY_NOUNS: Record<FrameworkId, [string, string]> = {
  soc2: ['criterion', 'criteria'],
  hipaa: ['standard or specification', 'standards and specifications'],
  'pci-dss-4': ['requirement', 'requirements'],
};

// One line per framework, on page 1: "PCI DSS v4.0.1: 300 requirements; 120 with automated
// evidence: 10 satisfied, 5 not satisfied, 30 insufficient; 180 need attestation, 3 attested." The
// whole catalog is counted, so the line never reads a subset as the framework.
export function coverageLine(controls: readonly ControlOutcome[]): string {
  const fw = controls[0]?.framework;
  if (fw === undefined) return 'No controls in this run.';
  const n = (p: (c: ControlOutcome) => boolean): number => controls.filter(p).length;
  const [one, many] = ENTRY_NOUNS[fw];
  const automated = n((c) => c.evidence !== 'manual');
  const satisfied = n((c) => c.status === 'satisfied');
  const waived = n((c) => c.status === 'satisfied' && c.counts.waived > 0);
  const attested = n((c) => c.attestation !== undefined && (c.status === 'manual' || c.status === 'satisfied'));
  const needAttestation = n((c) => c.status === 'manual' && c.attestation === undefined);
  const na = n((c) => c.status === 'not_applicable');
  return (
    `${FRAMEWORK_LABELS[fw]}: ${plural(controls.length, one, many)}; ${formatCount(automated)} with automated evidence: ` +
    `${formatCount(satisfied)} satisfied${waived > 0 ? ` (${formatCount(waived)} with waived results)` : ''}, ` +
    `${formatCount(n((c) => c.status === 'not_satisfied'))} not satisfied, ${formatCount(n((c) => c.status === 'insufficient_evidence'))} insufficient; ` +
    `${formatCount(needAttestation)} need attestation, ${formatCount(attested)} attested` +
    `${na > 0 ? `; ${formatCount(na)} not applicable` : ''}.`
  );
}

export function frameworkSummary(controls: ControlOutcome[], results: ReportedResult[], links: LinkContext): FrameworkSummary {
  const byStatus = countBy(controls, (c) => c.status);
  const count = (s: ControlStatus): number => byStatus.get(s) ?? 0;
  const total = controls.length;
  const applicable = total - count('not_applicable');
  const satisfied = count('satisfied');
  const satisfiedPct = formatPercent(satisfied, applicable);
  const headline = coverageLine(controls);

  const statuses = CONTROL_STATUSES.map((s) => ({
    ...CONTROL_STATUS_DISPLAY[s],
    count: formatCount(count(s)),
    pct: formatPercent(count(s), total),
  }));

  const matrixCounts = new Map<string, number>();
  for (const r of results) {
    const key = `${r.status}|${r.severity}`;
    matrixCounts.set(key, (matrixCounts.get(key) ?? 0) + 1);
  }
  const cell = (s: CheckStatus, sev: Severity): number => matrixCounts.get(`${s}|${sev}`) ?? 0;
  const matrix = CHECK_STATUS_ORDER.map((s) => ({
    ...CHECK_STATUS_DISPLAY[s],
    cells: SEVERITIES.map((sev) => formatCell(cell(s, sev))),
    total: formatCell(SEVERITIES.reduce((n, sev) => n + cell(s, sev), 0)),
  }));
  const matrixTotals = SEVERITIES.map((sev) => formatCell(CHECK_STATUSES.reduce((n, s) => n + cell(s, sev), 0)));

  const failures = countBy(
    results.filter((r) => r.status === 'fail'),
    (r) => r.check,
  );
  const ranked = [...failures.entries()]
    .map(([id, n]) => ({ id, n, severity: worstSeverity(results, id) }))
    // Severity first: one critical failure (an expired root CA) outranks many medium ones.
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || b.n - a.n || compareText(a.id, b.id));
  const moreFailing = ranked.length - TOP_FAILING_CHECKS;
  const topFailing = ranked
    .slice(0, TOP_FAILING_CHECKS)
    .map(({ id, n, severity }) => {
      const meta = links.checkMeta.get(id);
      return {
        id: name(id),
        anchor: checkAnchor(id),
        found: meta !== undefined,
        title: meta === undefined ? '' : truncateWords(displayText(meta.title, 1_000), COVER_LIMITS.checkTitle),
        severity: SEVERITY_LABELS[severity],
        severityClass: `sev-${severity}`,
        failures: formatCount(n),
      };
    });

  return {
    headline,
    satisfiedPct,
    total: formatCount(total),
    statuses,
    // The ring shows the applicable controls, the same base as the percentage in its centre.
    donut: donutSegments(
      CONTROL_STATUSES.filter((s) => s !== 'not_applicable').map((s) => ({ cssClass: CONTROL_STATUS_DISPLAY[s].cssClass, n: count(s) })),
      applicable,
    ),
    severities: SEVERITIES.map((s) => SEVERITY_SHORT[s]),
    matrix,
    matrixTotals,
    matrixTotal: formatCell(results.length),
    hasResults: results.length > 0,
    topFailing,
    hasTopFailing: topFailing.length > 0,
    moreFailing: moreFailing > 0 ? `and ${plural(moreFailing, 'more failing check', 'more failing checks')}` : '',
    hasMoreFailing: moreFailing > 0,
  };
}

// Ring segments for an SVG circle whose circumference is 100 (r = 15.9155), starting at 12 o'clock.
export function donutSegments(parts: { cssClass: string; n: number }[], total: number): DonutSegment[] {
  if (total <= 0) return [];
  const segments: DonutSegment[] = [];
  let start = 0;
  for (const { cssClass, n } of parts) {
    if (n <= 0) continue;
    const length = (n / total) * 100;
    segments.push({ cssClass, dash: `${round3(length)} ${round3(100 - length)}`, offset: `${round3(25 - start)}` });
    start += length;
  }
  return segments;
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function worstSeverity(results: ReportedResult[], check: string): Severity {
  let worst: Severity = 'info';
  for (const r of results) {
    if (r.check === check && r.status === 'fail' && severityRank(r.severity) < severityRank(worst)) worst = r.severity;
  }
  return worst;
}
