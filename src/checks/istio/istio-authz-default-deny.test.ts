import { docs, describeCheck } from '../tester.ts';
import { istioAuthzDefaultDeny } from './istio-authz-default-deny.ts';

// Manifests as a snapshot would hold them; namespaces are injected so workloads count as meshed.
function namespace(name: string, labels = 'istio-injection: enabled'): string {
  return `
apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: { ${labels} }`;
}

function deployment(ns: string, app: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${app}, namespace: ${ns}, labels: { app: ${app} } }
spec:
  replicas: 2
  selector: { matchLabels: { app: ${app} } }
  template:
    metadata: { labels: { app: ${app}, version: v1 } }
    spec:
      serviceAccountName: ${app}
      containers:
        - name: ${app}
          image: registry.example.com/${app}:1.8.2
          ports: [{ containerPort: 8080, name: http }]`;
}

function policy(ns: string, name: string, spec: string, annotations?: string): string {
  return `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: ${ns}
  creationTimestamp: "2026-03-01T10:00:00Z"${annotations ? `\n  annotations: ${annotations}` : ''}
spec: ${spec}`;
}

const yaml = (...parts: string[]): unknown[] => docs(parts.join('\n---\n'));

const ALLOW_FROM_FRONTEND = `
  selector: { matchLabels: { app: cart } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: [cluster.local/ns/shop/sa/frontend] } }]
      to: [{ operation: { methods: [GET, POST], paths: ["/api/*"] } }]`;

describeCheck(istioAuthzDefaultDeny, {
  pass: [
    {
      name: 'namespace allow-nothing baseline (spec: {})',
      objects: yaml(namespace('shop'), deployment('shop', 'cart'), policy('shop', 'allow-nothing', '{}')),
      expect: [{ status: 'pass', kind: 'Namespace', name: 'shop', messageId: 'baseline', warning: false }],
    },
    {
      name: 'explicit action ALLOW with rules: [] is allow-nothing',
      objects: yaml(namespace('shop'), deployment('shop', 'cart'), policy('shop', 'deny-by-default', '{ action: ALLOW, rules: [] }')),
      expect: [{ status: 'pass', name: 'shop', messageId: 'baseline' }],
    },
    {
      name: 'root-namespace baseline covers every application namespace; system namespaces are not judged',
      objects: yaml(
        namespace('istio-system', 'kubernetes.io/metadata.name: istio-system'),
        namespace('kube-system', 'kubernetes.io/metadata.name: kube-system'),
        namespace('shop'),
        namespace('finance'),
        deployment('shop', 'cart'),
        deployment('finance', 'ledger'),
        policy('istio-system', 'global-deny', '{}'),
      ),
      expect: [
        { status: 'pass', name: 'finance', messageId: 'baseline' },
        { status: 'pass', name: 'shop', messageId: 'baseline' },
      ],
    },
    {
      name: 'per-workload default deny: every workload has an enforced ALLOW policy',
      objects: yaml(namespace('shop'), deployment('shop', 'cart'), policy('shop', 'cart-allow', ALLOW_FROM_FRONTEND)),
      expect: [{ status: 'pass', name: 'shop', messageId: 'perWorkload', warning: false }],
    },
    {
      name: 'baseline plus an allow-all rule on one workload warns (rules: [{}] defeats the baseline)',
      objects: yaml(
        namespace('shop'),
        deployment('shop', 'cart'),
        policy('shop', 'allow-nothing', '{}'),
        policy('shop', 'cart-open', '{ selector: { matchLabels: { app: cart } }, rules: [{}] }'),
      ),
      expect: [{ status: 'pass', name: 'shop', messageId: 'baseline', warning: true }],
    },
    {
      name: 'enforced DENY with an empty rule denies everything',
      objects: yaml(namespace('shop'), deployment('shop', 'cart'), policy('shop', 'lockdown', '{ action: DENY, rules: [{}] }')),
      expect: [{ status: 'pass', name: 'shop', messageId: 'denyAll', warning: true }],
    },
    {
      name: 'baseline with an unmeshed workload warns that the workload is unprotected',
      objects: yaml(namespace('legacy', 'team: legacy'), deployment('legacy', 'batch'), policy('legacy', 'allow-nothing', '{}')),
      expect: [{ status: 'pass', name: 'legacy', messageId: 'baseline', warning: true }],
    },
  ],
  fail: [
    {
      name: 'no AuthorizationPolicy at all',
      objects: yaml(namespace('shop'), deployment('shop', 'cart'), policy('istio-system', 'unrelated', '{ selector: { matchLabels: { app: istiod } } }')),
      expect: [{ status: 'fail', name: 'shop', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'dry-run allow-nothing enforces nothing',
      objects: yaml(namespace('shop'), deployment('shop', 'cart'), policy('shop', 'allow-nothing', '{}', '{ istio.io/dry-run: "true" }')),
      expect: [{ status: 'fail', name: 'shop', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'namespace-wide ALLOW with rules: [{}] is allow-all, not a baseline',
      objects: yaml(namespace('shop'), deployment('shop', 'cart'), policy('shop', 'allow-all', '{ rules: [{}] }')),
      expect: [{ status: 'fail', name: 'shop', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'DENY without rules is a no-op, not a deny-all',
      objects: yaml(namespace('shop'), deployment('shop', 'cart'), policy('shop', 'deny-nothing', '{ action: DENY }')),
      expect: [{ status: 'fail', name: 'shop', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'CUSTOM and AUDIT policies do not create default deny',
      objects: yaml(
        namespace('shop'),
        deployment('shop', 'cart'),
        policy('shop', 'ext', '{ action: CUSTOM, provider: { name: opa }, rules: [{ to: [{ operation: { paths: ["/admin"] } }] }] }'),
        policy('shop', 'audit', '{ action: AUDIT, rules: [{}] }'),
      ),
      expect: [{ status: 'fail', name: 'shop', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'allow-nothing scoped by a selector covers only one workload',
      objects: yaml(
        namespace('shop'),
        deployment('shop', 'cart'),
        deployment('shop', 'web'),
        policy('shop', 'cart-deny', '{ selector: { matchLabels: { app: cart } } }'),
      ),
      expect: [{ status: 'fail', name: 'shop', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'allow-nothing bound by targetRefs is not a namespace baseline',
      objects: yaml(
        namespace('shop'),
        deployment('shop', 'cart'),
        policy('shop', 'gw-deny', '{ targetRefs: [{ kind: Gateway, group: gateway.networking.k8s.io, name: shop-gw }] }'),
      ),
      expect: [{ status: 'fail', name: 'shop', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'per-workload ALLOW with an empty rule is allow-all',
      objects: yaml(namespace('shop'), deployment('shop', 'cart'), policy('shop', 'cart-open', '{ selector: { matchLabels: { app: cart } }, rules: [{}] }')),
      expect: [{ status: 'fail', name: 'shop', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'a RequestAuthentication alone denies nothing',
      objects: yaml(
        namespace('shop'),
        deployment('shop', 'cart'),
        `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: shop }
spec:
  jwtRules: [{ issuer: "https://auth.example.com", jwksUri: "https://auth.example.com/.well-known/jwks.json" }]`,
      ),
      expect: [{ status: 'fail', name: 'shop', messageId: 'noDefaultDeny' }],
    },
    {
      name: 'a namespace without workloads and without baseline',
      objects: yaml(namespace('staging'), namespace('shop'), deployment('shop', 'cart'), policy('shop', 'allow-nothing', '{}')),
      expect: [
        { status: 'fail', name: 'staging', messageId: 'noWorkloads' },
        { status: 'pass', name: 'shop', messageId: 'baseline' },
      ],
    },
  ],
  error: [
    {
      name: 'AuthorizationPolicy list denied: a baseline pass is not accepted',
      objects: yaml(namespace('shop'), deployment('shop', 'cart'), policy('shop', 'allow-nothing', '{}')),
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['AuthorizationPolicy'], message: 'list authorizationpolicies: 403' }],
      expect: [
        { status: 'error', name: 'shop', messageId: 'baseline' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'schema-invalid AuthorizationPolicy (action: PERMIT) in the root namespace',
      objects: yaml(namespace('shop'), deployment('shop', 'cart'), policy('shop', 'allow-nothing', '{}'), policy('istio-system', 'broken', '{ action: PERMIT, rules: [{}] }')),
      expect: [
        { status: 'error', name: 'shop', messageId: 'baseline' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'unparseable meshConfig: the root namespace is unknown',
      objects: yaml(
        namespace('shop'),
        deployment('shop', 'cart'),
        policy('istio-system', 'global-deny', '{}'),
        `
apiVersion: v1
kind: ConfigMap
metadata: { name: istio, namespace: istio-system }
data:
  mesh: "rootNamespace: [unclosed"`,
      ),
      expect: [
        { status: 'error', name: 'shop', messageId: 'baseline' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
  ],
});
