import { readFileSync } from 'node:fs';
import { describeCheck, docs } from '../tester.ts';
import { linkerdDefaultDeny } from './linkerd-default-deny.ts';

const upstream = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/upstream/linkerd/${name}`, import.meta.url), 'utf8'));
const fixture = (name: string): unknown[] => docs(readFileSync(new URL(`../../../test/fixtures/linkerd/${name}`, import.meta.url), 'utf8'));

// linkerd-config with the install default (all-unauthenticated) unless a values snippet says otherwise.
const CONFIG = fixture('linkerd-config.yaml');
function linkerdConfig(values: string): unknown {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'linkerd-config', namespace: 'linkerd' }, data: { values } };
}

const namespace = (annotations: Record<string, string> = {}): unknown => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'shop', annotations: { 'linkerd.io/inject': 'enabled', ...annotations } },
});

const PORTS = [
  { containerPort: 8080, name: 'http' },
  { containerPort: 9090, name: 'admin' },
];

const deployment = (annotations: Record<string, string> = {}, ports: unknown[] = PORTS): unknown => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'shop' },
  spec: {
    selector: { matchLabels: { app: 'api' } },
    template: {
      metadata: { labels: { app: 'api' }, annotations },
      spec: { containers: [{ name: 'api', image: 'registry.example.com/shop/api:3.1.0', ports }] },
    },
  },
});

function apiPod(name: string, annotations: Record<string, string> = {}, ports: unknown[] = PORTS, proxy = true): unknown {
  const containers: unknown[] = [{ name: 'api', image: 'registry.example.com/shop/api:3.1.0', ports }];
  if (proxy) containers.unshift({ name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-25.4.4', ports: [{ containerPort: 4143, name: 'linkerd-proxy' }, { containerPort: 4191, name: 'linkerd-admin' }] });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      labels: { app: 'api', 'pod-template-hash': '5f7d9c8b6' },
      annotations: { 'linkerd.io/inject': 'enabled', ...annotations },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-5f7d9c8b6', controller: true }],
    },
    spec: { containers },
    status: { phase: 'Running' },
  };
}

const server = (apiVersion: string, port: number | string, accessPolicy?: string, name = 'api-http'): unknown => ({
  apiVersion: `policy.linkerd.io/${apiVersion}`,
  kind: 'Server',
  metadata: { name, namespace: 'shop' },
  spec: { podSelector: { matchLabels: { app: 'api' } }, port, proxyProtocol: 'HTTP/1', ...(accessPolicy ? { accessPolicy } : {}) },
});

const API = { kind: 'Deployment', namespace: 'shop', name: 'api' } as const;
const DENY = { 'config.linkerd.io/default-inbound-policy': 'deny' };
const POD = 'api-5f7d9c8b6-k2x8p';

describeCheck(linkerdDefaultDeny, {
  pass: [
    {
      name: 'namespace default-inbound-policy deny covers every declared port',
      objects: [...CONFIG, namespace(DENY), deployment(), apiPod(POD)],
      expect: [
        { ...API, status: 'pass', port: 8080, messageId: 'defaultDenies', warning: false },
        { ...API, status: 'pass', port: 9090, messageId: 'defaultDenies', warning: false },
      ],
    },
    {
      name: 'cluster default deny in linkerd-config',
      objects: [linkerdConfig('proxy:\n  defaultInboundPolicy: deny\n'), namespace(), deployment(), apiPod(POD)],
      expect: [
        { ...API, status: 'pass', port: 8080 },
        { ...API, status: 'pass', port: 9090 },
      ],
    },
    {
      name: 'Linkerd 2.11 policyController.defaultAllowPolicy deny is honoured',
      objects: [linkerdConfig('policyController:\n  defaultAllowPolicy: deny\n'), namespace(), deployment(), apiPod(POD)],
      expect: [
        { ...API, status: 'pass', port: 8080 },
        { ...API, status: 'pass', port: 9090 },
      ],
    },
    {
      name: 'upstream emojivoto: v1beta1 Servers (no accessPolicy, unmatched traffic denied) cover every port; default still allow-all, so warn',
      objects: [...CONFIG, ...fixture('emojivoto-workloads.yaml'), ...upstream('emojivoto-policy.yml')],
      expect: ['emoji', 'voting', 'web'].flatMap((name) => [
        { kind: 'Deployment', namespace: 'emojivoto', name, status: 'pass' as const, port: 8080, messageId: 'serverDenies', warning: true },
        { kind: 'Deployment', namespace: 'emojivoto', name, status: 'pass' as const, port: 8801, messageId: 'serverDenies', warning: true },
      ]),
    },
    {
      name: 'upstream booksapp: v1beta3 Server without accessPolicy defaults to deny (native-sidecar pod, port by name)',
      objects: [...CONFIG, ...fixture('booksapp-authors.yaml'), ...upstream('booksapp-per-route-policy.yaml')],
      expect: [{ kind: 'Deployment', namespace: 'booksapp', name: 'authors', status: 'pass', port: 7001, messageId: 'serverDenies' }],
    },
    {
      name: 'trap: a running pod keeps the deny it was created with although the namespace annotation was removed later',
      objects: [...CONFIG, namespace(), deployment(DENY), apiPod(POD, DENY)],
      expect: [
        { ...API, status: 'pass', port: 8080 },
        { ...API, status: 'pass', port: 9090 },
      ],
    },
  ],
  fail: [
    {
      name: 'install default all-unauthenticated on ports without a Server',
      objects: [...CONFIG, namespace(), deployment(), apiPod(POD)],
      expect: [
        { ...API, status: 'fail', port: 8080, messageId: 'defaultAllows' },
        { ...API, status: 'fail', port: 9090, messageId: 'defaultAllows' },
      ],
    },
    {
      name: 'trap: a Server covers 8080 (by name), but 9090 falls back to the allow-all default',
      objects: [...CONFIG, namespace(), deployment(), apiPod(POD), server('v1beta3', 'http')],
      expect: [
        { ...API, status: 'pass', port: 8080, messageId: 'serverDenies', warning: true },
        { ...API, status: 'fail', port: 9090, messageId: 'defaultAllows' },
      ],
    },
    {
      name: 'v1beta3 Server with accessPolicy all-unauthenticated',
      objects: [...CONFIG, namespace(DENY), deployment(), apiPod(POD), server('v1beta3', 8080, 'all-unauthenticated')],
      expect: [
        { ...API, status: 'fail', port: 8080, messageId: 'serverAllows' },
        { ...API, status: 'pass', port: 9090, messageId: 'defaultDenies' },
      ],
    },
    {
      name: 'v1beta3 Server with accessPolicy audit only flags unauthorized requests',
      objects: [...CONFIG, namespace(DENY), deployment(), apiPod(POD), server('v1beta3', 8080, 'audit')],
      expect: [
        { ...API, status: 'fail', port: 8080, messageId: 'serverAllows' },
        { ...API, status: 'pass', port: 9090 },
      ],
    },
    {
      name: 'all-authenticated admits any meshed client: encryption, not default-deny',
      objects: [...CONFIG, namespace({ 'config.linkerd.io/default-inbound-policy': 'all-authenticated' }), deployment(), apiPod(POD)],
      expect: [
        { ...API, status: 'fail', port: 8080, messageId: 'defaultAllows' },
        { ...API, status: 'fail', port: 9090, messageId: 'defaultAllows' },
      ],
    },
    {
      name: 'cluster-authenticated default from linkerd-config',
      objects: [linkerdConfig('proxy:\n  defaultInboundPolicy: cluster-authenticated\n'), namespace(), deployment(), apiPod(POD)],
      expect: [
        { ...API, status: 'fail', port: 8080 },
        { ...API, status: 'fail', port: 9090 },
      ],
    },
    {
      name: 'trap: the namespace was switched to deny after the pod was created; the pod still enforces all-unauthenticated',
      objects: [...CONFIG, namespace(DENY), deployment(DENY), apiPod(POD, { 'config.linkerd.io/default-inbound-policy': 'all-unauthenticated' })],
      expect: [
        { ...API, status: 'fail', port: 8080, warning: true },
        { ...API, status: 'fail', port: 9090, warning: true },
      ],
    },
    {
      name: 'trap: pods of one workload disagree; the most permissive decides',
      objects: [...CONFIG, namespace(), deployment(), apiPod(POD, DENY), apiPod('api-5f7d9c8b6-z9q1w', { 'config.linkerd.io/default-inbound-policy': 'cluster-unauthenticated' })],
      expect: [
        { ...API, status: 'fail', port: 8080, warning: true },
        { ...API, status: 'fail', port: 9090, warning: true },
      ],
    },
    {
      name: 'trap: skip-inbound-ports takes a Server-covered port out of the proxy entirely',
      objects: [...CONFIG, namespace(DENY), deployment(), apiPod(POD, { 'config.linkerd.io/skip-inbound-ports': '8080' }), server('v1beta3', 8080)],
      expect: [
        { ...API, status: 'fail', port: 8080, messageId: 'portSkipped' },
        { ...API, status: 'pass', port: 9090 },
      ],
    },
    {
      name: 'trap: an unrecognised annotation value is ignored and the allow-all cluster default applies',
      objects: [...CONFIG, namespace({ 'config.linkerd.io/default-inbound-policy': 'deny-all' }), deployment(), apiPod(POD)],
      expect: [
        { ...API, status: 'fail', port: 8080, warning: true },
        { ...API, status: 'fail', port: 9090, warning: true },
      ],
    },
    {
      name: 'trap: an accessPolicy on a pre-v1beta3 Server is honoured, never assumed to be deny',
      objects: [...CONFIG, namespace(DENY), deployment(), apiPod(POD), server('v1beta2', 8080, 'all-unauthenticated')],
      expect: [
        { ...API, status: 'fail', port: 8080, messageId: 'serverAllows' },
        { ...API, status: 'pass', port: 9090 },
      ],
    },
    {
      name: 'no declared container port: every port falls back to the default',
      objects: [...CONFIG, namespace(), deployment({}, []), apiPod(POD, {}, [])],
      expect: [{ ...API, status: 'fail', port: '*', messageId: 'defaultAllows', warning: true }],
    },
    {
      name: 'unmeshed workloads fail, they are not skipped',
      objects: [...CONFIG, namespace(DENY), deployment(), apiPod(POD, {}, PORTS, false)],
      expect: [{ ...API, status: 'fail', port: '*', messageId: 'notMeshed' }],
    },
  ],
  error: [
    {
      name: 'linkerd-config is not in the evidence and no annotation decides: the cluster default is unknown',
      objects: [namespace(), deployment(), apiPod(POD)],
      expect: [
        { ...API, status: 'error', port: 8080, messageId: 'defaultUnknown' },
        { ...API, status: 'error', port: 9090, messageId: 'defaultUnknown' },
      ],
    },
    {
      name: 'a Server gap in the namespace turns the Server-based pass into an error',
      objects: [...CONFIG, namespace(DENY), deployment(), apiPod(POD), server('v1beta3', 8080)],
      gaps: [{ id: 'gap-srv', reason: 'access-denied', kinds: ['Server'], namespace: 'shop', message: 'list servers.policy.linkerd.io in shop: 403 Forbidden' }],
      expect: [
        { ...API, status: 'error', port: 8080 },
        { ...API, status: 'error', port: 9090 },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'linkerd-config values with an unknown policy value is a gap, never a guess',
      objects: [linkerdConfig('proxy:\n  defaultInboundPolicy: allow-all\n'), namespace(DENY), deployment(), apiPod(POD)],
      expect: [
        { ...API, status: 'error', port: 8080, messageId: 'defaultDenies' },
        { ...API, status: 'error', port: 9090, messageId: 'defaultDenies' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'linkerd-config values that are not YAML: a gap, and the default is unknown',
      objects: [linkerdConfig('proxy: {defaultInboundPolicy: deny\n'), namespace(), deployment(), apiPod(POD)],
      expect: [
        { ...API, status: 'error', port: 8080, messageId: 'defaultUnknown' },
        { ...API, status: 'error', port: 9090, messageId: 'defaultUnknown' },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
    {
      name: 'a schema-invalid Server (no port) is a gap, not an uncovered port',
      objects: [...CONFIG, namespace(DENY), deployment(), apiPod(POD), { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: { name: 'broken', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'api' } } } }],
      expect: [
        { ...API, status: 'error', port: 8080 },
        { ...API, status: 'error', port: 9090 },
        { kind: 'Cluster', status: 'error', messageId: 'evidenceGap' },
      ],
    },
  ],
});
