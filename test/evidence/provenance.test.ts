import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_IDENTITY_FILE, COLLECTED_AT_FILE } from '../../src/evidence/provenance.ts';
import { TargetsFile } from '../../src/evidence/targets-file.ts';
import { EvidenceRecord } from '../../src/evidence/types.ts';
import { collectTargets } from '../../src/pipeline/collect.ts';
import { runPipeline } from '../../src/pipeline/run.ts';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer } from '../collectors/kubernetes/fake-apiserver.ts';

const DEMO = path.resolve(import.meta.dirname, '../../demo/environment');
const KUBE_SYSTEM_UID = '6f1c9a52-3b7e-4d0a-9c1e-2f4b8d7e5a10';
const NOW = new Date('2026-07-01T00:00:00Z');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-provenance-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function records(out: string): Promise<EvidenceRecord[]> {
  const text = await readFile(path.join(out, 'evidence', 'index.jsonl'), 'utf8');
  return text.trim().split('\n').map((l) => EvidenceRecord.parse(JSON.parse(l)));
}

async function transcriptOf(out: string, r: EvidenceRecord): Promise<string> {
  return readFile(path.join(out, r.cliPath), 'utf8');
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('snapshot evidence says it was read from a file', () => {
  it('with the collected-at file of the export script: file, sha256, export time, never a live prompt', async () => {
    const snap = path.join(tmp, 'prod-eu');
    await cp(path.join(DEMO, 'prod-eu'), snap, { recursive: true });
    await writeFile(path.join(snap, COLLECTED_AT_FILE), '2026-06-28T23:15:04Z\n');
    await writeFile(path.join(snap, CLUSTER_IDENTITY_FILE), JSON.stringify({ server: 'https://admin:hunter2@api.prod-eu.example.com:6443', kubeSystemUid: KUBE_SYSTEM_UID, serverVersion: 'v1.30.4', context: 'prod-eu' }));
    const out = path.join(tmp, 'snap-out');
    await mkdir(out, { recursive: true });
    await collectTargets({ snapshots: [{ dir: snap }] }, out, () => NOW, () => undefined);

    const all = await records(out);
    expect(all.length).toBeGreaterThan(10);
    const ns = all.find((r) => r.kind === 'Namespace');
    if (!ns) throw new Error('no Namespace record');
    const file = ns.source.file ?? '';
    expect(ns.source).toMatchObject({ type: 'snapshot', fileSha256: sha256(await readFile(path.join(snap, file))), exportedAt: '2026-06-28T23:15:04.000Z', exportedAtSource: 'collected-at-file' });

    const text = await transcriptOf(out, ns);
    expect(text).toContain(`read from file ${JSON.stringify(file)}`);
    expect(text).toContain(`file sha256 ${ns.source.fileSha256 ?? ''}`);
    expect(text).toContain('exported at 2026-06-28T23:15:04.000Z (collected-at file of the export)');
    expect(ns.cli).toMatch(/^kubectl get namespaces \S+ -o json$/);
    expect(text).toContain(`# not live output; to reproduce it live run: ${ns.cli}`);
    expect(text.split('\n').some((l) => l.startsWith('$ '))).toBe(false);

    const targets = TargetsFile.parse(JSON.parse(await readFile(path.join(out, 'evidence', 'targets.json'), 'utf8')));
    const provenance = targets.targets[0]?.provenance;
    expect(provenance).toMatchObject({ type: 'snapshot', folder: 'prod-eu', declaredCluster: { server: 'https://api.prod-eu.example.com:6443', kubeSystemUid: KUBE_SYSTEM_UID } });
    expect(JSON.stringify(provenance)).not.toContain('hunter2');
    expect(JSON.stringify(provenance)).not.toContain(tmp);
  });

  it('without it: the file modification time, labelled as such', async () => {
    const snap = path.join(tmp, 'staging');
    await cp(path.join(DEMO, 'prod-eu'), snap, { recursive: true });
    const out = path.join(tmp, 'mtime-out');
    await mkdir(out, { recursive: true });
    const when = new Date('2026-05-02T08:00:00Z');
    const first = (await records(path.join(tmp, 'snap-out')))[0]?.source.file ?? '';
    await utimes(path.join(snap, first), when, when);
    await collectTargets({ snapshots: [{ dir: snap }] }, out, () => NOW, () => undefined);
    const r = (await records(out)).find((x) => x.source.file === first);
    if (!r) throw new Error('no record');
    expect(r.source).toMatchObject({ exportedAt: when.toISOString(), exportedAtSource: 'file-mtime' });
    expect(await transcriptOf(out, r)).toContain(`exported at ${when.toISOString()} (file modification time; no collected-at file)`);
  });
});

describe('live evidence names the cluster it was read from', () => {
  let server: FakeApiServer;
  beforeAll(async () => {
    server = await startFakeApiServer({
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', uid: KUBE_SYSTEM_UID } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments', uid: 'a1b2', labels: { 'istio-injection': 'enabled' } } },
      ],
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('records API server, kube-system uid, server version and context, in targets.json and each transcript', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigFor([{ name: 'prod-eu-admin', server }]));
    const out = path.join(tmp, 'live-out');
    await mkdir(out, { recursive: true });
    await collectTargets({ snapshots: [], kube: [{ kubeConfig: kc, context: 'prod-eu-admin' }], kubeOptions: { retry: { sleep: async () => undefined } } }, out, () => NOW, () => undefined);

    const targets = TargetsFile.parse(JSON.parse(await readFile(path.join(out, 'evidence', 'targets.json'), 'utf8')));
    expect(targets.targets[0]?.provenance).toEqual({
      type: 'kubernetes',
      cluster: { server: server.url, kubeSystemUid: KUBE_SYSTEM_UID, serverVersion: 'v1.31.0-fake', context: 'prod-eu-admin' },
    });
    const ns = (await records(out)).find((r) => r.kind === 'Namespace' && r.name === 'payments');
    if (!ns) throw new Error('no Namespace record');
    const text = await transcriptOf(out, ns);
    expect(text).toContain(`# cluster: API server ${server.url}, kube-system uid ${KUBE_SYSTEM_UID}, version v1.31.0-fake, context prod-eu-admin`);
    expect(text).toMatch(/^\$ kubectl /m);
    expect(server.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/version', '/api/v1/namespaces/kube-system']));
  });

  it('shows the cluster identity in findings.json and the report', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigFor([{ name: 'prod-eu-admin', server }]));
    const out = path.join(tmp, 'live-report');
    await runPipeline({ snapshots: [], kube: [{ kubeConfig: kc, context: 'prod-eu-admin' }], kubeOptions: { retry: { sleep: async () => undefined } }, outDir: out, formats: { html: true, pdf: false, csv: false }, clock: () => NOW });
    const findings = JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')) as { evidenceSources?: unknown[] };
    expect(findings.evidenceSources).toEqual([{ target: 'prod-eu-admin', type: 'kubernetes', cluster: { server: server.url, kubeSystemUid: KUBE_SYSTEM_UID, serverVersion: 'v1.31.0-fake', context: 'prod-eu-admin' } }]);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Live Kubernetes API');
    expect(html).toContain(`live cluster: API server ${server.url}, kube-system uid ${KUBE_SYSTEM_UID}, version v1.31.0-fake, context prod-eu-admin`);
  });

  it('names what it could not read instead of guessing', async () => {
    const denied = await startFakeApiServer({ authorize: (info) => !(info.plural === 'namespaces' && info.name === 'kube-system') });
    try {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigFor([{ name: 'restricted', server: denied }]));
      const out = path.join(tmp, 'denied-out');
      await mkdir(out, { recursive: true });
      await collectTargets({ snapshots: [], kube: [{ kubeConfig: kc, context: 'restricted' }], kubeOptions: { retry: { sleep: async () => undefined } } }, out, () => NOW, () => undefined);
      const targets = TargetsFile.parse(JSON.parse(await readFile(path.join(out, 'evidence', 'targets.json'), 'utf8')));
      const p = targets.targets[0]?.provenance;
      expect(p?.type === 'kubernetes' ? p.cluster.kubeSystemUid : 'wrong type').toBeUndefined();
      expect(p?.type === 'kubernetes' ? p.cluster.unavailable?.join(' ') : '').toMatch(/GET \/api\/v1\/namespaces\/kube-system: .*403|forbidden/i);
    } finally {
      await denied.close();
    }
  });
});

describe('findings.json and the report', () => {
  it('carry the evidence-source table; the appendix shows snapshot files with sha256 and export time', async () => {
    const snap = path.join(tmp, 'prod-eu');
    const out = path.join(tmp, 'report-out');
    await runPipeline({ snapshots: [{ dir: snap }], outDir: out, formats: { html: true, pdf: false, csv: false }, clock: () => NOW });
    const findings = JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')) as { evidenceSources?: Array<{ target: string; type: string; files?: Array<{ path: string; sha256: string; exportedAt: string }> }> };
    expect(findings.evidenceSources?.[0]).toMatchObject({ target: 'prod-eu', type: 'snapshot' });
    expect(findings.evidenceSources?.[0]?.files?.every((f) => /^[0-9a-f]{64}$/.test(f.sha256) && f.exportedAt === '2026-06-28T23:15:04.000Z')).toBe(true);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Evidence sources');
    expect(html).toContain('Snapshot files (not live)');
    expect(html).toMatch(/read from file · file sha256 [0-9a-f]{16}… · exported at 2026-06-28T23:15:04.000Z \(collected-at file\)/);
  });
});
