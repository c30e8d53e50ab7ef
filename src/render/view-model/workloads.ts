import type { WorkloadRow } from '../../inventory/workload-view.ts';
import type { ReportInput } from '../report-input.ts';
import { displayText } from '../text.ts';
import { type CoverageTargetView, MESH_DISPLAY, PROXY_DISPLAY, compareWorkloads, coverageByTarget, coverageCell, formatCoverage, fullyProtected, mtlsStrength, workloadsAnchor } from './coverage.ts';
import { compareText, countBy, formatCount, name, plural } from './format.ts';
import { LARGE_ESTATE_SHOWN, LARGE_ESTATE_WORKLOADS, WORKLOADS_CSV_FILE, WORKLOAD_LIMITS } from './limits.ts';
import { type LinkContext, type LinkView, evidenceLink } from './links.ts';

export interface PortMtlsView {
  // "8080 STRICT", "all ports PERMISSIVE".
  text: string;
  // mtls-ok (mutual TLS required), mtls-weak (plaintext accepted) or mtls-unknown.
  cssClass: string;
  // Short enough to keep on one line ("8443 STRICT"); longer wording wraps.
  short: boolean;
}

export interface WorkloadRowView {
  namespace: string;
  kind: string;
  name: string;
  mesh: string;
  meshClass: string;
  proxy: string;
  proxyClass: string;
  proxyTitle: string;
  ports: PortMtlsView[];
  morePorts: string;
  hasMorePorts: boolean;
  // The mesh's inbound default, and the NetworkPolicy part on its own line when there is one.
  inbound: string;
  inboundNetpol: string;
  hasInboundNetpol: boolean;
  // Callers joined with " · ", bounded, with "+N more".
  callers: string;
  notes: string;
  hasNotes: boolean;
  evidence: LinkView[];
  hasEvidence: boolean;
  moreEvidence: string;
  hasMoreEvidence: boolean;
  // Meshed, with a proxy, and every port requires mutual TLS.
  fullyProtected: boolean;
}

export interface WorkloadTableView {
  target: string;
  anchor: string;
  // "4 workloads in scope, 3 meshed (75.0%) · 2 in namespaces not judged (not listed)".
  counts: string;
  rows: WorkloadRowView[];
  hasRows: boolean;
  emptyText: string;
}

export interface WorkloadsView {
  intro: string;
  coverage: CoverageTargetView[];
  hasCoverage: boolean;
  tables: WorkloadTableView[];
  hasTables: boolean;
  // Workloads in namespaces that are not judged: counted, not listed.
  outOfScopeNote: string;
  hasOutOfScope: boolean;
  large: boolean;
  largeNote: string;
  csvFile: string;
}


export function workloadsView(input: ReportInput, links: LinkContext): WorkloadsView {
  const coverage = coverageByTarget(input);
  const rows = [...input.workloads].sort(compareWorkloads);
  const inScope = rows.filter((r) => r.inScope);
  const outOfScope = rows.length - inScope.length;
  const large = inScope.length > LARGE_ESTATE_WORKLOADS;
  const unprotected = large ? inScope.filter((r) => !fullyProtected(r)) : [];
  const listed = large ? unprotected.slice(0, LARGE_ESTATE_SHOWN) : inScope;

  const byTarget = new Map<string, WorkloadRow[]>();
  for (const r of listed) byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), r]);
  const outByTarget = countBy(
    rows.filter((r) => !r.inScope),
    (r) => r.target,
  );
  const unprotectedByTarget = countBy(unprotected, (r) => r.target);

  const coverageViews: CoverageTargetView[] = coverage.map(({ target, total, namespaces }) => ({
    target: name(target),
    anchor: workloadsAnchor(target),
    hasWorkloads: total !== undefined && total.workloads > 0,
    ...coverageCell(total ?? { workloads: 0, meshed: 0, percent: 0 }),
    namespaces: namespaces.map((c) => ({ namespace: name(c.namespace ?? ''), ...coverageCell(c) })),
  }));

  const tables: WorkloadTableView[] = coverage.map(({ target, total }) => {
    const list = byTarget.get(target) ?? [];
    const out = outByTarget.get(target) ?? 0;
    const parts = [
      total !== undefined && total.workloads > 0
        ? `${plural(total.workloads, 'workload', 'workloads')} in scope, ${formatCount(total.meshed)} meshed (${formatCoverage(total.percent)})`
        : 'no workloads in scope',
    ];
    if (large) parts.push(`${formatCount(list.length)} not fully protected listed`);
    if (out > 0) parts.push(`${formatCount(out)} in namespaces not judged (not listed)`);
    return {
      target: name(target),
      anchor: workloadsAnchor(target),
      counts: parts.join(' · '),
      rows: list.map((r) => workloadRowView(r, links)),
      hasRows: list.length > 0,
      emptyText: !large || total === undefined || total.workloads === 0
        ? 'No workloads in scope on this target.'
        : (unprotectedByTarget.get(target) ?? 0) === 0
          ? 'Every workload in scope on this target is fully protected.'
          : `This target's workloads that are not fully protected come after the first ${formatCount(listed.length)} listed; ${WORKLOADS_CSV_FILE} lists them.`,
    };
  });

  return {
    intro:
      'One row per workload in a judged namespace, whatever its mesh: the mesh and whether its proxy is running (seen in running pods), ' +
      'predicted (from the manifests only) or missing; the effective mTLS mode of each application port; what inbound traffic is allowed ' +
      'by default; and who may call it under the policies in effect. A workload is meshed when a mesh proxy is running or predicted. ' +
      `Modes that accept plaintext (PERMISSIVE, DISABLE, plaintext) are highlighted. Each row links to the evidence it rests on; ${WORKLOADS_CSV_FILE} in the bundle lists every workload with its full values.`,
    coverage: coverageViews,
    hasCoverage: coverageViews.length > 0,
    tables,
    hasTables: tables.length > 0,
    outOfScopeNote:
      outOfScope > 0
        ? `${plural(outOfScope, 'workload', 'workloads')} in namespaces that are not judged (system namespaces and the Istio root namespace) ${outOfScope === 1 ? 'is' : 'are'} not listed and not counted in the coverage; ${WORKLOADS_CSV_FILE} lists ${outOfScope === 1 ? 'it' : 'them'} with in_scope false.`
        : '',
    hasOutOfScope: outOfScope > 0,
    large,
    largeNote: large
      ? `This estate has ${plural(inScope.length, 'workload', 'workloads')} in scope, too many to list here. The coverage tables count every one of them; ` +
        (unprotected.length > 0
          ? `the tables below list the first ${formatCount(listed.length)} of the ${plural(unprotected.length, 'workload', 'workloads')} that are not fully protected (no mesh proxy, or a port that accepts plaintext or whose mTLS mode is unknown), in target, namespace and name order. `
          : 'every one of them is fully protected, so none is listed below. ') +
        `${WORKLOADS_CSV_FILE} in the bundle lists every workload with all its fields.`
      : '',
    csvFile: WORKLOADS_CSV_FILE,
  };
}

export function workloadRowView(r: WorkloadRow, links: LinkContext): WorkloadRowView {
  const mesh = MESH_DISPLAY[r.mesh] ?? { label: name(String(r.mesh)), cssClass: '' };
  const proxy = PROXY_DISPLAY[r.proxy] ?? { label: name(String(r.proxy)), cssClass: 'st-na', title: '' };
  const ports = r.ports.slice(0, WORKLOAD_LIMITS.ports).map((p): PortMtlsView => {
    const port = p.port === '*' ? 'all ports' : typeof p.port === 'number' ? String(p.port) : name(String(p.port));
    const text = `${port} ${displayText(p.mtls, WORKLOAD_LIMITS.mtls)}`;
    return { text, cssClass: `mtls-${mtlsStrength(p.mtls)}`, short: text.length <= 16 };
  });
  const morePorts = r.ports.length - ports.length;
  const inbound = splitInbound(r.inboundDefault);
  const evidence = [...new Set(r.evidence)].sort(compareText);
  const shownEvidence = evidence.slice(0, WORKLOAD_LIMITS.evidence);
  const notes = boundedList(r.notes, WORKLOAD_LIMITS.note, WORKLOAD_LIMITS.notes, (n) => `+${plural(n, 'more note', 'more notes')}`);
  return {
    namespace: name(r.namespace),
    kind: name(r.kind),
    name: name(r.name),
    mesh: mesh.label,
    meshClass: mesh.cssClass,
    proxy: proxy.label,
    proxyClass: proxy.cssClass,
    proxyTitle: proxy.title,
    ports,
    morePorts: morePorts > 0 ? `+${plural(morePorts, 'more port', 'more ports')}` : '',
    hasMorePorts: morePorts > 0,
    inbound: displayText(inbound.mesh, WORKLOAD_LIMITS.inbound),
    inboundNetpol: displayText(inbound.netpol, WORKLOAD_LIMITS.inbound),
    hasInboundNetpol: inbound.netpol !== '',
    callers: boundedList(r.callers, WORKLOAD_LIMITS.caller, WORKLOAD_LIMITS.callers, (n) => `+${formatCount(n)} more`, true),
    notes,
    hasNotes: notes !== '',
    evidence: shownEvidence.map((id) => evidenceLink(id, links)),
    hasEvidence: shownEvidence.length > 0,
    moreEvidence: evidence.length > shownEvidence.length ? `+${formatCount(evidence.length - shownEvidence.length)} more in ${WORKLOADS_CSV_FILE}` : '',
    hasMoreEvidence: evidence.length > shownEvidence.length,
    fullyProtected: fullyProtected(r),
  };
}

// "deny (allow-nothing payments/allow-nothing); NetworkPolicy default-deny ingress: yes (…)" →
// the mesh part and the NetworkPolicy part, shown on two lines.
export function splitInbound(value: string): { mesh: string; netpol: string } {
  const at = value.lastIndexOf('; NetworkPolicy ');
  if (at < 0) return { mesh: value, netpol: '' };
  return { mesh: value.slice(0, at), netpol: value.slice(at + 2) };
}

// Items joined with " · ", each cut to `each`, as many as fit in `max` (at least one); the rest are
// counted, with the N of a trailing "+N more" entry when `marked` (caller lists arrive bounded so).
export function boundedList(items: readonly string[], each: number, max: number, moreText: (n: number) => string, marked = false): string {
  let list = [...items];
  let hidden = 0;
  const last = list[list.length - 1];
  const marker = !marked || last === undefined ? null : /^\+(\d+) more$/.exec(last);
  if (marker !== null) {
    hidden += Number(marker[1]);
    list = list.slice(0, -1);
  }
  const shown: string[] = [];
  let length = 0;
  for (const item of list) {
    const text = displayText(item, each);
    const next = length + (shown.length > 0 ? 3 : 0) + text.length;
    if (shown.length > 0 && next > max) break;
    shown.push(text);
    length = next;
  }
  hidden += list.length - shown.length;
  const joined = shown.join(' · ');
  return hidden > 0 ? `${joined}${joined === '' ? '' : ' · '}${moreText(hidden)}` : joined;
}
