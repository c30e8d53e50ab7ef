import { bareConstraint, gcpCli, gcpEvidenceName } from '../../inventory/gcp/names.ts';
import type { Recognizer } from './types.ts';

// Recognises the JSON that gcloud prints with `--format json` for the calls the live GCP collector
// makes, and names it exactly as live collection does (kind, evidence name, command):
// - `gcloud org-policies describe C --effective --project P` → GcpEffectivePolicy (Org Policy v2);
// - `gcloud resource-manager org-policies describe C --effective --project P` → GcpEffectivePolicy (v1);
// - `gcloud org-policies list --project P` (summary rows) and the ListPolicies REST body → GcpPolicyList;
// - `gcloud projects get-iam-policy P`, `gcloud resource-manager folders get-iam-policy F` and
//   `gcloud organizations get-iam-policy O` → GcpIamPolicy, GcpFolderIamPolicy, GcpOrganizationIamPolicy;
// - `gcloud projects describe P` (v1 Project) and the v3 Project body → GcpProject;
// - `gcloud resource-manager folders describe F` (v2 Folder) and the v3 Folder body → GcpFolder.
// An effective policy carries no etag (the API computes it across the hierarchy); a document with an
// etag is a policy set on one node, which is not the effective policy, so it is not recognised as one.
// The project comes from a `projects/<id>/` folder in the file's path, else from the `name` fields;
// the path wins so every file of a project uses the id the operator chose (responses name the
// project by number). IAM policies and v1 policies name no project, so they need the folder; an IAM
// policy belongs to the node of the last `projects/<id>/`, `folders/<number>/` or
// `organizations/<number>/` folder of its path (the three policies look alike). A folder names
// itself (`name: folders/<number>`).

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function keysWithin(v: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(v).every((k) => allowed.includes(k));
}

const SEGMENT = /^[A-Za-z0-9${}][A-Za-z0-9.:_${}-]*$/;
const V2_NAME = /^projects\/([^/]+)\/policies\/([^/]+)$/;
const CONSTRAINT = /^(constraints\/)?[A-Za-z][\w.]*$/;

// `…/projects/<id>/…/file.json`: the last `projects` folder followed by another folder.
export function projectFromPath(file: string): string | undefined {
  const parts = file.split('/');
  for (let i = parts.length - 3; i >= 0; i--) {
    const id = parts[i + 1];
    if (parts[i] === 'projects' && id !== undefined && SEGMENT.test(id)) return id;
  }
  return undefined;
}

const NUMBER = /^[0-9]+$/;

// `…/folders/123/iam-policy.json` → 'folders/123': the last projects/folders/organizations folder
// followed by another folder.
export function nodeFromPath(file: string): { type: 'projects' | 'folders' | 'organizations'; id: string } | undefined {
  const parts = file.split('/');
  for (let i = parts.length - 3; i >= 0; i--) {
    const type = parts[i];
    const id = parts[i + 1];
    if (id === undefined) continue;
    if (type === 'projects' && SEGMENT.test(id)) return { type, id };
    if ((type === 'folders' || type === 'organizations') && NUMBER.test(id)) return { type, id };
  }
  return undefined;
}

function hasEtag(v: Record<string, unknown>): boolean {
  return v.etag !== undefined || (isRecord(v.spec) && v.spec.etag !== undefined) || (isRecord(v.dryRunSpec) && v.dryRunSpec.etag !== undefined);
}

function rulesOk(spec: unknown): boolean {
  return spec === undefined || (isRecord(spec) && (spec.rules === undefined || Array.isArray(spec.rules)));
}

const effectiveV2: Recognizer = (value, file) => {
  if (!isRecord(value) || typeof value.name !== 'string' || !keysWithin(value, ['name', 'spec', 'dryRunSpec', 'etag', 'alternate'])) return undefined;
  const m = V2_NAME.exec(value.name);
  if (!m?.[1] || !m[2] || hasEtag(value) || !rulesOk(value.spec)) return undefined;
  const project = projectFromPath(file) ?? m[1];
  const constraint = bareConstraint(m[2]);
  return { kind: 'GcpEffectivePolicy', name: gcpEvidenceName.effectivePolicy(project, constraint), cli: gcpCli.effectivePolicy(project, constraint) };
};

const effectiveV1: Recognizer = (value, file) => {
  if (!isRecord(value) || typeof value.constraint !== 'string' || !CONSTRAINT.test(value.constraint)) return undefined;
  if (!keysWithin(value, ['constraint', 'version', 'etag', 'updateTime', 'booleanPolicy', 'listPolicy', 'restoreDefault']) || hasEtag(value)) return undefined;
  const project = projectFromPath(file);
  if (!project) return undefined;
  const constraint = bareConstraint(value.constraint);
  return { kind: 'GcpEffectivePolicy', name: gcpEvidenceName.effectivePolicy(project, constraint), cli: gcpCli.effectivePolicyV1(project, constraint) };
};

const SUMMARY_VALUES = ['SET', '-', 'DRY_RUN_SET', 'LIVE_AND_DRY_RUN_SET'];

const policyList: Recognizer = (value, file) => {
  // `gcloud org-policies list --format json`: a bare array of summary rows.
  if (Array.isArray(value)) {
    const rows = value.length > 0 && value.every((r) => isRecord(r) && typeof r.constraint === 'string' && SUMMARY_VALUES.includes(String(r.booleanPolicy)) && SUMMARY_VALUES.includes(String(r.listPolicy)));
    const project = projectFromPath(file);
    return rows && project ? { kind: 'GcpPolicyList', name: gcpEvidenceName.policyList(project), cli: gcpCli.policyListGcloud(project) } : undefined;
  }
  // The ListPolicies REST body, as the live collector stores it.
  if (!isRecord(value) || !Array.isArray(value.policies) || value.policies.length === 0 || !keysWithin(value, ['policies', 'nextPageToken'])) return undefined;
  const projects = new Set(value.policies.map((p) => (isRecord(p) && typeof p.name === 'string' ? V2_NAME.exec(p.name)?.[1] : undefined)));
  const named = [...projects][0];
  if (projects.size !== 1 || named === undefined) return undefined;
  const project = projectFromPath(file) ?? named;
  return { kind: 'GcpPolicyList', name: gcpEvidenceName.policyList(project), cli: gcpCli.policyList(project) };
};

const iamPolicy: Recognizer = (value, file) => {
  if (!isRecord(value) || typeof value.etag !== 'string' || !keysWithin(value, ['version', 'etag', 'bindings', 'auditConfigs'])) return undefined;
  const bindings = value.bindings;
  const bindingsOk = bindings === undefined || (Array.isArray(bindings) && bindings.every((b) => isRecord(b) && typeof b.role === 'string' && Array.isArray(b.members)));
  const node = nodeFromPath(file);
  if (!bindingsOk || !node) return undefined;
  if (node.type === 'folders') return { kind: 'GcpFolderIamPolicy', name: gcpEvidenceName.folderIamPolicy(node.id), cli: gcpCli.folderIamPolicy(node.id) };
  if (node.type === 'organizations') return { kind: 'GcpOrganizationIamPolicy', name: gcpEvidenceName.organizationIamPolicy(node.id), cli: gcpCli.organizationIamPolicy(node.id) };
  return { kind: 'GcpIamPolicy', name: gcpEvidenceName.iamPolicy(node.id), cli: gcpCli.iamPolicy(node.id) };
};

const PARENT = /^(folders|organizations)\/[0-9]+$/;
const PROJECT_KEYS = ['name', 'parent', 'projectId', 'projectNumber', 'state', 'lifecycleState', 'displayName', 'createTime', 'updateTime', 'deleteTime', 'etag', 'labels', 'tags', 'configuredCapabilities'];

function parentOk(parent: unknown): boolean {
  if (parent === undefined) return true;
  if (typeof parent === 'string') return PARENT.test(parent);
  return isRecord(parent) && (parent.type === 'folder' || parent.type === 'organization') && typeof parent.id === 'string' && NUMBER.test(parent.id);
}

// v3 names the project `projects/<number>`; v1 (gcloud) carries projectNumber and a display `name`.
const project: Recognizer = (value, file) => {
  if (!isRecord(value) || typeof value.projectId !== 'string' || !SEGMENT.test(value.projectId) || !keysWithin(value, PROJECT_KEYS)) return undefined;
  const v3 = typeof value.name === 'string' && /^projects\/[0-9]+$/.test(value.name);
  const v1 = typeof value.projectNumber === 'string' && NUMBER.test(value.projectNumber);
  if (!(v3 || v1) || !parentOk(value.parent)) return undefined;
  const id = projectFromPath(file) ?? value.projectId;
  return { kind: 'GcpProject', name: gcpEvidenceName.project(id), cli: gcpCli.project(id) };
};

const folder: Recognizer = (value) => {
  if (!isRecord(value) || typeof value.name !== 'string' || typeof value.parent !== 'string' || !PARENT.test(value.parent)) return undefined;
  if (!keysWithin(value, ['name', 'parent', 'displayName', 'state', 'lifecycleState', 'createTime', 'updateTime', 'deleteTime', 'etag'])) return undefined;
  const id = /^folders\/([0-9]+)$/.exec(value.name)?.[1];
  return id ? { kind: 'GcpFolder', name: gcpEvidenceName.folder(id), cli: gcpCli.folder(id) } : undefined;
};

export const gcpRecognizers: readonly Recognizer[] = [effectiveV2, effectiveV1, policyList, iamPolicy, project, folder];
