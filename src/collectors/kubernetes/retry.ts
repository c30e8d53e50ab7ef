import { setTimeout as delay } from 'node:timers/promises';
import { CollectorError } from '../../shared/errors.ts';
import { connectFailure } from './client.ts';

export interface RetryPolicy {
  // Attempts per request, the first one included.
  maxAttempts: number;
  // Attempts when the server cannot be reached at all (connection refused, no route): a dead API
  // server must not use up the target's time budget on backoff.
  maxConnectAttempts: number;
  // Backoff without Retry-After: base, 2×base, 4×base, … capped at maxDelayMs.
  baseDelayMs: number;
  maxDelayMs: number;
  // Waiting budget per request: a retry whose wait would go past it is not made.
  maxTotalMs: number;
  // Injectable so tests do not wait; `now` is a monotonic millisecond clock.
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  maxConnectAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxTotalMs: 120_000,
  // The timer is cancelled on abort, so a timed-out target leaves no timer keeping the process up.
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
  now: () => performance.now(),
};

export interface RetryEvent {
  error: CollectorError;
  attempt: number;
  delayMs: number;
}

// Runs `call` again after throttling (429), server errors (5xx) and dropped connections, honouring
// the server's Retry-After. Other failures (403, 404, 410, bad JSON) are returned at once: retrying
// them cannot help. When attempts or time run out, the last error is rethrown, wrapped, with counts.
// An aborted `signal` (the per-target timeout) ends the waiting at once with its reason.
export async function withRetry<T>(policy: RetryPolicy, call: () => Promise<T>, onRetry?: (e: RetryEvent) => void, signal?: AbortSignal): Promise<T> {
  const started = policy.now();
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      signal?.throwIfAborted();
      return await call();
    } catch (err) {
      if (!(err instanceof CollectorError) || !err.retryable) throw err;
      const limit = connectFailure(err) ? Math.min(policy.maxAttempts, policy.maxConnectAttempts) : policy.maxAttempts;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      // The server knows its own load better than our backoff does.
      const delayMs = err.retryAfterMs ?? backoff;
      const elapsed = Math.max(waited, policy.now() - started);
      if (attempt >= limit || elapsed + delayMs > policy.maxTotalMs) {
        const why = attempt >= limit ? `${attempt} attempts` : `${attempt} attempt(s) and the ${Math.round(policy.maxTotalMs / 1000)} s retry budget`;
        throw new CollectorError('RETRIES_EXHAUSTED', `${err.message} (gave up after ${why})`, { status: err.status, call: err.call }, { cause: err });
      }
      onRetry?.({ error: err, attempt, delayMs });
      await abortable(policy.sleep(delayMs, signal), signal);
      waited += delayMs;
    }
  }
}

function abortable(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
