export { backoffDelay, defaultConflictPolicy, defaultRetryPolicy, retryPolicy, sleep, withRetries, type RetryPolicy } from './policy.ts';
