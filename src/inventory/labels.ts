import type { StringMap } from './k8s-object.ts';

// Kubernetes matchLabels semantics: every selector label must be present with the same value.
// An empty or absent selector matches everything; callers decide whether that is meaningful.
export function matchesLabels(labels: StringMap, selector: StringMap | null | undefined): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function isEmptySelector(selector: StringMap | null | undefined): boolean {
  return !selector || Object.keys(selector).length === 0;
}
