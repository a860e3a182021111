/**
 * Exponential backoff with jitter for reconnect attempts: the delay doubles
 * from `baseMs` up to `maxMs`, and each delay is drawn uniformly from its
 * upper half so that executors started together do not retry in lockstep.
 * Randomness is passed in (tests use a fixed sequence).
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 5_000 };

/** Delay before retry number `retry` (1 = the first retry). `random` returns [0, 1). */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
