import { parseAreaObject, type AreaInput, type AreaObject, type AreaOutput } from '../area.ts';
import type { ObjectRef } from '../types.ts';
import { namespaceShowsConsul, workloadShowsConsul } from './dataplane.ts';
import { describeService, intentionPrecedence } from './intentions.ts';
import {
  AgentSelfBody,
  API_GROUP,
  CARootsBody,
  CONSUL_API_KINDS,
  CONSUL_GROUP,
  CrdStatus,
  IntentionListBody,
  MeshSpec,
  ProxyDefaultsSpec,
  ServiceDefaultsSpec,
  ServiceIntentionsSpec,
  type ApiIntention,
} from './schema.ts';
import type {
  ConsulAgentConfig,
  ConsulCrd,
  ConsulHttpMatch,
  ConsulIntention,
  ConsulInventory,
  ConsulPermission,
  ConsulSync,
} from './types.ts';
import type { z } from 'zod';

// consul-k8s webhooks accept only these names (mesh_webhook / proxydefaults_webhook); any other
// name never reaches Consul, so it is left unclaimed and listed as not judged.
const MESH_NAME = 'mesh';
const PROXY_DEFAULTS_NAME = 'global';

export function emptyConsulInventory(): ConsulInventory {
  return {
    present: false,
    presenceEvidence: [],
    agent: undefined,
    apiIntentions: undefined,
    serviceIntentions: [],
    crdIntentions: [],
    meshes: [],
    proxyDefaults: [],
    serviceDefaults: [],
    caRoots: undefined,
  };
}

export function buildConsulInventory(input: AreaInput): AreaOutput<ConsulInventory> {
  const inv = emptyConsulInventory();
  const claimed = new Set<string>();
  const presence = new Set<string>();

  for (const o of input.objects) {
    if (o.group === CONSUL_GROUP) {
      // Any consul-k8s CRD in use shows Consul, even kinds no check judges.
      presence.add(o.evidenceId);
      claimCrd(input, o, inv, claimed);
    } else if (o.group === API_GROUP && o.kind in CONSUL_API_KINDS) {
      presence.add(o.evidenceId);
      claimed.add(o.evidenceId);
      claimApi(input, o, inv);
    }
  }

  for (const w of input.workloads) if (workloadShowsConsul(w)) w.evidenceIds.forEach((id) => presence.add(id));
  for (const ns of input.namespaces) if (ns.evidenceId && namespaceShowsConsul(ns)) presence.add(ns.evidenceId);
  const consulNamespaceShown = input.namespaces.some((ns) => namespaceShowsConsul(ns));

  inv.presenceEvidence = [...presence].sort();
  inv.present = presence.size > 0 || consulNamespaceShown;
  const byName = <T extends { namespace: string; name: string }>(a: T, b: T): number => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
  inv.serviceIntentions.sort(byName);
  inv.meshes.sort(byName);
  inv.proxyDefaults.sort(byName);
  inv.serviceDefaults.sort(byName);
  return { inventory: inv, claimed };
}

function claimCrd(input: AreaInput, o: AreaObject, inv: ConsulInventory, claimed: Set<string>): void {
  switch (o.kind) {
    case 'ServiceIntentions': {
      claimed.add(o.evidenceId);
      const crd = parseCrd(input, o, ServiceIntentionsSpec);
      if (!crd) return;
      inv.serviceIntentions.push(crd);
      inv.crdIntentions.push(...crdIntentions(crd));
      return;
    }
    case 'Mesh': {
      if (o.name !== MESH_NAME) return;
      claimed.add(o.evidenceId);
      const crd = parseCrd(input, o, MeshSpec);
      if (crd) inv.meshes.push(crd);
      return;
    }
    case 'ProxyDefaults': {
      if (o.name !== PROXY_DEFAULTS_NAME) return;
      claimed.add(o.evidenceId);
      const crd = parseCrd(input, o, ProxyDefaultsSpec);
      if (crd) inv.proxyDefaults.push(crd);
      return;
    }
    case 'ServiceDefaults': {
      claimed.add(o.evidenceId);
      const crd = parseCrd(input, o, ServiceDefaultsSpec);
      if (crd) inv.serviceDefaults.push(crd);
      return;
    }
    default:
      return;
  }
}

function parseCrd<S>(input: AreaInput, o: AreaObject, schema: z.ZodType<S>): ConsulCrd<S> | undefined {
  const obj = parseAreaObject(input, o, schema);
  if (!obj) return undefined;
  const status = parseAreaObject(input, o, CrdStatus, 'status');
  if (!status) return undefined;
  return { ...obj, sync: syncOf(o, status.spec) };
}

// The Synced condition says whether the controller wrote the object to Consul. No status at all is a
// manifest (GitOps file), judged as declared; any other Synced value means it is not in effect.
function syncOf(o: AreaObject, status: z.infer<typeof CrdStatus>): ConsulSync {
  if (o.raw.status === undefined || o.raw.status === null) return { state: 'unknown', reason: 'the object has no status (a manifest, not read from a cluster)' };
  const synced = (status.conditions ?? []).find((c) => c.type === 'Synced');
  if (synced?.status === 'True') return { state: 'synced' };
  if (!synced) return { state: 'unsynced', reason: 'status has no Synced condition: the controller has not written it to Consul' };
  const detail = [synced.reason, synced.message].filter((s): s is string => typeof s === 'string' && s !== '').join(': ');
  return { state: 'unsynced', reason: `Synced=${synced.status}${detail ? ` (${detail})` : ''}` };
}

function str(v: string | null | undefined): string {
  return v ?? '';
}

function crdIntentions(crd: ConsulCrd<z.infer<typeof ServiceIntentionsSpec>>): ConsulIntention[] {
  const ref: ObjectRef = { kind: 'ServiceIntentions', namespace: crd.namespace, name: crd.name };
  const dest = crd.spec.destination ?? {};
  const destination = { name: str(dest.name), namespace: str(dest.namespace), partition: str(dest.partition) };
  return (crd.spec.sources ?? []).map((s): ConsulIntention => {
    const source = {
      name: str(s.name),
      namespace: str(s.namespace),
      partition: str(s.partition),
      peer: str(s.peer),
      samenessGroup: str(s.samenessGroup),
    };
    const permissions = (s.permissions ?? []).map(
      (p): ConsulPermission => ({
        action: p.action === 'allow' ? 'allow' : 'deny',
        http: p.http
          ? httpMatch({
              pathExact: p.http.pathExact,
              pathPrefix: p.http.pathPrefix,
              pathRegex: p.http.pathRegex,
              methods: p.http.methods,
              headers: (p.http.header ?? []).map((h) => ({ ...h })),
            })
          : undefined,
      }),
    );
    return {
      origin: 'crd',
      evidenceId: crd.evidenceId,
      ref,
      source,
      destination,
      action: permissions.length > 0 ? undefined : s.action === 'allow' ? 'allow' : 'deny',
      permissions,
      precedence: intentionPrecedence(source, destination),
      sync: crd.sync,
    };
  });
}

interface RawHeader {
  name?: string;
  Name?: string;
  present?: boolean | null;
  exact?: string | null;
  prefix?: string | null;
  suffix?: string | null;
  regex?: string | null;
  invert?: boolean | null;
}

function httpMatch(h: {
  pathExact?: string | null;
  pathPrefix?: string | null;
  pathRegex?: string | null;
  methods?: string[] | null;
  headers: RawHeader[];
}): ConsulHttpMatch {
  return {
    ...(h.pathExact ? { pathExact: h.pathExact } : {}),
    ...(h.pathPrefix ? { pathPrefix: h.pathPrefix } : {}),
    ...(h.pathRegex ? { pathRegex: h.pathRegex } : {}),
    methods: h.methods ?? [],
    headers: h.headers.map((x) => ({
      name: x.name ?? x.Name ?? '',
      ...(x.present ? { present: x.present } : {}),
      ...(x.exact ? { exact: x.exact } : {}),
      ...(x.prefix ? { prefix: x.prefix } : {}),
      ...(x.suffix ? { suffix: x.suffix } : {}),
      ...(x.regex ? { regex: x.regex } : {}),
      ...(x.invert ? { invert: x.invert } : {}),
    })),
  };
}

function apiIntention(evidenceId: string, i: ApiIntention): ConsulIntention {
  const source = {
    name: i.SourceName,
    namespace: str(i.SourceNS),
    partition: str(i.SourcePartition),
    peer: str(i.SourcePeer),
    samenessGroup: str(i.SourceSamenessGroup),
  };
  const destination = { name: i.DestinationName, namespace: str(i.DestinationNS), partition: str(i.DestinationPartition) };
  const permissions = (i.Permissions ?? []).map(
    (p): ConsulPermission => ({
      action: p.Action === 'allow' ? 'allow' : 'deny',
      http: p.HTTP
        ? httpMatch({
            pathExact: p.HTTP.PathExact,
            pathPrefix: p.HTTP.PathPrefix,
            pathRegex: p.HTTP.PathRegex,
            methods: p.HTTP.Methods,
            headers: (p.HTTP.Header ?? []).map((h) => ({
              Name: h.Name,
              present: h.Present,
              exact: h.Exact,
              prefix: h.Prefix,
              suffix: h.Suffix,
              regex: h.Regex,
              invert: h.Invert,
            })),
          })
        : undefined,
    }),
  );
  return {
    origin: 'api',
    evidenceId,
    // Namespaces, partitions and peers appear in the name when not the defaults, so pairs stay distinct.
    ref: { kind: 'ConsulIntention', name: `${describeService(source)} -> ${describeService(destination)}` },
    source,
    destination,
    action: permissions.length > 0 ? undefined : i.Action === 'allow' ? 'allow' : 'deny',
    permissions,
    // Consul computes and returns Precedence; recompute only when an older agent omits it.
    precedence: i.Precedence ?? intentionPrecedence(source, destination),
    sync: { state: 'synced' },
  };
}

function claimApi(input: AreaInput, o: AreaObject, inv: ConsulInventory): void {
  switch (o.kind) {
    case 'ConsulAgentSelf': {
      const parsed = parseAreaObject(input, o, AgentSelfBody, 'body');
      if (parsed) inv.agent = agentConfig(o.evidenceId, parsed.spec);
      return;
    }
    case 'ConsulIntentionList': {
      // parseAreaObject reads a null body as {}; Consul's null here means an empty list.
      if (o.raw.body === null) {
        inv.apiIntentions = { evidenceId: o.evidenceId, intentions: [] };
        return;
      }
      const parsed = parseAreaObject(input, o, IntentionListBody, 'body');
      if (parsed) inv.apiIntentions = { evidenceId: o.evidenceId, intentions: (parsed.spec ?? []).map((i) => apiIntention(o.evidenceId, i)) };
      return;
    }
    case 'ConsulCARoots': {
      const parsed = parseAreaObject(input, o, CARootsBody, 'body');
      if (!parsed) return;
      const b = parsed.spec;
      inv.caRoots = {
        evidenceId: o.evidenceId,
        activeRootId: b.ActiveRootID ?? undefined,
        trustDomain: b.TrustDomain ?? undefined,
        roots: (b.Roots ?? []).map((r) => ({
          id: r.ID,
          name: r.Name ?? r.ID,
          // Older agents omit Active; the active root is named by ActiveRootID.
          active: r.Active ?? r.ID === b.ActiveRootID,
          rootCert: r.RootCert,
          intermediateCerts: r.IntermediateCerts ?? [],
        })),
      };
      return;
    }
    default:
      return;
  }
}

function agentConfig(evidenceId: string, body: z.infer<typeof AgentSelfBody>): ConsulAgentConfig {
  const dbg = body.DebugConfig ?? {};
  const cfg = body.Config ?? {};
  // Newer agents: DebugConfig.ACLsEnabled and DebugConfig.ACLResolverSettings.ACLDefaultPolicy;
  // some 1.x: DebugConfig.ACLDefaultPolicy; pre-1.0: Config.ACLDefaultPolicy.
  const aclsEnabled = pick([
    ['DebugConfig.ACLsEnabled', dbg.ACLsEnabled],
    ['DebugConfig.ACLResolverSettings.ACLsEnabled', dbg.ACLResolverSettings?.ACLsEnabled],
  ]);
  const aclDefault = pick([
    ['DebugConfig.ACLResolverSettings.ACLDefaultPolicy', nonEmpty(dbg.ACLResolverSettings?.ACLDefaultPolicy)],
    ['DebugConfig.ACLDefaultPolicy', nonEmpty(dbg.ACLDefaultPolicy)],
    ['Config.ACLDefaultPolicy', nonEmpty(cfg.ACLDefaultPolicy)],
  ]);
  return {
    evidenceId,
    datacenter: nonEmpty(dbg.Datacenter) ?? nonEmpty(cfg.Datacenter),
    nodeName: nonEmpty(cfg.NodeName),
    version: nonEmpty(cfg.Version),
    defaultIntentionPolicy: nonEmpty(dbg.DefaultIntentionPolicy),
    aclsEnabled: aclsEnabled?.[1],
    aclDefaultPolicy: aclDefault?.[1],
    aclsEnabledField: aclsEnabled?.[0],
    aclDefaultPolicyField: aclDefault?.[0],
  };
}

function nonEmpty(v: string | null | undefined): string | undefined {
  return v === null || v === undefined || v === '' ? undefined : v;
}

function pick<T>(candidates: [string, T | null | undefined][]): [string, T] | undefined {
  for (const [field, value] of candidates) if (value !== undefined && value !== null) return [field, value];
  return undefined;
}
