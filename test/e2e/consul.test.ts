import { execFile as execFileCb } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { agentSelfBody, apiIntention, appPod, CONSUL_DOCS_ROOT_ID, CONSUL_DOCS_ROOT_PEM, namespace } from '../collectors/consul/consul-objects.ts';

const execFile = promisify(execFileCb);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

// `run --snapshot … --consul-addr URL`: the Consul HTTP API is collected into the same target as
// the cluster objects and judged by the Consul checks; the ACL token is sent but never stored.
describe('auditpack run with the Consul HTTP API', () => {
  let server: Server;
  let address: string;
  const seen: { path: string; token: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', token: req.headers['x-consul-token'] as string | undefined });
      const url = new URL(req.url ?? '/', 'http://x');
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/v1/agent/self') return json(200, agentSelfBody({ aclsEnabled: true, aclDefaultPolicy: 'deny', defaultIntentionPolicy: 'deny' }));
      if (url.pathname === '/v1/connect/intentions') return json(200, [apiIntention('web', 'api', { action: 'allow' }), apiIntention('*', 'metrics', { action: 'allow' })]);
      if (url.pathname === '/v1/connect/ca/roots') {
        return json(200, { ActiveRootID: CONSUL_DOCS_ROOT_ID, TrustDomain: 'consul.example', Roots: [{ ID: CONSUL_DOCS_ROOT_ID, Name: 'Consul CA Root Cert', RootCert: CONSUL_DOCS_ROOT_PEM, Active: true }] });
      }
      return json(404, { error: 'not found' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('collects, judges and never stores the token', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'auditpack-consul-'));
    const snap = path.join(tmp, 'dc1');
    await mkdir(snap);
    const objects = [namespace('shop', {}, { 'consul.hashicorp.com/connect-inject': 'true' }), appPod('shop', 'api', '7c9d8f6b5-x2x9q')];
    await writeFile(path.join(snap, 'cluster.yaml'), objects.map((o) => stringify(o)).join('---\n'));
    const out = path.join(tmp, 'out');
    const token = 'consul-acl-token-7f3e9b2c-never-stored';
    const run = await execFile(process.execPath, [path.join(ROOT, 'bin/auditpack.js'), 'run', '--snapshot', snap, '--consul-addr', address, '--out', out, '--no-pdf'], {
      cwd: ROOT,
      env: { ...process.env, CONSUL_HTTP_TOKEN: token },
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect('code' in run ? run.code : 0, 'stderr' in run ? run.stderr : '').toBe(1);
    expect(seen.map((s) => s.path).sort()).toEqual(['/v1/agent/self', '/v1/connect/ca/roots', '/v1/connect/intentions']);
    expect(seen.every((s) => s.token === token)).toBe(true);
    const findings = JSON.parse(await readFile(path.join(out, 'findings.json'), 'utf8')) as { results: { check: string; status: string; message: string }[] };
    const status = (check: string): string[] => findings.results.filter((r) => r.check === check).map((r) => r.status);
    expect(status('consul-intentions-default-deny')).toEqual(['pass']);
    expect(status('consul-intentions-no-wildcard-allow')).toContain('fail');
    expect(status('consul-ca-cert-valid').length).toBeGreaterThan(0);
    const index = await readFile(path.join(out, 'evidence/index.jsonl'), 'utf8');
    expect(index).toContain('GET /v1/connect/intentions');
    for (const f of ['evidence/index.jsonl', 'findings.json', 'report.html']) expect(await readFile(path.join(out, f), 'utf8')).not.toContain(token);
    expect((await execFile(process.execPath, [path.join(ROOT, 'bin/auditpack.js'), 'verify', out], { cwd: ROOT })).stdout).toMatch(/^OK/);
  }, 120_000);
});
