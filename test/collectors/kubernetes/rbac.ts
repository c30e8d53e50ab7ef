import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import type { KubeResource } from '../../../src/collectors/kubernetes/index.ts';
import type { RequestInfo } from './fake-apiserver.ts';
import { ROOT } from './fixtures.ts';

export const RBAC_FILE = path.join(ROOT, 'deploy', 'rbac.yaml');

export const PolicyRule = z.strictObject({
  apiGroups: z.array(z.string()).optional(),
  resources: z.array(z.string()).optional(),
  verbs: z.array(z.string()).min(1),
  resourceNames: z.array(z.string()).optional(),
  nonResourceURLs: z.array(z.string()).optional(),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

const Meta = z.looseObject({ name: z.string(), namespace: z.string().optional() });
const ServiceAccount = z.looseObject({ apiVersion: z.literal('v1'), kind: z.literal('ServiceAccount'), metadata: Meta });
const ClusterRole = z.looseObject({ apiVersion: z.literal('rbac.authorization.k8s.io/v1'), kind: z.literal('ClusterRole'), metadata: Meta, rules: z.array(PolicyRule) });
const ClusterRoleBinding = z.looseObject({
  apiVersion: z.literal('rbac.authorization.k8s.io/v1'),
  kind: z.literal('ClusterRoleBinding'),
  metadata: Meta,
  roleRef: z.strictObject({ apiGroup: z.literal('rbac.authorization.k8s.io'), kind: z.literal('ClusterRole'), name: z.string() }),
  subjects: z.array(z.looseObject({ kind: z.string(), name: z.string(), namespace: z.string().optional() })),
});

export interface RbacManifest {
  serviceAccounts: z.infer<typeof ServiceAccount>[];
  clusterRoles: z.infer<typeof ClusterRole>[];
  bindings: z.infer<typeof ClusterRoleBinding>[];
  kinds: string[];
}

export async function loadRbac(file = RBAC_FILE): Promise<RbacManifest> {
  const out: RbacManifest = { serviceAccounts: [], clusterRoles: [], bindings: [], kinds: [] };
  for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
    const value = doc.toJS() as { kind?: unknown } | null;
    if (value === null) continue;
    out.kinds.push(String(value.kind));
    if (value.kind === 'ServiceAccount') out.serviceAccounts.push(ServiceAccount.parse(value));
    else if (value.kind === 'ClusterRole') out.clusterRoles.push(ClusterRole.parse(value));
    else if (value.kind === 'ClusterRoleBinding') out.bindings.push(ClusterRoleBinding.parse(value));
  }
  return out;
}

// The built-in system:discovery ClusterRole, bound to system:authenticated (Kubernetes ≥ 1.14).
export const SYSTEM_DISCOVERY_URLS = ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'];

function urlMatches(pattern: string, p: string): boolean {
  return pattern.endsWith('*') ? p.startsWith(pattern.slice(0, -1)) : p === pattern;
}

const has = (list: readonly string[] | undefined, v: string): boolean => (list ?? []).includes(v) || (list ?? []).includes('*');

// RBAC's own matching (rbac/v1 PolicyRule semantics), wildcards included.
export function rulesAllow(rules: readonly PolicyRule[], info: RequestInfo): boolean {
  if (!info.resource) return rules.some((r) => (r.nonResourceURLs ?? []).some((u) => urlMatches(u, info.path)) && has(r.verbs, info.verb));
  return rules.some(
    (r) =>
      has(r.apiGroups, info.group) &&
      has(r.resources, info.plural) &&
      has(r.verbs, info.verb) &&
      (r.resourceNames === undefined || r.resourceNames.length === 0 || (info.name !== undefined && r.resourceNames.includes(info.name))),
  );
}

export function discoveryAllows(info: RequestInfo): boolean {
  return !info.resource && SYSTEM_DISCOVERY_URLS.some((u) => urlMatches(u, info.path));
}

const READ_VERBS = new Set(['get', 'list']);

// Why a ClusterRole does not fit the collector: a resource it needs is not granted, or the role
// grants more than it needs (other resources, secrets, wildcards, write verbs, non-resource URLs).
export function rbacProblems(rules: readonly PolicyRule[], resources: readonly KubeResource[]): string[] {
  const problems: string[] = [];
  for (const r of resources) {
    for (const verb of ['list', 'get'] as const) {
      if (!rulesAllow(rules, { resource: true, verb, group: r.group, version: r.versions[0] ?? 'v1', plural: r.plural })) {
        problems.push(`missing: ${verb} ${r.group ? `${r.plural}.${r.group}` : r.plural}`);
      }
    }
  }
  const needed = new Set(resources.map((r) => `${r.group}/${r.plural}`));
  for (const [i, rule] of rules.entries()) {
    const where = `rule ${i + 1}`;
    for (const v of rule.verbs) if (!READ_VERBS.has(v)) problems.push(`${where}: verb "${v}" is not read-only get/list`);
    for (const list of [rule.apiGroups ?? [], rule.resources ?? [], rule.verbs]) if (list.some((x) => x.includes('*'))) problems.push(`${where}: wildcard`);
    if (rule.nonResourceURLs) problems.push(`${where}: nonResourceURLs are not needed (system:discovery grants discovery)`);
    if (rule.resourceNames) problems.push(`${where}: resourceNames`);
    if ((rule.resources ?? []).some((res) => res === 'secrets' || res.startsWith('secrets/'))) problems.push(`${where}: grants secrets`);
    for (const g of rule.apiGroups ?? []) {
      for (const res of rule.resources ?? []) {
        if (!needed.has(`${g}/${res}`) && !res.includes('*')) problems.push(`${where}: grants ${g ? `${res}.${g}` : res}, which the collector does not read`);
      }
    }
  }
  return problems;
}
