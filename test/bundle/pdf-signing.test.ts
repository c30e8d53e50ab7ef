import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signBundle } from '../../src/bundle/manifest.ts';
import { signPdf } from '../../src/bundle/pdf-sign.ts';
import { SIGNER_CERT_FILE, publicKeyFingerprint } from '../../src/bundle/signer.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { CERT_VERIFY_COMMANDS, DGST_VERIFY_COMMANDS, PDF_VERIFY_COMMANDS } from '../../src/bundle/verify-md.ts';
import { P12_PASSPHRASE_ENV, loadP12Signer } from '../../src/bundle/x509-signer.ts';
import { main } from '../../src/cli/main.ts';
import { runPipeline } from '../../src/pipeline/run.ts';
import { findChrome } from '../../src/render/chrome.ts';
import { BundleError } from '../../src/shared/errors.ts';
import { META, bash, copyDir, expectRejectsWithCode, readManifest, resignManifest, run, useTempDirs, writeSampleRun } from './helpers.ts';
import { P12_PASSPHRASE, makeTestPki, type TestPki } from './x509-fixtures.ts';

const tempDir = useTempDirs();
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const DEMO = path.join(ROOT, 'demo', 'environment');

// One real pipeline run (Chromium is slow on 2 cores), signed with the RSA leaf of a test CA.
let work: string;
let pki: TestPki;
let bundle: string;
let nssDb: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'auditpack-pdf-signing-'));
  pki = await makeTestPki(await mkdtemp(path.join(work, 'pki-')));
  bundle = path.join(work, 'bundle');
  await runPipeline({
    snapshots: [{ dir: path.join(DEMO, 'prod-eu') }, { dir: path.join(DEMO, 'prod-us') }],
    outDir: bundle,
    formats: { html: true, pdf: true, csv: false },
    chrome: findChrome(),
    signP12: { file: pki.rsaP12, passphrase: P12_PASSPHRASE },
  });
  nssDb = path.join(work, 'nssdb');
  expect(run('mkdir', ['-p', nssDb]).status).toBe(0);
  expect(run('certutil', ['-N', '-d', `sql:${nssDb}`, '--empty-password']).status).toBe(0);
  expect(run('certutil', ['-A', '-d', `sql:${nssDb}`, '-n', 'auditpack-test-ca', '-t', 'C,C,C', '-i', pki.caCert]).status).toBe(0);
}, 180_000);
afterAll(() => rm(work, { recursive: true, force: true }));

const withCa = (command: string): string => command.replaceAll('/path/to/trusted-ca.crt', pki.caCert);

function pdfsig(file: string): string {
  // pdfsig exits 0 even on "Digest Mismatch", so only its text is meaningful.
  const r = run('pdfsig', ['-nssdir', `sql:${nssDb}`, file]);
  expect(r.status).toBe(0);
  return r.stdout;
}

async function copyOfBundle(): Promise<string> {
  const dir = path.join(await tempDir(), 'bundle');
  await copyDir(bundle, dir);
  return dir;
}

describe('a run signed with --sign-p12 (RSA certificate from a test CA)', () => {
  it('embeds a PDF signature that pdfsig reports valid and trusted, covering the whole document', async () => {
    const out = pdfsig(path.join(bundle, 'report.pdf'));
    expect(out).toContain('Signature Type: adbe.pkcs7.detached');
    expect(out).toContain('Signer Certificate Common Name: Auditpack Report Signer rsa');
    expect(out).toContain('Total document signed');
    expect(out).toContain('Signature Validation: Signature is Valid.');
    expect(out).toContain('Certificate Validation: Certificate is Trusted.');
    // The documented command (its own throwaway NSS db) says the same.
    const documented = bash(withCa(PDF_VERIFY_COMMANDS.pdfsigTrusted), bundle);
    expect(documented.stdout).toContain('Signature is Valid.');
    expect(documented.stdout).toContain('Certificate is Trusted.');
    // Signing did not damage the report.
    expect(run('pdftotext', [path.join(bundle, 'report.pdf'), '-']).stdout).toContain('prod-eu');
  });

  it('signs the manifest with the same certificate, which auditpack verify and openssl accept', async () => {
    const manifest = await readManifest(bundle);
    const cert = await readFile(pki.rsaCert, 'utf8');
    const certKey = (await import('node:crypto')).createPublicKey(cert);
    expect(manifest.signer).toEqual({ algorithm: 'rsa-pkcs1-sha256', keyFingerprint: publicKeyFingerprint(certKey), ephemeral: false });
    expect(manifest.files.map((f) => f.path)).toEqual(expect.arrayContaining([SIGNER_CERT_FILE, 'report.pdf', 'VERIFY.md']));

    for (const args of [[], ['--key', pki.rsaPub], ['--key', pki.rsaCert]]) {
      const out: string[] = [];
      const err: string[] = [];
      expect(await main(['node', 'auditpack', 'verify', bundle, ...args], { out: (l) => out.push(l), err: (l) => err.push(l) })).toBe(0);
      expect(err).toEqual([]);
      expect(out.join('\n')).toContain('Signer certificate: CN=Auditpack Report Signer rsa');
    }
    const wrong: string[] = [];
    expect(await main(['node', 'auditpack', 'verify', bundle, '--key', pki.ecPub], { out: () => undefined, err: (l) => wrong.push(l) })).toBe(1);
    expect(wrong.join('\n')).toContain('SIGNATURE_INVALID');

    const text = await readFile(path.join(bundle, 'VERIFY.md'), 'utf8');
    for (const c of [...Object.values(DGST_VERIFY_COMMANDS), ...Object.values(CERT_VERIFY_COMMANDS), ...Object.values(PDF_VERIFY_COMMANDS)]) expect(text).toContain(c);
    expect(text).toContain('an RSA signature (RSASSA-PKCS1-v1_5 with SHA-256)');
    expect(text).not.toContain('pkeyutl');

    expect(bash(DGST_VERIFY_COMMANDS.opensslVerify, bundle).stdout).toBe('Verified OK\n');
    expect(bash(DGST_VERIFY_COMMANDS.opensslVerifyPinned.replace('/path/to/published-signing-key.pem', pki.rsaPub), bundle).stdout).toBe('Verified OK\n');
    expect(bash(CERT_VERIFY_COMMANDS.show, bundle).stdout).toContain('subject=CN = Auditpack Report Signer rsa');
    expect(bash(withCa(CERT_VERIFY_COMMANDS.chain), bundle).stdout).toBe(`${SIGNER_CERT_FILE}: OK\n`);
    expect(bash(CERT_VERIFY_COMMANDS.keyFingerprintLinux, bundle).stdout).toBe(`${manifest.signer.keyFingerprint.slice('sha256:'.length)}  -\n`);
  });

  it('the documented openssl extraction verifies the PDF signature against the CA', () => {
    const r = bash(`${PDF_VERIFY_COMMANDS.extract}\n${withCa(PDF_VERIFY_COMMANDS.cmsVerify)}\n${PDF_VERIFY_COMMANDS.cmsSigner}`, bundle);
    expect(r.stderr).toContain('CMS Verification successful');
    expect(r.stdout).toContain('subject: CN=Auditpack Report Signer rsa');
    expect(r.status).toBe(0);
  });

  it('one flipped byte inside the signed range: Digest Mismatch, openssl cms and auditpack verify fail', async () => {
    const dir = await copyOfBundle();
    const file = path.join(dir, 'report.pdf');
    const bytes = await readFile(file);
    // Byte 11 is in the header's binary comment: inside ByteRange [0, b), and the PDF still parses.
    bytes[11] = (bytes[11] ?? 0) ^ 0x01;
    await writeFile(file, bytes);
    const out = pdfsig(file);
    expect(out).toContain('Digest Mismatch');
    expect(out).not.toContain('Signature is Valid.');

    const cms = bash(`${PDF_VERIFY_COMMANDS.extract}\n${withCa(PDF_VERIFY_COMMANDS.cmsVerify)}`, dir);
    expect(cms.stderr).toMatch(/verification failure/);
    expect(cms.status).not.toBe(0);

    const report = await verifyBundle(dir, { publicKeyPem: await readFile(pki.rsaPub, 'utf8') });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => `${p.code} ${p.path ?? ''}`)).toEqual(['FILE_CHANGED report.pdf']);
  });

  it('refuses a signer.crt that certifies a different key, even when listed in a validly signed manifest', async () => {
    const dir = await copyOfBundle();
    const signer = await loadP12Signer(pki.rsaP12, P12_PASSPHRASE);
    const ca = await readFile(pki.caCert);
    await writeFile(path.join(dir, SIGNER_CERT_FILE), ca);
    await resignManifest(dir, signer, (m) => ({
      ...m,
      files: m.files.map((f) => (f.path === SIGNER_CERT_FILE ? { ...f, sha256: createHash('sha256').update(ca).digest('hex'), size: ca.length } : f)),
    }));
    const report = await verifyBundle(dir);
    expect(report.problems.map((p) => `${p.code} ${p.path ?? ''}`)).toEqual([`KEY_INVALID ${SIGNER_CERT_FILE}`]);
    expect(report.problems[0]?.message).toContain('not the key that signed');
  });
});

describe('an ECDSA P-256 certificate', () => {
  it('signs a PDF that pdfsig trusts and a manifest that auditpack and openssl verify', async () => {
    const signer = await loadP12Signer(pki.ecP12, P12_PASSPHRASE);
    expect(signer.algorithm).toBe('ecdsa-p256-sha256');
    const doc = await PDFDocument.create();
    doc.addPage().drawText('ECDSA signed report', { font: await doc.embedFont(StandardFonts.Helvetica) });
    const dir = await tempDir();
    const pdfFile = path.join(dir, 'report.pdf');
    await writeFile(pdfFile, await signPdf(await doc.save(), signer.identity, { reason: 'test', name: 'ec', location: 'ci', contactInfo: 'secops@example.com', signingTime: new Date() }));
    const out = pdfsig(pdfFile);
    expect(out).toContain('Signer Certificate Common Name: Auditpack Report Signer ec');
    expect(out).toContain('Signature is Valid.');
    expect(out).toContain('Certificate is Trusted.');

    const bundleDir = path.join(dir, 'bundle');
    await writeSampleRun(bundleDir);
    await signBundle(bundleDir, signer, META);
    const report = await verifyBundle(bundleDir, { publicKeyPem: await readFile(pki.ecPub, 'utf8') });
    expect(report.problems).toEqual([]);
    expect(report.certificate?.subject).toContain('CN=Auditpack Report Signer ec');
    expect((await readManifest(bundleDir)).signer.algorithm).toBe('ecdsa-p256-sha256');
    expect(bash(DGST_VERIFY_COMMANDS.opensslVerify, bundleDir).stdout).toBe('Verified OK\n');
  });
});

describe('p12 problems are clear usage errors (exit 2)', () => {
  async function demo(args: string[], passphrase: string): Promise<{ code: number; err: string }> {
    vi.stubEnv(P12_PASSPHRASE_ENV, passphrase);
    const err: string[] = [];
    try {
      const code = await main(['node', 'auditpack', 'demo', '--no-pdf', '--out', path.join(await tempDir(), 'out'), ...args], { out: () => undefined, err: (l) => err.push(l) });
      return { code, err: err.join('\n') };
    } finally {
      vi.unstubAllEnvs();
    }
  }

  it('wrong passphrase, not a p12, missing file, two signing keys', async () => {
    const wrong = await demo(['--sign-p12', pki.rsaP12], 'not the passphrase');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain(`${pki.rsaP12}: wrong passphrase for the PKCS#12 file (set it in AUDITPACK_P12_PASSPHRASE) [KEY_INVALID]`);
    expect(wrong.err).not.toContain('not the passphrase');

    const notP12 = await demo(['--sign-p12', pki.caCert], P12_PASSPHRASE);
    expect(notP12.code).toBe(2);
    expect(notP12.err).toContain(`${pki.caCert} is not a readable PKCS#12 (.p12/.pfx) file`);

    const missing = await demo(['--sign-p12', path.join(pki.dir, 'nope.p12')], P12_PASSPHRASE);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('[KEY_NOT_FOUND]');

    const both = await demo(['--sign-p12', pki.rsaP12, '--kms-key-id', 'alias/x'], P12_PASSPHRASE);
    expect(both.code).toBe(2);
    expect(both.err).toContain('Give one signing key, not --sign-p12 and --kms-key-id');
  });

  it('an expired certificate is refused at the run clock', async () => {
    const err = await expectRejectsWithCode(loadP12Signer(pki.rsaP12, P12_PASSPHRASE, new Date('2100-01-01T00:00:00Z')), BundleError, 'KEY_INVALID');
    expect(err.message).toMatch(/the certificate "CN=Auditpack Report Signer rsa.*" expired on \d{4}-/);
  });
});
