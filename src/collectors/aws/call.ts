import type { MiddlewareStack } from '@smithy/types';
import type { GapReason } from '../../inventory/types.ts';
import { errorMessage } from '../../shared/errors.ts';
import { AssumeRoleError } from './clients.ts';

// One AWS call with its raw HTTP body kept, failures classified for evidence gaps, and the small
// concurrency helpers the collector uses.

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'AuthFailure',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
]);
const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException', 'ThrottledException']);

// ---- Calls, raw bodies and failures -----------------------------------------------------------

export interface CallFailure {
  name: string;
  status: number | undefined;
  message: string;
  attempts: number;
  // No HTTP response at all (connection refused, DNS, timeout).
  network: boolean;
  // Set when the credentials could not be obtained because assuming the account's role failed.
  roleArn?: string;
}

type CallResult<O> = { ok: true; output: O; raw: unknown } | { ok: false; failure: CallFailure };

// Hook that installs the raw-body capture on a command's own middleware stack.
export type StackHook = <I extends object, O extends object>(stack: MiddlewareStack<I, O>) => void;

// Installs the capture hook on a command's own middleware stack (so concurrent calls on one client
// never share a capture) and returns the command for the client's send().
export function hooked<C extends { middlewareStack: MiddlewareStack<I, O> }, I extends object, O extends object>(
  command: C & { middlewareStack: MiddlewareStack<I, O> },
  hook: StackHook,
): C {
  hook(command.middlewareStack);
  return command;
}

// Sends one call and keeps the HTTP body the SDK parsed: a middleware at the innermost end of the
// deserialize step (below the deserializer, inside the retry loop) reads each attempt's body once
// and hands the SDK the same bytes. The last attempt's body is the one the output came from.
export async function call<O>(counter: { requests: number }, send: (hook: StackHook) => Promise<O>): Promise<CallResult<O>> {
  let body: Uint8Array | undefined;
  let attempts = 0;
  const hook: StackHook = (stack) => {
    stack.add(
      (next) => async (args) => {
        attempts++;
        counter.requests++;
        const result = await next(args);
        const response = result.response;
        if (isRecord(response) && 'body' in response) {
          body = await readBody(response.body);
          response.body = body;
        }
        return result;
      },
      { step: 'deserialize', priority: 'low', name: 'auditpackRawBody' },
    );
  };
  try {
    const output = await send(hook);
    return { ok: true, output, raw: parseJson(body) };
  } catch (err) {
    return { ok: false, failure: failureOf(err, attempts) };
  }
}

async function readBody(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (isRecord(body) && Symbol.asyncIterator in body) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<unknown>) {
      if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, 'utf8'));
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }
  return new Uint8Array();
}

// The JSON body as sent, or undefined when it is not JSON (the SDK output is stored instead).
function parseJson(body: Uint8Array | undefined): unknown {
  if (!body || body.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function strip(output: unknown): Record<string, unknown> {
  if (!isRecord(output)) return {};
  return Object.fromEntries(Object.entries(output).filter(([k]) => k !== '$metadata'));
}

function failureOf(err: unknown, attempts: number): CallFailure {
  const e = isRecord(err) ? err : {};
  const meta = isRecord(e.$metadata) ? e.$metadata : {};
  const status = typeof meta.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : (code ?? 'Error');
  return {
    name,
    status,
    message: errorMessage(err),
    attempts: typeof meta.attempts === 'number' ? meta.attempts : Math.max(attempts, 1),
    network: status === undefined && !ACCESS_DENIED.has(name) && !THROTTLING.has(name),
    ...(err instanceof AssumeRoleError ? { roleArn: err.roleArn } : {}),
  };
}

export function classify(f: CallFailure): { reason: GapReason; what: string } {
  if (ACCESS_DENIED.has(f.name) || f.status === 403) return { reason: 'access-denied', what: 'denied' };
  if (THROTTLING.has(f.name) || f.status === 429) return { reason: 'api-error', what: `still throttled after ${f.attempts} attempt(s)` };
  if (f.network) return { reason: 'api-error', what: `unreachable after ${f.attempts} attempt(s)` };
  return { reason: 'api-error', what: `failed${f.status !== undefined ? ` with HTTP ${f.status}` : ''} after ${f.attempts} attempt(s)` };
}

export function describe(f: CallFailure): string {
  const text = f.message.replace(/\s+/g, ' ').trim();
  const bounded = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return `${f.name}${f.status !== undefined ? ` ${f.status}` : ''}: ${bounded}`;
}

export function errorBody(f: CallFailure): Record<string, unknown> {
  return { Code: f.name, Message: f.message, ...(f.status !== undefined ? { HttpStatusCode: f.status } : {}) };
}

// ---- Concurrency -----------------------------------------------------------------------------------

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i];
      if (item !== undefined) await fn(item, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
