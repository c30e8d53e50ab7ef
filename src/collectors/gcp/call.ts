import type { EvidenceStore } from '../../evidence/store.ts';
import { API_VERSION, type GcpApiKind } from '../../inventory/gcp/schema.ts';
import type { EvidenceGap, GapReason } from '../../inventory/types.ts';
import { classifyGcpError, GcpCallTimeout, type GcpCallError } from './errors.ts';

// One Google Cloud call as the collector makes it: a deadline, bounded retries of transient failures,
// the response stored as evidence, and a failure turned into an evidence gap (never an exception).
// Shared by the Org Policy / IAM calls (collect.ts) and the resource hierarchy walk (hierarchy.ts).

export interface CallContext {
  target: string;
  store: EvidenceStore;
  gaps: EvidenceGap[];
  requests: number;
  maxAttempts: number;
  timeoutMs: number;
  sleep: (ms: number) => Promise<void>;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: GcpCallError; attempts: number };

// What a call needs, for the gap message (README "Google Cloud roles"): the permission, a role that
// grants it, and where that role must be granted.
export interface Needs {
  permission: string;
  role: string;
  grantedOn: string;
}

export interface CallInfo {
  kind: GcpApiKind;
  name: string;
  call: string;
  cli: string;
  gapId: string;
  // The node called, e.g. 'projects/acme-prod' or 'folders/123'.
  resource: string;
  needs: Needs;
}

// One request with a deadline and bounded retries of transient failures.
export async function attempt<T>(ctx: CallContext, call: (timeoutMs: number) => Promise<T>): Promise<Outcome<T>> {
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

export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export async function store(ctx: CallContext, info: CallInfo, raw: unknown): Promise<void> {
  await ctx.store.put({
    target: ctx.target,
    source: { type: 'cloud-api', call: info.call },
    raw,
    apiVersion: API_VERSION,
    kind: info.kind,
    name: info.name,
    cli: info.cli,
  });
}

export function addGap(ctx: CallContext, info: CallInfo, reason: GapReason, message: string): void {
  ctx.gaps.push({ id: info.gapId, target: ctx.target, reason, kinds: [info.kind], message: `${info.call} (${info.kind}) ${message}` });
}

// A failed call: the 4xx answer is kept as evidence, and the failure is a gap unless it is data.
export async function failed(ctx: CallContext, info: CallInfo, error: GcpCallError, attempts: number, notFoundIsData: boolean): Promise<void> {
  const answered = error.body !== undefined && error.httpStatus !== undefined && error.httpStatus >= 400 && error.httpStatus < 500;
  if (answered) await store(ctx, info, error.body);
  const what = `${error.status}${error.httpStatus ? ` ${error.httpStatus}` : ''}${error.message ? `: ${error.message}` : ''}`;
  if (error.status === 'NOT_FOUND' && notFoundIsData) return;
  if (error.status === 'PERMISSION_DENIED') {
    addGap(ctx, info, 'access-denied', `was denied (${what}): the caller needs ${info.needs.permission} on ${info.resource}, granted by ${info.needs.role} on ${info.needs.grantedOn} (if the message names a disabled API, enable it instead)`);
    return;
  }
  if (error.status === 'UNAUTHENTICATED') {
    addGap(ctx, info, 'access-denied', `was refused (${what}): the credentials were not accepted; check the service account key, workload identity or gcloud login`);
    return;
  }
  if (error.status === 'NOT_FOUND') {
    addGap(ctx, info, 'not-found', `answered ${what}: ${info.resource} does not exist or is not visible to the caller`);
    return;
  }
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  addGap(ctx, info, 'api-error', `failed${tries} (${what})`);
}
