import { errorName } from '../errors/index.ts';
import { isMap } from '../expression/index.ts';
import { sleep } from '../retry/index.ts';

/** Spaces requests so that all segments together stay under `perSecond` items. */
export class RateLimiter {
  private next = 0;
  constructor(private readonly perSecond: number | undefined) {}
  async take(items: number): Promise<void> {
    if (!this.perSecond || items === 0) return;
    const now = performance.now();
    const start = Math.max(now, this.next);
    this.next = start + (items * 1000) / this.perSecond;
    if (start > now) await sleep(start - now);
  }
}

/** Sent again with backoff: a conflict with another transaction, or a server error (DynamoDB Local's lock timeouts) after the SDK's own retries. */
export const retryableTransaction = (error: unknown) => {
  const name = errorName(error);
  return (
    name === 'TransactionConflictException' ||
    name === 'TransactionCanceledException' ||
    name === 'TransactionInProgressException' ||
    (isMap(error) && error.$fault === 'server')
  );
};
