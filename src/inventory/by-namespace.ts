// Per-namespace views of inventory lists, built once per list and cached, so that checks asking
// "what in namespace X" for every namespace or workload stay linear in the estate instead of
// scanning the whole list each time (100,000 workloads × 1,000 policies per cluster otherwise).
//
// Inventories are not changed once built; a list whose length changed is indexed again, as a guard.

interface Index<T> {
  length: number;
  byNamespace: Map<string, T[]>;
  position: Map<T, number>;
}

const indexes = new WeakMap<readonly object[], Index<object>>();

function indexOf<T extends { namespace: string }>(list: readonly T[]): Index<T> {
  const cached = indexes.get(list) as Index<T> | undefined;
  if (cached && cached.length === list.length) return cached;
  const byNamespace = new Map<string, T[]>();
  const position = new Map<T, number>();
  list.forEach((item, i) => {
    position.set(item, i);
    const bucket = byNamespace.get(item.namespace);
    if (bucket) bucket.push(item);
    else byNamespace.set(item.namespace, [item]);
  });
  const index: Index<T> = { length: list.length, byNamespace, position };
  indexes.set(list, index as unknown as Index<object>);
  return index;
}

const NONE: readonly never[] = [];

// The items of `list` in `namespace`, in list order (same as list.filter(i => i.namespace === ns)).
export function inNamespace<T extends { namespace: string }>(list: readonly T[], namespace: string): readonly T[] {
  return indexOf(list).byNamespace.get(namespace) ?? NONE;
}

// The items of `list` in any of `namespaces`, in list order.
export function inNamespaces<T extends { namespace: string }>(list: readonly T[], namespaces: readonly string[]): T[] {
  const index = indexOf(list);
  const unique = [...new Set(namespaces)];
  if (unique.length === 1) return [...(index.byNamespace.get(unique[0] ?? '') ?? NONE)];
  const out: T[] = [];
  for (const ns of unique) out.push(...(index.byNamespace.get(ns) ?? NONE));
  return out.sort((a, b) => (index.position.get(a) ?? 0) - (index.position.get(b) ?? 0));
}
