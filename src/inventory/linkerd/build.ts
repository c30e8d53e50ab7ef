import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { parseAreaObject, type AreaInput, type AreaObject, type AreaOutput } from '../area.ts';
import type { ConfigMapInfo, EvidenceGap, Obj } from '../types.ts';
import {
  AuthorizationPolicySpec,
  GrpcRouteSpec,
  HttpRouteSpec,
  LinkerdValues,
  MeshTLSAuthenticationSpec,
  NetworkAuthenticationSpec,
  ServerAuthorizationSpec,
  ServerSpec,
} from './schema.ts';
import { INJECT_ANNOTATION, hasLinkerdProxy } from './dataplane.ts';
import type { IssuerCertificateSource, LinkerdConfigSource, LinkerdInventory } from './types.ts';

export const POLICY_GROUP = 'policy.linkerd.io';
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const DEFAULT_CONTROL_PLANE_NAMESPACE = 'linkerd';
export const LINKERD_CONFIG = 'linkerd-config';
export const TRUST_ROOTS_CONFIGMAP = 'linkerd-identity-trust-roots';
export const ISSUER_NAME = 'linkerd-identity-issuer';
// The logical evidence kind for linkerd-config `values`; checks that read it list it in `requires`.
export const LINKERD_CONFIG_KIND = 'LinkerdConfig';

// Keys a public copy of the issuer certificate may use: linkerd.io/tls scheme, then kubernetes.io/tls.
const ISSUER_KEYS = ['crt.pem', 'tls.crt'];

// Takes the policy.linkerd.io objects (and Gateway API routes attached to a Server) the core builder
// left, reads linkerd-config, the trust roots and any public copy of the issuer certificate, and
// decides whether Linkerd is present at all.
export function buildLinkerdInventory(input: AreaInput): AreaOutput<LinkerdInventory> {
  const claimed = new Set<string>();
  const inv: LinkerdInventory = {
    present: false,
    controlPlaneNamespace: DEFAULT_CONTROL_PLANE_NAMESPACE,
    config: undefined,
    servers: [],
    authorizationPolicies: [],
    meshTLSAuthentications: [],
    networkAuthentications: [],
    serverAuthorizations: [],
    httpRoutes: [],
    grpcRoutes: [],
    trustRoots: [],
    issuerCertificate: undefined,
  };

  function take<S>(o: AreaObject, schema: z.ZodType<S>, into: Obj<S>[]): void {
    // Claimed even when invalid: the object is accounted for by its gap, not "kind not judged".
    claimed.add(o.evidenceId);
    const parsed = parseAreaObject(input, o, schema);
    if (parsed) into.push(parsed);
  }

  for (const o of input.objects) {
    if (o.group === POLICY_GROUP) {
      inv.present = true;
      switch (o.kind) {
        case 'Server':
          take(o, ServerSpec, inv.servers);
          break;
        case 'AuthorizationPolicy':
          take(o, AuthorizationPolicySpec, inv.authorizationPolicies);
          break;
        case 'MeshTLSAuthentication':
          take(o, MeshTLSAuthenticationSpec, inv.meshTLSAuthentications);
          break;
        case 'NetworkAuthentication':
          take(o, NetworkAuthenticationSpec, inv.networkAuthentications);
          break;
        case 'ServerAuthorization':
          take(o, ServerAuthorizationSpec, inv.serverAuthorizations);
          break;
        case 'HTTPRoute':
          take(o, HttpRouteSpec, inv.httpRoutes);
          break;
        default:
          // EgressNetwork, HTTPLocalRateLimitPolicy, ...: Linkerd, but not judged by any check.
          break;
      }
      continue;
    }
    // Gateway API routes are Linkerd inbound policy only when a parent is a Server; the rest belong to
    // gateways (or to Linkerd's outbound routing) and are left for other builders.
    if (o.group === GATEWAY_GROUP && (o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute') && hasServerParent(o.raw)) {
      inv.present = true;
      if (o.kind === 'HTTPRoute') take(o, HttpRouteSpec, inv.httpRoutes);
      else take(o, GrpcRouteSpec, inv.grpcRoutes);
    }
  }

  const configMap = pickControlPlane(input.configMaps.filter((c) => c.name === LINKERD_CONFIG));
  if (configMap) {
    inv.present = true;
    inv.controlPlaneNamespace = configMap.namespace;
    inv.config = parseConfig(input, configMap);
  }

  inv.trustRoots = input.configMaps
    .filter((c) => c.name === TRUST_ROOTS_CONFIGMAP)
    .sort((a, b) => Number(b.namespace === inv.controlPlaneNamespace) - Number(a.namespace === inv.controlPlaneNamespace) || a.namespace.localeCompare(b.namespace));
  if (inv.trustRoots.length > 0) inv.present = true;

  inv.issuerCertificate = findIssuerCertificate(input.configMaps, inv.controlPlaneNamespace, inv.config);

  if (!inv.present) {
    inv.present =
      input.namespaces.some((n) => INJECT_ANNOTATION in n.annotations) ||
      input.workloads.some(
        (w) => hasLinkerdProxy(w) || w.pods.some((p) => hasLinkerdProxy(p)),
      );
  }

  const byName = <T extends { namespace: string; name: string }>(a: T, b: T): number =>
    a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
  for (const list of [
    inv.servers,
    inv.authorizationPolicies,
    inv.meshTLSAuthentications,
    inv.networkAuthentications,
    inv.serverAuthorizations,
    inv.httpRoutes,
    inv.grpcRoutes,
  ] as { namespace: string; name: string }[][]) {
    list.sort(byName);
  }
  return { inventory: inv, claimed };
}

function hasServerParent(raw: Record<string, unknown>): boolean {
  const spec = raw.spec;
  if (!spec || typeof spec !== 'object') return false;
  const parents = (spec as { parentRefs?: unknown }).parentRefs;
  if (!Array.isArray(parents)) return false;
  return parents.some((p: unknown) => {
    if (!p || typeof p !== 'object') return false;
    const { kind, group } = p as { kind?: unknown; group?: unknown };
    return kind === 'Server' && group === POLICY_GROUP;
  });
}

// The control plane's copy wins when several namespaces hold one (multi-control-plane test setups).
function pickControlPlane(candidates: readonly ConfigMapInfo[]): ConfigMapInfo | undefined {
  return [...candidates].sort(
    (a, b) =>
      Number(b.namespace === DEFAULT_CONTROL_PLANE_NAMESPACE) - Number(a.namespace === DEFAULT_CONTROL_PLANE_NAMESPACE) ||
      a.namespace.localeCompare(b.namespace),
  )[0];
}

function configGap(input: AreaInput, cm: ConfigMapInfo, reason: EvidenceGap['reason'], detail: string): void {
  // No namespace: the cluster-wide defaults in linkerd-config decide for workloads in every namespace.
  input.addGap({
    id: `gap-${cm.evidenceId.replace(/^ev-/, '')}-values`,
    target: input.target,
    reason,
    kinds: [LINKERD_CONFIG_KIND],
    message: `ConfigMap ${cm.namespace}/${cm.name} (evidence ${cm.evidenceId}) ${detail}, so Linkerd's cluster-wide defaults are unknown`,
  });
}

function parseConfig(input: AreaInput, cm: ConfigMapInfo): LinkerdConfigSource | undefined {
  const text = cm.data.values;
  if (text === undefined) {
    // Linkerd before 2.10 kept protobuf JSON under other keys; those installs cannot be judged.
    configGap(input, cm, 'schema-invalid', 'has no "values" key (Linkerd older than 2.10?)');
    return undefined;
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100, merge: true, uniqueKeys: true }) ?? {};
  } catch (err) {
    configGap(input, cm, 'parse-error', `key "values" is not valid YAML (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
  const parsed = LinkerdValues.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `values.${i.path.map(String).join('.')}: ${i.message}`)
      .join('; ');
    configGap(input, cm, 'schema-invalid', `key "values" does not match the Linkerd values schema (${issues})`);
    return undefined;
  }
  return { evidenceId: cm.evidenceId, ref: { kind: 'ConfigMap', namespace: cm.namespace, name: cm.name }, values: parsed.data };
}

// Public places only: a ConfigMap copy named linkerd-identity-issuer, else the install-time crtPEM in
// linkerd-config (linkerd.io/tls scheme only: with kubernetes.io/tls an external issuer such as
// cert-manager rotates it and that copy is stale by design). Never the Secret.
function findIssuerCertificate(
  configMaps: readonly ConfigMapInfo[],
  controlPlaneNamespace: string,
  config: LinkerdConfigSource | undefined,
): IssuerCertificateSource | undefined {
  const copies = configMaps
    .filter((c) => c.name === ISSUER_NAME)
    .sort((a, b) => Number(b.namespace === controlPlaneNamespace) - Number(a.namespace === controlPlaneNamespace) || a.namespace.localeCompare(b.namespace));
  for (const cm of copies) {
    for (const key of ISSUER_KEYS) {
      const pem = cm.data[key];
      if (pem !== undefined && pem.trim() !== '') {
        return {
          evidenceId: cm.evidenceId,
          ref: { kind: 'ConfigMap', namespace: cm.namespace, name: cm.name },
          location: `ConfigMap ${cm.namespace}/${cm.name} key ${key}`,
          pem,
          installTimeCopy: false,
        };
      }
    }
  }
  const issuer = config?.values.identity?.issuer;
  const pem = issuer?.tls?.crtPEM;
  if (config && pem && pem.trim() !== '' && (issuer?.scheme ?? 'linkerd.io/tls') === 'linkerd.io/tls') {
    return {
      evidenceId: config.evidenceId,
      ref: config.ref,
      location: `ConfigMap ${config.ref.namespace}/${config.ref.name} values.identity.issuer.tls.crtPEM`,
      pem,
      installTimeCopy: true,
    };
  }
  return undefined;
}
