import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { shellQuote } from '../../evidence/cli-command.ts';
import type { EvidenceStore } from '../../evidence/store.ts';
import { API_VERSION, CONSUL_API_KINDS, type ConsulApiKind } from '../../inventory/consul/schema.ts';
import type { EvidenceGap, GapReason } from '../../inventory/types.ts';
import { errorMessage } from '../../shared/errors.ts';

// Collects the Consul HTTP API responses the Consul checks judge. Each response is stored verbatim
// (after EvidenceStore redaction) with the exact curl command that reproduces it; /v1/agent/self is
// reduced to the fields auditpack reads (its full body holds ACL tokens, gossip keys and cloud
// auto-join credentials), and the stored command applies the same jq projection.
// A denied call is an evidence gap, never an empty result; no API failure throws.

export interface CollectConsulApiOptions {
  // Consul HTTP(S) address, e.g. https://127.0.0.1:8501 (CONSUL_HTTP_ADDR; no scheme means http).
  address: string;
  // ACL token (CONSUL_HTTP_TOKEN), sent as X-Consul-Token and never stored.
  token?: string;
  target: string;
  store: EvidenceStore;
  // PEM CA bundle that signed the Consul server certificate (CONSUL_CACERT contents).
  caCertPem?: string;
  // Defaults to Node's built-in fetch; with caCertPem, to a node:https client trusting that CA.
  fetch?: typeof fetch;
  // Bounds for retrying 429 and 5xx: attempts per call (default 4), the longest Retry-After honoured
  // (default 30 s; a longer one ends the call with a gap), and the per-request timeout (default 30 s).
  maxAttempts?: number;
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  // Injected for tests.
  sleep?: (ms: number) => Promise<void>;
}

interface Endpoint {
  kind: ConsulApiKind;
  path: string;
  // The ACL permission a 403 means is missing (api-docs "ACL Required").
  acl: string;
  // Reduces the response to the kept fields; `jq` is the same projection for the CLI command.
  project?: (body: unknown) => unknown;
  jq?: string;
}

const AGENT_CONFIG_FIELDS = ['Datacenter', 'NodeName', 'Version', 'Server', 'PrimaryDatacenter', 'ACLDefaultPolicy'] as const;
const AGENT_DEBUG_FIELDS = ['Datacenter', 'PrimaryDatacenter', 'ConnectEnabled', 'DefaultIntentionPolicy', 'ACLsEnabled', 'ACLDefaultPolicy'] as const;
const AGENT_RESOLVER_FIELDS = ['ACLsEnabled', 'ACLDefaultPolicy', 'ACLDownPolicy'] as const;

export const AGENT_SELF_JQ =
  `{Config: (.Config // {} | {${AGENT_CONFIG_FIELDS.join(', ')}}), ` +
  `DebugConfig: (.DebugConfig // {} | {${AGENT_DEBUG_FIELDS.join(', ')}, ` +
  `ACLResolverSettings: (.ACLResolverSettings // {} | {${AGENT_RESOLVER_FIELDS.join(', ')}})})}`;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// jq `{a, b}` semantics: a missing key becomes null.
function pick(v: unknown, keys: readonly string[]): Record<string, unknown> {
  const o = isRecord(v) ? v : {};
  return Object.fromEntries(keys.map((k) => [k, o[k] ?? null]));
}

export function projectAgentSelf(body: unknown): unknown {
  const b = isRecord(body) ? body : {};
  const debug = isRecord(b.DebugConfig) ? b.DebugConfig : {};
  return {
    Config: pick(b.Config, AGENT_CONFIG_FIELDS),
    DebugConfig: { ...pick(debug, AGENT_DEBUG_FIELDS), ACLResolverSettings: pick(debug.ACLResolverSettings, AGENT_RESOLVER_FIELDS) },
  };
}

const ENDPOINTS: readonly Endpoint[] = [
  {
    kind: 'ConsulAgentSelf',
    path: CONSUL_API_KINDS.ConsulAgentSelf,
    acl: 'agent:read (agent_prefix "" { policy = "read" })',
    project: projectAgentSelf,
    jq: AGENT_SELF_JQ,
  },
  {
    kind: 'ConsulIntentionList',
    path: CONSUL_API_KINDS.ConsulIntentionList,
    acl: 'intentions:read on every service (service_prefix "" { intentions = "read" })',
  },
  {
    // No ACL is documented for this endpoint; a 403 usually means the token itself is unknown ("ACL not found").
    kind: 'ConsulCARoots',
    path: CONSUL_API_KINDS.ConsulCARoots,
    acl: 'a valid token (the endpoint needs no ACL permission; "ACL not found" means the token does not exist)',
  },
];

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

export async function collectConsulApi(opts: CollectConsulApiOptions): Promise<{ gaps: EvidenceGap[] }> {
  const base = normalizeAddress(opts.address);
  const doFetch = opts.fetch ?? (opts.caCertPem ? fetchTrustingCa(opts.caCertPem) : fetch);
  const gaps: EvidenceGap[] = [];
  for (const ep of ENDPOINTS) {
    const gap = await collectEndpoint(opts, base, doFetch, ep);
    if (gap) gaps.push(gap);
  }
  return { gaps };
}

interface Base {
  url: URL;
  // origin + path prefix without a trailing slash (a Consul behind a path-routing proxy).
  prefix: string;
}

function normalizeAddress(address: string): Base {
  const url = new URL(/^https?:\/\//i.test(address) ? address : `http://${address}`);
  return { url, prefix: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}

// The command an auditor runs to see the same response; the token stays in the environment.
function cliCommand(base: Base, ep: Endpoint, opts: CollectConsulApiOptions): string {
  // `prefix` is built from origin and path only, so credentials in the address never reach the command.
  const url = `${base.prefix}${ep.path}`;
  const parts = [
    'curl -sS',
    ...(opts.caCertPem ? ['--cacert "$CONSUL_CACERT"'] : []),
    ...(opts.token !== undefined ? ['-H "X-Consul-Token: $CONSUL_HTTP_TOKEN"'] : []),
    shellQuote(url),
  ];
  return ep.jq ? `${parts.join(' ')} | jq ${shellQuote(ep.jq)}` : parts.join(' ');
}

async function collectEndpoint(opts: CollectConsulApiOptions, base: Base, doFetch: typeof fetch, ep: Endpoint): Promise<EvidenceGap | undefined> {
  const call = `GET ${ep.path}`;
  const gap = (reason: GapReason, message: string): EvidenceGap => ({
    id: `gap-consul-${ep.path.replace(/^\/v1\//, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`,
    target: opts.target,
    reason,
    kinds: [ep.kind],
    message: `${call} (${ep.kind}) ${message}`,
  });
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const url = `${base.prefix}${ep.path}`;
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.token !== undefined ? { 'X-Consul-Token': opts.token } : {}) };

  for (let attempt = 1; ; attempt++) {
    let res: Response;
    let text: string;
    try {
      const fetched = await fetchSameOrigin(doFetch, url, headers, opts.timeoutMs ?? 30_000);
      if ('offOrigin' in fetched) return gap('api-error', `was redirected (HTTP ${fetched.status}) to ${fetched.offOrigin}, another host: the ACL token is never sent across hosts, so the redirect was not followed`);
      res = fetched.res;
      text = await res.text();
    } catch (err) {
      return gap('api-error', `could not be read from ${base.url.origin}: ${describeNetworkError(err)}`);
    }

    if (res.status === 403 || res.status === 401) {
      return gap('access-denied', `was denied (${res.status}${snippet(text)}): the token lacks ${ep.acl}`);
    }
    if (RETRYABLE.has(res.status)) {
      if (attempt >= maxAttempts) return gap('api-error', `failed with HTTP ${res.status} after ${attempt} attempt(s)${snippet(text)}`);
      const retryAfter = retryAfterMs(res.headers.get('retry-after'));
      if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) {
        return gap('api-error', `was throttled (HTTP ${res.status}) with Retry-After ${Math.ceil(retryAfter / 1000)} s, beyond the ${Math.ceil(maxRetryAfterMs / 1000)} s bound`);
      }
      await sleep(retryAfter ?? Math.min(250 * 2 ** (attempt - 1), maxRetryAfterMs));
      continue;
    }
    if (res.status !== 200) {
      return gap(res.status === 404 ? 'not-found' : 'api-error', `returned HTTP ${res.status}${snippet(text)}`);
    }

    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch (err) {
      return gap('parse-error', `returned a body that is not JSON: ${errorMessage(err)}`);
    }
    await opts.store.put({
      target: opts.target,
      source: { type: 'http-api', call },
      raw: ep.project ? ep.project(body) : body,
      apiVersion: API_VERSION,
      kind: ep.kind,
      name: ep.path,
      cli: cliCommand(base, ep, opts),
    });
    // List endpoints silently drop what the token may not read; a partial list is not the whole truth.
    if (res.headers.get('x-consul-results-filtered-by-acls')?.toLowerCase() === 'true') {
      return gap('access-denied', `results were filtered by ACLs (X-Consul-Results-Filtered-By-ACLs): the token lacks ${ep.acl}, so the stored list is incomplete`);
    }
    return undefined;
  }
}

const MAX_REDIRECTS = 5;

// Redirects are followed by hand and only within the Consul address's origin (scheme, host, port):
// fetch would resend X-Consul-Token to wherever a redirect points.
async function fetchSameOrigin(doFetch: typeof fetch, url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ res: Response } | { offOrigin: string; status: number }> {
  const origin = new URL(url).origin;
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await doFetch(current, { method: 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || location === null || hop >= MAX_REDIRECTS) return { res };
    const next = new URL(location, current);
    await res.body?.cancel();
    // Only origin and path are named: a Location may carry credentials of its own.
    if (next.origin !== origin) return { offOrigin: `${next.origin}${next.pathname}`, status: res.status };
    current = next.href;
  }
}

function snippet(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t === '' ? '' : `: ${t.length > 200 ? `${t.slice(0, 200)}…` : t}`;
}

// Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
function retryAfterMs(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function describeNetworkError(err: unknown): string {
  const parts: string[] = [errorMessage(err)];
  // undici wraps the socket error in `cause`.
  let cause = (err as { cause?: unknown }).cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 3; depth++) {
    const code = (cause as { code?: unknown }).code;
    parts.push(`${typeof code === 'string' ? `${code}: ` : ''}${errorMessage(cause)}`);
    cause = (cause as { cause?: unknown }).cause;
  }
  return [...new Set(parts)].join(' — ');
}

// Node's built-in fetch cannot be given a CA without the undici package, so with an explicit CA bundle
// the same fetch contract is served by node:https with `ca` (TLS verification stays on).
export function fetchTrustingCa(caCertPem: string): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, { method: init?.method ?? 'GET', headers, ca: caCertPem, ...(init?.signal ? { signal: init.signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 502;
          // The Response constructor rejects a body on null-body statuses.
          const body = [101, 204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers: toHeaders(res.headers) }));
        });
      });
      req.on('error', reject);
      req.end();
    });
}

function toHeaders(h: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) out.append(k, x);
  }
  return out;
}
