import { z } from 'zod';
import { StringMap } from '../k8s-object.ts';

// Specs of the Istio resources auditpack judges: security.istio.io v1/v1beta1 and networking.istio.io
// v1/v1beta1/v1alpha3 share these shapes. Unknown fields pass through (future Istio versions);
// a known field with an unknown enum value fails validation and becomes an evidence gap.

export const MtlsMode = z.enum(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);
export type MtlsMode = z.infer<typeof MtlsMode>;

export const WorkloadSelector = z.looseObject({ matchLabels: StringMap.nullish() });
export type WorkloadSelector = z.infer<typeof WorkloadSelector>;

export const PolicyTargetReference = z.looseObject({
  group: z.string().optional(),
  kind: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
});

export const PeerAuthenticationSpec = z.looseObject({
  selector: WorkloadSelector.nullish(),
  mtls: z.looseObject({ mode: MtlsMode.nullish() }).nullish(),
  portLevelMtls: z.record(z.string(), z.looseObject({ mode: MtlsMode.nullish() })).nullish(),
});
export type PeerAuthenticationSpec = z.infer<typeof PeerAuthenticationSpec>;

const StringList = z.array(z.string()).nullish();

export const AuthzSource = z.looseObject({
  principals: StringList,
  notPrincipals: StringList,
  requestPrincipals: StringList,
  notRequestPrincipals: StringList,
  namespaces: StringList,
  notNamespaces: StringList,
  serviceAccounts: StringList,
  notServiceAccounts: StringList,
  ipBlocks: StringList,
  notIpBlocks: StringList,
  remoteIpBlocks: StringList,
  notRemoteIpBlocks: StringList,
});
export type AuthzSource = z.infer<typeof AuthzSource>;

export const AuthzOperation = z.looseObject({
  hosts: StringList,
  notHosts: StringList,
  ports: StringList,
  notPorts: StringList,
  methods: StringList,
  notMethods: StringList,
  paths: StringList,
  notPaths: StringList,
});
export type AuthzOperation = z.infer<typeof AuthzOperation>;

export const AuthzCondition = z.looseObject({
  key: z.string(),
  values: StringList,
  notValues: StringList,
});

export const AuthzRule = z.looseObject({
  from: z.array(z.looseObject({ source: AuthzSource.nullish() })).nullish(),
  to: z.array(z.looseObject({ operation: AuthzOperation.nullish() })).nullish(),
  when: z.array(AuthzCondition).nullish(),
});
export type AuthzRule = z.infer<typeof AuthzRule>;

export const AuthzAction = z.enum(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']);
export type AuthzAction = z.infer<typeof AuthzAction>;

export const AuthorizationPolicySpec = z.looseObject({
  selector: WorkloadSelector.nullish(),
  targetRef: PolicyTargetReference.nullish(),
  targetRefs: z.array(PolicyTargetReference).nullish(),
  action: AuthzAction.nullish(),
  provider: z.looseObject({ name: z.string() }).nullish(),
  rules: z.array(AuthzRule.nullable()).nullish(),
});
export type AuthorizationPolicySpec = z.infer<typeof AuthorizationPolicySpec>;

export const JwtRule = z.looseObject({
  issuer: z.string(),
  jwksUri: z.string().optional(),
  jwks: z.string().optional(),
  audiences: StringList,
});

export const RequestAuthenticationSpec = z.looseObject({
  selector: WorkloadSelector.nullish(),
  targetRef: PolicyTargetReference.nullish(),
  targetRefs: z.array(PolicyTargetReference).nullish(),
  jwtRules: z.array(JwtRule).nullish(),
});
export type RequestAuthenticationSpec = z.infer<typeof RequestAuthenticationSpec>;

export const ClientTlsMode = z.enum(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']);
export type ClientTlsMode = z.infer<typeof ClientTlsMode>;

export const ClientTlsSettings = z.looseObject({
  mode: ClientTlsMode.nullish(),
  caCertificates: z.string().nullish(),
  credentialName: z.string().nullish(),
  insecureSkipVerify: z.boolean().nullish(),
  subjectAltNames: StringList,
  sni: z.string().nullish(),
});
export type ClientTlsSettings = z.infer<typeof ClientTlsSettings>;

export const PortSelector = z.looseObject({ number: z.number().int().nullish() });

export const TrafficPolicy = z.looseObject({
  tls: ClientTlsSettings.nullish(),
  portLevelSettings: z
    .array(z.looseObject({ port: PortSelector.nullish(), tls: ClientTlsSettings.nullish() }))
    .nullish(),
});
export type TrafficPolicy = z.infer<typeof TrafficPolicy>;

export const DestinationRuleSpec = z.looseObject({
  host: z.string().min(1),
  trafficPolicy: TrafficPolicy.nullish(),
  subsets: z
    .array(z.looseObject({ name: z.string(), labels: StringMap.nullish(), trafficPolicy: TrafficPolicy.nullish() }))
    .nullish(),
  exportTo: StringList,
  workloadSelector: WorkloadSelector.nullish(),
});
export type DestinationRuleSpec = z.infer<typeof DestinationRuleSpec>;

export const TlsProtocolVersion = z.enum(['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3']);
export type TlsProtocolVersion = z.infer<typeof TlsProtocolVersion>;

export const ServerTlsMode = z.enum([
  'PASSTHROUGH',
  'SIMPLE',
  'MUTUAL',
  'AUTO_PASSTHROUGH',
  'ISTIO_MUTUAL',
  'OPTIONAL_MUTUAL',
]);
export type ServerTlsMode = z.infer<typeof ServerTlsMode>;

export const GatewayServer = z.looseObject({
  name: z.string().nullish(),
  port: z.looseObject({
    number: z.number().int(),
    protocol: z.string(),
    name: z.string().nullish(),
    targetPort: z.number().int().nullish(),
  }),
  hosts: z.array(z.string()).nullish(),
  tls: z
    .looseObject({
      httpsRedirect: z.boolean().nullish(),
      mode: ServerTlsMode.nullish(),
      minProtocolVersion: TlsProtocolVersion.nullish(),
      maxProtocolVersion: TlsProtocolVersion.nullish(),
      cipherSuites: StringList,
      credentialName: z.string().nullish(),
      credentialNames: StringList,
      serverCertificate: z.string().nullish(),
      caCertificates: z.string().nullish(),
    })
    .nullish(),
});
export type GatewayServer = z.infer<typeof GatewayServer>;

export const GatewaySpec = z.looseObject({
  selector: StringMap.nullish(),
  servers: z.array(GatewayServer).nullish(),
});
export type GatewaySpec = z.infer<typeof GatewaySpec>;

export const OutboundMode = z.enum(['REGISTRY_ONLY', 'ALLOW_ANY', 'ALLOW_ANY_DYNAMIC_DNS']);
export type OutboundMode = z.infer<typeof OutboundMode>;

export const SidecarSpec = z.looseObject({
  workloadSelector: z.looseObject({ labels: StringMap.nullish() }).nullish(),
  outboundTrafficPolicy: z.looseObject({ mode: OutboundMode.nullish() }).nullish(),
});
export type SidecarSpec = z.infer<typeof SidecarSpec>;

// meshConfig (mesh/v1alpha1/config.proto): the fields our checks read.
export const MeshConfig = z.looseObject({
  rootNamespace: z.string().min(1).nullish(),
  enableAutoMtls: z.boolean().nullish(),
  outboundTrafficPolicy: z.looseObject({ mode: OutboundMode.nullish() }).nullish(),
  extensionProviders: z.array(z.looseObject({ name: z.string() })).nullish(),
  tlsDefaults: z.looseObject({ minProtocolVersion: TlsProtocolVersion.nullish() }).nullish(),
  meshMTLS: z.looseObject({ minProtocolVersion: TlsProtocolVersion.nullish() }).nullish(),
});
export type MeshConfig = z.infer<typeof MeshConfig>;
