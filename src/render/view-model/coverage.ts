import { isClusterTarget } from '../scope-view.ts';
import { type CoverageRow, type ProxyState, type WorkloadMesh, type WorkloadRow, coveragePercent } from '../../inventory/workload-view.ts';
import type { ReportInput } from '../report-input.ts';
import { displayText } from '../text.ts';
import { encodeId } from './anchors.ts';
import { compareText, formatCount, plural } from './format.ts';
import { COVER_LIMITS, SUMMARY_COVERAGE_TARGETS } from './limits.ts';
import type { SectionNumbers } from './types.ts';

export interface MeshCoverageLineView {
  target: string;
  // "3 of 6 workloads meshed (50.0%)", or "no workloads in scope".
  text: string;
  cssClass: string;
  bar: string;
  hasBar: boolean;
}

export interface MeshCoverageSummaryView {
  lines: MeshCoverageLineView[];
  hasLines: boolean;
  // "and 4 more targets (section 3)".
  more: string;
  hasMore: boolean;
}

export interface CoverageCellView {
  workloads: string;
  meshed: string;
  unmeshed: string;
  // "50.0%", rounded down to one decimal.
  percent: string;
  // Width of the inline bar, 0–100.
  bar: string;
  cssClass: string;
}

export interface CoverageNamespaceView extends CoverageCellView {
  namespace: string;
}

export interface CoverageTargetView extends CoverageCellView {
  target: string;
  // The target's workload table below.
  anchor: string;
  hasWorkloads: boolean;
  namespaces: CoverageNamespaceView[];
}


// ---- Workloads and mesh coverage ---------------------------------------------------------------

export const MESH_DISPLAY: Record<WorkloadMesh, { label: string; cssClass: string }> = {
  'istio-sidecar': { label: 'Istio sidecar', cssClass: '' },
  'istio-ambient': { label: 'Istio ambient', cssClass: '' },
  linkerd: { label: 'Linkerd', cssClass: '' },
  consul: { label: 'Consul', cssClass: '' },
  none: { label: 'None', cssClass: 'status-text st-bad' },
};

export const PROXY_DISPLAY: Record<ProxyState, { label: string; cssClass: string; title: string }> = {
  running: { label: 'Running', cssClass: 'st-ok', title: 'observed in running pods' },
  predicted: { label: 'Predicted', cssClass: 'st-na', title: 'predicted from the manifests; no running pods in the evidence' },
  missing: { label: 'Missing', cssClass: 'st-bad', title: 'no mesh proxy' },
};

// How one port's effective mTLS reads: required (STRICT, strict, "mTLS required…", nothing
// admitted), weak (plaintext accepted: PERMISSIVE, permissive, DISABLE, plaintext, "plaintext
// allowed") or unknown (anything else, including wording this renderer does not recognise).
export type MtlsStrength = 'ok' | 'weak' | 'unknown';

export function mtlsStrength(mtls: string): MtlsStrength {
  const m = mtls.trim().toLowerCase();
  if (/^(permissive|disable)\b/.test(m) || m.startsWith('plaintext') || m.includes('plaintext allowed')) return 'weak';
  if (/^(strict\b|mtls required|nothing admitted)/.test(m)) return 'ok';
  return 'unknown';
}

// Meshed, with a proxy (running or predicted), and every port requires mutual TLS.
export function fullyProtected(row: WorkloadRow): boolean {
  return row.mesh !== 'none' && row.proxy !== 'missing' && row.ports.length > 0 && row.ports.every((p) => mtlsStrength(p.mtls) === 'ok');
}

// 66.66… → "66.6%": rounded down to one decimal, like the coverage rows, never up to 100.
export function formatCoverage(percent: number): string {
  if (!Number.isFinite(percent)) return '–';
  return `${coverageValue(percent).toFixed(1)}%`;
}

export function coverageValue(percent: number): number {
  if (!Number.isFinite(percent)) return 0;
  return Math.min(100, Math.max(0, Math.floor(percent * 10 + 1e-6) / 10));
}

export function coverageClass(meshed: number, workloads: number): string {
  if (workloads <= 0) return 'st-na';
  return meshed >= workloads ? 'st-ok' : 'st-bad';
}

export function coverageCell(c: { workloads: number; meshed: number; percent: number }): CoverageCellView {
  return {
    workloads: formatCount(c.workloads),
    meshed: formatCount(c.meshed),
    unmeshed: formatCount(Math.max(0, c.workloads - c.meshed)),
    percent: c.workloads > 0 ? formatCoverage(c.percent) : '–',
    bar: String(c.workloads > 0 ? coverageValue(c.percent) : 0),
    cssClass: coverageClass(c.meshed, c.workloads),
  };
}

export function workloadsAnchor(target: string): string {
  return `wl-${encodeId(target)}`;
}

export interface TargetCoverage {
  target: string;
  total: { workloads: number; meshed: number; percent: number } | undefined;
  namespaces: CoverageRow[];
}

// Coverage grouped by target, every target of the run included (a target whose workloads are all
// out of scope has no coverage row). A target without its whole-target row is summed from its
// namespaces.
export function coverageByTarget(input: ReportInput): TargetCoverage[] {
  const names = new Set<string>([...input.targets.filter(isClusterTarget).map((t) => t.name), ...input.coverage.map((c) => c.target), ...input.workloads.map((w) => w.target)]);
  return [...names].sort(compareText).map((target) => {
    const rows = input.coverage.filter((c) => c.target === target);
    const namespaces = rows.filter((c) => c.namespace !== undefined).sort((a, b) => compareText(a.namespace ?? '', b.namespace ?? ''));
    const whole = rows.find((c) => c.namespace === undefined);
    let total: TargetCoverage['total'];
    if (whole !== undefined) total = whole;
    else if (namespaces.length > 0) {
      const workloads = namespaces.reduce((n, c) => n + c.workloads, 0);
      const meshed = namespaces.reduce((n, c) => n + c.meshed, 0);
      total = { workloads, meshed, percent: coveragePercent(meshed, workloads) };
    }
    return { target, total, namespaces };
  });
}

// "prod-eu: 3 of 6 workloads meshed (50.0%)", one per target, at most SUMMARY_COVERAGE_TARGETS
// (the last place then counts the rest).
export function meshCoverageSummary(input: ReportInput, sections: SectionNumbers): MeshCoverageSummaryView {
  const all = coverageByTarget(input);
  const shownCount = all.length > SUMMARY_COVERAGE_TARGETS ? SUMMARY_COVERAGE_TARGETS - 1 : all.length;
  const lines = all.slice(0, shownCount).map(({ target, total }): MeshCoverageLineView => {
    const has = total !== undefined && total.workloads > 0;
    return {
      target: displayText(target, COVER_LIMITS.targetName),
      text: has ? `${formatCount(total.meshed)} of ${plural(total.workloads, 'workload', 'workloads')} meshed (${formatCoverage(total.percent)})` : 'no workloads in scope',
      cssClass: has ? coverageClass(total.meshed, total.workloads) : 'st-na',
      bar: String(has ? coverageValue(total.percent) : 0),
      hasBar: has,
    };
  });
  const more = all.length - lines.length;
  return {
    lines,
    hasLines: lines.length > 0,
    more: more > 0 ? `and ${plural(more, 'more target', 'more targets')} (section ${sections.workloads})` : '',
    hasMore: more > 0,
  };
}

// Target, namespace, kind, name; then the whole row, so the order never depends on the input's.
export function compareWorkloads(a: WorkloadRow, b: WorkloadRow): number {
  return (
    compareText(a.target, b.target) ||
    compareText(a.namespace, b.namespace) ||
    compareText(a.kind, b.kind) ||
    compareText(a.name, b.name) ||
    compareText(JSON.stringify(a), JSON.stringify(b))
  );
}
