import { BUNDLED_PUBLIC_KEY_FILE, MANIFEST_FILE, SIGNATURE_FILE, TIMESTAMP_FILE, VERIFY_FILE, compareCodeUnits } from './files.ts';
import { SIGNER_CERT_FILE, type SigningAlgorithm } from './signer.ts';
import { ATTESTATION_FILE } from './attestation.ts';
import { attestationSection, timestampSection } from './verify-md-standard.ts';

export interface VerifyMarkdownInfo {
  tool: { name: string; version: string };
  runId: string;
  createdAt: string;
  keyFingerprint: string;
  ephemeral: boolean;
  /** Default 'ed25519'. */
  algorithm?: SigningAlgorithm;
  /** signer.crt holds the signer's X.509 certificate. */
  certificate?: boolean;
  /** report.pdf carries an embedded PDF signature (adbe.pkcs7.detached) by that certificate. */
  signedPdf?: boolean;
  /** Bundle files the manifest will list, POSIX paths relative to the root (VERIFY.md may be omitted). */
  files: readonly string[];
  /** manifest.tsr will hold an RFC 3161 timestamp over manifest.sig from this TSA. */
  tsa?: string;
}

// The shell commands VERIFY.md documents. They are exported so the tests run exactly these strings
// against a real bundle; each is run from inside the bundle folder.
export const VERIFY_COMMANDS = {
  opensslVerify: `openssl pkeyutl -verify -pubin -inkey ${BUNDLED_PUBLIC_KEY_FILE} -rawin -in ${MANIFEST_FILE} -sigfile ${SIGNATURE_FILE}`,
  opensslVerifyPinned: `openssl pkeyutl -verify -pubin -inkey /path/to/published-auditpack-signing.pub -rawin -in ${MANIFEST_FILE} -sigfile ${SIGNATURE_FILE}`,
  hashCheckPythonLinux: `python3 -c 'import json; [print(f["sha256"] + "  " + f["path"]) for f in json.load(open("${MANIFEST_FILE}"))["files"]]' | sha256sum -c --strict -`,
  hashCheckPythonMac: `python3 -c 'import json; [print(f["sha256"] + "  " + f["path"]) for f in json.load(open("${MANIFEST_FILE}"))["files"]]' | shasum -a 256 -c -`,
  hashCheckNodeLinux: `node -e 'for (const f of JSON.parse(require("fs").readFileSync("${MANIFEST_FILE}", "utf8")).files) console.log(f.sha256 + "  " + f.path)' | sha256sum -c --strict -`,
  extraFiles: `diff <(python3 -c 'import json; [print(f["path"]) for f in json.load(open("${MANIFEST_FILE}"))["files"]]' | LC_ALL=C sort) <(find . ! -type d ! -path ./${MANIFEST_FILE} ! -path ./${SIGNATURE_FILE} ! -path ./${TIMESTAMP_FILE} ! -path ./${BUNDLED_PUBLIC_KEY_FILE} | sed 's|^\\./||' | LC_ALL=C sort) && echo "file list matches"`,
  specialFiles: `find . ! -type f ! -type d`,
  fingerprintLinux: `openssl pkey -pubin -in ${BUNDLED_PUBLIC_KEY_FILE} -outform DER | sha256sum`,
  fingerprintMac: `openssl pkey -pubin -in ${BUNDLED_PUBLIC_KEY_FILE} -outform DER | shasum -a 256`,
  manifestFingerprint: `python3 -c 'import json; print(json.load(open("${MANIFEST_FILE}"))["signer"]["keyFingerprint"])'`,
} as const;

// Manifest signature checks for RSA and ECDSA keys (X.509 certificates, AWS KMS). `openssl dgst`
// verifies PKCS#1 v1.5 and DER-encoded ECDSA signatures alike, in any OpenSSL (or LibreSSL).
export const DGST_VERIFY_COMMANDS = {
  opensslVerify: `openssl dgst -sha256 -verify ${BUNDLED_PUBLIC_KEY_FILE} -signature ${SIGNATURE_FILE} ${MANIFEST_FILE}`,
  opensslVerifyPinned: `openssl dgst -sha256 -verify /path/to/published-signing-key.pem -signature ${SIGNATURE_FILE} ${MANIFEST_FILE}`,
} as const;

// The signer's certificate (signer.crt): who it names, that a CA the auditor trusts issued it, and
// that it holds the key that signed the manifest.
export const CERT_VERIFY_COMMANDS = {
  show: `openssl x509 -in ${SIGNER_CERT_FILE} -noout -subject -issuer -dates`,
  chain: `openssl verify -CAfile /path/to/trusted-ca.crt -untrusted ${SIGNER_CERT_FILE} ${SIGNER_CERT_FILE}`,
  keyFingerprintLinux: `openssl x509 -in ${SIGNER_CERT_FILE} -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum`,
} as const;

// The PDF signature inside report.pdf. Both write only to a temp folder: anything written into the
// bundle would be an extra file.
export const PDF_VERIFY_COMMANDS = {
  pdfsigTrusted:
    'N=$(mktemp -d) && certutil -N -d "sql:$N" --empty-password && ' +
    'certutil -A -d "sql:$N" -n auditpack-ca -t C,C,C -i /path/to/trusted-ca.crt && pdfsig -nssdir "sql:$N" report.pdf',
  // Cuts report.pdf at its last /ByteRange [a b c d]: the signed bytes are [a, a+b) and [c, c+d);
  // between them is the hex-encoded CMS signature, zero-padded, whose DER length is in its header.
  extract: [
    `T=$(mktemp -d) && python3 - report.pdf "$T" <<'EOF' && echo "extracted to $T"`,
    'import re, sys',
    "pdf = open(sys.argv[1], 'rb').read()",
    "a, b, c, d = map(int, re.findall(rb'/ByteRange\\s*\\[\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*\\]', pdf)[-1])",
    "if a != 0 or c + d != len(pdf): sys.exit('the signature does not cover the whole file')",
    "sig = bytes.fromhex(pdf[a + b:c].strip(b'<>').decode())",
    'n = sig[1] & 0x7f if sig[1] & 0x80 else 0',
    "size = 2 + n + (int.from_bytes(sig[2:2 + n], 'big') if n else sig[1])",
    "open(sys.argv[2] + '/report.p7s', 'wb').write(sig[:size])",
    "open(sys.argv[2] + '/report.content', 'wb').write(pdf[a:a + b] + pdf[c:c + d])",
    'EOF',
  ].join('\n'),
  cmsVerify: 'openssl cms -verify -inform DER -in "$T/report.p7s" -content "$T/report.content" -binary -CAfile /path/to/trusted-ca.crt -out /dev/null',
  cmsSigner: 'openssl cms -cmsout -print -inform DER -in "$T/report.p7s" | grep -A3 "signingTime\\|subject:"',
} as const;

const ALGORITHM_NAMES: Readonly<Record<SigningAlgorithm, string>> = {
  ed25519: 'an Ed25519 signature',
  'rsa-pkcs1-sha256': 'an RSA signature (RSASSA-PKCS1-v1_5 with SHA-256)',
  'ecdsa-p256-sha256': 'an ECDSA P-256 signature (SHA-256, DER-encoded)',
};

const KNOWN_FILES: Readonly<Record<string, string>> = {
  'run.json': 'run metadata: run id, targets, tool version, clock',
  'findings.json': 'every check result and control status (machine-readable)',
  'findings.csv': 'the check results as a spreadsheet',
  'report.html': 'the human-readable report',
  'report.pdf': 'the report as PDF (derived from report.html)',
  'oscal/': 'NIST OSCAL assessment results',
  'evidence/': 'raw evidence every claim in the report points at',
  'evidence/index.jsonl': 'one line per evidence record: API call, equivalent CLI command, sha256',
  'evidence/raw/': 'raw API responses after redaction, named by their sha256',
  'evidence/cli/': 'the kubectl / aws / az / gcloud command that reproduces each piece of evidence',
  [SIGNER_CERT_FILE]: "the signer's X.509 certificate (then any intermediate certificates), PEM",
  [VERIFY_FILE]: 'this file',
  [ATTESTATION_FILE]: 'in-toto Statement v1 over every listed file, in a DSSE envelope signed by the same key (Sigstore bundle v0.3)',
};

// The VERIFY.md an auditor reads first: what the bundle is, what it contains, and how to check it
// with `auditpack verify` or with nothing but openssl, python3 (or node) and sha256sum / shasum.
// It is written before the manifest is built, so the manifest (and the signature) cover it.
export function verifyMarkdown(info: VerifyMarkdownInfo): string {
  const c = VERIFY_COMMANDS;
  const algorithm = info.algorithm ?? 'ed25519';
  const ed = algorithm === 'ed25519';
  const sigCommand = ed ? c.opensslVerify : DGST_VERIFY_COMMANDS.opensslVerify;
  const sigCommandPinned = ed ? c.opensslVerifyPinned : DGST_VERIFY_COMMANDS.opensslVerifyPinned;
  const lines: string[] = [
    `# Verifying this evidence bundle`,
    '',
    `This folder is a compliance evidence bundle produced by ${info.tool.name} ${info.tool.version}`,
    `(run \`${info.runId}\`, created ${info.createdAt}). \`${MANIFEST_FILE}\` lists every file in the`,
    `bundle with its sha256 and size, and \`${SIGNATURE_FILE}\` is ${ALGORITHM_NAMES[algorithm]} over the exact`,
    `bytes of \`${MANIFEST_FILE}\`. If the signature is valid, every listed file matches its hash and`,
    `no file is present that the manifest does not list, then nothing in the bundle changed after it was signed.`,
    '',
  ];
  if (info.ephemeral) {
    lines.push(
      '> [!WARNING]',
      '> **This bundle was signed with an ephemeral key** generated for this run only and then discarded.',
      '> The signature proves the files were not changed after signing (integrity), but it does **not**',
      '> prove who produced them: anyone can generate such a key and sign any folder. Ask the producing',
      '> organisation to sign with a published key (`auditpack keys generate`) if you need origin.',
      '',
    );
  }
  lines.push(
    `Signing key fingerprint: \`${info.keyFingerprint}\``,
    '',
    '## Contents',
    '',
    '| path | contents |',
    '|---|---|',
    ...contentRows(info.files),
    `| \`${MANIFEST_FILE}\` | the list of files with sha256 and size (canonical JSON, signed) |`,
    `| \`${SIGNATURE_FILE}\` | ${ed ? 'raw 64-byte Ed25519 signature' : `${ALGORITHM_NAMES[algorithm].replace(/^an? /, '')}`} over \`${MANIFEST_FILE}\` |`,
    `| \`${BUNDLED_PUBLIC_KEY_FILE}\` | the signer's public key, for convenience only (see below) |`,
    ...(info.tsa === undefined ? [] : [`| \`${TIMESTAMP_FILE}\` | RFC 3161 time-stamp response over \`${SIGNATURE_FILE}\` (not listed: made after the signature) |`]),
    '',
    '## Which key to trust',
    '',
    `\`${BUNDLED_PUBLIC_KEY_FILE}\` travels inside the bundle, so whoever could change the bundle could`,
    'also replace it. Trust it only after comparing its fingerprint with the fingerprint the producing',
    'organisation published through a separate channel (step 4 below), or verify with the public key',
    'they published instead of the bundled one.',
    '',
    '## With auditpack',
    '',
    'Run from any folder, passing the public key your organisation published (pinned):',
    '',
    '```sh',
    'npx auditpack verify <bundle-folder> --key <published-auditpack-signing.pub>',
    '```',
    '',
    'It checks the signature, every hash and size, missing and extra files, symlinks and unsafe paths,',
    `and exits non-zero on any problem. Without \`--key\` it falls back to \`${BUNDLED_PUBLIC_KEY_FILE}\``,
    'and says so: that proves integrity only.',
    '',
    '## Without auditpack (openssl, python3 or node, sha256sum or shasum)',
    '',
    'Run every command from inside the bundle folder, in this order: the signature first, because',
    ...(ed
      ? [
          'until it is verified the manifest itself is untrusted. A bash or zsh shell is assumed; OpenSSL 3.0',
          'or later is needed for Ed25519 (on macOS the system `openssl` is LibreSSL; use Homebrew `openssl@3`).',
        ]
      : ['until it is verified the manifest itself is untrusted. A bash or zsh shell is assumed.']),
    '',
    `### 1. The signature over ${MANIFEST_FILE}`,
    '',
    '```sh',
    sigCommand,
    '```',
    '',
    ed
      ? 'Expected output: `Signature Verified Successfully` (exit code 0). Anything else, e.g.'
      : 'Expected output: `Verified OK` (exit code 0). Anything else, e.g.',
    ed
      ? '`Signature Verification Failure`, means the manifest or the signature was changed. To verify with'
      : '`Verification failure`, means the manifest or the signature was changed. To verify with',
    'the key your organisation published instead of the bundled copy:',
    '',
    '```sh',
    sigCommandPinned,
    '```',
    '',
    '### 2. Every file against its hash',
    '',
    'Linux (GNU coreutils):',
    '',
    '```sh',
    c.hashCheckPythonLinux,
    '```',
    '',
    'macOS:',
    '',
    '```sh',
    c.hashCheckPythonMac,
    '```',
    '',
    'Without python3, the same list can be printed with node:',
    '',
    '```sh',
    c.hashCheckNodeLinux,
    '```',
    '',
    'Every line must end in `OK`; the exit code is non-zero if any file is missing or differs.',
    '',
    '### 3. No extra files',
    '',
    `Compare the manifest's list with the files on disk (only \`${MANIFEST_FILE}\`, \`${SIGNATURE_FILE}\`,`,
    `\`${BUNDLED_PUBLIC_KEY_FILE}\` and, when present, \`${TIMESTAMP_FILE}\` at the top level are expected to be unlisted):`,
    '',
    '```sh',
    c.extraFiles,
    '```',
    '',
    'Expected output: `file list matches`. Lines starting with `>` are files on disk that the manifest',
    'does not list; lines starting with `<` are listed files that are missing. Then check there are no',
    'symlinks or special files (this must print nothing):',
    '',
    '```sh',
    c.specialFiles,
    '```',
    '',
    '### 4. The key fingerprint',
    '',
    '```sh',
    `${c.fingerprintLinux}      # Linux`,
    `${c.fingerprintMac}   # macOS`,
    c.manifestFingerprint,
    '```',
    '',
    'The first command prints a hex digest followed by `-`; prefixed with `sha256:` it must equal',
    `\`signer.keyFingerprint\` in \`${MANIFEST_FILE}\` (the last command prints it: \`${info.keyFingerprint}\`)`,
    'and the fingerprint the producing organisation published.',
    '',
  );
  if (info.certificate === true) lines.push(...certificateSection(info.keyFingerprint));
  if (info.signedPdf === true) lines.push(...pdfSection());
  if (info.files.includes(ATTESTATION_FILE)) lines.push(...attestationSection(algorithm));
  if (info.tsa !== undefined) lines.push(...timestampSection(info.tsa));
  return lines.join('\n');
}

function certificateSection(fingerprint: string): string[] {
  const c = CERT_VERIFY_COMMANDS;
  return [
    '### 5. The signing certificate',
    '',
    `\`${SIGNER_CERT_FILE}\` is the X.509 certificate of the key that signed (listed in, and so covered by,`,
    `\`${MANIFEST_FILE}\`). Show who it names and when it is valid, check that a CA you trust issued it`,
    '(replace the path with that CA certificate), and that it holds the signing key:',
    '',
    '```sh',
    c.show,
    c.chain,
    c.keyFingerprintLinux,
    '```',
    '',
    `The second command must print \`${SIGNER_CERT_FILE}: OK\`. The third prints the same digest as step 4`,
    `(\`${fingerprint}\` without the \`sha256:\` prefix); on macOS use \`shasum -a 256\` for \`sha256sum\`.`,
    '',
  ];
}

function pdfSection(): string[] {
  const c = PDF_VERIFY_COMMANDS;
  return [
    '### 6. The signature inside report.pdf',
    '',
    '`report.pdf` also carries its own PDF signature (`adbe.pkcs7.detached`, SHA-256) by the certificate',
    `in \`${SIGNER_CERT_FILE}\`, so the report can be checked on its own once it leaves this folder. A PDF reader`,
    '(Adobe Acrobat, Okular) shows it in its signature panel. With poppler and the NSS tools, trusting',
    'only the CA you name:',
    '',
    '```sh',
    c.pdfsigTrusted,
    '```',
    '',
    'Expected: `Signature Validation: Signature is Valid.`, `Certificate Validation: Certificate is Trusted.`',
    'and `Total document signed`. **pdfsig exits 0 even when the check fails**, so read its output:',
    '`Digest Mismatch` means the PDF changed after it was signed.',
    '',
    'With openssl alone: cut the signed bytes and the CMS signature out of the PDF into a temp folder,',
    'then verify them (run both in the same shell; `$T` is the temp folder):',
    '',
    '```sh',
    c.extract,
    c.cmsVerify,
    '```',
    '',
    'Expected: `CMS Verification successful` (exit code 0); a changed PDF fails with',
    '`verification failure`. To see the signer and the signing time:',
    '',
    '```sh',
    c.cmsSigner,
    '```',
    '',
  ];
}

function contentRows(files: readonly string[]): string[] {
  const rootFiles = new Set<string>([VERIFY_FILE]);
  const dirCounts = new Map<string, number>();
  for (const file of files) {
    const slash = file.indexOf('/');
    if (slash === -1) {
      rootFiles.add(file);
    } else {
      const dir = `${file.slice(0, slash + 1)}`;
      dirCounts.set(dir, (dirCounts.get(dir) ?? 0) + 1);
    }
  }
  const rows: string[] = [];
  for (const file of [...rootFiles].sort(compareCodeUnits)) {
    rows.push(`| \`${escapeCell(file)}\` | ${KNOWN_FILES[file] ?? 'file'} |`);
  }
  for (const [dir, count] of [...dirCounts].sort(([a], [b]) => compareCodeUnits(a, b))) {
    const what = KNOWN_FILES[dir] ?? 'folder';
    const nested = Object.keys(KNOWN_FILES)
      .filter((k) => k.startsWith(dir) && k !== dir && files.some((f) => f === k || (k.endsWith('/') && f.startsWith(k))))
      .sort(compareCodeUnits)
      .map((k) => `\`${k}\`: ${KNOWN_FILES[k] ?? ''}`);
    const detail = nested.length > 0 ? ` (${nested.join('; ')})` : '';
    rows.push(`| \`${escapeCell(dir)}\` | ${what}; ${count} file${count === 1 ? '' : 's'}${detail} |`);
  }
  return rows;
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('`', "'");
}
