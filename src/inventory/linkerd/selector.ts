import type { StringMap } from '../k8s-object.ts';
import type { LabelSelector } from './schema.ts';

// Kubernetes LabelSelector semantics (matchLabels AND matchExpressions). An empty selector `{}` selects
// every object; an absent one selects nothing (Linkerd Servers must name a selector).
export function selectorMatches(selector: LabelSelector | null | undefined, labels: StringMap): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const value = labels[req.key];
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
    }
  }
  return true;
}
