import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, collectKubernetes } from '../../../src/collectors/kubernetes/index.ts';
import { startFakeApiServer, type FakeApiServer, type FakeApiServerOptions } from './fake-apiserver.ts';
import { generatedCluster } from './fixtures.ts';
import { collectFrom, kubeConfigFor } from './helpers.ts';

// Unattended fleets: a dead API server must fail fast, and a target out of time must stop at once.

const servers: FakeApiServer[] = [];
async function start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const s = await startFakeApiServer(options);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => undefined)));
});

describe('Kubernetes collector: unreachable servers and aborts', () => {
  it('gives up on a server that refuses connections after the bounded connection attempts, as a discovery gap naming the cause', async () => {
    const server = await start();
    const kc = kubeConfigFor(server);
    await server.close();

    const { result, objects, sleeps } = await collectFrom(server, {}, kc);

    expect(objects).toEqual([]);
    expect(result.requests).toBe(DEFAULT_RETRY.maxConnectAttempts);
    expect(sleeps).toEqual([500, 1000]);
    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0]).toMatchObject({ kinds: '*', reason: 'api-error' });
    expect(result.gaps[0]?.message).toMatch(/^Kubernetes API discovery failed for context test \(https:\/\/127\.0\.0\.1:\d+\): GET \/api: ECONNREFUSED: .*gave up after 3 attempts\); nothing was collected from this cluster$/);
  });

  it('turns a TLS failure (untrusted server certificate) and an unknown host into discovery gaps at once, without retries', async () => {
    const server = await start();
    const untrusted = new KubeConfig();
    untrusted.loadFromOptions({
      clusters: [{ name: 'c', server: server.url, skipTLSVerify: false }],
      users: [{ name: 'u', token: server.token }],
      contexts: [{ name: 'test', cluster: 'c', user: 'u' }],
      currentContext: 'test',
    });
    const unknownHost = new KubeConfig();
    unknownHost.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://cluster.auditpack-test.invalid:6443', caData: Buffer.from(server.caPem).toString('base64') }],
      users: [{ name: 'u', token: server.token }],
      contexts: [{ name: 'test', cluster: 'c', user: 'u' }],
      currentContext: 'test',
    });

    const tls = await collectFrom(server, {}, untrusted);
    const dns = await collectFrom(server, {}, unknownHost);

    expect(server.requests).toEqual([]);
    expect(tls.sleeps).toEqual([]);
    expect(tls.result.gaps).toEqual([expect.objectContaining({ kinds: '*', message: expect.stringMatching(/discovery failed .*GET \/api: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)/) })]);
    expect(dns.sleeps).toEqual([]);
    expect(dns.result.gaps).toEqual([expect.objectContaining({ kinds: '*', message: expect.stringMatching(/discovery failed .*GET \/api: ENOTFOUND/) })]);
  });

  it('stops sending requests once a server that went away mid-collection stays unreachable', async () => {
    const server = await start({ objects: generatedCluster(2, 2) });
    const { result } = await collectFrom(server);
    // The same cluster again, but its server stops once the first list reached the sink.
    const server2 = await start({ objects: generatedCluster(2, 2) });
    const kc2 = kubeConfigFor(server2);
    let closed = false;
    const sleeps: number[] = [];
    const r2 = await collectKubernetes(kc2, 'test', 'test', async () => {
      if (!closed) {
        closed = true;
        await server2.close();
      }
    }, { retry: { sleep: async (ms) => void sleeps.push(ms) } });

    expect(result.gaps).toEqual([]);
    const lists = result.lists;
    // One list's retries against the closed port, then nothing more is sent.
    expect(r2.requests - server2.requests.length).toBe(DEFAULT_RETRY.maxConnectAttempts);
    expect(sleeps).toEqual([500, 1000]);
    expect(r2.lists).toBeLessThan(lists);
    expect(r2.gaps.length).toBe(lists - r2.lists);
    expect(r2.gaps.slice(1).every((g) => /not sent, the API server is unreachable/.test(g.message))).toBe(true);
  });

  it('aborts a request the server never answers when the signal fires, with the signal reason', async () => {
    const server = await start({ faults: [{ path: '/api', status: 0 }] });
    const controller = new AbortController();
    const reason = new Error('target out of time');
    const pending = collectFrom(server, { signal: controller.signal, requestTimeoutMs: 600_000 });
    await until(() => server.requests.length > 0);
    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
  });

  it('aborts a retry wait (a long Retry-After) when the signal fires', async () => {
    const server = await start({ faults: [{ path: '/api', status: 503, retryAfter: '60' }] });
    const controller = new AbortController();
    const reason = new Error('target out of time');
    const pending = collectFrom(server, { signal: controller.signal, retry: { sleep: DEFAULT_RETRY.sleep } });
    await until(() => server.requests.length > 0);
    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
    expect(server.requests).toHaveLength(1);
  });
});

async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 10));
}
