import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gcpIamNoPrimitiveRoles } from '../../../src/checks/gcp/gcp-iam-no-primitive-roles.ts';
import { gcpIamNoPublicBindings } from '../../../src/checks/gcp/gcp-iam-no-public-bindings.ts';
import { gcpOrgpolicyConstraintsEnforced } from '../../../src/checks/gcp/gcp-orgpolicy-constraints-enforced.ts';
import { evaluateCheck } from '../../../src/checks/evaluate.ts';
import type { Check, CheckResult } from '../../../src/checks/types.ts';
import { collectGcp, type CollectGcpOptions, type CollectGcpResult, type GcpClients } from '../../../src/collectors/gcp/collect.ts';
import { EvidenceStore } from '../../../src/evidence/store.ts';
import type { EvidenceRecord } from '../../../src/evidence/types.ts';
import { GCP_BASELINE_CONSTRAINTS } from '../../../src/inventory/gcp/constraints.ts';
import type { EvidenceGap, TargetInventory } from '../../../src/inventory/types.ts';
import { loadEvidence } from '../../../src/pipeline/load-evidence.ts';
import { UsageError } from '../../../src/shared/errors.ts';
import { FakeGcp, clientsFor, closeClients, json, restError } from './fake-gcp.ts';
import { FOLDER, ORGANIZATION, PROJECT, TOP_FOLDER, fixture, folderBody, kccExchanges, projectBody } from './gcp-objects.ts';
import {
  CONSTRAINTS,
  EXTRA_CONSTRAINT,
  IAM_PATH,
  LIST_PAGE_1,
  LIST_PAGE_2,
  LIST_PATH,
  ORG_IAM_PATH,
  PROJECT_PATH,
  denied,
  effectiveBodies,
  effectivePath,
  folderIamPath,
  folderPath,
  hierarchyBodies,
  installWorld,
} from './world.ts';

const TARGET = 'acme-gcp';
const NOW = new Date('2026-11-22T12:00:00Z');
const CHECKS: Check[] = [gcpOrgpolicyConstraintsEnforced, gcpIamNoPublicBindings, gcpIamNoPrimitiveRoles];

const fake = new FakeGcp();
let clients: GcpClients;

beforeAll(async () => {
  await fake.start();
  clients = clientsFor(fake.port);
});
afterAll(async () => {
  await closeClients(clients);
  await fake.stop();
});

let outDir = '';
let store: EvidenceStore;
const slept: number[] = [];

beforeEach(async () => {
  fake.reset();
  installWorld(fake);
  slept.length = 0;
  outDir = mkdtempSync(join(tmpdir(), 'auditpack-gcp-ev-'));
  store = new EvidenceStore(outDir, () => NOW);
  await store.open();
});
afterEach(async () => {
  await store.close();
  rmSync(outDir, { recursive: true, force: true });
});

function collect(extra: Partial<CollectGcpOptions> = {}): Promise<CollectGcpResult> {
  return collectGcp({
    target: TARGET,
    projectId: PROJECT,
    constraints: CONSTRAINTS,
    clients,
    store,
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...extra,
  });
}

function stored(name: string): { record: EvidenceRecord; raw: unknown } | undefined {
  const record = store.records.find((r) => r.name === name);
  return record ? { record, raw: JSON.parse(readFileSync(join(outDir, record.path), 'utf8')) as unknown } : undefined;
}

// Through the evidence folder exactly as `auditpack report` reads it.
async function inventoryFromStore(gaps: EvidenceGap[]): Promise<TargetInventory> {
  await store.close();
  writeFileSync(
    join(outDir, 'evidence/targets.json'),
    JSON.stringify({ schemaVersion: 1, targets: [{ name: TARGET, source: 'kubernetes', location: `gcp projects/${PROJECT}`, files: 0, objects: store.records.length, gaps, notes: [] }] }),
  );
  const loaded = await loadEvidence(outDir);
  const inv = loaded.inventories[0];
  if (!inv) throw new Error('no inventory');
  return inv;
}

function judge(inv: TargetInventory): Record<string, CheckResult[]> {
  return Object.fromEntries(CHECKS.map((c) => [c.meta.id, evaluateCheck(c, inv, NOW)]));
}

function statuses(results: CheckResult[] | undefined): string[] {
  return (results ?? []).map((r) => `${r.status}:${r.resource.kind}/${r.resource.name}:${r.messageId}`);
}

const effName = (c: string): string => `gcp/projects/${PROJECT}/policies/${c}`;

describe('collectGcp', () => {
  it('stores every response as its REST JSON body, with the API call and the gcloud command', async () => {
    const { gaps, requests } = await collect();
    expect(gaps).toEqual([]);
    // 11 effective policies, 2 pages of policies, 1 IAM policy, the project, 2 folders, their 2 IAM
    // policies and the organization's; no SDK-level retries.
    expect(requests).toBe(20);
    expect(fake.requests).toHaveLength(20);

    expect(store.records.map((r) => [r.kind, r.name, r.source.type])).toEqual([
      ...[...CONSTRAINTS].map((c) => ['GcpEffectivePolicy', effName(c), 'cloud-api']),
      ['GcpPolicyList', `gcp/projects/${PROJECT}/policies`, 'cloud-api'],
      ['GcpIamPolicy', `gcp/projects/${PROJECT}/iamPolicy`, 'cloud-api'],
      ['GcpProject', `gcp/projects/${PROJECT}`, 'cloud-api'],
      ['GcpFolder', `gcp/folders/${FOLDER}`, 'cloud-api'],
      ['GcpFolder', `gcp/folders/${TOP_FOLDER}`, 'cloud-api'],
      ['GcpFolderIamPolicy', `gcp/folders/${FOLDER}/iamPolicy`, 'cloud-api'],
      ['GcpFolderIamPolicy', `gcp/folders/${TOP_FOLDER}/iamPolicy`, 'cloud-api'],
      ['GcpOrganizationIamPolicy', `gcp/organizations/${ORGANIZATION}/iamPolicy`, 'cloud-api'],
    ]);
    expect(store.records.every((r) => r.apiVersion === 'http.auditpack.io/v1' && r.redactions.length === 0)).toBe(true);

    // The SDK's protobuf objects are turned back into exactly the JSON the server sent.
    for (const [constraint, body] of Object.entries(effectiveBodies())) expect(stored(effName(constraint))?.raw, constraint).toEqual(body);
    // Fields the client's protos do not define are dropped by the client: org-policy 3.0.1 has no top-level Policy.etag.
    const listed = [...LIST_PAGE_1, ...LIST_PAGE_2].map(({ etag: _droppedByTheSdk, ...policy }) => policy);
    expect(stored(`gcp/projects/${PROJECT}/policies`)?.raw).toEqual({ policies: listed });
    expect(stored(`gcp/projects/${PROJECT}/iamPolicy`)?.raw).toEqual(fixture('gcpdiag-gce3-iam-policy.json'));

    const osLogin = stored(effName('compute.requireOsLogin'))?.record;
    expect(osLogin?.source.call).toBe(`orgpolicy.projects.policies.getEffectivePolicy projects/${PROJECT}/policies/compute.requireOsLogin`);
    expect(osLogin?.cli).toBe(`gcloud org-policies describe compute.requireOsLogin --effective --project ${PROJECT} --format json`);
    expect(stored(`gcp/projects/${PROJECT}/iamPolicy`)?.record.cli).toBe(`gcloud projects get-iam-policy ${PROJECT} --format json`);
    expect(stored(`gcp/projects/${PROJECT}/policies`)?.record.cli).toBe(
      `curl -sS -H "Authorization: Bearer $(gcloud auth print-access-token)" https://orgpolicy.googleapis.com/v2/projects/${PROJECT}/policies`,
    );

    // The hierarchy: the v3 Project and Folder bodies (timestamps, labels, etag) and the IAM policies
    // (a conditional binding with its description) come back as the server sent them.
    const hierarchy = hierarchyBodies();
    expect(stored(`gcp/projects/${PROJECT}`)?.raw).toEqual(hierarchy[PROJECT_PATH]);
    expect(stored(`gcp/folders/${FOLDER}`)?.raw).toEqual(hierarchy[folderPath(FOLDER)]);
    expect(stored(`gcp/folders/${TOP_FOLDER}`)?.raw).toEqual(hierarchy[folderPath(TOP_FOLDER)]);
    expect(stored(`gcp/folders/${FOLDER}/iamPolicy`)?.raw).toEqual(hierarchy[folderIamPath(FOLDER)]);
    expect(stored(`gcp/folders/${TOP_FOLDER}/iamPolicy`)?.raw).toEqual(hierarchy[folderIamPath(TOP_FOLDER)]);
    expect(stored(`gcp/organizations/${ORGANIZATION}/iamPolicy`)?.raw).toEqual(hierarchy[ORG_IAM_PATH]);
    expect(
      ['', `/${FOLDER}`, `/${TOP_FOLDER}`, `/${FOLDER}/iamPolicy`, `/${ORGANIZATION}/iamPolicy`].map((suffix) => {
        const name = suffix === '' ? `gcp/projects/${PROJECT}` : suffix.startsWith(`/${ORGANIZATION}`) ? `gcp/organizations${suffix}` : `gcp/folders${suffix}`;
        const r = stored(name)?.record;
        return [r?.source.call, r?.cli];
      }),
    ).toEqual([
      [`cloudresourcemanager.projects.get projects/${PROJECT}`, `gcloud projects describe ${PROJECT} --format json`],
      [`cloudresourcemanager.folders.get folders/${FOLDER}`, `gcloud resource-manager folders describe ${FOLDER} --format json`],
      [`cloudresourcemanager.folders.get folders/${TOP_FOLDER}`, `gcloud resource-manager folders describe ${TOP_FOLDER} --format json`],
      [`cloudresourcemanager.folders.getIamPolicy folders/${FOLDER}`, `gcloud resource-manager folders get-iam-policy ${FOLDER} --format json`],
      [`cloudresourcemanager.organizations.getIamPolicy organizations/${ORGANIZATION}`, `gcloud organizations get-iam-policy ${ORGANIZATION} --format json`],
    ]);

    // Real clients on the REST transport: self-signed JWT, IAM policy version 3 at every level.
    expect(fake.requests.every((r) => r.authorization?.startsWith('Bearer eyJ'))).toBe(true);
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.path)).toEqual([`/v3/projects/${PROJECT}:getIamPolicy`, `/v3/folders/${FOLDER}:getIamPolicy`, `/v3/folders/${TOP_FOLDER}:getIamPolicy`, `/v3/organizations/${ORGANIZATION}:getIamPolicy`]);
    for (const post of posts) expect(JSON.parse(post.body)).toEqual({ options: { requestedPolicyVersion: 3 } });
    expect(fake.requests.filter((r) => r.path.endsWith('/policies')).map((r) => r.query.get('pageToken'))).toEqual([null, 'page-2']);
  });

  it('reads the baseline constraints when none are given', async () => {
    const { gaps } = await collect({ constraints: undefined });
    expect(gaps).toEqual([]);
    expect(store.records.filter((r) => r.kind === 'GcpEffectivePolicy').map((r) => r.name)).toEqual(GCP_BASELINE_CONSTRAINTS.map(effName));
  });

  it('the checks judge the stored evidence after a round trip through the evidence folder', async () => {
    const { gaps } = await collect();
    const inv = await inventoryFromStore(gaps);
    expect(inv.gcp.present).toBe(true);
    expect(inv.ignored).toEqual([]);
    expect(inv.gcp.dryRuns.map((d) => d.constraint)).toEqual(['compute.requireOsLogin']);
    const r = judge(inv);
    expect(statuses(r['gcp-orgpolicy-constraints-enforced'])).toEqual(
      [...CONSTRAINTS].sort().map((c) => `pass:OrgPolicy/projects/${PROJECT}/policies/${c}:enforced`),
    );
    expect(r['gcp-orgpolicy-constraints-enforced']?.find((x) => x.resource.name.endsWith(EXTRA_CONSTRAINT))?.warning).toContain('does not know which values');
    expect(statuses(r['gcp-iam-no-public-bindings'])).toEqual([`pass:IamPolicy/projects/${PROJECT}:noPublicBindings`]);
    expect(statuses(r['gcp-iam-no-primitive-roles'])).toEqual([
      `fail:IamBinding/projects/${PROJECT} roles/editor serviceAccount:gcpdiag-gce3-aaaa@appspot.gserviceaccount.com:defaultServiceAccount`,
      `fail:IamBinding/projects/${PROJECT} roles/owner serviceAccount:12345001-compute@developer.gserviceaccount.com:defaultServiceAccount`,
      `fail:IamBinding/projects/${PROJECT} roles/owner user:testuser@example.com:primitiveRole`,
    ]);
    for (const results of Object.values(r)) for (const x of results) expect(x.evidence.length, `${x.check} ${x.messageId}`).toBeGreaterThan(0);
  });

  it('PERMISSION_DENIED is an access-denied gap naming the permission and role; the answer is kept; checks error, never pass', async () => {
    const orgDenied = restError(403, 'PERMISSION_DENIED', `Permission 'orgpolicy.policy.get' denied on resource '//cloudresourcemanager.googleapis.com/projects/${PROJECT}' (or it may not exist).`);
    const iamDenied = restError(403, 'PERMISSION_DENIED', `The caller does not have permission`);
    for (const c of CONSTRAINTS) fake.on(effectivePath(c), () => orgDenied);
    fake.on(LIST_PATH, () => orgDenied);
    fake.on(IAM_PATH, () => iamDenied);
    const { gaps, requests } = await collect();

    // 11 + 1 + 1 denied calls, then the hierarchy (6 calls, all answered).
    expect(requests).toBe(19);
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([
      ...CONSTRAINTS.map(() => ['access-denied', ['GcpEffectivePolicy']]),
      ['access-denied', ['GcpPolicyList']],
      ['access-denied', ['GcpIamPolicy']],
    ]);
    expect(gaps[0]?.id).toBe('gap-gcp-acme-payments-prod-effective-compute-requireoslogin');
    expect(gaps[0]?.message).toContain('orgpolicy.policy.get');
    expect(gaps[0]?.message).toContain('roles/orgpolicy.policyViewer');
    expect(gaps[0]?.message).toContain('PERMISSION_DENIED 403');
    expect(gaps[11]?.message).toContain('orgpolicy.policies.list');
    expect(gaps[12]?.message).toContain('resourcemanager.projects.getIamPolicy');
    expect(gaps[12]?.message).toContain('roles/iam.securityReviewer');

    // The denial itself is evidence: google-gax 4 rebuilds the REST error body, gaxios keeps it verbatim.
    expect(stored(effName('compute.requireOsLogin'))?.raw).toEqual(orgDenied.body);
    expect(stored(`gcp/projects/${PROJECT}/iamPolicy`)?.raw).toEqual(iamDenied.body);

    const r = judge(await inventoryFromStore(gaps));
    const org = r['gcp-orgpolicy-constraints-enforced'] ?? [];
    expect(org.filter((x) => x.messageId === 'unreadable')).toHaveLength(CONSTRAINTS.length);
    expect(org.every((x) => x.status === 'error')).toBe(true);
    expect(statuses(r['gcp-iam-no-primitive-roles'])).toEqual([`error:IamPolicy/projects/${PROJECT}:iamPolicyUnreadable`, `error:Cluster/${TARGET}:evidenceGap`]);
  });

  it('NOT_FOUND on a policy is data: the kcc 404 answer is stored, no gap, and the default fails the check', async () => {
    const notFound = kccExchanges().find((x) => x.status === 404);
    expect(notFound?.request).toContain('/policies/serviceuser.services');
    fake.on(effectivePath('iam.disableServiceAccountKeyCreation'), () => ({ status: 404, body: notFound?.body }));
    const { gaps } = await collect();
    expect(gaps).toEqual([]);
    expect(stored(effName('iam.disableServiceAccountKeyCreation'))?.raw).toEqual(notFound?.body);
    const r = judge(await inventoryFromStore(gaps));
    const result = r['gcp-orgpolicy-constraints-enforced']?.find((x) => x.resource.name.endsWith('/iam.disableServiceAccountKeyCreation'));
    expect(result?.status).toBe('fail');
    expect(result?.messageId).toBe('noPolicy');
    expect(result?.message).toContain('getEffectivePolicy answered NOT_FOUND ("Requested entity was not found.")');
  });

  it('transient failures are retried with bounded backoff on both SDKs (the REST transport does not retry)', async () => {
    const osLogin = effectiveBodies()['compute.requireOsLogin'];
    fake.on(effectivePath('compute.requireOsLogin'), (_req, hit) => (hit <= 2 ? restError(503, 'UNAVAILABLE', 'The service is currently unavailable.') : json(osLogin)));
    fake.on(LIST_PATH, (req, hit) =>
      hit === 1 ? restError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric Read requests') : req.query.get('pageToken') ? json({ policies: LIST_PAGE_2 }) : json({ policies: LIST_PAGE_1, nextPageToken: 'page-2' }),
    );
    fake.on(IAM_PATH, (_req, hit) => (hit === 1 ? restError(503, 'UNAVAILABLE', 'The service is currently unavailable.') : json(fixture('gcpdiag-gce3-iam-policy.json'))));
    const folder = hierarchyBodies()[folderPath(FOLDER)];
    fake.on(folderPath(FOLDER), (_req, hit) => (hit === 1 ? restError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric Read requests') : json(folder)));
    const { gaps, requests } = await collect();
    expect(gaps).toEqual([]);
    expect(fake.hitsOf(effectivePath('compute.requireOsLogin'))).toBe(3);
    expect(fake.hitsOf(LIST_PATH)).toBe(3);
    expect(fake.hitsOf(IAM_PATH)).toBe(2);
    expect(fake.hitsOf(folderPath(FOLDER))).toBe(2);
    expect(slept).toEqual([500, 1000, 500, 500, 500]);
    expect(requests).toBe(25);
    expect(stored(`gcp/folders/${FOLDER}`)?.raw).toEqual(folder);
    expect(stored(effName('compute.requireOsLogin'))?.raw).toEqual(osLogin);
  });

  it('persistent UNAVAILABLE: a bounded number of attempts, then an api-error gap and an error result', async () => {
    fake.on(effectivePath('sql.restrictPublicIp'), () => restError(503, 'UNAVAILABLE', 'The service is currently unavailable.'));
    fake.on(IAM_PATH, () => restError(500, 'INTERNAL', 'Internal error encountered.'));
    const { gaps } = await collect({ maxAttempts: 3 });
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([
      ['api-error', ['GcpEffectivePolicy']],
      ['api-error', ['GcpIamPolicy']],
    ]);
    expect(gaps[0]?.message).toContain('failed after 3 attempts (UNAVAILABLE 503: The service is currently unavailable.)');
    expect(gaps[1]?.message).toContain('failed after 3 attempts (INTERNAL 500: Internal error encountered.)');
    expect(fake.hitsOf(effectivePath('sql.restrictPublicIp'))).toBe(3);
    expect(fake.hitsOf(IAM_PATH)).toBe(3);
    expect(slept).toEqual([500, 1000, 500, 1000]);
    // A transient failure is not an answer: nothing is stored for it.
    expect(stored(effName('sql.restrictPublicIp'))).toBeUndefined();
    const r = judge(await inventoryFromStore(gaps));
    const org = r['gcp-orgpolicy-constraints-enforced'] ?? [];
    expect(org.find((x) => x.resource.name.endsWith('/sql.restrictPublicIp'))?.messageId).toBe('evidenceMissing');
    expect(org.some((x) => x.status === 'pass')).toBe(false);
    expect(statuses(r['gcp-iam-no-public-bindings'])).toEqual([`error:IamPolicy/projects/${PROJECT}:iamPolicyMissing`, `error:Cluster/${TARGET}:evidenceGap`]);
  });

  it('an unreachable endpoint gives api-error gaps, not exceptions, and is not retried', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = clientsFor(port);
    try {
      const { gaps, requests } = await collect({ clients: unreachable });
      // projects.get fails too, so the walk goes no further.
      expect(requests).toBe(14);
      expect(gaps).toHaveLength(14);
      expect(gaps.every((g) => g.reason === 'api-error')).toBe(true);
      expect(gaps[0]?.message).toContain('ECONNREFUSED');
      expect(gaps[12]?.message).toContain('ECONNREFUSED');
      expect(gaps[13]?.kinds).toEqual(['GcpProject']);
      expect(store.records).toEqual([]);
      expect(slept).toEqual([]);
    } finally {
      await closeClients(unreachable);
    }
  });

  it('a call that never answers ends at the deadline with a gap', async () => {
    fake.on(IAM_PATH, () => ({ status: 200, hang: true }));
    const { gaps } = await collect({ timeoutMs: 300 });
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['GcpIamPolicy']]]);
    expect(gaps[0]?.message).toContain('TIMEOUT: no answer within 300 ms');
    expect(fake.hitsOf(IAM_PATH)).toBe(1);
  });

  it('a body that is not JSON (a proxy error page) is an api-error gap', async () => {
    fake.on(effectivePath('compute.requireOsLogin'), () => ({ status: 502, body: '<html><body>502 Bad Gateway</body></html>', contentType: 'text/html' }));
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['GcpEffectivePolicy']]]);
    expect(gaps[0]?.message).toContain('not JSON');
  });

  it('paging that never ends is bounded and reported, not stored as the whole list', async () => {
    fake.on(LIST_PATH, () => json({ policies: LIST_PAGE_1, nextPageToken: 'again' }));
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['GcpPolicyList']]]);
    expect(gaps[0]?.message).toContain('paging did not end after 2 page(s)');
    expect(fake.hitsOf(LIST_PATH)).toBe(2);
    expect(stored(`gcp/projects/${PROJECT}/policies`)).toBeUndefined();
  });

  it('refuses a project id or constraint that is not a resource name (usage error, before any call)', async () => {
    await expect(collect({ projectId: 'acme/../../v1' })).rejects.toBeInstanceOf(UsageError);
    await expect(collect({ constraints: ['compute.requireOsLogin?x=1'] })).rejects.toBeInstanceOf(UsageError);
    expect(fake.requests).toEqual([]);
  });
});

describe('collectGcp evidence for a project with findings (gcpdiag fw-policy)', () => {
  it('stores the gcpdiag IAM policy verbatim and the checks fail the default service account', async () => {
    fake.on(IAM_PATH, () => json(fixture('gcpdiag-fw-policy-iam-policy.json')));
    const { gaps } = await collect();
    expect(stored(`gcp/projects/${PROJECT}/iamPolicy`)?.raw).toEqual(fixture('gcpdiag-fw-policy-iam-policy.json'));
    const r = judge(await inventoryFromStore(gaps));
    expect(statuses(r['gcp-iam-no-primitive-roles'])).toEqual([
      `fail:IamBinding/projects/${PROJECT} roles/editor serviceAccount:12340004-compute@developer.gserviceaccount.com:defaultServiceAccount`,
      `fail:IamBinding/projects/${PROJECT} roles/owner user:testuser@example.com:primitiveRole`,
    ]);
  });
});

describe('collectGcp: the resource hierarchy above the project', () => {
  const publicBindings = async (gaps: EvidenceGap[]): Promise<CheckResult[]> => judge(await inventoryFromStore(gaps))['gcp-iam-no-public-bindings'] ?? [];

  it('a denied folder or organization IAM policy is an access-denied gap naming the permission and role; the answer is kept; no pass', async () => {
    const folderDenied = denied('resourcemanager.folders.getIamPolicy', `folders/${FOLDER}`);
    const orgDenied = denied('resourcemanager.organizations.getIamPolicy', `organizations/${ORGANIZATION}`);
    fake.on(folderIamPath(FOLDER), () => folderDenied);
    fake.on(ORG_IAM_PATH, () => orgDenied);
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.id, g.reason, g.kinds])).toEqual([
      [`gap-gcp-folder-${FOLDER}-iam-policy`, 'access-denied', ['GcpFolderIamPolicy']],
      [`gap-gcp-organization-${ORGANIZATION}-iam-policy`, 'access-denied', ['GcpOrganizationIamPolicy']],
    ]);
    expect(gaps[0]?.message).toContain(
      `cloudresourcemanager.folders.getIamPolicy folders/${FOLDER} (GcpFolderIamPolicy) was denied (PERMISSION_DENIED 403: Permission 'resourcemanager.folders.getIamPolicy'`,
    );
    expect(gaps[0]?.message).toContain(`the caller needs resourcemanager.folders.getIamPolicy on folders/${FOLDER}, granted by roles/iam.securityReviewer on the folder or a folder or organization above it`);
    expect(gaps[1]?.message).toContain(`the caller needs resourcemanager.organizations.getIamPolicy on organizations/${ORGANIZATION}, granted by roles/iam.securityReviewer on the organization`);
    expect(stored(`gcp/folders/${FOLDER}/iamPolicy`)?.raw).toEqual(folderDenied.body);
    expect(stored(`gcp/organizations/${ORGANIZATION}/iamPolicy`)?.raw).toEqual(orgDenied.body);

    const r = judge(await inventoryFromStore(gaps));
    expect(statuses(r['gcp-iam-no-public-bindings'])).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
    const error = r['gcp-iam-no-public-bindings']?.[0];
    expect(error?.message).toContain(`the IAM policy of folders/${FOLDER} could not be read (PERMISSION_DENIED: Permission 'resourcemanager.folders.getIamPolicy'`);
    expect(error?.message).toContain(`the IAM policy of organizations/${ORGANIZATION} could not be read`);
    expect(error?.data.nodes).toBe(`folders/${FOLDER}, organizations/${ORGANIZATION}`);
    // The project's own Owner and Editor grants still fail; its summary is an error, not a pass.
    expect(statuses(r['gcp-iam-no-primitive-roles']).filter((x) => !x.startsWith('fail:'))).toEqual([
      `error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`,
      `error:Cluster/${TARGET}:evidenceGap`,
    ]);
  });

  it('a denied folders.get ends the walk at that folder: its IAM policy is still read, nothing above it is called, and no pass', async () => {
    fake.on(folderPath(TOP_FOLDER), () => denied('resourcemanager.folders.get', `folders/${TOP_FOLDER}`));
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['access-denied', ['GcpFolder']]]);
    expect(gaps[0]?.message).toContain(`the caller needs resourcemanager.folders.get on folders/${TOP_FOLDER}, granted by roles/browser`);
    expect(fake.hitsOf(folderIamPath(TOP_FOLDER))).toBe(1);
    expect(fake.hitsOf(ORG_IAM_PATH)).toBe(0);
    const results = await publicBindings(gaps);
    expect(statuses(results)).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
    expect(results[0]?.message).toContain(`folders.get for folders/${TOP_FOLDER} answered PERMISSION_DENIED`);
  });

  it('a denied projects.get: no walk, a gap naming resourcemanager.projects.get and roles/browser, and no pass', async () => {
    fake.on(PROJECT_PATH, () => denied('resourcemanager.projects.get', `projects/${PROJECT}`));
    const { gaps, requests } = await collect();
    expect(requests).toBe(15);
    expect(gaps.map((g) => [g.id, g.reason, g.kinds])).toEqual([[`gap-gcp-${PROJECT}-project`, 'access-denied', ['GcpProject']]]);
    expect(gaps[0]?.message).toContain(`the caller needs resourcemanager.projects.get on projects/${PROJECT}, granted by roles/browser on the project or a folder or organization above it`);
    expect(fake.requests.some((r) => r.path.startsWith('/v3/folders') || r.path.startsWith('/v3/organizations'))).toBe(false);
    expect(statuses(await publicBindings(gaps))).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
  });

  it('a project without an organization is data: no folder or organization call, no gap, and its own policy decides', async () => {
    fake.on(PROJECT_PATH, () => json(projectBody(undefined)));
    const { gaps, requests } = await collect();
    expect(gaps).toEqual([]);
    expect(requests).toBe(15);
    expect(stored(`gcp/projects/${PROJECT}`)?.raw).toEqual(projectBody(undefined));
    const results = await publicBindings(gaps);
    expect(statuses(results)).toEqual([`pass:IamPolicy/projects/${PROJECT}:noPublicBindings`]);
    expect(results[0]?.message).toContain(`bindings read on projects/${PROJECT}, which has no folder or organization above it`);
  });

  it('an inherited public binding fails, naming the folder it is granted on', async () => {
    fake.on(folderIamPath(TOP_FOLDER), () => json({ version: 3, etag: 'BwYZh3AG4OA=', bindings: [{ role: 'roles/storage.objectViewer', members: ['allUsers'] }] }));
    const { gaps } = await collect();
    expect(gaps).toEqual([]);
    const results = await publicBindings(gaps);
    expect(statuses(results)).toEqual([`fail:IamBinding/projects/${PROJECT} roles/storage.objectViewer allUsers (granted on folders/${TOP_FOLDER}):publicBinding`]);
    expect(results[0]?.message).toBe(
      `Folder folders/${TOP_FOLDER} grants roles/storage.objectViewer to allUsers, inherited by project ${PROJECT}, that is anyone on the internet, without signing in.`,
    );
    const folderPolicy = store.records.find((x) => x.name === `gcp/folders/${TOP_FOLDER}/iamPolicy`);
    expect(folderPolicy && results[0]?.evidence.includes(folderPolicy.id)).toBe(true);
  });

  it('folders that name each other as parent: the walk stops with a gap, each folder read once', async () => {
    fake.on(folderPath(TOP_FOLDER), () => json(folderBody(TOP_FOLDER, `folders/${FOLDER}`)));
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.id, g.reason, g.kinds])).toEqual([[`gap-gcp-${PROJECT}-hierarchy`, 'api-error', ['GcpFolder']]]);
    expect(gaps[0]?.message).toContain(`found folders/${FOLDER} twice above projects/${PROJECT} (folders/${FOLDER} → folders/${TOP_FOLDER} → folders/${FOLDER})`);
    expect(fake.hitsOf(folderPath(FOLDER))).toBe(1);
    expect(fake.hitsOf(ORG_IAM_PATH)).toBe(0);
    expect(statuses(await publicBindings(gaps))).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
  });

  it('more than 10 folders without an organization: bounded, a gap, no pass', async () => {
    const chain = Array.from({ length: 12 }, (_v, i) => String(500000000000 + i));
    fake.on(PROJECT_PATH, () => json(projectBody(`folders/${chain[0] ?? ''}`)));
    for (const [i, id] of chain.entries()) {
      fake.on(folderPath(id), () => json(folderBody(id, `folders/${chain[i + 1] ?? '999'}`, `level-${i}`)));
      fake.on(folderIamPath(id), () => json({ version: 1, etag: 'BwYZh3AG4OA=' }));
    }
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['GcpFolder']]]);
    expect(gaps[0]?.message).toContain(`found more than 10 folders above projects/${PROJECT} without reaching an organization (next: folders/${chain[10] ?? ''})`);
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v3/folders/'))).toHaveLength(10);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v3/folders/'))).toHaveLength(10);
    expect(statuses(await publicBindings(gaps))).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
  });

  it('a parent that is not folders/NUMBER or organizations/NUMBER is stored, reported and not followed', async () => {
    fake.on(folderPath(FOLDER), () => json({ ...folderBody(FOLDER, `folders/${TOP_FOLDER}`), parent: 'folders/../../v1/projects' }));
    const { gaps } = await collect();
    expect(gaps.map((g) => [g.reason, g.kinds])).toEqual([['api-error', ['GcpFolder']]]);
    expect(gaps[0]?.message).toContain('answered with the parent "folders/../../v1/projects", which is not folders/NUMBER or organizations/NUMBER');
    expect(fake.requests.some((r) => r.path.includes('v1/projects'))).toBe(false);
    expect(fake.hitsOf(folderIamPath(FOLDER))).toBe(1);
    expect(statuses(await publicBindings(gaps))).toEqual([`error:IamPolicy/projects/${PROJECT}:inheritedUnjudged`, `error:Cluster/${TARGET}:evidenceGap`]);
  });
});
