import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { type Catalog, edgeChecks } from '../controls/schema.ts';
import { at, instant, invalid, lineOf, parseWith, readYamlFile, type YamlFile } from '../exceptions/yaml-file.ts';
import { AttestationsFile } from './schema.ts';
import type { AttestationRule, AttestationSource } from './types.ts';

const WHAT = 'attestations file';
// Attachments are evidence documents (policies, minutes, screenshots), not data dumps.
export const MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024;
export const ATTESTATIONS_DIR = 'attestations';

export async function loadAttestations(file: string, catalogs: readonly Catalog[]): Promise<AttestationRule[]> {
  return attestationsFrom(await readYamlFile(file, WHAT), catalogs);
}

// Validates every entry: the control exists and is not decided by checks alone (an attestation
// never overrides a check's verdict), one entry per control, every attachment is a readable file.
export async function attestationsFrom(y: YamlFile, catalogs: readonly Catalog[]): Promise<AttestationRule[]> {
  const parsed = parseWith(y, AttestationsFile, WHAT);
  const base = path.dirname(path.resolve(y.file));
  const issues: string[] = [];
  const seen = new Set<string>();
  const rules: AttestationRule[] = [];
  for (const [i, e] of parsed.attestations.entries()) {
    const where = (...p: PropertyKey[]): string => `${at(y, ['attestations', i, ...p])}: attestations.${[i, ...p].map(String).join('.')}`;
    const catalog = catalogs.find((c) => c.framework === e.framework);
    const control = catalog?.controls.find((c) => c.id === e.control);
    if (!control) issues.push(`${where('control')}: unknown control "${e.control}" in framework ${e.framework}`);
    else if (control.evidence === 'automated') {
      issues.push(`${where('control')}: ${e.framework} ${e.control} is decided by automated checks (${edgeChecks(control, 'satisfies').join(', ')}); only partial and manual controls can be attested`);
    }
    const key = `${e.framework}:${e.control}`;
    if (seen.has(key)) issues.push(`${where('control')}: a second attestation for ${key}; keep one entry per control (replace it when renewing)`);
    seen.add(key);
    const attestedAtInstant = instant(e.attestedAt, 'start');
    const validUntilInstant = instant(e.validUntil, 'end');
    if (validUntilInstant.getTime() <= attestedAtInstant.getTime()) issues.push(`${where('validUntil')}: validUntil must be after attestedAt`);

    const attachments: AttestationSource[] = [];
    const dir = `${ATTESTATIONS_DIR}/${safeName(e.framework)}/${safeName(e.control)}`;
    for (const [j, rel] of e.attachments.entries()) {
      const file = path.resolve(base, rel);
      const escape = await attachmentEscape(base, rel);
      if (escape !== undefined) {
        issues.push(`${where('attachments', j)}: attachment ${JSON.stringify(rel)} ${escape}; attachments must be regular files inside ${base}`);
        continue;
      }
      const s = await lstat(file).catch((err: NodeJS.ErrnoException) => err);
      if (s instanceof Error) {
        issues.push(`${where('attachments', j)}: attachment ${rel} ${s.code === 'ENOENT' ? 'does not exist' : `cannot be read (${s.code ?? s.message})`} (looked for ${file})`);
        continue;
      }
      if (!s.isFile()) {
        issues.push(`${where('attachments', j)}: attachment ${rel} is not a regular file`);
        continue;
      }
      if (s.size > MAX_ATTACHMENT_BYTES) {
        issues.push(`${where('attachments', j)}: attachment ${rel} is larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MiB`);
        continue;
      }
      const bundlePath = `${dir}/${safeName(path.basename(file))}`;
      if (attachments.some((a) => a.path === bundlePath)) {
        issues.push(`${where('attachments', j)}: two attachments of ${key} share the file name ${path.basename(file)}`);
        continue;
      }
      const digest = await sha256File(file).catch((err: Error) => err);
      if (digest instanceof Error) {
        issues.push(`${where('attachments', j)}: attachment ${rel} cannot be read (${digest.message})`);
        continue;
      }
      attachments.push({ file, path: bundlePath, sha256: digest.sha256, size: digest.size });
    }
    rules.push({
      framework: e.framework,
      control: e.control,
      statement: e.statement,
      attestedBy: e.attestedBy,
      attestedAt: e.attestedAt,
      validUntil: e.validUntil,
      attestedAtInstant,
      validUntilInstant,
      attachments,
      file: path.basename(y.file),
      line: lineOf(y, ['attestations', i]) ?? 0,
    });
  }
  if (issues.length > 0) throw invalid(WHAT, y.file, 'has invalid entries', issues);
  return rules;
}

// Why an attachment path may not be copied into a signed bundle, or undefined when it names a
// file inside the attestations file's folder with no symlink on the way (a symlink could point at
// the signing key or /etc/passwd). A missing file is reported by the caller.
async function attachmentEscape(base: string, rel: string): Promise<string | undefined> {
  if (path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) return 'is an absolute path';
  const file = path.resolve(base, rel);
  const inside = path.relative(base, file);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return 'resolves outside the attestations file\'s folder';
  const realBase = await realpath(base).catch(() => base);
  let current = realBase;
  for (const segment of inside.split(path.sep)) {
    current = path.join(current, segment);
    const s = await lstat(current).catch(() => undefined);
    if (s === undefined) return undefined;
    if (s.isSymbolicLink()) return `goes through a symlink (${path.relative(realBase, current)})`;
  }
  return undefined;
}

// Bundle file names: letters, digits, . _ - only, so they pass the manifest's path rules on every OS.
export function safeName(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_').slice(0, 120);
  return cleaned === '' ? '_' : cleaned;
}

export async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Buffer;
    size += bytes.byteLength;
    hash.update(bytes);
  }
  return { sha256: hash.digest('hex'), size };
}
