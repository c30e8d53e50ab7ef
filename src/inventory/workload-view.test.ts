import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { docs, inventoryOf } from '../checks/tester.ts';
import { boundCallers, coveragePercent, MAX_CALLERS, workloadView, type WorkloadRow, type WorkloadView } from './workload-view.ts';

function row(view: WorkloadView, namespace: string, name: string): WorkloadRow {
  const r = view.rows.find((x) => x.namespace === namespace && x.name === name);
  if (!r) throw new Error(`no row ${namespace}/${name} among ${view.rows.map((x) => `${x.namespace}/${x.name}`).join(', ')}`);
  return r;
}

const viewOf = (yaml: string): WorkloadView => workloadView(inventoryOf(docs(yaml)));

const MESH_STRICT = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
  creationTimestamp: "2026-03-02T09:05:00Z"
spec:
  mtls:
    mode: STRICT
`;

describe('workloadView: Istio sidecar', () => {
  const view = viewOf(`
${MESH_STRICT}
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: enabled
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: cart-metrics
  namespace: shop
  creationTimestamp: "2026-06-18T13:20:00Z"
spec:
  selector:
    matchLabels:
      app: cart
  mtls:
    mode: STRICT
  portLevelMtls:
    9090:
      mode: PERMISSIVE
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
spec:
  selector:
    matchLabels: {app: cart}
  template:
    metadata:
      labels: {app: cart}
    spec:
      serviceAccountName: cart
      containers:
        - name: cart
          image: registry.example/cart:2.1.0
          ports:
            - {containerPort: 8080, name: http}
            - {containerPort: 9090, name: http-metrics}
---
apiVersion: v1
kind: Pod
metadata:
  name: cart-6d5f7c9b8-x2kq4
  namespace: shop
  labels: {app: cart, pod-template-hash: 6d5f7c9b8, security.istio.io/tlsMode: istio}
  ownerReferences:
    - {apiVersion: apps/v1, kind: ReplicaSet, name: cart-6d5f7c9b8, controller: true}
spec:
  serviceAccountName: cart
  initContainers:
    - {name: istio-init, image: docker.io/istio/proxyv2:1.24.2}
  containers:
    - name: cart
      image: registry.example/cart:2.1.0
      ports:
        - {containerPort: 8080, name: http}
        - {containerPort: 9090, name: http-metrics}
    - name: istio-proxy
      image: docker.io/istio/proxyv2:1.24.2
      ports:
        - {containerPort: 15090, name: http-envoy-prom}
status:
  phase: Running
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
spec:
  selector:
    matchLabels: {app: frontend}
  template:
    metadata:
      labels: {app: frontend}
    spec:
      containers:
        - name: frontend
          image: registry.example/frontend:5.0.0
          ports:
            - {containerPort: 8080, name: http}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-nothing
  namespace: shop
spec: {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: cart-from-frontend
  namespace: shop
spec:
  selector:
    matchLabels: {app: cart}
  action: ALLOW
  rules:
    - from:
        - source:
            principals:
              - cluster.local/ns/shop/sa/frontend
              - cluster.local/ns/shop/sa/checkout
      to:
        - operation:
            ports: ["8080"]
`);

  it('resolves mTLS per container port and reports the running sidecar', () => {
    const cart = row(view, 'shop', 'cart');
    expect(cart).toMatchObject({ target: 'test-cluster', kind: 'Deployment', inScope: true, mesh: 'istio-sidecar', proxy: 'running' });
    expect(cart.ports).toEqual([
      { port: 8080, mtls: 'STRICT' },
      { port: 9090, mtls: 'PERMISSIVE' },
    ]);
    expect(cart.notes.join('\n')).toContain('port 9090: PERMISSIVE (PeerAuthentication shop/cart-metrics (port level))');
  });

  it('names the allow-nothing baseline and the ALLOW principals, with the ports they may use', () => {
    const cart = row(view, 'shop', 'cart');
    expect(cart.inboundDefault).toBe('deny (allow-nothing shop/allow-nothing); NetworkPolicy default-deny ingress: no');
    expect(cart.callers).toEqual(['cluster.local/ns/shop/sa/frontend (ports 8080)', 'cluster.local/ns/shop/sa/checkout (ports 8080)']);
  });

  it('shows nobody when only the allow-nothing policy applies, and a predicted proxy without pods', () => {
    const frontend = row(view, 'shop', 'frontend');
    expect(frontend).toMatchObject({ mesh: 'istio-sidecar', proxy: 'predicted', callers: ['nobody'], ports: [{ port: 8080, mtls: 'STRICT' }] });
  });

  it('cites the evidence of the workload, its pods and the policies that decide it', () => {
    const cart = row(view, 'shop', 'cart');
    // Objects in the YAML order above: PA default 0, Namespace 1, PA cart-metrics 2, Deployment 3, Pod 4, AP 6 and 7.
    expect(cart.evidence).toEqual(expect.arrayContaining(['ev-test-000', 'ev-test-001', 'ev-test-002', 'ev-test-003', 'ev-test-004', 'ev-test-006', 'ev-test-007']));
    expect(cart.evidence).toEqual([...cart.evidence].sort());
  });

  it('says anyone (not only the mesh) may call when no ALLOW policy applies and a port is PERMISSIVE', () => {
    const v = viewOf(`
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - {name: api, image: registry.example/api:1.0.0, ports: [{containerPort: 8080}]}
`);
    // No mesh-wide PeerAuthentication: Istio's default is PERMISSIVE.
    expect(row(v, 'shop', 'api')).toMatchObject({ ports: [{ port: 8080, mtls: 'PERMISSIVE' }], callers: ['anyone'] });
    expect(row(v, 'shop', 'api').inboundDefault).toMatch(/^allow \(no ALLOW policy\); NetworkPolicy default-deny ingress: no$/);
  });
});

describe('workloadView: Istio ambient', () => {
  const view = viewOf(`
${MESH_STRICT}
---
apiVersion: v1
kind: Namespace
metadata:
  name: bookinfo
  labels:
    istio.io/dataplane-mode: ambient
---
# Config drift: ztunnel ignores DISABLE, the mesh STRICT stays in force.
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: disable
  namespace: bookinfo
spec:
  mtls:
    mode: DISABLE
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews, namespace: bookinfo}
spec:
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews}}
    spec:
      serviceAccountName: bookinfo-reviews
      containers:
        - {name: reviews, image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.3, ports: [{containerPort: 9080}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-7f8d6c5b4-pq7rs
  namespace: bookinfo
  labels: {app: reviews, pod-template-hash: 7f8d6c5b4}
  annotations:
    ambient.istio.io/redirection: enabled
  ownerReferences:
    - {apiVersion: apps/v1, kind: ReplicaSet, name: reviews-7f8d6c5b4, controller: true}
spec:
  containers:
    - {name: reviews, image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.3, ports: [{containerPort: 9080}]}
status:
  phase: Running
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ratings, namespace: bookinfo}
spec:
  selector: {matchLabels: {app: ratings}}
  template:
    metadata: {labels: {app: ratings}}
    spec:
      containers:
        - {name: ratings, image: docker.io/istio/examples-bookinfo-ratings-v1:1.20.3, ports: [{containerPort: 9080}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: reviews-viewer, namespace: bookinfo}
spec:
  selector:
    matchLabels: {app: reviews}
  action: ALLOW
  rules:
    - from:
        - source:
            namespaces: ["bookinfo"]
      to:
        - operation:
            methods: ["GET"]
`);

  it('reports ztunnel capture as a running ambient dataplane, with the DISABLE drift noted', () => {
    const reviews = row(view, 'bookinfo', 'reviews');
    expect(reviews).toMatchObject({ mesh: 'istio-ambient', proxy: 'running', ports: [{ port: 9080, mtls: 'STRICT' }] });
    expect(reviews.notes.join('\n')).toMatch(/ambient mode ignores/);
  });

  it('lists ALLOW sources and warns that L7 attributes need a waypoint', () => {
    const reviews = row(view, 'bookinfo', 'reviews');
    expect(reviews.callers).toEqual(['namespace bookinfo (methods GET)']);
    expect(reviews.inboundDefault).toMatch(/^deny \(only what ALLOW bookinfo\/reviews-viewer permits\)/);
    expect(reviews.notes.join('\n')).toMatch(/to\.operation\.methods, which ztunnel cannot enforce without a waypoint/);
  });

  it('predicts ambient enrolment from the namespace label when no pods are in evidence', () => {
    expect(row(view, 'bookinfo', 'ratings')).toMatchObject({ mesh: 'istio-ambient', proxy: 'predicted', callers: ['anyone in the mesh'] });
  });
});

describe('workloadView: unmeshed', () => {
  const view = viewOf(`
${MESH_STRICT}
---
apiVersion: v1
kind: Namespace
metadata: {name: tools}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: debug, namespace: tools}
spec:
  selector: {matchLabels: {app: debug}}
  template:
    metadata: {labels: {app: debug}}
    spec:
      containers:
        - {name: debug, image: nicolaka/netshoot:v0.13, ports: [{containerPort: 8000}, {containerPort: 8443}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reporter, namespace: reports}
spec:
  selector: {matchLabels: {app: reporter}}
  template:
    metadata: {labels: {app: reporter}}
    spec:
      containers:
        - {name: reporter, image: registry.example/reporter:1.0.0}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: reports}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`);

  it('never claims mTLS: every port is plaintext, anyone may call, and the namespace has no default deny', () => {
    const debug = row(view, 'tools', 'debug');
    expect(debug).toMatchObject({ mesh: 'none', proxy: 'missing', callers: ['anyone'] });
    expect(debug.ports).toEqual([
      { port: 8000, mtls: 'plaintext' },
      { port: 8443, mtls: 'plaintext' },
    ]);
    expect(debug.inboundDefault).toBe('allow (no mesh proxy); NetworkPolicy default-deny ingress: no');
    expect(debug.notes).toEqual(['istio: neither the namespace nor the pod carries an injection or ambient label']);
  });

  it('uses "*" when no port is declared and lets NetworkPolicy narrow the callers', () => {
    const reporter = row(view, 'reports', 'reporter');
    expect(reporter.ports).toEqual([{ port: '*', mtls: 'plaintext' }]);
    expect(reporter.inboundDefault).toBe('allow (no mesh proxy); NetworkPolicy default-deny ingress: yes (default-deny-ingress)');
    expect(reporter.callers).toEqual(['only peers NetworkPolicy reports/default-deny-ingress allows']);
  });
});

describe('workloadView: Linkerd', () => {
  const view = viewOf(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: linkerd-config
  namespace: linkerd
data:
  values: |
    clusterNetworks: 10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8
    proxy:
      defaultInboundPolicy: all-unauthenticated
      requireIdentityOnInboundPorts: ""
    proxyInit:
      ignoreInboundPorts: 4567,4568
---
apiVersion: v1
kind: Namespace
metadata:
  name: booksapp
  annotations:
    linkerd.io/inject: enabled
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: authors, namespace: booksapp}
spec:
  selector:
    matchLabels: {app: authors, project: booksapp}
  template:
    metadata:
      labels: {app: authors, project: booksapp}
    spec:
      containers:
        - name: service
          image: buoyantio/booksapp:v0.0.5
          ports:
            - {containerPort: 7001, name: service}
            - {containerPort: 9990, name: admin-http}
---
apiVersion: v1
kind: Pod
metadata:
  name: authors-74c9b8d7f6-9dk2s
  namespace: booksapp
  labels: {app: authors, project: booksapp, pod-template-hash: 74c9b8d7f6}
  annotations:
    linkerd.io/inject: enabled
  ownerReferences:
    - {apiVersion: apps/v1, kind: ReplicaSet, name: authors-74c9b8d7f6, controller: true}
spec:
  initContainers:
    - {name: linkerd-init, image: cr.l5d.io/linkerd/proxy-init:v2.4.1}
  containers:
    - {name: linkerd-proxy, image: cr.l5d.io/linkerd/proxy:edge-25.4.1, ports: [{containerPort: 4143, name: linkerd-proxy}, {containerPort: 4191, name: linkerd-admin}]}
    - name: service
      image: buoyantio/booksapp:v0.0.5
      ports:
        - {containerPort: 7001, name: service}
        - {containerPort: 9990, name: admin-http}
status:
  phase: Running
---
apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: authors-server, namespace: booksapp}
spec:
  podSelector:
    matchLabels: {app: authors, project: booksapp}
  port: service
  proxyProtocol: HTTP/1
---
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: {name: authors-clients, namespace: booksapp}
spec:
  identities:
    - books.booksapp.serviceaccount.identity.linkerd.cluster.local
    - webapp.booksapp.serviceaccount.identity.linkerd.cluster.local
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: authors-server-authz, namespace: booksapp}
spec:
  targetRef:
    group: policy.linkerd.io
    kind: Server
    name: authors-server
  requiredAuthenticationRefs:
    - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: authors-clients}
`);

  it('words each port by its Server or by the default policy, never as STRICT/PERMISSIVE', () => {
    const authors = row(view, 'booksapp', 'authors');
    expect(authors).toMatchObject({ mesh: 'linkerd', proxy: 'running' });
    expect(authors.ports).toEqual([
      { port: 7001, mtls: 'mTLS required (authorized identities only)' },
      { port: 9990, mtls: 'mTLS (meshed peers), plaintext allowed' },
    ]);
    expect(authors.inboundDefault).toBe('all-unauthenticated; NetworkPolicy default-deny ingress: no');
  });

  it('lists the authorized identities per Server, and the default policy for ports without one', () => {
    expect(row(view, 'booksapp', 'authors').callers).toEqual([
      'books.booksapp.serviceaccount.identity.linkerd.cluster.local (Server authors-server)',
      'webapp.booksapp.serviceaccount.identity.linkerd.cluster.local (Server authors-server)',
      'anyone (default policy all-unauthenticated, ports without a Server)',
    ]);
  });

  it('shows network-only clients as plaintext callers, and notes an authorization Linkerd ignores', () => {
    const v = viewOf(`
apiVersion: v1
kind: ConfigMap
metadata: {name: linkerd-config, namespace: linkerd}
data:
  values: |
    proxy:
      defaultInboundPolicy: deny
---
apiVersion: v1
kind: Namespace
metadata: {name: emojivoto, annotations: {linkerd.io/inject: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: emojivoto}
spec:
  selector: {matchLabels: {app: web-svc}}
  template:
    metadata: {labels: {app: web-svc}}
    spec:
      containers:
        - {name: web-svc, image: docker.l5d.io/buoyantio/emojivoto-web:v11, ports: [{containerPort: 8080, name: http}, {containerPort: 8801, name: prom}]}
---
apiVersion: policy.linkerd.io/v1beta1
kind: Server
metadata: {name: web-http, namespace: emojivoto, labels: {app: web-svc}}
spec:
  podSelector: {matchLabels: {app: web-svc}}
  port: http
---
apiVersion: policy.linkerd.io/v1beta1
kind: ServerAuthorization
metadata: {name: web-public, namespace: emojivoto}
spec:
  server: {name: web-http}
  client:
    unauthenticated: true
    networks:
      - cidr: 10.0.0.0/8
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: web-from-vote-bot, namespace: emojivoto}
spec:
  targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
  requiredAuthenticationRefs:
    - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: vote-bot}
`);
    const web = row(v, 'emojivoto', 'web');
    expect(web.ports).toEqual([
      { port: 8080, mtls: 'mTLS (meshed peers), plaintext allowed for authorized networks' },
      { port: 8801, mtls: 'nothing admitted (default policy deny, no Server)' },
    ]);
    expect(web.callers).toEqual(['unauthenticated clients from 10.0.0.0/8 (Server web-http)']);
    expect(web.inboundDefault).toMatch(/^deny; /);
    expect(web.notes).toContain(
      'AuthorizationPolicy emojivoto/web-from-vote-bot is ignored by Linkerd because a reference does not resolve: MeshTLSAuthentication emojivoto/vote-bot (not found)',
    );
  });

  it('says the default is unknown without linkerd-config', () => {
    const v = viewOf(`
apiVersion: v1
kind: Namespace
metadata: {name: emojivoto, annotations: {linkerd.io/inject: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: emojivoto}
spec:
  selector: {matchLabels: {app: web-svc}}
  template:
    metadata: {labels: {app: web-svc}}
    spec:
      containers:
        - {name: web-svc, image: docker.l5d.io/buoyantio/emojivoto-web:v11, ports: [{containerPort: 8080, name: http}]}
`);
    const web = row(v, 'emojivoto', 'web');
    expect(web).toMatchObject({ mesh: 'linkerd', proxy: 'predicted' });
    expect(web.ports).toEqual([{ port: 8080, mtls: 'unknown (the default inbound policy is not in the evidence)' }]);
    expect(web.inboundDefault).toMatch(/^unknown \(linkerd-config is not in the evidence\)/);
  });
});

describe('workloadView: Consul', () => {
  const view = viewOf(`
apiVersion: http.auditpack.io/v1
kind: ConsulAgentSelf
metadata:
  name: /v1/agent/self
body:
  Config: {Datacenter: dc1, NodeName: consul-server-0, Version: 1.21.4, Server: true, PrimaryDatacenter: dc1}
  DebugConfig:
    Datacenter: dc1
    PrimaryDatacenter: dc1
    ConnectEnabled: true
    DefaultIntentionPolicy: ""
    ACLResolverSettings: {ACLsEnabled: true, ACLDefaultPolicy: deny, ACLDownPolicy: extend-cache}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: apps}
spec:
  selector: {app: api}
  ports:
    - {name: http, port: 80, targetPort: 8080}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: apps}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api}
      annotations:
        consul.hashicorp.com/connect-inject: "true"
    spec:
      containers:
        - {name: api, image: registry.example/api:4.2.0, ports: [{containerPort: 8080, name: http}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: api-5c9d8f7b6d-h4k2m
  namespace: apps
  labels: {app: api, pod-template-hash: 5c9d8f7b6d}
  annotations:
    consul.hashicorp.com/connect-inject: "true"
    consul.hashicorp.com/connect-inject-status: injected
    consul.hashicorp.com/transparent-proxy-status: enabled
  ownerReferences:
    - {apiVersion: apps/v1, kind: ReplicaSet, name: api-5c9d8f7b6d, controller: true}
spec:
  initContainers:
    - {name: consul-connect-inject-init, image: hashicorp/consul-k8s-control-plane:1.8.0}
  containers:
    - {name: api, image: registry.example/api:4.2.0, ports: [{containerPort: 8080, name: http}]}
    - {name: consul-dataplane, image: hashicorp/consul-dataplane:1.8.0, ports: [{containerPort: 20000, name: public-listener}]}
status:
  phase: Running
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceIntentions
metadata: {name: api, namespace: apps}
spec:
  destination:
    name: api
  sources:
    - name: web
      action: allow
    - name: batch
      action: deny
    - name: reporting
      permissions:
        - action: allow
          http:
            pathPrefix: /reports
            methods: [GET]
status:
  conditions:
    - {type: Synced, status: "True", lastTransitionTime: "2026-11-20T09:14:02Z"}
---
apiVersion: consul.hashicorp.com/v1alpha1
kind: ServiceDefaults
metadata: {name: billing, namespace: apps}
spec:
  protocol: http
  mutualTLSMode: permissive
status:
  conditions:
    - {type: Synced, status: "True", lastTransitionTime: "2026-11-20T09:14:02Z"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: billing, namespace: apps}
spec:
  selector: {matchLabels: {app: billing}}
  template:
    metadata:
      labels: {app: billing}
      annotations:
        consul.hashicorp.com/connect-inject: "true"
    spec:
      containers:
        - {name: billing, image: registry.example/billing:1.3.0, ports: [{containerPort: 9000}]}
`);

  it('reports strict mTLS, the ACL deny default, and the allowed intention sources', () => {
    const api = row(view, 'apps', 'api');
    expect(api).toMatchObject({ mesh: 'consul', proxy: 'running', ports: [{ port: 8080, mtls: 'strict' }] });
    expect(api.inboundDefault).toBe('deny (ACL default policy); NetworkPolicy default-deny ingress: no');
    expect(api.callers).toEqual(['web', 'reporting (L7: allow GET path prefix /reports; other requests deny)']);
    expect(api.notes).toContain('Consul service api (Kubernetes Service apps/api)');
  });

  it('says a permissive service accepts plaintext on which intentions are not enforced', () => {
    const billing = row(view, 'apps', 'billing');
    expect(billing).toMatchObject({ mesh: 'consul', proxy: 'predicted', ports: [{ port: 9000, mtls: 'permissive' }] });
    expect(billing.callers).toEqual(['anyone over plaintext (permissive mTLS: intentions not enforced)']);
    expect(billing.notes.join('\n')).toMatch(/no Kubernetes Service selects the workload; its Consul service name is assumed to be billing/);
  });
});

describe('workloadView: several meshes on one workload', () => {
  it('picks Istio in a fixed order when both are predicted, and notes the conflict', () => {
    const v = viewOf(`
apiVersion: v1
kind: Namespace
metadata: {name: mixed, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders, namespace: mixed}
spec:
  selector: {matchLabels: {app: orders}}
  template:
    metadata:
      labels: {app: orders}
      annotations: {linkerd.io/inject: enabled}
    spec:
      containers:
        - {name: orders, image: registry.example/orders:1.0.0, ports: [{containerPort: 8080}]}
`);
    const orders = row(v, 'mixed', 'orders');
    expect(orders).toMatchObject({ mesh: 'istio-sidecar', proxy: 'predicted' });
    expect(orders.notes[0]).toMatch(/^mesh conflict: istio-sidecar \(predicted\) is shown, but the workload is also claimed by linkerd \(predicted: pod annotation linkerd\.io\/inject: enabled/);
  });

  it('judges by the running proxy: a pod with linkerd-proxy in an istio-injection namespace is Linkerd', () => {
    const v = viewOf(`
apiVersion: v1
kind: Namespace
metadata: {name: mixed, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Pod
metadata:
  name: orders-0
  namespace: mixed
  labels: {app: orders}
spec:
  containers:
    - {name: orders, image: registry.example/orders:1.0.0, ports: [{containerPort: 8080}]}
    - {name: linkerd-proxy, image: cr.l5d.io/linkerd/proxy:edge-25.4.1}
status:
  phase: Running
`);
    expect(row(v, 'mixed', 'orders-0')).toMatchObject({ kind: 'Pod', mesh: 'linkerd', proxy: 'running' });
  });

  it('notes the conflict when running pods carry two proxies', () => {
    const v = viewOf(`
apiVersion: v1
kind: Pod
metadata:
  name: orders-0
  namespace: mixed
  labels: {app: orders}
spec:
  containers:
    - {name: orders, image: registry.example/orders:1.0.0, ports: [{containerPort: 8080}]}
    - {name: istio-proxy, image: docker.io/istio/proxyv2:1.24.2}
    - {name: linkerd-proxy, image: cr.l5d.io/linkerd/proxy:edge-25.4.1}
status:
  phase: Running
`);
    const orders = row(v, 'mixed', 'orders-0');
    expect(orders).toMatchObject({ mesh: 'istio-sidecar', proxy: 'running', ports: [{ port: 8080, mtls: 'PERMISSIVE' }] });
    expect(orders.notes[0]).toMatch(/^mesh conflict: .*also claimed by linkerd \(observed/);
  });
});

describe('workloadView: coverage and ordering', () => {
  const deployment = (ns: string, name: string, labels = ''): string => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}${labels}}}
    spec:
      containers:
        - {name: ${name}, image: registry.example/${name}:1.0.0, ports: [{containerPort: 8080}]}
`;
  const view = viewOf(
    [
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a, labels: {istio-injection: enabled}}',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: team-b}',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: empty, labels: {istio-injection: enabled}}',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}',
      deployment('team-a', 'web'),
      deployment('team-a', 'api'),
      deployment('team-a', 'migrate', ', sidecar.istio.io/inject: "false"'),
      deployment('team-b', 'worker'),
      deployment('kube-system', 'coredns'),
    ].join('\n---\n'),
  );

  it('counts a namespace at 2 of 3 as 66.6 % (rounded down), and the target over in-scope namespaces only', () => {
    expect(view.coverage).toEqual([
      { target: 'test-cluster', workloads: 4, meshed: 2, percent: 50 },
      { target: 'test-cluster', namespace: 'team-a', workloads: 3, meshed: 2, percent: 66.6 },
      { target: 'test-cluster', namespace: 'team-b', workloads: 1, meshed: 0, percent: 0 },
    ]);
  });

  it('keeps out-of-scope workloads as rows, flagged', () => {
    expect(row(view, 'kube-system', 'coredns')).toMatchObject({ inScope: false, mesh: 'none' });
  });

  it('sorts rows by target, namespace, kind and name', () => {
    expect(view.rows.map((r) => `${r.namespace}/${r.kind}/${r.name}`)).toEqual([
      'kube-system/Deployment/coredns',
      'team-a/Deployment/api',
      'team-a/Deployment/migrate',
      'team-a/Deployment/web',
      'team-b/Deployment/worker',
    ]);
  });

  it('rounds down and never shows 100 unless every workload is meshed', () => {
    expect(coveragePercent(2, 3)).toBe(66.6);
    expect(coveragePercent(1, 3)).toBe(33.3);
    expect(coveragePercent(1, 7)).toBe(14.2);
    expect(coveragePercent(999, 1000)).toBe(99.9);
    expect(coveragePercent(1999, 2000)).toBe(99.9);
    expect(coveragePercent(3, 3)).toBe(100);
    expect(coveragePercent(0, 0)).toBe(0);
  });

  it('has no coverage rows for a target without in-scope workloads', () => {
    expect(viewOf('apiVersion: v1\nkind: Namespace\nmetadata: {name: empty}').coverage).toEqual([]);
  });
});

describe('boundCallers', () => {
  it(`keeps ${MAX_CALLERS} distinct entries and counts the rest`, () => {
    const many = Array.from({ length: 12 }, (_v, i) => `cluster.local/ns/shop/sa/client-${i}`);
    const bounded = boundCallers([...many, many[0] ?? '']);
    expect(bounded).toHaveLength(MAX_CALLERS + 1);
    expect(bounded.at(-1)).toBe('+2 more');
  });

  it('applies to rows', () => {
    const principals = Array.from({ length: 13 }, (_v, i) => `      - cluster.local/ns/shop/sa/client-${i}`).join('\n');
    const v = viewOf(`
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - {name: api, image: registry.example/api:1.0.0, ports: [{containerPort: 8080}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: api-clients, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  rules:
    - from:
        - source:
            principals:
${principals.replace(/^ {6}/gm, '              ')}
`);
    const callers = row(v, 'shop', 'api').callers;
    expect(callers).toHaveLength(MAX_CALLERS + 1);
    expect(callers[0]).toBe('cluster.local/ns/shop/sa/client-0');
    expect(callers.at(-1)).toBe('+3 more');
  });
});

describe('workloadView on the demo environment', () => {
  const root = fileURLToPath(new URL('../../demo/environment/', import.meta.url));
  const files = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((n) => {
        const p = `${dir}/${n}`;
        return statSync(p).isDirectory() ? files(p) : /\.(ya?ml|json)$/.test(n) ? [p] : [];
      });
  // `kubectl get -o yaml|json` writes a List; the snapshot reader unwraps it the same way.
  const unwrap = (o: unknown): unknown[] => {
    const list = o as { kind?: unknown; items?: unknown };
    return typeof list.kind === 'string' && list.kind.endsWith('List') && Array.isArray(list.items) ? list.items.flatMap(unwrap) : [o];
  };
  const demo = (name: string): WorkloadView =>
    workloadView({ ...inventoryOf(files(`${root}${name}`).flatMap((f) => docs(readFileSync(f, 'utf8')).flatMap(unwrap))), name });

  const eu = demo('prod-eu');
  const us = demo('prod-us');

  it('prod-eu payments/ledger: 8080 STRICT, 9090 PERMISSIVE (the scrape exception), only payments-api may call', () => {
    const ledger = row(eu, 'payments', 'ledger');
    expect(ledger).toMatchObject({ target: 'prod-eu', kind: 'Deployment', mesh: 'istio-sidecar', proxy: 'running' });
    expect(ledger.ports).toEqual([
      { port: 8080, mtls: 'STRICT' },
      { port: 9090, mtls: 'PERMISSIVE' },
    ]);
    expect(ledger.inboundDefault).toMatch(/^deny \(allow-nothing payments\/allow-nothing\)/);
    expect(ledger.callers).toEqual(['cluster.local/ns/payments/sa/payments-api (ports 8080)']);
  });

  it('prod-eu monitoring/prometheus is unmeshed and plaintext', () => {
    expect(row(eu, 'monitoring', 'prometheus')).toMatchObject({ mesh: 'none', proxy: 'missing', ports: [{ port: 9090, mtls: 'plaintext' }], callers: ['anyone'] });
  });

  it('prod-eu payments-batch/settlement opted out of injection', () => {
    expect(row(eu, 'payments-batch', 'settlement')).toMatchObject({ kind: 'CronJob', mesh: 'none', ports: [{ port: '*', mtls: 'plaintext' }] });
    expect(eu.coverage.find((c) => c.namespace === undefined)).toEqual({ target: 'prod-eu', workloads: 4, meshed: 2, percent: 50 });
  });

  it('prod-us: the dry-run baseline does not deny, the incident allow-all opens frontend, legacy is not injected', () => {
    expect(row(us, 'checkout', 'checkout-api').inboundDefault).toMatch(/^allow \(no ALLOW policy; checkout\/allow-nothing is dry-run\)/);
    expect(row(us, 'web', 'frontend')).toMatchObject({ proxy: 'predicted', callers: ['anyone in the mesh'] });
    expect(row(us, 'web', 'frontend').inboundDefault).toMatch(/^allow \(allow-all rule in web\/frontend-allow-all\)/);
    expect(row(us, 'web', 'catalog').callers).toEqual(['cluster.local/ns/web/sa/frontend']);
    expect(row(us, 'legacy', 'legacy-reports')).toMatchObject({ mesh: 'none', ports: [{ port: 8000, mtls: 'plaintext' }] });
  });

  it('never shows mTLS for an unmeshed workload', () => {
    for (const r of [...eu.rows, ...us.rows].filter((x) => x.mesh === 'none')) {
      for (const p of r.ports) expect(p.mtls).toMatch(/^plaintext/);
      expect(r.proxy).toBe('missing');
    }
  });
});
