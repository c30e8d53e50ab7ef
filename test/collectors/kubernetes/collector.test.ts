import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KUBE_RESOURCES, resourceName } from '../../../src/collectors/kubernetes/index.ts';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer, type FakeApiServerOptions } from './fake-apiserver.ts';
import { ROOT, generatedCluster, loadManifests } from './fixtures.ts';
import { collectFrom, keyOf, kubeConfigFor } from './helpers.ts';

const servers: FakeApiServer[] = [];
async function start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const s = await startFakeApiServer(options);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const COLLECTED_KINDS = new Set(KUBE_RESOURCES.map((r) => `${r.group}/${r.kind}`));
function collectable(o: Record<string, unknown>): boolean {
  const apiVersion = String(o.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return COLLECTED_KINDS.has(`${group}/${String(o.kind)}`);
}

let manifests: Record<string, unknown>[];
beforeAll(async () => {
  manifests = [
    ...(await loadManifests(path.join(ROOT, 'test/fixtures/upstream/istio'))),
    ...(await loadManifests(path.join(ROOT, 'demo/environment/prod-eu'))),
    ...(await loadManifests(path.join(ROOT, 'test/fixtures/upstream/linkerd'))),
    ...(await loadManifests(path.join(ROOT, 'test/fixtures/upstream/consul'))),
    ...(await loadManifests(path.join(ROOT, 'test/fixtures/upstream/k8s'))),
    ...generatedCluster(3, 4),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'payments' }, data: { password: 'c2VjcmV0' } },
  ];
});

describe('Kubernetes collector against a fake API server (real SDK, HTTPS, bearer token)', () => {
  it('collects every resource of real upstream and demo manifests, each item with apiVersion and kind, and never asks for secrets', async () => {
    const server = await start({ objects: manifests });

    const { result, objects } = await collectFrom(server, { pageSize: 3 });

    expect(result.gaps).toEqual([]);
    expect(result.notes).toEqual([]);
    // Manifests without a namespace were applied to `default`, as `kubectl apply` would.
    const expected = manifests
      .filter(collectable)
      .map((m) => (m.kind === 'Namespace' ? m : { ...m, metadata: { namespace: 'default', ...(m.metadata as object) } }))
      .map(keyOf);
    const got = objects.map((o) => keyOf(o.raw));
    expect(new Set(got).size).toBe(got.length);
    expect([...got].sort()).toEqual([...new Set(expected)].sort());
    for (const o of objects) {
      expect(o.raw.apiVersion).toBe(o.apiVersion);
      expect(o.raw.kind).toBe(o.kind);
      expect(o.call).toMatch(/^GET \/apis?\/.+\?limit=3(&continue=.+)?$/);
    }
    // The item is stored as served: the demo's v1beta1 RequestAuthentication arrives converted to v1.
    const pa = objects.find((o) => o.kind === 'PeerAuthentication' && o.namespace === 'istio-system' && o.name === 'default');
    expect(pa?.cli).toBe('kubectl --context test get peerauthentications.security.istio.io -A -o json');
    expect(pa?.call).toMatch(/^GET \/apis\/security\.istio\.io\/v1\/peerauthentications\?limit=3/);
    const source = manifests.find((m) => keyOf(m) === keyOf(pa?.raw ?? {}));
    expect(pa?.raw.spec).toEqual(source?.spec);
    expect(objects.find((o) => o.kind === 'Namespace')?.cli).toBe('kubectl --context test get namespaces -o json');
    expect(objects.some((o) => o.kind === 'Secret' || o.kind === 'ServiceAccount')).toBe(false);
    expect(server.requests.some((r) => r.path.includes('secrets'))).toBe(false);
    expect(server.requests.every((r) => r.method === 'GET' && r.authorization === `Bearer ${server.token}`)).toBe(true);
    expect(result.requests).toBe(server.requests.length);
    expect(result.objects).toBe(objects.length);
  });

  it('picks the version per kind from discovery: Linkerd kinds of one group live in different versions', async () => {
    const server = await start({ objects: manifests });

    const { objects } = await collectFrom(server);

    const versionOf = (kind: string): string | undefined => objects.find((o) => o.kind === kind && o.apiVersion.startsWith('policy.linkerd.io/'))?.apiVersion;
    expect(versionOf('Server')).toBe('policy.linkerd.io/v1beta3');
    expect(versionOf('HTTPRoute')).toBe('policy.linkerd.io/v1beta3');
    expect(versionOf('AuthorizationPolicy')).toBe('policy.linkerd.io/v1alpha1');
    expect(versionOf('ServerAuthorization')).toBe('policy.linkerd.io/v1beta1');
    // Not the group's preferred version: the kubectl command names the version it read.
    expect(objects.find((o) => o.kind === 'ServerAuthorization')?.cli).toBe('kubectl --context test get serverauthorizations.v1beta1.policy.linkerd.io -A -o json');
    expect(server.requests.some((r) => r.path === '/apis/policy.linkerd.io/v1beta3/authorizationpolicies')).toBe(false);
  });

  it('falls back to security.istio.io/v1beta1 on an Istio that does not serve v1', async () => {
    const server = await start({ objects: manifests, servedVersions: { 'security.istio.io': ['v1beta1'] } });

    const { result, objects } = await collectFrom(server);

    expect(result.gaps).toEqual([]);
    const pas = objects.filter((o) => o.kind === 'PeerAuthentication');
    expect(pas.length).toBeGreaterThan(0);
    expect(new Set(pas.map((o) => o.apiVersion))).toEqual(new Set(['security.istio.io/v1beta1']));
    expect(pas[0]?.cli).toBe('kubectl --context test get peerauthentications.security.istio.io -A -o json');
    expect(server.requests.some((r) => r.path.startsWith('/apis/security.istio.io/v1/'))).toBe(false);
  });

  it('records a CRD group the cluster does not serve as "not installed" data, not as a gap', async () => {
    const server = await start({ objects: manifests, crdGroups: ['security.istio.io', 'networking.istio.io'] });

    const { result, objects } = await collectFrom(server);

    expect(result.gaps).toEqual([]);
    expect(result.notes.map((n) => n.message).sort()).toEqual([
      'consul.hashicorp.com not installed: the cluster does not serve this API group, so it holds no ServiceIntentions, Mesh, ProxyDefaults, ServiceDefaults',
      'install.istio.io not installed: the cluster does not serve this API group, so it holds no IstioOperator',
      'policy.linkerd.io not installed: the cluster does not serve this API group, so it holds no Server, AuthorizationPolicy, MeshTLSAuthentication, NetworkAuthentication, ServerAuthorization, HTTPRoute',
    ]);
    expect(result.notes.every((n) => n.file === 'GET /apis')).toBe(true);
    expect(objects.some((o) => o.kind === 'PeerAuthentication')).toBe(true);
    expect(server.requests.some((r) => r.path.includes('linkerd') || r.path.includes('consul'))).toBe(false);
  });

  it('pages with limit and continue until the last page, and stores each item once', async () => {
    const server = await start({ objects: generatedCluster(4, 5) });

    const { result, objects } = await collectFrom(server, { pageSize: 7 });

    const podCalls = server.requests.filter((r) => r.path === '/api/v1/pods');
    expect(podCalls.map((r) => new URLSearchParams(r.query).get('limit'))).toEqual(['7', '7', '7']);
    expect(podCalls[0]?.query).toBe('limit=7');
    expect(podCalls.slice(1).every((r) => new URLSearchParams(r.query).get('continue'))).toBe(true);
    const pods = objects.filter((o) => o.kind === 'Pod');
    expect(pods).toHaveLength(20);
    expect(new Set(pods.map((o) => `${o.namespace}/${o.name}`)).size).toBe(20);
    expect(result.gaps).toEqual([]);
  });

  it('restarts a list from the beginning when its continue token expires (410), dropping the partial pages', async () => {
    const server = await start({ objects: generatedCluster(4, 5), faults: [{ path: '/api/v1/pods', status: 410, withContinue: true, times: 1 }] });

    const { result, objects } = await collectFrom(server, { pageSize: 7 });

    const podCalls = server.requests.filter((r) => r.path === '/api/v1/pods').map((r) => [r.status, new URLSearchParams(r.query).has('continue')]);
    expect(podCalls).toEqual([
      [200, false],
      [410, true],
      [200, false],
      [200, true],
      [200, true],
    ]);
    const pods = objects.filter((o) => o.kind === 'Pod');
    expect(pods).toHaveLength(20);
    expect(new Set(pods.map((o) => `${o.namespace}/${o.name}`)).size).toBe(20);
    expect(result.gaps).toEqual([]);
  });

  it('gives up restarting after the bounded number of expired tokens and records an api-error gap', async () => {
    const server = await start({ objects: generatedCluster(2, 5), faults: [{ path: '/api/v1/pods', status: 410, withContinue: true }] });

    const { result, objects } = await collectFrom(server, { pageSize: 4, maxListRestarts: 2 });

    expect(server.requests.filter((r) => r.path === '/api/v1/pods' && r.status === 410)).toHaveLength(3);
    expect(objects.some((o) => o.kind === 'Pod')).toBe(false);
    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0]).toMatchObject({ reason: 'api-error', kinds: ['Pod'] });
    expect(result.gaps[0]?.message).toMatch(/^could not list pods \(cluster-wide\): GET \/api\/v1\/pods\?limit=4&continue=.+: 410 Expired.+expired 3 times/);
    expect(objects.some((o) => o.kind === 'Service')).toBe(true);
  });

  it('retries 429 after the Retry-After the server asked for', async () => {
    const server = await start({ objects: manifests, faults: [{ path: '/apis/security.istio.io/v1/authorizationpolicies', status: 429, retryAfter: '1', times: 2 }] });

    const { result, objects, sleeps } = await collectFrom(server);

    expect(sleeps).toEqual([1000, 1000]);
    expect(server.requests.filter((r) => r.path === '/apis/security.istio.io/v1/authorizationpolicies').map((r) => r.status)).toEqual([429, 429, 200]);
    expect(result.gaps).toEqual([]);
    expect(objects.some((o) => o.kind === 'AuthorizationPolicy' && o.apiVersion === 'security.istio.io/v1')).toBe(true);
  });

  it('retries 503 with exponential backoff, discovery included', async () => {
    const server = await start({
      objects: manifests,
      faults: [
        { path: '/apis', status: 503, times: 1 },
        { path: '/api/v1/configmaps', status: 503, times: 3 },
      ],
    });

    const { result, objects, sleeps } = await collectFrom(server, { retry: { baseDelayMs: 100 } });

    expect(sleeps).toEqual([100, 100, 200, 400]);
    expect(result.gaps).toEqual([]);
    expect(objects.filter((o) => o.kind === 'ConfigMap').length).toBeGreaterThan(0);
  });

  it('stops retrying after the bounded attempts and time, and records an api-error gap; the run goes on', async () => {
    const server = await start({ objects: manifests, faults: [{ path: '/apis/apps/v1/deployments', status: 503 }, { path: '/apis/apps/v1/replicasets', status: 429, retryAfter: '90' }] });

    const { result, objects, sleeps } = await collectFrom(server, { retry: { maxAttempts: 4, baseDelayMs: 10, maxTotalMs: 100_000 } });

    expect(server.requests.filter((r) => r.path === '/apis/apps/v1/deployments')).toHaveLength(4);
    // Retry-After 90 s: one wait fits the 100 s budget, a second would not.
    expect(server.requests.filter((r) => r.path === '/apis/apps/v1/replicasets')).toHaveLength(2);
    expect(sleeps).toEqual([10, 20, 40, 90_000]);
    expect(result.gaps.map((g) => [g.reason, g.kinds])).toEqual([
      ['api-error', ['Deployment']],
      ['api-error', ['ReplicaSet']],
    ]);
    expect(result.gaps[0]?.message).toBe('could not list deployments.apps (cluster-wide): GET /apis/apps/v1/deployments?limit=500: 503 ServiceUnavailable: fake fault 503 on /apis/apps/v1/deployments (gave up after 4 attempts)');
    expect(result.gaps[1]?.message).toMatch(/429 TooManyRequests.+gave up after 2 attempt\(s\) and the 100 s retry budget/);
    expect(objects.some((o) => o.kind === 'Pod')).toBe(true);
  });

  it('turns a 403 into an access-denied gap naming the missing permission, never an empty list', async () => {
    const server = await start({
      objects: manifests,
      faults: [
        { path: '/apis/security.istio.io/v1/peerauthentications', status: 403 },
        { path: '/api/v1/pods', status: 403 },
        { path: '/api/v1/namespaces', status: 403 },
      ],
    });

    const { result, objects, sleeps } = await collectFrom(server);

    expect(result.gaps.map((g) => ({ reason: g.reason, kinds: g.kinds, message: g.message }))).toEqual([
      { reason: 'access-denied', kinds: ['Namespace'], message: 'missing RBAC permission: list namespaces (cluster-scoped)' },
      { reason: 'access-denied', kinds: ['Pod'], message: 'missing RBAC permission: list pods (cluster-wide)' },
      { reason: 'access-denied', kinds: ['PeerAuthentication'], message: 'missing RBAC permission: list peerauthentications.security.istio.io (cluster-wide)' },
    ]);
    expect(result.gaps.every((g) => g.namespace === undefined && /^gap-[0-9a-f]{16}$/.test(g.id))).toBe(true);
    expect(sleeps).toEqual([]);
    expect(objects.some((o) => o.kind === 'PeerAuthentication' || o.kind === 'Pod' || o.kind === 'Namespace')).toBe(false);
    expect(objects.some((o) => o.kind === 'AuthorizationPolicy')).toBe(true);
  });

  it('records one gap for every kind when the credentials are rejected (401), and collects nothing', async () => {
    const server = await start({ objects: manifests });

    const { result, objects } = await collectFrom(server, {}, kubeConfigFor(server, 'test', 'wrong-token'));

    expect(objects).toEqual([]);
    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0]).toMatchObject({ reason: 'access-denied', kinds: '*' });
    expect(result.gaps[0]?.message).toMatch(/^Kubernetes API discovery failed for context test \(https:\/\/127\.0\.0\.1:\d+\): the API server rejected the credentials \(401 Unauthorized\)/);
    expect(server.requests).toHaveLength(1);
  });

  it('records an api-error gap for a list response that is not a Kubernetes list (zod envelope check)', async () => {
    // A proxy in front of the API server answering with something else.
    const server = await start({ objects: manifests, responses: { '/api/v1/services': { kind: 'ServiceList', items: 'not-a-list' } } });

    const { result, objects } = await collectFrom(server);

    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0]).toMatchObject({ reason: 'api-error', kinds: ['Service'] });
    expect(result.gaps[0]?.message).toMatch(/^could not list services \(cluster-wide\): GET \/api\/v1\/services\?limit=500: unexpected response shape \(items: /);
    expect(objects.some((o) => o.kind === 'Pod')).toBe(true);
  });

  it('records a kind its group does not serve (an older Linkerd without AuthorizationPolicy) as not installed', async () => {
    const server = await start({ objects: manifests, servedVersions: { 'policy.linkerd.io': ['v1beta3', 'v1beta1'] } });

    const { result, objects } = await collectFrom(server);

    expect(result.gaps).toEqual([]);
    expect(result.notes).toEqual([
      { file: 'GET /apis/policy.linkerd.io', message: 'AuthorizationPolicy (authorizationpolicies.policy.linkerd.io) not installed: the cluster serves policy.linkerd.io (v1beta3, v1beta1) but no version lists authorizationpolicies' },
      { file: 'GET /apis/policy.linkerd.io', message: 'MeshTLSAuthentication (meshtlsauthentications.policy.linkerd.io) not installed: the cluster serves policy.linkerd.io (v1beta3, v1beta1) but no version lists meshtlsauthentications' },
      { file: 'GET /apis/policy.linkerd.io', message: 'NetworkAuthentication (networkauthentications.policy.linkerd.io) not installed: the cluster serves policy.linkerd.io (v1beta3, v1beta1) but no version lists networkauthentications' },
    ]);
    expect(objects.some((o) => o.kind === 'Server')).toBe(true);
  });

  it('records a kind served only in a version auditpack does not read as an api-error gap, not as absent', async () => {
    const server = await start({ objects: manifests });

    const { result, objects } = await collectFrom(server, { resources: [{ group: 'security.istio.io', versions: ['v2'], plural: 'peerauthentications', kind: 'PeerAuthentication', namespaced: true }] });

    expect(objects).toEqual([]);
    expect(result.notes).toEqual([]);
    expect(result.gaps.map((g) => [g.reason, g.kinds, g.message])).toEqual([
      ['api-error', ['PeerAuthentication'], 'peerauthentications.security.istio.io is served only as security.istio.io/v1, which auditpack does not read (it reads v2); not collected'],
    ]);
  });

  it('abandons a request the server never answers after the request timeout, and retries it a bounded number of times', async () => {
    const server = await start({ objects: manifests, faults: [{ path: '/apis/batch/v1/jobs', status: 0 }] });

    const { result, sleeps } = await collectFrom(server, { requestTimeoutMs: 300, retry: { maxAttempts: 2, baseDelayMs: 5 } });

    expect(server.requests.filter((r) => r.path === '/apis/batch/v1/jobs')).toHaveLength(2);
    expect(sleeps).toEqual([5]);
    expect(result.gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['Job']]]);
    expect(result.gaps[0]?.message).toMatch(/^could not list jobs\.batch \(cluster-wide\): GET \/apis\/batch\/v1\/jobs\?limit=500: ETIMEDOUT: .+\(gave up after 2 attempts\)$/);
  });

  it('collects two contexts of one kubeconfig from two servers without switching the caller\'s KubeConfig', async () => {
    const a = await start({ objects: await loadManifests(path.join(ROOT, 'demo/environment/prod-eu')) });
    const b = await start({ objects: await loadManifests(path.join(ROOT, 'demo/environment/prod-us')), token: 'token-b' });
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigFor([{ name: 'eu', server: a }, { name: 'us', server: b }], 'eu'));

    const [eu, us] = await Promise.all([collectFrom(a, {}, kc, 'eu'), collectFrom(b, {}, kc, 'us')]);

    expect(kc.getCurrentContext()).toBe('eu');
    expect(eu.result.server).toBe(a.url);
    expect(us.result.server).toBe(b.url);
    expect(eu.objects.some((o) => o.namespace === 'payments')).toBe(true);
    expect(us.objects.some((o) => o.namespace === 'checkout')).toBe(true);
    expect(eu.objects.some((o) => o.namespace === 'checkout')).toBe(false);
    expect(b.requests.every((r) => r.authorization === 'Bearer token-b')).toBe(true);
    expect(us.objects.find((o) => o.kind === 'Pod' || o.kind === 'Deployment')?.cli).toMatch(/^kubectl --context us get /);
  });

  it('names every resource in the collector list by its kubectl name', () => {
    expect(KUBE_RESOURCES.map(resourceName)).toContain('peerauthentications.security.istio.io');
    expect(KUBE_RESOURCES.map(resourceName)).toContain('pods');
    expect(KUBE_RESOURCES.some((r) => r.plural === 'secrets')).toBe(false);
  });
});
