/**
 * Retry with exponential backoff and full jitter for the Hadoop REST clients
 * (WebHDFS, ResourceManager). The decision *whether* to retry is the caller's
 * (it reads `retriable` on our typed errors, never message text); this module
 * only decides *when*, and takes its sleep and randomness as parameters so
 * tests run without waiting.
 */

export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retries. */
  readonly maxAttempts: number;
  /** Upper bound of the first backoff window. */
  readonly initialDelayMs: number;
  /** Cap on any single backoff window. */
  readonly maxDelayMs: number;
  /** Growth of the window per attempt. */
  readonly multiplier: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  multiplier: 2,
});

export const NO_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 1,
  initialDelayMs: 0,
  maxDelayMs: 0,
  multiplier: 1,
});

/** Time and randomness, injected: production uses the real ones, tests a manual clock. */
export interface RetryEnv {
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

export const REAL_RETRY_ENV: RetryEnv = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * The delay before retry number `retry` (1 = the first retry): "full jitter"
 * (uniform in [0, window]), window = min(max, initial * multiplier^(retry-1)).
 * Full jitter spreads clients that failed together (e.g. every executor after
 * a NameNode failover) instead of having them come back in lockstep.
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const window = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** Math.max(0, retry - 1),
  );
  return Math.floor(window * random());
}

export interface RetryHooks {
  /** Whether this failure may be retried (the caller knows idempotency and error kinds). */
  isRetriable(error: unknown, attempt: number): boolean;
  /** Called before sleeping; for logging. */
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

/**
 * Runs `fn` until it succeeds, fails with a non-retriable error, or the
 * attempts are used up; the last error is rethrown unchanged.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  env: RetryEnv,
  hooks: RetryHooks,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= policy.maxAttempts || !hooks.isRetriable(error, attempt)) throw error;
      const delay = backoffDelayMs(attempt, policy, env.random);
      hooks.onRetry?.(error, attempt, delay);
      await env.sleep(delay);
    }
  }
}
