import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

// Where a target's evidence came from, recorded per target in evidence/targets.json and shown in
// findings.json and the report: the live cluster's identity, the cloud account, or the snapshot
// folder with each file's sha256 and export time. A snapshot never passes for live output.

/** Written by scripts/export-snapshot.sh at the snapshot root: the export time, ISO 8601, one line. */
export const COLLECTED_AT_FILE = 'collected-at';
/** Written by scripts/export-snapshot.sh: the cluster identity as JSON (no .json suffix, so it is not read as evidence). */
export const CLUSTER_IDENTITY_FILE = 'cluster-identity';

export const ClusterIdentity = z.strictObject({
  // API server URL without credentials.
  server: z.string(),
  kubeSystemUid: z.string().optional(),
  serverVersion: z.string().optional(),
  context: z.string().optional(),
  // Why a part could not be read (a denied GET), so its absence is explained, not silent.
  unavailable: z.array(z.string()).optional(),
});
export type ClusterIdentity = z.infer<typeof ClusterIdentity>;

export const ExportedAtSource = z.enum(['collected-at-file', 'file-mtime']);
export type ExportedAtSource = z.infer<typeof ExportedAtSource>;

export const SnapshotFileProvenance = z.strictObject({
  path: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  exportedAt: z.string(),
  exportedAtSource: ExportedAtSource,
});
export type SnapshotFileProvenance = z.infer<typeof SnapshotFileProvenance>;

export const TargetProvenance = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('snapshot'),
    // The folder's name only: absolute local paths never reach the bundle.
    folder: z.string(),
    // What the export script recorded, when the folder has it (declared by the exporter, not re-checked).
    declaredCluster: ClusterIdentity.optional(),
    files: z.array(SnapshotFileProvenance),
  }),
  z.strictObject({ type: z.literal('kubernetes'), cluster: ClusterIdentity }),
  z.strictObject({ type: z.literal('cloud'), provider: z.enum(['aws', 'azure', 'gcp']), scope: z.enum(['account', 'subscription', 'project']), id: z.string() }),
]);
export type TargetProvenance = z.infer<typeof TargetProvenance>;

// Strips user:password from a URL (kubeconfig servers rarely carry them, but never print them).
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

// Reads the snapshot's provenance: each evidence file's sha256 and its export time, from the
// collected-at file the export script writes or else the file's mtime (labelled as such).
export async function snapshotProvenance(root: string, files: readonly string[]): Promise<Extract<TargetProvenance, { type: 'snapshot' }>> {
  const collectedAt = await readCollectedAt(root);
  const declaredCluster = await readDeclaredCluster(root);
  const out: SnapshotFileProvenance[] = [];
  for (const rel of files) {
    const abs = path.join(root, ...rel.split('/'));
    const bytes = await readFile(abs);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const exportedAt = collectedAt ?? (await lstat(abs)).mtime.toISOString();
    out.push({ path: rel, sha256, exportedAt, exportedAtSource: collectedAt ? 'collected-at-file' : 'file-mtime' });
  }
  return { type: 'snapshot', folder: path.basename(root), ...(declaredCluster ? { declaredCluster } : {}), files: out };
}

async function readCollectedAt(root: string): Promise<string | undefined> {
  const text = await readFile(path.join(root, COLLECTED_AT_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const line = text.trim();
  const ms = Date.parse(line);
  return /^\d{4}-\d\d-\d\dT/.test(line) && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

async function readDeclaredCluster(root: string): Promise<ClusterIdentity | undefined> {
  const text = await readFile(path.join(root, CLUSTER_IDENTITY_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = ClusterIdentity.safeParse(JSON.parse(text));
    return parsed.success ? { ...parsed.data, server: withoutCredentials(parsed.data.server) } : undefined;
  } catch {
    return undefined;
  }
}

// One line naming a cluster, for transcripts and tables.
export function describeCluster(c: ClusterIdentity): string {
  return [
    `API server ${c.server}`,
    c.kubeSystemUid ? `kube-system uid ${c.kubeSystemUid}` : undefined,
    c.serverVersion ? `version ${c.serverVersion}` : undefined,
    c.context ? `context ${c.context}` : undefined,
    c.unavailable && c.unavailable.length > 0 ? `not read: ${c.unavailable.join('; ')}` : undefined,
  ]
    .filter((p) => p !== undefined)
    .join(', ');
}

// One line naming where a target's evidence came from.
export function describeProvenance(p: TargetProvenance): string {
  switch (p.type) {
    case 'kubernetes':
      return `live cluster: ${describeCluster(p.cluster)}`;
    case 'cloud':
      return `live ${p.provider.toUpperCase()} ${p.scope} ${p.id}`;
    case 'snapshot': {
      const times = [...new Set(p.files.map((f) => `${f.exportedAt} (${f.exportedAtSource === 'collected-at-file' ? 'collected-at file' : 'file mtime'})`))];
      const when = times.length === 1 ? `exported at ${times[0] ?? ''}` : `exported between ${times.length} times`;
      return `snapshot folder ${p.folder}: ${p.files.length} file(s), ${when}${p.declaredCluster ? `; the export names ${describeCluster(p.declaredCluster)}` : ''}`;
    }
  }
}
