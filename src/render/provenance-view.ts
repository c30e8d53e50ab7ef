import { describeProvenance, type TargetProvenance } from '../evidence/provenance.ts';
import type { EvidenceSource } from '../evidence/types.ts';

/** One row of the evidence-source table (findings.json `evidenceSources`, report appendix). */
export interface EvidenceSourceRow {
  target: string;
  provenance: TargetProvenance;
}

export interface EvidenceSourceView {
  target: string;
  kind: string;
  detail: string;
}

// The report's evidence-source table: where each target's evidence was read, one line each.
export function evidenceSourcesView(rows: readonly EvidenceSourceRow[] | undefined): { evidenceSources: EvidenceSourceView[]; hasEvidenceSources: boolean } {
  const evidenceSources = (rows ?? []).map((r) => ({
    target: r.target,
    kind: r.provenance.type === 'snapshot' ? 'Snapshot files (not live)' : r.provenance.type === 'kubernetes' ? 'Live Kubernetes API' : `Live ${r.provenance.provider.toUpperCase()} API`,
    detail: describeProvenance(r.provenance),
  }));
  return { evidenceSources, hasEvidenceSources: evidenceSources.length > 0 };
}

// The "Source" of one evidence record: for a snapshot, the file, its sha256 and its export time.
export function snapshotSourceSuffix(source: EvidenceSource): string {
  if (source.type !== 'snapshot') return '';
  const sha = source.fileSha256 ? ` · file sha256 ${source.fileSha256.slice(0, 16)}…` : '';
  const when = source.exportedAt ? ` · exported at ${source.exportedAt} (${source.exportedAtSource === 'file-mtime' ? 'file modification time' : 'collected-at file'})` : '';
  return ` · read from file${sha}${when}`;
}
