import type { EvidenceGap } from '../../inventory/types.ts';
import type { ReportInput, ReportedResult } from '../report-input.ts';
import { displayText } from '../text.ts';
import { checkAnchor, gapAnchor, resultsAnchor } from './anchors.ts';
import { controlsText } from './controls-text.ts';
import { compareText, countBy, message, name, plural } from './format.ts';
import { GAP_REASON_LABELS, LIMITS, SEVERITY_LABELS } from './limits.ts';
import type { LinkContext, LinkView } from './links.ts';

export interface CheckCatalogueView {
  id: string;
  anchor: string;
  title: string;
  severity: string;
  severityClass: string;
  area: string;
  proves: string;
  rationale: string;
  remediation: string;
  controls: string;
  hasControls: boolean;
  results: string;
  resultsAnchor: string;
}

export interface GapView {
  id: string;
  anchor: string;
  target: string;
  reason: string;
  kinds: string;
  namespace: string;
  message: string;
  location: string;
}

export interface IgnoredView {
  target: string;
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  reason: string;
  evidence: LinkView;
  hasEvidence: boolean;
}


export function catalogueViews(input: ReportInput, results: ReportedResult[], links: LinkContext): CheckCatalogueView[] {
  const controlsByCheck = new Map<string, string[]>();
  for (const c of input.controls) {
    for (const check of c.checks) {
      const list = controlsByCheck.get(check) ?? [];
      list.push(`${c.framework}:${c.id}`);
      controlsByCheck.set(check, list);
    }
  }
  const resultCounts = countBy(results, (r) => r.check);
  return [...input.checks]
    .sort((a, b) => compareText(a.id, b.id))
    .map((c) => {
      const controls = controlsByCheck.get(c.id) ?? [];
      return {
        id: name(c.id),
        anchor: checkAnchor(c.id),
        title: name(c.title),
        severity: SEVERITY_LABELS[c.severity],
        severityClass: `sev-${c.severity}`,
        area: name(c.area),
        proves: displayText(c.proves, LIMITS.catalogText),
        rationale: displayText(c.rationale, LIMITS.catalogText),
        remediation: displayText(c.remediation, LIMITS.catalogText),
        controls: controlsText(controls, links.controlOrder, LIMITS.catalogText),
        hasControls: controls.length > 0,
        results: plural(resultCounts.get(c.id) ?? 0, 'result', 'results'),
        resultsAnchor: resultsAnchor(c.id),
      };
    });
}

export function gapView(g: EvidenceGap): GapView {
  const location = g.file === undefined ? '' : g.line === undefined ? g.file : `${g.file}:${g.line}`;
  return {
    id: name(g.id),
    anchor: gapAnchor(g.id),
    target: name(g.target),
    reason: GAP_REASON_LABELS[g.reason],
    kinds: g.kinds === '*' ? 'any kind' : g.kinds.map(name).join(', '),
    namespace: name(g.namespace ?? ''),
    message: message(g.message),
    location: name(location),
  };
}
