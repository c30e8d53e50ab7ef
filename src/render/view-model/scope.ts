import type { EvidenceRecord } from '../../evidence/types.ts';
import type { ReportInput } from '../report-input.ts';
import { displayText } from '../text.ts';
import { compareText, countBy, formatCount, name, plural } from './format.ts';
import { LIMITS } from './limits.ts';
import type { CollectedView, NamespaceView, TargetView } from './types.ts';

export const MAX_LABELS_SHOWN = 20;
export const MAX_ANNOTATIONS_SHOWN = 10;

export function targetView(t: ReportInput['targets'][number]): TargetView {
  const namespaces = [...t.namespaceDetails].sort((a, b) => compareText(a.name, b.name)).map(namespaceView);
  return {
    name: name(t.name),
    namespaceList: namespaces,
    hasNamespaceList: namespaces.length > 0,
    source: t.source === 'snapshot' ? 'Snapshot folder' : 'Kubernetes API',
    location: name(t.location),
    objects: formatCount(t.objects),
    namespaces: formatCount(t.namespaces),
    workloads: formatCount(t.workloads),
    istio: t.istioPresent ? 'Yes' : 'No',
    rootNamespace: name(t.rootNamespace),
  };
}

export function namespaceView(n: ReportInput['targets'][number]['namespaceDetails'][number]): NamespaceView {
  const labels = pairs(n.labels);
  const annotations = pairs(n.annotations);
  return {
    name: name(n.name),
    inScope: n.inScope ? 'In scope' : 'Not judged',
    inScopeClass: n.inScope ? 'st-ok' : 'st-na',
    workloads: formatCount(n.workloads),
    labels: labels.slice(0, MAX_LABELS_SHOWN),
    moreLabels: labels.length > MAX_LABELS_SHOWN ? `and ${plural(labels.length - MAX_LABELS_SHOWN, 'more label', 'more labels')}` : '',
    annotations: annotations.slice(0, MAX_ANNOTATIONS_SHOWN),
    moreAnnotations:
      annotations.length > MAX_ANNOTATIONS_SHOWN
        ? `and ${plural(annotations.length - MAX_ANNOTATIONS_SHOWN, 'more annotation', 'more annotations')}`
        : '',
  };
}

// key=value pairs sorted by key, each bounded: annotation values can be whole JSON documents.
export function pairs(map: Record<string, string>): string[] {
  return Object.keys(map)
    .sort(compareText)
    .map((key) => `${displayText(key, 120)}=${displayText(map[key] ?? '', LIMITS.name)}`);
}

export function collectedViews(input: ReportInput): CollectedView[] {
  const byTarget = new Map<string, EvidenceRecord[]>();
  for (const t of input.targets) byTarget.set(t.name, []);
  for (const e of input.evidence) {
    const list = byTarget.get(e.target) ?? [];
    list.push(e);
    byTarget.set(e.target, list);
  }
  return [...byTarget.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([target, records]) => {
      const kinds = countBy(records, (e) => e.kind ?? '(no kind)');
      const sources = countBy(records, (e) => e.source.type);
      return {
        target: name(target),
        records: formatCount(records.length),
        sources: [...sources.entries()]
          .sort(([a], [b]) => compareText(a, b))
          .map(([type, n]) => `${sourceTypeLabel(type)}: ${formatCount(n)}`)
          .join(', '),
        kinds: [...kinds.entries()]
          .sort(([a], [b]) => compareText(a, b))
          .map(([kind, n]) => ({ kind: name(kind), count: formatCount(n) })),
      };
    });
}

export function sourceTypeLabel(type: EvidenceRecord['source']['type']): string {
  switch (type) {
    case 'snapshot':
      return 'snapshot files';
    case 'kubernetes-api':
      return 'Kubernetes API';
    case 'http-api':
      return 'HTTP API';
    case 'cloud-api':
      return 'cloud API';
  }
}
