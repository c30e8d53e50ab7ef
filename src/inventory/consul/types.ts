import type { Obj, ObjectRef } from '../types.ts';
import type { MeshSpec, ProxyDefaultsSpec, ServiceDefaultsSpec, ServiceIntentionsSpec } from './schema.ts';

// The typed Consul view of a target that Consul checks judge.

// Whether a consul-k8s CRD is known to be written to Consul. An unsynced CRD is not in effect;
// an object without status (a GitOps manifest, not read from a cluster) is judged as declared.
export type ConsulSyncState = 'synced' | 'unsynced' | 'unknown';

export interface ConsulSync {
  state: ConsulSyncState;
  // Condition reason/message for unsynced objects.
  reason?: string;
}

export type ConsulCrd<S> = Obj<S> & { sync: ConsulSync };

export interface ConsulHttpMatch {
  pathExact?: string;
  pathPrefix?: string;
  pathRegex?: string;
  methods: string[];
  headers: { name: string; present?: boolean; exact?: string; prefix?: string; suffix?: string; regex?: string; invert?: boolean }[];
}

// One L7 permission of an intention source, evaluated top to bottom, first match wins.
export interface ConsulPermission {
  action: 'allow' | 'deny';
  http: ConsulHttpMatch | undefined;
}

export interface ConsulIntentionSource {
  name: string;
  // '' means the default namespace / partition, and a local (not peered) source.
  namespace: string;
  partition: string;
  peer: string;
  samenessGroup: string;
}

export interface ConsulIntentionDestination {
  name: string;
  namespace: string;
  partition: string;
}

// One source → destination intention, from the Consul API (running state) or a ServiceIntentions CRD.
export interface ConsulIntention {
  origin: 'api' | 'crd';
  evidenceId: string;
  // The ServiceIntentions object, or the /v1/connect/intentions response it was listed in.
  ref: ObjectRef;
  source: ConsulIntentionSource;
  destination: ConsulIntentionDestination;
  // L4 action; undefined for an L7 intention (permissions), which is mutually exclusive with it.
  action: 'allow' | 'deny' | undefined;
  permissions: ConsulPermission[];
  // 1..9, higher wins (intentions/index.mdx precedence table).
  precedence: number;
  sync: ConsulSync;
}

export type ConsulDefaultPolicyValue = 'allow' | 'deny' | 'unknown';

// What happens to a connection no intention matches (agent/agent_endpoint.go AgentConnectAuthorize).
export interface ConsulDefaultPolicy {
  policy: ConsulDefaultPolicyValue;
  // 'default-intention-policy' (agent config), 'acl-default-policy', 'acls-disabled', or 'unknown'.
  basis: 'default-intention-policy' | 'acl-default-policy' | 'acls-disabled' | 'unknown';
  // Human-readable explanation with the field read.
  reason: string;
  evidence: string[];
}

// The fields of /v1/agent/self that decide the default intention behaviour.
export interface ConsulAgentConfig {
  evidenceId: string;
  datacenter: string | undefined;
  nodeName: string | undefined;
  version: string | undefined;
  // DebugConfig.DefaultIntentionPolicy; undefined when empty or absent (older agents).
  defaultIntentionPolicy: string | undefined;
  aclsEnabled: boolean | undefined;
  aclDefaultPolicy: string | undefined;
  // Which fields the ACL values came from, for messages.
  aclsEnabledField: string | undefined;
  aclDefaultPolicyField: string | undefined;
}

export interface ConsulCARoot {
  id: string;
  name: string;
  active: boolean;
  rootCert: string;
  intermediateCerts: string[];
}

export interface ConsulCARoots {
  evidenceId: string;
  activeRootId: string | undefined;
  trustDomain: string | undefined;
  roots: ConsulCARoot[];
}

export interface ConsulInventory {
  // Whether the evidence shows Consul installed (control plane, CRDs in use, API responses, or proxies).
  present: boolean;
  // Evidence ids that show Consul is present (cited by "evidence missing" results).
  presenceEvidence: string[];
  agent: ConsulAgentConfig | undefined;
  // Intentions from GET /v1/connect/intentions: the running state when present.
  apiIntentions: { evidenceId: string; intentions: ConsulIntention[] } | undefined;
  serviceIntentions: ConsulCrd<ServiceIntentionsSpec>[];
  // One entry per source of every ServiceIntentions CRD.
  crdIntentions: ConsulIntention[];
  meshes: ConsulCrd<MeshSpec>[];
  proxyDefaults: ConsulCrd<ProxyDefaultsSpec>[];
  serviceDefaults: ConsulCrd<ServiceDefaultsSpec>[];
  caRoots: ConsulCARoots | undefined;
}
