import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import type { CollectGcpResult } from '../../../src/collectors/gcp/collect.ts';
import type { FakeRequest } from './fake-gcp.ts';
import { FOLDER, PROJECT } from './gcp-objects.ts';
import { useCollectHarness } from './harness.ts';
import { CONSTRAINTS, IAM_PATH, LIST_PATH, ORG_IAM_PATH, PROJECT_PATH, denied, effectivePath, folderPath, installWorld } from './world.ts';

// deploy/gcp-custom-role.yaml and the README's Google Cloud roles hold exactly the permissions of the
// calls the collector makes, recorded at the fake server; a denied call's gap names its permission.

const Role = z.object({ title: z.string(), description: z.string(), stage: z.literal('GA'), includedPermissions: z.array(z.string()) });
const role = Role.parse(parse(readFileSync(new URL('../../../deploy/gcp-custom-role.yaml', import.meta.url), 'utf8')));

// Each REST method the fake serves, and the permission Google Cloud checks for it.
const PERMISSION_OF: readonly [RegExp, string][] = [
  [/^GET \/v2\/projects\/[^/]+\/policies\/[^/]+:getEffectivePolicy$/, 'orgpolicy.policy.get'],
  [/^GET \/v2\/projects\/[^/]+\/policies$/, 'orgpolicy.policies.list'],
  [/^GET \/v3\/projects\/[^/:]+$/, 'resourcemanager.projects.get'],
  [/^POST \/v3\/projects\/[^/]+:getIamPolicy$/, 'resourcemanager.projects.getIamPolicy'],
  [/^GET \/v3\/folders\/[0-9]+$/, 'resourcemanager.folders.get'],
  [/^POST \/v3\/folders\/[0-9]+:getIamPolicy$/, 'resourcemanager.folders.getIamPolicy'],
  [/^POST \/v3\/organizations\/[0-9]+:getIamPolicy$/, 'resourcemanager.organizations.getIamPolicy'],
];

function permissionOf(r: FakeRequest): string {
  const key = `${r.method} ${r.path}`;
  const hit = PERMISSION_OF.find(([re]) => re.test(key));
  if (!hit) throw new Error(`no permission known for ${key}`);
  return hit[1];
}

// The shared live-collection bench: fake server, real clients, a fresh evidence store per test.
const harness = useCollectHarness();
const fake = harness.fake;
const collect = (): Promise<CollectGcpResult> => harness.collect();

const PERMISSION = /\b(?:orgpolicy|resourcemanager)\.[a-z]+\.[A-Za-z]+\b/g;

describe('Google Cloud permissions', () => {
  it('deploy/gcp-custom-role.yaml holds every permission the collector needs, and nothing else', async () => {
    const { gaps } = await collect();
    expect(gaps).toEqual([]);
    const needed = [...new Set(fake.requests.map(permissionOf))].sort();
    expect(needed).toHaveLength(7);
    expect([...role.includedPermissions].sort()).toEqual(needed);
  });

  it('a denied call names its permission, and the permissions named are the role\'s', async () => {
    // Everything denied but the hierarchy walk, then the walk itself.
    const deny = (key: string, permission: string, resource: string): void => fake.on(key, () => denied(permission, resource));
    for (const c of CONSTRAINTS) deny(effectivePath(c), 'orgpolicy.policy.get', `projects/${PROJECT}`);
    deny(LIST_PATH, 'orgpolicy.policies.list', `projects/${PROJECT}`);
    deny(IAM_PATH, 'resourcemanager.projects.getIamPolicy', `projects/${PROJECT}`);
    for (const key of fake.routes.keys()) {
      const folder = /^POST \/v3\/(folders\/[0-9]+):getIamPolicy$/.exec(key)?.[1];
      if (folder) deny(key, 'resourcemanager.folders.getIamPolicy', folder);
    }
    deny(ORG_IAM_PATH, 'resourcemanager.organizations.getIamPolicy', ORG_IAM_PATH.slice('POST /v3/'.length, ORG_IAM_PATH.indexOf(':')));
    const first = await collect();
    fake.reset();
    installWorld(fake);
    deny(folderPath(FOLDER), 'resourcemanager.folders.get', `folders/${FOLDER}`);
    const second = await collect();
    fake.reset();
    installWorld(fake);
    deny(PROJECT_PATH, 'resourcemanager.projects.get', `projects/${PROJECT}`);
    const third = await collect();
    const gaps = [...first.gaps, ...second.gaps, ...third.gaps];
    expect(gaps.every((g) => g.reason === 'access-denied')).toBe(true);
    // The permission the gap tells the operator to grant (after "the caller needs").
    const named = new Set(gaps.map((g) => /the caller needs (\S+) on /.exec(g.message)?.[1]));
    expect([...named].sort()).toEqual([...role.includedPermissions].sort());
    for (const g of gaps) expect(g.message).toMatch(/granted by roles\/(orgpolicy\.policyViewer|iam\.securityReviewer|browser) on /);
  });

  it('the README lists exactly these permissions under GCP, with the roles that grant them', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('- **GCP**');
    const section = readme.slice(start, readme.indexOf('\nOne `auditpack run', start));
    expect(start).toBeGreaterThan(0);
    expect([...new Set(section.match(PERMISSION))].sort()).toEqual([...role.includedPermissions].sort());
    for (const r of ['roles/orgpolicy.policyViewer', 'roles/iam.securityReviewer', 'roles/browser', 'deploy/gcp-custom-role.yaml']) expect(section).toContain(r);
  });
});
