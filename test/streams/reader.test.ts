/**
 * The shared StreamReader under conditions a happy-path test never meets: a shard that was empty
 * when the reader positioned itself (DynamoDB Local then answers TrimmedDataAccessException once
 * another table is written first), expired shard iterators, and throttled GetRecords calls.
 *
 * DynamoDB Local cannot expire an iterator or throttle on demand, so those faults are injected
 * with SDK middleware on the reader's own DynamoDBStreamsClient. The reader creates that client
 * internally and keeps it in a private field (`streamsClient`); there is no public hook, so these
 * tests reach it through a cast. If the field is renamed, `streamsClientOf` fails loudly.
 */
import test, { type ExecutionContext } from 'ava';
import { DynamoDBStreamsClient, ExpiredIteratorException, LimitExceededException } from '@aws-sdk/client-dynamodb-streams';
import { RepositoryError } from '../../src/index.ts';
import { defaultRetryPolicy } from '../../src/retry/index.ts';
import { streamReaderFor, type StreamReader } from '../../src/streams/index.ts';
import { disposeTables, note, streamTable } from './entities.ts';
import { eventually, range, record, unsubscribeAll } from './support.ts';

type AnyRecord = Record<string, unknown>;
type Next = (args: { input: AnyRecord }) => Promise<{ output: AnyRecord }>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;

test.after.always(async () => {
  unsubscribeAll();
  await disposeTables();
});

async function fixture(label: string) {
  const handle = await streamTable('dynamodb', label);
  const connection = handle.connection;
  if (!('client' in connection)) throw new Error('a DynamoDB table');
  const reader = () => streamReaderFor(connection.client, handle.table.tableName);
  return { ...handle, notes: handle.table.entities.note, reader };
}

function streamsClientOf(t: ExecutionContext, reader: StreamReader): DynamoDBStreamsClient {
  const client = (reader as unknown as { streamsClient?: unknown }).streamsClient;
  if (!(client instanceof DynamoDBStreamsClient)) {
    t.fail("the reader's DynamoDBStreamsClient is not reachable (private field `streamsClient`): fault injection needs a hook");
    throw new Error('no streams client');
  }
  return client;
}

/**
 * Fault injection on GetRecords: `hold()` parks the next GetRecords calls (they have not reached
 * DynamoDB Local yet) until `release(fault, times)` lets them go, the first `times` of them failing
 * with `fault`. Also records every GetShardIterator request.
 */
function injector(t: ExecutionContext, reader: StreamReader) {
  const state = {
    holding: false,
    held: 0,
    gate: Promise.resolve(),
    open: (): void => undefined,
    fault: undefined as (() => Error) | undefined,
    remaining: 0,
    injected: 0,
    iterators: [] as { type: string; sequence: string | undefined }[],
    records: [] as string[],
  };
  const middleware: Middleware = (next, context) => async (args) => {
    if (context.commandName === 'GetShardIteratorCommand') {
      state.iterators.push({ type: String(args.input.ShardIteratorType), sequence: args.input.SequenceNumber as string | undefined });
    }
    if (context.commandName !== 'GetRecordsCommand') return next(args);
    if (state.holding) {
      state.held++;
      await state.gate;
    }
    if (state.fault && state.remaining > 0) {
      state.remaining--;
      state.injected++;
      throw state.fault();
    }
    const result = await next(args);
    for (const item of (result.output.Records as { dynamodb?: { SequenceNumber?: string } }[] | undefined) ?? [])
      state.records.push(item.dynamodb?.SequenceNumber ?? '?');
    return result;
  };
  streamsClientOf(t, reader).middlewareStack.add(middleware as never, { step: 'initialize', name: 'injectStreamFaults' });
  return {
    state,
    hold() {
      state.holding = true;
      state.held = 0;
      state.gate = new Promise<void>((resolve) => (state.open = resolve));
    },
    release(fault?: () => Error, times = 1) {
      state.fault = fault;
      state.remaining = fault ? times : 0;
      state.holding = false;
      state.open();
    },
  };
}

const expired = () => new ExpiredIteratorException({ message: 'Iterator expired (injected by the test)', $metadata: {} });
const throttled = () => new LimitExceededException({ message: 'Rate exceeded (injected by the test)', $metadata: {} });

test('a subscriber on a table that was empty when it subscribed gets the first write even if another table was written first', async (t) => {
  // Two stream-enabled tables on the same DynamoDB Local (the test runner shares one across all files).
  const empty = await fixture('reader-empty');
  const busy = await fixture('reader-busy');
  const results = record(empty.notes.streamQuery());
  await results.count(1);
  t.deepEqual(results.values, [[]]);
  // The other table is written after the reader positioned itself on the empty table's shard, then the empty table.
  await busy.notes.create(note('elsewhere'));
  const first = await empty.notes.create(note('first'));
  await results.count(2);
  t.deepEqual(results.values[1], [first]);
  t.is(results.error, undefined);
  results.unsubscribe();
});

test('an iterator that expires after records were delivered is re-acquired after the last one: nothing lost, nothing repeated', async (t) => {
  const { notes, reader } = await fixture('reader-expired');
  await notes.create(note('x'));
  const single = record(notes.stream('x'));
  await single.count(1);
  const faults = injector(t, reader());
  await notes.update('x', (current) => ({ ...current, n: 1 }));
  await single.count(2);
  const lastDelivered = faults.state.records.at(-1);
  t.truthy(lastDelivered, 'the reader delivered a record through the instrumented client');

  // The next GetRecords is parked; two writes land; then it fails as if the iterator had expired.
  faults.hold();
  await eventually(() => faults.state.held > 0, 'a parked GetRecords');
  await notes.update('x', (current) => ({ ...current, n: 2 }));
  await notes.update('x', (current) => ({ ...current, n: 3 }));
  const iteratorsBefore = faults.state.iterators.length;
  faults.release(expired, 1);
  await single.until((r) => r.last?.version === 4, 'version 4');
  await notes.update('x', (current) => ({ ...current, n: 4 }));
  await single.until((r) => r.last?.version === 5, 'version 5');

  t.is(faults.state.injected, 1);
  t.deepEqual(
    single.values.map((item) => item.version),
    range(1, 5),
    'every version once, in order',
  );
  t.deepEqual(faults.state.iterators.slice(iteratorsBefore, iteratorsBefore + 1), [{ type: 'AFTER_SEQUENCE_NUMBER', sequence: lastDelivered }]);
  t.is(single.error, undefined);
  single.unsubscribe();
});

test('an iterator that expires before the reader saw any record of the shard loses no write made in between', async (t) => {
  const { notes, reader } = await fixture('reader-expired-fresh');
  await notes.create(note('y'));
  const single = record(notes.stream('y'));
  await single.count(1);
  const faults = injector(t, reader());

  // Positioned, nothing delivered yet on this shard. The next GetRecords is parked, a write lands, then the iterator "expires".
  faults.hold();
  await eventually(() => faults.state.held > 0, 'a parked GetRecords');
  await notes.update('y', (current) => ({ ...current, n: 1 }));
  faults.release(expired, 1);
  await eventually(() => faults.state.injected === 1, 'the injected expiry');
  await eventually(() => faults.state.iterators.length > 0, 'a new iterator');
  await notes.update('y', (current) => ({ ...current, n: 2 }));
  await single.until((r) => r.last?.version === 3, 'version 3');

  t.deepEqual(
    single.values.map((item) => item.version),
    [1, 2, 3],
    `the write made before the expiry was lost (re-acquired with ${faults.state.iterators.map((i) => i.type).join(', ')})`,
  );
  single.unsubscribe();
});

test('throttled GetRecords calls are retried within the budget: every record once, no error', async (t) => {
  const { notes, reader } = await fixture('reader-throttled');
  await notes.create(note('z'));
  const single = record(notes.stream('z'));
  const results = record(notes.streamQuery());
  await Promise.all([single.count(1), results.count(1)]);
  const faults = injector(t, reader());

  faults.hold();
  await eventually(() => faults.state.held > 0, 'a parked GetRecords');
  for (const n of range(1, 3)) await notes.update('z', (current) => ({ ...current, n }));
  faults.release(throttled, 4);
  await single.until((r) => r.last?.version === 4, 'version 4');
  await results.until((r) => r.last?.[0]?.version === 4, 'version 4 in the query stream');

  t.is(faults.state.injected, 4);
  t.deepEqual(
    single.values.map((item) => item.version),
    [1, 2, 3, 4],
  );
  t.deepEqual(
    results.values.map((items) => items.map((item) => item.version)),
    [[1], [2], [3], [4]],
  );
  t.is(single.error, undefined);
  t.is(results.error, undefined);
  single.unsubscribe();
  results.unsubscribe();
});

test("GetRecords throttled beyond the retry budget fails the subscribers with 'throttled' and the reader stops", async (t) => {
  const { notes, reader } = await fixture('reader-throttled-out');
  await notes.create(note('w'));
  const single = record(notes.stream('w'));
  await single.count(1);
  const faults = injector(t, reader());
  faults.hold();
  await eventually(() => faults.state.held > 0, 'a parked GetRecords');
  faults.release(throttled, Number.MAX_SAFE_INTEGER);
  await single.end();

  t.false(single.completed);
  t.true(single.error instanceof RepositoryError, String(single.error));
  t.is((single.error as RepositoryError).code, 'throttled');
  t.is(faults.state.injected, defaultRetryPolicy.maxAttempts, 'the retry budget was spent before giving up');
  t.is(reader().subscriberCount, 0, 'the failed subscriber left; no one is polling');
});
