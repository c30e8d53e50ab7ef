import { docs, describeCheck } from '../tester.ts';
import { istioAuthzNoAllowAll } from './istio-authz-no-allow-all.ts';

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

const RESTRICTED = `
  selector: { matchLabels: { app: cart } }
  action: ALLOW
  rules:
    - from: [{ source: { principals: [cluster.local/ns/shop/sa/frontend] } }]
      to: [{ operation: { methods: [GET], paths: ["/api/cart/*"] } }]`;

describeCheck(istioAuthzNoAllowAll, {
  pass: [
    {
      name: 'rules name a principal and operations',
      objects: yaml(policy('shop', 'cart-from-frontend', RESTRICTED)),
      expect: [{ status: 'pass', kind: 'AuthorizationPolicy', namespace: 'shop', name: 'cart-from-frontend', messageId: 'restricted', warning: false }],
    },
    {
      name: 'ALLOW without rules allows nothing (deny all)',
      objects: yaml(policy('shop', 'allow-nothing', '{}'), policy('shop', 'allow-nothing-null', '{ action: ALLOW, rules: null }')),
      expect: [
        { status: 'pass', name: 'allow-nothing', messageId: 'allowNothing' },
        { status: 'pass', name: 'allow-nothing-null', messageId: 'allowNothing' },
      ],
    },
    {
      name: 'DENY, CUSTOM and AUDIT with rules: [{}] are not ALLOW policies and are not judged',
      objects: yaml(
        policy('shop', 'cart-from-frontend', RESTRICTED),
        policy('shop', 'deny-all', '{ action: DENY, rules: [{}] }'),
        policy('shop', 'audit-all', '{ action: AUDIT, rules: [{}] }'),
        policy('shop', 'ext-all', '{ action: CUSTOM, provider: { name: opa }, rules: [{}] }'),
      ),
      expect: [{ status: 'pass', name: 'cart-from-frontend', messageId: 'restricted' }],
    },
    {
      name: 'dry-run allow-all is not enforced: pass with a warning',
      objects: yaml(policy('shop', 'allow-all-trial', '{ rules: [{}] }', '{ istio.io/dry-run: "true" }')),
      expect: [{ status: 'pass', name: 'allow-all-trial', messageId: 'allowAllDryRun', warning: true }],
    },
    {
      name: 'near allow-all: principals ["*"]',
      objects: yaml(policy('shop', 'any-peer', '{ rules: [{ from: [{ source: { principals: ["*"] } }] }] }')),
      expect: [{ status: 'pass', name: 'any-peer', messageId: 'restricted', warning: true }],
    },
    {
      name: 'near allow-all: namespaces ["*"]',
      objects: yaml(policy('shop', 'any-ns', '{ rules: [{ from: [{ source: { namespaces: ["*"] } }], to: [{ operation: { methods: [GET] } }] }] }')),
      expect: [{ status: 'pass', name: 'any-ns', messageId: 'restricted', warning: true }],
    },
    {
      name: 'near allow-all: a rule with only to.operation.ports',
      objects: yaml(policy('shop', 'port-only', '{ selector: { matchLabels: { app: cart } }, rules: [{ to: [{ operation: { ports: ["8080"] } }] }] }')),
      expect: [{ status: 'pass', name: 'port-only', messageId: 'restricted', warning: true }],
    },
  ],
  fail: [
    {
      name: 'namespace-wide rules: [{}] allows every request',
      objects: yaml(policy('shop', 'allow-all', '{ action: ALLOW, rules: [{}] }')),
      expect: [{ status: 'fail', namespace: 'shop', name: 'allow-all', messageId: 'allowAll' }],
    },
    {
      name: 'root-namespace rules: [{}] opens the whole mesh',
      objects: yaml(policy('istio-system', 'mesh-allow-all', '{ rules: [{}] }')),
      expect: [{ status: 'fail', namespace: 'istio-system', name: 'mesh-allow-all', messageId: 'allowAll' }],
    },
    {
      name: 'one empty rule among restricted ones still allows everything (action omitted)',
      objects: yaml(
        policy(
          'shop',
          'cart-mixed',
          `
  selector: { matchLabels: { app: cart } }
  rules:
    - from: [{ source: { principals: [cluster.local/ns/shop/sa/frontend] } }]
    - {}`,
        ),
      ),
      expect: [{ status: 'fail', name: 'cart-mixed', messageId: 'allowAll' }],
    },
    {
      name: 'a null rule is treated as an empty rule',
      objects: yaml(policy('shop', 'null-rule', '{ rules: [~] }')),
      expect: [{ status: 'fail', name: 'null-rule', messageId: 'allowAll' }],
    },
    {
      name: 'an empty source (unvalidated manifest) matches every peer',
      objects: yaml(policy('shop', 'empty-source', '{ rules: [{ from: [{ source: {} }] }] }')),
      expect: [{ status: 'fail', name: 'empty-source', messageId: 'allowAll' }],
    },
    {
      name: 'allow-all bound to a gateway by targetRefs',
      objects: yaml(policy('shop', 'gw-open', '{ targetRefs: [{ kind: Gateway, group: gateway.networking.k8s.io, name: shop-gw }], rules: [{}] }')),
      expect: [{ status: 'fail', name: 'gw-open', messageId: 'allowAll' }],
    },
    {
      name: 'istio.io/dry-run "false" is enforced',
      objects: yaml(policy('shop', 'allow-all', '{ rules: [{}] }', '{ istio.io/dry-run: "false" }')),
      expect: [{ status: 'fail', name: 'allow-all', messageId: 'allowAll' }],
    },
  ],
  error: [
    {
      name: 'AuthorizationPolicy list denied',
      objects: yaml(policy('shop', 'cart-from-frontend', RESTRICTED)),
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['AuthorizationPolicy'], message: 'list authorizationpolicies: 403' }],
      expect: [
        { status: 'error', name: 'cart-from-frontend', messageId: 'restricted' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'schema-invalid policy (action: PERMIT) in the same namespace',
      objects: yaml(policy('shop', 'allow-nothing', '{}'), policy('shop', 'typo', '{ action: PERMIT, rules: [{}] }')),
      expect: [
        { status: 'error', name: 'allow-nothing', messageId: 'allowNothing' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
  ],
});
