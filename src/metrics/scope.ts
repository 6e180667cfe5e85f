import { AsyncLocalStorage } from 'node:async_hooks';

/** What one entity-API operation has cost so far; filled in by the storage and the SDK middleware while it runs. */
export interface OperationScope {
  /** DynamoDB requests (commands) sent, tablekit's own re-sends included. */
  requests: number;
  /** HTTP attempts: requests plus the SDK's retries. */
  attempts: number;
  /** tablekit's own re-sends: unprocessed batch items, a guarded write planned again after a concurrent change. */
  resends: number;
  /** Attempts answered with a throttling error, and batch responses with unprocessed items. */
  throttles: number;
  /** Consumed read and write capacity units (ReturnConsumedCapacity: TOTAL). */
  read: number;
  write: number;
}

const scopes = new AsyncLocalStorage<OperationScope>();

export const newScope = (): OperationScope => ({ requests: 0, attempts: 0, resends: 0, throttles: 0, read: 0, write: 0 });

/** The scope of the operation running in this async context; undefined when nobody observes it. */
export const currentScope = (): OperationScope | undefined => scopes.getStore();

export const runInScope = <T>(scope: OperationScope, run: () => Promise<T>): Promise<T> => scopes.run(scope, run);

/** A request the in-memory twin served (one attempt, no capacity). */
export function noteRequest(count = 1): void {
  const scope = scopes.getStore();
  if (!scope) return;
  scope.requests += count;
  scope.attempts += count;
}

/** tablekit sent something again (unprocessed batch items, a write re-planned after a conflict). */
export function noteResend(): void {
  const scope = scopes.getStore();
  if (scope) scope.resends++;
}

/** DynamoDB pushed back: a batch answer with unprocessed items. */
export function noteThrottle(): void {
  const scope = scopes.getStore();
  if (scope) scope.throttles++;
}
