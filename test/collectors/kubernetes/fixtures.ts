import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(new URL('../../..', import.meta.url).pathname);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Every Kubernetes object in the *.yaml, *.yml and *.json files under `dir` (recursively), with
// `kind: List` / `*List` unpacked as kubectl does. Documents that are not valid YAML (Helm
// templates in upstream samples) are skipped: a cluster would never have served them.
export async function loadManifests(dir: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      if (doc.errors.length > 0) continue;
      add(doc.toJS() as unknown, out);
    }
  }
  return out;
}

function add(value: unknown, out: Record<string, unknown>[]): void {
  if (Array.isArray(value)) {
    for (const v of value) add(v, out);
    return;
  }
  if (!isRecord(value) || typeof value.kind !== 'string' || typeof value.apiVersion !== 'string') return;
  if ((value.kind === 'List' || value.kind.endsWith('List')) && Array.isArray(value.items)) {
    const itemKind = value.kind === 'List' ? undefined : value.kind.slice(0, -'List'.length);
    for (const item of value.items) add(isRecord(item) && itemKind && item.kind === undefined ? { apiVersion: value.apiVersion, kind: itemKind, ...item } : item, out);
    return;
  }
  out.push(value);
}

// A generated cluster: `namespaces` namespaces, each with `podsPerNamespace` meshed pods owned by a
// ReplicaSet of one Deployment, one Service, one istio-ca-root-cert ConfigMap and a STRICT
// PeerAuthentication in every tenth namespace.
export function generatedCluster(namespaces: number, podsPerNamespace: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const created = '2026-03-01T00:00:00Z';
  for (let n = 0; n < namespaces; n++) {
    const ns = `tenant-${String(n).padStart(4, '0')}`;
    const labels = { app: 'api' };
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' }, creationTimestamp: created } });
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: ns }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio-ca-root-cert', namespace: ns }, data: { 'root-cert.pem': '' } });
    const template = { metadata: { labels }, spec: { containers: [{ name: 'api', image: 'example/api:1.0', ports: [{ containerPort: 8080 }] }] } };
    out.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: ns }, spec: { replicas: podsPerNamespace, selector: { matchLabels: labels }, template } });
    out.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'api-5d9c7b', namespace: ns, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', controller: true, uid: `uid-${n}` }] },
      spec: { replicas: podsPerNamespace, selector: { matchLabels: labels }, template },
    });
    for (let p = 0; p < podsPerNamespace; p++) {
      out.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `api-5d9c7b-${String(p).padStart(5, '0')}`,
          namespace: ns,
          labels,
          annotations: { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-5d9c7b', controller: true, uid: `rs-${n}` }],
          creationTimestamp: created,
        },
        spec: {
          containers: [
            { name: 'api', image: 'example/api:1.0', ports: [{ containerPort: 8080 }], env: [{ name: 'DB_PASSWORD', value: 'generated-secret-value' }] },
            { name: 'istio-proxy', image: 'istio/proxyv2:1.24.0' },
          ],
        },
        status: { phase: 'Running' },
      });
    }
    if (n % 10 === 0) {
      out.push({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: ns }, spec: { mtls: { mode: 'STRICT' } } });
    }
  }
  return out;
}
