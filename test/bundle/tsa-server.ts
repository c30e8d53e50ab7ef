import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// A time-stamping authority on 127.0.0.1 built on `openssl ts -reply`: it speaks RFC 3161 over
// HTTP (POST application/timestamp-query, answer application/timestamp-reply) with a TSA
// certificate made for it (extendedKeyUsage critical,timeStamping) by a throwaway CA.
export interface TsaServer {
  url: string;
  /** The CA that issued the TSA certificate (PEM file), what an auditor passes to --tsa-ca. */
  caCert: string;
  /** Another CA, which did not issue the TSA certificate. */
  otherCaCert: string;
  /** How many time-stamp requests were answered. */
  requests: () => number;
  /** 'ok'; 'replay' answers every request with the first response; 'refuse' answers HTTP 500. */
  setMode: (mode: 'ok' | 'replay' | 'refuse') => void;
  close: () => Promise<void>;
}

function openssl(args: readonly string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

export async function startTsaServer(dir: string): Promise<TsaServer> {
  await writeFile(path.join(dir, 'tsa.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  for (const ca of ['tsa-ca', 'other-ca']) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '3650', '-subj', `/CN=Auditpack Test ${ca}/O=Example TSA Corp`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  }
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'tsa.key'], dir);
  openssl(['req', '-new', '-key', 'tsa.key', '-out', 'tsa.csr', '-subj', '/CN=Auditpack Test TSA/O=Example TSA Corp'], dir);
  openssl(['x509', '-req', '-in', 'tsa.csr', '-CA', 'tsa-ca.crt', '-CAkey', 'tsa-ca.key', '-CAcreateserial', '-out', 'tsa.crt', '-extfile', 'tsa.ext', '-days', '365'], dir);
  await writeFile(path.join(dir, 'tsaserial'), '01\n');
  await writeFile(
    path.join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config1',
      '[ tsa_config1 ]',
      `dir = ${dir}`,
      'serial = $dir/tsaserial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.crt',
      'certs = $dir/tsa-ca.crt',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.55555.1.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );

  let mode: 'ok' | 'replay' | 'refuse' = 'ok';
  let first: Buffer | undefined;
  let count = 0;
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(400).end('expected POST application/timestamp-query');
        return;
      }
      const body = await readBody(req);
      if (mode === 'refuse') {
        res.writeHead(500).end('TSA unavailable');
        return;
      }
      const id = randomBytes(6).toString('hex');
      const query = path.join(dir, `${id}.tsq`);
      const reply = path.join(dir, `${id}.tsr`);
      await writeFile(query, body);
      await run('openssl', ['ts', '-reply', '-config', path.join(dir, 'tsa.cnf'), '-queryfile', query, '-out', reply]);
      const answer = await readFile(reply);
      await Promise.all([rm(query), rm(reply)]);
      first ??= answer;
      count++;
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(mode === 'replay' ? first : answer);
    })().catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    caCert: path.join(dir, 'tsa-ca.crt'),
    otherCaCert: path.join(dir, 'other-ca.crt'),
    requests: () => count,
    setMode: (m) => {
      mode = m;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
