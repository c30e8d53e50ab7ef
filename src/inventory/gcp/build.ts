import { parseAreaObject, type AreaInput, type AreaObject, type AreaOutput } from '../area.ts';
import { describeRules } from './constraints.ts';
import { bareConstraint, parseGcpEvidenceName } from './names.ts';
import {
  API_GROUP,
  effectivePolicyFormat,
  ErrorBody,
  FolderBody,
  IamPolicyBody,
  isGcpApiKind,
  bodyHas,
  OrgPolicyV1,
  PolicyListBody,
  PolicySummaryBody,
  PolicyV2,
  ProjectBody,
  parentName,
  type Expr,
  type GcpApiKind,
  type PolicySpecV2,
} from './schema.ts';
import type { GcpEffectiveState, GcpInventory, GcpPolicyState, GcpRule } from './types.ts';

// Builds the Google Cloud view from the API responses the collector stored (or gcloud JSON a
// snapshot held). The node (project, folder, organization) and constraint of a record come from its
// evidence name, never from the body: a response names the project by number, the collector by the
// id it was given.

export function emptyGcpInventory(): GcpInventory {
  return { present: false, presenceEvidence: [], projects: [], effectivePolicies: [], dryRuns: [], iamPolicies: [], hierarchy: [] };
}

export function buildGcpInventory(input: AreaInput): AreaOutput<GcpInventory> {
  const inv = emptyGcpInventory();
  const claimed = new Set<string>();
  const projects = new Map<string, Set<string>>();

  for (const o of input.objects) {
    if (o.group !== API_GROUP || !isGcpApiKind(o.kind)) continue;
    claimed.add(o.evidenceId);
    const id = parseGcpEvidenceName(o.kind, o.name);
    if (!id) {
      nameGap(input, o, o.kind);
      continue;
    }
    if (id.project !== undefined) {
      const seen = projects.get(id.project) ?? new Set<string>();
      seen.add(o.evidenceId);
      projects.set(id.project, seen);
    }
    if (o.kind === 'GcpEffectivePolicy' && id.project !== undefined && id.constraint) claimEffective(input, o, inv, id.project, bareConstraint(id.constraint));
    else if (o.kind === 'GcpPolicyList' && id.project !== undefined) claimList(input, o, inv, id.project);
    else if (o.kind === 'GcpIamPolicy' || o.kind === 'GcpFolderIamPolicy' || o.kind === 'GcpOrganizationIamPolicy') claimIam(input, o, inv, id.node);
    else if (o.kind === 'GcpProject' || o.kind === 'GcpFolder') claimNode(input, o, inv, id.node);
  }

  inv.presenceEvidence = [...claimed].sort();
  inv.present = claimed.size > 0;
  inv.projects = [...projects.entries()].map(([projectId, ids]) => ({ id: projectId, evidence: [...ids].sort() })).sort((a, b) => a.id.localeCompare(b.id));
  inv.effectivePolicies.sort((a, b) => a.project.localeCompare(b.project) || a.constraint.localeCompare(b.constraint) || a.evidenceId.localeCompare(b.evidenceId));
  inv.dryRuns.sort((a, b) => a.project.localeCompare(b.project) || a.constraint.localeCompare(b.constraint) || a.evidenceId.localeCompare(b.evidenceId));
  inv.iamPolicies.sort((a, b) => a.node.localeCompare(b.node) || a.evidenceId.localeCompare(b.evidenceId));
  inv.hierarchy.sort((a, b) => a.node.localeCompare(b.node) || a.evidenceId.localeCompare(b.evidenceId));
  return { inventory: inv, claimed };
}

function nameGap(input: AreaInput, o: AreaObject, kind: GcpApiKind): void {
  input.addGap({
    id: `gap-${o.evidenceId.replace(/^ev-/, '')}`,
    target: input.target,
    reason: 'schema-invalid',
    kinds: [kind],
    message: `${kind} evidence ${o.evidenceId} has the name "${o.name}", which does not say which project, folder or organization (and constraint) it is about`,
    ...(o.file ? { file: o.file } : {}),
    ...(o.line ? { line: o.line } : {}),
  });
}

function condition(expr: Expr | null | undefined): string | undefined {
  if (!expr) return undefined;
  const title = expr.title ? `"${expr.title}"` : '';
  const expression = expr.expression ?? '';
  if (!title && !expression) return undefined;
  return title && expression ? `${title} (${expression})` : title || expression;
}

function v2Rules(spec: PolicySpecV2, field: 'spec' | 'dryRunSpec'): GcpRule[] {
  return (spec.rules ?? []).map((r, i) => ({
    path: `${field}.rules[${i}]`,
    condition: condition(r.condition),
    enforce: r.enforce ?? undefined,
    allowAll: r.allowAll === true,
    denyAll: r.denyAll === true,
    allowedValues: r.values?.allowedValues ?? [],
    deniedValues: r.values?.deniedValues ?? [],
  }));
}

function errorState(error: ErrorBody['error']): GcpEffectiveState {
  const status = error.status ?? (error.code !== null && error.code !== undefined ? `HTTP ${error.code}` : 'error');
  const message = error.message ?? '';
  return status === 'NOT_FOUND' || error.code === 404 ? { state: 'notFound', message } : { state: 'unreadable', status, message };
}

// A dry-run spec matters only when it would restrict something once made live.
function dryRunDetail(spec: PolicySpecV2 | null | undefined): string | undefined {
  if (!spec) return undefined;
  const rules = v2Rules(spec, 'dryRunSpec');
  const restricting = rules.some((r) => r.enforce === true || r.denyAll || r.allowedValues.length > 0 || r.deniedValues.length > 0);
  return restricting ? describeRules(rules) : undefined;
}

function claimEffective(input: AreaInput, o: AreaObject, inv: GcpInventory, project: string, constraint: string): void {
  const format = effectivePolicyFormat(o.raw.body);
  const ref = { kind: 'OrgPolicy', name: `projects/${project}/policies/${constraint}` };
  const base = { project, constraint, evidenceId: o.evidenceId, ref };
  if (format === 'error') {
    const parsed = parseAreaObject(input, o, ErrorBody, 'body');
    if (parsed) inv.effectivePolicies.push({ ...base, effective: errorState(parsed.spec.error) });
    return;
  }
  if (format === 'v1') {
    const parsed = parseAreaObject(input, o, OrgPolicyV1, 'body');
    if (!parsed) return;
    const p = parsed.spec;
    const rules: GcpRule[] = [];
    if (p.booleanPolicy) {
      const enforced = p.booleanPolicy.enforced;
      rules.push({
        path: 'booleanPolicy',
        condition: undefined,
        // Resource Manager v1: `enforced` absent (booleanPolicy: {}) means false.
        enforce: enforced === true,
        allowAll: false,
        denyAll: false,
        allowedValues: [],
        deniedValues: [],
        ...(enforced === undefined || enforced === null ? { enforcedAbsent: true } : {}),
      });
    }
    if (p.listPolicy) {
      rules.push({
        path: 'listPolicy',
        condition: undefined,
        enforce: undefined,
        allowAll: p.listPolicy.allValues === 'ALLOW',
        denyAll: p.listPolicy.allValues === 'DENY',
        allowedValues: p.listPolicy.allowedValues ?? [],
        deniedValues: p.listPolicy.deniedValues ?? [],
      });
    }
    const policy: GcpPolicyState = {
      format: 'v1',
      rules,
      reset: p.restoreDefault !== undefined && p.restoreDefault !== null,
      specPresent: Boolean(p.booleanPolicy || p.listPolicy || p.restoreDefault),
    };
    inv.effectivePolicies.push({ ...base, effective: { state: 'set', policy } });
    return;
  }
  const parsed = parseAreaObject(input, o, PolicyV2, 'body');
  if (!parsed) return;
  const p = parsed.spec;
  const policy: GcpPolicyState = {
    format: 'v2',
    rules: p.spec ? v2Rules(p.spec, 'spec') : [],
    reset: p.spec?.reset === true,
    specPresent: Boolean(p.spec),
  };
  inv.effectivePolicies.push({ ...base, effective: { state: 'set', policy } });
  const dry = dryRunDetail(p.dryRunSpec);
  if (dry) inv.dryRuns.push({ project, constraint, evidenceId: o.evidenceId, detail: dry });
}

function claimList(input: AreaInput, o: AreaObject, inv: GcpInventory, project: string): void {
  const body = o.raw.body;
  // A denied list is a gap the collector reported; it tells nothing about dry runs.
  if (bodyHas(body, 'error')) {
    parseAreaObject(input, o, ErrorBody, 'body');
    return;
  }
  if (bodyHas(body, 'items')) {
    // `gcloud org-policies list` rows: only boolean dry runs are shown.
    const parsed = parseAreaObject(input, o, PolicySummaryBody, 'body');
    for (const row of parsed?.spec.items ?? []) {
      if (row.booleanPolicy === 'DRY_RUN_SET' || row.booleanPolicy === 'LIVE_AND_DRY_RUN_SET') {
        inv.dryRuns.push({ project, constraint: bareConstraint(row.constraint), evidenceId: o.evidenceId, detail: `gcloud org-policies list shows booleanPolicy ${row.booleanPolicy}` });
      }
    }
    return;
  }
  const parsed = parseAreaObject(input, o, PolicyListBody, 'body');
  for (const p of parsed?.spec.policies ?? []) {
    const constraint = bareConstraint(p.name.split('/').pop() ?? '');
    const dry = dryRunDetail(p.dryRunSpec);
    if (constraint && dry) inv.dryRuns.push({ project, constraint, evidenceId: o.evidenceId, detail: dry });
  }
}

function claimIam(input: AreaInput, o: AreaObject, inv: GcpInventory, node: string): void {
  const base = { node, evidenceId: o.evidenceId, ref: { kind: 'IamPolicy', name: node } };
  if (bodyHas(o.raw.body, 'error')) {
    const parsed = parseAreaObject(input, o, ErrorBody, 'body');
    if (!parsed) return;
    const state = errorState(parsed.spec.error);
    if (state.state === 'set') return;
    inv.iamPolicies.push({ ...base, state: 'unreadable', status: state.state === 'unreadable' ? state.status : 'NOT_FOUND', message: state.message });
    return;
  }
  const parsed = parseAreaObject(input, o, IamPolicyBody, 'body');
  if (!parsed) return;
  inv.iamPolicies.push({
    ...base,
    state: 'ok',
    version: parsed.spec.version ?? undefined,
    bindings: (parsed.spec.bindings ?? []).map((b) => ({ role: b.role, members: b.members ?? [], condition: condition(b.condition) })),
  });
}

// projects.get / folders.get: the parent link. A stored error answer makes the node's parent unknown.
function claimNode(input: AreaInput, o: AreaObject, inv: GcpInventory, node: string): void {
  const base = { node, evidenceId: o.evidenceId };
  if (bodyHas(o.raw.body, 'error')) {
    const parsed = parseAreaObject(input, o, ErrorBody, 'body');
    if (!parsed) return;
    const e = parsed.spec.error;
    inv.hierarchy.push({ ...base, state: 'unreadable', status: e.status ?? (typeof e.code === 'number' ? `HTTP ${e.code}` : 'error'), message: e.message ?? '' });
    return;
  }
  const parsed = o.kind === 'GcpProject' ? parseAreaObject(input, o, ProjectBody, 'body') : parseAreaObject(input, o, FolderBody, 'body');
  if (!parsed) return;
  const parent = parentName(parsed.spec.parent);
  if (parent === null) {
    inv.hierarchy.push({ ...base, state: 'unreadable', status: 'BAD_RESPONSE', message: `the parent ${JSON.stringify(parsed.spec.parent)} is not a folder or an organization` });
    return;
  }
  inv.hierarchy.push({ ...base, state: 'ok', parent });
}
