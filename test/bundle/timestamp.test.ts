import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIMESTAMP_FILE } from '../../src/bundle/files.ts';
import { signBundle } from '../../src/bundle/manifest.ts';
import { generateEphemeralSigner } from '../../src/bundle/signer.ts';
import { displayUrl } from '../../src/bundle/timestamp.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { TIMESTAMP_VERIFY_COMMANDS } from '../../src/bundle/verify-md-standard.ts';
import { main } from '../../src/cli/main.ts';
import { BundleError } from '../../src/shared/errors.ts';
import { META, bash, copyDir, expectRejectsWithCode, useTempDirs, writeSampleRun } from './helpers.ts';
import { startTsaServer, type TsaServer } from './tsa-server.ts';

const tempDir = useTempDirs();
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

let work: string;
let tsa: TsaServer;
let caPem: string;
let pristine: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'auditpack-tsa-'));
  tsa = await startTsaServer(work);
  caPem = await readFile(tsa.caCert, 'utf8');
  pristine = path.join(work, 'bundle');
  await writeSampleRun(pristine);
  await signBundle(pristine, generateEphemeralSigner(), { ...META, tsa: { url: tsa.url } });
}, 60_000);
afterAll(async () => {
  await tsa.close();
  await rm(work, { recursive: true, force: true });
});

async function freshCopy(): Promise<string> {
  const dir = path.join(await tempDir(), 'bundle');
  await copyDir(pristine, dir);
  return dir;
}

function opensslVerify(dir: string, ca: string): ReturnType<typeof bash> {
  return bash(TIMESTAMP_VERIFY_COMMANDS.verify.replace('/path/to/tsa-ca.crt', ca), dir);
}

describe('an RFC 3161 timestamp from a local openssl TSA', () => {
  it('is accepted by auditpack verify (chain to the TSA CA) and by the documented openssl ts -verify', async () => {
    const dir = await freshCopy();
    const report = await verifyBundle(dir, { tsaCaPem: caPem });
    expect(report.problems).toEqual([]);
    expect(report.timestamp).toMatchObject({ tsa: 'CN=Auditpack Test TSA, O=Example TSA Corp', policy: '1.3.6.1.4.1.55555.1.1', chainChecked: true });
    expect(Math.abs(Date.parse(report.timestamp?.time ?? '') - Date.now())).toBeLessThan(10 * 60_000);

    const openssl = opensslVerify(dir, tsa.caCert);
    expect(openssl.stdout).toContain('Verification: OK');
    expect(openssl.status).toBe(0);
    const shown = bash(TIMESTAMP_VERIFY_COMMANDS.show, dir);
    expect(shown.stdout).toMatch(/Time stamp: /);
    expect(shown.stdout).toContain('Hash Algorithm: sha256');
  });

  it('documents the openssl recipe in VERIFY.md and keeps manifest.tsr out of the manifest', async () => {
    const text = await readFile(path.join(pristine, 'VERIFY.md'), 'utf8');
    expect(text).toContain(TIMESTAMP_VERIFY_COMMANDS.verify);
    expect(text).toContain(displayUrl(tsa.url));
    const manifest = JSON.parse(await readFile(path.join(pristine, 'manifest.json'), 'utf8')) as { files: Array<{ path: string }> };
    expect(manifest.files.map((f) => f.path)).not.toContain(TIMESTAMP_FILE);
  });

  it('fails both checks when the signature changes', async () => {
    const dir = await freshCopy();
    const sig = await readFile(path.join(dir, 'manifest.sig'));
    sig[10] = (sig[10] ?? 0) ^ 0x01;
    await writeFile(path.join(dir, 'manifest.sig'), sig);
    const report = await verifyBundle(dir, { tsaCaPem: caPem });
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ code: 'SIGNATURE_INVALID', path: TIMESTAMP_FILE, message: expect.stringContaining('message imprint is not the sha256 of manifest.sig') }));
    const openssl = opensslVerify(dir, tsa.caCert);
    expect(openssl.status).not.toBe(0);
    expect(openssl.stdout + openssl.stderr).toMatch(/message imprint mismatch/i);
  });

  it('fails both checks against a CA that did not issue the TSA certificate', async () => {
    const dir = await freshCopy();
    const report = await verifyBundle(dir, { tsaCaPem: await readFile(tsa.otherCaCert, 'utf8') });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.path)).toEqual([TIMESTAMP_FILE]);
    expect(opensslVerify(dir, tsa.otherCaCert).status).not.toBe(0);
  });

  it('fails on a changed token', async () => {
    const dir = await freshCopy();
    const tsr = await readFile(path.join(dir, TIMESTAMP_FILE));
    tsr[tsr.length - 5] = (tsr[tsr.length - 5] ?? 0) ^ 0x01;
    await writeFile(path.join(dir, TIMESTAMP_FILE), tsr);
    const report = await verifyBundle(dir, { tsaCaPem: caPem });
    expect(report.problems.map((p) => p.path)).toEqual([TIMESTAMP_FILE]);
    expect(opensslVerify(dir, tsa.caCert).status).not.toBe(0);
  });

  it('without a CA: the token is checked but the result says the chain was not', async () => {
    const report = await verifyBundle(await freshCopy());
    expect(report.ok).toBe(true);
    expect(report.timestamp?.chainChecked).toBe(false);
  });

  it('with a CA but no manifest.tsr: a problem, not a silent pass', async () => {
    const dir = path.join(await tempDir(), 'plain');
    await writeSampleRun(dir);
    await signBundle(dir, generateEphemeralSigner(), META);
    const report = await verifyBundle(dir, { tsaCaPem: caPem });
    expect(report.problems.map((p) => `${p.code} ${p.path ?? ''}`)).toEqual([`SIGNATURE_INVALID ${TIMESTAMP_FILE}`]);
  });
});

describe('asking the TSA', () => {
  it.each([
    ['replay', /another nonce|message imprint/],
    ['refuse', /did not answer: HTTP 500/],
  ] as const)('refuses a %s answer and leaves the folder unsigned', async (mode, message) => {
    const dir = path.join(await tempDir(), 'bundle');
    await writeSampleRun(dir);
    tsa.setMode(mode);
    try {
      const err = await expectRejectsWithCode(signBundle(dir, generateEphemeralSigner(), { ...META, tsa: { url: tsa.url } }), BundleError, 'SIGNING_FAILED');
      expect(err.message).toMatch(message);
    } finally {
      tsa.setMode('ok');
    }
    expect((await verifyBundle(dir)).problems.map((p) => p.path)).toContain('manifest.sig');
  });

  it('never shows credentials from the TSA URL', () => {
    expect(displayUrl('https://user:s3cret@tsa.example.com/tsr')).toBe('https://tsa.example.com/tsr');
  });

  it('auditpack collect --tsa writes manifest.tsr, and auditpack verify --tsa-ca shows the trusted time', async () => {
    const out = path.join(await tempDir(), 'evidence');
    const log: string[] = [];
    const io = { out: (l: string) => log.push(l), err: (l: string) => log.push(l) };
    const before = tsa.requests();
    const code = await main(['node', 'auditpack', 'collect', '--snapshot', path.join(ROOT, 'demo/environment/prod-eu'), '--out', out, '--tsa', tsa.url, '--log-format', 'text'], io);
    expect(code, log.join('\n')).toBe(0);
    expect(tsa.requests()).toBe(before + 1);
    const lines: string[] = [];
    const verified = await main(['node', 'auditpack', 'verify', out, '--tsa-ca', tsa.caCert], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    expect(verified, lines.join('\n')).toBe(0);
    expect(lines.join('\n')).toMatch(/Trusted timestamp manifest\.tsr: manifest\.sig existed at \d{4}-\d\d-\d\dT.*TSA CN=Auditpack Test TSA.*chains to the given CA/);
    expect(lines.join('\n')).toMatch(/Attestation attestation\.sigstore\.json: in-toto statement/);
    expect(opensslVerify(out, tsa.caCert).stdout).toContain('Verification: OK');
  }, 60_000);
});
