/**
 * Batch operations under faults DynamoDB Local never produces on its own (DynamoDB only):
 * UnprocessedItems / UnprocessedKeys and transaction cancellations are injected through SDK
 * middleware on the DocumentClient, and the tests prove that nothing is lost, order is kept,
 * retries are bounded, and errors are mapped from cancellation reasons.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import test from 'ava';
import { RepositoryError, type Connection, type SaveAllProgress } from '../../src/index.ts';
import { dynamoBackend, identified, Product, product, rejectsWith, withRepo, type OpenOptions, type ProductInput } from './fixtures.ts';

type AnyInput = Record<string, unknown>;
type Middleware = (next: (args: { input: AnyInput }) => Promise<{ output: AnyInput }>, context: { commandName?: string }) => (args: { input: AnyInput }) => Promise<{ output: AnyInput }>;

interface FaultStats {
  /** Requests of the faulted command seen. */
  calls: number;
  /** Requests that had items taken away. */
  faulted: number;
  /** Items (or keys) taken away and reported back as unprocessed. */
  removed: number;
  /** Largest number of items (or keys) in one request. */
  largest: number;
}

/** Adds (or replaces, by name) a middleware at the initialize step, where inputs and outputs are native JS. */
function addMiddleware(connection: Connection, name: string, middleware: Middleware): void {
  const stack = connection.doc.middlewareStack as unknown as { add(m: Middleware, options: { step: string; name: string; override: boolean }): void };
  stack.add(middleware, { step: 'initialize', name, override: true });
}

/**
 * Takes about a third of the items out of the first `faultyCalls` BatchWriteItem requests before
 * they are sent, and returns them as UnprocessedItems: only a retry can write them. `drop` picks
 * the items by position; the default (positions 2, 5, 8, ...) shrinks a request of 25 to 8, then 2,
 * then none, so every chunk gets through within a few attempts.
 */
function unprocessedWrites(connection: Connection, faultyCalls: number, drop: (index: number) => boolean = (index) => index % 3 === 2): FaultStats {
  const stats: FaultStats = { calls: 0, faulted: 0, removed: 0, largest: 0 };
  addMiddleware(connection, 'injectUnprocessedItems', (next, context) => async (args) => {
    if (context.commandName !== 'BatchWriteItemCommand') return next(args);
    stats.calls++;
    const requestItems = args.input.RequestItems as Record<string, AnyInput[]>;
    const [tableName, requests] = Object.entries(requestItems)[0] as [string, AnyInput[]];
    stats.largest = Math.max(stats.largest, requests.length);
    if (stats.calls > faultyCalls) return next(args);
    const kept = requests.filter((_, index) => !drop(index));
    const removed = requests.filter((_, index) => drop(index));
    if (removed.length === 0) return next(args);
    stats.faulted++;
    stats.removed += removed.length;
    const result =
      kept.length > 0
        ? await next({ ...args, input: { ...args.input, RequestItems: { [tableName]: kept } } })
        : { output: { $metadata: {}, UnprocessedItems: {} } as AnyInput };
    const unprocessed = ((result.output.UnprocessedItems as Record<string, AnyInput[]> | undefined)?.[tableName] ?? []).concat(removed);
    return { ...result, output: { ...result.output, UnprocessedItems: { [tableName]: unprocessed } } };
  });
  return stats;
}

/** The same for BatchGetItem: keys taken out of the first `faultyCalls` requests come back as UnprocessedKeys. */
function unprocessedKeys(connection: Connection, faultyCalls: number, drop: (index: number) => boolean = (index) => index % 3 === 2): FaultStats {
  const stats: FaultStats = { calls: 0, faulted: 0, removed: 0, largest: 0 };
  addMiddleware(connection, 'injectUnprocessedKeys', (next, context) => async (args) => {
    if (context.commandName !== 'BatchGetItemCommand') return next(args);
    stats.calls++;
    const requestItems = args.input.RequestItems as Record<string, { Keys: AnyInput[] } & AnyInput>;
    const [tableName, request] = Object.entries(requestItems)[0] as [string, { Keys: AnyInput[] } & AnyInput];
    stats.largest = Math.max(stats.largest, request.Keys.length);
    if (stats.calls > faultyCalls) return next(args);
    const kept = request.Keys.filter((_, index) => !drop(index));
    const removed = request.Keys.filter((_, index) => drop(index));
    if (removed.length === 0) return next(args);
    stats.faulted++;
    stats.removed += removed.length;
    const result =
      kept.length > 0
        ? await next({ ...args, input: { ...args.input, RequestItems: { [tableName]: { ...request, Keys: kept } } } })
        : { output: { $metadata: {}, Responses: { [tableName]: [] } } as AnyInput };
    const previous = (result.output.UnprocessedKeys as Record<string, { Keys: AnyInput[] }> | undefined)?.[tableName]?.Keys ?? [];
    return { ...result, output: { ...result.output, UnprocessedKeys: { [tableName]: { ...request, Keys: previous.concat(removed) } } } };
  });
  return stats;
}

/** Fails every TransactWriteItems with a cancellation carrying `reasons`; records the request. */
function cancelTransactions(connection: Connection, reasons: { Code: string }[]): { requests: AnyInput[] } {
  const seen = { requests: [] as AnyInput[] };
  addMiddleware(connection, 'injectTransactionCanceled', (next, context) => async (args) => {
    if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
    seen.requests.push(args.input);
    throw new TransactionCanceledException({
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: reasons,
    });
  });
  return seen;
}

const fast: OpenOptions = { batchRetry: { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 10 } };
const open = (options: OpenOptions = fast) => async () => {
  const handle = await dynamoBackend.open(Product, options);
  if (!handle.connection) throw new Error('the DynamoDB backend has a connection');
  return { ...handle, connection: handle.connection };
};

function products(count: number, prefix: string): ProductInput[] {
  return Array.from({ length: count }, (_, index) => product({ id: `${prefix}-${String(index).padStart(4, '0')}`, price: index }));
}

test('[dynamo] batch faults › saveAll and deleteAll of 1,000 items with forced UnprocessedItems lose nothing', (t) =>
  withRepo(open(), async ({ repo, connection }) => {
    const items = products(1000, 'bulk');
    const ids = items.map((item) => item.id);
    let stats = unprocessedWrites(connection, 100);

    const progress: SaveAllProgress[] = [];
    const result = await repo.saveAll(items, { onProgress: (p) => progress.push({ ...p }) });
    t.is(result.written, 1000);
    t.true(stats.faulted > 0 && stats.removed > 0, 'faults were injected');
    t.is(result.retriedItems, stats.removed, 'every item reported unprocessed was sent again');
    t.true(result.retriedItems > 0);
    t.is(result.requests, stats.calls, 'requests counts every BatchWriteItem, retries included');
    t.true(result.requests > 40, `1,000 items need 40 requests of 25 plus retries (${result.requests})`);
    t.true(stats.largest <= 25, 'BatchWriteItem chunks of at most 25');

    t.true(progress.length > 0);
    for (const [index, p] of progress.entries()) {
      t.is(p.total, 1000);
      if (index > 0) t.true(p.written >= (progress[index - 1]?.written ?? 0), 'progress is monotonic');
    }
    t.is(progress.at(-1)?.written, 1000);

    // Every item is there, exactly once.
    const all = await repo.query();
    t.is(all.length, 1000);
    t.deepEqual(all.map((item) => item.id).sort(), ids);
    const fetched = await repo.getMany(ids);
    t.deepEqual(fetched.missing, []);
    t.deepEqual(
      fetched.items.map((item) => item.id),
      ids,
    );
    t.deepEqual(
      fetched.items.map((item) => item.price),
      items.map((item) => item.price),
    );

    // Delete them all through the same faults.
    stats = unprocessedWrites(connection, 100);
    await repo.deleteAll(ids);
    t.true(stats.removed > 0, 'faults were injected into the deletes');
    t.deepEqual(await repo.query(), []);
    const afterDelete = await repo.getMany(ids);
    t.deepEqual(afterDelete.items, []);
    t.is(afterDelete.missing.length, 1000);
  }),
);

test('[dynamo] batch faults › getMany of 250 ids with forced UnprocessedKeys keeps input order and reports missing ids', (t) =>
  withRepo(open(), async ({ repo, connection }) => {
    const items = products(240, 'get');
    await repo.saveAll(items);
    const stats = unprocessedKeys(connection, 6);
    // 250 ids: the 240 stored ones in a scrambled order, with 10 missing ids spread in between.
    const scrambled = items.map((item, index) => items[(index * 7) % items.length]?.id ?? item.id);
    t.is(new Set(scrambled).size, 240);
    const ids: string[] = [];
    const missingIds: string[] = [];
    for (const [index, id] of scrambled.entries()) {
      ids.push(id);
      if (index % 24 === 5) {
        const missing = `absent-${index}`;
        ids.push(missing);
        missingIds.push(missing);
      }
    }
    t.is(ids.length, 250);

    const result = await repo.getMany(ids);
    t.true(stats.removed > 0, 'faults were injected');
    t.true(stats.largest <= 100, 'BatchGetItem chunks of at most 100');
    t.true(stats.calls > 3, `250 keys need 3 requests plus retries (${stats.calls})`);
    t.deepEqual(
      result.items.map((item) => item.id),
      scrambled,
      'found items in input order',
    );
    t.deepEqual(result.missing, missingIds, 'missing ids in input order');
    const byId = new Map(items.map((item) => [item.id, item]));
    for (const item of result.items) t.deepEqual(item.price, byId.get(item.id)?.price);
  }),
);

test('[dynamo] batch faults › permanently unprocessed items end with throttled after the retry budget', (t) =>
  withRepo(open({ batchRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }), async ({ repo, connection }) => {
    const items = products(20, 'stuck');
    // The first item of every request is never processed.
    const stats = unprocessedWrites(connection, Number.POSITIVE_INFINITY, (index) => index === 0);
    const error = await rejectsWith(t, repo.saveAll(items), 'throttled');
    t.regex(error.message, /unprocessed/);
    t.regex(error.message, /3/);
    t.is(stats.calls, 3, 'one request plus two retries, then it gives up');
    // saveAll is not atomic: the other items are written, the stuck one is not (and that is reported).
    const { missing } = await repo.getMany(items.map((item) => item.id));
    t.deepEqual(missing, [items[0]?.id]);

    const deleteError = await rejectsWith(t, repo.deleteAll(items.map((item) => item.id)), 'throttled');
    t.regex(deleteError.message, /unprocessed/);
    t.is(stats.calls, 6);
  }),
);

test('[dynamo] batch faults › permanently unprocessed keys end with throttled after the retry budget', (t) =>
  withRepo(open({ batchRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }), async ({ repo, connection }) => {
    const items = products(10, 'cold');
    await repo.saveAll(items);
    const stats = unprocessedKeys(connection, Number.POSITIVE_INFINITY, (index) => index === 0);
    const error = await rejectsWith(t, repo.getMany(items.map((item) => item.id)), 'throttled');
    t.regex(error.message, /unprocessed/);
    t.is(stats.calls, 3);
  }),
);

test('[dynamo] batch faults › a cancelled TransactWriteItems maps to alreadyExists naming the second item', (t) =>
  withRepo(open(), async ({ repo, connection }) => {
    const seen = cancelTransactions(connection, [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }]);
    const [first, second] = [product({ id: 'tx-first' }), product({ id: 'tx-second' })];
    const error = await rejectsWith(t, repo.addAll([identified(first), identified(second)]), 'alreadyExists');
    t.is(error.id, 'tx-second');
    t.true(error.message.includes('tx-second'), error.message);
    t.false(error.message.includes('tx-first'), error.message);
    t.true(error.cause instanceof TransactionCanceledException, 'the original error is kept as cause');

    // One TransactWriteItems with a put-if-absent per item.
    t.is(seen.requests.length, 1);
    const transactItems = seen.requests[0]?.TransactItems as { Put?: { ConditionExpression?: string } }[];
    t.is(transactItems.length, 2);
    for (const entry of transactItems) t.regex(entry.Put?.ConditionExpression ?? '', /attribute_not_exists/);
    t.deepEqual(await repo.query(), []);
  }),
);

test('[dynamo] batch faults › a ThrottlingError cancellation maps to throttled', (t) =>
  withRepo(open(), async ({ repo, connection }) => {
    cancelTransactions(connection, [{ Code: 'None' }, { Code: 'ThrottlingError' }]);
    const throttled = await rejectsWith(t, repo.addAll([identified(), identified()]), 'throttled');
    t.true(throttled instanceof RepositoryError);
    t.true(throttled.cause instanceof TransactionCanceledException);
  }),
);

test('[dynamo] batch faults › a transaction conflict cancellation maps to conflict', (t) =>
  withRepo(open(), async ({ repo, connection }) => {
    const stored = await repo.add(identified(product({ id: 'busy-1' })));
    cancelTransactions(connection, [{ Code: 'TransactionConflict' }]);
    const error = await rejectsWith(t, repo.updateAll([identified({ ...product({ id: 'busy-1' }), price: 1 })]), 'conflict');
    t.true(error.cause instanceof TransactionCanceledException);
    t.deepEqual(await repo.get('busy-1'), stored);
  }),
);
