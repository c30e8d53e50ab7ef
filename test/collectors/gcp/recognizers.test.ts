import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recognizeCloudOutput } from '../../../src/sources/cloud-cli/recognize.ts';
import { gcpRecognizers, nodeFromPath, projectFromPath } from '../../../src/sources/cloud-cli/gcp.ts';
import { readSnapshot } from '../../../src/sources/snapshot/read-snapshot.ts';
import { FOLDER, ORGANIZATION, PROJECT, PROJECT_NUMBER, TOP_FOLDER, cleanIamBody, enforced, fixture, folderBody, projectBody, projectBodyV1 } from './gcp-objects.ts';
import { LIST_PAGE_1 } from './world.ts';

const DIR = `snap/gcp/projects/${PROJECT}`;

describe('gcloud recognizers', () => {
  it('are registered for snapshot reading', () => {
    expect(gcpRecognizers).toHaveLength(6);
    expect(recognizeCloudOutput(enforced('compute.requireOsLogin'), `${DIR}/x.json`)?.kind).toBe('GcpEffectivePolicy');
  });

  it('an effective v2 policy: the project folder wins over the project number in `name`', () => {
    expect(recognizeCloudOutput(enforced('compute.requireOsLogin'), `${DIR}/effective/compute.requireOsLogin.json`)).toEqual({
      kind: 'GcpEffectivePolicy',
      name: `gcp/projects/${PROJECT}/policies/compute.requireOsLogin`,
      cli: `gcloud org-policies describe compute.requireOsLogin --effective --project ${PROJECT} --format json`,
    });
    // Without a projects/<id>/ folder, the name's project is used.
    expect(recognizeCloudOutput(enforced('sql.restrictPublicIp'), 'sql.json')?.name).toBe(`gcp/projects/${PROJECT_NUMBER}/policies/sql.restrictPublicIp`);
  });

  it('a policy with an etag is a node policy, not the effective one; other v2-like documents are not taken', () => {
    expect(recognizeCloudOutput(LIST_PAGE_1[0], `${DIR}/policy.json`)).toBeUndefined();
    expect(recognizeCloudOutput(fixture('orgpolicy-v2-policy-allowAll.json'), `${DIR}/policy.json`)).toBeUndefined();
    expect(recognizeCloudOutput({ name: `organizations/1234/policies/compute.requireOsLogin`, spec: { rules: [{ enforce: true }] } }, 'org.json')).toBeUndefined();
    expect(recognizeCloudOutput({ name: `projects/${PROJECT}/policies/x`, spec: { rules: [] }, kindOfThing: 1 }, 'x.json')).toBeUndefined();
  });

  it('v1 effective policies (gcpdiag dumps) need the project folder and get the v1 command', () => {
    const v1 = fixture('gcpdiag-gce3-effective-requireOsLogin.v1.json');
    expect(recognizeCloudOutput(v1, 'org-constraint-compute.requireOsLogin.json')).toBeUndefined();
    expect(recognizeCloudOutput(v1, `${DIR}/org-constraint-compute.requireOsLogin.json`)).toEqual({
      kind: 'GcpEffectivePolicy',
      name: `gcp/projects/${PROJECT}/policies/compute.requireOsLogin`,
      cli: `gcloud resource-manager org-policies describe compute.requireOsLogin --effective --project ${PROJECT} --format json`,
    });
    // listOrgPolicies items carry an etag: policies set on the node, not effective ones.
    const listed = (fixture('gcpdiag-fw-policy-org-policies.v1.json').policies as unknown[])[1];
    expect(recognizeCloudOutput(listed, `${DIR}/p.json`)).toBeUndefined();
  });

  it('policy lists: gcloud summary rows need the project folder; the REST body names its project', () => {
    const rows = [{ constraint: 'compute.requireOsLogin', listPolicy: '-', booleanPolicy: 'DRY_RUN_SET', etag: 'CJLvp74GEKD0gK8B' }];
    expect(recognizeCloudOutput(rows, 'list.json')).toBeUndefined();
    expect(recognizeCloudOutput(rows, `${DIR}/list.json`)).toEqual({
      kind: 'GcpPolicyList',
      name: `gcp/projects/${PROJECT}/policies`,
      cli: `gcloud org-policies list --project ${PROJECT} --format json`,
    });
    expect(recognizeCloudOutput([], `${DIR}/list.json`)).toBeUndefined();
    expect(recognizeCloudOutput({ policies: LIST_PAGE_1 }, 'list.json')).toEqual({
      kind: 'GcpPolicyList',
      name: `gcp/projects/${PROJECT_NUMBER}/policies`,
      cli: `curl -sS -H "Authorization: Bearer $(gcloud auth print-access-token)" https://orgpolicy.googleapis.com/v2/projects/${PROJECT_NUMBER}/policies`,
    });
  });

  it('IAM policies belong to the projects/<id>/, folders/<number>/ or organizations/<number>/ folder they are saved in', () => {
    const iam = fixture('gcpdiag-fw-policy-iam-policy.json');
    expect(recognizeCloudOutput(iam, `${DIR}/iam-policy.json`)).toEqual({
      kind: 'GcpIamPolicy',
      name: `gcp/projects/${PROJECT}/iamPolicy`,
      cli: `gcloud projects get-iam-policy ${PROJECT} --format json`,
    });
    expect(recognizeCloudOutput(iam, `snap/gcp/folders/${FOLDER}/iam-policy.json`)).toEqual({
      kind: 'GcpFolderIamPolicy',
      name: `gcp/folders/${FOLDER}/iamPolicy`,
      cli: `gcloud resource-manager folders get-iam-policy ${FOLDER} --format json`,
    });
    expect(recognizeCloudOutput(iam, `gcp/organizations/${ORGANIZATION}/iam-policy.json`)).toEqual({
      kind: 'GcpOrganizationIamPolicy',
      name: `gcp/organizations/${ORGANIZATION}/iamPolicy`,
      cli: `gcloud organizations get-iam-policy ${ORGANIZATION} --format json`,
    });
    // The deepest node folder wins: a project saved inside its folder's folder is the project's.
    expect(recognizeCloudOutput(iam, `gcp/organizations/${ORGANIZATION}/folders/${FOLDER}/projects/${PROJECT}/iam-policy.json`)?.kind).toBe('GcpIamPolicy');
    expect(recognizeCloudOutput(iam, `gcp/organizations/${ORGANIZATION}/folders/${FOLDER}/iam-policy.json`)?.kind).toBe('GcpFolderIamPolicy');
    // Folders and organizations are numbers.
    expect(recognizeCloudOutput(iam, 'gcp/folders/payments/iam-policy.json')).toBeUndefined();
    expect(recognizeCloudOutput(iam, 'gcp/organizations/acme.example/iam-policy.json')).toBeUndefined();
    expect(recognizeCloudOutput(iam, 'iam-policy.json')).toBeUndefined();
    expect(recognizeCloudOutput({ ...cleanIamBody(), bindings: [{ role: 'roles/owner', members: 'user:a@b.c' }] }, `${DIR}/iam.json`)).toBeUndefined();
  });

  it('a project: `gcloud projects describe` (v1) and the v3 body, named by the project folder or projectId', () => {
    const expected = { kind: 'GcpProject', name: `gcp/projects/${PROJECT}`, cli: `gcloud projects describe ${PROJECT} --format json` };
    expect(recognizeCloudOutput(projectBodyV1({ type: 'folder', id: FOLDER }), `${DIR}/project.json`)).toEqual(expected);
    expect(recognizeCloudOutput(projectBodyV1(undefined), 'project.json')).toEqual(expected);
    expect(recognizeCloudOutput(projectBody(`organizations/${ORGANIZATION}`), 'describe.json')).toEqual(expected);
    expect(recognizeCloudOutput(projectBody(undefined, 'acme-lab'), `snap/gcp/projects/acme-lab-alias/project.json`)?.name).toBe('gcp/projects/acme-lab-alias');
    // Not a project: no number, a parent that is no folder or organization, unknown fields.
    expect(recognizeCloudOutput({ projectId: PROJECT, lifecycleState: 'ACTIVE' }, 'p.json')).toBeUndefined();
    expect(recognizeCloudOutput({ ...projectBody(undefined), parent: 'projects/1' }, 'p.json')).toBeUndefined();
    expect(recognizeCloudOutput({ ...projectBodyV1(undefined), parent: { type: 'project', id: '1' } }, 'p.json')).toBeUndefined();
    expect(recognizeCloudOutput({ ...projectBody(undefined), billingAccountName: 'billingAccounts/0X0X0X' }, 'p.json')).toBeUndefined();
  });

  it('a folder: `gcloud resource-manager folders describe` (v2) and the v3 body name themselves', () => {
    const expected = { kind: 'GcpFolder', name: `gcp/folders/${FOLDER}`, cli: `gcloud resource-manager folders describe ${FOLDER} --format json` };
    expect(recognizeCloudOutput(folderBody(FOLDER, `folders/${TOP_FOLDER}`), 'folder.json')).toEqual(expected);
    expect(recognizeCloudOutput({ createTime: '2023-06-01T08:00:00Z', displayName: 'payments', lifecycleState: 'ACTIVE', name: `folders/${FOLDER}`, parent: `organizations/${ORGANIZATION}` }, 'x/y.json')).toEqual(expected);
    expect(recognizeCloudOutput({ name: 'folders/payments', parent: `organizations/${ORGANIZATION}` }, 'f.json')).toBeUndefined();
    expect(recognizeCloudOutput({ name: `folders/${FOLDER}`, parent: 'projects/1' }, 'f.json')).toBeUndefined();
    expect(recognizeCloudOutput({ name: `folders/${FOLDER}` }, 'f.json')).toBeUndefined();
  });

  it('leaves other JSON alone', () => {
    expect(recognizeCloudOutput({ Findings: [], NextToken: 'x' }, `${DIR}/findings.json`)).toBeUndefined();
    expect(recognizeCloudOutput({ value: [{ id: '/subscriptions/x' }] }, `${DIR}/az.json`)).toBeUndefined();
    expect(recognizeCloudOutput({ etag: 'x', spec: {} }, `${DIR}/x.json`)).toBeUndefined();
  });

  it('quotes a hostile project folder in the command', () => {
    const out = recognizeCloudOutput(fixture('gcpdiag-fw-policy-iam-policy.json'), 'projects/${projectId}/iam.json');
    expect(out?.cli).toBe("gcloud projects get-iam-policy '${projectId}' --format json");
  });

  it('nodeFromPath takes the last node folder; folders and organizations are numbers', () => {
    expect(nodeFromPath(`organizations/${ORGANIZATION}/folders/${FOLDER}/iam.json`)).toEqual({ type: 'folders', id: FOLDER });
    expect(nodeFromPath(`folders/${FOLDER}/projects/p-1/iam.json`)).toEqual({ type: 'projects', id: 'p-1' });
    expect(nodeFromPath(`folders/${FOLDER}.json`)).toBeUndefined();
    expect(nodeFromPath('folders/abc/iam.json')).toBeUndefined();
  });

  it('projectFromPath takes the last projects/<id>/ folder', () => {
    expect(projectFromPath('a/projects/one/b/projects/two/c.json')).toBe('two');
    expect(projectFromPath('projects/one.json')).toBeUndefined();
    expect(projectFromPath('projects/bad id/c.json')).toBeUndefined();
  });

  it('readSnapshot stores a bare gcloud array as one API response', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auditpack-gcp-rs-'));
    try {
      const file = join(dir, `gcp/projects/${PROJECT}/org-policies.json`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify([{ constraint: 'sql.restrictPublicIp', listPolicy: '-', booleanPolicy: 'SET', etag: 'BwXd' }]));
      const read = await readSnapshot(dir, { target: 't' });
      expect(read.objects).toHaveLength(1);
      expect(read.objects[0]?.apiResponse?.kind).toBe('GcpPolicyList');
      expect(read.objects[0]?.object).toEqual({ items: [{ constraint: 'sql.restrictPublicIp', listPolicy: '-', booleanPolicy: 'SET', etag: 'BwXd' }] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
