import type { z } from 'zod';
import { K8sObject, type StringMap } from './k8s-object.ts';
import { ControllerFields, PodObjectFields, ServiceFields, type ContainerSpec, type PodSpec } from './workload-schema.ts';

// The builder parses every collected object with zod (a header, then the fields of its kind). For
// the kinds an estate has hundreds of thousands of (Pods, Deployments and other controllers,
// Services) a hand-written check of the same rules comes first. It may only be stricter than the
// schema: whatever it does not accept goes to zod, which decides (and names the problem). What it
// returns carries the values zod would return for every field the builder reads; maps the builder
// keeps are fresh copies, as zod's are, so pooling their values never touches the raw object.

type Result<T> = { success: true; data: T } | { success: false; error: z.ZodError };
type Plain = Record<string, unknown>;

function plain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

const nullish = (v: unknown): v is null | undefined => v === null || v === undefined;
const optString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const nullishString = (v: unknown): boolean => nullish(v) || typeof v === 'string';
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
// Absent keys read as undefined; a key present with the value undefined (never from JSON) goes to zod.
const absentOr = (o: Plain, k: string, ok: (v: unknown) => boolean): boolean => (o[k] === undefined ? !Object.hasOwn(o, k) : ok(o[k]));

// z.record(z.string(), z.string()).nullish(): a copy, or undefined when it is not one.
function stringMap(v: unknown): StringMap | null | undefined | false {
  if (nullish(v)) return v;
  if (!plain(v) || Object.hasOwn(v, '__proto__')) return false;
  const out: StringMap = {};
  for (const k in v) {
    const value = v[k];
    if (typeof value !== 'string') return false;
    out[k] = value;
  }
  return out;
}

export function parseHeader(v: unknown): Result<K8sObject> {
  const fast = fastHeader(v);
  return fast ? { success: true, data: fast } : K8sObject.safeParse(v);
}

function fastHeader(v: unknown): K8sObject | undefined {
  if (!plain(v) || !nonEmpty(v.apiVersion) || !nonEmpty(v.kind)) return undefined;
  const m = v.metadata;
  if (!plain(m) || !nonEmpty(m.name)) return undefined;
  if (!absentOr(m, 'namespace', nonEmpty) || !absentOr(m, 'uid', (x) => typeof x === 'string') || !nullishString(m.creationTimestamp)) return undefined;
  const labels = stringMap(m.labels);
  const annotations = stringMap(m.annotations);
  if (labels === false || annotations === false) return undefined;
  const refs = m.ownerReferences;
  if (!nullish(refs)) {
    if (!Array.isArray(refs)) return undefined;
    for (const r of refs as unknown[]) {
      if (!plain(r) || typeof r.kind !== 'string' || typeof r.name !== 'string' || !optString(r.apiVersion) || !(r.controller === undefined || typeof r.controller === 'boolean')) return undefined;
    }
  }
  return {
    apiVersion: v.apiVersion,
    kind: v.kind,
    metadata: {
      name: m.name,
      ...(m.namespace !== undefined ? { namespace: m.namespace as string } : {}),
      labels,
      annotations,
      creationTimestamp: m.creationTimestamp as string | null | undefined,
      ownerReferences: refs as K8sObject['metadata']['ownerReferences'],
    },
  };
}

const int = (v: unknown): v is number => Number.isSafeInteger(v);

function container(c: unknown): boolean {
  if (!plain(c) || !nonEmpty(c.name) || !nullishString(c.image) || !nullishString(c.restartPolicy)) return false;
  const ports = c.ports;
  if (nullish(ports)) return true;
  if (!Array.isArray(ports)) return false;
  for (const p of ports as unknown[]) {
    if (!plain(p) || !int(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535 || !nullishString(p.name) || !nullishString(p.protocol)) return false;
  }
  return true;
}

function containers(v: unknown): boolean {
  if (nullish(v)) return true;
  if (!Array.isArray(v)) return false;
  for (const c of v as unknown[]) if (!container(c)) return false;
  return true;
}

// PodSpec: the containers are returned as they are (the builder copies what it keeps).
function podSpec(v: unknown): PodSpec | undefined {
  if (!plain(v) || !containers(v.containers) || !containers(v.initContainers) || !(nullish(v.hostNetwork) || typeof v.hostNetwork === 'boolean')) return undefined;
  return { containers: v.containers as ContainerSpec[] | null | undefined, initContainers: v.initContainers as ContainerSpec[] | null | undefined, hostNetwork: v.hostNetwork as boolean | null | undefined };
}

export function parsePodFields(v: unknown): Result<z.infer<typeof PodObjectFields>> {
  if (plain(v)) {
    const spec = podSpec(v.spec);
    const status = v.status;
    if (spec && (nullish(status) || (plain(status) && nullishString(status.phase)))) {
      return { success: true, data: { spec, status: status as { phase?: string | null } | null | undefined } };
    }
  }
  return PodObjectFields.safeParse(v);
}

export function parseControllerFields(v: unknown): Result<z.infer<typeof ControllerFields>> {
  if (plain(v) && plain(v.spec)) {
    const t = v.spec.template;
    if (plain(t)) {
      const meta = t.metadata;
      const spec = podSpec(t.spec);
      const labels = plain(meta) ? stringMap(meta.labels) : undefined;
      const annotations = plain(meta) ? stringMap(meta.annotations) : undefined;
      if (spec && (nullish(meta) || plain(meta)) && labels !== false && annotations !== false) {
        return { success: true, data: { spec: { template: { metadata: nullish(meta) ? meta : { labels, annotations }, spec } } } };
      }
    }
  }
  return ControllerFields.safeParse(v);
}

export function parseServiceFields(v: unknown): Result<z.infer<typeof ServiceFields>> {
  if (plain(v)) {
    const spec = v.spec;
    if (nullish(spec)) return { success: true, data: { spec } };
    if (plain(spec)) {
      const selector = stringMap(spec.selector);
      const ports = spec.ports;
      let ok = selector !== false && (nullish(ports) || Array.isArray(ports));
      if (ok && Array.isArray(ports)) {
        for (const p of ports as unknown[]) {
          if (!plain(p) || !int(p.port) || !(nullish(p.targetPort) || int(p.targetPort) || typeof p.targetPort === 'string') || !nullishString(p.name) || !nullishString(p.protocol)) {
            ok = false;
            break;
          }
        }
      }
      if (ok && selector !== false) {
        return { success: true, data: { spec: { selector, ports } } as z.infer<typeof ServiceFields> };
      }
    }
  }
  return ServiceFields.safeParse(v);
}
