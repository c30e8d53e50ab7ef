import { mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, loadSigner } from '../../src/bundle/keys.ts';
import { signBundle } from '../../src/bundle/manifest.ts';
import type { Ed25519Signer } from '../../src/bundle/signer.ts';
import { VERIFY_COMMANDS, verifyMarkdown } from '../../src/bundle/verify-md.ts';
import { META, copyDir, flipFirstByte, readManifest, bash, useTempDirs, writeSampleRun } from './helpers.ts';

const tempDir = useTempDirs();

// A bundle signed with a persistent key (as `keys generate` makes), and its published .pub file.
let work: string;
let pristine: string;
let publishedKey: string;
let signer: Ed25519Signer;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'auditpack-verify-md-'));
  const pair = await generateKeyPair(path.join(work, 'keys'));
  publishedKey = pair.publicKeyPath;
  signer = await loadSigner(pair.privateKeyPath);
  pristine = path.join(work, 'bundle');
  await writeSampleRun(pristine);
  await signBundle(pristine, signer, META);
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function freshCopy(): Promise<string> {
  const dir = path.join(await tempDir(), 'bundle');
  await copyDir(pristine, dir);
  return dir;
}

const HASH_CHECKS = [
  ['python3 + sha256sum', VERIFY_COMMANDS.hashCheckPythonLinux],
  ['python3 + shasum', VERIFY_COMMANDS.hashCheckPythonMac],
  ['node + sha256sum', VERIFY_COMMANDS.hashCheckNodeLinux],
] as const;

describe('VERIFY.md in a signed bundle', () => {
  it('documents every command the tests below run, and auditpack verify with a pinned key', async () => {
    const text = await readFile(path.join(pristine, 'VERIFY.md'), 'utf8');
    for (const command of Object.values(VERIFY_COMMANDS)) expect(text).toContain(command);
    expect(text).toContain('npx auditpack verify <bundle-folder> --key <published-auditpack-signing.pub>');
    expect(text).toContain(signer.keyFingerprint);
    expect(text).toContain('Signature Verified Successfully');
    expect(text).toMatch(/compar\w+ its fingerprint with the fingerprint the producing\s+organisation published/);
    expect(text).not.toMatch(/ephemeral key/);
  });

  it('describes the contents', async () => {
    const text = await readFile(path.join(pristine, 'VERIFY.md'), 'utf8');
    expect(text).toContain('| `findings.json` |');
    expect(text).toContain('| `evidence/` | raw evidence every claim in the report points at; 3 files');
    expect(text).toContain('`evidence/raw/`');
    expect(text).toContain('| `VERIFY.md` | this file |');
    expect(text).toContain('| `name with spaces.txt` | file |');
  });
});

describe('the documented openssl signature check', () => {
  it('verifies manifest.sig with the bundled key', async () => {
    const result = bash(VERIFY_COMMANDS.opensslVerify, await freshCopy());
    expect(result.stdout).toContain('Signature Verified Successfully');
    expect(result.status).toBe(0);
  });

  it('verifies manifest.sig with the published key', async () => {
    const command = VERIFY_COMMANDS.opensslVerifyPinned.replace('/path/to/published-auditpack-signing.pub', publishedKey);
    const result = bash(command, await freshCopy());
    expect(result.stdout).toContain('Signature Verified Successfully');
    expect(result.status).toBe(0);
  });

  it('rejects a tampered manifest.json', async () => {
    const dir = await freshCopy();
    const manifestPath = path.join(dir, 'manifest.json');
    await writeFile(manifestPath, (await readFile(manifestPath, 'utf8')).replace('"size":', '"size":1'));
    const result = bash(VERIFY_COMMANDS.opensslVerify, dir);
    expect(result.stdout).toContain('Signature Verification Failure');
    expect(result.status).toBe(1);
  });

  it('rejects a tampered manifest.sig', async () => {
    const dir = await freshCopy();
    await flipFirstByte(path.join(dir, 'manifest.sig'));
    const result = bash(VERIFY_COMMANDS.opensslVerify, dir);
    expect(result.stdout).toContain('Signature Verification Failure');
    expect(result.status).not.toBe(0);
  });
});

describe.each(HASH_CHECKS)('the documented hash check (%s)', (_name, command) => {
  it('passes on the signed bundle, one OK line per listed file', async () => {
    const dir = await freshCopy();
    const result = bash(command, dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const files = (await readManifest(dir)).files.map((f) => f.path);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(files.length);
    for (const file of files) expect(lines).toContain(`${file}: OK`);
  });

  it('fails on a changed file', async () => {
    const dir = await freshCopy();
    await flipFirstByte(path.join(dir, 'evidence/raw/x.json'));
    const result = bash(command, dir);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('evidence/raw/x.json: FAILED');
  });

  it('fails on a missing file', async () => {
    const dir = await freshCopy();
    await unlink(path.join(dir, 'VERIFY.md'));
    const result = bash(command, dir);
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/VERIFY\.md/);
  });
});

describe('the documented extra-file check', () => {
  it('reports a match on the signed bundle', async () => {
    const result = bash(VERIFY_COMMANDS.extraFiles, await freshCopy());
    expect(result.stdout).toBe('file list matches\n');
    expect(result.status).toBe(0);
  });

  it('shows added files with ">" and missing ones with "<"', async () => {
    const dir = await freshCopy();
    await writeFile(path.join(dir, 'notes.txt'), 'x');
    await writeFile(path.join(dir, 'evidence/manifest.json'), '{}');
    await unlink(path.join(dir, 'findings.csv'));
    const result = bash(VERIFY_COMMANDS.extraFiles, dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('> notes.txt');
    expect(result.stdout).toContain('> evidence/manifest.json');
    expect(result.stdout).toContain('< findings.csv');
    expect(result.stdout).not.toContain('file list matches');
  });

  it('lists symlinks through the special-file check', async () => {
    const dir = await freshCopy();
    expect(bash(VERIFY_COMMANDS.specialFiles, dir).stdout).toBe('');
    await symlink('../run.json', path.join(dir, 'evidence/link.json'));
    expect(bash(VERIFY_COMMANDS.specialFiles, dir).stdout).toBe('./evidence/link.json\n');
  });
});

describe('the documented fingerprint check', () => {
  it.each([
    ['sha256sum', VERIFY_COMMANDS.fingerprintLinux],
    ['shasum', VERIFY_COMMANDS.fingerprintMac],
  ])('with %s equals signer.keyFingerprint and the published key', async (_name, command) => {
    const dir = await freshCopy();
    const result = bash(command, dir);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^[0-9a-f]{64} {2}-\n$/);
    const fingerprint = `sha256:${result.stdout.slice(0, 64)}`;
    expect(fingerprint).toBe((await readManifest(dir)).signer.keyFingerprint);
    expect(fingerprint).toBe(signer.keyFingerprint);
    expect(bash(VERIFY_COMMANDS.manifestFingerprint, dir).stdout).toBe(`${signer.keyFingerprint}\n`);
  });
});

describe('verifyMarkdown', () => {
  const info = {
    tool: { name: 'auditpack', version: '0.1.0' },
    runId: 'run-1',
    createdAt: '2026-11-22T12:00:00Z',
    keyFingerprint: `sha256:${'a'.repeat(64)}`,
    files: ['findings.json', 'evidence/raw/a.json', 'evidence/raw/b.json', 'custom/x|y.txt'],
  };

  it('warns prominently that an ephemeral key proves integrity only', () => {
    const text = verifyMarkdown({ ...info, ephemeral: true });
    const warning = text.indexOf('**This bundle was signed with an ephemeral key**');
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(text.indexOf('## Contents'));
    expect(text).toMatch(/integrity\),\s*but it does \*\*not\*\*\s*>?\s*prove who produced them/);
  });

  it('is deterministic and escapes table cells', () => {
    const a = verifyMarkdown({ ...info, ephemeral: false });
    expect(verifyMarkdown({ ...info, ephemeral: false, files: [...info.files].reverse() })).toBe(a);
    expect(a).toContain('| `custom/` | folder; 1 file |');
    expect(a).toContain('| `evidence/` | raw evidence every claim in the report points at; 2 files (`evidence/raw/`: raw API responses');
  });
});
