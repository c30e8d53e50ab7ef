import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer } from './fake-apiserver.ts';
import { ROOT, generatedCluster, loadManifests } from './fixtures.ts';
import { collectFrom, kubeConfigFor } from './helpers.ts';

const execFile = promisify(execFileCb);

function kubectlVersion(): string | undefined {
  try {
    return execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}
const KUBECTL = kubectlVersion();

const KubectlList = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('List'),
  items: z.array(z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }) })),
});

// The fake API server is only worth testing against if a real client accepts it: kubectl runs its
// full discovery and the paged list against it, and must see exactly what the collector stored.
describe.skipIf(KUBECTL === undefined)('the fake API server is faithful to kubectl (skipped: kubectl is not installed)', () => {
  let server: FakeApiServer;
  let dir: string;

  beforeAll(async () => {
    server = await startFakeApiServer({ objects: [...(await loadManifests(path.join(ROOT, 'demo/environment/prod-eu'))), ...generatedCluster(3, 200)] });
    dir = await mkdtemp(path.join(os.tmpdir(), 'auditpack-kubectl-'));
    await writeFile(path.join(dir, 'kubeconfig'), kubeconfigFor([{ name: 'fake', server }]));
  });
  afterAll(async () => {
    await server.close();
  });

  it('kubectl --kubeconfig K get pods -A -o json lists the same pods, apiVersion and kind filled in, as the collector stores', async () => {
    const { stdout } = await execFile('kubectl', ['--kubeconfig', path.join(dir, 'kubeconfig'), '--cache-dir', path.join(dir, 'cache'), 'get', 'pods', '-A', '-o', 'json'], {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, HOME: dir },
    });
    const viaKubectl = KubectlList.parse(JSON.parse(stdout)).items;
    const { objects } = await collectFrom(server, {}, kubeConfigFor(server, 'fake'), 'fake');
    const viaCollector = objects.filter((o) => o.kind === 'Pod').map((o) => o.raw);

    expect(viaKubectl).toHaveLength(603);
    expect(viaCollector).toEqual(viaKubectl);
    // kubectl paged with its default chunk size (500), as the collector does.
    expect(server.requests.filter((r) => r.path === '/api/v1/pods' && r.query.includes('continue=')).length).toBeGreaterThanOrEqual(2);
    expect(server.requests.every((r) => r.authorization === `Bearer ${server.token}`)).toBe(true);
  });
});
