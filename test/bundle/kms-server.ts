import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface KmsTestKey {
  arn: string;
  keySpec: 'ECC_NIST_P256' | 'RSA_2048';
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyFile: string;
  denied?: boolean;
}

export interface KmsRequest {
  target: string;
  authorization: string;
  contentType: string;
  body: Record<string, unknown>;
}

export interface KmsTestServer {
  endpoint: string;
  requests: KmsRequest[];
  addKey(name: string, opts?: { keySpec?: KmsTestKey['keySpec']; denied?: boolean }): KmsTestKey;
  close(): Promise<void>;
}

const ACCOUNT = '111122223333';
export const KMS_REGION = 'eu-west-1';

// A KMS speaking the real JSON 1.1 wire protocol (POST /, X-Amz-Target: TrentService.*) for
// GetPublicKey and Sign. It holds real keys and really signs: RAW messages with node:crypto, and
// DIGEST messages (a precomputed sha256, which node:crypto cannot sign as-is) with
// `openssl pkeyutl -sign`, which signs its input as the digest, exactly as KMS does.
export async function startKmsServer(dir: string): Promise<KmsTestServer> {
  const keys = new Map<string, KmsTestKey>();
  const requests: KmsRequest[] = [];

  const lookup = (id: unknown): KmsTestKey | undefined => {
    if (typeof id !== 'string') return undefined;
    for (const [name, key] of keys) {
      if (id === key.arn || id === name || id === `alias/${name}` || id === `arn:aws:kms:${KMS_REGION}:${ACCOUNT}:alias/${name}`) return key;
    }
    return undefined;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      const fail = (type: string, message: string): void => reply(400, { __type: type, message });
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        fail('SerializationException', 'bad JSON');
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      requests.push({ target, authorization: String(req.headers.authorization ?? ''), contentType: String(req.headers['content-type'] ?? ''), body });
      if (req.method !== 'POST' || req.url !== '/') {
        fail('UnknownOperationException', `${req.method} ${req.url}`);
        return;
      }
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) {
        reply(400, { __type: 'MissingAuthenticationTokenException', message: 'no SigV4 signature' });
        return;
      }
      const key = lookup(body.KeyId);
      if (key === undefined) {
        fail('NotFoundException', `Key '${String(body.KeyId)}' does not exist`);
        return;
      }
      if (key.denied) {
        fail('AccessDeniedException', `User: arn:aws:iam::${ACCOUNT}:user/ci is not authorized to perform: kms:${target.split('.')[1] ?? ''} on resource: ${key.arn} because no resource-based policy allows it`);
        return;
      }
      const ec = key.keySpec === 'ECC_NIST_P256';
      const algorithms = ec ? ['ECDSA_SHA_256'] : ['RSASSA_PKCS1_V1_5_SHA_256'];
      if (target === 'TrentService.GetPublicKey') {
        reply(200, {
          KeyId: key.arn,
          KeySpec: key.keySpec,
          CustomerMasterKeySpec: key.keySpec,
          KeyUsage: 'SIGN_VERIFY',
          SigningAlgorithms: algorithms,
          PublicKey: key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        });
        return;
      }
      if (target === 'TrentService.Sign') {
        if (!algorithms.includes(String(body.SigningAlgorithm))) {
          fail('InvalidKeyUsageException', `${String(body.SigningAlgorithm)} is not valid for ${key.arn}`);
          return;
        }
        const message = Buffer.from(String(body.Message ?? ''), 'base64');
        let signature: Buffer;
        if (body.MessageType === 'DIGEST') {
          if (message.length !== 32) {
            fail('ValidationException', 'Digest is invalid length for algorithm ECDSA_SHA_256.');
            return;
          }
          const r = spawnSync('openssl', ['pkeyutl', '-sign', '-inkey', key.keyFile], { input: message });
          if (r.status !== 0) {
            reply(500, { __type: 'KMSInternalException', message: r.stderr.toString() });
            return;
          }
          signature = r.stdout;
        } else {
          if (message.length > 4096) {
            fail('ValidationException', 'Message must be at most 4096 bytes');
            return;
          }
          signature = sign('sha256', message, key.privateKey);
        }
        reply(200, { KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: body.SigningAlgorithm });
        return;
      }
      fail('UnknownOperationException', target);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    addKey(name, opts = {}) {
      const keySpec = opts.keySpec ?? 'ECC_NIST_P256';
      const { privateKey, publicKey } =
        keySpec === 'ECC_NIST_P256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
      const id = createHash('sha256').update(name).digest('hex').slice(0, 32);
      const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
      const keyFile = path.join(dir, `kms-${name}.pem`);
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const key: KmsTestKey = { arn: `arn:aws:kms:${KMS_REGION}:${ACCOUNT}:key/${uuid}`, keySpec, privateKey, publicKey, keyFile, ...(opts.denied ? { denied: true } : {}) };
      keys.set(name, key);
      return key;
    },
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
