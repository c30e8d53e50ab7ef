import type { z } from 'zod';
import type { StringMap } from './k8s-object.ts';
import type { ConfigMapInfo, EvidenceGap, NamespaceInfo, Obj, Workload } from './types.ts';

// One collected object that the core builder did not claim, handed to each mesh/area builder
// (Linkerd, Consul, NetworkPolicy, ...). `raw` is the redacted object as stored in evidence.
export interface AreaObject {
  evidenceId: string;
  apiVersion: string;
  // API group of apiVersion ('' for core).
  group: string;
  kind: string;
  namespace: string;
  name: string;
  labels: StringMap;
  annotations: StringMap;
  creationTimestamp: string | undefined;
  raw: Record<string, unknown>;
  file?: string;
  line?: number;
}

export interface AreaInput {
  target: string;
  // Objects no earlier builder claimed.
  objects: readonly AreaObject[];
  configMaps: readonly ConfigMapInfo[];
  namespaces: readonly NamespaceInfo[];
  workloads: readonly Workload[];
  addGap(gap: EvidenceGap): void;
}

// What an area builder returns: its typed inventory and the evidence ids it consumed (the rest are
// reported as "kind not judged").
export interface AreaOutput<T> {
  inventory: T;
  claimed: ReadonlySet<string>;
}

// Parses `raw[field]` (default `spec`) with a zod schema into a typed object; on failure records a
// schema-invalid gap for the object's kind and namespace, so checks reading that kind cannot pass.
export function parseAreaObject<S>(input: AreaInput, o: AreaObject, schema: z.ZodType<S>, field: string | null = 'spec'): Obj<S> | undefined {
  const value = field === null ? o.raw : (o.raw[field] ?? {});
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${[field, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    input.addGap({
      id: `gap-${o.evidenceId.replace(/^ev-/, '')}`,
      target: input.target,
      reason: 'schema-invalid',
      kinds: [o.kind],
      ...(o.namespace ? { namespace: o.namespace } : {}),
      message: `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} (evidence ${o.evidenceId}) does not match the expected schema (${issues})`,
      ...(o.file ? { file: o.file } : {}),
      ...(o.line ? { line: o.line } : {}),
    });
    return undefined;
  }
  return {
    evidenceId: o.evidenceId,
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.namespace,
    name: o.name,
    labels: o.labels,
    annotations: o.annotations,
    creationTimestamp: o.creationTimestamp,
    spec: parsed.data,
  };
}
