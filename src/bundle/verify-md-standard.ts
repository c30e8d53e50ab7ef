import { ATTESTATION_FILE, RUN_PREDICATE_TYPE } from './attestation.ts';
import { BUNDLED_PUBLIC_KEY_FILE, SIGNATURE_FILE, TIMESTAMP_FILE } from './files.ts';
import type { SigningAlgorithm } from './signer.ts';

// The in-toto attestation, checked with standard tools. The python line rebuilds the DSSE
// pre-authentication encoding (what is actually signed) into a temp folder; openssl then verifies
// the signature over it with the same key as manifest.sig. Nothing is written into the bundle.
export const ATTESTATION_VERIFY_COMMANDS = {
  cosign:
    `cosign verify-blob-attestation --bundle ${ATTESTATION_FILE} --new-bundle-format=true --key ${BUNDLED_PUBLIC_KEY_FILE} ` +
    `--insecure-ignore-tlog=true --use-signed-timestamps=false --type ${RUN_PREDICATE_TYPE} findings.json`,
  extractPae:
    `T=$(mktemp -d) && python3 -c 'import json, base64, sys; e = json.load(open("${ATTESTATION_FILE}"))["dsseEnvelope"]; ` +
    `p = base64.b64decode(e["payload"]); t = e["payloadType"].encode(); ` +
    `open(sys.argv[1] + "/pae", "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(p), p)); ` +
    `open(sys.argv[1] + "/sig", "wb").write(base64.b64decode(e["signatures"][0]["sig"]))' "$T" && echo "extracted to $T"`,
  verifyPaeEd25519: `openssl pkeyutl -verify -pubin -inkey ${BUNDLED_PUBLIC_KEY_FILE} -rawin -in "$T/pae" -sigfile "$T/sig"`,
  verifyPaeDgst: `openssl dgst -sha256 -verify ${BUNDLED_PUBLIC_KEY_FILE} -signature "$T/sig" "$T/pae"`,
  subjectsLinux:
    `python3 -c 'import json, base64; s = json.loads(base64.b64decode(json.load(open("${ATTESTATION_FILE}"))["dsseEnvelope"]["payload"])); ` +
    `[print(x["digest"]["sha256"] + "  " + x["name"]) for x in s["subject"]]' | sha256sum -c --strict -`,
} as const;

// The RFC 3161 token over manifest.sig, checked with openssl alone.
export const TIMESTAMP_VERIFY_COMMANDS = {
  show: `openssl ts -reply -in ${TIMESTAMP_FILE} -text | grep -E "Time stamp:|TSA:|Hash Algorithm:|Policy OID:"`,
  verify: `openssl ts -verify -data ${SIGNATURE_FILE} -in ${TIMESTAMP_FILE} -CAfile /path/to/tsa-ca.crt`,
} as const;

export function attestationSection(algorithm: SigningAlgorithm): string[] {
  const c = ATTESTATION_VERIFY_COMMANDS;
  return [
    '## The standard attestation (attestation.sigstore.json)',
    '',
    `\`${ATTESTATION_FILE}\` is a Sigstore bundle (v0.3) holding a DSSE envelope with an in-toto Statement v1:`,
    'its subjects are every file the manifest lists, with their sha256, and its predicate',
    `(\`${RUN_PREDICATE_TYPE}\`) summarises the run: tool and version, frameworks, control and result`,
    'counts, and the digests of the OSCAL assessment results and findings. It is signed by the same key',
    `as \`${SIGNATURE_FILE}\` (the bundle names it by a public-key hint) and has no transparency-log entry.`,
    `It is itself listed in \`manifest.json\`. \`auditpack verify\` checks its signature and that its subjects`,
    'are exactly the files of the manifest.',
    '',
    'With cosign (2.4 or later), for any listed file, e.g. findings.json (use your published key for origin):',
    '',
    '```sh',
    c.cosign,
    '```',
    '',
    'With openssl and python3 (run both in the same shell; `$T` is a temp folder):',
    '',
    '```sh',
    c.extractPae,
    algorithm === 'ed25519' ? c.verifyPaeEd25519 : c.verifyPaeDgst,
    c.subjectsLinux,
    '```',
    '',
    algorithm === 'ed25519'
      ? 'The second command must print `Signature Verified Successfully`; the third, `OK` for every subject.'
      : 'The second command must print `Verified OK`; the third, `OK` for every subject.',
    '',
  ];
}

export function timestampSection(tsaUrl: string | undefined): string[] {
  const c = TIMESTAMP_VERIFY_COMMANDS;
  return [
    '## The trusted timestamp (manifest.tsr)',
    '',
    `\`${TIMESTAMP_FILE}\` is the RFC 3161 time-stamp response (with its token)${tsaUrl === undefined ? '' : ` from ${tsaUrl}`} over the sha256 of`,
    `\`${SIGNATURE_FILE}\`: a time-stamping authority vouches that the signature existed at the time it states,`,
    "independently of the signer's clock. Like the signature it is not listed in the manifest (it is made",
    'after it). Show it, then verify it against the certificate of the CA that issued the TSA certificate:',
    '',
    '```sh',
    c.show,
    c.verify,
    '```',
    '',
    'Expected output of the second command: `Verification: OK`. A changed signature fails with',
    '`message imprint mismatch`. `npx auditpack verify <bundle-folder> --tsa-ca /path/to/tsa-ca.crt` checks the same.',
    '',
  ];
}
