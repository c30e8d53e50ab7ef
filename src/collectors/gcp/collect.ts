import type { OrgPolicyClient } from '@google-cloud/org-policy';
import type { ProjectsClient } from '@google-cloud/resource-manager';
import type { EvidenceStore } from '../../evidence/store.ts';
import { GCP_BASELINE_CONSTRAINTS } from '../../inventory/gcp/constraints.ts';
import { bareConstraint, gcpApiCall, gcpCli, gcpEvidenceName } from '../../inventory/gcp/names.ts';
import { API_VERSION, type GcpApiKind } from '../../inventory/gcp/schema.ts';
import type { EvidenceGap, GapReason } from '../../inventory/types.ts';
import { UsageError } from '../../shared/errors.ts';
import { classifyGcpError, GcpCallTimeout, type GcpCallError } from './errors.ts';
import { toRestJson } from './proto-json.ts';

// Collects the Google Cloud evidence the gcp checks judge, for one project:
// - Org Policy v2 getEffectivePolicy for each constraint (the policy merged across the hierarchy:
//   the only one that says what is enforced);
// - Org Policy v2 listPolicies (the policies set on the project itself, to see dry-run specs);
// - Resource Manager v3 getIamPolicy (requestedPolicyVersion 3, so conditional bindings keep their role).
// Each response is stored as the proto3 JSON body the REST API and gcloud print, with the API call
// and the command that prints the same JSON. The client libraries decode responses with their own
// protos, so a field those protos lack is not kept (org-policy 3.0.1: the top-level Policy.etag and
// PolicyRule.parameters of managed constraints); no check reads either.
// Failures: PERMISSION_DENIED / UNAUTHENTICATED is an access-denied gap naming the permission and
// role; NOT_FOUND from getEffectivePolicy is data (no policy set: the default applies), stored, no
// gap; UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, 5xx and dropped connections are
// retried with bounded exponential backoff (the REST transport of google-gax 5 does not retry, so
// SDK retries are switched off and this is the only retry layer); anything else is an api-error gap.
// A 4xx answer is stored as evidence too, so the answer itself can be shown. No API failure throws.

export interface GcpClients {
  orgPolicy: OrgPolicyClient;
  projects: ProjectsClient;
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
const NEEDS = {
  effective: { permission: 'orgpolicy.policy.get', role: 'roles/orgpolicy.policyViewer' },
  list: { permission: 'orgpolicy.policies.list', role: 'roles/orgpolicy.policyViewer' },
  iam: { permission: 'resourcemanager.projects.getIamPolicy', role: 'roles/iam.securityReviewer' },
} as const;

interface Context {
  opts: CollectGcpOptions;
  gaps: EvidenceGap[];
  requests: number;
  maxAttempts: number;
  timeoutMs: number;
  sleep: (ms: number) => Promise<void>;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: GcpCallError; attempts: number };

const RESOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9.:_-]*$/;

export async function collectGcp(opts: CollectGcpOptions): Promise<CollectGcpResult> {
  if (!RESOURCE_ID.test(opts.projectId)) throw new UsageError('USAGE', `"${opts.projectId}" is not a Google Cloud project id or number`);
  const constraints = [...new Set((opts.constraints ?? GCP_BASELINE_CONSTRAINTS).map(bareConstraint))];
  const bad = constraints.find((c) => !RESOURCE_ID.test(c));
  if (bad !== undefined) throw new UsageError('USAGE', `"${bad}" is not an organization policy constraint name`);

  const ctx: Context = {
    opts,
    gaps: [],
    requests: 0,
    maxAttempts: Math.max(1, opts.maxAttempts ?? 4),
    timeoutMs: opts.timeoutMs ?? 60_000,
    sleep: opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  };
  for (const constraint of constraints) await collectEffective(ctx, constraint);
  await collectPolicyList(ctx);
  await collectIamPolicy(ctx);
  return { gaps: ctx.gaps, requests: ctx.requests };
}

// One request with a deadline and bounded retries of transient failures.
async function attempt<T>(ctx: Context, call: (timeoutMs: number) => Promise<T>): Promise<Outcome<T>> {
  for (let n = 1; ; n++) {
    ctx.requests++;
    try {
      return { ok: true, value: await withDeadline(call(ctx.timeoutMs), ctx.timeoutMs) };
    } catch (err) {
      const error = classifyGcpError(err);
      if (!error.retryable || n >= ctx.maxAttempts) return { ok: false, error, attempts: n };
      await ctx.sleep(Math.min(500 * 2 ** (n - 1), 8000));
    }
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new GcpCallTimeout(ms)), ms);
  });
  // The abandoned call may still settle later; its outcome is no longer wanted.
  promise.catch(() => undefined);
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

interface CallInfo {
  kind: GcpApiKind;
  name: string;
  call: string;
  cli: string;
  gapId: string;
  needs: { permission: string; role: string };
}

async function store(ctx: Context, info: CallInfo, raw: unknown): Promise<void> {
  await ctx.opts.store.put({
    target: ctx.opts.target,
    source: { type: 'cloud-api', call: info.call },
    raw,
    apiVersion: API_VERSION,
    kind: info.kind,
    name: info.name,
    cli: info.cli,
  });
}

function addGap(ctx: Context, info: CallInfo, reason: GapReason, message: string): void {
  ctx.gaps.push({ id: info.gapId, target: ctx.opts.target, reason, kinds: [info.kind], message: `${info.call} (${info.kind}) ${message}` });
}

// A failed call: the 4xx answer is kept as evidence, and the failure is a gap unless it is data.
async function failed(ctx: Context, info: CallInfo, error: GcpCallError, attempts: number, notFoundIsData: boolean): Promise<void> {
  const answered = error.body !== undefined && error.httpStatus !== undefined && error.httpStatus >= 400 && error.httpStatus < 500;
  if (answered) await store(ctx, info, error.body);
  const what = `${error.status}${error.httpStatus ? ` ${error.httpStatus}` : ''}${error.message ? `: ${error.message}` : ''}`;
  if (error.status === 'NOT_FOUND' && notFoundIsData) return;
  if (error.status === 'PERMISSION_DENIED') {
    addGap(ctx, info, 'access-denied', `was denied (${what}): the caller needs ${info.needs.permission} on projects/${ctx.opts.projectId}, granted by ${info.needs.role} on the project or a folder or organization above it (if the message names a disabled API, enable it instead)`);
    return;
  }
  if (error.status === 'UNAUTHENTICATED') {
    addGap(ctx, info, 'access-denied', `was refused (${what}): the credentials were not accepted; check the service account key, workload identity or gcloud login`);
    return;
  }
  if (error.status === 'NOT_FOUND') {
    addGap(ctx, info, 'not-found', `answered ${what}: the project does not exist or is not visible to the caller`);
    return;
  }
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  addGap(ctx, info, 'api-error', `failed${tries} (${what})`);
}

async function collectEffective(ctx: Context, constraint: string): Promise<void> {
  const project = ctx.opts.projectId;
  const info: CallInfo = {
    kind: 'GcpEffectivePolicy',
    name: gcpEvidenceName.effectivePolicy(project, constraint),
    call: gcpApiCall.effectivePolicy(project, constraint),
    cli: gcpCli.effectivePolicy(project, constraint),
    gapId: `gap-gcp-${slug(project)}-effective-${slug(constraint)}`,
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
    needs: NEEDS.iam,
  };
  // Version 3: at version 1 a conditional binding comes back as `roles/owner_withcond_<hash>`.
  const res = await attempt(ctx, (timeout) =>
    ctx.opts.clients.projects.getIamPolicy({ resource: `projects/${project}`, options: { requestedPolicyVersion: 3 } }, { retry: null, timeout }),
  );
  if (!res.ok) return failed(ctx, info, res.error, res.attempts, false);
  await store(ctx, info, toRestJson(res.value[0]));
}
