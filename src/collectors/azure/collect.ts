import { SecurityCenter, type SecurityCenterOptionalParams } from '@azure/arm-security';
import type { TokenCredential } from '@azure/identity';
import type { EvidenceStore } from '../../evidence/store.ts';
import {
  API_VERSION,
  API_VERSIONS,
  AZURE_CALL_FAILED_KIND,
  AZURE_KINDS,
  callCli,
  callName,
  callPath,
  type AzureCall,
  type AzureListKind,
} from '../../inventory/azure/schema.ts';
import type { EvidenceGap, GapReason } from '../../inventory/types.ts';
import { errorMessage } from '../../shared/errors.ts';

// Collects the Microsoft Defender for Cloud state of one subscription through the real
// SecurityCenter client: Defender plans (pricings), secure scores, and the regulatory compliance
// standards, with the controls and assessments of the configured standards. Every page is stored
// verbatim (the HTTP body, not the SDK's flattened models) with its call and the az command that
// shows the same data. A call that yields no page (denied, throttled beyond the bound, unreachable)
// is an evidence gap and is also recorded as an AzureCallFailed record, so a denied subscription
// reads as "could not be judged", never as "no Azure here". API failures never throw.
//
// In production pass `new DefaultAzureCredential()` (@azure/identity): workload identity, managed
// identity, environment service principal or `az login`. The identity needs the built-in
// Security Reader role on the subscription (Microsoft.Security/*/read).

export interface CollectAzureOptions {
  target: string;
  subscriptionId: string;
  credential: TokenCredential;
  // ARM endpoint; default https://management.azure.com (sovereign clouds and tests override it).
  endpoint?: string;
  store: EvidenceStore;
  // Regulatory compliance standards whose controls and assessments are collected, matched to the
  // names Azure uses after normalisation (lowercase, without spaces, '-', '_' and '.') as a prefix:
  // 'PCI-DSS-4' matches PCI-DSS-4 and PCI-DSS-4.0.1. Every enabled standard is still listed.
  standards?: readonly string[];
  // PEM CA bundle to trust for the endpoint (a private ARM proxy, tests). TLS verification stays on.
  caCertPem?: string;
  // The SDK retry policy (429 with Retry-After, 5xx, network errors): default 3 retries, 1 s base delay.
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  // The longest Retry-After honoured (default 30 s); a longer one ends the call with a gap.
  maxRetryAfterMs?: number;
  // Pages followed per list before the call is ended with a gap (a nextLink loop); default 1000.
  maxPages?: number;
}

export interface CollectAzureResult {
  gaps: EvidenceGap[];
  // HTTP requests sent, retries included.
  requests: number;
}

// Names as Defender for Cloud uses them, as prefixes after normalisation (SOC-2 also matches SOC2 and
// SOC-2-Type-2; SOC-TSP is the older SOC 2 Trust Services standard; HIPAA matches HIPAA-HITRUST;
// NIST SP 800-53 R5 as Defender names it, with or without 'SP'). Only assigned standards are read.
export const DEFAULT_AZURE_STANDARDS: readonly string[] = ['PCI-DSS-4', 'PCI-DSS-3.2.1', 'SOC-2', 'SOC-TSP', 'HIPAA', 'HITRUST', 'NIST-SP-800-53-R5', 'NIST-800-53-R5'];

// The role that grants every read this collector makes.
export const AZURE_READER_ROLE = 'Security Reader';

const DEFAULT_ENDPOINT = 'https://management.azure.com';
const RETRY_AFTER_REFUSED = 'x-auditpack-retry-after-refused';

const PERMISSIONS: Readonly<Record<AzureListKind, string>> = {
  AzureDefenderPricings: 'Microsoft.Security/pricings/read',
  AzureSecureScores: 'Microsoft.Security/secureScores/read',
  AzureRegulatoryComplianceStandards: 'Microsoft.Security/regulatoryComplianceStandards/read',
  AzureRegulatoryComplianceControls: 'Microsoft.Security/regulatoryComplianceStandards/regulatoryComplianceControls/read',
  AzureRegulatoryComplianceAssessments: 'Microsoft.Security/regulatoryComplianceStandards/regulatoryComplianceControls/regulatoryComplianceAssessments/read',
};

export function normalizeStandardName(name: string): string {
  return name.toLowerCase().replace(/[\s._-]+/g, '');
}

export function standardSelected(name: string, configured: readonly string[]): boolean {
  const n = normalizeStandardName(name);
  return configured.some((c) => {
    const k = normalizeStandardName(c);
    return k !== '' && n.startsWith(k);
  });
}

interface Page {
  url: string;
  text: string;
}

interface Failure {
  reason: GapReason;
  status: number | undefined;
  code: string | undefined;
  message: string;
  // The rest of the collection cannot succeed either (no token, endpoint unreachable).
  fatal: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function prop(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function retryAfterMs(get: (name: string) => string | undefined): number | undefined {
  for (const [header, factor] of [['retry-after-ms', 1], ['x-ms-retry-after-ms', 1], ['retry-after', 1000]] as const) {
    const value = get(header)?.trim();
    if (!value) continue;
    if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * factor;
    if (header === 'retry-after') {
      const at = Date.parse(value);
      if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
    }
  }
  return undefined;
}

function classify(err: unknown, kind: AzureListKind, subscription: string, maxRetryAfterMs: number): Failure {
  const status = typeof prop(err, 'statusCode') === 'number' ? (prop(err, 'statusCode') as number) : undefined;
  const code = str(prop(err, 'code'));
  const name = str(prop(err, 'name')) ?? '';
  const message = errorMessage(err).split('\n')[0] ?? '';
  const refused = str((prop(prop(err, 'response'), 'headers') as { get?: (n: string) => string | undefined } | undefined)?.get?.(RETRY_AFTER_REFUSED));
  const role = `the identity needs ${PERMISSIONS[kind]}: assign the built-in ${AZURE_READER_ROLE} role on subscription ${subscription}`;
  if (code === 'PARSE_ERROR') return { reason: 'parse-error', status, code, message: `returned a body that cannot be read: ${message}`, fatal: false };
  if (status === 403) {
    return { reason: 'access-denied', status, code, message: `was denied (HTTP 403${code ? ` ${code}` : ''}: ${message}); ${role}`, fatal: false };
  }
  if (status === 401) {
    const why = 'the token was not accepted (another tenant, expired, or not issued for https://management.azure.com)';
    return { reason: 'access-denied', status, code, message: `was not authenticated (HTTP 401${code ? ` ${code}` : ''}: ${message}): ${why}`, fatal: false };
  }
  if (/CredentialUnavailableError|AuthenticationError|AuthenticationRequiredError/.test(name)) {
    return { reason: 'access-denied', status, code, message: `could not be sent: no Microsoft Entra ID token (${name}: ${message})`, fatal: true };
  }
  if (status === 429 || status === 503) {
    const why = refused !== undefined ? `with Retry-After ${Math.ceil(Number(refused) / 1000)} s, beyond the ${Math.ceil(maxRetryAfterMs / 1000)} s bound` : 'after the bounded retries';
    return { reason: 'api-error', status, code, message: `was throttled (HTTP ${status}${code ? ` ${code}` : ''}) ${why}`, fatal: false };
  }
  if (status === 404) return { reason: 'not-found', status, code, message: `was not found (HTTP 404${code ? ` ${code}` : ''}: ${message})`, fatal: false };
  if (status !== undefined) return { reason: 'api-error', status, code, message: `failed with HTTP ${status}${code ? ` ${code}` : ''}: ${message}`, fatal: false };
  // No HTTP response: connection refused, DNS, TLS, or a request auditpack refused to send.
  const cause = str(prop(prop(err, 'cause'), 'code'));
  const detail = [...new Set([code, cause].filter((c): c is string => c !== undefined && c !== ''))].join('/');
  // The endpoint cannot be reached or its certificate is not trusted: no later call can succeed.
  const unreachable = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|CERT|SELF_SIGNED|DEPTH_ZERO|UNABLE_TO_VERIFY/i.test(`${detail} ${message}`);
  return { reason: 'api-error', status, code, message: `could not be completed${detail ? ` (${detail})` : ''}: ${message}`, fatal: unreachable };
}

// A nextLink as a call: path and query on the endpoint, the full URL on another origin.
function nextLinkPath(link: string, origin: string): string {
  try {
    const url = new URL(link);
    return `${url.origin === origin ? '' : url.origin}${url.pathname}${url.search}`;
  } catch {
    return link;
  }
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export async function collectAzure(opts: CollectAzureOptions): Promise<CollectAzureResult> {
  const endpoint = (opts.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const origin = new URL(endpoint).origin;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;
  const maxPages = opts.maxPages ?? 1000;
  const configured = opts.standards ?? DEFAULT_AZURE_STANDARDS;
  const sub = opts.subscriptionId;
  const gaps: EvidenceGap[] = [];
  let requests = 0;
  // Set when no later call can succeed (no token, endpoint unreachable): the rest is recorded, not sent.
  let fatal: { reason: GapReason; message: string } | undefined;

  const clientOptions: SecurityCenterOptionalParams = {
    endpoint,
    ...(opts.caCertPem ? { tlsOptions: { ca: opts.caCertPem } } : {}),
    ...(opts.retryOptions ? { retryOptions: opts.retryOptions } : {}),
    userAgentOptions: { userAgentPrefix: 'auditpack' },
  };
  const client = new SecurityCenter(opts.credential, sub, clientOptions);

  // Pricings at 2024-01-01: the SDK's 2022-03-01 lacks resourcesCoverageStatus, which decides coverage.
  // Every request (nextLink included) must stay on the endpoint's origin: the bearer token goes with it.
  client.pipeline.addPolicy({
    name: 'auditpackRequestGuard',
    sendRequest: (request, next) => {
      const url = new URL(request.url);
      if (url.origin !== origin) throw new Error(`refused to send the token to ${url.origin}: a nextLink left the endpoint ${origin}`);
      if (/\/providers\/Microsoft\.Security\/pricings$/i.test(url.pathname)) {
        url.searchParams.set('api-version', API_VERSIONS.AzureDefenderPricings);
        request.url = url.href;
      }
      return next(request);
    },
  });
  // Runs once per attempt, inside the SDK retry policy: counts requests, and stops the retry policy
  // from honouring a Retry-After beyond the bound (the throttled response then ends the call).
  client.pipeline.addPolicy(
    {
      name: 'auditpackPerAttempt',
      sendRequest: async (request, next) => {
        requests++;
        const response = await next(request);
        if (response.status === 429 || response.status === 503) {
          const wait = retryAfterMs((n) => response.headers.get(n));
          if (wait !== undefined && wait > maxRetryAfterMs) {
            for (const h of ['retry-after', 'retry-after-ms', 'x-ms-retry-after-ms']) response.headers.delete(h);
            response.headers.set(RETRY_AFTER_REFUSED, String(wait));
          }
        }
        return response;
      },
    },
    { afterPolicies: ['defaultRetryPolicy'] },
  );

  async function recordFailure(call: AzureCall, callText: string, failure: Omit<Failure, 'fatal'>): Promise<void> {
    const scope = [call.standard, call.control].filter((s): s is string => s !== undefined).map(slug);
    gaps.push({
      id: `gap-azure-${slug(sub)}-${slug(call.kind.replace(/^Azure/, ''))}${scope.length > 0 ? `-${scope.join('-')}` : ''}`,
      target: opts.target,
      reason: failure.reason,
      kinds: [call.kind],
      namespace: sub,
      message: `${callText} (${call.kind}) ${failure.message}`,
    });
    await opts.store.put({
      target: opts.target,
      source: { type: 'cloud-api', call: callText },
      raw: { call: callText, status: failure.status ?? null, code: failure.code ?? null, message: failure.message },
      apiVersion: API_VERSION,
      kind: AZURE_CALL_FAILED_KIND,
      name: callName(call),
      cli: callCli(call),
    });
  }

  // Lists every page of one call, storing each page as it arrives. Returns the items of all
  // stored pages (raw REST items), or undefined when the call failed.
  async function list(call: AzureCall, pages: (onResponse: (p: Page) => void) => AsyncIterable<unknown>): Promise<unknown[] | undefined> {
    const firstCall = `GET ${callPath(call)}?api-version=${API_VERSIONS[call.kind]}`;
    if (fatal !== undefined) {
      await recordFailure(call, firstCall, { reason: fatal.reason, status: undefined, code: undefined, message: `was not attempted: ${fatal.message}` });
      return undefined;
    }
    const received: Page[] = [];
    const items: unknown[] = [];
    let stored = 0;
    // The request of the page being read: the first call, then each nextLink.
    let pending = firstCall;
    try {
      for await (const _page of pages((p) => received.push(p))) {
        let nextLink: unknown;
        for (const p of received.splice(0)) {
          const url = new URL(p.url);
          const thisCall = `GET ${url.pathname}${url.search}`;
          let body: unknown;
          try {
            body = JSON.parse(p.text) as unknown;
          } catch (err) {
            throw Object.assign(new Error(`the response body is not JSON: ${errorMessage(err)}`), { code: 'PARSE_ERROR' });
          }
          stored++;
          await opts.store.put({
            target: opts.target,
            source: { type: 'cloud-api', call: thisCall },
            raw: body,
            apiVersion: API_VERSION,
            kind: call.kind,
            name: callName(call, stored),
            cli: callCli(call),
          });
          const value = prop(body, 'value');
          if (Array.isArray(value)) items.push(...(value as unknown[]));
          nextLink = prop(body, 'nextLink');
          pending = typeof nextLink === 'string' && nextLink !== '' ? `GET ${nextLinkPath(nextLink, origin)}` : thisCall;
        }
        if (stored >= maxPages && typeof nextLink === 'string' && nextLink !== '') {
          throw Object.assign(new Error(`stopped after ${maxPages} pages (a nextLink loop or an unexpectedly long list)`), { code: 'TooManyPages' });
        }
      }
      return items;
    } catch (err) {
      const failure = classify(err, call.kind, sub, maxRetryAfterMs);
      if (failure.fatal) fatal = { reason: failure.reason, message: `${firstCall} ${failure.message}` };
      await recordFailure(call, pending, stored > 0 ? { ...failure, message: `${failure.message}; only ${stored} page(s) were read, so the list is incomplete` } : failure);
      return stored > 0 ? items : undefined;
    }
  }

  function onResponse(cb: (p: Page) => void): { onResponse: (raw: { status: number; bodyAsText?: string | null; request: { url: string } }) => void } {
    return {
      onResponse: (raw) => {
        if (raw.status >= 200 && raw.status < 300) cb({ url: raw.request.url, text: raw.bodyAsText ?? 'null' });
      },
    };
  }

  async function* single<T>(p: Promise<T>): AsyncIterable<T> {
    yield await p;
  }

  await list({ kind: AZURE_KINDS.pricings, subscription: sub }, (cb) => single(client.pricings.list(onResponse(cb))));
  await list({ kind: AZURE_KINDS.secureScores, subscription: sub }, (cb) => client.secureScores.list(onResponse(cb)).byPage());
  const standards = await list({ kind: AZURE_KINDS.standards, subscription: sub }, (cb) => client.regulatoryComplianceStandards.list(onResponse(cb)).byPage());

  const selected = (standards ?? []).map((s) => str(prop(s, 'name'))).filter((n): n is string => n !== undefined && standardSelected(n, configured));
  for (const standard of selected) {
    const controls = await list({ kind: AZURE_KINDS.controls, subscription: sub, standard }, (cb) => client.regulatoryComplianceControls.list(standard, onResponse(cb)).byPage());
    for (const c of controls ?? []) {
      const control = str(prop(c, 'name'));
      const props = prop(c, 'properties');
      const assessed = ['passedAssessments', 'failedAssessments', 'skippedAssessments'].some((k) => Number(prop(props, k) ?? 0) > 0);
      // A control with no assessment (Unsupported ones) has nothing to list.
      if (control === undefined || !assessed) continue;
      await list({ kind: AZURE_KINDS.assessments, subscription: sub, standard, control }, (cb) =>
        client.regulatoryComplianceAssessments.list(standard, control, onResponse(cb)).byPage(),
      );
    }
  }
  return { gaps, requests };
}
