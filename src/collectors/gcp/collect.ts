import type { OrgPolicyClient } from '@google-cloud/org-policy';
import type { EvidenceStore } from '../../evidence/store.ts';
import { GCP_BASELINE_CONSTRAINTS } from '../../inventory/gcp/constraints.ts';
import { bareConstraint, gcpApiCall, gcpCli, gcpEvidenceName } from '../../inventory/gcp/names.ts';
import type { EvidenceGap } from '../../inventory/types.ts';
import { UsageError } from '../../shared/errors.ts';
import { addGap, attempt, failed, slug, store, type CallContext, type CallInfo } from './call.ts';
import { collectHierarchy, type HierarchyClients } from './hierarchy.ts';
import { toRestJson } from './proto-json.ts';

// Collects the Google Cloud evidence the gcp checks judge, for one project:
// - Org Policy v2 getEffectivePolicy for each constraint (the policy merged across the hierarchy:
//   the only one that says what is enforced);
// - Org Policy v2 listPolicies (the policies set on the project itself, to see dry-run specs);
// - Resource Manager v3 getIamPolicy (requestedPolicyVersion 3, so conditional bindings keep their role);
// - the project's ancestry and the IAM policies of its folders and organization (hierarchy.ts).
// Each response is stored as the proto3 JSON body the REST API and gcloud print, with the API call
// and the command that prints the same JSON (for projects.get and folders.get, gcloud reads the
// older v1 / v2 API: the same resource and parent under older field names). The client libraries decode responses with their own
// protos, so a field those protos lack is not kept (org-policy 3.0.1: the top-level Policy.etag and
// PolicyRule.parameters of managed constraints); no check reads either.
// Failures: PERMISSION_DENIED / UNAUTHENTICATED is an access-denied gap naming the permission and
// role; NOT_FOUND from getEffectivePolicy is data (no policy set: the default applies), stored, no
// gap; UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, 5xx and dropped connections are
// retried with bounded exponential backoff (the REST transport of google-gax 5 does not retry, so
// SDK retries are switched off and this is the only retry layer); anything else is an api-error gap.
// A 4xx answer is stored as evidence too, so the answer itself can be shown. No API failure throws.

export interface GcpClients extends HierarchyClients {
  orgPolicy: OrgPolicyClient;
}

export interface CollectGcpOptions {
  target: string;
  // Project id (or number) as the caller names it; it names every evidence record.
  projectId: string;
  // Org Policy constraints to read (with or without the `constraints/` prefix); default the baseline
  // of controls-mapping 4.1 (GCP_BASELINE_CONSTRAINTS).
  constraints?: readonly string[];
  clients: GcpClients;
  store: EvidenceStore;
  // Attempts per request, the first included (default 4); backoff 500 ms, 1 s, 2 s… capped at 8 s.
  maxAttempts?: number;
  // Deadline per request (default 60 s); the REST transport has none of its own.
  timeoutMs?: number;
  // Pages of listPolicies read at most (default 100).
  maxPages?: number;
  // Injected for tests.
  sleep?: (ms: number) => Promise<void>;
}

export interface CollectGcpResult {
  gaps: EvidenceGap[];
  // HTTP requests made, retries and pages included.
  requests: number;
}

// What each call needs, for the gap message (README "Google Cloud roles").
const ON_PROJECT = 'the project or a folder or organization above it';
const NEEDS = {
  effective: { permission: 'orgpolicy.policy.get', role: 'roles/orgpolicy.policyViewer', grantedOn: ON_PROJECT },
  list: { permission: 'orgpolicy.policies.list', role: 'roles/orgpolicy.policyViewer', grantedOn: ON_PROJECT },
  iam: { permission: 'resourcemanager.projects.getIamPolicy', role: 'roles/iam.securityReviewer', grantedOn: ON_PROJECT },
} as const;

interface Context extends CallContext {
  opts: CollectGcpOptions;
}

const RESOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9.:_-]*$/;

export async function collectGcp(opts: CollectGcpOptions): Promise<CollectGcpResult> {
  if (!RESOURCE_ID.test(opts.projectId)) throw new UsageError('USAGE', `"${opts.projectId}" is not a Google Cloud project id or number`);
  const constraints = [...new Set((opts.constraints ?? GCP_BASELINE_CONSTRAINTS).map(bareConstraint))];
  const bad = constraints.find((c) => !RESOURCE_ID.test(c));
  if (bad !== undefined) throw new UsageError('USAGE', `"${bad}" is not an organization policy constraint name`);

  const ctx: Context = {
    opts,
    target: opts.target,
    store: opts.store,
    gaps: [],
    requests: 0,
    maxAttempts: Math.max(1, opts.maxAttempts ?? 4),
    timeoutMs: opts.timeoutMs ?? 60_000,
    sleep: opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  };
  for (const constraint of constraints) await collectEffective(ctx, constraint);
  await collectPolicyList(ctx);
  await collectIamPolicy(ctx);
  await collectHierarchy(ctx, opts.clients, opts.projectId);
  return { gaps: ctx.gaps, requests: ctx.requests };
}

async function collectEffective(ctx: Context, constraint: string): Promise<void> {
  const project = ctx.opts.projectId;
  const info: CallInfo = {
    kind: 'GcpEffectivePolicy',
    name: gcpEvidenceName.effectivePolicy(project, constraint),
    call: gcpApiCall.effectivePolicy(project, constraint),
    cli: gcpCli.effectivePolicy(project, constraint),
    gapId: `gap-gcp-${slug(project)}-effective-${slug(constraint)}`,
    resource: `projects/${project}`,
    needs: NEEDS.effective,
  };
  const name = `projects/${project}/policies/${constraint}`;
  const res = await attempt(ctx, (timeout) => ctx.opts.clients.orgPolicy.getEffectivePolicy({ name }, { retry: null, timeout }));
  if (!res.ok) return failed(ctx, info, res.error, res.attempts, true);
  await store(ctx, info, toRestJson(res.value[0]));
}

async function collectPolicyList(ctx: Context): Promise<void> {
  const project = ctx.opts.projectId;
  const info: CallInfo = {
    kind: 'GcpPolicyList',
    name: gcpEvidenceName.policyList(project),
    call: gcpApiCall.policyList(project),
    cli: gcpCli.policyList(project),
    gapId: `gap-gcp-${slug(project)}-policies`,
    resource: `projects/${project}`,
    needs: NEEDS.list,
  };
  const maxPages = ctx.opts.maxPages ?? 100;
  const policies: unknown[] = [];
  const tokens = new Set<string>();
  let pageToken: string | undefined;
  for (let page = 1; ; page++) {
    const request = { parent: `projects/${project}`, ...(pageToken ? { pageToken } : {}) };
    const res = await attempt(ctx, (timeout) => ctx.opts.clients.orgPolicy.listPolicies(request, { retry: null, timeout, autoPaginate: false }));
    if (!res.ok) {
      if (page === 1) return failed(ctx, info, res.error, res.attempts, false);
      addGap(ctx, info, 'api-error', `page ${page} failed (${res.error.status}: ${res.error.message}); the list of policies set on the project is incomplete and was not stored`);
      return;
    }
    const [items, next] = res.value;
    policies.push(...items.map(toRestJson));
    const token = next?.pageToken ?? '';
    if (token === '') break;
    if (tokens.has(token) || page >= maxPages) {
      addGap(ctx, info, 'api-error', `paging did not end after ${page} page(s); the list of policies set on the project is incomplete and was not stored`);
      return;
    }
    tokens.add(token);
    pageToken = token;
  }
  // The REST body of ListPolicies, all pages merged (an empty list is `{}` in proto3 JSON).
  await store(ctx, info, policies.length > 0 ? { policies } : {});
}

async function collectIamPolicy(ctx: Context): Promise<void> {
  const project = ctx.opts.projectId;
  const info: CallInfo = {
    kind: 'GcpIamPolicy',
    name: gcpEvidenceName.iamPolicy(project),
    call: gcpApiCall.iamPolicy(project),
    cli: gcpCli.iamPolicy(project),
    gapId: `gap-gcp-${slug(project)}-iam-policy`,
    resource: `projects/${project}`,
    needs: NEEDS.iam,
  };
  // Version 3: at version 1 a conditional binding comes back as `roles/owner_withcond_<hash>`.
  const res = await attempt(ctx, (timeout) =>
    ctx.opts.clients.projects.getIamPolicy({ resource: `projects/${project}`, options: { requestedPolicyVersion: 3 } }, { retry: null, timeout }),
  );
  if (!res.ok) return failed(ctx, info, res.error, res.attempts, false);
  await store(ctx, info, toRestJson(res.value[0]));
}
