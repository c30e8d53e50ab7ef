// Synthetic estate for the benchmarks: N clusters × namespaces × workloads × policies, and M AWS
// accounts × regions × findings, written as snapshot folders that `auditpack run --snapshot` reads
// (one `kubectl get -o json` List per namespace; `aws ... --output json` files per account/region).
// Deterministic: the same options and seed give byte-identical folders.
//
//   npx tsx bench/generate-estate.ts OUT [clusters=20] [namespaces=50] [workloads=100] [accounts=10] [regions=4] [findings=300] [seed=1]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CIS_V3, FSBP, PCI_V4, findingBody, hubBody, recorderStatusBody, recordersBody, rulesBody, standardsBody } from '../test/collectors/aws/aws-objects.ts';

export interface EstateOptions {
  clusters: number;
  namespaces: number;
  // Workloads per namespace (each a Deployment with one running Pod and a Service).
  workloads: number;
  accounts: number;
  regions: number;
  // Failed Security Hub findings per account and region.
  findings: number;
  seed: number;
}

export interface EstateSummary {
  targets: string[];
  clusters: number;
  workloads: number;
  kubeObjects: number;
  awsFiles: number;
  findings: number;
  files: number;
  bytes: number;
}

export const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-2', 'ap-northeast-1', 'ca-central-1', 'sa-east-1'];
const CREATED = '2026-03-01T00:00:00Z';

// mulberry32: small, fast and good enough to vary a synthetic estate reproducibly.
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rand: () => number, n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(rand() * 16).toString(16);
  return s;
}

// Objects of one namespace of one cluster.
export function namespaceObjects(cluster: number, n: number, workloads: number, rand: () => number): Record<string, unknown>[] {
  const ns = `team-${String(n).padStart(3, '0')}`;
  const meshed = rand() > 0.05;
  const out: Record<string, unknown>[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ...(meshed ? { 'istio-injection': 'enabled' } : {}), 'kubernetes.io/metadata.name': ns, team: `t${n % 7}` }, creationTimestamp: CREATED } },
    { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: ns, creationTimestamp: CREATED }, spec: { mtls: { mode: rand() > 0.2 ? 'STRICT' : 'PERMISSIVE' } } },
    { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-nothing', namespace: ns, creationTimestamp: CREATED }, spec: {} },
  ];
  if (rand() > 0.3) {
    out.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: ns, creationTimestamp: CREATED }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
  }
  for (let w = 0; w < workloads; w++) {
    const app = `svc-${String(w).padStart(4, '0')}`;
    const hash = hex(rand, 10);
    const labels = { app, version: 'v1' };
    const containers = [{ name: app, image: `registry.example/${ns}/${app}:1.${w % 9}.0`, ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }], env: [{ name: 'DB_PASSWORD', value: `secret-${cluster}-${n}-${w}` }, { name: 'LOG_LEVEL', value: 'info' }] }];
    const sidecar = meshed && rand() > 0.05;
    out.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app, namespace: ns, labels, creationTimestamp: CREATED, generation: 3 },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers } } },
    });
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${app}-${hash}-${hex(rand, 5)}`,
        namespace: ns,
        labels: { ...labels, 'pod-template-hash': hash, ...(sidecar ? { 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': app } : {}) },
        annotations: sidecar ? { 'sidecar.istio.io/status': '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"]}' } : {},
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-${hash}`, controller: true, blockOwnerDeletion: true, uid: `${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}` }],
        creationTimestamp: CREATED,
      },
      spec: {
        containers: [...containers, ...(sidecar ? [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2', args: ['proxy', 'sidecar', '--domain', `${ns}.svc.cluster.local`], ports: [{ name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' }] }] : [])],
        ...(sidecar ? { initContainers: [{ name: 'istio-init', image: 'docker.io/istio/proxyv2:1.24.2', args: ['istio-iptables', '-p', '15001', '-z', '15006'] }] } : {}),
        serviceAccountName: app,
        nodeName: `node-${cluster}-${w % 30}`,
      },
      status: { phase: 'Running', podIP: `10.${cluster % 250}.${n % 250}.${w % 250}`, startTime: CREATED },
    });
    out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns, creationTimestamp: CREATED }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' }] } });
    if (w % 10 === 3) {
      out.push({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: `${app}-metrics`, namespace: ns, creationTimestamp: CREATED }, spec: { selector: { matchLabels: { app } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9090: { mode: rand() > 0.5 ? 'PERMISSIVE' : 'STRICT' } } } });
    }
    if (w % 5 === 1) {
      const allowAll = rand() > 0.95;
      out.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: `${app}-callers`, namespace: ns, creationTimestamp: CREATED },
        spec: { selector: { matchLabels: { app } }, action: 'ALLOW', rules: allowAll ? [{}] : [{ from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/svc-${String((w + 1) % workloads).padStart(4, '0')}`] } }], to: [{ operation: { methods: ['GET', 'POST'], ports: ['8080'] } }] }] },
      });
    }
    if (w % 10 === 7) {
      out.push({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: app, namespace: ns, creationTimestamp: CREATED }, spec: { host: `${app}.${ns}.svc.cluster.local`, trafficPolicy: { tls: { mode: rand() > 0.1 ? 'ISTIO_MUTUAL' : 'DISABLE' } } } });
    }
    if (w % 10 === 5) {
      out.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `${app}-ingress`, namespace: ns, creationTimestamp: CREATED }, spec: { podSelector: { matchLabels: { app } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: `svc-${String((w + 1) % workloads).padStart(4, '0')}` } } }], ports: [{ port: 8080, protocol: 'TCP' }] }] } });
    }
  }
  for (const o of out) (o.metadata as Record<string, unknown>).uid = `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`;
  return out;
}

export function controlPlaneObjects(cluster: number): Record<string, unknown>[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system', labels: { 'kubernetes.io/metadata.name': 'istio-system' }, creationTimestamp: CREATED } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system', creationTimestamp: CREATED }, data: { mesh: `rootNamespace: istio-system\ntrustDomain: cluster-${cluster}.local\nenableAutoMtls: true\n` } },
    { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system', creationTimestamp: CREATED }, spec: { mtls: { mode: cluster % 4 === 0 ? 'PERMISSIVE' : 'STRICT' } } },
  ];
}

async function writeJson(file: string, value: unknown, summary: EstateSummary): Promise<void> {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  summary.files++;
  summary.bytes += Buffer.byteLength(text);
}

export function accountId(i: number): string {
  return String(100000000000 + i);
}

// Writes the estate under `out` (one snapshot folder per cluster and per AWS account) and says
// what it wrote. Targets are the folders to pass as --snapshot.
export async function generateEstate(out: string, o: EstateOptions): Promise<EstateSummary> {
  const rand = prng(o.seed);
  const summary: EstateSummary = { targets: [], clusters: o.clusters, workloads: 0, kubeObjects: 0, awsFiles: 0, findings: 0, files: 0, bytes: 0 };
  for (let c = 0; c < o.clusters; c++) {
    const dir = path.join(out, `cluster-${String(c).padStart(2, '0')}`);
    summary.targets.push(dir);
    const cp = controlPlaneObjects(c);
    await writeJson(path.join(dir, 'istio-system.json'), { apiVersion: 'v1', kind: 'List', items: cp }, summary);
    summary.kubeObjects += cp.length;
    for (let n = 0; n < o.namespaces; n++) {
      const items = namespaceObjects(c, n, o.workloads, rand);
      summary.kubeObjects += items.length;
      summary.workloads += o.workloads;
      await writeJson(path.join(dir, `team-${String(n).padStart(3, '0')}.json`), { apiVersion: 'v1', kind: 'List', items }, summary);
    }
  }
  for (let a = 0; a < o.accounts; a++) {
    const account = accountId(a);
    const dir = path.join(out, `aws-${account}`);
    summary.targets.push(dir);
    for (const region of REGIONS.slice(0, o.regions)) {
      const base = path.join(dir, account, region);
      const failedControls = o.findings;
      const files: [string, unknown][] = [
        ['securityhub-describe-hub.json', hubBody(account, region)],
        ['securityhub-get-enabled-standards.json', standardsBody([{ standard: PCI_V4 }, { standard: FSBP }, { standard: CIS_V3 }], account, region)],
        [
          'securityhub-get-findings.json',
          { Findings: Array.from({ length: failedControls }, (_v, i) => findingBody({ control: `S3.${(i % 20) + 1}`, n: i + 1, account, region, severity: rand() > 0.85 ? 'CRITICAL' : 'MEDIUM', requirements: ['PCI DSS v4.0.1/1.4.4'] })) },
        ],
        ['configservice-describe-configuration-recorders.json', recordersBody([{ includeGlobal: region === 'us-east-1' }], account)],
        ['configservice-describe-configuration-recorder-status.json', recorderStatusBody([{}])],
        ['configservice-describe-compliance-by-config-rule.json', rulesBody(Array.from({ length: 40 }, (_v, i) => ({ name: `rule-${i}`, type: rand() > 0.9 ? 'NON_COMPLIANT' : 'COMPLIANT', count: 2 })))],
      ];
      for (const [name, body] of files) await writeJson(path.join(base, name), body, summary);
      summary.awsFiles += files.length;
      summary.findings += failedControls;
    }
  }
  return summary;
}

function arg(i: number, fallback: number): number {
  const v = process.argv[i];
  return v === undefined ? fallback : Number(v);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: npx tsx bench/generate-estate.ts OUT [clusters] [namespaces] [workloads] [accounts] [regions] [findings] [seed]');
    process.exit(2);
  }
  const summary = await generateEstate(path.resolve(out), {
    clusters: arg(3, 20),
    namespaces: arg(4, 50),
    workloads: arg(5, 100),
    accounts: arg(6, 10),
    regions: arg(7, 4),
    findings: arg(8, 300),
    seed: arg(9, 1),
  });
  console.log(JSON.stringify({ ...summary, targets: summary.targets.length }));
}
