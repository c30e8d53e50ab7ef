import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gcpIamNoPrimitiveRoles } from '../../../src/checks/gcp/gcp-iam-no-primitive-roles.ts';
import { gcpIamNoPublicBindings } from '../../../src/checks/gcp/gcp-iam-no-public-bindings.ts';
import { gcpOrgpolicyConstraintsEnforced } from '../../../src/checks/gcp/gcp-orgpolicy-constraints-enforced.ts';
import { evaluateCheck } from '../../../src/checks/evaluate.ts';
import type { CheckResult } from '../../../src/checks/types.ts';
import { collectGcp, type GcpClients } from '../../../src/collectors/gcp/collect.ts';
import { EvidenceStore } from '../../../src/evidence/store.ts';
import type { EvidenceRecord } from '../../../src/evidence/types.ts';
import type { TargetInventory } from '../../../src/inventory/types.ts';
import { collectTargets } from '../../../src/pipeline/collect.ts';
import { loadEvidence } from '../../../src/pipeline/load-evidence.ts';
import { FakeGcp, clientsFor, closeClients } from './fake-gcp.ts';
import { FOLDER, ORGANIZATION, PROJECT, TOP_FOLDER, cleanFolderIamBody, cleanOrganizationIamBody, fixtureText, iamBody, projectBodyV1 } from './gcp-objects.ts';
import { CONSTRAINTS, LIST_PAGE_1, LIST_PAGE_2, ORG_IAM_PATH, PROJECT_PATH, effectiveBodies, folderIamPath, folderPath, hierarchyBodies, installWorld, topFolderIamBody } from './world.ts';

// Offline equivalence: the JSON that `gcloud … --format json` prints, saved in a snapshot folder,
// becomes the same evidence (kind, name, command) and the same check results as live collection.

const TARGET = 'acme-gcp';
const NOW = new Date('2026-11-22T12:00:00Z');
const CHECKS = [gcpOrgpolicyConstraintsEnforced, gcpIamNoPublicBindings, gcpIamNoPrimitiveRoles];

const fake = new FakeGcp();
let clients: GcpClients;
const dirs: string[] = [];

beforeAll(async () => {
  await fake.start();
  clients = clientsFor(fake.port);
});
afterAll(async () => {
  await closeClients(clients);
  await fake.stop();
});
beforeEach(() => {
  fake.reset();
  installWorld(fake);
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

interface Run {
  records: EvidenceRecord[];
  inventory: TargetInventory;
}

async function live(): Promise<Run> {
  const out = tempDir('auditpack-gcp-live-');
  const store = new EvidenceStore(out, () => NOW);
  await store.open();
  const { gaps } = await collectGcp({ target: TARGET, projectId: PROJECT, constraints: CONSTRAINTS, clients, store });
  await store.close();
  writeFileSync(
    join(out, 'evidence/targets.json'),
    JSON.stringify({ schemaVersion: 1, targets: [{ name: TARGET, source: 'kubernetes', location: 'gcp', files: 0, objects: store.records.length, gaps, notes: [] }] }),
  );
  const loaded = await loadEvidence(out);
  return { records: loaded.records, inventory: loaded.inventories[0] as TargetInventory };
}

async function offline(files: Record<string, unknown>): Promise<Run> {
  const snap = tempDir('auditpack-gcp-snap-');
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(dirname(join(snap, rel)), { recursive: true });
    writeFileSync(join(snap, rel), typeof body === 'string' ? body : `${JSON.stringify(body, null, 2)}\n`);
  }
  const out = tempDir('auditpack-gcp-offline-');
  await collectTargets({ snapshots: [{ dir: snap, name: TARGET }] }, out, () => NOW, () => undefined);
  const loaded = await loadEvidence(out);
  return { records: loaded.records, inventory: loaded.inventories[0] as TargetInventory };
}

function results(inv: TargetInventory): Omit<CheckResult, 'evidence'>[] {
  return CHECKS.flatMap((c) => evaluateCheck(c, inv, NOW)).map(({ evidence: _ids, ...r }) => r);
}

function identities(records: EvidenceRecord[]): string[] {
  return records.map((r) => `${r.kind} ${r.name} $ ${r.cli}`).sort();
}

// `gcloud resource-manager folders describe F --format json` reads Resource Manager v2: the same
// folder and parent as v3, with lifecycleState and without updateTime / etag.
function folderV2(folder: string, parent: string, displayName: string): Record<string, unknown> {
  return { createTime: '2023-06-01T08:00:00Z', displayName, lifecycleState: 'ACTIVE', name: `folders/${folder}`, parent };
}

// What gcloud prints for the same project, one file per command, under projects/<id>/, and for its
// folders and organization under folders/<number>/ and organizations/<number>/.
function gcloudFiles(): Record<string, unknown> {
  const dir = `gcp/projects/${PROJECT}`;
  return {
    // gcloud projects describe P --format json (Resource Manager v1: parent {type, id})
    [`${dir}/project.json`]: projectBodyV1({ type: 'folder', id: FOLDER }),
    // gcloud resource-manager folders describe F --format json
    [`gcp/folders/${FOLDER}/folder.json`]: folderV2(FOLDER, `folders/${TOP_FOLDER}`, 'payments'),
    [`gcp/folders/${TOP_FOLDER}/folder.json`]: folderV2(TOP_FOLDER, `organizations/${ORGANIZATION}`, 'production'),
    // gcloud resource-manager folders get-iam-policy F --format json
    [`gcp/folders/${FOLDER}/iam-policy.json`]: cleanFolderIamBody(),
    [`gcp/folders/${TOP_FOLDER}/iam-policy.json`]: topFolderIamBody(),
    // gcloud organizations get-iam-policy O --format json
    [`gcp/organizations/${ORGANIZATION}/iam-policy.json`]: cleanOrganizationIamBody(),
    // gcloud org-policies describe C --effective --project P --format json
    ...Object.fromEntries(Object.entries(effectiveBodies()).map(([c, body]) => [`${dir}/effective/${c}.json`, body])),
    // The ListPolicies REST body (curl), as the live collector stores it.
    [`${dir}/policies.json`]: { policies: [...LIST_PAGE_1, ...LIST_PAGE_2] },
    // gcloud projects get-iam-policy P --format json (the gcpdiag dump, byte for byte)
    [`${dir}/iam-policy.json`]: fixtureText('gcpdiag-gce3-iam-policy.json'),
  };
}

describe('gcloud JSON in a snapshot folder', () => {
  it('gives the same evidence identities and the same check results as live collection', async () => {
    const [a, b] = [await live(), await offline(gcloudFiles())];
    expect(identities(b.records)).toEqual(identities(a.records));
    expect(b.records.every((r) => r.source.type === 'snapshot')).toBe(true);
    expect(b.inventory.gaps).toEqual([]);
    expect(b.inventory.ignored).toEqual([]);
    const offlineResults = results(b.inventory);
    expect(offlineResults).toEqual(results(a.inventory));
    expect(offlineResults.map((r) => r.status)).toContain('fail');
  });

  it('v1 `gcloud resource-manager org-policies describe --effective` and `gcloud org-policies list` rows', async () => {
    const files = gcloudFiles();
    delete files[`gcp/projects/${PROJECT}/effective/compute.requireOsLogin.json`];
    delete files[`gcp/projects/${PROJECT}/policies.json`];
    const run = await offline({
      ...files,
      // gcpdiag's dump of the v1 effective policy: booleanPolicy {} (not enforced).
      [`gcp/projects/${PROJECT}/org-constraint-compute.requireOsLogin.json`]: fixtureText('gcpdiag-gce3-effective-requireOsLogin.v1.json'),
      [`gcp/projects/${PROJECT}/org-policies-list.json`]: [
        { constraint: 'compute.requireOsLogin', listPolicy: '-', booleanPolicy: 'LIVE_AND_DRY_RUN_SET', etag: 'CJLvp74GEKD0gK8B' },
        { constraint: 'compute.vmExternalIpAccess', listPolicy: 'SET', booleanPolicy: '-', etag: 'CNmNp74GEPCmnzw=' },
      ],
    });
    const byName = (name: string): EvidenceRecord | undefined => run.records.find((r) => r.name === name);
    expect(byName(`gcp/projects/${PROJECT}/policies/compute.requireOsLogin`)?.cli).toBe(
      `gcloud resource-manager org-policies describe compute.requireOsLogin --effective --project ${PROJECT} --format json`,
    );
    expect(byName(`gcp/projects/${PROJECT}/policies`)?.cli).toBe(`gcloud org-policies list --project ${PROJECT} --format json`);
    expect(byName(`gcp/projects/${PROJECT}/policies`)?.kind).toBe('GcpPolicyList');
    const osLogin = results(run.inventory).find((r) => r.resource.name === `projects/${PROJECT}/policies/compute.requireOsLogin`);
    expect(osLogin?.status).toBe('fail');
    expect(osLogin?.messageId).toBe('dryRunOnly');
    expect(osLogin?.message).toContain('booleanPolicy is {} (enforced is absent, which means false)');
    expect(osLogin?.message).toContain('gcloud org-policies list shows booleanPolicy LIVE_AND_DRY_RUN_SET');
  });

  it('a policy set on the project (it has an etag) is not taken for the effective policy', async () => {
    const files = gcloudFiles();
    files[`gcp/projects/${PROJECT}/effective/compute.requireOsLogin.json`] = LIST_PAGE_1[0];
    const run = await offline(files);
    expect(run.records.some((r) => r.name === `gcp/projects/${PROJECT}/policies/compute.requireOsLogin`)).toBe(false);
    const osLogin = results(run.inventory).find((r) => r.resource.name === `projects/${PROJECT}/policies/compute.requireOsLogin`);
    expect(osLogin?.status).toBe('error');
    expect(osLogin?.messageId).toBe('evidenceMissing');
  });

  it('the Resource Manager v3 bodies (as the REST API and the live collector store them) give the same results too', async () => {
    const bodies = hierarchyBodies();
    const files = gcloudFiles();
    files[`gcp/projects/${PROJECT}/project.json`] = bodies[PROJECT_PATH];
    files[`gcp/folders/${FOLDER}/folder.json`] = bodies[folderPath(FOLDER)];
    files[`gcp/folders/${TOP_FOLDER}/folder.json`] = bodies[folderPath(TOP_FOLDER)];
    const [a, b] = [await live(), await offline(files)];
    expect(identities(b.records)).toEqual(identities(a.records));
    expect(b.inventory.gaps).toEqual([]);
    expect(results(b.inventory)).toEqual(results(a.inventory));
    expect(bodies[folderIamPath(FOLDER)]).toEqual(files[`gcp/folders/${FOLDER}/iam-policy.json`]);
    expect(bodies[ORG_IAM_PATH]).toEqual(files[`gcp/organizations/${ORGANIZATION}/iam-policy.json`]);
  });

  it('an inherited grant and a denied level read offline as they do live', async () => {
    const files = gcloudFiles();
    files[`gcp/organizations/${ORGANIZATION}/iam-policy.json`] = iamBody([{ role: 'roles/owner', members: ['user:cto@acme.example'] }]);
    files[`gcp/folders/${FOLDER}/iam-policy.json`] = {
      error: { code: 403, message: `Permission 'resourcemanager.folders.getIamPolicy' denied on resource '//cloudresourcemanager.googleapis.com/folders/${FOLDER}' (or it may not exist).`, status: 'PERMISSION_DENIED' },
    };
    const run = await offline(files);
    const iam = results(run.inventory).filter((r) => r.check !== 'gcp-orgpolicy-constraints-enforced');
    expect(iam.filter((r) => r.resource.name.includes('(granted on')).map((r) => `${r.check} ${r.status} ${r.resource.name}`)).toEqual([
      `gcp-iam-no-primitive-roles fail projects/${PROJECT} roles/owner user:cto@acme.example (granted on organizations/${ORGANIZATION})`,
    ]);
    expect(iam.filter((r) => r.resource.kind === 'IamPolicy').map((r) => `${r.check} ${r.status} ${r.messageId} ${String(r.data.nodes)}`)).toEqual([
      `gcp-iam-no-public-bindings error inheritedUnjudged folders/${FOLDER}`,
      `gcp-iam-no-primitive-roles error inheritedUnjudged folders/${FOLDER}`,
    ]);
  });

  it('an export without the project description (or a folder) cannot pass the IAM checks', async () => {
    const files = gcloudFiles();
    delete files[`gcp/projects/${PROJECT}/project.json`];
    const run = await offline(files);
    const publicBindings = results(run.inventory).filter((r) => r.check === 'gcp-iam-no-public-bindings');
    expect(publicBindings.map((r) => `${r.status}:${r.messageId}`)).toEqual(['error:inheritedUnjudged']);
    expect(publicBindings[0]?.message).toContain('no projects.get answer');

    const noFolder = gcloudFiles();
    delete noFolder[`gcp/folders/${TOP_FOLDER}/folder.json`];
    const partial = results((await offline(noFolder)).inventory).filter((r) => r.check === 'gcp-iam-no-public-bindings');
    expect(partial.map((r) => `${r.status}:${r.messageId}`)).toEqual(['error:inheritedUnjudged']);
    expect(partial[0]?.message).toContain(`the parent of folders/${TOP_FOLDER} is not in the evidence (no folders.get answer)`);
  });

  it('project, folder and organization IAM policies are told apart by the folder they are saved in', async () => {
    const run = await offline({
      [`gcp/projects/${PROJECT}/iam-policy.json`]: fixtureText('gcpdiag-fw-policy-iam-policy.json'),
      [`gcp/folders/${FOLDER}/iam-policy.json`]: fixtureText('gcpdiag-gce3-iam-policy.json'),
      [`gcp/organizations/${ORGANIZATION}/iam-policy.json`]: fixtureText('gcpdiag-gce3-iam-policy.json'),
    });
    expect(run.records.map((r) => `${r.kind} ${r.name} $ ${r.cli}`).sort()).toEqual([
      `GcpFolderIamPolicy gcp/folders/${FOLDER}/iamPolicy $ gcloud resource-manager folders get-iam-policy ${FOLDER} --format json`,
      `GcpIamPolicy gcp/projects/${PROJECT}/iamPolicy $ gcloud projects get-iam-policy ${PROJECT} --format json`,
      `GcpOrganizationIamPolicy gcp/organizations/${ORGANIZATION}/iamPolicy $ gcloud organizations get-iam-policy ${ORGANIZATION} --format json`,
    ]);
    // Without the project's parent link the folder and organization policies are not known to apply:
    // the project's own failures stand, and its summary is an error, never a pass.
    expect(results(run.inventory).filter((r) => r.check === 'gcp-iam-no-primitive-roles').map((r) => `${r.status}:${r.messageId}`)).toEqual([
      'fail:defaultServiceAccount',
      'fail:primitiveRole',
      'error:inheritedUnjudged',
    ]);
  });
});
