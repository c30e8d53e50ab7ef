import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { K8sObject } from './k8s-object.ts';
import { ControllerFields, PodObjectFields, ServiceFields } from './workload-schema.ts';
import { parseControllerFields, parseHeader, parsePodFields, parseServiceFields } from './fast-parse.ts';

// The hand-written checks in front of zod must accept exactly what the schemas accept and hand the
// builder the same values for every field it reads; they may only defer to zod, never overrule it.
// Values are drawn from both sides of every rule (wrong types, empty names, out-of-range ports,
// null, missing keys, __proto__ keys).
const anyValue = fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer({ min: -2, max: 70000 }), fc.double(), fc.string({ maxLength: 4 }), fc.constant([]), fc.constant({}));
const str = fc.oneof(fc.string({ maxLength: 6 }), fc.constant(''), anyValue);
const map = fc.oneof(fc.constant(undefined), fc.constant(null), fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 4 }), anyValue), { maxKeys: 3 }), fc.constant(JSON.parse('{"__proto__":"x","a":"b"}') as unknown), anyValue);
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const port = fc.record({ containerPort: maybe(fc.oneof(fc.integer({ min: -1, max: 65536 }), anyValue)), name: maybe(str), protocol: maybe(str) }, { requiredKeys: [] });
const container = fc.oneof(fc.record({ name: maybe(str), image: maybe(str), ports: maybe(fc.oneof(fc.array(port, { maxLength: 2 }), anyValue)), restartPolicy: maybe(str), env: maybe(anyValue) }, { requiredKeys: [] }), anyValue);
const podSpec = fc.oneof(fc.record({ containers: maybe(fc.oneof(fc.array(container, { maxLength: 2 }), anyValue)), initContainers: maybe(fc.oneof(fc.array(container, { maxLength: 2 }), anyValue)), hostNetwork: maybe(fc.oneof(fc.boolean(), anyValue)) }, { requiredKeys: [] }), anyValue);
const owner = fc.oneof(fc.record({ apiVersion: maybe(str), kind: maybe(str), name: maybe(str), controller: maybe(fc.oneof(fc.boolean(), anyValue)) }, { requiredKeys: [] }), anyValue);
const metadata = fc.oneof(
  fc.record({ name: maybe(str), namespace: maybe(str), labels: maybe(map), annotations: maybe(map), creationTimestamp: maybe(str), uid: maybe(str), ownerReferences: maybe(fc.oneof(fc.array(owner, { maxLength: 2 }), anyValue)) }, { requiredKeys: [] }),
  anyValue,
);
const object = fc.oneof(
  fc.record({
    apiVersion: maybe(str),
    kind: maybe(str),
    metadata: maybe(metadata),
    spec: maybe(
      fc.oneof(
        podSpec,
        fc.record({ template: maybe(fc.oneof(fc.record({ metadata: maybe(fc.oneof(fc.record({ labels: maybe(map), annotations: maybe(map) }, { requiredKeys: [] }), anyValue)), spec: maybe(podSpec) }, { requiredKeys: [] }), anyValue)) }, { requiredKeys: [] }),
        fc.record({ selector: maybe(map), ports: maybe(fc.oneof(fc.array(fc.record({ port: maybe(fc.oneof(fc.integer(), anyValue)), targetPort: maybe(fc.oneof(fc.integer(), str)), name: maybe(str), protocol: maybe(str) }, { requiredKeys: [] }), { maxLength: 2 }), anyValue)) }, { requiredKeys: [] }),
        anyValue,
      ),
    ),
    status: maybe(fc.oneof(fc.record({ phase: maybe(str) }, { requiredKeys: [] }), anyValue)),
  }, { requiredKeys: [] }),
  anyValue,
);

// What the builder reads of each result (nullish values read alike).
const n = (v: unknown): unknown => (v === null || v === undefined ? undefined : v);
const containersView = (cs: unknown): unknown =>
  ((cs ?? []) as { name: string; image?: string | null; restartPolicy?: string | null; ports?: { containerPort: number; name?: string | null; protocol?: string | null }[] | null }[]).map((c) => ({
    name: c.name,
    image: n(c.image),
    restartPolicy: n(c.restartPolicy),
    ports: (c.ports ?? []).map((p) => ({ containerPort: p.containerPort, name: n(p.name), protocol: n(p.protocol) })),
  }));
const specView = (s: { containers?: unknown; initContainers?: unknown; hostNetwork?: boolean | null }): unknown => ({ containers: containersView(s.containers), initContainers: containersView(s.initContainers), hostNetwork: n(s.hostNetwork) });

function same<T>(fast: { success: boolean; data?: T }, zod: { success: boolean; data?: T }, view: (d: T) => unknown): void {
  expect(fast.success).toBe(zod.success);
  if (fast.success && zod.success) expect(view(fast.data as T)).toEqual(view(zod.data as T));
}

// Valid objects of each kind, then one field set to a value on either side of its rule.
const validPort = fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }), name: maybe(fc.string({ maxLength: 4 })), protocol: maybe(fc.constantFrom('TCP', 'UDP')) }, { requiredKeys: ['containerPort'] });
const validContainer = fc.record({ name: fc.string({ minLength: 1, maxLength: 4 }), image: maybe(fc.string({ maxLength: 4 })), ports: maybe(fc.array(validPort, { maxLength: 2 })), restartPolicy: maybe(fc.constant('Always')) }, { requiredKeys: ['name'] });
const validSpec = fc.record({ containers: fc.array(validContainer, { minLength: 1, maxLength: 2 }), initContainers: maybe(fc.array(validContainer, { maxLength: 1 })), hostNetwork: maybe(fc.boolean()) }, { requiredKeys: ['containers'] });
const validMeta = fc.record({ name: fc.string({ minLength: 1, maxLength: 4 }), namespace: maybe(fc.string({ minLength: 1, maxLength: 4 })), labels: maybe(fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 })), ownerReferences: maybe(fc.array(fc.record({ kind: fc.constant('ReplicaSet'), name: fc.string({ maxLength: 4 }), controller: maybe(fc.boolean()) }, { requiredKeys: ['kind', 'name'] }), { maxLength: 1 })) }, { requiredKeys: ['name'] });
const validObject = fc.oneof(
  fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Pod'), metadata: validMeta, spec: validSpec, status: maybe(fc.record({ phase: fc.constantFrom('Running', 'Succeeded') })) }, { requiredKeys: ['apiVersion', 'kind', 'metadata', 'spec'] }),
  fc.record({ apiVersion: fc.constant('apps/v1'), kind: fc.constant('Deployment'), metadata: validMeta, spec: fc.record({ template: fc.record({ metadata: maybe(fc.record({ labels: maybe(fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 })) })), spec: validSpec }, { requiredKeys: ['spec'] }) }) }),
  fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant('Service'), metadata: validMeta, spec: fc.record({ selector: maybe(fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 })), ports: maybe(fc.array(fc.record({ port: fc.integer({ min: 1, max: 65535 }), targetPort: maybe(fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.string({ maxLength: 4 }))) }, { requiredKeys: ['port'] }), { maxLength: 2 })) }, { requiredKeys: [] }) }),
);
const edge = fc.constantFrom<unknown>(undefined, null, '', 'x', 0, 1, -1, 1.5, 65535, 65536, 2 ** 53, true, [], {}, [1], { a: 1 });

// Sets the value at a path chosen among the object's own paths (objects and arrays walked).
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v !== null && typeof v === 'object') {
    for (const [k, child] of Object.entries(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(child, p, out);
    }
  }
  return out;
}
function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last !== undefined) {
    if (value === undefined) delete cur[last];
    else cur[last] = value;
  }
  return copy;
}

function agree(v: unknown): void {
    same(parseHeader(structuredClone(v)), K8sObject.safeParse(structuredClone(v)), (h) => ({
      apiVersion: h.apiVersion,
      kind: h.kind,
      name: h.metadata.name,
      namespace: h.metadata.namespace,
      labels: n(h.metadata.labels),
      annotations: n(h.metadata.annotations),
      creationTimestamp: n(h.metadata.creationTimestamp),
      owners: (h.metadata.ownerReferences ?? []).map((r) => ({ kind: r.kind, name: r.name, controller: r.controller })),
    }));
    same(parsePodFields(structuredClone(v)), PodObjectFields.safeParse(structuredClone(v)), (p) => ({ spec: specView(p.spec), phase: n(p.status?.phase) }));
    same(parseControllerFields(structuredClone(v)), ControllerFields.safeParse(structuredClone(v)), (c) => ({
      labels: n(c.spec.template.metadata?.labels),
      annotations: n(c.spec.template.metadata?.annotations),
      spec: specView(c.spec.template.spec),
    }));
    same(parseServiceFields(structuredClone(v)), ServiceFields.safeParse(structuredClone(v)), (s) => ({
      selector: n(s.spec?.selector),
      ports: (s.spec?.ports ?? []).map((p) => ({ port: p.port, targetPort: n(p.targetPort), name: n(p.name), protocol: n(p.protocol) })),
    }));
}

describe('fast parse in front of zod', () => {
  it('agrees with the schemas on valid objects with one field damaged', () => {
    fc.assert(
      fc.property(validObject, fc.nat(), edge, (o, pick, value) => {
        const all = paths(o);
        const v = all.length === 0 || pick % 5 === 0 ? o : setAt(o, all[pick % all.length] ?? [], value);
        agree(JSON.parse(JSON.stringify(v ?? null)) as unknown);
      }),
      { numRuns: 4000 },
    );
  });

  it('agrees with the schemas on headers, pods, controllers and services', () => {
    fc.assert(
      fc.property(object, (o) => {
        agree(JSON.parse(JSON.stringify(o ?? null)) as unknown);
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the fast path for ordinary objects and copies the maps it returns', () => {
    const raw = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n', labels: { app: 'a' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] } };
    const h = parseHeader(raw);
    if (!h.success) throw new Error('valid header rejected');
    expect(h.data.metadata.labels).toEqual({ app: 'a' });
    expect(h.data.metadata.labels).not.toBe(raw.metadata.labels);
    expect(parsePodFields(raw).success).toBe(true);
  });
});
