import { BUNDLED_PUBLIC_KEY_FILE, MANIFEST_FILE, SIGNATURE_FILE, VERIFY_FILE, compareCodeUnits } from './files.ts';

export interface VerifyMarkdownInfo {
  tool: { name: string; version: string };
  runId: string;
  createdAt: string;
  keyFingerprint: string;
  ephemeral: boolean;
  /** Bundle files the manifest will list, POSIX paths relative to the root (VERIFY.md may be omitted). */
  files: readonly string[];
}

// The shell commands VERIFY.md documents. They are exported so the tests run exactly these strings
// against a real bundle; each is run from inside the bundle folder.
export const VERIFY_COMMANDS = {
  opensslVerify: `openssl pkeyutl -verify -pubin -inkey ${BUNDLED_PUBLIC_KEY_FILE} -rawin -in ${MANIFEST_FILE} -sigfile ${SIGNATURE_FILE}`,
  opensslVerifyPinned: `openssl pkeyutl -verify -pubin -inkey /path/to/published-auditpack-signing.pub -rawin -in ${MANIFEST_FILE} -sigfile ${SIGNATURE_FILE}`,
  hashCheckPythonLinux: `python3 -c 'import json; [print(f["sha256"] + "  " + f["path"]) for f in json.load(open("${MANIFEST_FILE}"))["files"]]' | sha256sum -c --strict -`,
  hashCheckPythonMac: `python3 -c 'import json; [print(f["sha256"] + "  " + f["path"]) for f in json.load(open("${MANIFEST_FILE}"))["files"]]' | shasum -a 256 -c -`,
  hashCheckNodeLinux: `node -e 'for (const f of JSON.parse(require("fs").readFileSync("${MANIFEST_FILE}", "utf8")).files) console.log(f.sha256 + "  " + f.path)' | sha256sum -c --strict -`,
  extraFiles: `diff <(python3 -c 'import json; [print(f["path"]) for f in json.load(open("${MANIFEST_FILE}"))["files"]]' | LC_ALL=C sort) <(find . ! -type d ! -path ./${MANIFEST_FILE} ! -path ./${SIGNATURE_FILE} ! -path ./${BUNDLED_PUBLIC_KEY_FILE} | sed 's|^\\./||' | LC_ALL=C sort) && echo "file list matches"`,
  specialFiles: `find . ! -type f ! -type d`,
  fingerprintLinux: `openssl pkey -pubin -in ${BUNDLED_PUBLIC_KEY_FILE} -outform DER | sha256sum`,
  fingerprintMac: `openssl pkey -pubin -in ${BUNDLED_PUBLIC_KEY_FILE} -outform DER | shasum -a 256`,
  manifestFingerprint: `python3 -c 'import json; print(json.load(open("${MANIFEST_FILE}"))["signer"]["keyFingerprint"])'`,
} as const;

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
  [VERIFY_FILE]: 'this file',
};

// The VERIFY.md an auditor reads first: what the bundle is, what it contains, and how to check it
// with `auditpack verify` or with nothing but openssl, python3 (or node) and sha256sum / shasum.
// It is written before the manifest is built, so the manifest (and the signature) cover it.
export function verifyMarkdown(info: VerifyMarkdownInfo): string {
  const c = VERIFY_COMMANDS;
  const lines: string[] = [
    `# Verifying this evidence bundle`,
    '',
    `This folder is a compliance evidence bundle produced by ${info.tool.name} ${info.tool.version}`,
    `(run \`${info.runId}\`, created ${info.createdAt}). \`${MANIFEST_FILE}\` lists every file in the`,
    `bundle with its sha256 and size, and \`${SIGNATURE_FILE}\` is an Ed25519 signature over the exact`,
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
    `| \`${SIGNATURE_FILE}\` | raw 64-byte Ed25519 signature over \`${MANIFEST_FILE}\` |`,
    `| \`${BUNDLED_PUBLIC_KEY_FILE}\` | the signer's public key, for convenience only (see below) |`,
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
    'until it is verified the manifest itself is untrusted. A bash or zsh shell is assumed; OpenSSL 3.0',
    'or later is needed for Ed25519 (on macOS the system `openssl` is LibreSSL; use Homebrew `openssl@3`).',
    '',
    `### 1. The signature over ${MANIFEST_FILE}`,
    '',
    '```sh',
    c.opensslVerify,
    '```',
    '',
    'Expected output: `Signature Verified Successfully` (exit code 0). Anything else, e.g.',
    '`Signature Verification Failure`, means the manifest or the signature was changed. To verify with',
    'the key your organisation published instead of the bundled copy:',
    '',
    '```sh',
    c.opensslVerifyPinned,
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
    `Compare the manifest's list with the files on disk (only \`${MANIFEST_FILE}\`, \`${SIGNATURE_FILE}\` and`,
    `\`${BUNDLED_PUBLIC_KEY_FILE}\` at the top level are expected to be unlisted):`,
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
  return lines.join('\n');
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
