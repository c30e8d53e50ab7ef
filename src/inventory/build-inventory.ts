import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { K8sObject, apiGroup, type StringMap } from './k8s-object.ts';
import {
  AuthorizationPolicySpec,
  DestinationRuleSpec,
  GatewaySpec,
  MeshConfig,
  PeerAuthenticationSpec,
  RequestAuthenticationSpec,
  SidecarSpec,
} from './istio/schema.ts';
import {
  ConfigMapFields,
  CronJobFields,
  type ContainerSpec,
  type PodSpec,
  type PodTemplate,
} from './workload-schema.ts';
import type { AreaInput, AreaObject } from './area.ts';
import { StringPool } from '../evidence/string-pool.ts';
import { parseControllerFields, parseHeader, parsePodFields, parseServiceFields } from './fast-parse.ts';
import { buildAwsInventory } from './aws/build.ts';
import { buildAzureInventory } from './azure/build.ts';
import { buildConsulInventory } from './consul/build.ts';
import { buildGcpInventory } from './gcp/build.ts';
import { buildKubernetesInventory } from './kubernetes/build.ts';
import { buildLinkerdInventory } from './linkerd/build.ts';
import type {
  ConfigMapInfo,
  Container,
  EvidenceGap,
  IgnoredObject,
  IstioInventory,
  MeshConfigSource,
  NamespaceInfo,
  Obj,
  PodInfo,
  ServiceInfo,
  TargetInventory,
  Workload,
  WorkloadKind,
} from './types.ts';

// One object as collected: the redacted raw value and the evidence record that stores it.
export interface CollectedObject {
  evidenceId: string;
  object: unknown;
  file?: string;
  line?: number;
}

export interface BuildOptions {
  // Namespace for namespaced objects that carry none (GitOps manifests applied with `-n`).
  defaultNamespace?: string;
  // Shared by the builds of one run, so targets share their repeated strings too.
  strings?: StringPool;
}

const ISTIO_SECURITY = 'security.istio.io';
import { API_RESPONSE_GROUP } from '../evidence/api-response.ts';
const ISTIO_NETWORKING = 'networking.istio.io';
const DEFAULT_ROOT_NAMESPACE = 'istio-system';
const CLUSTER_SCOPED_KINDS = new Set(['Namespace', 'Node', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);
const CONTROLLER_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

interface Pending {
  evidenceId: string;
  obj: K8sObject;
  raw: unknown;
  file?: string;
  line?: number;
}

// What grouping pods under controllers needs of either: never the raw object.
interface Owned {
  evidenceId: string;
  namespace: string;
  name: string;
  owner: { kind: string; name: string } | undefined;
}

interface ControllerEntry {
  o: Owned;
  kind: WorkloadKind;
  template: { labels: StringMap; annotations: StringMap; containers: Container[]; initContainers: Container[]; hostNetwork: boolean };
}

interface PodEntry {
  o: Owned;
  info: PodInfo;
}

// Turns collected objects into the typed inventory. Objects that fail their schema become
// evidence gaps for their kind (never silently dropped); kinds auditpack does not judge are listed.
export function buildInventory(
  target: string,
  objects: readonly CollectedObject[],
  inputGaps: readonly EvidenceGap[] = [],
  options: BuildOptions = {},
): TargetInventory {
  const builder = new InventoryBuilder(target, inputGaps, options);
  for (const item of objects) builder.add(item);
  return builder.finish();
}

// buildInventory one object at a time, so a loader can hand each object over as it reads it and
// drop it at once: only the typed facts checks read are kept (and the raw objects of kinds left to
// the mesh and area builders). The result is the same as buildInventory over the same objects, in
// the same order: gaps and ignored objects keep their order (header problems and duplicates of
// every object first, then what reading each kind found).
export class InventoryBuilder {
  private readonly defaultNamespace: string;
  private readonly strings: StringPool;
  private readonly headerGaps: EvidenceGap[] = [];
  private readonly kindGaps: EvidenceGap[] = [];
  private readonly duplicates: IgnoredObject[] = [];
  private readonly kindIgnored: IgnoredObject[] = [];
  private readonly seen = new Map<string, string>();
  private readonly namespaces = new Map<string, NamespaceInfo>();
  private readonly services: ServiceInfo[] = [];
  private readonly configMaps: ConfigMapInfo[] = [];
  private readonly controllers: ControllerEntry[] = [];
  private readonly pods: PodEntry[] = [];
  private readonly istioOperators: Pending[] = [];
  private readonly unclaimed: Pending[] = [];
  private readonly istio: IstioInventory = {
    present: false,
    rootNamespace: DEFAULT_ROOT_NAMESPACE,
    meshConfig: undefined,
    peerAuthentications: [],
    authorizationPolicies: [],
    requestAuthentications: [],
    destinationRules: [],
    gateways: [],
    sidecars: [],
    caRootCertConfigMaps: [],
  };
  private finished = false;

  constructor(
    private readonly target: string,
    private readonly inputGaps: readonly EvidenceGap[] = [],
    options: BuildOptions = {},
  ) {
    this.defaultNamespace = options.defaultNamespace ?? 'default';
    this.strings = options.strings ?? new StringPool();
  }

  add(item: CollectedObject): void {
    if (this.finished) throw new Error('InventoryBuilder.add() after finish()');
    const header = parseHeader(item.object);
    if (!header.success) {
      this.headerGaps.push(schemaGap(this.target, item, guessKind(item.object), header.error, undefined));
      return;
    }
    const obj = header.data;
    // API responses (http.auditpack.io) belong to no namespace.
    if (!CLUSTER_SCOPED_KINDS.has(obj.kind) && obj.metadata.namespace === undefined && apiGroup(obj.apiVersion) !== API_RESPONSE_GROUP) {
      obj.metadata.namespace = this.defaultNamespace;
    }
    const key = `${apiGroup(obj.apiVersion)}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const firstId = this.seen.get(key);
    if (firstId !== undefined) {
      this.duplicates.push(ignoredOf(item.evidenceId, obj, `duplicate of ${firstId}; the first copy is judged`));
      return;
    }
    this.seen.set(key, item.evidenceId);
    this.pool(obj);
    this.classify({ evidenceId: item.evidenceId, obj, raw: item.object, ...(item.file ? { file: item.file } : {}), ...(item.line ? { line: item.line } : {}) });
  }

  // The header fields the inventory keeps (zod's parse made fresh copies of the maps).
  private pool(obj: K8sObject): void {
    const s = this.strings;
    obj.apiVersion = s.get(obj.apiVersion);
    obj.kind = s.get(obj.kind);
    const m = obj.metadata;
    m.name = s.get(m.name);
    if (m.namespace !== undefined) m.namespace = s.get(m.namespace);
    if (m.labels) s.map(m.labels);
    if (m.annotations) s.map(m.annotations);
    if (typeof m.creationTimestamp === 'string') m.creationTimestamp = s.get(m.creationTimestamp);
  }

  private typed<S>(p: Pending, schema: z.ZodType<S>, into: Obj<S>[]): void {
    const spec = schema.safeParse((p.raw as { spec?: unknown }).spec ?? {});
    if (!spec.success) {
      this.kindGaps.push(schemaGap(this.target, p, p.obj.kind, spec.error, p.obj.metadata.namespace, 'spec'));
      return;
    }
    into.push({ ...objBase(p), spec: spec.data });
  }

  private owned(p: Pending): Owned {
    return { evidenceId: p.evidenceId, namespace: p.obj.metadata.namespace ?? '', name: p.obj.metadata.name, owner: controllerOwner(p.obj) };
  }

  private classify(p: Pending): void {
    const { target, istio, strings } = this;
    const { kind } = p.obj;
    const group = apiGroup(p.obj.apiVersion);
    const ns = p.obj.metadata.namespace;
    if (group === ISTIO_SECURITY || group === ISTIO_NETWORKING || group === 'install.istio.io') istio.present = true;

    if (group === '' && kind === 'Namespace') {
      this.namespaces.set(p.obj.metadata.name, {
        name: p.obj.metadata.name,
        labels: p.obj.metadata.labels ?? {},
        annotations: p.obj.metadata.annotations ?? {},
        evidenceId: p.evidenceId,
      });
      return;
    }
    if (group === '' && kind === 'Secret') {
      this.kindIgnored.push(ignoredOf(p.evidenceId, p.obj, 'Secrets are never read; its data was redacted'));
      return;
    }
    if (group === '' && kind === 'Service') {
      const parsed = parseServiceFields(p.raw);
      if (!parsed.success) {
        this.kindGaps.push(schemaGap(target, p, kind, parsed.error, ns));
        return;
      }
      const selector = parsed.data.spec?.selector ?? undefined;
      this.services.push({
        evidenceId: p.evidenceId,
        namespace: ns ?? this.defaultNamespace,
        name: p.obj.metadata.name,
        // Equal selectors and port lists (the same app in every namespace) are one object each.
        selector: selector ? strings.shared(`selector:${JSON.stringify(selector)}`, () => strings.map(selector)) : undefined,
        ports: servicePorts(parsed.data.spec?.ports ?? [], strings),
      });
      return;
    }
    if (group === '' && kind === 'ConfigMap') {
      const parsed = ConfigMapFields.safeParse(p.raw);
      if (!parsed.success) {
        this.kindGaps.push(schemaGap(target, p, kind, parsed.error, ns));
        return;
      }
      const info: ConfigMapInfo = {
        evidenceId: p.evidenceId,
        namespace: ns ?? this.defaultNamespace,
        name: p.obj.metadata.name,
        data: parsed.data.data ?? {},
      };
      this.configMaps.push(info);
      if (info.name === 'istio-ca-root-cert') {
        istio.caRootCertConfigMaps.push(info);
        istio.present = true;
      }
      return;
    }
    if (group === '' && kind === 'Pod') {
      const parsed = parsePodFields(p.raw);
      if (!parsed.success) {
        this.kindGaps.push(schemaGap(target, p, kind, parsed.error, ns));
        return;
      }
      const phase = parsed.data.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') {
        this.kindIgnored.push(ignoredOf(p.evidenceId, p.obj, `pod has finished (phase ${phase}) and serves no traffic`));
        return;
      }
      this.pods.push({ o: this.owned(p), info: podInfo(p, parsed.data.spec, strings) });
      return;
    }
    if ((group === 'apps' || group === 'batch' || group === '') && CONTROLLER_KINDS.has(kind)) {
      const parsed = parseControllerFields(p.raw);
      if (!parsed.success) {
        this.kindGaps.push(schemaGap(target, p, kind, parsed.error, ns));
        return;
      }
      const t = parsed.data.spec.template;
      this.controllers.push({
        o: this.owned(p),
        kind: kind as WorkloadKind,
        template: templateOf(t, strings),
      });
      return;
    }
    if (group === 'batch' && kind === 'CronJob') {
      const parsed = CronJobFields.safeParse(p.raw);
      if (!parsed.success) {
        this.kindGaps.push(schemaGap(target, p, kind, parsed.error, ns));
        return;
      }
      this.controllers.push({
        o: this.owned(p),
        kind: 'CronJob',
        template: templateOf(parsed.data.spec.jobTemplate.spec.template, strings),
      });
      return;
    }
    if (group === ISTIO_SECURITY && kind === 'PeerAuthentication') {
      this.typed(p, PeerAuthenticationSpec, istio.peerAuthentications);
      return;
    }
    if (group === ISTIO_SECURITY && kind === 'AuthorizationPolicy') {
      this.typed(p, AuthorizationPolicySpec, istio.authorizationPolicies);
      return;
    }
    if (group === ISTIO_SECURITY && kind === 'RequestAuthentication') {
      this.typed(p, RequestAuthenticationSpec, istio.requestAuthentications);
      return;
    }
    if (group === ISTIO_NETWORKING && kind === 'DestinationRule') {
      this.typed(p, DestinationRuleSpec, istio.destinationRules);
      return;
    }
    if (group === ISTIO_NETWORKING && kind === 'Gateway') {
      this.typed(p, GatewaySpec, istio.gateways);
      return;
    }
    if (group === ISTIO_NETWORKING && kind === 'Sidecar') {
      this.typed(p, SidecarSpec, istio.sidecars);
      return;
    }
    if (group === 'install.istio.io' && kind === 'IstioOperator') {
      this.istioOperators.push(p);
      return;
    }
    this.unclaimed.push(p);
  }

  finish(): TargetInventory {
    if (this.finished) throw new Error('InventoryBuilder.finish() called twice');
    this.finished = true;
    const { target, istio, namespaces, services, configMaps, unclaimed } = this;
    const gaps: EvidenceGap[] = [...this.inputGaps, ...this.headerGaps, ...this.kindGaps];
    const ignored: IgnoredObject[] = [...this.duplicates, ...this.kindIgnored];

    istio.meshConfig = resolveMeshConfig(target, configMaps, this.istioOperators, gaps);
    if (istio.meshConfig) {
      istio.present = true;
      istio.rootNamespace = istio.meshConfig.config.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
    }

    const workloads = buildWorkloads(this.controllers, this.pods);

    for (const w of workloads) ensureNamespace(namespaces, w.namespace);
    for (const s of services) ensureNamespace(namespaces, s.namespace);
    const istioObjects = [
      ...istio.peerAuthentications,
      ...istio.authorizationPolicies,
      ...istio.requestAuthentications,
      ...istio.destinationRules,
      ...istio.gateways,
      ...istio.sidecars,
    ];
    for (const o of istioObjects) ensureNamespace(namespaces, o.namespace);

    if (!istio.present) {
      istio.present =
        namespaces.has(DEFAULT_ROOT_NAMESPACE) ||
        [...namespaces.values()].some((n) => 'istio-injection' in n.labels || 'istio.io/rev' in n.labels || n.labels['istio.io/dataplane-mode'] === 'ambient') ||
        workloads.some((w) => w.pods.some((pod) => hasContainer(pod, 'istio-proxy')));
    }

    // Mesh and area builders take what the core did not claim; the rest is listed as not judged.
    const areaInput: AreaInput = {
      target,
      objects: unclaimed.map(toAreaObject),
      configMaps,
      namespaces: [...namespaces.values()],
      workloads,
      addGap: (g) => gaps.push(g),
    };
    const linkerd = buildLinkerdInventory(areaInput);
    const consul = buildConsulInventory(areaInput);
    const kubernetes = buildKubernetesInventory(areaInput);
    const aws = buildAwsInventory(areaInput);
    const azure = buildAzureInventory(areaInput);
    const gcp = buildGcpInventory(areaInput);
    const claimed = new Set([...linkerd.claimed, ...consul.claimed, ...kubernetes.claimed, ...aws.claimed, ...azure.claimed, ...gcp.claimed]);
    for (const p of unclaimed) {
      if (!claimed.has(p.evidenceId)) ignored.push(ignoredOf(p.evidenceId, p.obj, 'kind not judged by any check'));
      else if (p.obj.metadata.namespace) ensureNamespace(namespaces, p.obj.metadata.namespace);
    }

    const byName = <T extends { namespace: string; name: string }>(a: T, b: T): number =>
      a.namespace === b.namespace ? a.name.localeCompare(b.name) : a.namespace.localeCompare(b.namespace);
    for (const list of [
      istio.peerAuthentications,
      istio.authorizationPolicies,
      istio.requestAuthentications,
      istio.destinationRules,
      istio.gateways,
      istio.sidecars,
    ] as { namespace: string; name: string }[][]) {
      list.sort(byName);
    }

    return {
      name: target,
      namespaces: [...namespaces.values()].sort((a, b) => a.name.localeCompare(b.name)),
      workloads: workloads.sort((a, b) => byName(a, b) || a.kind.localeCompare(b.kind)),
      services: services.sort(byName),
      configMaps: configMaps.sort(byName),
      istio,
      linkerd: linkerd.inventory,
      consul: consul.inventory,
      kubernetes: kubernetes.inventory,
      aws: aws.inventory,
      azure: azure.inventory,
      gcp: gcp.inventory,
      gaps,
      ignored,
    };
  }
}

// The pod template as the workload keeps it (containers read now, so the raw spec can go).
function templateOf(t: PodTemplate, s: StringPool): ControllerEntry['template'] {
  const labels = t.metadata?.labels;
  const annotations = t.metadata?.annotations;
  return {
    labels: labels ? s.map(labels) : {},
    annotations: annotations ? s.map(annotations) : {},
    containers: containerList(t.spec.containers, s),
    initContainers: containerList(t.spec.initContainers, s),
    hostNetwork: t.spec.hostNetwork ?? false,
  };
}

function toAreaObject(p: Pending): AreaObject {
  return {
    evidenceId: p.evidenceId,
    apiVersion: p.obj.apiVersion,
    group: apiGroup(p.obj.apiVersion),
    kind: p.obj.kind,
    namespace: p.obj.metadata.namespace ?? '',
    name: p.obj.metadata.name,
    labels: p.obj.metadata.labels ?? {},
    annotations: p.obj.metadata.annotations ?? {},
    creationTimestamp: p.obj.metadata.creationTimestamp ?? undefined,
    raw: p.raw as Record<string, unknown>,
    ...(p.file ? { file: p.file } : {}),
    ...(p.line ? { line: p.line } : {}),
  };
}

function objBase(p: Pending): Omit<Obj<unknown>, 'spec'> {
  return {
    evidenceId: p.evidenceId,
    apiVersion: p.obj.apiVersion,
    kind: p.obj.kind,
    namespace: p.obj.metadata.namespace ?? '',
    name: p.obj.metadata.name,
    labels: p.obj.metadata.labels ?? {},
    annotations: p.obj.metadata.annotations ?? {},
    creationTimestamp: p.obj.metadata.creationTimestamp ?? undefined,
  };
}

function ignoredOf(evidenceId: string, obj: K8sObject, reason: string): IgnoredObject {
  return {
    evidenceId,
    kind: obj.kind,
    apiVersion: obj.apiVersion,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    name: obj.metadata.name,
    reason,
  };
}

function guessKind(value: unknown): string | undefined {
  if (value && typeof value === 'object' && 'kind' in value) {
    const kind = (value as { kind: unknown }).kind;
    if (typeof kind === 'string' && kind.length > 0 && kind.length < 100) return kind;
  }
  return undefined;
}

function schemaGap(
  target: string,
  item: { evidenceId: string; file?: string; line?: number },
  kind: string | undefined,
  error: z.ZodError,
  namespace: string | undefined,
  prefix?: string,
): EvidenceGap {
  const issues = error.issues
    .slice(0, 5)
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return {
    id: `gap-${item.evidenceId.replace(/^ev-/, '')}`,
    target,
    reason: 'schema-invalid',
    kinds: kind ? [kind] : '*',
    ...(namespace ? { namespace } : {}),
    message: `${kind ?? 'object'} in evidence ${item.evidenceId} does not match the expected schema (${issues})`,
    ...(item.file ? { file: item.file } : {}),
    ...(item.line ? { line: item.line } : {}),
  };
}

function toContainer(c: ContainerSpec, s: StringPool): Container {
  return {
    name: s.get(c.name),
    ...(c.image ? { image: s.get(c.image) } : {}),
    ports: (c.ports ?? []).map((port) => ({
      containerPort: port.containerPort,
      ...(port.name ? { name: s.get(port.name) } : {}),
      ...(port.protocol ? { protocol: s.get(port.protocol) } : {}),
    })),
    ...(c.restartPolicy ? { restartPolicy: s.get(c.restartPolicy) } : {}),
  };
}

function servicePorts(ports: readonly { port: number; targetPort?: number | string | null; name?: string | null; protocol?: string | null }[], s: StringPool): ServiceInfo['ports'] {
  const key = JSON.stringify(ports.flatMap((p) => [p.port, p.targetPort ?? null, p.name || '', p.protocol || '']));
  return s.shared(`service-ports:${key}`, () =>
    ports.map((port) => ({
      port: port.port,
      targetPort: typeof port.targetPort === 'string' ? s.get(port.targetPort) : (port.targetPort ?? undefined),
      ...(port.name ? { name: s.get(port.name) } : {}),
      ...(port.protocol ? { protocol: s.get(port.protocol) } : {}),
    })),
  );
}

// The containers of a pod spec. Equal containers (a pod and its template, the sidecar of every
// pod) and equal lists are one object each: an estate repeats them hundreds of thousands of times,
// and the inventory is read-only once built.
function containerList(list: readonly ContainerSpec[] | null | undefined, s: StringPool): Container[] {
  if (!list || list.length === 0) return s.shared('containers:[]', () => []);
  const keys: string[] = [];
  const out = list.map((c) => {
    // Exactly the fields toContainer keeps, in a form no two different containers share.
    const key = JSON.stringify([c.name, c.image || '', c.restartPolicy || '', ...(c.ports ?? []).flatMap((p) => [p.containerPort, p.name || '', p.protocol || ''])]);
    keys.push(key);
    return s.shared(`container:${key}`, () => toContainer(c, s));
  });
  return s.shared(`containers:${keys.join('\n')}`, () => out);
}

function podInfo(p: Pending, spec: PodSpec, s: StringPool): PodInfo {
  return {
    evidenceId: p.evidenceId,
    name: p.obj.metadata.name,
    labels: p.obj.metadata.labels ?? {},
    annotations: p.obj.metadata.annotations ?? {},
    containers: containerList(spec.containers, s),
    initContainers: containerList(spec.initContainers, s),
    hostNetwork: spec.hostNetwork ?? false,
  };
}

export function hasContainer(pod: { containers: Container[]; initContainers: Container[] }, name: string): boolean {
  return (
    pod.containers.some((c) => c.name === name) ||
    pod.initContainers.some((c) => c.name === name && c.restartPolicy === 'Always')
  );
}

function ensureNamespace(namespaces: Map<string, NamespaceInfo>, name: string): void {
  if (name && !namespaces.has(name)) namespaces.set(name, { name, labels: {}, annotations: {}, evidenceId: undefined });
}

// Groups running pods under the controller that owns them (ReplicaSet → Deployment, Job → CronJob),
// synthesizing the controller from its pods when the controller object itself is not in the evidence.
function buildWorkloads(controllers: readonly ControllerEntry[], pods: readonly PodEntry[]): Workload[] {
  const byKey = new Map<string, Workload>();
  const owners = new Map<string, { kind: string; name: string }>();
  const key = (kind: string, ns: string, name: string): string => `${kind}/${ns}/${name}`;

  for (const c of controllers) {
    if (c.o.owner) owners.set(key(c.kind, c.o.namespace, c.o.name), c.o.owner);
  }

  for (const c of controllers) {
    const ns = c.o.namespace;
    const k = key(c.kind, ns, c.o.name);
    // ReplicaSets owned by a Deployment and Jobs owned by a CronJob are revisions, not workloads.
    if (owners.has(k)) continue;
    byKey.set(k, {
      kind: c.kind,
      namespace: ns,
      name: c.o.name,
      evidenceIds: [c.o.evidenceId],
      podLabels: c.template.labels,
      podAnnotations: c.template.annotations,
      containers: c.template.containers,
      initContainers: c.template.initContainers,
      hostNetwork: c.template.hostNetwork,
      pods: [],
    });
  }

  for (const { o, info } of pods) {
    const ns = o.namespace;
    let owner = o.owner;
    // Walk up: Pod → ReplicaSet → Deployment, Pod → Job → CronJob.
    for (let depth = 0; owner && depth < 3; depth++) {
      const parent = owners.get(key(owner.kind, ns, owner.name));
      if (!parent) break;
      owner = parent;
    }
    if (owner?.kind === 'ReplicaSet' && !byKey.has(key('ReplicaSet', ns, owner.name))) {
      const hash = info.labels['pod-template-hash'];
      if (hash && owner.name.endsWith(`-${hash}`)) owner = { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
    }
    const ownerKind = owner && isWorkloadKind(owner.kind) ? owner.kind : undefined;
    const k = owner && ownerKind ? key(ownerKind, ns, owner.name) : key('Pod', ns, info.name);
    let w = byKey.get(k);
    if (!w) {
      w = {
        kind: ownerKind ?? 'Pod',
        namespace: ns,
        name: owner && ownerKind ? owner.name : info.name,
        evidenceIds: [],
        podLabels: info.labels,
        podAnnotations: info.annotations,
        containers: info.containers,
        initContainers: info.initContainers,
        hostNetwork: info.hostNetwork,
        pods: [],
      };
      byKey.set(k, w);
    }
    w.pods.push(info);
    w.evidenceIds.push(info.evidenceId);
  }
  // Copied to their exact length: an array grown by push keeps room for 16 more elements, and an
  // estate has one pair per workload.
  const workloads = [...byKey.values()];
  for (const w of workloads) {
    w.pods = w.pods.slice();
    w.evidenceIds = w.evidenceIds.slice();
  }
  return workloads;
}

function isWorkloadKind(kind: string): kind is WorkloadKind {
  return CONTROLLER_KINDS.has(kind) || kind === 'CronJob' || kind === 'Pod';
}

function controllerOwner(obj: K8sObject): { kind: string; name: string } | undefined {
  const refs = obj.metadata.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  return ref ? { kind: ref.kind, name: ref.name } : undefined;
}

// The running mesh config is the `istio` ConfigMap (key `mesh`, a YAML string); an IstioOperator's
// spec.meshConfig is the install-time intent, used only when no ConfigMap is in the evidence.
function resolveMeshConfig(
  target: string,
  configMaps: ConfigMapInfo[],
  operators: Pending[],
  gaps: EvidenceGap[],
): MeshConfigSource | undefined {
  const candidates = configMaps
    .filter((c) => (c.name === 'istio' || c.name.startsWith('istio-')) && typeof c.data.mesh === 'string')
    .sort((a, b) => rank(a) - rank(b) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const cm = candidates[0];
  if (cm) {
    const ref = { kind: 'ConfigMap', namespace: cm.namespace, name: cm.name };
    let raw: unknown;
    try {
      raw = parseYaml(cm.data.mesh ?? '', { maxAliasCount: 100, merge: true, uniqueKeys: true }) ?? {};
    } catch (err) {
      gaps.push({
        id: `gap-${cm.evidenceId.replace(/^ev-/, '')}-mesh`,
        target,
        reason: 'parse-error',
        kinds: ['ConfigMap', 'MeshConfig'],
        message: `ConfigMap ${cm.namespace}/${cm.name} key "mesh" is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
      });
      return undefined;
    }
    const parsed = MeshConfig.safeParse(raw);
    if (!parsed.success) {
      gaps.push({
        id: `gap-${cm.evidenceId.replace(/^ev-/, '')}-mesh`,
        target,
        reason: 'schema-invalid',
        kinds: ['ConfigMap', 'MeshConfig'],
        message: `ConfigMap ${cm.namespace}/${cm.name} key "mesh" does not match meshConfig: ${parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
      });
      return undefined;
    }
    return { evidenceId: cm.evidenceId, ref, config: parsed.data };
  }
  const op = operators[0];
  if (op) {
    const meshConfig = (op.raw as { spec?: { meshConfig?: unknown } }).spec?.meshConfig ?? {};
    const parsed = MeshConfig.safeParse(meshConfig);
    if (!parsed.success) {
      gaps.push(schemaGap(target, op, 'IstioOperator', parsed.error, op.obj.metadata.namespace, 'spec.meshConfig'));
      return undefined;
    }
    return {
      evidenceId: op.evidenceId,
      ref: { kind: 'IstioOperator', namespace: op.obj.metadata.namespace ?? '', name: op.obj.metadata.name },
      config: parsed.data,
    };
  }
  return undefined;
}

function rank(c: ConfigMapInfo): number {
  if (c.name === 'istio' && c.namespace === DEFAULT_ROOT_NAMESPACE) return 0;
  if (c.name === 'istio') return 1;
  return 2;
}
