import { escapeJsonText } from '../shared/terminal-text.ts';
import type { ReportInput } from './report-input.ts';
import { resultId } from './result-id.ts';

// findings.json: the machine-readable contract of DESIGN.md (schemaVersion 1; fields may be added,
// never renamed). Sorted, so two runs over the same evidence differ only in run metadata.
export function renderFindingsJson(input: ReportInput): string {
  const remediation = new Map(input.checks.map((c) => [c.id, c.remediation]));
  const results = input.results.map((r) => ({
    // Stable across runs for the same check and subject (render/result-id.ts).
    id: resultId(r),
    check: r.check,
    status: r.status,
    severity: r.severity,
    target: r.target,
    resource: r.resource,
    message: r.message,
    messageId: r.messageId,
    data: r.data,
    evidence: r.evidence,
    controls: r.controls,
    remediation: remediation.get(r.check) ?? '',
    ...(r.warning ? { warning: r.warning } : {}),
    ...(r.gaps ? { gaps: r.gaps } : {}),
    ...(r.exception ? { exception: r.exception } : {}),
  }));
  const controls = input.controls.map((c) => ({
    framework: c.framework,
    id: c.id,
    title: c.title,
    status: c.status,
    results: c.results,
    counts: c.counts,
    checks: c.checks,
    reason: c.reason,
    // How the catalog says it can be evidenced, every edge with its strength, rationale, provenance
    // and counts, and the results (ids) the status rests on.
    evidence: c.evidence,
    edges: c.edges,
    resultIds: c.resultIds,
    ...(c.manual ? { attest: c.manual } : {}),
    ...(c.notApplicable ? { notApplicable: c.notApplicable } : {}),
    ...(c.requirement ? { requirement: c.requirement } : {}),
    ...(c.attestation ? { attestation: c.attestation } : {}),
  }));
  const doc = {
    schemaVersion: 1,
    run: {
      id: input.run.id,
      startedAt: input.run.startedAt,
      finishedAt: input.run.finishedAt,
      tool: input.run.tool,
      operator: input.run.operator,
      frameworks: input.run.frameworks,
      targets: input.targets.map((t) => ({ name: t.name, source: t.source, location: t.location })),
    },
    results,
    controls,
    gaps: input.gaps.map((g) => ({
      id: g.id,
      target: g.target,
      reason: g.reason,
      kinds: g.kinds,
      message: g.message,
      ...(g.file ? { file: g.file } : {}),
      ...(g.line ? { line: g.line } : {}),
      ...(g.area ? { area: g.area } : {}),
    })),
    // Every exceptions.yaml entry (applied, expired, stale) and attestations.yaml entry of this run.
    exceptions: input.exceptions ?? [],
    attestations: input.attestations ?? [],
    // Per target: the live cluster's identity or cloud account, or the snapshot files with sha256 and export time.
    ...(input.evidenceSources ? { evidenceSources: input.evidenceSources.map((s) => ({ target: s.target, ...s.provenance })) } : {}),
    // Where a vendor's live mapping and a shipped table (controls/mappings) disagree: both sides, the scopes and results.
    mappingDisagreements: input.mappingDisagreements ?? [],
    // The audit boundary per framework (config `scope`): what counted for it, what was left out and why.
    ...(input.scope ? { scope: input.scope } : {}),
  };
  // C1 and bidi characters stay escaped, so the file cannot drive or deceive a terminal or editor.
  return `${escapeJsonText(JSON.stringify(doc, null, 2))}\n`;
}
