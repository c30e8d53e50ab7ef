import { execFile as execFileCb } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBE_RESOURCES, resourceName } from '../../src/collectors/kubernetes/index.ts';
import { TargetsFile } from '../../src/evidence/targets-file.ts';
import { EvidenceRecord } from '../../src/evidence/types.ts';
import { collectTargets } from '../../src/pipeline/collect.ts';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer } from '../collectors/kubernetes/fake-apiserver.ts';

const execFile = promisify(execFileCb);
const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts', 'export-snapshot.sh');
const UID = '0d5c2a8e-9f61-4b3a-8e27-6c4d1b9a3f02';

let tmp: string;
let server: FakeApiServer;
let kubeconfig: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-export-'));
  // Only the built-in groups and Istio's: the Linkerd and Consul CRDs are "not installed".
  server = await startFakeApiServer({
    crdGroups: ['security.istio.io', 'networking.istio.io'],
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', uid: UID } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments', uid: 'b7', labels: { 'istio-injection': 'enabled' } } },
      { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'payments' }, spec: { mtls: { mode: 'STRICT' } } },
    ],
  });
  kubeconfig = path.join(tmp, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigFor([{ name: 'prod-eu-admin', server }]));
  await chmod(kubeconfig, 0o600);
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('scripts/export-snapshot.sh', () => {
  it('exports exactly the resources the collector reads', async () => {
    const script = await readFile(SCRIPT, 'utf8');
    const list = /RESOURCES=\(\n([\s\S]*?)\n\)/.exec(script)?.[1] ?? '';
    const names = list.split('\n').map((l) => l.trim()).filter(Boolean);
    expect(names.sort()).toEqual([...new Set(KUBE_RESOURCES.map(resourceName))].sort());
  });

  it('writes a snapshot whose records carry the export time and whose target names the cluster', async () => {
    const snap = path.join(tmp, 'prod-eu');
    const before = Date.now();
    const { stderr } = await execFile('bash', [SCRIPT, snap, '--context', 'prod-eu-admin'], { env: { ...process.env, KUBECONFIG: kubeconfig } });
    expect(stderr).toContain('not installed: servers.policy.linkerd.io');
    expect(JSON.parse(await readFile(path.join(snap, 'cluster-identity'), 'utf8'))).toEqual({ server: server.url, kubeSystemUid: UID, serverVersion: 'v1.31.0-fake', context: 'prod-eu-admin' });
    const at = (await readFile(path.join(snap, 'collected-at'), 'utf8')).trim();
    expect(Date.parse(at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);

    const out = path.join(tmp, 'out');
    await mkdir(out);
    await collectTargets({ snapshots: [{ dir: snap }] }, out, () => new Date(), () => undefined);
    const lines = (await readFile(path.join(out, 'evidence', 'index.jsonl'), 'utf8')).trim().split('\n').map((l) => EvidenceRecord.parse(JSON.parse(l)));
    const pa = lines.find((r) => r.kind === 'PeerAuthentication');
    expect(pa?.source).toMatchObject({ type: 'snapshot', file: 'peerauthentications.security.istio.io.json', exportedAt: new Date(at).toISOString(), exportedAtSource: 'collected-at-file' });
    const targets = TargetsFile.parse(JSON.parse(await readFile(path.join(out, 'evidence', 'targets.json'), 'utf8')));
    expect(targets.targets[0]?.provenance).toMatchObject({ type: 'snapshot', declaredCluster: { kubeSystemUid: UID, context: 'prod-eu-admin' } });
  }, 60_000);

  it('stops on a denied list instead of writing a snapshot that silently lacks it', async () => {
    const denied = await startFakeApiServer({ authorize: (info) => info.plural !== 'pods' });
    try {
      const cfg = path.join(tmp, 'kubeconfig-denied');
      await writeFile(cfg, kubeconfigFor([{ name: 'restricted', server: denied }]));
      const snap = path.join(tmp, 'restricted');
      const err = await execFile('bash', [SCRIPT, snap], { env: { ...process.env, KUBECONFIG: cfg } }).then(() => undefined, (e: unknown) => e as { code: number; stderr: string });
      expect(err?.code).toBe(1);
      expect(err?.stderr).toContain('export failed for pods');
      await expect(readFile(path.join(snap, 'collected-at'), 'utf8')).rejects.toThrow();
    } finally {
      await denied.close();
    }
  }, 60_000);
});
