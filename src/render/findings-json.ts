import type { ReportInput } from './report-input.ts';

// findings.json: the machine-readable contract of DESIGN.md (schemaVersion 1; fields may be added,
// never renamed). Sorted, so two runs over the same evidence differ only in run metadata.
export function renderFindingsJson(input: ReportInput): string {
  const results = input.results.map((r) => ({
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
    // The audit boundary per framework (config `scope`): what counted for it, what was left out and why.
    ...(input.scope ? { scope: input.scope } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
