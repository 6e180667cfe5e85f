/**
 * The library's one retry policy: exponential backoff with full jitter
 * (delay = random(0, min(cap, base * 2^attempt))), bounded by an attempt budget.
 * Used for unprocessed batch items, optimistic-lock conflicts and transaction conflicts.
 */
export interface RetryPolicy {
  /** Attempts in total, including the first. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 1000 };

/** Optimistic-lock conflicts under heavy contention need a larger budget with short waits. */
export const defaultConflictPolicy: RetryPolicy = { maxAttempts: 100, baseDelayMs: 5, maxDelayMs: 200 };

export function retryPolicy(overrides: Partial<RetryPolicy> = {}, base: RetryPolicy = defaultRetryPolicy): RetryPolicy {
  const policy = { ...base, ...overrides };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
  return policy;
}

/** Delay before retry number `attempt` (1 = the first retry). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Waits `ms`; an aborted `signal` ends the wait early by rejecting with its reason. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise<void>((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it returns `{ done: true }` or the budget is spent; `onExhausted`
 * builds the error thrown then. Each call gets the attempt number (1-based). An aborted
 * `signal` (the operation's deadline or the caller's) stops the waiting between attempts.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<{ done: true; value: T } | { done: false }>,
  onExhausted: () => Error,
  signal?: AbortSignal,
): Promise<T> {
  for (let attemptNumber = 1; attemptNumber <= policy.maxAttempts; attemptNumber++) {
    if (signal?.aborted) throw signal.reason;
    const result = await attempt(attemptNumber);
    if (result.done) return result.value;
    if (attemptNumber < policy.maxAttempts) await sleep(backoffDelay(policy, attemptNumber), signal);
  }
  throw onExhausted();
}
