import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KmsSigner, regionFromKmsArn } from '../../src/bundle/kms-signer.ts';
import { signBundle } from '../../src/bundle/manifest.ts';
import { publicKeyFingerprint } from '../../src/bundle/signer.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { DGST_VERIFY_COMMANDS } from '../../src/bundle/verify-md.ts';
import { main } from '../../src/cli/main.ts';
import { BundleError } from '../../src/shared/errors.ts';
import { KMS_REGION, startKmsServer, type KmsTestKey, type KmsTestServer } from './kms-server.ts';
import { META, bash, expectRejectsWithCode, readManifest, useTempDirs, writeSampleRun } from './helpers.ts';

const tempDir = useTempDirs();
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const CREDENTIALS = { accessKeyId: 'AKIDKMSTEST', secretAccessKey: 'kms-test-secret' };

let server: KmsTestServer;
let signingKey: KmsTestKey;
let deniedKey: KmsTestKey;
let rsaKey: KmsTestKey;
let serverDir: string;
beforeAll(async () => {
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  serverDir = await mkdtemp(path.join(tmpdir(), 'auditpack-kms-'));
  server = await startKmsServer(serverDir);
  signingKey = server.addKey('auditpack-signing');
  deniedKey = server.addKey('not-yours', { denied: true });
  rsaKey = server.addKey('rsa-key', { keySpec: 'RSA_2048' });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await server.close();
  await rm(serverDir, { recursive: true, force: true });
});

function client(): KMSClient {
  return new KMSClient({ endpoint: server.endpoint, region: KMS_REGION, credentials: CREDENTIALS, maxAttempts: 1 });
}

async function exportedPem(dir: string, key: KmsTestKey): Promise<string> {
  // What an operator runs once: `aws kms get-public-key --key-id … --output text --query PublicKey | base64 -d`
  // gives DER; converted to PEM it is the key auditors pin.
  const file = path.join(dir, 'kms-signing.pub.pem');
  await writeFile(file, key.publicKey.export({ type: 'spki', format: 'pem' }));
  return file;
}

function io(): { out: string[]; err: string[]; io: { out: (l: string) => void; err: (l: string) => void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

describe('KmsSigner against a local KMS (JSON 1.1, SigV4)', () => {
  it('signs a bundle that verifies with the exported public key, in auditpack and with the documented openssl command', async () => {
    const signer = await KmsSigner.create({ keyId: signingKey.arn, client: client() });
    expect(signer.algorithm).toBe('ecdsa-p256-sha256');
    expect(signer.keyArn).toBe(signingKey.arn);
    expect(signer.keyFingerprint).toBe(publicKeyFingerprint(signingKey.publicKey));

    const dir = path.join(await tempDir(), 'bundle');
    await writeSampleRun(dir);
    await signBundle(dir, signer, META);
    const manifest = await readManifest(dir);
    expect(manifest.signer).toEqual({ algorithm: 'ecdsa-p256-sha256', keyFingerprint: signer.keyFingerprint, ephemeral: false });

    const pinned = await readFile(await exportedPem(await tempDir(), signingKey), 'utf8');
    const report = await verifyBundle(dir, { publicKeyPem: pinned });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.keySource).toBe('pinned');

    // The wire: SigV4-signed JSON 1.1 calls, and a DIGEST (sha256 of manifest.json) sent to Sign.
    const sign = server.requests.filter((r) => r.target === 'TrentService.Sign').at(-1);
    expect(sign?.contentType).toBe('application/x-amz-json-1.1');
    expect(sign?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDKMSTEST\/\d{8}\/eu-west-1\/kms\/aws4_request/);
    expect(sign?.body).toMatchObject({ KeyId: signingKey.arn, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' });

    const text = await readFile(path.join(dir, 'VERIFY.md'), 'utf8');
    expect(text).toContain(DGST_VERIFY_COMMANDS.opensslVerify);
    expect(text).toContain('an ECDSA P-256 signature');
    const ok = bash(DGST_VERIFY_COMMANDS.opensslVerify, dir);
    expect(ok.stdout).toBe('Verified OK\n');
    expect(ok.status).toBe(0);
  });

  it('a bundle changed after signing fails both auditpack verify and openssl', async () => {
    const signer = await KmsSigner.create({ keyId: 'alias/auditpack-signing', client: client() });
    const dir = path.join(await tempDir(), 'bundle');
    await writeSampleRun(dir);
    await signBundle(dir, signer, META);
    const manifestPath = path.join(dir, 'manifest.json');
    await writeFile(manifestPath, (await readFile(manifestPath, 'utf8')).replace('"size":', '"size":1'));
    const report = await verifyBundle(dir, { publicKeyPem: signer.publicKeyPem });
    expect(report.problems.map((p) => p.code)).toContain('SIGNATURE_INVALID');
    const bad = bash(DGST_VERIFY_COMMANDS.opensslVerify, dir);
    expect(bad.stdout).toContain('Verification failure');
    expect(bad.status).toBe(1);
  });

  it('maps an unknown key to KEY_NOT_FOUND, a denied key to KEY_ACCESS_DENIED and an RSA key to KEY_INVALID', async () => {
    const missing = await expectRejectsWithCode(KmsSigner.create({ keyId: 'alias/nope', client: client() }), BundleError, 'KEY_NOT_FOUND');
    expect(missing.message).toContain('KMS key not found: alias/nope');
    const denied = await expectRejectsWithCode(KmsSigner.create({ keyId: deniedKey.arn, client: client() }), BundleError, 'KEY_ACCESS_DENIED');
    expect(denied.message).toContain(`access to KMS key ${deniedKey.arn} denied`);
    expect(denied.message).toContain('kms:GetPublicKey');
    const rsa = await expectRejectsWithCode(KmsSigner.create({ keyId: rsaKey.arn, client: client() }), BundleError, 'KEY_INVALID');
    expect(rsa.message).toContain('RSA_2048');
  });

  it('reads the region from a key ARN', () => {
    expect(regionFromKmsArn(signingKey.arn)).toBe('eu-west-1');
    expect(regionFromKmsArn('alias/x')).toBeUndefined();
  });
});

describe('auditpack run --kms-key-id (config signing.kmsEndpoint)', () => {
  it('signs the run with KMS; verify --key exported.pem passes; a denied key exits with a clean error', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDENTIALS.secretAccessKey);
    const dir = await tempDir();
    const config = path.join(dir, 'auditpack.yaml');
    await writeFile(config, `signing:\n  kmsKeyId: ${signingKey.arn}\n  kmsRegion: ${KMS_REGION}\n  kmsEndpoint: ${server.endpoint}\n`);
    const out = path.join(dir, 'bundle');
    const r = io();
    const code = await main(['node', 'auditpack', 'run', '--config', config, '--snapshot', path.join(ROOT, 'demo/environment/prod-eu'), '--format', 'html', '--out', out], r.io);
    expect(r.err.filter((l) => l.startsWith('auditpack:'))).toEqual([]);
    expect([0, 1, 3]).toContain(code);
    expect(r.out.join('\n')).toContain(`signed by ${publicKeyFingerprint(signingKey.publicKey)}`);
    expect((await readManifest(out)).signer.algorithm).toBe('ecdsa-p256-sha256');

    const pub = await exportedPem(dir, signingKey);
    const v = io();
    expect(await main(['node', 'auditpack', 'verify', out, '--key', pub], v.io)).toBe(0);
    expect(v.out.join('\n')).toContain('(pinned)');
    const pinnedCommand = DGST_VERIFY_COMMANDS.opensslVerifyPinned.replace('/path/to/published-signing-key.pem', pub);
    expect(bash(pinnedCommand, out).stdout).toBe('Verified OK\n');

    // Pinning any other key fails.
    const other = path.join(dir, 'other.pub.pem');
    await writeFile(other, deniedKey.publicKey.export({ type: 'spki', format: 'pem' }));
    const w = io();
    expect(await main(['node', 'auditpack', 'verify', out, '--key', other], w.io)).toBe(1);
    expect(w.err.join('\n')).toContain('SIGNATURE_INVALID');

    const denied = io();
    const deniedCode = await main(['node', 'auditpack', 'run', '--config', config, '--kms-key-id', deniedKey.arn, '--snapshot', path.join(ROOT, 'demo/environment/prod-eu'), '--format', 'html', '--out', path.join(dir, 'denied')], denied.io);
    expect(deniedCode).toBe(2);
    expect(denied.err.join('\n')).toMatch(/auditpack: access to KMS key arn:aws:kms:eu-west-1:111122223333:key\/[0-9a-f-]+ denied.*\[KEY_ACCESS_DENIED\]/);

    const unknown = io();
    const unknownCode = await main(['node', 'auditpack', 'collect', '--config', config, '--kms-key-id', 'alias/missing', '--snapshot', path.join(ROOT, 'demo/environment/prod-eu'), '--out', path.join(dir, 'missing')], unknown.io);
    expect(unknownCode).toBe(2);
    expect(unknown.err.join('\n')).toContain('KMS key not found: alias/missing');
  });
});
