import { docs, describeCheck } from '../tester.ts';
import { istioRequestauthnEnforced } from './istio-requestauthn-enforced.ts';

function namespace(name: string, labels = 'istio-injection: enabled'): string {
  return `
apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: { ${labels} }`;
}

function deployment(ns: string, name: string, labels = `app: ${name}`): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${ns} }
spec:
  replicas: 2
  selector: { matchLabels: { ${labels} } }
  template:
    metadata: { labels: { ${labels} } }
    spec:
      containers: [{ name: ${name}, image: registry.example.com/${name}:3.1.0, ports: [{ containerPort: 8080 }] }]`;
}

function requestAuthn(ns: string, name: string, scope: string): string {
  return `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: ${name}, namespace: ${ns} }
spec:
  ${scope}
  jwtRules:
    - issuer: "https://auth.example.com/"
      jwksUri: "https://auth.example.com/.well-known/jwks.json"
      audiences: [api.example.com]`;
}

function policy(ns: string, name: string, spec: string, annotations?: string): string {
  return `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: ${ns}${annotations ? `\n  annotations: ${annotations}` : ''}
spec: ${spec}`;
}

const yaml = (...parts: string[]): unknown[] => docs(parts.join('\n---\n'));

const API = [namespace('shop'), deployment('shop', 'api')];
const RA_API = requestAuthn('shop', 'api-jwt', 'selector: { matchLabels: { app: api } }');
const REQUIRE_JWT = `
  selector: { matchLabels: { app: api } }
  action: ALLOW
  rules:
    - from: [{ source: { requestPrincipals: ["https://auth.example.com//*"] } }]
      to: [{ operation: { methods: [GET, POST] } }]`;
const DENY_NO_TOKEN = `
  selector: { matchLabels: { app: api } }
  action: DENY
  rules:
    - from: [{ source: { notRequestPrincipals: ["*"] } }]`;

describeCheck(istioRequestauthnEnforced, {
  pass: [
    {
      name: 'ALLOW whose every rule requires requestPrincipals',
      objects: yaml(...API, RA_API, policy('shop', 'api-require-jwt', REQUIRE_JWT)),
      expect: [{ status: 'pass', kind: 'RequestAuthentication', namespace: 'shop', name: 'api-jwt', messageId: 'enforced', warning: false }],
    },
    {
      name: 'DENY with notRequestPrincipals ["*"]',
      objects: yaml(...API, RA_API, policy('shop', 'api-deny-anonymous', DENY_NO_TOKEN)),
      expect: [{ status: 'pass', name: 'api-jwt', messageId: 'enforced', warning: false }],
    },
    {
      name: 'path-scoped DENY with notRequestPrincipals: partial coverage warning',
      objects: yaml(
        ...API,
        RA_API,
        policy(
          'shop',
          'api-deny-anonymous-admin',
          `
  selector: { matchLabels: { app: api } }
  action: DENY
  rules:
    - from: [{ source: { notRequestPrincipals: ["*"] } }]
      to: [{ operation: { paths: ["/admin/*"] } }]`,
        ),
      ),
      expect: [{ status: 'pass', name: 'api-jwt', messageId: 'enforcedPartially', warning: true }],
    },
    {
      name: 'namespace-wide RA with an allow-nothing baseline and JWT-only ALLOW per workload',
      objects: yaml(
        ...API,
        deployment('shop', 'orders'),
        requestAuthn('shop', 'shop-jwt', ''),
        policy('shop', 'allow-nothing', '{}'),
        policy('shop', 'api-require-jwt', REQUIRE_JWT),
        policy(
          'shop',
          'orders-require-claim',
          `
  selector: { matchLabels: { app: orders } }
  rules:
    - when: [{ key: "request.auth.claims[groups]", values: [orders-admin] }]`,
        ),
      ),
      expect: [{ status: 'pass', name: 'shop-jwt', messageId: 'enforced' }],
    },
    {
      name: 'root-namespace RA on the ingress gateway with a mesh DENY for anonymous requests',
      objects: yaml(
        namespace('istio-system', 'kubernetes.io/metadata.name: istio-system'),
        deployment('istio-system', 'istio-ingressgateway', 'istio: ingressgateway'),
        requestAuthn('istio-system', 'ingress-jwt', 'selector: { matchLabels: { istio: ingressgateway } }'),
        policy(
          'istio-system',
          'ingress-require-jwt',
          `
  selector: { matchLabels: { istio: ingressgateway } }
  action: DENY
  rules: [{ from: [{ source: { notRequestPrincipals: ["*"] } }] }]`,
        ),
      ),
      expect: [{ status: 'pass', namespace: 'istio-system', name: 'ingress-jwt', messageId: 'enforced' }],
    },
    {
      name: 'mesh-wide RA covers application namespaces, not kube-system',
      objects: yaml(
        ...API,
        namespace('kube-system', 'kubernetes.io/metadata.name: kube-system'),
        deployment('kube-system', 'coredns', 'k8s-app: kube-dns'),
        requestAuthn('istio-system', 'mesh-jwt', ''),
        policy('shop', 'api-deny-anonymous', DENY_NO_TOKEN),
      ),
      expect: [{ status: 'pass', namespace: 'istio-system', name: 'mesh-jwt', messageId: 'enforced' }],
    },
    {
      name: 'gateway-bound RA with a gateway-bound ALLOW that requires a JWT',
      objects: yaml(
        namespace('shop'),
        requestAuthn('shop', 'gw-jwt', 'targetRefs: [{ kind: Gateway, group: gateway.networking.k8s.io, name: shop-gw }]'),
        policy(
          'shop',
          'gw-require-jwt',
          '{ targetRefs: [{ kind: Gateway, group: gateway.networking.k8s.io, name: shop-gw }], rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }] }',
        ),
      ),
      expect: [{ status: 'pass', name: 'gw-jwt', messageId: 'enforced' }],
    },
  ],
  fail: [
    {
      name: 'RequestAuthentication alone accepts requests with no token',
      objects: yaml(...API, RA_API),
      expect: [{ status: 'fail', name: 'api-jwt', messageId: 'acceptsNoToken' }],
    },
    {
      name: 'another ALLOW policy with an empty rule is an allow path without a token',
      objects: yaml(...API, RA_API, policy('shop', 'api-require-jwt', REQUIRE_JWT), policy('shop', 'api-open', '{ selector: { matchLabels: { app: api } }, rules: [{}] }')),
      expect: [{ status: 'fail', name: 'api-jwt', messageId: 'acceptsNoToken' }],
    },
    {
      name: 'an ALLOW rule without requestPrincipals next to one with them',
      objects: yaml(
        ...API,
        RA_API,
        policy(
          'shop',
          'api-mixed',
          `
  selector: { matchLabels: { app: api } }
  rules:
    - from: [{ source: { requestPrincipals: ["*"] } }]
    - from: [{ source: { namespaces: [shop] } }]`,
        ),
      ),
      expect: [{ status: 'fail', name: 'api-jwt', messageId: 'acceptsNoToken' }],
    },
    {
      name: 'dry-run ALLOW that would require a JWT enforces nothing',
      objects: yaml(...API, RA_API, policy('shop', 'api-require-jwt', REQUIRE_JWT, '{ istio.io/dry-run: "true" }')),
      expect: [{ status: 'fail', name: 'api-jwt', messageId: 'acceptsNoToken' }],
    },
    {
      name: 'DENY without rules is a no-op',
      objects: yaml(...API, RA_API, policy('shop', 'api-deny', '{ selector: { matchLabels: { app: api } }, action: DENY }')),
      expect: [{ status: 'fail', name: 'api-jwt', messageId: 'acceptsNoToken' }],
    },
    {
      name: 'ALLOW rules: [{}] allows anonymous requests',
      objects: yaml(...API, RA_API, policy('shop', 'api-open', '{ selector: { matchLabels: { app: api } }, rules: [{}] }')),
      expect: [{ status: 'fail', name: 'api-jwt', messageId: 'acceptsNoToken' }],
    },
    {
      name: 'namespace-wide RA where only one of two workloads requires a token',
      objects: yaml(...API, deployment('shop', 'orders'), requestAuthn('shop', 'shop-jwt', ''), policy('shop', 'api-require-jwt', REQUIRE_JWT)),
      expect: [{ status: 'fail', name: 'shop-jwt', messageId: 'acceptsNoToken' }],
    },
    {
      name: 'RA selects no workload',
      objects: yaml(...API, requestAuthn('shop', 'payments-jwt', 'selector: { matchLabels: { app: payments } }')),
      expect: [{ status: 'fail', name: 'payments-jwt', messageId: 'selectsNothing' }],
    },
    {
      name: 'gateway-bound RA without a gateway-bound policy requiring a JWT',
      objects: yaml(
        namespace('shop'),
        requestAuthn('shop', 'gw-jwt', 'targetRefs: [{ kind: Gateway, group: gateway.networking.k8s.io, name: shop-gw }]'),
        policy('shop', 'allow-nothing', '{}'),
      ),
      expect: [{ status: 'fail', name: 'gw-jwt', messageId: 'acceptsNoToken' }],
    },
  ],
  error: [
    {
      name: 'AuthorizationPolicy list denied',
      objects: yaml(...API, RA_API, policy('shop', 'api-require-jwt', REQUIRE_JWT)),
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['AuthorizationPolicy'], message: 'list authorizationpolicies: 403' }],
      expect: [
        { status: 'error', name: 'api-jwt', messageId: 'enforced' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'AuthorizationPolicy gap in the root namespace, which could hold an allow-all for the workload',
      objects: yaml(...API, RA_API, policy('shop', 'api-require-jwt', REQUIRE_JWT)),
      gaps: [
        {
          id: 'gap-1',
          reason: 'access-denied',
          kinds: ['AuthorizationPolicy'],
          namespace: 'istio-system',
          message: 'list authorizationpolicies in istio-system: 403',
        },
      ],
      expect: [
        { status: 'error', name: 'api-jwt', messageId: 'gapElsewhere' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'schema-invalid policy (action: PERMIT) in the same namespace',
      objects: yaml(...API, RA_API, policy('shop', 'api-require-jwt', REQUIRE_JWT), policy('shop', 'typo', '{ action: PERMIT, rules: [{}] }')),
      expect: [
        { status: 'error', name: 'api-jwt', messageId: 'enforced' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'RA matches no workload while pod evidence is missing',
      objects: yaml(namespace('shop'), RA_API),
      gaps: [{ id: 'gap-1', reason: 'access-denied', kinds: ['Pod', 'Deployment'], namespace: 'shop', message: 'list pods in shop: 403' }],
      expect: [
        { status: 'error', name: 'api-jwt', messageId: 'selectsNothingUnverifiable' },
        { status: 'error', kind: 'Cluster', messageId: 'evidenceGap' },
      ],
    },
  ],
});
