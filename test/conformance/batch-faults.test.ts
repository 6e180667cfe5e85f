/**
 * Batch operations under faults DynamoDB Local never produces on its own (DynamoDB only):
 * UnprocessedItems / UnprocessedKeys, throttling and transaction cancellations are injected
 * through SDK middleware on the connection's DocumentClient. The tests prove that nothing is
 * lost, order is kept, retries are bounded, a failing saveAll stops and says what it wrote, and
 * errors are mapped from cancellation reasons.
 */
import { ProvisionedThroughputExceededException, TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import test from 'ava';
import type { Connection, SaveAllProgress } from '../../src/index.ts';
import { ConformanceTable, identified, openBound, product, rejectsWith, type ProductInput } from './fixtures.ts';

type AnyInput = Record<string, unknown>;
type Handler = (args: { input: AnyInput }) => Promise<{ output: AnyInput }>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;

interface FaultStats {
  /** Requests of the faulted command seen. */
  calls: number;
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
 * Takes the items `drop` picks out of the first `faultyCalls` BatchWriteItem requests before they
 * are sent, and returns them as UnprocessedItems: only a retry can write them. The default
 * (positions 2, 5, 8, ...) shrinks a request of 25 to 8, then 2, then none.
 */
function unprocessedWrites(connection: Connection, faultyCalls: number, drop: (index: number) => boolean = (index) => index % 3 === 2): FaultStats {
  const stats: FaultStats = { calls: 0, removed: 0, largest: 0 };
  addMiddleware(connection, 'injectUnprocessedItems', (next, context) => async (args) => {
    if (context.commandName !== 'BatchWriteItemCommand') return next(args);
    stats.calls++;
    const [tableName, requests] = Object.entries(args.input.RequestItems as Record<string, AnyInput[]>)[0] as [string, AnyInput[]];
    stats.largest = Math.max(stats.largest, requests.length);
    const removed = stats.calls > faultyCalls ? [] : requests.filter((_, index) => drop(index));
    if (removed.length === 0) return next(args);
    stats.removed += removed.length;
    const kept = requests.filter((_, index) => !drop(index));
    const result = kept.length > 0 ? await next({ ...args, input: { ...args.input, RequestItems: { [tableName]: kept } } }) : { output: { $metadata: {} } };
    const unprocessed = ((result.output.UnprocessedItems as Record<string, AnyInput[]> | undefined)?.[tableName] ?? []).concat(removed);
    return { ...result, output: { ...result.output, UnprocessedItems: { [tableName]: unprocessed } } };
  });
  return stats;
}

/** The same for BatchGetItem: keys taken out of the first `faultyCalls` requests come back as UnprocessedKeys. */
function unprocessedKeys(connection: Connection, faultyCalls: number, drop: (index: number) => boolean = (index) => index % 3 === 2): FaultStats {
  const stats: FaultStats = { calls: 0, removed: 0, largest: 0 };
  addMiddleware(connection, 'injectUnprocessedKeys', (next, context) => async (args) => {
    if (context.commandName !== 'BatchGetItemCommand') return next(args);
    stats.calls++;
    const [tableName, request] = Object.entries(args.input.RequestItems as Record<string, { Keys: AnyInput[] }>)[0] as [string, { Keys: AnyInput[] }];
    stats.largest = Math.max(stats.largest, request.Keys.length);
    const removed = stats.calls > faultyCalls ? [] : request.Keys.filter((_, index) => drop(index));
    if (removed.length === 0) return next(args);
    stats.removed += removed.length;
    const kept = request.Keys.filter((_, index) => !drop(index));
    const result =
      kept.length > 0
        ? await next({ ...args, input: { ...args.input, RequestItems: { [tableName]: { ...request, Keys: kept } } } })
        : { output: { $metadata: {}, Responses: { [tableName]: [] } } };
    const previous = (result.output.UnprocessedKeys as Record<string, { Keys: AnyInput[] }> | undefined)?.[tableName]?.Keys ?? [];
    return { ...result, output: { ...result.output, UnprocessedKeys: { [tableName]: { ...request, Keys: previous.concat(removed) } } } };
  });
  return stats;
}

/** Throws `error()` for the BatchWriteItem requests `fails` picks (1-based), before they are sent. */
function failingWrites(connection: Connection, fails: (call: number) => boolean, error: () => Error): FaultStats {
  const stats: FaultStats = { calls: 0, removed: 0, largest: 0 };
  addMiddleware(connection, 'injectBatchWriteFailure', (next, context) => async (args) => {
    if (context.commandName !== 'BatchWriteItemCommand') return next(args);
    stats.calls++;
    if (fails(stats.calls)) throw error();
    return next(args);
  });
  return stats;
}

/**
 * Fails every TransactWriteItems with a cancellation carrying the reasons `reasonsFor` gives for
 * its request (with `Item` in DynamoDB's wire form, as ReturnValuesOnConditionCheckFailure
 * returns it); records the requests.
 */
function cancelTransactions(
  connection: Connection,
  reasonsFor: (items: TransactItem[]) => { Code: string; Item?: Record<string, AttributeValue> }[],
): { requests: TransactItem[][] } {
  const seen = { requests: [] as TransactItem[][] };
  addMiddleware(connection, 'injectTransactionCanceled', (next, context) => async (args) => {
    if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
    const items = args.input.TransactItems as TransactItem[];
    seen.requests.push(items);
    const reasons = reasonsFor(items);
    throw new TransactionCanceledException({
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: reasons,
    });
  });
  return seen;
}
type TransactItem = { Put?: { Item?: AnyInput; ConditionExpression?: string; ReturnValuesOnConditionCheckFailure?: string } } & AnyInput;

const throttling = () =>
  new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded',
    $metadata: { httpStatusCode: 400 },
  });

/** A fresh DynamoDB table whose retries are fast (3 attempts, 1–5 ms), with its connection for the faults. */
async function withFaultyTable(
  body: (context: { repo: ReturnType<typeof productsOf>; connection: Connection; table: Awaited<ReturnType<typeof open>>['table'] }) => Promise<void>,
) {
  const handle = await open();
  try {
    if (!('doc' in handle.connection)) throw new Error('the DynamoDB backend has a DocumentClient');
    await body({ repo: productsOf(handle.table), connection: handle.connection, table: handle.table });
  } finally {
    await handle.dispose();
  }
}
const open = () =>
  openBound('dynamodb', ConformanceTable, 'faults', {
    batchRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    conflictRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
  });
const productsOf = (table: Awaited<ReturnType<typeof open>>['table']) => table.entities.product;

function products(count: number, prefix: string): ProductInput[] {
  return Array.from({ length: count }, (_, index) => product({ id: `${prefix}-${String(index).padStart(4, '0')}`, price: index }));
}

test('[dynamodb] batch faults › saveAll and deleteAll with forced UnprocessedItems retry until done and lose nothing', (t) =>
  withFaultyTable(async ({ repo, connection }) => {
    const items = products(200, 'bulk');
    const ids = items.map((item) => item.id);
    let stats = unprocessedWrites(connection, 12);
    const progress: SaveAllProgress[] = [];
    const result = await repo.saveAll(items, { onProgress: (p) => progress.push({ ...p }) });
    t.is(result.written, 200);
    t.true(stats.removed > 0, 'faults were injected');
    t.is(result.retriedItems, stats.removed, 'every item reported unprocessed was sent again');
    t.is(result.requests, stats.calls, 'requests counts every BatchWriteItem, retries included');
    t.true(result.requests > 8, `200 items need 8 requests of 25 plus retries (${result.requests})`);
    t.true(stats.largest <= 25, 'BatchWriteItem chunks of at most 25');
    for (const [index, p] of progress.entries()) {
      t.is(p.total, 200);
      if (index > 0) t.true(p.written >= (progress[index - 1]?.written ?? 0), 'progress is monotonic');
    }
    t.is(progress.at(-1)?.written, 200);

    const fetched = await repo.getMany(ids);
    t.deepEqual(fetched.missing, []);
    t.deepEqual(
      fetched.items.map((item) => item.price),
      items.map((item) => item.price),
      'every item, in input order',
    );
    t.is((await repo.query()).length, 200, 'exactly once');

    stats = unprocessedWrites(connection, 12);
    await repo.deleteAll(ids);
    t.true(stats.removed > 0, 'faults were injected into the deletes');
    t.deepEqual(await repo.query(), []);
  }));

test('[dynamodb] batch faults › getMany with forced UnprocessedKeys keeps input order and reports missing ids', (t) =>
  withFaultyTable(async ({ repo, connection }) => {
    const items = products(110, 'get');
    await repo.saveAll(items);
    const stats = unprocessedKeys(connection, 4);
    // 120 ids: the stored ones in a scrambled order, with 10 missing ids spread in between.
    const scrambled = items.map((_, index) => items[(index * 7) % items.length]?.id ?? '');
    t.is(new Set(scrambled).size, 110);
    const ids: string[] = [];
    const missingIds: string[] = [];
    for (const [index, id] of scrambled.entries()) {
      ids.push(id);
      if (index % 11 === 5) {
        missingIds.push(`absent-${index}`);
        ids.push(`absent-${index}`);
      }
    }
    const result = await repo.getMany(ids);
    t.true(stats.removed > 0, 'faults were injected');
    t.true(stats.largest <= 100, 'BatchGetItem chunks of at most 100');
    t.true(stats.calls > 2, `120 keys need 2 requests plus retries (${stats.calls})`);
    t.deepEqual(
      result.items.map((item) => item.id),
      scrambled,
      'found items in input order',
    );
    t.deepEqual(result.missing, missingIds, 'missing ids in input order');
  }));

test('[dynamodb] batch faults › items or keys unprocessed beyond the retry budget end with throttled', (t) =>
  withFaultyTable(async ({ repo, connection }) => {
    const items = products(20, 'stuck');
    // The first item of every request is never processed.
    const writes = unprocessedWrites(connection, Number.POSITIVE_INFINITY, (index) => index === 0);
    const error = await rejectsWith(t, repo.saveAll(items), 'throttled');
    t.regex(error.message, /unprocessed/);
    t.regex(error.message, /19 of 20 items were written/);
    t.is(writes.calls, 3, 'one request plus two retries, then it gives up');
    const { missing } = await repo.getMany(items.map((item) => item.id));
    t.deepEqual(missing, [items[0]?.id], 'the others were written, the stuck one was not');
    t.deepEqual(
      [...(error.written ?? [])].sort(),
      items
        .slice(1)
        .map((item) => item.id)
        .sort(),
      'error.written names exactly the items that were written',
    );
    await rejectsWith(t, repo.deleteAll(items.map((item) => item.id)), 'throttled');
    t.is(writes.calls, 6);

    const reads = unprocessedKeys(connection, Number.POSITIVE_INFINITY, (index) => index === 0);
    const readError = await rejectsWith(t, repo.getMany(items.map((item) => item.id)), 'throttled');
    t.regex(readError.message, /unprocessed/);
    t.is(reads.calls, 3);
  }));

test('[dynamodb] batch faults › throttling errors map to throttled; a failing saveAll stops scheduling batches and says how many items were written', (t) =>
  withFaultyTable(async ({ repo, connection }) => {
    const items = products(100, 'stop');
    // One request at a time: the third of four chunks fails, the fourth is never sent.
    const stats = failingWrites(connection, (call) => call === 3, throttling);
    const error = await rejectsWith(t, repo.saveAll(items, { concurrency: 1 }), 'throttled');
    t.regex(error.message, /saveAll stopped: 50 of 100 items were written/);
    t.is(stats.calls, 3, 'no request after the failure');
    const { items: storedItems, missing } = await repo.getMany(items.map((item) => item.id));
    t.deepEqual(
      storedItems.map((item) => item.id),
      items.slice(0, 50).map((item) => item.id),
    );
    t.is(missing.length, 50);
    t.deepEqual(
      error.written,
      items.slice(0, 50).map((item) => item.id),
    );

    // Several in flight: those already sent finish, nothing new starts after the failure.
    const many = products(250, 'flight');
    const parallel = failingWrites(connection, (call) => call === 2, throttling);
    const parallelError = await rejectsWith(t, repo.saveAll(many, { concurrency: 2 }), 'throttled');
    t.true(parallel.calls <= 3, `10 chunks, 2 in flight, the second fails: at most one more is sent (${parallel.calls})`);
    const written = Number(/stopped: (\d+) of 250/.exec(parallelError.message)?.[1]);
    const stored = await repo.getMany(many.map((item) => item.id));
    t.is(stored.items.length, written, `the message tells the truth: ${parallelError.message}`);
    t.deepEqual([...(parallelError.written ?? [])].sort(), stored.items.map((item) => item.id).sort(), 'error.written is exactly what is stored');

    failingWrites(connection, () => true, throttling);
    await rejectsWith(t, repo.deleteAll(items.slice(0, 3).map((item) => item.id)), 'throttled');
  }));

test('[dynamodb] batch faults › a cancelled TransactWriteItems maps to alreadyExists naming the item whose condition failed', (t) =>
  withFaultyTable(async ({ repo, connection }) => {
    // DynamoDB says the second put-if-absent failed, and returns the item it found there.
    const seen = cancelTransactions(connection, (items) => [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: marshall(items[1]?.Put?.Item ?? {}) }]);
    const [first, second] = [product({ id: 'tx-first' }), product({ id: 'tx-second' })];
    const error = await rejectsWith(t, repo.addAll([identified(first), identified(second)]), 'alreadyExists');
    t.is(error.id, 'tx-second');
    t.true(error.message.includes('tx-second'), error.message);
    t.false(error.message.includes('tx-first'), error.message);
    t.true(error.cause instanceof Error, 'the original error is kept as cause');
    // One TransactWriteItems with a put-if-absent per item, asking for the old item on failure.
    t.is(seen.requests.length, 1);
    const transactItems = seen.requests[0] ?? [];
    t.is(transactItems.length, 2);
    for (const entry of transactItems) {
      t.regex(entry.Put?.ConditionExpression ?? '', /attribute_not_exists/);
      t.is(entry.Put?.ReturnValuesOnConditionCheckFailure, 'ALL_OLD');
    }
    t.deepEqual(await repo.query(), []);
  }));

test('[dynamodb] batch faults › ThrottlingError and TransactionConflict cancellations map to throttled and conflict (retried within the budget)', (t) =>
  withFaultyTable(async ({ repo, connection, table }) => {
    const stored = await repo.addAll([identified(product({ id: 'busy-1' })), identified(product({ id: 'busy-2' }))]);
    const throttledRequests = cancelTransactions(connection, () => [{ Code: 'None' }, { Code: 'ThrottlingError' }]);
    await rejectsWith(t, repo.addAll([identified(), identified()]), 'throttled');
    t.is(throttledRequests.requests.length, 1);

    const conflicts = cancelTransactions(connection, () => [{ Code: 'TransactionConflict' }, { Code: 'None' }]);
    const changes = stored.map((item) => identified({ ...product({ id: item.id }), price: 1 }));
    await rejectsWith(t, repo.updateAll(changes), 'conflict');
    t.is(conflicts.requests.length, 3, 'a transaction conflict is retried within the conflict budget (3 attempts)');
    await rejectsWith(
      t,
      table.transactWrite((tx) => [tx.product.patch('busy-1', { set: { price: 2 } }), tx.product.patch('busy-2', { set: { price: 2 } })]),
      'conflict',
    );
    t.is(conflicts.requests.length, 6);
    t.deepEqual((await repo.getMany(['busy-1', 'busy-2'])).items, stored, 'nothing changed');
  }));
