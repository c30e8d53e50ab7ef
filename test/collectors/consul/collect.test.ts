import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consulCaCertValid } from '../../../src/checks/consul/consul-ca-cert-valid.ts';
import { consulConnectCoverage } from '../../../src/checks/consul/consul-connect-coverage.ts';
import { consulEgressMeshOnly } from '../../../src/checks/consul/consul-egress-mesh-only.ts';
import { consulIntentionsDefaultDeny } from '../../../src/checks/consul/consul-intentions-default-deny.ts';
import { consulIntentionsNoWildcardAllow } from '../../../src/checks/consul/consul-intentions-no-wildcard-allow.ts';
import { consulMtlsStrict } from '../../../src/checks/consul/consul-mtls-strict.ts';
import { evaluateCheck } from '../../../src/checks/evaluate.ts';
import type { Check, CheckResult } from '../../../src/checks/types.ts';
import { collectConsulApi, projectAgentSelf, type CollectConsulApiOptions } from '../../../src/collectors/consul/collect.ts';
import { EvidenceStore } from '../../../src/evidence/store.ts';
import type { EvidenceRecord } from '../../../src/evidence/types.ts';
import { buildInventory } from '../../../src/inventory/build-inventory.ts';
import type { EvidenceGap, TargetInventory } from '../../../src/inventory/types.ts';
import { API_RESPONSE_GROUP, loadEvidence } from '../../../src/pipeline/load-evidence.ts';
import { API_VERSION } from '../../../src/inventory/consul/schema.ts';
import { CONSUL_DOCS_ROOT_ID, CONSUL_DOCS_ROOT_PEM, apiIntention, appDeployment, appPod, namespace, upstream } from './consul-objects.ts';

const run = promisify(execFile);
const TARGET = 'prod-eu';
const TOKEN = '3f9d2c1e-7a4b-4e1f-9c2d-8b6a5e4f3d21';
const NOW = new Date('2026-11-22T12:00:00Z');

// ---- A Consul agent over HTTPS, speaking the API shapes of the Consul docs --------------------

const certDir = mkdtempSync(join(tmpdir(), 'auditpack-consul-tls-'));
const CERT = join(certDir, 'server.pem');
const KEY = join(certDir, 'server-key.pem');
execFileSync(
  'openssl',
  ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=server.dc1.consul',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:server.dc1.consul', '-keyout', KEY, '-out', CERT],
  { stdio: 'pipe' },
);
const CA_PEM = readFileSync(CERT, 'utf8');

// The full /v1/agent/self response carries secrets in DebugConfig; the collector must keep none of them.
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const GOSSIP_SECRET = 'pmgw_secret=boom';
const AGENT_SELF_FULL = {
  Config: { Datacenter: 'dc1', NodeName: 'consul-server-0', NodeID: '9d754d17-d864-b1d3-e758-f3fe25a9874f', Revision: 'a8a3d6e7', Server: true, Version: '1.21.4', PrimaryDatacenter: 'dc1' },
  DebugConfig: {
    ACLEnableKeyListPolicy: false,
    ACLInitialManagementToken: 'hidden',
    ACLResolverSettings: { ACLDefaultPolicy: 'deny', ACLDownPolicy: 'extend-cache', ACLPolicyTTL: '30s', ACLRoleTTL: '30s', ACLTokenTTL: '30s', ACLsEnabled: true, Datacenter: 'dc1', EnterpriseMeta: {}, NodeName: 'consul-server-0' },
    ACLTokens: { ACLAgentRecoveryToken: 'hidden', ACLAgentToken: 'hidden', ACLDefaultToken: 'hidden', ACLReplicationToken: 'hidden' },
    ACLsEnabled: true,
    ConnectEnabled: true,
    Datacenter: 'dc1',
    DefaultIntentionPolicy: '',
    EncryptKey: 'hidden',
    PrimaryDatacenter: 'dc1',
    PrimaryGateways: [`pmgw_foo=bar pmgw_key=baz ${GOSSIP_SECRET} pmgw_bang=bar`],
    RetryJoinLAN: [`provider=aws tag_key=consul-cluster tag_value=prod access_key_id=${AWS_KEY} secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`],
    TLS: { HTTPS: { CAFile: '/consul/tls/ca/tls.crt', CertFile: '/consul/tls/server/tls.crt', KeyFile: 'hidden', VerifyIncoming: false } },
  },
  Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 0.00001 },
  Member: { Name: 'consul-server-0', Addr: '10.42.0.17', Port: 8301, Tags: { acls: '1', dc: 'dc1', role: 'consul' }, Status: 1 },
  Stats: { agent: { check_monitors: '0', services: '3' } },
  Meta: { 'consul-network-segment': '' },
  xDS: { SupportedProxies: { envoy: ['1.33.2', '1.32.5'] }, Port: 8502, Ports: { Plaintext: 0, TLS: 8502 } },
};

const INTENTIONS = [
  apiIntention('*', '*', { action: 'deny' }),
  apiIntention('frontend', 'api'),
  apiIntention('api', 'payments', { permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/v1/charges', Methods: ['POST'] } }] }),
  apiIntention('*', 'consul-telemetry-collector'),
];

const CA_ROOTS = {
  ActiveRootID: CONSUL_DOCS_ROOT_ID,
  TrustDomain: '7f42f496-fbc7-8692-05ed-334aa5340c1e.consul',
  Roots: [
    {
      ID: CONSUL_DOCS_ROOT_ID,
      Name: 'Consul CA Root Cert',
      SerialNumber: 7,
      SigningKeyID: '2d:09:5d:84:b9:89:4b:dd:e3:88:bb:9c:e2:b2:69:81:1f:4b:a6:fd:4d:df:ee:74:63:f3:74:55:ca:b0:b5:65',
      ExternalTrustDomain: 'a1499528-fbf6-df7b-05e5-ae81e1873fc4',
      NotBefore: '2018-05-25T21:39:23Z',
      NotAfter: '2028-05-22T21:39:23Z',
      RootCert: CONSUL_DOCS_ROOT_PEM,
      IntermediateCerts: null,
      Active: true,
      PrivateKeyType: 'ec',
      PrivateKeyBits: 256,
      CreateIndex: 8,
      ModifyIndex: 8,
    },
  ],
};

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-Consul-Index': '42', 'X-Consul-Knownleader': 'true', ...headers });
  res.end(JSON.stringify(body));
}

function aclOk(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.headers['x-consul-token'] === TOKEN) return true;
  res.writeHead(403, { 'Content-Type': 'text/plain' });
  res.end('ACL not found');
  return false;
}

const OK: Record<string, Handler> = {
  '/v1/agent/self': (req, res) => aclOk(req, res) && json(res, 200, AGENT_SELF_FULL),
  '/v1/connect/intentions': (req, res) => aclOk(req, res) && json(res, 200, INTENTIONS),
  '/v1/connect/ca/roots': (_req, res) => json(res, 200, CA_ROOTS),
};

let routes: Record<string, Handler> = { ...OK };
const requests: { path: string; token: string | undefined }[] = [];
const hits = new Map<string, number>();

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const token = req.headers['x-consul-token'];
  requests.push({ path, token: typeof token === 'string' ? token : undefined });
  const n = (hits.get(path) ?? 0) + 1;
  hits.set(path, n);
  const route = routes[path];
  if (!route || req.method !== 'GET') return json(res, 404, 'Not Found');
  route(req, res, n);
}

let httpsServer: Server;
let httpServer: Server;
let httpsAddress = '';
let httpAddress = '';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(String((server.address() as AddressInfo).port))));
}

beforeAll(async () => {
  httpsServer = createHttpsServer({ cert: CA_PEM, key: readFileSync(KEY, 'utf8') }, handle);
  httpServer = createHttpServer(handle);
  httpsAddress = `https://127.0.0.1:${await listen(httpsServer)}`;
  httpAddress = `http://127.0.0.1:${await listen(httpServer)}`;
});
afterAll(async () => {
  await new Promise((r) => httpsServer.close(r));
  await new Promise((r) => httpServer.close(r));
  rmSync(certDir, { recursive: true, force: true });
});

// ---- Per-test evidence folder ------------------------------------------------------------------

let outDir = '';
let store: EvidenceStore;
const slept: number[] = [];

beforeEach(async () => {
  routes = { ...OK };
  requests.length = 0;
  hits.clear();
  slept.length = 0;
  outDir = mkdtempSync(join(tmpdir(), 'auditpack-consul-ev-'));
  store = new EvidenceStore(outDir, () => NOW);
  await store.open();
});
afterEach(async () => {
  await store.close();
  rmSync(outDir, { recursive: true, force: true });
});

function collect(extra: Partial<CollectConsulApiOptions> = {}): Promise<{ gaps: EvidenceGap[] }> {
  return collectConsulApi({
    address: httpsAddress,
    token: TOKEN,
    target: TARGET,
    store,
    caCertPem: CA_PEM,
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...extra,
  });
}

function stored(kind: string): { record: EvidenceRecord; raw: unknown } | undefined {
  const record = store.records.find((r) => r.kind === kind);
  return record ? { record, raw: JSON.parse(readFileSync(join(outDir, record.path), 'utf8')) as unknown } : undefined;
}

// Wraps every stored API response the way loadEvidence hands it to the inventory.
function inventoryFromStore(gaps: EvidenceGap[], extraObjects: unknown[] = []): TargetInventory {
  const objects = store.records.map((r) => ({
    evidenceId: r.id,
    object: { apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name }, body: JSON.parse(readFileSync(join(outDir, r.path), 'utf8')) as unknown },
  }));
  return buildInventory(TARGET, [...objects, ...extraObjects.map((object, i) => ({ evidenceId: `ev-k8s-${i}`, object }))], gaps);
}

const CHECKS: Check[] = [consulIntentionsDefaultDeny, consulIntentionsNoWildcardAllow, consulMtlsStrict, consulConnectCoverage, consulEgressMeshOnly, consulCaCertValid];

function judge(inv: TargetInventory): Record<string, CheckResult[]> {
  return Object.fromEntries(CHECKS.map((c) => [c.meta.id, evaluateCheck(c, inv, NOW)]));
}

function statuses(results: CheckResult[] | undefined): string[] {
  return (results ?? []).map((r) => `${r.status}:${r.resource.kind}/${r.resource.name}:${r.messageId}`);
}

// ---- Tests ------------------------------------------------------------------------------------------

describe('collectConsulApi', () => {
  it('stores every response with its call and reproducing command, sends the token, and never stores it', async () => {
    const { gaps } = await collect();
    expect(gaps).toEqual([]);
    expect(requests.map((r) => r.path)).toEqual(['/v1/agent/self', '/v1/connect/intentions', '/v1/connect/ca/roots']);
    expect(requests.every((r) => r.token === TOKEN)).toBe(true);

    expect(store.records.map((r) => [r.kind, r.name, r.apiVersion, r.source.type, r.source.call])).toEqual([
      ['ConsulAgentSelf', '/v1/agent/self', API_VERSION, 'http-api', 'GET /v1/agent/self'],
      ['ConsulIntentionList', '/v1/connect/intentions', API_VERSION, 'http-api', 'GET /v1/connect/intentions'],
      ['ConsulCARoots', '/v1/connect/ca/roots', API_VERSION, 'http-api', 'GET /v1/connect/ca/roots'],
    ]);
    expect(API_VERSION).toBe(`${API_RESPONSE_GROUP}/v1`);
    expect(stored('ConsulIntentionList')?.raw).toEqual(INTENTIONS);
    expect(stored('ConsulCARoots')?.raw).toEqual(CA_ROOTS);
    expect(stored('ConsulAgentSelf')?.raw).toEqual(projectAgentSelf(AGENT_SELF_FULL));
    expect(store.records.every((r) => r.redactions.length === 0)).toBe(true);

    const intentionsCli = stored('ConsulIntentionList')?.record.cli ?? '';
    expect(intentionsCli).toBe(`curl -sS --cacert "$CONSUL_CACERT" -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" ${httpsAddress}/v1/connect/intentions`);

    // Nothing the collector wrote holds the token or the agent's secrets.
    await store.close();
    const files = ['evidence/index.jsonl', ...readdirSync(join(outDir, 'evidence/raw')).map((f) => `evidence/raw/${f}`), ...readdirSync(join(outDir, 'evidence/cli')).map((f) => `evidence/cli/${f}`)];
    for (const f of files) {
      const text = readFileSync(join(outDir, f), 'utf8');
      for (const secret of [TOKEN, AWS_KEY, GOSSIP_SECRET, 'hidden', 'ACLTokens']) expect(text, `${f} contains ${secret}`).not.toContain(secret);
    }
  });

  it('each stored command, run by an auditor with curl (and jq), prints exactly the stored evidence', async () => {
    await collect();
    for (const kind of ['ConsulAgentSelf', 'ConsulIntentionList', 'ConsulCARoots']) {
      const s = stored(kind);
      const { stdout } = await run('bash', ['-c', s?.record.cli ?? 'false'], { env: { ...process.env, CONSUL_CACERT: CERT, CONSUL_HTTP_TOKEN: TOKEN } });
      expect(JSON.parse(stdout), kind).toEqual(s?.raw);
    }
  });

  it('the checks judge the API evidence: agent ACL default deny, wildcard intention, valid CA root', async () => {
    const { gaps } = await collect();
    const inv = inventoryFromStore(gaps, [namespace('shop'), appDeployment('shop', 'cart'), appPod('shop', 'cart', 'x7k2p')]);
    expect(inv.consul.present).toBe(true);
    const r = judge(inv);
    expect(statuses(r['consul-intentions-default-deny'])).toEqual(['pass:ConsulAgent/dc1:defaultDeny']);
    expect(statuses(r['consul-intentions-no-wildcard-allow'])).toEqual([
      'pass:ConsulIntention/* -> *:denies',
      'pass:ConsulIntention/frontend -> api:specific',
      'pass:ConsulIntention/api -> payments:specific',
      'fail:ConsulIntention/* -> consul-telemetry-collector:wildcardAllow',
    ]);
    expect(statuses(r['consul-ca-cert-valid'])).toEqual(['pass:ConsulCARoot/Consul CA Root Cert:valid']);
    expect(statuses(r['consul-connect-coverage'])).toEqual(['pass:Deployment/cart:meshed']);
    expect(statuses(r['consul-egress-mesh-only'])).toEqual(['fail:Mesh/mesh:meshMissing']);
    // Every result cites evidence the collector stored (or the cluster objects).
    for (const results of Object.values(r)) for (const x of results) expect(x.evidence.length, `${x.check} ${x.messageId}`).toBeGreaterThan(0);
  });

  it('round-trips through the evidence folder with loadEvidence', async () => {
    const { gaps } = await collect();
    await store.close();
    writeFileSync(
      join(outDir, 'evidence/targets.json'),
      JSON.stringify({ schemaVersion: 1, targets: [{ name: TARGET, source: 'kubernetes', location: httpsAddress, files: 0, objects: store.records.length, gaps, notes: [] }] }),
    );
    const loaded = await loadEvidence(outDir);
    const inv = loaded.inventories[0];
    expect(inv?.consul.agent).toMatchObject({ datacenter: 'dc1', aclsEnabled: true, aclDefaultPolicy: 'deny' });
    expect(inv?.consul.apiIntentions?.intentions).toHaveLength(4);
    expect(inv?.ignored).toEqual([]);
    expect(inv?.gaps).toEqual([]);
    expect(statuses(evaluateCheck(consulIntentionsDefaultDeny, inv as TargetInventory, NOW))).toEqual(['pass:ConsulAgent/dc1:defaultDeny']);
  });

  it('a 403 is an evidence gap naming the missing ACL permission, never an empty list', async () => {
    routes['/v1/connect/intentions'] = (_req, res) => {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      res.end('Permission denied: token with AccessorID \'2d5b4a40-7e3a-4f5e-9a5b-1c2d3e4f5a6b\' lacks permission \'intentions:read\' on "frontend"');
    };
    const { gaps } = await collect();
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ id: 'gap-consul-connect-intentions', target: TARGET, reason: 'access-denied', kinds: ['ConsulIntentionList'] });
    expect(gaps[0]?.message).toContain('intentions:read');
    expect(stored('ConsulIntentionList')).toBeUndefined();

    const r = judge(inventoryFromStore(gaps));
    // The agent default is deny, but without the intentions list nothing may pass that reads it.
    expect(statuses(r['consul-intentions-default-deny'])).toEqual(['error:ConsulAgent/dc1:defaultDeny', 'error:Cluster/prod-eu:evidenceGap']);
    expect(statuses(r['consul-intentions-no-wildcard-allow'])).toEqual(['error:ConsulIntentionList//v1/connect/intentions:intentionsMissing', 'error:Cluster/prod-eu:evidenceGap']);
  });

  it('a wrong token: every ACL-protected call is a gap; the checks error instead of passing', async () => {
    const { gaps } = await collect({ token: 'not-the-token' });
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([
      ['access-denied', ['ConsulAgentSelf']],
      ['access-denied', ['ConsulIntentionList']],
    ]);
    expect(gaps[0]?.message).toContain('agent:read');
    expect(gaps[0]?.message).toContain('ACL not found');
    const r = judge(inventoryFromStore(gaps));
    expect(r['consul-intentions-default-deny']?.map((x) => x.status)).toEqual(['error', 'error']);
  });

  it('429 with Retry-After is retried after the delay the server asked for', async () => {
    routes['/v1/connect/intentions'] = (req, res, hit) => (hit === 1 ? json(res, 429, 'rate limit exceeded', { 'Retry-After': '2' }) : OK['/v1/connect/intentions']?.(req, res, hit));
    const { gaps } = await collect();
    expect(gaps).toEqual([]);
    expect(hits.get('/v1/connect/intentions')).toBe(2);
    expect(slept).toEqual([2000]);
    expect(stored('ConsulIntentionList')?.raw).toEqual(INTENTIONS);
  });

  it('a Retry-After beyond the bound ends the call with a gap instead of waiting', async () => {
    routes['/v1/connect/ca/roots'] = (_req, res) => json(res, 429, 'rate limit exceeded', { 'Retry-After': '3600' });
    const { gaps } = await collect({ maxRetryAfterMs: 10_000 });
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['ConsulCARoots']]]);
    expect(gaps[0]?.message).toContain('Retry-After 3600 s');
    expect(slept).toEqual([]);
    expect(hits.get('/v1/connect/ca/roots')).toBe(1);
  });

  it('500 then success is retried with backoff (built-in fetch over plain HTTP)', async () => {
    routes['/v1/agent/self'] = (req, res, hit) => (hit <= 2 ? json(res, 500, 'rpc error making call: No cluster leader') : OK['/v1/agent/self']?.(req, res, hit));
    const { gaps } = await collect({ address: httpAddress, caCertPem: undefined });
    expect(gaps).toEqual([]);
    expect(hits.get('/v1/agent/self')).toBe(3);
    expect(slept).toEqual([250, 500]);
    expect(stored('ConsulAgentSelf')?.record.cli).toBe(`curl -sS -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" ${httpAddress}/v1/agent/self | jq '${'{Config: (.Config // {} | {Datacenter, NodeName, Version, Server, PrimaryDatacenter, ACLDefaultPolicy}), DebugConfig: (.DebugConfig // {} | {Datacenter, PrimaryDatacenter, ConnectEnabled, DefaultIntentionPolicy, ACLsEnabled, ACLDefaultPolicy, ACLResolverSettings: (.ACLResolverSettings // {} | {ACLsEnabled, ACLDefaultPolicy, ACLDownPolicy})})}'}'`);
  });

  it('persistent 5xx: a bounded number of attempts, then an api-error gap', async () => {
    routes['/v1/connect/ca/roots'] = (_req, res) => json(res, 503, 'No path to datacenter');
    const { gaps } = await collect({ maxAttempts: 3 });
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['ConsulCARoots']]]);
    expect(gaps[0]?.message).toContain('HTTP 503 after 3 attempt(s)');
    expect(hits.get('/v1/connect/ca/roots')).toBe(3);
    const r = judge(inventoryFromStore(gaps));
    expect(statuses(r['consul-ca-cert-valid'])).toEqual(['error:ConsulCARoots//v1/connect/ca/roots:rootsMissing', 'error:Cluster/prod-eu:evidenceGap']);
  });

  it('results filtered by ACLs are stored but reported as incomplete', async () => {
    routes['/v1/connect/intentions'] = (_req, res) => json(res, 200, [INTENTIONS[1]], { 'X-Consul-Results-Filtered-By-ACLs': 'true' });
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['access-denied', ['ConsulIntentionList']]]);
    expect(stored('ConsulIntentionList')?.raw).toEqual([INTENTIONS[1]]);
    const r = judge(inventoryFromStore(gaps));
    expect(r['consul-intentions-no-wildcard-allow']?.map((x) => x.status)).toEqual(['error', 'error']);
  });

  it('a body that is not JSON is a parse-error gap', async () => {
    routes['/v1/connect/ca/roots'] = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>502 Bad Gateway</body></html>');
    };
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['parse-error', ['ConsulCARoots']]]);
  });

  it('network errors are gaps, not exceptions: connection refused', async () => {
    const closed = createHttpServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const { gaps } = await collect({ address: `http://127.0.0.1:${port}`, caCertPem: undefined });
    expect(gaps.map((g) => [g.reason, g.kinds[0]])).toEqual([
      ['api-error', 'ConsulAgentSelf'],
      ['api-error', 'ConsulIntentionList'],
      ['api-error', 'ConsulCARoots'],
    ]);
    expect(gaps[0]?.message).toContain('ECONNREFUSED');
    expect(store.records).toEqual([]);
  });

  it('TLS verification stays on: without the CA the built-in fetch refuses the self-signed server', async () => {
    const { gaps } = await collect({ caCertPem: undefined });
    expect(gaps).toHaveLength(3);
    expect(gaps.every((g) => g.reason === 'api-error')).toBe(true);
    expect(gaps[0]?.message).toMatch(/certificate/i);
    expect(requests).toEqual([]);
  });

  it('an untrusted CA bundle is refused by the https client too', async () => {
    const { gaps } = await collect({ caCertPem: CONSUL_DOCS_ROOT_PEM });
    expect(gaps).toHaveLength(3);
    expect(gaps[0]?.message).toMatch(/certificate|self.signed/i);
  });

  it('without a token no X-Consul-Token header is sent and the command does not mention one', async () => {
    routes['/v1/agent/self'] = (_req, res) => json(res, 200, AGENT_SELF_FULL);
    await collect({ token: undefined });
    expect(requests.every((r) => r.token === undefined)).toBe(true);
    expect(stored('ConsulCARoots')?.record.cli).toBe(`curl -sS --cacert "$CONSUL_CACERT" ${httpsAddress}/v1/connect/ca/roots`);
  });

  it('fixture CRDs and API evidence together: the API is the running state', async () => {
    routes['/v1/agent/self'] = (req, res) =>
      aclOk(req, res) &&
      json(res, 200, { ...AGENT_SELF_FULL, DebugConfig: { ...AGENT_SELF_FULL.DebugConfig, ACLResolverSettings: { ...AGENT_SELF_FULL.DebugConfig.ACLResolverSettings, ACLDefaultPolicy: 'allow' } } });
    routes['/v1/connect/intentions'] = (req, res) => aclOk(req, res) && json(res, 200, [apiIntention('svc2', 'svc1'), apiIntention('svc3', 'svc1', { permissions: [{ Action: 'allow', HTTP: { PathExact: '/foo', Methods: ['GET', 'PUT'] } }] })]);
    const { gaps } = await collect();
    const inv = inventoryFromStore(gaps, [...upstream('crds-oss-serviceintentions.yaml'), ...upstream('mesh-meshdestinationsonly.yaml')]);
    const r = judge(inv);
    // ACL default allow with an L7 intention: the allow-list restricts nothing (crds-oss fixture expectation).
    expect(statuses(r['consul-intentions-default-deny'])).toEqual(['fail:ConsulAgent/dc1:l7UnderAllowDefault']);
    expect(r['consul-intentions-default-deny']?.[0]?.message).toContain('svc3 → svc1');
    expect(statuses(r['consul-egress-mesh-only'])).toEqual(['pass:Mesh/mesh:meshOnly']);
    expect(r['consul-intentions-no-wildcard-allow']?.every((x) => x.resource.kind === 'ConsulIntention')).toBe(true);
  });
});
