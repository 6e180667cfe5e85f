/**
 * Faults the emulator cannot produce, injected into a share of the SDK calls of one connection:
 * throttling, a 5xx, a connection reset before the request, a connection reset AFTER DynamoDB
 * applied it (the client never learns the outcome), and a transaction conflict.
 */
import type { Connection } from 'tablekit';

export type FaultKind = 'throttled' | 'server error' | 'reset before' | 'reset after' | 'transaction conflict';

export interface FaultStats {
  injected: Record<FaultKind, number>;
  calls: number;
  /** The share of calls that fail; set to 0 to stop injecting. */
  rate: number;
}

type Next = (args: { input: Record<string, unknown> }) => Promise<unknown>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;

function named(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: name === 'InternalServerError' ? 500 : 400 }, ...extra });
}

/** Adds the injector to the connection's DocumentClient; `rate` is the share of calls that fail. */
export function injectFaults(connection: Connection, rate: number, random: () => number = Math.random): FaultStats {
  const stats: FaultStats = { rate, calls: 0, injected: { throttled: 0, 'server error': 0, 'reset before': 0, 'reset after': 0, 'transaction conflict': 0 } };
  const kinds: FaultKind[] = ['throttled', 'server error', 'reset before', 'reset after', 'transaction conflict'];
  const middleware: Middleware = (next, context) => async (args) => {
    stats.calls++;
    if (random() >= stats.rate) return next(args);
    const kind = kinds[Math.floor(random() * kinds.length)] ?? 'throttled';
    if (kind === 'transaction conflict' && !context.commandName?.startsWith('TransactWrite')) return next(args);
    stats.injected[kind]++;
    switch (kind) {
      case 'throttled':
        throw named('ProvisionedThroughputExceededException', 'injected: throughput exceeded');
      case 'server error':
        throw named('InternalServerError', 'injected: internal server error');
      case 'reset before':
        throw Object.assign(new Error('injected: socket hang up'), { code: 'ECONNRESET', name: 'Error' });
      case 'reset after': {
        await next(args);
        throw Object.assign(new Error('injected: socket hang up after the request was applied'), { code: 'ECONNRESET', name: 'Error' });
      }
      case 'transaction conflict':
        throw named('TransactionCanceledException', 'injected: transaction conflict', { CancellationReasons: [{ Code: 'TransactionConflict' }] });
    }
  };
  const stack = connection.doc.middlewareStack as unknown as { add(m: Middleware, options: { step: string; name: string; override: boolean }): void };
  // At 'finalizeRequest' the SDK's own retry middleware sits above: injected faults are retried like real ones.
  stack.add(middleware, { step: 'finalizeRequest', name: 'chaosFaults', override: true });
  return stats;
}
