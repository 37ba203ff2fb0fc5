// The retry schedule of webhook deliveries (docs/api.md "retried with backoff until acknowledged"): pure, so
// it is tested on its own. Exponential with "equal jitter": after the n-th failed attempt the next waits
// between half and all of min(base · 2^(n-1), maxDelay). A delivery is dead once even the shortest
// possible waits add up to giveUpAfter, so with the defaults it is retried for at least 24 hours.

export interface RetryPolicy {
  /** the cap of the first wait */
  baseMs: number;
  /** no single wait is longer than this */
  maxDelayMs: number;
  /** retried at least this long (counting the shortest waits) before it is dead */
  giveUpAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 10_000, maxDelayMs: 3_600_000, giveUpAfterMs: 24 * 3_600_000 };

/** The longest wait after the `attempt`-th failed attempt (1-based). */
export function retryCap(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.baseMs * 2 ** Math.min(attempt - 1, 52), policy.maxDelayMs);
}

/** How many attempts a delivery gets: the fewest whose shortest waits in between reach giveUpAfter. */
export function maxAttempts(policy: RetryPolicy): number {
  let waited = 0;
  let attempts = 1;
  // while the caps still double; once a cap is maxDelay every wait adds the same
  while (waited < policy.giveUpAfterMs && retryCap(attempts, policy) < policy.maxDelayMs) {
    waited += retryCap(attempts, policy) / 2;
    attempts++;
  }
  if (waited >= policy.giveUpAfterMs) return attempts;
  return attempts + Math.ceil((policy.giveUpAfterMs - waited) / (policy.maxDelayMs / 2));
}

/**
 * The wait before the next attempt after `attempts` failed ones, or null when the delivery is dead.
 * `random` is in [0, 1).
 */
export function retryDelay(attempts: number, policy: RetryPolicy, random: () => number = Math.random): number | null {
  if (attempts >= maxAttempts(policy)) return null;
  const cap = retryCap(attempts, policy);
  return Math.round(cap / 2 + (random() * cap) / 2);
}
