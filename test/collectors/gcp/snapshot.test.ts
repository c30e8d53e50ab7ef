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
import { PROJECT, fixtureText } from './gcp-objects.ts';
import { CONSTRAINTS, LIST_PAGE_1, LIST_PAGE_2, effectiveBodies, installWorld } from './world.ts';

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

// What gcloud prints for the same project, one file per command, under projects/<id>/.
function gcloudFiles(): Record<string, unknown> {
  const dir = `gcp/projects/${PROJECT}`;
  return {
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

  it('the IAM policy of a project and of an organization: only the project one is recognised', async () => {
    const run = await offline({
      [`gcp/projects/${PROJECT}/iam-policy.json`]: fixtureText('gcpdiag-fw-policy-iam-policy.json'),
      'gcp/organizations/123456789012/iam-policy.json': fixtureText('gcpdiag-gce3-iam-policy.json'),
    });
    expect(run.records.map((r) => r.name)).toEqual([`gcp/projects/${PROJECT}/iamPolicy`]);
    expect(results(run.inventory).filter((r) => r.check === 'gcp-iam-no-primitive-roles').map((r) => `${r.status}:${r.messageId}`)).toEqual([
      'fail:defaultServiceAccount',
      'fail:primitiveRole',
    ]);
  });
});
