import { HttpMethod, KubeConfig, ServerConfiguration, createConfiguration, type Configuration } from '@kubernetes/client-node';
import { CollectorError, UsageError, errorMessage } from '../../shared/errors.ts';
import { Status } from './schema.ts';

export interface KubeResponse {
  // The request as an auditor reads it: "GET /api/v1/pods?limit=500".
  call: string;
  body: unknown;
}

export interface KubeClientOptions {
  // Per request; a stuck connection must not hang an unattended audit job.
  requestTimeoutMs?: number;
  // Aborts every request of this client (the per-target timeout); the abort reason is thrown as is.
  signal?: AbortSignal;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

// Transport failures worth another attempt (the API server restarting, a dropped connection).
// TLS and DNS-name errors are not: they fail the same way every time.
const RETRYABLE_TRANSPORT = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
// Failures to reach the server at all: a stopped API server answers the same way on every retry,
// so these get few attempts (RetryPolicy.maxConnectAttempts) and end the collection of the cluster.
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'EAI_AGAIN']);

// The connection-level code (ECONNREFUSED, …) behind a collector error, following its causes.
export function connectFailure(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = transportCode(e);
    if (code && CONNECT_FAILURES.has(code)) return code;
  }
  return undefined;
}

// One cluster (one kubeconfig context), read-only GETs through the SDK's own pieces: the
// KubeConfig's authentication (token, client certificate, exec plugin, CA) and its HTTP library.
// Responses stay raw JSON: the typed CoreV1Api/AppsV1Api models re-serialize objects (timestamps
// become Date, fields unknown to the SDK are dropped), and evidence must be what the server sent.
// CustomObjectsApi returns raw JSON but cannot reach the core group (/api/v1), so every call goes
// through one request path with one error, timeout and retry behaviour.
export class KubeApiClient {
  readonly context: string;
  readonly server: string;
  private readonly kc: KubeConfig;
  private readonly config: Configuration;
  private readonly timeoutMs: number;
  private readonly signal: AbortSignal | undefined;
  // Every HTTP request sent, retries included.
  requests = 0;

  constructor(kubeConfig: KubeConfig, context: string, options: KubeClientOptions = {}) {
    if (!kubeConfig.contexts.some((c) => c.name === context)) {
      throw new UsageError('USAGE', `Kubernetes context "${context}" is not in the kubeconfig (contexts: ${kubeConfig.contexts.map((c) => c.name).join(', ') || 'none'})`);
    }
    // A private copy bound to `context`: the caller's KubeConfig is never switched, so several
    // contexts can be collected from one KubeConfig without interfering.
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: kubeConfig.clusters, users: kubeConfig.users, contexts: kubeConfig.contexts, currentContext: context });
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new UsageError('CONFIG_INVALID', `Kubernetes context "${context}" names no cluster in the kubeconfig`);
    this.context = context;
    this.server = cluster.server.replace(/\/+$/, '');
    this.kc = kc;
    this.config = createConfiguration({ baseServer: new ServerConfiguration(this.server, {}), authMethods: { default: kc } });
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.signal = options.signal;
  }

  // GET path?query and parse the JSON body. Any non-2xx answer or transport failure is thrown as
  // a CollectorError carrying the status and Retry-After, for the caller's retry policy.
  async get(path: string, query: readonly (readonly [string, string])[] = []): Promise<KubeResponse> {
    const qs = new URLSearchParams(query.map(([k, v]): [string, string] => [k, v])).toString();
    const call = `GET ${path}${qs ? `?${qs}` : ''}`;
    const request = this.config.baseServer.makeRequestContext(path, HttpMethod.GET);
    for (const [k, v] of query) request.setQueryParam(k, v);
    request.setHeaderParam('Accept', 'application/json');
    this.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    request.setSignal(this.signal ? AbortSignal.any([timeout, this.signal]) : timeout);
    try {
      await this.kc.applySecurityAuthentication(request);
    } catch (err) {
      // A missing token file, client certificate or failing exec plugin: no request was sent.
      throw new CollectorError('CREDENTIALS', `${call}: could not load the credentials of context ${this.context}: ${errorMessage(err)}`, { status: 0, call }, { cause: err });
    }

    this.requests++;
    let status: number;
    let headers: Record<string, string>;
    let text: string;
    try {
      const response = await this.config.httpApi.send(request).toPromise();
      status = response.httpStatusCode;
      headers = response.headers;
      text = await response.body.text();
    } catch (err) {
      // The target's time is up: not a transport failure to retry, the whole collection stops.
      if (this.signal?.aborted) throw this.signal.reason;
      const code = transportCode(err);
      throw new CollectorError('TRANSPORT', `${call}: ${code ? `${code}: ` : ''}${errorMessage(err)}`, { status: 0, call, retryable: code !== undefined && RETRYABLE_TRANSPORT.has(code) }, { cause: err });
    }

    if (status >= 200 && status < 300) {
      try {
        return { call, body: JSON.parse(text) as unknown };
      } catch (err) {
        throw new CollectorError('INVALID_RESPONSE', `${call}: the response is not JSON (${errorMessage(err)})`, { status, call });
      }
    }
    throw httpError(call, status, headers, text);
  }
}

function transportCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; errno?: unknown; name?: unknown; type?: unknown };
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.type === 'aborted') return 'ETIMEDOUT';
  if (typeof e.code === 'string') return e.code;
  if (typeof e.errno === 'string') return e.errno;
  return undefined;
}

function httpError(call: string, status: number, headers: Record<string, string>, text: string): CollectorError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const st = Status.safeParse(parsed);
  const serverSays = st.success && st.data.message ? st.data.message : text.trim().slice(0, 300);
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  const detail = `${call}: ${status}${st.success && st.data.reason ? ` ${st.data.reason}` : ''}${serverSays ? `: ${serverSays}` : ''}`;
  const base = { status, call, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  if (status === 401) return new CollectorError('UNAUTHORIZED', detail, base);
  if (status === 403) return new CollectorError('FORBIDDEN', detail, base);
  if (status === 404) return new CollectorError('NOT_FOUND', detail, base);
  if (status === 410) return new CollectorError('GONE', detail, base);
  if (status === 429) return new CollectorError('THROTTLED', detail, { ...base, retryable: true });
  if (status >= 500) return new CollectorError('SERVER_ERROR', detail, { ...base, retryable: status !== 501 });
  return new CollectorError('HTTP_ERROR', detail, base);
}

// Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
