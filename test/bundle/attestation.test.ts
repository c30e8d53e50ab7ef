import { createHash, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { bundleFromJSON } from '@sigstore/bundle';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ATTESTATION_FILE, IN_TOTO_PAYLOAD_TYPE, RUN_PREDICATE_TYPE, SIGSTORE_BUNDLE_MEDIA_TYPE, preAuthEncoding } from '../../src/bundle/attestation.ts';
import { KmsSigner } from '../../src/bundle/kms-signer.ts';
import { signBundle } from '../../src/bundle/manifest.ts';
import { runStats } from '../../src/bundle/run-stats.ts';
import { generateEphemeralSigner, type Signer } from '../../src/bundle/signer.ts';
import { verifyBundle } from '../../src/bundle/verify.ts';
import { ATTESTATION_VERIFY_COMMANDS } from '../../src/bundle/verify-md-standard.ts';
import { loadP12Signer } from '../../src/bundle/x509-signer.ts';
import { KMS_REGION, startKmsServer, type KmsTestServer } from './kms-server.ts';
import { META, bash, copyDir, readManifest, resignManifest, useTempDirs, writeSampleRun } from './helpers.ts';
import { P12_PASSPHRASE, makeTestPki, type TestPki } from './x509-fixtures.ts';

const tempDir = useTempDirs();

let work: string;
let pki: TestPki;
let kms: KmsTestServer;
beforeAll(async () => {
  vi.stubEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
  work = await mkdtemp(path.join(tmpdir(), 'auditpack-attestation-'));
  pki = await makeTestPki(work);
  kms = await startKmsServer(work);
}, 60_000);
afterAll(async () => {
  vi.unstubAllEnvs();
  await kms.close();
  await rm(work, { recursive: true, force: true });
});

const STATS = runStats(
  [{ status: 'pass' }, { status: 'fail' }, { status: 'fail' }, { status: 'error' }],
  [
    { framework: 'soc2', status: 'satisfied' },
    { framework: 'soc2', status: 'not_satisfied' },
    { framework: 'pci-dss-4', status: 'insufficient_evidence' },
  ],
);

type SignerCase = readonly [string, () => Promise<Signer>];
const SIGNERS: readonly SignerCase[] = [
  ['Ed25519 (local key)', () => Promise.resolve(generateEphemeralSigner())],
  ['RSA 2048 (X.509 .p12)', () => loadP12Signer(pki.rsaP12, P12_PASSPHRASE)],
  ['ECDSA P-256 (X.509 .p12)', () => loadP12Signer(pki.ecP12, P12_PASSPHRASE)],
  [
    'ECDSA P-256 (AWS KMS)',
    () => {
      const key = kms.addKey(`attest-${Math.random().toString(16).slice(2)}`);
      const client = new KMSClient({ endpoint: kms.endpoint, region: KMS_REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, maxAttempts: 1 });
      return KmsSigner.create({ keyId: key.arn, client });
    },
  ],
];

async function signedBundle(signer: Signer): Promise<string> {
  const dir = path.join(await tempDir(), 'bundle');
  await writeSampleRun(dir);
  await signBundle(dir, signer, { ...META, stats: STATS });
  return dir;
}

// What an auditor's own tooling does: @sigstore/verify with nothing but the published public key,
// no transparency log, no certificate authority, no timestamp authority.
function sigstoreVerify(bundleJson: unknown, publicKeyPem: string, hint: string): void {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  const trust = toTrustMaterial(
    { mediaType: '', tlogs: [], ctlogs: [], certificateAuthorities: [], timestampAuthorities: [] },
    { [hint]: { rawBytes: der, keyDetails: 0 } },
  );
  const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  verifier.verify(toSignedEntity(bundleFromJSON(bundleJson)));
}

interface Envelope {
  mediaType: string;
  verificationMaterial: { publicKey: { hint: string }; tlogEntries: unknown[] };
  dsseEnvelope: { payload: string; payloadType: string; signatures: Array<{ sig: string; keyid?: string }> };
}

// Replaces the attestation and signs the manifest again with its new hash, as someone holding the
// key would: what is left to catch is the attestation's own signature and its subjects.
async function replaceAttestation(dir: string, signer: Signer, envelope: unknown): Promise<void> {
  const text = JSON.stringify(envelope);
  await writeFile(path.join(dir, ATTESTATION_FILE), text);
  await resignManifest(dir, signer, (m) => ({
    ...m,
    files: m.files.map((f) => (f.path === ATTESTATION_FILE ? { ...f, sha256: createHash('sha256').update(text).digest('hex'), size: Buffer.byteLength(text) } : f)),
  }));
}

async function readEnvelope(dir: string): Promise<Envelope> {
  return JSON.parse(await readFile(path.join(dir, ATTESTATION_FILE), 'utf8')) as Envelope;
}

function statementOf(envelope: Envelope): { _type: string; predicateType: string; subject: Array<{ name: string; digest: { sha256: string } }>; predicate: Record<string, unknown> } {
  return JSON.parse(Buffer.from(envelope.dsseEnvelope.payload, 'base64').toString('utf8')) as ReturnType<typeof statementOf>;
}

describe.each(SIGNERS)('attestation.sigstore.json signed with %s', (_name, makeSigner) => {
  it('verifies with @sigstore/verify against the public key, and with auditpack verify', async () => {
    const signer = await makeSigner();
    const dir = await signedBundle(signer);
    const envelope = await readEnvelope(dir);
    expect(envelope.mediaType).toBe(SIGSTORE_BUNDLE_MEDIA_TYPE);
    expect(envelope.verificationMaterial).toEqual({ publicKey: { hint: signer.keyFingerprint }, tlogEntries: [] });
    expect(envelope.dsseEnvelope.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    sigstoreVerify(envelope, signer.publicKeyPem, signer.keyFingerprint);

    const report = await verifyBundle(dir);
    expect(report.problems).toEqual([]);
    expect(report.attestation?.predicateType).toBe(RUN_PREDICATE_TYPE);

    // The statement's subjects are exactly the manifest's files (but itself), same digests.
    const manifest = await readManifest(dir);
    const statement = statementOf(envelope);
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.subject).toEqual(manifest.files.filter((f) => f.path !== ATTESTATION_FILE).map((f) => ({ name: f.path, digest: { sha256: f.sha256 } })));
    expect(manifest.files.map((f) => f.path)).toContain(ATTESTATION_FILE);
  });

  it('fails @sigstore/verify and auditpack verify once the statement is changed', async () => {
    const signer = await makeSigner();
    const dir = await signedBundle(signer);
    const envelope = await readEnvelope(dir);
    const statement = statementOf(envelope);
    const first = statement.subject[0];
    if (first) first.digest.sha256 = 'f'.repeat(64);
    const forged = { ...envelope, dsseEnvelope: { ...envelope.dsseEnvelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') } };
    expect(() => sigstoreVerify(forged, signer.publicKeyPem, signer.keyFingerprint)).toThrow(/signature/i);
    await replaceAttestation(dir, signer, forged);
    const report = await verifyBundle(dir);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => `${p.code} ${p.path ?? ''}`)).toEqual([`SIGNATURE_INVALID ${ATTESTATION_FILE}`]);
    expect(report.problems[0]?.message).toContain('DSSE signature that does not verify');
  });
});

describe('the attestation against the bundle', () => {
  it('fails after any file changes: the subject digest no longer matches the file', async () => {
    const signer = generateEphemeralSigner();
    const pristine = await signedBundle(signer);
    const manifest = await readManifest(pristine);
    for (const file of manifest.files.filter((f) => f.path !== ATTESTATION_FILE)) {
      const dir = path.join(await tempDir(), 'copy');
      await copyDir(pristine, dir);
      await writeFile(path.join(dir, file.path), 'changed\n', { flag: 'a' });
      // The documented sha256sum check of the subjects fails, and so does verify.
      const subjects = bash(ATTESTATION_VERIFY_COMMANDS.subjectsLinux, dir);
      expect(subjects.status, file.path).not.toBe(0);
      expect(subjects.stdout).toContain(`${file.path}: FAILED`);
      const report = await verifyBundle(dir);
      expect(report.ok, file.path).toBe(false);
      expect(report.problems.map((p) => p.path)).toContain(file.path);
    }
  });

  it('is refused when the subjects disagree with the manifest, even with a valid signature', async () => {
    const signer = generateEphemeralSigner();
    const dir = await signedBundle(signer);
    const envelope = await readEnvelope(dir);
    const statement = statementOf(envelope);
    statement.subject = statement.subject.filter((s) => s.name !== 'findings.json');
    const payload = Buffer.from(JSON.stringify(statement));
    const sig = Buffer.from(await signer.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload)));
    const resigned = { ...envelope, dsseEnvelope: { ...envelope.dsseEnvelope, payload: payload.toString('base64'), signatures: [{ sig: sig.toString('base64') }] } };
    sigstoreVerify(resigned, signer.publicKeyPem, signer.keyFingerprint);
    await replaceAttestation(dir, signer, resigned);
    const report = await verifyBundle(dir);
    expect(report.problems.map((p) => p.message)).toEqual([`${ATTESTATION_FILE} does not name findings.json, which the manifest lists`]);
  });

  it('summarises the run in the predicate: tool, frameworks, counts, OSCAL digest', async () => {
    const dir = await signedBundle(generateEphemeralSigner());
    const manifest = await readManifest(dir);
    const predicate = statementOf(await readEnvelope(dir)).predicate;
    const oscal = manifest.files.find((f) => f.path === 'oscal/assessment-results.json');
    expect(predicate).toMatchObject({
      tool: META.tool,
      runId: META.runId,
      frameworks: [
        { id: 'soc2', controls: { satisfied: 1, not_satisfied: 1 }, total: 2 },
        { id: 'pci-dss-4', controls: { insufficient_evidence: 1 }, total: 1 },
      ],
      results: { total: 4, byStatus: { pass: 1, fail: 2, error: 1 } },
    });
    expect(predicate.documents).toContainEqual({ role: 'oscal-assessment-results', path: 'oscal/assessment-results.json', sha256: oscal?.sha256 });
  });

  it.each([
    ['Ed25519', () => Promise.resolve(generateEphemeralSigner()), ATTESTATION_VERIFY_COMMANDS.verifyPaeEd25519, 'Signature Verified Successfully'],
    ['ECDSA P-256', () => loadP12Signer(pki.ecP12, P12_PASSPHRASE), ATTESTATION_VERIFY_COMMANDS.verifyPaeDgst, 'Verified OK'],
  ] as const)('the documented openssl check of the DSSE signature (%s) accepts it and rejects a changed payload', async (_n, make, command, ok) => {
    const dir = await signedBundle(await make());
    const good = bash(`${ATTESTATION_VERIFY_COMMANDS.extractPae} && ${command}`, dir);
    expect(good.stdout).toContain(ok);
    expect(good.status).toBe(0);
    const envelope = await readEnvelope(dir);
    envelope.dsseEnvelope.payload = Buffer.from(`${Buffer.from(envelope.dsseEnvelope.payload, 'base64').toString()} `).toString('base64');
    await writeFile(path.join(dir, ATTESTATION_FILE), JSON.stringify(envelope));
    const bad = bash(`${ATTESTATION_VERIFY_COMMANDS.extractPae} && ${command}`, dir);
    expect(bad.status).not.toBe(0);
  });
});
