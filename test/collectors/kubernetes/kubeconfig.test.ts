import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IN_CLUSTER_CONTEXT, loadKubeConfig, selectContexts } from '../../../src/collectors/kubernetes/index.ts';
import { UsageError } from '../../../src/shared/errors.ts';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer } from './fake-apiserver.ts';
import { ROOT, loadManifests } from './fixtures.ts';
import { collectFrom } from './helpers.ts';

const ENV_KEYS = ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'] as const;
let saved: Record<string, string | undefined>;
let dir: string;
let a: FakeApiServer;
let b: FakeApiServer;

beforeEach(async () => {
  saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-kubeconfig-'));
  a = await startFakeApiServer({ objects: await loadManifests(path.join(ROOT, 'demo/environment/prod-eu')) });
  b = await startFakeApiServer({ objects: await loadManifests(path.join(ROOT, 'demo/environment/prod-us')), token: 'sa-token' });
});

afterEach(async () => {
  for (const k of ENV_KEYS) {
    const v = saved[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await Promise.all([a.close(), b.close()]);
});

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('expected a UsageError');
}

describe('kubeconfig loading and context selection', () => {
  it('loads --kubeconfig FILE and selects contexts by name or all of them', async () => {
    const file = path.join(dir, 'config');
    await writeFile(file, kubeconfigFor([{ name: 'prod-eu', server: a }, { name: 'prod-us', server: b }]));

    const loaded = loadKubeConfig({ file, home: dir });

    expect(loaded.inCluster).toBe(false);
    expect(selectContexts(loaded.kubeConfig, ['prod-us', 'prod-us'], false)).toEqual(['prod-us']);
    expect(selectContexts(loaded.kubeConfig, [], true)).toEqual(['prod-eu', 'prod-us']);
    const err = usageError(() => selectContexts(loaded.kubeConfig, ['prod-ap'], false));
    expect(err.code).toBe('USAGE');
    expect(err.message).toBe('Unknown Kubernetes context "prod-ap"; the kubeconfig has: prod-eu, prod-us');
  });

  it('falls back to KUBECONFIG (a path list, merged), then ~/.kube/config', async () => {
    const one = path.join(dir, 'one');
    const two = path.join(dir, 'two');
    await writeFile(one, kubeconfigFor([{ name: 'prod-eu', server: a }]));
    await writeFile(two, kubeconfigFor([{ name: 'prod-us', server: b }]));
    await mkdir(path.join(dir, '.kube'));
    await writeFile(path.join(dir, '.kube', 'config'), kubeconfigFor([{ name: 'home-ctx', server: a }]));

    process.env.KUBECONFIG = [one, two].join(path.delimiter);
    const fromEnv = loadKubeConfig({ home: dir });
    delete process.env.KUBECONFIG;
    const fromHome = loadKubeConfig({ home: dir });

    expect(fromEnv.kubeConfig.contexts.map((c) => c.name)).toEqual(['prod-eu', 'prod-us']);
    expect(fromEnv.kubeConfig.getCurrentContext()).toBe('prod-eu');
    expect(fromHome.kubeConfig.contexts.map((c) => c.name)).toEqual(['home-ctx']);
  });

  it('refuses a missing kubeconfig and an environment without any, with the ways to give one', () => {
    expect(usageError(() => loadKubeConfig({ file: path.join(dir, 'nope') })).message).toBe(`kubeconfig not found: ${path.join(dir, 'nope')}`);
    const none = usageError(() => loadKubeConfig({ home: dir }));
    expect(none.code).toBe('CONFIG_INVALID');
    expect(none.message).toMatch(/--kubeconfig FILE.+KUBECONFIG.+~\/\.kube\/config.+service account/);
  });

  it('uses the pod service account in a cluster (KUBERNETES_SERVICE_HOST, no kubeconfig) through loadFromCluster', async () => {
    const sa = path.join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(sa, { recursive: true });
    await writeFile(path.join(sa, 'token'), 'sa-token');
    await writeFile(path.join(sa, 'ca.crt'), b.caPem);
    await writeFile(path.join(sa, 'namespace'), 'auditpack');
    const url = new URL(b.url);
    process.env.KUBERNETES_SERVICE_HOST = url.hostname;
    process.env.KUBERNETES_SERVICE_PORT = url.port;

    const loaded = loadKubeConfig({ home: dir, inClusterPathPrefix: dir });
    const contexts = selectContexts(loaded.kubeConfig, [], true);
    const { result, objects } = await collectFrom(b, { kubectlContext: null }, loaded.kubeConfig, IN_CLUSTER_CONTEXT);

    expect(loaded.inCluster).toBe(true);
    expect(contexts).toEqual(['in-cluster']);
    expect(result.server).toBe(b.url);
    expect(result.gaps).toEqual([]);
    expect(objects.length).toBeGreaterThan(10);
    expect(b.requests.every((r) => r.authorization === 'Bearer sa-token')).toBe(true);
    // In a pod, kubectl needs no --context: the evidence command says so.
    expect(objects.find((o) => o.kind === 'PeerAuthentication')?.cli).toBe('kubectl get peerauthentications.security.istio.io -A -o json');
  });

  it('turns unreadable in-cluster credentials into a gap for every kind instead of a crash', async () => {
    const url = new URL(b.url);
    process.env.KUBERNETES_SERVICE_HOST = url.hostname;
    process.env.KUBERNETES_SERVICE_PORT = url.port;
    const sa = path.join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(sa, { recursive: true });
    await writeFile(path.join(sa, 'ca.crt'), b.caPem);

    const loaded = loadKubeConfig({ home: dir, inClusterPathPrefix: dir });
    const { result, objects } = await collectFrom(b, {}, loaded.kubeConfig, IN_CLUSTER_CONTEXT);

    expect(objects).toEqual([]);
    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0]).toMatchObject({ reason: 'access-denied', kinds: '*' });
    expect(result.gaps[0]?.message).toMatch(/could not load the credentials of context in-cluster/);
    expect(b.requests).toEqual([]);
  });
});
