/**
 * Metrics: `table.onOperation(listener)` gets ONE event per entity-API operation with its
 * entity, operation, index, requests, attempts, retries, throttles, latency, items and consumed
 * capacity. Throttling and unprocessed batch items are injected with SDK middleware on the
 * connection's DocumentClient (DynamoDB Local produces neither); the SDK retries the throttled
 * attempts itself and tablekit re-sends the unprocessed items.
 */
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import test from 'ava';
import { connect, type Connection, type OperationEvent } from '../../src/index.ts';
import { inMemory } from '../../src/testing.ts';
import { uniqueTableName } from '../support/db.ts';
import { NotesTable } from '../migrate/fixtures.ts';

type AnyInput = Record<string, unknown>;
type Handler = (args: { input: AnyInput }) => Promise<{ output: AnyInput }>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;

function addMiddleware(
  connection: Connection,
  name: string,
  step: 'initialize' | 'deserialize',
  middleware: Middleware,
  priority: 'low' | 'normal' = 'normal',
): void {
  const stack = connection.doc.middlewareStack as unknown as {
    add(m: Middleware, options: { step: string; name: string; override: boolean; priority: string }): void;
  };
  stack.add(middleware, { step, name, override: true, priority });
}

/** The first attempt of each command in `commands` is answered with a throttling error; the SDK retries it. */
function throttleFirstAttempt(connection: Connection, commands: readonly string[]): void {
  const seen = new Set<string>();
  addMiddleware(connection, 'injectThrottling', 'deserialize', (next, context) => async (args) => {
    const command = String(context.commandName);
    if (commands.includes(command) && !seen.has(command)) {
      seen.add(command);
      throw new ProvisionedThroughputExceededException({ message: 'injected throttling', $metadata: { httpStatusCode: 400 } });
    }
    return next(args);
  });
}

const note = (n: number) => ({ noteId: `n${n}`, author: n % 2 ? 'ada' : 'grace', body: `note ${n}`, words: 2 });

test('dynamodb: get, query, patch and transactWrite events count requests, SDK retries, throttles, items and capacity', async (t) => {
  const connection = await connect();
  const table = NotesTable.bind(connection, { tableName: uniqueTableName('metrics') });
  await table.ensure();
  t.teardown(async () => {
    await table.delete();
    await connection.close();
  });
  const notes = table.entities.note;
  await notes.createAll([note(1), note(2), note(3)]);
  const events: OperationEvent[] = [];
  const stop = table.onOperation((event) => events.push(event));
  throttleFirstAttempt(connection, ['GetItemCommand', 'QueryCommand', 'UpdateItemCommand', 'TransactWriteItemsCommand']);

  await notes.get('n1');
  await notes.query({ pattern: 'byAuthor', key: { author: 'ada' } });
  await notes.patch('n2', { set: { body: 'patched' } });
  await table.transactWrite((tx) => [tx.note.patch('n3', { set: { words: 3 } }), tx.note.create(note(4))]);
  await notes.get('n9').catch(() => undefined);
  stop();
  await notes.get('n1');

  t.deepEqual(
    events.map((event) => `${event.entity}.${event.operation}`),
    ['note.get', 'note.query', 'note.patch', 'note.transactWrite', 'note.get'],
    'one event per operation, none after unsubscribing',
  );
  const [get, query, patch, transaction, missing] = events;
  t.like(get, {
    table: table.tableName,
    backend: 'dynamodb',
    index: 'primary',
    requests: 1,
    attempts: 2,
    retries: 1,
    throttles: 1,
    items: 1,
    error: undefined,
  });
  t.like(query, { pattern: 'byAuthor', index: 'gsi1', requests: 1, attempts: 2, retries: 1, throttles: 1, items: 2 });
  t.like(patch, { index: undefined, requests: 1, attempts: 2, retries: 1, throttles: 1, items: 1 });
  t.like(transaction, { entities: ['note'], requests: 1, attempts: 2, retries: 1, throttles: 1, items: 2 });
  t.like(missing, { requests: 1, attempts: 1, retries: 0, throttles: 0, items: 0, error: 'notFound' });
  t.true((get?.consumedCapacity.read ?? 0) > 0 && get?.consumedCapacity.write === 0, 'a read consumes read capacity');
  t.true((patch?.consumedCapacity.write ?? 0) > 0, 'a write consumes write capacity');
  t.true((transaction?.consumedCapacity.total ?? 0) >= 4, 'a transaction consumes twice the units of its writes');
  for (const event of events) t.true(event.latencyMs > 0);
  t.true((get?.latencyMs ?? 0) >= (events[4]?.latencyMs ?? 0), 'the retried get took longer');
});

test('dynamodb: unprocessed batch items count as throttles and tablekit re-sends them as retries', async (t) => {
  const connection = await connect();
  const table = NotesTable.bind(connection, { tableName: uniqueTableName('metrics-batch') });
  await table.ensure();
  t.teardown(async () => {
    await table.delete();
    await connection.close();
  });
  let calls = 0;
  // The first BatchWriteItem writes only its first item and returns the rest as unprocessed.
  addMiddleware(connection, 'injectUnprocessed', 'initialize', (next, context) => async (args) => {
    if (context.commandName !== 'BatchWriteItemCommand' || ++calls > 1) return next(args);
    const [name, requests] = Object.entries(args.input.RequestItems as Record<string, AnyInput[]>)[0] as [string, AnyInput[]];
    const result = await next({ ...args, input: { ...args.input, RequestItems: { [name]: requests.slice(0, 1) } } });
    return { ...result, output: { ...result.output, UnprocessedItems: { [name]: requests.slice(1) } } };
  });
  const events: OperationEvent[] = [];
  table.onOperation((event) => events.push(event));
  const result = await table.entities.note.saveAll(Array.from({ length: 10 }, (_, n) => note(n)));
  t.is(result.written, 10);
  t.like(events[0], { operation: 'saveAll', requests: 2, attempts: 2, retries: 1, throttles: 1, items: 10 });
  t.true((events[0]?.consumedCapacity.write ?? 0) >= 10);
});

test('memory: the same events with zero capacity; paginate reports each page; nothing is measured without a listener', async (t) => {
  const requests: unknown[] = [];
  const table = NotesTable.bind(inMemory(), { tableName: 'metrics-memory', onOperation: (event) => requests.push(event) });
  await table.ensure();
  const notes = table.entities.note;
  await notes.createAll([note(1), note(3), note(5)]);
  const pages: OperationEvent[] = [];
  const stop = table.onOperation((event) => pages.push(event));
  for await (const page of notes.paginate({ pattern: 'byAuthor', key: { author: 'ada' } }, { limit: 2 })) t.true(page.items.length > 0);
  await notes.getMany(['n1', 'n3', 'n7']);
  await table.transactGet((tx) => [tx.note.get('n1')]);
  stop();
  t.deepEqual(
    pages.map((event) => [event.operation, event.items, event.requests]),
    [
      ['page', 2, 1],
      ['page', 1, 1],
      ['getMany', 2, 1],
      ['transactGet', 1, 1],
    ],
  );
  for (const event of pages)
    t.like(event, { backend: 'memory', attempts: event.requests, retries: 0, throttles: 0, consumedCapacity: { read: 0, write: 0, total: 0 } });
  t.is(requests.length, 5, 'the listener given to bind() saw createAll too');
});

test('dynamodb: ReturnConsumedCapacity is asked for only while someone listens', async (t) => {
  const connection = await connect();
  const table = NotesTable.bind(connection, { tableName: uniqueTableName('metrics-cost') });
  await table.ensure();
  t.teardown(async () => {
    await table.delete();
    await connection.close();
  });
  const asked: unknown[] = [];
  addMiddleware(
    connection,
    'recordCapacityRequest',
    'initialize',
    (next) => async (args) => {
      asked.push(args.input.ReturnConsumedCapacity);
      return next(args);
    },
    'low',
  );
  await table.entities.note.create(note(1));
  const stop = table.onOperation(() => undefined);
  await table.entities.note.get('n1');
  stop();
  await table.entities.note.get('n1');
  t.deepEqual(asked, [undefined, 'TOTAL', undefined]);
});
