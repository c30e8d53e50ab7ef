import { z } from 'zod';

// Shapes of the Consul evidence auditpack judges: consul-k8s CRDs (consul.hashicorp.com/v1alpha1,
// control-plane/api/v1alpha1/*_types.go) and Consul HTTP API responses (api-docs/connect/*.mdx,
// /v1/agent/self). Unknown fields pass through (newer Consul); a known field with an unexpected
// type or enum value fails validation and becomes an evidence gap, so it can never pass silently.

export const CONSUL_GROUP = 'consul.hashicorp.com';
// API responses are stored under this synthetic group (src/pipeline/load-evidence.ts API_RESPONSE_GROUP).
export const API_GROUP = 'http.auditpack.io';
export const API_VERSION = `${API_GROUP}/v1`;

// Evidence kinds of the Consul HTTP API responses, and the endpoint each one stores.
export const CONSUL_API_KINDS = {
  ConsulAgentSelf: '/v1/agent/self',
  ConsulIntentionList: '/v1/connect/intentions',
  ConsulCARoots: '/v1/connect/ca/roots',
} as const;
export type ConsulApiKind = keyof typeof CONSUL_API_KINDS;

const Str = z.string().nullish();
const StrList = z.array(z.string()).nullish();

// ---- consul-k8s CRDs -------------------------------------------------------------------------

export const IntentionAction = z.enum(['allow', 'deny', '']);
export type IntentionAction = z.infer<typeof IntentionAction>;

export const HeaderMatch = z.looseObject({
  name: z.string(),
  present: z.boolean().nullish(),
  exact: Str,
  prefix: Str,
  suffix: Str,
  regex: Str,
  invert: z.boolean().nullish(),
});

export const HttpMatch = z.looseObject({
  pathExact: Str,
  pathPrefix: Str,
  pathRegex: Str,
  methods: StrList,
  header: z.array(HeaderMatch).nullish(),
});

export const CrdPermission = z.looseObject({
  action: IntentionAction.nullish(),
  http: HttpMatch.nullish(),
});

export const CrdSource = z.looseObject({
  name: Str,
  namespace: Str,
  peer: Str,
  partition: Str,
  samenessGroup: Str,
  action: IntentionAction.nullish(),
  permissions: z.array(CrdPermission).nullish(),
  description: Str,
});

export const ServiceIntentionsSpec = z.looseObject({
  destination: z.looseObject({ name: Str, namespace: Str, partition: Str, peer: Str }).nullish(),
  sources: z.array(CrdSource).nullish(),
});
export type ServiceIntentionsSpec = z.infer<typeof ServiceIntentionsSpec>;

// shared_types.go: MutualTLSModeDefault "", MutualTLSModeStrict, MutualTLSModePermissive.
export const MutualTLSMode = z.enum(['', 'strict', 'permissive']);
export type MutualTLSMode = z.infer<typeof MutualTLSMode>;

export const Expose = z.looseObject({
  checks: z.boolean().nullish(),
  paths: z
    .array(z.looseObject({ path: Str, listenerPort: z.number().nullish(), localPathPort: z.number().nullish(), protocol: Str }))
    .nullish(),
});
export type Expose = z.infer<typeof Expose>;

export const MeshSpec = z.looseObject({
  transparentProxy: z.looseObject({ meshDestinationsOnly: z.boolean().nullish() }).nullish(),
  allowEnablingPermissiveMutualTLS: z.boolean().nullish(),
});
export type MeshSpec = z.infer<typeof MeshSpec>;

export const ProxyDefaultsSpec = z.looseObject({
  mode: Str,
  mutualTLSMode: MutualTLSMode.nullish(),
  expose: Expose.nullish(),
});
export type ProxyDefaultsSpec = z.infer<typeof ProxyDefaultsSpec>;

export const ServiceDefaultsSpec = z.looseObject({
  protocol: Str,
  mode: Str,
  mutualTLSMode: MutualTLSMode.nullish(),
  expose: Expose.nullish(),
});
export type ServiceDefaultsSpec = z.infer<typeof ServiceDefaultsSpec>;

// status.conditions[type=Synced] is written by the consul-k8s controller after the config entry is
// written to Consul (the CRD printer column SYNCED).
export const CrdStatus = z.looseObject({
  conditions: z
    .array(z.looseObject({ type: z.string(), status: z.string(), reason: Str, message: Str, lastTransitionTime: Str }))
    .nullish(),
  lastSyncedTime: Str,
});
export type CrdStatus = z.infer<typeof CrdStatus>;

// ---- Consul HTTP API ---------------------------------------------------------------------------

export const ApiPermission = z.looseObject({
  Action: IntentionAction.nullish(),
  HTTP: z
    .looseObject({
      PathExact: Str,
      PathPrefix: Str,
      PathRegex: Str,
      Methods: StrList,
      Header: z
        .array(
          z.looseObject({
            Name: z.string(),
            Present: z.boolean().nullish(),
            Exact: Str,
            Prefix: Str,
            Suffix: Str,
            Regex: Str,
            Invert: z.boolean().nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});

export const ApiIntention = z.looseObject({
  ID: Str,
  SourceName: z.string(),
  SourceNS: Str,
  SourcePartition: Str,
  SourcePeer: Str,
  SourceSamenessGroup: Str,
  DestinationName: z.string(),
  DestinationNS: Str,
  DestinationPartition: Str,
  SourceType: Str,
  Action: IntentionAction.nullish(),
  Permissions: z.array(ApiPermission).nullish(),
  Precedence: z.number().int().nullish(),
});
export type ApiIntention = z.infer<typeof ApiIntention>;

// GET /v1/connect/intentions returns a JSON array (older agents return null for an empty list).
export const IntentionListBody = z.array(ApiIntention).nullable();

export const CARootsBody = z.looseObject({
  ActiveRootID: Str,
  TrustDomain: Str,
  Roots: z
    .array(
      z.looseObject({
        ID: z.string(),
        Name: Str,
        Active: z.boolean().nullish(),
        RootCert: z.string(),
        IntermediateCerts: StrList,
        // Convenience fields only: expiry is always judged from the parsed certificate.
        NotBefore: Str,
        NotAfter: Str,
      }),
    )
    .nullish(),
});
export type CARootsBody = z.infer<typeof CARootsBody>;

// Only the fields auditpack keeps from /v1/agent/self (the collector stores exactly this projection,
// never the ACL tokens, gossip keys or retry-join secrets the full response can hold). Paths differ
// by Consul version, so every one is optional and read defensively.
export const AgentSelfBody = z.looseObject({
  Config: z
    .looseObject({
      Datacenter: Str,
      NodeName: Str,
      Version: Str,
      Server: z.boolean().nullish(),
      PrimaryDatacenter: Str,
      // Pre-1.0 agents.
      ACLDefaultPolicy: Str,
    })
    .nullish(),
  DebugConfig: z
    .looseObject({
      Datacenter: Str,
      PrimaryDatacenter: Str,
      ConnectEnabled: z.boolean().nullish(),
      DefaultIntentionPolicy: Str,
      ACLsEnabled: z.boolean().nullish(),
      // Some 1.x versions.
      ACLDefaultPolicy: Str,
      // Newer agents: ACLResolverSettings is embedded in RuntimeConfig.
      ACLResolverSettings: z
        .looseObject({ ACLsEnabled: z.boolean().nullish(), ACLDefaultPolicy: Str, ACLDownPolicy: Str })
        .nullish(),
    })
    .nullish(),
});
export type AgentSelfBody = z.infer<typeof AgentSelfBody>;
