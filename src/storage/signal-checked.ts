import type { Storage } from './types.ts';

/** What a checked storage looks at before each request: an AbortSignal, or an operation's deadline. */
export interface Gate {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

/**
 * A storage whose every call first checks a gate (the operation's signal or deadline): once it
 * closed, no further request is sent. The twin answers at once, so an aborted operation stops
 * before its next request, as it would against DynamoDB.
 */
export function signalChecked(storage: Storage, signal: Gate): Storage {
  const checked =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      signal.aborted ? Promise.reject(signal.reason) : call(...args);
  return {
    tableName: storage.tableName,
    kind: storage.kind,
    get: checked((input) => storage.get(input)),
    put: checked((input) => storage.put(input)),
    update: checked((input) => storage.update(input)),
    delete: checked((input) => storage.delete(input)),
    query: checked((input) => storage.query(input)),
    scan: checked((input) => storage.scan(input)),
    batchGet: checked((keys, consistent) => storage.batchGet(keys, consistent)),
    batchWrite: checked((requests, options) => storage.batchWrite(requests, options)),
    transactWrite: checked((items, options) => storage.transactWrite(items, options)),
    transactGet: checked((keys) => storage.transactGet(keys)),
    subscribe: (listener) => storage.subscribe(listener),
    closeStreams: () => storage.closeStreams(),
    withSignal: (other) => storage.withSignal(other),
  };
}
