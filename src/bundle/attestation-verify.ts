import type { KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../shared/errors.ts';
import { ATTESTATION_FILE, IN_TOTO_PAYLOAD_TYPE, SigstoreBundle, Statement, preAuthEncoding, type RunPredicate } from './attestation.ts';
import type { Manifest } from './manifest.ts';
import { verifyWithKey } from './signer.ts';
import type { VerifyProblem } from './verify.ts';

// A million-subject statement in base64 stays well below this; anything larger is not read.
const MAX_ATTESTATION_BYTES = 512 * 1024 * 1024;

export interface AttestationSummary {
  predicateType: string;
  subjects: number;
  predicate: RunPredicate;
}

// Checks attestation.sigstore.json when the manifest lists it (bundles from before it existed do
// not): the DSSE signature over the PAE with the very key that signed the manifest, and a statement
// whose subjects are exactly the manifest's files with the same sha256. A file changed on disk is
// reported by the manifest check; here the point is that the statement and the manifest agree, so a
// reader who trusts only the attestation (cosign, a policy engine) sees the same bundle.
export async function checkAttestation(
  root: string,
  manifest: Manifest,
  diskFiles: ReadonlySet<string>,
  key: KeyObject | undefined,
  problems: VerifyProblem[],
): Promise<AttestationSummary | undefined> {
  if (!manifest.files.some((f) => f.path === ATTESTATION_FILE) || !diskFiles.has(ATTESTATION_FILE)) return undefined;
  const fail = (message: string, code: VerifyProblem['code'] = 'SIGNATURE_INVALID'): undefined => {
    problems.push({ code, path: ATTESTATION_FILE, message: `${ATTESTATION_FILE} ${message}` });
    return undefined;
  };
  const file = path.join(root, ATTESTATION_FILE);
  if ((await stat(file)).size > MAX_ATTESTATION_BYTES) return fail(`is larger than ${MAX_ATTESTATION_BYTES} bytes`);
  let bundle: SigstoreBundle;
  try {
    const parsed = SigstoreBundle.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!parsed.success) return fail(`is not an auditpack Sigstore bundle: ${z.prettifyError(parsed.error)}`);
    bundle = parsed.data;
  } catch (err) {
    return fail(`is not valid JSON: ${errorMessage(err)}`);
  }
  const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
  const sig = Buffer.from(bundle.dsseEnvelope.signatures[0]?.sig ?? '', 'base64');
  if (key === undefined) return fail('cannot be checked: no usable public key');
  if (!verifyWithKey(key, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload), sig)) {
    return fail('has a DSSE signature that does not verify with the signing key');
  }
  let statement: Statement;
  try {
    const parsed = Statement.safeParse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)));
    if (!parsed.success) return fail(`holds a statement auditpack does not recognise: ${z.prettifyError(parsed.error)}`, 'MANIFEST_INVALID');
    statement = parsed.data;
  } catch (err) {
    return fail(`holds a payload that is not UTF-8 JSON: ${errorMessage(err)}`, 'MANIFEST_INVALID');
  }

  const expected = new Map(manifest.files.filter((f) => f.path !== ATTESTATION_FILE).map((f) => [f.path, f.sha256]));
  const seen = new Set<string>();
  const before = problems.length;
  for (const s of statement.subject) {
    const want = expected.get(s.name);
    if (want === undefined || seen.has(s.name)) fail(`names subject ${JSON.stringify(s.name)}, which the manifest does not list (or lists once)`, 'MANIFEST_INVALID');
    else if (want !== s.digest.sha256) fail(`gives ${s.name} sha256 ${s.digest.sha256}, the manifest says ${want}`, 'MANIFEST_INVALID');
    seen.add(s.name);
  }
  for (const name of expected.keys()) {
    if (!seen.has(name)) fail(`does not name ${name}, which the manifest lists`, 'MANIFEST_INVALID');
  }
  if (statement.predicate.runId !== manifest.runId) fail(`is for run ${statement.predicate.runId}, the manifest for ${manifest.runId}`, 'MANIFEST_INVALID');
  if (problems.length > before) return undefined;
  return { predicateType: statement.predicateType, subjects: statement.subject.length, predicate: statement.predicate };
}
