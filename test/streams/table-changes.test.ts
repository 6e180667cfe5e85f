/**
 * table.changes(): the table's DynamoDB Stream as typed changes of every entity
 * ({ entity, type, newItem, oldItem, sequenceNumber }), decoded by the entity (dates back as
 * Date, empty maps intact), from writes of this and of another connection, in order.
 */
import test from 'ava';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { connect, createRepository, type BoundTable, type InferItem } from '../../src/index.ts';
import { streamReaderFor } from '../../src/streams/index.ts';
import type { TableChange } from '../../src/table/index.ts';
import { openTestTable, type TestTable } from '../support/db.ts';
import { Event, Note, note, StreamTable, Tag } from './entities.ts';
import { record, unsubscribeAll, within, type Recorder } from './support.ts';

type Entities = (typeof StreamTable)['entities'];
type Change = TableChange<Entities>;

let handle: TestTable<Entities> | undefined;
test.after.always(async () => {
  unsubscribeAll();
  await handle?.dispose();
});

/**
 * table.changes() gives no signal when its stream position is fixed, so write probe tags until
 * one comes through; every later write is then guaranteed to be seen. Returns the index of the
 * first change after the probe.
 */
async function untilLive(table: BoundTable<Entities>, changes: Recorder<Change>): Promise<number> {
  const tags = createRepository(Tag, { table });
  for (let attempt = 0; attempt < 60; attempt++) {
    const id = `probe-${attempt}`;
    await tags.add({ id, object: { id, label: 'probe' } });
    try {
      await changes.until((r) => r.values.some((change) => change.entity === 'tag' && change.newItem?.id === id), `probe ${id}`, 2_000);
      return changes.values.length;
    } catch (error) {
      if (changes.error !== undefined) throw error;
    }
  }
  throw new Error('table.changes() never delivered a probe write');
}

const event = (id: string, overrides: Partial<InferItem<typeof Event>> = {}) => ({
  id,
  title: `event ${id}`,
  when: new Date('2026-03-04T05:06:07.089Z'),
  place: { city: 'Zürich', since: new Date('2020-01-01T00:00:00.000Z') },
  meta: {},
  ...overrides,
});

test('table.changes() yields typed insert/modify/remove changes of every entity with increasing sequence numbers', async (t) => {
  handle = await openTestTable(StreamTable, 'changes');
  const { table } = handle;
  const events = createRepository(Event, { table });
  const notes = createRepository(Note, { table });
  // Written before subscribing (and so never delivered): the stream's shard is not empty.
  await notes.add({ id: 'seed', object: note('seed') });

  const changes = record(table.changes());
  const start = await untilLive(table, changes);

  // Another writer with its own connection and client.
  const other = await connect();
  t.teardown(() => other.close());
  const otherTable = StreamTable.bind(other, { tableName: table.tableName });

  const e1 = await events.add({ id: 'e1', object: event('e1') });
  const n1 = await notes.add({ id: 'n1', object: note('n1', { priority: 3 }) });
  const e1b = await events.update('e1', (current) => ({ ...current, when: new Date('2027-01-01T00:00:00.000Z'), meta: { note: 'moved' } }));
  const t1 = await otherTable.entities.tag.put({ id: 't1', label: 'from another connection' });
  // A raw item without an entity marker: not an entity's change, skipped without breaking the stream.
  await table.connection.doc.send(new PutCommand({ TableName: table.tableName, Item: { pk: 'raw', sk: 'raw', note: 'not an entity' } }));
  await notes.delete('n1');
  const e2 = await events.add({ id: 'e2', object: event('e2', { title: 'second' }) });
  await events.delete('e1');

  const expected: { entity: string; type: string; newItem: unknown; oldItem: unknown }[] = [
    { entity: 'event', type: 'insert', newItem: e1, oldItem: undefined },
    { entity: 'note', type: 'insert', newItem: n1, oldItem: undefined },
    { entity: 'event', type: 'modify', newItem: e1b, oldItem: e1 },
    { entity: 'tag', type: 'insert', newItem: t1, oldItem: undefined },
    { entity: 'note', type: 'remove', newItem: undefined, oldItem: n1 },
    { entity: 'event', type: 'insert', newItem: e2, oldItem: undefined },
    { entity: 'event', type: 'remove', newItem: undefined, oldItem: e1b },
  ];
  await changes.count(start + expected.length);
  const seen = changes.values.slice(start);
  t.deepEqual(
    seen.map(({ entity, type, newItem, oldItem }) => ({ entity, type, newItem, oldItem })),
    expected,
  );

  // Decoded by the entity: dates are Dates (nested too), the empty map survived the stream.
  const inserted = seen[0];
  if (inserted?.entity === 'event') {
    // `entity` narrows the item type: these are compile-time checks as much as runtime ones.
    const when: Date | undefined = inserted.newItem?.when;
    t.true(when instanceof Date);
    t.true(inserted.newItem?.place.since instanceof Date);
    t.deepEqual(inserted.newItem?.meta, {});
  } else t.fail('the first change is the event insert');
  const modified = seen[2];
  t.true(modified?.entity === 'event' && modified.oldItem?.when instanceof Date && modified.newItem?.when.getUTCFullYear() === 2027);

  // Sequence numbers: numeric strings, strictly increasing in delivery order.
  const numbers = changes.values.map((change) => change.sequenceNumber);
  t.true(numbers.every((value) => /^\d+$/.test(value)), numbers.join(','));
  for (let index = 1; index < numbers.length; index++) {
    t.true(BigInt(numbers[index] as string) > BigInt(numbers[index - 1] as string), `sequence ${index}: ${numbers[index - 1]} < ${numbers[index]}`);
  }
  t.false(
    changes.values.some((change) => change.entity === 'note' && (change.newItem ?? change.oldItem)?.id === 'seed'),
    'writes from before the subscription are not delivered',
  );
  t.false(changes.ended);
  t.is(changes.error, undefined);

  // The async-iterable form, sharing the running reader: the next write arrives, return() unsubscribes.
  const reader = streamReaderFor(table.connection.client, table.tableName);
  const before = reader.subscriberCount;
  const iterator = table.changes()[Symbol.asyncIterator]();
  const e3 = await events.add({ id: 'e3', object: event('e3') });
  const next = await within(iterator.next(), 'the next change through the iterator');
  t.false(next.done);
  t.like(next.value, { entity: 'event', type: 'insert', newItem: e3, oldItem: undefined });
  t.is(reader.subscriberCount, before + 1);
  await iterator.return?.();
  t.is(reader.subscriberCount, before);
  changes.unsubscribe();
  t.is(reader.subscriberCount, 0, 'no subscriber left: the reader stopped');
});
