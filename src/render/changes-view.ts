import type { FrameworkId } from '../controls/types.ts';
import type { ReportHistory, ResultRef, TrendPoint } from '../history/types.ts';
import type { ReportInput } from './report-input.ts';
import { displayText } from './text.ts';
import { CHECK_STATUS_DISPLAY, CONTROL_STATUS_DISPLAY, type StatusDisplay } from './status-display.ts';

// Section "Changes since last run" (after the executive summary, only with an evidence history):
// what changed against the last recorded run, and an inline SVG trend over the last runs. Pure
// SVG built from numbers computed here, so it prints the same in the PDF and needs no script.

export const CHANGES_ANCHOR = 'changes';
// Rows shown per list; `auditpack diff` prints them all.
export const CHANGES_SHOWN = 50;

const LIMIT = { id: 80, name: 160, message: 300, dir: 200 } as const;

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

// Result and control statuses share keys only for not_applicable; the changes list shows results.
const STATUS: Record<string, StatusDisplay> = {
  ...CONTROL_STATUS_DISPLAY,
  ...CHECK_STATUS_DISPLAY,
  absent: { label: 'Not reported', cssClass: 'st-warn' },
};

const FRAMEWORK_LABEL: Record<string, string> = { soc2: 'SOC 2', hipaa: 'HIPAA', 'pci-dss-4': 'PCI DSS v4' };

export interface ChangeRowView {
  check: string;
  checkAnchor: string;
  target: string;
  resource: string;
  severity: string;
  severityClass: string;
  status: string;
  statusClass: string;
  message: string;
  since: string;
}

export interface ChangeListView {
  title: string;
  note: string;
  rows: ChangeRowView[];
  hasRows: boolean;
  showSince: boolean;
  more: string;
  hasMore: boolean;
}

export interface ControlChangeView {
  framework: string;
  id: string;
  anchor: string;
  title: string;
  from: string;
  fromClass: string;
  to: string;
  toClass: string;
}

export interface TrendBarView {
  x: string;
  y: string;
  width: string;
  height: string;
  cssClass: string;
}

export interface TrendRunView {
  title: string;
  bars: TrendBarView[];
  labelX: string;
  labelY: string;
  label: string;
  current: boolean;
  countX: string;
  countY: string;
  count: string;
}

export interface TrendGridView {
  y: string;
  labelY: string;
  label: string;
}

export interface TrendTableRowView {
  date: string;
  runId: string;
  satisfied: string;
  notSatisfied: string;
  insufficient: string;
  pass: string;
  fail: string;
  current: boolean;
}

export interface TrendChartView {
  width: number;
  height: number;
  plotLeft: number;
  plotRight: number;
  baseline: string;
  ariaLabel: string;
  runs: TrendRunView[];
  grid: TrendGridView[];
  table: TrendTableRowView[];
}

export interface ChangesView {
  present: boolean;
  number: string;
  anchor: string;
  intro: string;
  hasPrevious: boolean;
  counts: { label: string; count: string; cssClass: string }[];
  lists: ChangeListView[];
  controlChanges: ControlChangeView[];
  hasControlChanges: boolean;
  controlsMore: string;
  hasControlsMore: boolean;
  trend: TrendChartView;
}

interface Anchors {
  check: (id: string) => string;
  control: (framework: FrameworkId, id: string) => string;
}

export function changesSection(input: ReportInput, number: string, anchors: Anchors): ChangesView {
  const h = input.history;
  if (!h) return emptyView(number);
  const d = h.diff;
  const dir = displayText(h.dir, LIMIT.dir);
  const intro = h.previous
    ? `Compared with the last run recorded in the evidence history (${dir}): ${displayText(h.previous.runId, LIMIT.id)} of ${date(h.previous.startedAt)}. ` +
      `This run's signed manifest names that run's manifest digest, so auditpack verify --history can check that no month was removed or altered.`
    : `This is the first run recorded in the evidence history (${dir}); the next run will be compared with it.`;
  const rows = (refs: readonly ResultRef[], since?: (r: ResultRef) => string): ChangeRowView[] =>
    refs.slice(0, CHANGES_SHOWN).map((r) => rowView(r, anchors, since));
  const list = (title: string, note: string, refs: readonly ResultRef[], since?: (r: ResultRef) => string): ChangeListView => ({
    title,
    note,
    rows: rows(refs, since),
    hasRows: refs.length > 0,
    showSince: since !== undefined,
    more: refs.length > CHANGES_SHOWN ? `… and ${refs.length - CHANGES_SHOWN} more (auditpack diff lists them all).` : '',
    hasMore: refs.length > CHANGES_SHOWN,
  });
  const lists: ChangeListView[] = d
    ? [
        list('New failures', 'Failing now, not failing in the last run.', d.newFailures),
        list('Resolved', 'Failing in the last run, passing (or waived or not applicable) now.', d.resolved),
        list('No longer assessed', 'Failing in the last run, and now errored (evidence missing) or no longer reported: not a fix.', d.notAssessed),
        list(
          'Still failing',
          d.firstSeenSource === 'history' ? 'Failing in both runs; “since” is the first run of the unbroken failing streak in the history.' : 'Failing in both runs.',
          d.stillFailing,
          (r) => date((r as ResultRef & { firstSeen?: string }).firstSeen ?? ''),
        ),
      ]
    : [];
  const controlChanges = (d?.controlChanges ?? []).slice(0, CHANGES_SHOWN).map((c) => ({
    framework: FRAMEWORK_LABEL[c.framework] ?? displayText(c.framework, LIMIT.id),
    id: displayText(c.id, LIMIT.id),
    anchor: anchors.control(c.framework as FrameworkId, c.id),
    title: displayText(c.title, LIMIT.name),
    from: (STATUS[c.from] ?? { label: displayText(c.from, LIMIT.id) }).label,
    fromClass: STATUS[c.from]?.cssClass ?? 'st-na',
    to: (STATUS[c.to] ?? { label: displayText(c.to, LIMIT.id) }).label,
    toClass: STATUS[c.to]?.cssClass ?? 'st-na',
  }));
  const total = d?.controlChanges.length ?? 0;
  return {
    present: true,
    number,
    anchor: CHANGES_ANCHOR,
    intro,
    hasPrevious: d !== undefined,
    counts: d
      ? [
          { label: 'new failures', count: String(d.newFailures.length), cssClass: d.newFailures.length > 0 ? 'st-bad' : '' },
          { label: 'resolved', count: String(d.resolved.length), cssClass: d.resolved.length > 0 ? 'st-ok' : '' },
          { label: 'no longer assessed', count: String(d.notAssessed.length), cssClass: d.notAssessed.length > 0 ? 'st-warn' : '' },
          { label: 'still failing', count: String(d.stillFailing.length), cssClass: '' },
          { label: 'control status changes', count: String(total), cssClass: '' },
        ]
      : [],
    lists,
    controlChanges,
    hasControlChanges: total > 0,
    controlsMore: total > CHANGES_SHOWN ? `… and ${total - CHANGES_SHOWN} more (auditpack diff lists them all).` : '',
    hasControlsMore: total > CHANGES_SHOWN,
    trend: trendChart(h),
  };
}

function rowView(r: ResultRef, anchors: Anchors, since?: (r: ResultRef) => string): ChangeRowView {
  const where = [r.resource.namespace, r.resource.name].filter((s) => s !== undefined && s !== '').join('/');
  const severity = SEVERITIES.includes(r.severity) ? r.severity : 'info';
  const status = STATUS[r.status] ?? { label: displayText(r.status, LIMIT.id), cssClass: 'st-na' };
  return {
    check: displayText(r.check, LIMIT.id),
    checkAnchor: anchors.check(r.check),
    target: displayText(r.target, LIMIT.name),
    resource: displayText(`${r.resource.kind} ${where}${r.port ? ` :${r.port}` : ''}`, LIMIT.name),
    severity,
    severityClass: `sev-${severity}`,
    status: status.label,
    statusClass: status.cssClass,
    message: displayText(r.message, LIMIT.message),
    since: since ? since(r) : '',
  };
}

// Stacked bars of control statuses per run (satisfied, insufficient evidence, not satisfied),
// oldest left, this run right.
const CHART = { width: 640, height: 210, left: 40, right: 12, top: 14, bottom: 46, maxBar: 34 } as const;

function trendChart(h: ReportHistory): TrendChartView {
  const points = h.trend;
  const plotW = CHART.width - CHART.left - CHART.right;
  const plotH = CHART.height - CHART.top - CHART.bottom;
  const baseline = CHART.top + plotH;
  const total = (p: TrendPoint): number => p.controls.satisfied + p.controls.insufficient + p.controls.notSatisfied;
  const max = niceMax(Math.max(1, ...points.map(total)));
  const slot = plotW / Math.max(points.length, 1);
  const barW = Math.min(CHART.maxBar, slot * 0.6);
  const runs = points.map((p, i): TrendRunView => {
    const x = CHART.left + slot * i + (slot - barW) / 2;
    let top = baseline;
    const bars: TrendBarView[] = [];
    for (const [n, cssClass] of [
      [p.controls.satisfied, 't-ok'],
      [p.controls.insufficient, 't-warn'],
      [p.controls.notSatisfied, 't-bad'],
    ] as const) {
      if (n <= 0) continue;
      const height = (n / max) * plotH;
      top -= height;
      bars.push({ x: fixed(x), y: fixed(top), width: fixed(barW), height: fixed(height), cssClass });
    }
    const current = i === points.length - 1;
    return {
      title: `${date(p.startedAt)}${current ? ' (this run)' : ''}: ${p.controls.satisfied} satisfied, ${p.controls.insufficient} insufficient evidence, ${p.controls.notSatisfied} not satisfied; results ${p.results.pass} pass, ${p.results.fail} fail`,
      bars,
      labelX: fixed(x + barW / 2),
      labelY: fixed(baseline + 14),
      label: current ? 'this run' : date(p.startedAt),
      current,
      countX: fixed(x + barW / 2),
      countY: fixed(top - 3),
      count: String(total(p)),
    };
  });
  const grid = [0, 0.5, 1].map((f) => {
    const y = baseline - f * plotH;
    return { y: fixed(y), labelY: fixed(y + 3), label: String(Math.round(f * max)) };
  });
  const first = points[0];
  const last = points[points.length - 1];
  return {
    width: CHART.width,
    height: CHART.height,
    plotLeft: CHART.left,
    plotRight: CHART.width - CHART.right,
    baseline: fixed(baseline),
    ariaLabel:
      first && last
        ? `Control statuses over the last ${points.length} run(s), ${date(first.startedAt)} to ${date(last.startedAt)}: this run ${last.controls.satisfied} satisfied, ${last.controls.insufficient} insufficient evidence, ${last.controls.notSatisfied} not satisfied`
        : 'No runs',
    runs,
    grid,
    table: points.map((p, i) => ({
      date: date(p.startedAt),
      runId: displayText(p.runId, LIMIT.id),
      satisfied: String(p.controls.satisfied),
      notSatisfied: String(p.controls.notSatisfied),
      insufficient: String(p.controls.insufficient),
      pass: String(p.results.pass),
      fail: String(p.results.fail),
      current: i === points.length - 1,
    })),
  };
}

function niceMax(n: number): number {
  const step = n <= 10 ? 2 : n <= 50 ? 10 : n <= 200 ? 20 : 100;
  return Math.ceil(n / step) * step;
}

function fixed(n: number): string {
  return (Math.round(n * 100) / 100).toString();
}

function date(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? displayText(iso, LIMIT.id) : new Date(ms).toISOString().slice(0, 10);
}

function emptyView(number: string): ChangesView {
  return {
    present: false,
    number,
    anchor: CHANGES_ANCHOR,
    intro: '',
    hasPrevious: false,
    counts: [],
    lists: [],
    controlChanges: [],
    hasControlChanges: false,
    controlsMore: '',
    hasControlsMore: false,
    trend: { width: CHART.width, height: CHART.height, plotLeft: CHART.left, plotRight: CHART.width - CHART.right, baseline: '0', ariaLabel: '', runs: [], grid: [], table: [] },
  };
}
