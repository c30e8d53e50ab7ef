import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { UsageError } from '../shared/errors.ts';
import { AuditpackConfig } from './schema.ts';

// Reads and validates auditpack.yaml. Every problem is listed with its path and line; relative
// paths in the file are resolved against the file's folder, not the working directory.
export async function loadConfig(file: string): Promise<AuditpackConfig> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError('CONFIG_INVALID', `Cannot read config ${file}: ${err.code === 'ENOENT' ? 'file not found' : err.message}`);
  });
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `  - ${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
    throw new UsageError('CONFIG_INVALID', `Config ${file} is not valid YAML:\n${lines.join('\n')}`);
  }
  const parsed = AuditpackConfig.safeParse(doc.toJS({ maxAliasCount: 50 }) ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const node = doc.getIn(i.path.map((k) => (typeof k === 'symbol' ? String(k) : k)), true) as { range?: [number, number, number] } | undefined;
      const at = node?.range ? `:${lineCounter.linePos(node.range[0]).line}` : '';
      const keys = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
      return `  - ${file}${at}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}${keys}`;
    });
    throw new UsageError('CONFIG_INVALID', `Config ${file} is invalid:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  const base = path.dirname(path.resolve(file));
  const resolve = (p: string): string => (path.isAbsolute(p) ? p : path.join(base, p));
  for (const s of config.targets?.snapshots ?? []) s.dir = resolve(s.dir);
  if (config.targets?.kubernetes?.kubeconfig) config.targets.kubernetes.kubeconfig = resolve(config.targets.kubernetes.kubeconfig);
  for (const c of config.targets?.consul ?? []) if (c.caFile) c.caFile = resolve(c.caFile);
  if (config.azure?.caFile) config.azure.caFile = resolve(config.azure.caFile);
  if (config.output?.dir) config.output.dir = resolve(config.output.dir);
  if (config.history) config.history = resolve(config.history);
  if (config.signing?.key) config.signing.key = resolve(config.signing.key);
  if (config.signing?.p12) config.signing.p12 = resolve(config.signing.p12);
  if (config.exceptions) config.exceptions = resolve(config.exceptions);
  if (config.attestations) config.attestations = resolve(config.attestations);
  return config;
}
