import type { ConfigMapInfo, Obj, ObjectRef } from '../types.ts';
import type {
  AuthorizationPolicySpec,
  GrpcRouteSpec,
  HttpRouteSpec,
  LinkerdValues,
  MeshTLSAuthenticationSpec,
  NetworkAuthenticationSpec,
  ServerAuthorizationSpec,
  ServerSpec,
} from './schema.ts';

// The parsed `values` of the linkerd-config ConfigMap (the control plane's install values).
export interface LinkerdConfigSource {
  evidenceId: string;
  ref: ObjectRef;
  values: LinkerdValues;
}

// The identity issuer certificate, from a public place only (never the linkerd-identity-issuer Secret).
export interface IssuerCertificateSource {
  evidenceId: string;
  ref: ObjectRef;
  // Where in that object the PEM was found, for messages ("ConfigMap key crt.pem", ...).
  location: string;
  pem: string;
  // linkerd-config values.identity.issuer.tls.crtPEM is the install-time copy; it can be stale after a
  // rotation done outside `linkerd upgrade`.
  installTimeCopy: boolean;
}

// The typed Linkerd view of a target that Linkerd checks judge.
export interface LinkerdInventory {
  // Whether the evidence shows Linkerd installed (control plane, CRDs in use, or proxies).
  present: boolean;
  // Namespace of linkerd-config, or the default install namespace `linkerd`.
  controlPlaneNamespace: string;
  // undefined when linkerd-config is not in the evidence or could not be parsed (then a gap on the
  // logical kind LinkerdConfig says why).
  config: LinkerdConfigSource | undefined;
  servers: Obj<ServerSpec>[];
  authorizationPolicies: Obj<AuthorizationPolicySpec>[];
  meshTLSAuthentications: Obj<MeshTLSAuthenticationSpec>[];
  networkAuthentications: Obj<NetworkAuthenticationSpec>[];
  serverAuthorizations: Obj<ServerAuthorizationSpec>[];
  // policy.linkerd.io HTTPRoutes, and gateway.networking.k8s.io HTTPRoutes whose parent is a Server.
  httpRoutes: Obj<HttpRouteSpec>[];
  // gateway.networking.k8s.io GRPCRoutes whose parent is a Server.
  grpcRoutes: Obj<GrpcRouteSpec>[];
  // ConfigMaps named linkerd-identity-trust-roots (key ca-bundle.crt).
  trustRoots: ConfigMapInfo[];
  issuerCertificate: IssuerCertificateSource | undefined;
}
