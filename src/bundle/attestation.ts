import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../shared/canonical-json.ts';
import type { ManifestFile, ManifestPrevious, ManifestSigner } from './manifest.ts';
import type { Signer } from './signer.ts';

// A standard, tool-neutral statement of what the bundle holds, beside our own manifest: an in-toto
// Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md) in a DSSE
// envelope (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md), written as a
// Sigstore bundle v0.3 with a public-key hint and no transparency-log entry, which
// `cosign verify-blob-attestation --key` and @sigstore/verify read.

export const ATTESTATION_FILE = 'attestation.sigstore.json';
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const RUN_PREDICATE_TYPE = 'https://auditpack.dev/attestation/run/v1';
export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** What the run judged, for the predicate; absent for evidence-only bundles (`collect`). */
export interface RunStats {
  frameworks: ReadonlyArray<{ id: string; controls: Readonly<Record<string, number>> }>;
  results: Readonly<Record<string, number>>;
}

export interface AttestationInput {
  tool: { name: string; version: string };
  runId: string;
  createdAt: string;
  signer: ManifestSigner;
  previous?: ManifestPrevious;
  stats?: RunStats;
  /** Every file the statement covers (the manifest's list without the attestation itself). */
  files: readonly ManifestFile[];
}

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const RunPredicate = z.strictObject({
  tool: z.strictObject({ name: z.string(), version: z.string() }),
  runId: z.string(),
  createdAt: z.string(),
  signer: z.strictObject({ algorithm: z.string(), keyFingerprint: z.string(), ephemeral: z.boolean() }),
  previous: z.strictObject({ runId: z.string(), manifestSha256: Sha256Hex }).optional(),
  frameworks: z.array(z.strictObject({ id: z.string(), controls: z.record(z.string(), z.number().int().nonnegative()), total: z.number().int().nonnegative() })),
  results: z.strictObject({ total: z.number().int().nonnegative(), byStatus: z.record(z.string(), z.number().int().nonnegative()) }).optional(),
  documents: z.array(z.strictObject({ role: z.string(), path: z.string(), sha256: Sha256Hex })),
});
export type RunPredicate = z.infer<typeof RunPredicate>;

export const Statement = z.object({
  _type: z.literal(IN_TOTO_STATEMENT_TYPE),
  subject: z.array(z.object({ name: z.string(), digest: z.object({ sha256: Sha256Hex }) })),
  predicateType: z.literal(RUN_PREDICATE_TYPE),
  predicate: RunPredicate,
});
export type Statement = z.infer<typeof Statement>;

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

// The JSON form of a Sigstore bundle (protobuf-specs' canonical JSON mapping: camelCase, bytes as base64).
export const SigstoreBundle = z.object({
  mediaType: z.literal(SIGSTORE_BUNDLE_MEDIA_TYPE),
  verificationMaterial: z.object({
    publicKey: z.object({ hint: z.string().min(1) }),
    tlogEntries: z.array(z.unknown()).length(0, 'auditpack writes no transparency-log entries'),
  }),
  dsseEnvelope: z.object({
    payload: Base64,
    payloadType: z.literal(IN_TOTO_PAYLOAD_TYPE),
    signatures: z.array(z.object({ sig: Base64.min(1), keyid: z.string().optional() })).length(1),
  }),
});
export type SigstoreBundle = z.infer<typeof SigstoreBundle>;

// The documents an auditor or a policy engine looks for first, named in the predicate with their digest.
const DOCUMENT_ROLES: ReadonlyArray<readonly [string, string]> = [
  ['oscal-assessment-results', 'oscal/assessment-results.json'],
  ['findings', 'findings.json'],
  ['report-pdf', 'report.pdf'],
  ['report-html', 'report.html'],
  ['run', 'run.json'],
];

// DSSE pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths
// as ASCII decimal byte counts. The signature is over these bytes, never over the payload alone.
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.byteLength} `, 'ascii'), type, Buffer.from(` ${payload.byteLength} `, 'ascii'), payload]);
}

export function buildStatement(input: AttestationInput): Statement {
  const digests = new Map(input.files.map((f) => [f.path, f.sha256]));
  const predicate: RunPredicate = {
    tool: { name: input.tool.name, version: input.tool.version },
    runId: input.runId,
    createdAt: input.createdAt,
    signer: { algorithm: input.signer.algorithm, keyFingerprint: input.signer.keyFingerprint, ephemeral: input.signer.ephemeral },
    ...(input.previous ? { previous: { runId: input.previous.runId, manifestSha256: input.previous.manifestSha256 } } : {}),
    frameworks: (input.stats?.frameworks ?? []).map((f) => ({ id: f.id, controls: { ...f.controls }, total: sum(f.controls) })),
    ...(input.stats ? { results: { total: sum(input.stats.results), byStatus: { ...input.stats.results } } } : {}),
    documents: DOCUMENT_ROLES.flatMap(([role, p]) => {
      const sha256 = digests.get(p);
      return sha256 === undefined ? [] : [{ role, path: p, sha256 }];
    }),
  };
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: input.files.map((f) => ({ name: f.path, digest: { sha256: f.sha256 } })),
    predicateType: RUN_PREDICATE_TYPE,
    predicate,
  };
}

// Signs the statement with the bundle's signer and returns the Sigstore bundle's bytes. The hint is
// the key fingerprint the manifest names, so a reader can tell which published key to use.
export async function signAttestation(signer: Signer, statement: Statement): Promise<Uint8Array> {
  const payload = Buffer.from(canonicalJson(statement), 'utf8');
  const sig = Buffer.from(await signer.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload)));
  const bundle: SigstoreBundle = {
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: signer.keyFingerprint }, tlogEntries: [] },
    dsseEnvelope: {
      payload: payload.toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: sig.toString('base64'), keyid: signer.keyFingerprint }],
    },
  };
  return Buffer.from(`${JSON.stringify(bundle, null, 2)}\n`, 'utf8');
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function sum(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
