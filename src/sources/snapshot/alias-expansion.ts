import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';

// Aliases let a small YAML document stand for a huge value (each alias repeats its anchor in full),
// well below the alias count limit: 1 MB of YAML can load as hundreds of MB. The expanded size
// (nodes plus scalar characters) is computed on the syntax tree, before anything is built, with
// each anchor's size counted once; a document whose expansion exceeds the bound is not loaded.
export function expandedSize(doc: Document, limit: number): number {
  const memo = new Map<unknown, number>();
  const visiting = new Set<unknown>();
  const size = (node: unknown): number => {
    if (node === null || node === undefined) return 1;
    const known = memo.get(node);
    if (known !== undefined) return known;
    if (visiting.has(node)) return Number.POSITIVE_INFINITY;
    visiting.add(node);
    let total = 1;
    if (isAlias(node)) total = size(node.resolve(doc));
    else if (isScalar(node)) total = 1 + (typeof node.value === 'string' ? node.value.length : 0);
    else if (isPair(node)) total = size(node.key) + size(node.value);
    else if (isMap(node) || isSeq(node)) {
      for (const item of node.items as unknown[]) {
        total += size(item);
        if (total > limit) break;
      }
    }
    visiting.delete(node);
    memo.set(node, total);
    return total;
  };
  return size(doc.contents as Node | null);
}

// The bound for one document: ten times its source plus 1 MiB, generous for anchors in real
// manifests and far below an amplification attack.
export function expansionLimit(sourceLength: number): number {
  return 10 * sourceLength + 1024 * 1024;
}
