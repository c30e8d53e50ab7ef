import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GCP_BASELINE_CONSTRAINTS } from '../../../src/inventory/gcp/constraints.ts';
import { UsageError } from '../../../src/shared/errors.ts';
import { clientsFor, closeClients, json, restError } from './fake-gcp.ts';
import { FOLDER, ORGANIZATION, PROJECT, TOP_FOLDER, fixture, kccExchanges } from './gcp-objects.ts';
import { TARGET, statuses, useCollectHarness } from './harness.ts';
import {
  CONSTRAINTS,
  EXTRA_CONSTRAINT,
  IAM_PATH,
  LIST_PAGE_1,
  LIST_PAGE_2,
  LIST_PATH,
  ORG_IAM_PATH,
  PROJECT_PATH,
  effectiveBodies,
  effectivePath,
  folderIamPath,
  folderPath,
  hierarchyBodies,
} from './world.ts';

const { fake, slept, collect, records, stored, inventoryFromStore, judge } = useCollectHarness();

const effName = (c: string): string => `gcp/projects/${PROJECT}/policies/${c}`;

describe('collectGcp', () => {
  it('stores every response as its REST JSON body, with the API call and the gcloud command', async () => {
    const { gaps, requests } = await collect();
    expect(gaps).toEqual([]);
    // 11 effective policies, 2 pages of policies, 1 IAM policy, the project, 2 folders, their 2 IAM
    // policies and the organization's; no SDK-level retries.
    expect(requests).toBe(20);
    expect(fake.requests).toHaveLength(20);

    expect(records().map((r) => [r.kind, r.name, r.source.type])).toEqual([
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
    expect(records().every((r) => r.apiVersion === 'http.auditpack.io/v1' && r.redactions.length === 0)).toBe(true);

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
    expect(records().filter((r) => r.kind === 'GcpEffectivePolicy').map((r) => r.name)).toEqual(GCP_BASELINE_CONSTRAINTS.map(effName));
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
      expect(records()).toEqual([]);
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
