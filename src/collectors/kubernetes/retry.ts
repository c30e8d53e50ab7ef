import { CollectorError } from '../../shared/errors.ts';

export interface RetryPolicy {
  // Attempts per request, the first one included.
  maxAttempts: number;
  // Backoff without Retry-After: base, 2×base, 4×base, … capped at maxDelayMs.
  baseDelayMs: number;
  maxDelayMs: number;
  // Waiting budget per request: a retry whose wait would go past it is not made.
  maxTotalMs: number;
  // Injectable so tests do not wait; `now` is a monotonic millisecond clock.
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxTotalMs: 120_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
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
export async function withRetry<T>(policy: RetryPolicy, call: () => Promise<T>, onRetry?: (e: RetryEvent) => void): Promise<T> {
  const started = policy.now();
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof CollectorError) || !err.retryable) throw err;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      // The server knows its own load better than our backoff does.
      const delayMs = err.retryAfterMs ?? backoff;
      const elapsed = Math.max(waited, policy.now() - started);
      if (attempt >= policy.maxAttempts || elapsed + delayMs > policy.maxTotalMs) {
        const why = attempt >= policy.maxAttempts ? `${attempt} attempts` : `${attempt} attempt(s) and the ${Math.round(policy.maxTotalMs / 1000)} s retry budget`;
        throw new CollectorError('RETRIES_EXHAUSTED', `${err.message} (gave up after ${why})`, { status: err.status, call: err.call }, { cause: err });
      }
      onRetry?.({ error: err, attempt, delayMs });
      await policy.sleep(delayMs);
      waited += delayMs;
    }
  }
}
