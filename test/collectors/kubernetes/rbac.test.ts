import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KUBE_RESOURCES } from '../../../src/collectors/kubernetes/index.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.ts';
import { ROOT, generatedCluster, loadManifests } from './fixtures.ts';
import { collectFrom } from './helpers.ts';
import { discoveryAllows, loadRbac, rbacProblems, rulesAllow, type PolicyRule } from './rbac.ts';

const servers: FakeApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function readerRules(): Promise<PolicyRule[]> {
  const rbac = await loadRbac();
  const role = rbac.clusterRoles.find((r) => r.metadata.name === 'auditpack-reader');
  if (!role) throw new Error('deploy/rbac.yaml has no ClusterRole auditpack-reader');
  return role.rules;
}

describe('deploy/rbac.yaml against the collector resource list', () => {
  it('holds a ServiceAccount, the auditpack-reader ClusterRole and a ClusterRoleBinding that ties them', async () => {
    const rbac = await loadRbac();

    expect(rbac.kinds).toEqual(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']);
    const sa = rbac.serviceAccounts[0];
    const binding = rbac.bindings[0];
    expect(binding?.roleRef.name).toBe('auditpack-reader');
    expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: sa?.metadata.name, namespace: sa?.metadata.namespace }]);
  });

  it('grants get and list on exactly the resources the collector reads: no secrets, no wildcards, no write verbs', async () => {
    const rules = await readerRules();

    expect(rbacProblems(rules, KUBE_RESOURCES)).toEqual([]);
    expect(KUBE_RESOURCES.some((r) => r.plural === 'secrets')).toBe(false);
  });

  it('the check fails when the role drifts from the collector in either direction', async () => {
    const rules = await readerRules();
    const withoutPa = rules.map((r) => ({ ...r, resources: (r.resources ?? []).filter((x) => x !== 'peerauthentications') }));
    const cases: [string, PolicyRule[], RegExp][] = [
      ['a resource the collector needs is missing', withoutPa, /^missing: list peerauthentications\.security\.istio\.io$/],
      ['secrets', [...rules, { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }], /grants secrets/],
      ['a wildcard', [...rules, { apiGroups: ['*'], resources: ['*'], verbs: ['list'] }], /wildcard/],
      ['a write verb', rules.map((r, i) => (i === 0 ? { ...r, verbs: [...r.verbs, 'patch'] } : r)), /verb "patch" is not read-only/],
      ['watch', rules.map((r, i) => (i === 0 ? { ...r, verbs: [...r.verbs, 'watch'] } : r)), /verb "watch"/],
      ['an unneeded resource', [...rules, { apiGroups: ['networking.istio.io'], resources: ['virtualservices'], verbs: ['get', 'list'] }], /grants virtualservices\.networking\.istio\.io, which the collector does not read/],
    ];

    for (const [what, mutated, expected] of cases) {
      const problems = rbacProblems(mutated, KUBE_RESOURCES);
      expect(problems.some((p) => expected.test(p)), `${what}: ${problems.join('; ')}`).toBe(true);
    }
    // And when the collector starts reading something the role does not grant.
    expect(rbacProblems(rules, [...KUBE_RESOURCES, { group: '', versions: ['v1'], plural: 'secrets', kind: 'Secret', namespaced: true }])).toContain('missing: list secrets');
  });

  it('every request of a full collection is allowed by the ClusterRole (or by system:discovery), with the fake server enforcing it', async () => {
    const rules = await readerRules();
    const objects = [
      ...(await loadManifests(path.join(ROOT, 'demo/environment/prod-eu'))),
      ...(await loadManifests(path.join(ROOT, 'test/fixtures/upstream/linkerd'))),
      ...(await loadManifests(path.join(ROOT, 'test/fixtures/upstream/consul'))),
      ...generatedCluster(2, 3),
    ];
    const server = await startFakeApiServer({ objects, authorize: (info) => rulesAllow(rules, info) });
    servers.push(server);

    const { result, objects: collected } = await collectFrom(server, { pageSize: 2 });

    expect(result.gaps).toEqual([]);
    expect(collected.length).toBeGreaterThan(50);
    expect(server.requests.length).toBeGreaterThan(KUBE_RESOURCES.length);
    const denied = server.requests.filter((r) => r.method !== 'GET' || !(r.info.resource ? rulesAllow(rules, r.info) : discoveryAllows(r.info)));
    expect(denied.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    // Every resource request is a cluster-wide list (no per-namespace fan-out, no get by name).
    expect(server.requests.filter((r) => r.info.resource).every((r) => r.info.resource && r.info.verb === 'list' && r.info.namespace === undefined)).toBe(true);
  });

  it('names the permission to add when the cluster runs a narrower role', async () => {
    const rules = (await readerRules()).map((r) => ({ ...r, resources: (r.resources ?? []).filter((x) => x !== 'peerauthentications' && x !== 'configmaps') }));
    const server = await startFakeApiServer({ objects: await loadManifests(path.join(ROOT, 'demo/environment/prod-eu')), authorize: (info) => rulesAllow(rules, info) });
    servers.push(server);

    const { result } = await collectFrom(server);

    expect(result.gaps.map((g) => g.message)).toEqual([
      'missing RBAC permission: list configmaps (cluster-wide)',
      'missing RBAC permission: list peerauthentications.security.istio.io (cluster-wide)',
    ]);
  });
});
