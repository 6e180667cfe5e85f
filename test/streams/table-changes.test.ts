/**
 * table.changes(): every entity's changes ({ entity, type, newItem, oldItem, sequenceNumber }),
 * from the table's DynamoDB Stream or the in-memory twin's feed, decoded by the entity (dates
 * back as Date, empty maps intact, hidden attributes left out), from writes of this and of
 * another binding, in order.
 */
import test from 'ava';
import { connect, type InferItem } from '../../src/index.ts';
import { streamReaderFor } from '../../src/streams/index.ts';
import { backends } from '../support/db.ts';
import { disposeTables, type Event, note, StreamTable, streamTable } from './entities.ts';
import { eventually, record, unsubscribeAll, within } from './support.ts';

test.after.always(async () => {
  unsubscribeAll();
  await disposeTables();
});

const event = (id: string, overrides: Partial<InferItem<typeof Event>> = {}) => ({
  id,
  title: `event ${id}`,
  when: new Date('2026-03-04T05:06:07.089Z'),
  place: { city: 'Zürich', since: new Date('2020-01-01T00:00:00.000Z') },
  meta: {},
  ...overrides,
});

for (const backend of backends) {
  test(`[${backend}] table.changes() yields typed insert/modify/remove changes of every entity, in order, without hidden attributes`, async (t) => {
    const { table, connection } = await streamTable(backend, 'changes');
    const { event: events, note: notes } = table.entities;
    // Written before subscribing (and so never delivered); on DynamoDB the stream's shard is then not empty.
    await notes.create(note('seed'));
    const changes = record(table.changes());
    await changes.live();

    // Another writer through another binding (on DynamoDB: another connection and client).
    const other = backend === 'dynamodb' ? await connect() : connection;
    t.teardown(async () => {
      if (other !== connection) await other.close();
    });
    const otherTable = StreamTable.bind(other, { tableName: table.tableName });

    const e1 = await events.create(event('e1'));
    const n1 = await notes.create(note('n1', { priority: 3 }));
    const e1b = await events.update('e1', (current) => ({ ...current, when: new Date('2027-01-01T00:00:00.000Z'), meta: { note: 'moved' } }));
    const t1 = await otherTable.entities.tag.create({ id: 't1', label: 'from another binding', secret: 'never streamed' });
    // A raw item without an entity marker: not an entity's change, skipped without breaking the feed.
    await table.storage.put({ item: { pk: 'raw', sk: 'raw', note: 'not an entity' } });
    await notes.delete('n1');
    const e2 = await events.create(event('e2', { title: 'second' }));
    await events.delete('e1');

    const expected = [
      { entity: 'event', type: 'insert', newItem: e1, oldItem: undefined },
      { entity: 'note', type: 'insert', newItem: n1, oldItem: undefined },
      { entity: 'event', type: 'modify', newItem: e1b, oldItem: e1 },
      { entity: 'tag', type: 'insert', newItem: t1, oldItem: undefined },
      { entity: 'note', type: 'remove', newItem: undefined, oldItem: n1 },
      { entity: 'event', type: 'insert', newItem: e2, oldItem: undefined },
      { entity: 'event', type: 'remove', newItem: undefined, oldItem: e1b },
    ];
    await changes.count(expected.length);
    t.deepEqual(
      changes.values.map(({ entity, type, newItem, oldItem }) => ({ entity, type, newItem, oldItem })),
      expected,
    );
    t.false(JSON.stringify(changes.values).includes('never streamed'), 'the hidden attribute is left out');

    // Decoded by the entity: dates are Dates (nested too), the empty map survived the stream.
    const inserted = changes.values[0];
    if (inserted?.entity === 'event') {
      // `entity` narrows the item type: compile-time checks as much as runtime ones.
      const when: Date | undefined = inserted.newItem?.when;
      t.true(when instanceof Date);
      t.true(inserted.newItem?.place.since instanceof Date);
      t.deepEqual(inserted.newItem?.meta, {});
    } else t.fail('the first change is the event insert');

    // Sequence numbers: numeric strings, strictly increasing in delivery order.
    const numbers = changes.values.map((change) => change.sequenceNumber);
    t.true(
      numbers.every((value) => /^\d+$/.test(value)),
      numbers.join(','),
    );
    for (let index = 1; index < numbers.length; index++)
      t.true(BigInt(numbers[index] as string) > BigInt(numbers[index - 1] as string), `${numbers[index - 1]} < ${numbers[index]}`);
    t.false(changes.ended);
    t.is(changes.error, undefined);

    // The async-iterable form: it subscribes when created; once live, the next write arrives, return() unsubscribes.
    const iterator = table.changes()[Symbol.asyncIterator]();
    const first = within(iterator.next(), 'the next change through the iterator');
    const reader = 'client' in connection ? streamReaderFor(connection.client, table.tableName) : undefined;
    if (reader) await eventually(() => reader.subscriberCount === 2, 'the iterator shares the running reader');
    else await new Promise((resolve) => setImmediate(resolve));
    const e3 = await events.create(event('e3'));
    const next = await first;
    t.false(next.done);
    t.like(next.value, { entity: 'event', type: 'insert', newItem: e3, oldItem: undefined });
    await iterator.return?.();
    changes.unsubscribe();
    if (reader) t.is(reader.subscriberCount, 0, 'no subscriber left: the reader stopped polling');
  });
}

test('[memory] table.closeStreams() completes table.changes() subscribers; nothing arrives afterwards', async (t) => {
  const { table } = await streamTable('memory', 'changes-close');
  const changes = record(table.changes());
  await changes.live();
  await table.entities.note.create(note('before'));
  await changes.count(1);
  table.closeStreams();
  await changes.end();
  t.true(changes.completed);
  await table.entities.note.create(note('after'));
  t.is(changes.values.length, 1);
  t.is(changes.lateCalls, 0);
});
