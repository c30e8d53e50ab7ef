import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL_CLUSTER, cli, tempDir, writeTree } from './cli.ts';

const TOKEN = '5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

// A Consul address that answers with a redirect to another host must not receive the ACL token
// there: Node's fetch resends custom headers such as X-Consul-Token across hosts.
describe('Consul ACL token and redirects', () => {
  let tmp = '';
  let cert = '';
  let consul: Server;
  let elsewhere: Server;
  const seenElsewhere: { path: string; token?: string }[] = [];
  let consulPort = 0;

  beforeAll(async () => {
    tmp = await tempDir('consul-redirect');
    cert = path.join(tmp, 'server.pem');
    const key = path.join(tmp, 'server-key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=consul', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'pipe' });
    const tls = { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
    elsewhere = createServer(tls, (req, res) => {
      const token = req.headers['x-consul-token'];
      seenElsewhere.push({ path: req.url ?? '', ...(typeof token === 'string' ? { token } : {}) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    const elsewherePort = await listen(elsewhere);
    // Same certificate, another host name: localhost instead of 127.0.0.1.
    consul = createServer(tls, (req, res) => {
      res.writeHead(307, { location: `https://localhost:${elsewherePort}${req.url ?? '/'}` }).end();
    });
    consulPort = await listen(consul);
    await writeTree(path.join(tmp, 'snap'), SMALL_CLUSTER);
  });
  afterAll(async () => {
    await new Promise((r) => consul.close(r));
    await new Promise((r) => elsewhere.close(r));
  });

  it('never sends X-Consul-Token across a redirect to another host, and reports the redirect as a gap', async () => {
    const out = path.join(tmp, 'out');
    const r = await cli(['run', '--snapshot', path.join(tmp, 'snap'), '--consul-addr', `https://127.0.0.1:${consulPort}`, '--out', out, '--format', 'csv'], {
      env: { CONSUL_HTTP_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: cert, CONSUL_CACERT: '' },
    });
    expect([1, 3], r.stderr).toContain(r.code);
    expect(seenElsewhere.filter((s) => s.token !== undefined)).toEqual([]);
    const findings = await readFile(path.join(out, 'findings.json'), 'utf8');
    expect(findings).not.toContain(TOKEN);
    const run = await readFile(path.join(out, 'workloads.csv'), 'utf8').catch(() => '');
    expect(run).not.toContain(TOKEN);
    expect(r.stderr).toMatch(/redirected \(HTTP 307\) to https:\/\/localhost:\d+\/v1\/[^ ]*, another host: the ACL token is never sent across hosts/);
  }, 120_000);
});
