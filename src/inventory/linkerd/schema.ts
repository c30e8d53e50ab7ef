import { z } from 'zod';
import { StringMap } from '../k8s-object.ts';

// Specs of the Linkerd policy resources auditpack judges (policy.linkerd.io, plus Gateway API routes
// attached to a Server). Unknown fields pass through (newer Linkerd versions); a known field with an
// unknown enum value fails validation and becomes an evidence gap, so it can never look compliant.

// labels.go: the values Linkerd accepts for the default inbound policy and Server.accessPolicy.
export const InboundPolicy = z.enum([
  'all-unauthenticated',
  'all-authenticated',
  'cluster-authenticated',
  'cluster-unauthenticated',
  'deny',
  'audit',
]);
export type InboundPolicy = z.infer<typeof InboundPolicy>;

const StringList = z.array(z.string()).nullish();

export const LabelSelectorRequirement = z.looseObject({
  key: z.string().min(1),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: StringList,
});

export const LabelSelector = z.looseObject({
  matchLabels: StringMap.nullish(),
  matchExpressions: z.array(LabelSelectorRequirement).nullish(),
});
export type LabelSelector = z.infer<typeof LabelSelector>;

// A port is a number or the name of a container port (IntOrString).
export const PortRef = z.union([z.number().int().min(1).max(65535), z.string().min(1)]);
export type PortRef = z.infer<typeof PortRef>;

// Server v1beta1/v1beta2/v1beta3 (v1alpha1 is the same shape). `accessPolicy` exists only in v1beta3,
// where it defaults to deny; older versions have no such field and deny unmatched traffic.
export const ServerSpec = z.looseObject({
  podSelector: LabelSelector.nullish(),
  externalWorkloadSelector: LabelSelector.nullish(),
  port: PortRef,
  proxyProtocol: z.string().nullish(),
  accessPolicy: InboundPolicy.nullish(),
});
export type ServerSpec = z.infer<typeof ServerSpec>;

export const ObjectReference = z.looseObject({
  group: z.string().nullish(),
  kind: z.string().min(1),
  name: z.string().nullish(),
  namespace: z.string().nullish(),
});
export type ObjectReference = z.infer<typeof ObjectReference>;

export const AuthorizationPolicySpec = z.looseObject({
  targetRef: ObjectReference,
  // All of them must be satisfied.
  requiredAuthenticationRefs: z.array(ObjectReference),
});
export type AuthorizationPolicySpec = z.infer<typeof AuthorizationPolicySpec>;

export const MeshTLSAuthenticationSpec = z.looseObject({
  identities: StringList,
  identityRefs: z.array(ObjectReference).nullish(),
});
export type MeshTLSAuthenticationSpec = z.infer<typeof MeshTLSAuthenticationSpec>;

export const Network = z.looseObject({ cidr: z.string().min(1), except: StringList });
export type Network = z.infer<typeof Network>;

export const NetworkAuthenticationSpec = z.looseObject({ networks: z.array(Network) });
export type NetworkAuthenticationSpec = z.infer<typeof NetworkAuthenticationSpec>;

// ServerAuthorization v1beta1: the pre-AuthorizationPolicy API, still enforced.
export const ServerAuthorizationSpec = z.looseObject({
  server: z.looseObject({ name: z.string().nullish(), selector: LabelSelector.nullish() }),
  client: z.looseObject({
    networks: z.array(Network).nullish(),
    unauthenticated: z.boolean().nullish(),
    meshTLS: z
      .looseObject({
        unauthenticatedTLS: z.boolean().nullish(),
        identities: StringList,
        serviceAccounts: z.array(z.looseObject({ name: z.string().min(1), namespace: z.string().nullish() })).nullish(),
      })
      .nullish(),
  }),
});
export type ServerAuthorizationSpec = z.infer<typeof ServerAuthorizationSpec>;

export const ParentReference = z.looseObject({
  group: z.string().nullish(),
  kind: z.string().nullish(),
  name: z.string().min(1),
  namespace: z.string().nullish(),
  port: z.number().int().nullish(),
  sectionName: z.string().nullish(),
});
export type ParentReference = z.infer<typeof ParentReference>;

export const HttpRouteMatch = z.looseObject({
  path: z.looseObject({ type: z.string().nullish(), value: z.string().nullish() }).nullish(),
  method: z.string().nullish(),
  headers: z.array(z.unknown()).nullish(),
  queryParams: z.array(z.unknown()).nullish(),
});
export type HttpRouteMatch = z.infer<typeof HttpRouteMatch>;

export const GrpcRouteMatch = z.looseObject({
  method: z.looseObject({ type: z.string().nullish(), service: z.string().nullish(), method: z.string().nullish() }).nullish(),
  headers: z.array(z.unknown()).nullish(),
});
export type GrpcRouteMatch = z.infer<typeof GrpcRouteMatch>;

const Parents = z.array(ParentReference).nullish();

// HTTPRoute: policy.linkerd.io v1alpha1..v1beta3 and gateway.networking.k8s.io share these fields.
export const HttpRouteSpec = z.looseObject({
  parentRefs: Parents,
  rules: z.array(z.looseObject({ matches: z.array(HttpRouteMatch).nullish() })).nullish(),
});
export type HttpRouteSpec = z.infer<typeof HttpRouteSpec>;

export const GrpcRouteSpec = z.looseObject({
  parentRefs: Parents,
  rules: z.array(z.looseObject({ matches: z.array(GrpcRouteMatch).nullish() })).nullish(),
});
export type GrpcRouteSpec = z.infer<typeof GrpcRouteSpec>;

const PortList = z.union([z.string(), z.number().int()]).nullish();

// linkerd-config `values` (the Helm values of the control plane): the fields the checks read.
export const LinkerdValues = z.looseObject({
  proxy: z
    .looseObject({
      defaultInboundPolicy: InboundPolicy.nullish(),
      opaquePorts: PortList,
      requireIdentityOnInboundPorts: PortList,
    })
    .nullish(),
  // Linkerd 2.10/2.11 named the cluster default policyController.defaultAllowPolicy.
  policyController: z.looseObject({ defaultAllowPolicy: InboundPolicy.nullish() }).nullish(),
  proxyInit: z
    .looseObject({
      ignoreInboundPorts: PortList,
      ignoreOutboundPorts: PortList,
      skipSubnets: z.string().nullish(),
    })
    .nullish(),
  identity: z
    .looseObject({
      issuer: z
        .looseObject({
          scheme: z.string().nullish(),
          tls: z.looseObject({ crtPEM: z.string().nullish() }).nullish(),
        })
        .nullish(),
    })
    .nullish(),
  identityTrustAnchorsPEM: z.string().nullish(),
});
export type LinkerdValues = z.infer<typeof LinkerdValues>;
