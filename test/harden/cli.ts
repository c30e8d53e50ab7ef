import { execFile as execFileCb } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFile = promisify(execFileCb);
export const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
export const BIN = path.join(ROOT, 'bin', 'auditpack.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  // Set when the process was killed (e.g. SIGKILL by AUDITPACK_CRASH_AT).
  signal?: string;
}

// Runs the real CLI in a child process, as an operator would.
export async function cli(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await execFile(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; signal?: string | null };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '', ...(e.signal ? { signal: e.signal } : {}) };
  }
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `auditpack-${prefix}-`));
}

// Writes files (relative path → content) under dir.
export async function writeTree(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
}

// A small meshed cluster: one namespace with STRICT mTLS at the root and one workload.
export const SMALL_CLUSTER: Record<string, string> = {
  'namespaces.yaml': [
    'apiVersion: v1',
    'kind: Namespace',
    'metadata: {name: istio-system}',
    '---',
    'apiVersion: v1',
    'kind: Namespace',
    'metadata: {name: payments, labels: {istio-injection: enabled}}',
  ].join('\n'),
  'mesh.yaml': [
    'apiVersion: security.istio.io/v1',
    'kind: PeerAuthentication',
    'metadata: {name: default, namespace: istio-system}',
    'spec: {mtls: {mode: STRICT}}',
  ].join('\n'),
  'payments/deploy.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: api, namespace: payments}',
    'spec:',
    '  selector: {matchLabels: {app: api}}',
    '  template:',
    '    metadata: {labels: {app: api}}',
    '    spec: {containers: [{name: api, image: "example/api:1", ports: [{containerPort: 8080}]}]}',
  ].join('\n'),
};
