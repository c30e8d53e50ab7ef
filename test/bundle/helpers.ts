import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../../src/bundle/files.ts';
import { Manifest, serializeManifest, type BundleMeta } from '../../src/bundle/manifest.ts';
import type { Signer } from '../../src/bundle/signer.ts';

export const META: BundleMeta = {
  tool: { name: 'auditpack', version: '0.1.0' },
  runId: 'run-2026-11-22T120000Z',
  createdAt: '2026-11-22T12:00:00Z',
};

// Registers an afterEach that removes every temp dir made by the returned function.
export function useTempDirs(): (prefix?: string) => Promise<string> {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  return async (prefix = 'auditpack-bundle-') => {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

// A realistic run folder: what the pipeline writes before signing (every file non-empty).
export const SAMPLE_FILES: Readonly<Record<string, string>> = {
  'run.json': '{"id":"run-2026-11-22T120000Z","targets":["prod-eu"]}\n',
  'findings.json': '{"schemaVersion":1,"results":[]}\n',
  'findings.csv': 'check,status\nistio-mtls-strict,pass\n',
  'report.html': '<!doctype html><title>report</title><p>ok</p>\n',
  'oscal/assessment-results.json': '{"assessment-results":{}}\n',
  'evidence/index.jsonl': '{"id":"ev-1","sha256":"x"}\n',
  'evidence/raw/x.json': '{"kind":"PeerAuthentication","spec":{"mtls":{"mode":"STRICT"}}}\n',
  'evidence/cli/ev-1.txt': 'kubectl get peerauthentication -A -o json\n',
  'name with spaces.txt': 'spaces are fine\n',
};

export async function writeSampleRun(dir: string): Promise<void> {
  for (const [rel, text] of Object.entries(SAMPLE_FILES)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
}

export async function copyDir(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true, verbatimSymlinks: true });
}

export async function readManifest(dir: string): Promise<Manifest> {
  return Manifest.parse(JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')));
}

// Rewrites manifest.json with `mutate` applied and signs it again with `signer`, so a test can
// reach the checks behind a valid signature (paths, duplicates) without a SIGNATURE_INVALID.
export async function resignManifest(dir: string, signer: Signer, mutate: (m: Manifest) => Manifest): Promise<void> {
  const bytes = serializeManifest(mutate(await readManifest(dir)));
  await writeFile(path.join(dir, MANIFEST_FILE), bytes);
  await writeFile(path.join(dir, SIGNATURE_FILE), await signer.sign(bytes));
}

export async function flipFirstByte(file: string): Promise<void> {
  const bytes = await readFile(file);
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  await writeFile(file, bytes);
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: readonly string[], cwd?: string): RunResult {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function bash(script: string, cwd: string): RunResult {
  return run('bash', ['-c', script], cwd);
}

// Awaits a promise that must reject with an instance of `type` carrying `code`; returns the error.
export async function expectRejectsWithCode<E extends Error & { code: string }>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  code: E['code'],
): Promise<E> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  expect((err as E).code).toBe(code);
  return err as E;
}
