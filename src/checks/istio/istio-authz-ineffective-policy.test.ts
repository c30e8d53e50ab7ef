import { docs, describeCheck } from '../tester.ts';
import { istioAuthzIneffectivePolicy } from './istio-authz-ineffective-policy.ts';

const SHOP = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { istio-injection: enabled } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: cart, namespace: shop, labels: { app: cart } }
spec:
  replicas: 2
  selector: { matchLabels: { app: cart } }
  template:
    metadata: { labels: { app: cart, version: v1 } }
    spec:
      serviceAccountName: cart
      containers: [{ name: cart, image: registry.example.com/cart:1.8.2, ports: [{ containerPort: 8080 }] }]`;

const MESH_CONFIG = `
apiVersion: v1
kind: ConfigMap
metadata: { name: istio, namespace: istio-system }
data:
  mesh: |-
    rootNamespace: istio-system
    extensionProviders:
      - name: opa-ext-authz
        envoyExtAuthzGrpc: { service: opa.opa.svc.cluster.local, port: 9191 }`;

function policy(ns: string, name: string, spec: string, annotations?: string): string {
  return `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: ${ns}${annotations ? `\n  annotations: ${annotations}` : ''}
spec: ${spec}`;
}

const yaml = (...parts: string[]): unknown[] => docs([SHOP, ...parts].join('\n---\n'));

const CART_ALLOW = `
  selector: { matchLabels: { app: cart } }
  rules: [{ from: [{ source: { principals: [cluster.local/ns/shop/sa/frontend] } }] }]`;

const CUSTOM_OPA = (provider: string): string => `
  selector: { matchLabels: { app: cart } }
  action: CUSTOM
  provider: { name: ${provider} }
  rules: [{ to: [{ operation: { paths: ["/admin/*"] } }] }]`;

describeCheck(istioAuthzIneffectivePolicy, {
  pass: [
    {
      name: 'enforced ALLOW selecting a running workload',
      objects: yaml(policy('shop', 'cart-allow', CART_ALLOW)),
      expect: [{ status: 'pass', kind: 'AuthorizationPolicy', namespace: 'shop', name: 'cart-allow', messageId: 'effective', warning: false }],
    },
    {
      name: 'ALLOW without rules is an effective deny-all',
      objects: yaml(policy('shop', 'allow-nothing', '{}')),
      expect: [{ status: 'pass', name: 'allow-nothing', messageId: 'effective' }],
    },
    {
      name: 'DENY with rules: [{}] is an effective deny-all',
      objects: yaml(policy('shop', 'deny-all', '{ action: DENY, rules: [{}] }')),
      expect: [{ status: 'pass', name: 'deny-all', messageId: 'effective' }],
    },
    {
      name: 'root-namespace selector matches a workload in another namespace',
      objects: yaml(policy('istio-system', 'cart-everywhere', '{ selector: { matchLabels: { app: cart } }, action: DENY, rules: [{ to: [{ operation: { paths: ["/debug/*"] } }] }] }')),
      expect: [{ status: 'pass', namespace: 'istio-system', name: 'cart-everywhere', messageId: 'effective' }],
    },
    {
      name: 'CUSTOM provider registered in meshConfig.extensionProviders',
      objects: yaml(MESH_CONFIG, policy('shop', 'ext-authz', CUSTOM_OPA('opa-ext-authz'))),
      expect: [{ status: 'pass', name: 'ext-authz', messageId: 'effective' }],
    },
    {
      name: 'targetRefs policy cannot be verified from sidecar evidence: pass with a warning',
      objects: yaml(
        policy(
          'shop',
          'gw-jwt',
          '{ targetRefs: [{ kind: Gateway, group: gateway.networking.k8s.io, name: shop-gw }], rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }] }',
        ),
      ),
      expect: [{ status: 'pass', name: 'gw-jwt', messageId: 'targetRefs', warning: true }],
    },
    {
      name: 'namespace-wide policy in a namespace without workloads still applies to later ones',
      objects: yaml('apiVersion: v1\nkind: Namespace\nmetadata: { name: staging }', policy('staging', 'allow-nothing', '{}')),
      expect: [{ status: 'pass', namespace: 'staging', name: 'allow-nothing', messageId: 'effective' }],
    },
    {
      name: 'istio.io/dry-run "false" is enforced',
      objects: yaml(policy('shop', 'cart-allow', CART_ALLOW, '{ istio.io/dry-run: "false" }')),
      expect: [{ status: 'pass', name: 'cart-allow', messageId: 'effective', warning: false }],
    },
    {
      name: 'an unparseable dry-run value is enforced by istiod, with a warning',
      objects: yaml(policy('shop', 'cart-allow', CART_ALLOW, '{ istio.io/dry-run: "yes" }')),
      expect: [{ status: 'pass', name: 'cart-allow', messageId: 'effective', warning: true }],
    },
    {
      name: 'L7 selector policy on an ambient workload warns (ztunnel drops the traffic without a waypoint)',
      objects: docs(
        [
          'apiVersion: v1\nkind: Namespace\nmetadata: { name: mesh-lite, labels: { istio.io/dataplane-mode: ambient } }',
          `
apiVersion: apps/v1
kind: Deployment
metadata: { name: reviews, namespace: mesh-lite }
spec:
  selector: { matchLabels: { app: reviews } }
  template:
    metadata: { labels: { app: reviews } }
    spec: { containers: [{ name: reviews, image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.2 }] }`,
          policy('mesh-lite', 'reviews-get', '{ selector: { matchLabels: { app: reviews } }, rules: [{ to: [{ operation: { methods: [GET] } }] }] }'),
        ].join('\n---\n'),
      ),
      expect: [{ status: 'pass', name: 'reviews-get', messageId: 'effective', warning: true }],
    },
  ],
  fail: [
    {
      name: 'DENY without rules never matches (no-op)',
      objects: yaml(policy('shop', 'deny-nothing', '{ action: DENY }'), policy('shop', 'deny-empty-list', '{ action: DENY, rules: [] }')),
      expect: [
        { status: 'fail', name: 'deny-nothing', messageId: 'denyNoRules' },
        { status: 'fail', name: 'deny-empty-list', messageId: 'denyNoRules' },
      ],
    },
    {
      name: 'dry-run allow-nothing and dry-run DENY enforce nothing',
      objects: yaml(
        policy('shop', 'allow-nothing', '{}', '{ istio.io/dry-run: "true" }'),
        policy('shop', 'deny-admin', '{ action: DENY, rules: [{ to: [{ operation: { paths: ["/admin"] } }] }] }', '{ istio.io/dry-run: "true" }'),
      ),
      expect: [
        { status: 'fail', name: 'allow-nothing', messageId: 'dryRun' },
        { status: 'fail', name: 'deny-admin', messageId: 'dryRun' },
      ],
    },
    {
      name: 'AUDIT only marks requests',
      objects: yaml(policy('shop', 'audit-admin', '{ action: AUDIT, rules: [{ to: [{ operation: { paths: ["/admin/*"] } }] }] }')),
      expect: [{ status: 'fail', name: 'audit-admin', messageId: 'auditOnly' }],
    },
    {
      name: 'CUSTOM provider missing from meshConfig.extensionProviders',
      objects: yaml(MESH_CONFIG, policy('shop', 'ext-authz', CUSTOM_OPA('oauth2-proxy'))),
      expect: [{ status: 'fail', name: 'ext-authz', messageId: 'customUnknownProvider' }],
    },
    {
      name: 'CUSTOM without a provider',
      objects: yaml(MESH_CONFIG, policy('shop', 'ext-authz', '{ action: CUSTOM, rules: [{}] }')),
      expect: [{ status: 'fail', name: 'ext-authz', messageId: 'customNoProvider' }],
    },
    {
      name: 'CUSTOM without rules never consults the provider',
      objects: yaml(MESH_CONFIG, policy('shop', 'ext-authz', '{ action: CUSTOM, provider: { name: opa-ext-authz } }')),
      expect: [{ status: 'fail', name: 'ext-authz', messageId: 'customNoRules' }],
    },
    {
      name: 'selector matches no workload (IST0127)',
      objects: yaml(policy('shop', 'payments-allow', '{ selector: { matchLabels: { app: payments } }, rules: [{ from: [{ source: { namespaces: [shop] } }] }] }')),
      expect: [{ status: 'fail', name: 'payments-allow', messageId: 'selectorMatchesNothing' }],
    },
    {
      name: 'root-namespace selector matches no workload in any namespace',
      objects: yaml(policy('istio-system', 'ghost', '{ selector: { matchLabels: { app: ghost } }, action: DENY, rules: [{}] }')),
      expect: [{ status: 'fail', namespace: 'istio-system', name: 'ghost', messageId: 'selectorMatchesNothing' }],
    },
  ],
  error: [
    {
      name: 'CUSTOM provider cannot be verified without meshConfig',
      objects: yaml(policy('shop', 'ext-authz', CUSTOM_OPA('opa-ext-authz'))),
      expect: [{ status: 'error', name: 'ext-authz', messageId: 'customUnverifiable' }],
    },
    {
      name: 'selector matches nothing while pod evidence is missing for its namespace',
      objects: yaml(policy('shop', 'payments-allow', '{ selector: { matchLabels: { app: payments } } }')),
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['Pod'], namespace: 'shop', message: 'list pods in shop: 403' }],
      expect: [
        { status: 'error', name: 'payments-allow', messageId: 'selectorUnverifiable' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'AuthorizationPolicy list denied',
      objects: yaml(policy('shop', 'cart-allow', CART_ALLOW)),
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['AuthorizationPolicy'], message: 'list authorizationpolicies: 403' }],
      expect: [
        { status: 'error', name: 'cart-allow', messageId: 'effective' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'schema-invalid policy (action: PERMIT) in the same namespace',
      objects: yaml(policy('shop', 'cart-allow', CART_ALLOW), policy('shop', 'typo', '{ action: PERMIT }')),
      expect: [
        { status: 'error', name: 'cart-allow', messageId: 'effective' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
  ],
});
