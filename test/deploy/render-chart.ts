import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Chart, type Context } from './go-template.ts';

export const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
export const CHART_DIR = path.join(ROOT, 'deploy', 'helm', 'auditpack');

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// helm's -f / --set: maps merge deeply, everything else replaces.
export function mergeValues(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeValues(base[k], v);
  return out;
}

export function defaultValues(): Record<string, unknown> {
  return parse(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
}

export function renderChart(overrides: unknown = {}, release = { Name: 'auditpack', Namespace: 'auditpack' }): { text: string; objects: K8sObject[] } {
  const chartMeta = parse(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const chart = new Chart();
  const dir = path.join(CHART_DIR, 'templates');
  chart.addHelpers(readFileSync(path.join(dir, '_helpers.tpl'), 'utf8'), 'templates/_helpers.tpl');
  const ctx: Context = {
    Values: mergeValues(defaultValues(), overrides),
    Release: { ...release, Service: 'Helm' },
    Chart: { Name: chartMeta.name, Version: chartMeta.version, AppVersion: chartMeta.appVersion },
  };
  const parts: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const text = chart.render(readFileSync(path.join(dir, file), 'utf8'), `templates/${file}`, ctx);
    if (text.trim() !== '') parts.push(`---\n# Source: auditpack/templates/${file}\n${text.replace(/^\n+/, '')}`);
  }
  const text = parts.join('\n');
  return { text, objects: parseManifests(text, 'rendered chart') };
}

export function parseManifests(text: string, what: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${what}: ${doc.errors[0]?.message ?? ''}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isObject(value) || typeof value.kind !== 'string') throw new Error(`${what}: a document is not a Kubernetes object`);
    objects.push(value as K8sObject);
  }
  return objects;
}
