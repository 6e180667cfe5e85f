/**
 * Sort-key conditions on every access pattern, on DynamoDB Local and on the twin: every operator
 * on numbers (zero-padded), strings (UTF-8 byte order of the built keys), ISO dates and
 * multi-attribute keys with a partial prefix; always the KeyConditionExpression (Limit counts
 * only matching items, no FilterExpression), ascending and descending, across pages, and never
 * another entity of the same partition.
 */
import test from 'ava';
import { z } from 'zod';
import { defineEntity, defineTable } from '../../src/index.ts';
import { allPages, both, fails, named, open } from './support.ts';

const Rank = defineEntity({
  name: 'rank',
  schema: z.object({ listId: z.string(), rank: z.int().min(0), label: z.string() }),
  keys: { primary: { pk: ['listId'], sk: ['rank'] } },
  versioned: false,
});
const Person = defineEntity({
  name: 'person',
  schema: z.object({ teamId: z.string(), last: z.string(), first: z.string() }),
  keys: { primary: { pk: ['teamId'], sk: ['last', 'first'] } },
  versioned: false,
});
const Reading = defineEntity({
  name: 'reading',
  schema: z.object({ sensorId: z.string(), year: z.int().min(0), month: z.int().min(1), day: z.int().min(1), value: z.number() }),
  keys: { primary: { pk: ['sensorId'], sk: ['year', 'month', 'day'] } },
  versioned: false,
});
const Event = defineEntity({
  name: 'event',
  schema: z.object({ eventId: z.string(), userId: z.string(), at: z.iso.datetime() }),
  keys: { primary: { pk: ['eventId'] }, byUser: { index: 'gsi1', pk: ['userId'], sk: ['at'] } },
  versioned: false,
});
const Order = defineEntity({
  name: 'order',
  schema: z.object({ accountId: z.string(), orderId: z.string(), total: z.number() }),
  keys: { primary: { pk: ['accountId'], sk: ['orderId'], collection: 'account' } },
  versioned: false,
});
const Payment = defineEntity({
  name: 'payment',
  schema: z.object({ accountId: z.string(), paymentId: z.string(), amount: z.number() }),
  keys: { primary: { pk: ['accountId'], sk: ['paymentId'], collection: 'account' } },
  versioned: false,
});
const Keys = defineTable({
  name: 'sortkeys',
  entities: { rank: Rank, person: Person, reading: Reading, event: Event, order: Order, payment: Payment },
  streams: false,
});

both('a range with limit 5 over 50 items reads 5 matching items and a cursor: a key condition, never a filter', Keys, async (t, { table }) => {
  const ranks = table.entities.rank;
  await ranks.saveAll(Array.from({ length: 50 }, (_, rank) => ({ listId: 'l1', rank, label: `r${rank}` })));
  const first = await ranks.find.primary({ listId: 'l1', rank: { between: [10, 30] } }, { limit: 5 });
  t.deepEqual(
    first.items.map((item) => item.rank),
    [10, 11, 12, 13, 14],
  );
  t.truthy(first.cursor);
  const all = await allPages((cursor) => ranks.find.primary({ listId: 'l1', rank: { between: [10, 30] } }, { limit: 5, ...(cursor ? { cursor } : {}) }));
  t.deepEqual(
    all.items.map((item) => item.rank),
    Array.from({ length: 21 }, (_, index) => index + 10),
  );
  t.deepEqual(
    all.pages.map((page) => page.size),
    [5, 5, 5, 5, 1],
  );
  const gt = await ranks.find.primary({ listId: 'l1', rank: { gt: 44 } }, { limit: 5, order: 'desc' });
  t.deepEqual(
    gt.items.map((item) => item.rank),
    [49, 48, 47, 46, 45],
  );
});

for (const [label, key, expression] of [
  ['between', { between: [10, 30] }, /BETWEEN/],
  ['gte', { gte: 40 }, /BETWEEN/],
  ['lt', { lt: 5 }, /BETWEEN/],
  ['eq', { eq: 7 }, /AND #n1 = :v1$/],
] as const) {
  test(`[dynamodb] ${label} on a sort key is the KeyConditionExpression of the Query, with no FilterExpression`, async (t) => {
    const { table, record } = await open(t, 'dynamodb', Keys, 'sortkeys');
    await table.entities.rank.saveAll(Array.from({ length: 50 }, (_, rank) => ({ listId: 'l1', rank, label: `r${rank}` })));
    const sent = record() ?? [];
    const page = await table.entities.rank.find.primary({ listId: 'l1', rank: key }, { limit: 5 });
    t.true(page.items.length > 0);
    const queries = named(sent, 'QueryCommand');
    t.is(queries.length, 1, 'one Query');
    const input = queries[0]?.input ?? {};
    t.regex(String(input.KeyConditionExpression), expression);
    t.regex(String(input.KeyConditionExpression), /^#n0 = :v0 AND /, 'the partition and the range');
    t.is(input.FilterExpression, undefined, 'no filter');
    t.is(input.Limit, 5);
  });
}

test('[dynamodb] a partial prefix of a multi-attribute sort key is begins_with in the KeyConditionExpression', async (t) => {
  const { table, record } = await open(t, 'dynamodb', Keys, 'sortkeys');
  const readings = table.entities.reading;
  await readings.saveAll([1, 2, 3].map((month) => ({ sensorId: 's', year: 2026, month, day: 1, value: month })));
  const sent = record() ?? [];
  t.is((await readings.find.primary({ sensorId: 's', year: 2026 }, { limit: 2 })).items.length, 2);
  t.is((await readings.find.primary({ sensorId: 's', year: 2026, month: { gte: 2 } })).items.length, 2);
  const [prefix, range] = named(sent, 'QueryCommand').map((command) => command.input);
  t.regex(String(prefix?.KeyConditionExpression), /AND begins_with\(#n1, :v1\)$/);
  t.is(prefix?.FilterExpression, undefined);
  t.regex(String(range?.KeyConditionExpression), /AND #n1 BETWEEN :v1 AND :v2$/);
  t.is(range?.FilterExpression, undefined);
});

both('numbers are zero-padded in keys: 9 < 10 < 100, every operator, both orders', Keys, async (t, { table }) => {
  const ranks = table.entities.rank;
  const values = [1000, 9, 100, 0, 99, 10];
  for (const rank of values) await ranks.create({ listId: 'n', rank, label: `r${rank}` });
  const read = async (rank: Parameters<typeof ranks.find.primary>[0]['rank'], order: 'asc' | 'desc' = 'asc') =>
    (await ranks.find.primary({ listId: 'n', ...(rank === undefined ? {} : { rank }) }, { order })).items.map((item) => item.rank);
  t.deepEqual(await read(undefined), [0, 9, 10, 99, 100, 1000]);
  t.deepEqual(await read(undefined, 'desc'), [1000, 100, 99, 10, 9, 0]);
  t.deepEqual(await read(10), [10]);
  t.deepEqual(await read({ eq: 100 }), [100]);
  t.deepEqual(await read({ gt: 9 }), [10, 99, 100, 1000]);
  t.deepEqual(await read({ gt: 9 }, 'desc'), [1000, 100, 99, 10]);
  t.deepEqual(await read({ gte: 10 }), [10, 99, 100, 1000]);
  t.deepEqual(await read({ lt: 100 }), [0, 9, 10, 99]);
  t.deepEqual(await read({ lte: 99 }, 'desc'), [99, 10, 9, 0]);
  t.deepEqual(await read({ between: [9, 100] }), [9, 10, 99, 100]);
  t.deepEqual(await read({ lt: 0 }), []);
  t.deepEqual(await read({ gt: 1000 }), []);
  t.deepEqual(await read({ between: [11, 98] }), []);
});

both("strings follow the built keys' UTF-8 byte order: 'Lee Smith' sorts before 'Lee', and ranges follow it", Keys, async (t, { table }) => {
  const people = table.entities.person;
  const names = [
    ['Lee', 'Bob'],
    ['Zed', 'Gus'],
    ['Lee Smith', 'Cy'],
    ['Abe', 'Fay'],
    ['Lee-Jones', 'Hal'],
    ['Le', 'Eve'],
    ['Leo', 'Dan'],
    ['Lee', 'Ann'],
  ] as const;
  await people.createAll(names.map(([last, first]) => ({ teamId: 't', last, first })));
  type Key = Omit<Parameters<typeof people.find.primary>[0], 'teamId'>;
  const read = async (key: Key, order: 'asc' | 'desc' = 'asc') =>
    (await people.find.primary({ teamId: 't', ...key } as Parameters<typeof people.find.primary>[0], { order })).items.map((p) => `${p.last}/${p.first}`);
  t.deepEqual(await read({}), ['Abe/Fay', 'Le/Eve', 'Lee Smith/Cy', 'Lee/Ann', 'Lee/Bob', 'Lee-Jones/Hal', 'Leo/Dan', 'Zed/Gus']);
  t.deepEqual(await read({ last: 'Lee' }), ['Lee/Ann', 'Lee/Bob'], 'a prefix by equality');
  t.deepEqual(await read({ last: { eq: 'Lee' } }), ['Lee/Ann', 'Lee/Bob']);
  t.deepEqual(await read({ last: { beginsWith: 'Lee' } }), ['Lee Smith/Cy', 'Lee/Ann', 'Lee/Bob', 'Lee-Jones/Hal']);
  t.deepEqual(await read({ last: { gt: 'Lee' } }), ['Lee-Jones/Hal', 'Leo/Dan', 'Zed/Gus']);
  t.deepEqual(await read({ last: { gte: 'Lee' } }), ['Lee/Ann', 'Lee/Bob', 'Lee-Jones/Hal', 'Leo/Dan', 'Zed/Gus']);
  t.deepEqual(await read({ last: { gte: 'Lee' } }, 'desc'), ['Zed/Gus', 'Leo/Dan', 'Lee-Jones/Hal', 'Lee/Bob', 'Lee/Ann']);
  t.deepEqual(await read({ last: { lt: 'Lee' } }), ['Abe/Fay', 'Le/Eve', 'Lee Smith/Cy'], "'Lee Smith' is below 'Lee' in key order");
  t.deepEqual(await read({ last: { lte: 'Lee' } }), ['Abe/Fay', 'Le/Eve', 'Lee Smith/Cy', 'Lee/Ann', 'Lee/Bob']);
  t.deepEqual(await read({ last: { between: ['Le', 'Lee'] } }), ['Le/Eve', 'Lee Smith/Cy', 'Lee/Ann', 'Lee/Bob']);
  t.deepEqual(await read({ last: { between: ['Lee Smith', 'Lee'] } }), ['Lee Smith/Cy', 'Lee/Ann', 'Lee/Bob'], 'between takes its bounds in key order');
  await fails(t, people.find.primary({ teamId: 't', last: { between: ['Lee', 'Lee Smith'] } }), 'validation', { entity: 'person', fields: ['last'] });
  await fails(t, people.find.primary({ teamId: 't', last: { beginsWith: 'Lee#fi' } }), 'validation', { fields: ['last'] });
  t.deepEqual(await read({ last: 'Lee', first: { gt: 'Ann' } }), ['Lee/Bob']);
  t.deepEqual(await read({ last: 'Lee', first: { lt: 'Bob' } }), ['Lee/Ann']);
  t.deepEqual(await read({ last: 'Lee', first: { lte: 'Bob' } }, 'desc'), ['Lee/Bob', 'Lee/Ann']);
  t.deepEqual(await read({ last: 'Lee', first: 'Bob' }), ['Lee/Bob']);
  const paged = await allPages((cursor) => people.find.primary({ teamId: 't' }, { limit: 3, order: 'desc', ...(cursor ? { cursor } : {}) }));
  t.deepEqual(
    paged.items.map((p) => p.last),
    ['Zed', 'Leo', 'Lee-Jones', 'Lee', 'Lee', 'Lee Smith', 'Le', 'Abe'],
  );
  t.deepEqual(paged.pages, [
    { size: 3, cursor: true },
    { size: 3, cursor: true },
    { size: 2, cursor: false },
  ]);
});

both('ISO date strings on a secondary index: between, gte descending, beginsWith, across pages', Keys, async (t, { table }) => {
  const events = table.entities.event;
  const days = ['2026-01-05', '2026-01-20', '2026-02-01', '2026-02-14', '2026-03-01', '2025-12-31'];
  await events.saveAll(days.map((day, index) => ({ eventId: `e${index}`, userId: 'u1', at: `${day}T10:00:00.000Z` })));
  await events.create({ eventId: 'other', userId: 'u2', at: '2026-02-01T10:00:00.000Z' });
  const read = async (at: Parameters<typeof events.find.byUser>[0]['at'], order: 'asc' | 'desc' = 'asc') =>
    (await events.find.byUser({ userId: 'u1', ...(at === undefined ? {} : { at }) }, { order })).items.map((event) => event.at.slice(0, 10));
  t.deepEqual(await read(undefined), ['2025-12-31', '2026-01-05', '2026-01-20', '2026-02-01', '2026-02-14', '2026-03-01']);
  t.deepEqual(await read({ between: ['2026-01-01T00:00:00.000Z', '2026-02-01T23:59:59.999Z'] }), ['2026-01-05', '2026-01-20', '2026-02-01']);
  t.deepEqual(await read({ gte: '2026-02-01T10:00:00.000Z' }, 'desc'), ['2026-03-01', '2026-02-14', '2026-02-01']);
  t.deepEqual(await read({ gt: '2026-02-01T10:00:00.000Z' }), ['2026-02-14', '2026-03-01']);
  t.deepEqual(await read({ lt: '2026-01-20T10:00:00.000Z' }), ['2025-12-31', '2026-01-05']);
  t.deepEqual(await read({ beginsWith: '2026-02' }), ['2026-02-01', '2026-02-14']);
  const paged = await allPages((cursor) =>
    events.find.byUser({ userId: 'u1', at: { gte: '2026-01-01T00:00:00.000Z' } }, { limit: 2, ...(cursor ? { cursor } : {}) }),
  );
  t.deepEqual(
    paged.items.map((event) => event.eventId),
    ['e0', 'e1', 'e2', 'e3', 'e4'],
  );
  t.deepEqual(
    paged.pages.map((page) => page.size),
    [2, 2, 1],
  );
});

both('multi-attribute sort keys: a partial prefix is begins_with, then one condition on the next composite', Keys, async (t, { table }) => {
  const readings = table.entities.reading;
  const dates = [
    [2025, 12, 31],
    [2026, 1, 1],
    [2026, 1, 15],
    [2026, 2, 1],
    [2026, 2, 28],
    [2026, 10, 1],
    [2027, 1, 1],
  ] as const;
  await readings.saveAll(dates.map(([year, month, day]) => ({ sensorId: 's', year, month, day, value: day })));
  type Key = Omit<Parameters<typeof readings.find.primary>[0], 'sensorId'>;
  const read = async (key: Key, order: 'asc' | 'desc' = 'asc') =>
    (await readings.find.primary({ sensorId: 's', ...key } as Parameters<typeof readings.find.primary>[0], { order })).items.map(
      (r) => `${r.year}-${r.month}-${r.day}`,
    );
  t.deepEqual(await read({ year: 2026 }), ['2026-1-1', '2026-1-15', '2026-2-1', '2026-2-28', '2026-10-1']);
  t.deepEqual(await read({ year: 2026, month: 2 }), ['2026-2-1', '2026-2-28']);
  t.deepEqual(await read({ year: 2026, month: 1, day: 15 }), ['2026-1-15']);
  t.deepEqual(await read({ year: 2026, month: { gte: 2 } }), ['2026-2-1', '2026-2-28', '2026-10-1'], 'month 10 after month 2');
  t.deepEqual(await read({ year: 2026, month: { gt: 1 } }, 'desc'), ['2026-10-1', '2026-2-28', '2026-2-1']);
  t.deepEqual(await read({ year: 2026, month: { between: [1, 2] } }), ['2026-1-1', '2026-1-15', '2026-2-1', '2026-2-28']);
  t.deepEqual(await read({ year: 2026, month: { lt: 10 } }), ['2026-1-1', '2026-1-15', '2026-2-1', '2026-2-28']);
  t.deepEqual(await read({ year: 2026, month: { lte: 1 } }), ['2026-1-1', '2026-1-15']);
  t.deepEqual(await read({ year: 2026, month: { eq: 1 } }), ['2026-1-1', '2026-1-15']);
  t.deepEqual(await read({ year: 2026, month: 1, day: { gt: 1 } }), ['2026-1-15']);
  t.deepEqual(await read({ year: { gte: 2026 } }), ['2026-1-1', '2026-1-15', '2026-2-1', '2026-2-28', '2026-10-1', '2027-1-1']);
  t.deepEqual(await read({ year: { lt: 2026 } }), ['2025-12-31']);
  t.deepEqual(await read({ year: { between: [2026, 2026] } }, 'desc'), ['2026-10-1', '2026-2-28', '2026-2-1', '2026-1-15', '2026-1-1']);
  const paged = await allPages((cursor) => readings.find.primary({ sensorId: 's', year: 2026 }, { limit: 2, order: 'desc', ...(cursor ? { cursor } : {}) }));
  t.deepEqual(
    paged.items.map((r) => `${r.month}-${r.day}`),
    ['10-1', '2-28', '2-1', '1-15', '1-1'],
  );
  t.deepEqual(
    paged.pages.map((page) => page.cursor),
    [true, true, false],
  );
});

both('another entity of the same partition (a collection) never appears in a range query', Keys, async (t, { table }) => {
  const { order, payment } = table.entities;
  const ids = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'];
  await order.createAll(ids.map((orderId, index) => ({ accountId: 'a', orderId, total: index })));
  await payment.createAll(ids.map((paymentId, index) => ({ accountId: 'a', paymentId, amount: index })));
  const read = async (orderId: Parameters<typeof order.find.primary>[0]['orderId'], limit?: number) =>
    (await order.find.primary({ accountId: 'a', ...(orderId === undefined ? {} : { orderId }) }, limit ? { limit } : {})).items.map((item) => item.orderId);
  t.deepEqual(await read(undefined), ids);
  t.deepEqual(await read({ gte: 'o3' }), ['o3', 'o4', 'o5', 'o6']);
  t.deepEqual(await read({ gt: 'o5' }), ['o6']);
  t.deepEqual(await read({ lt: 'o3' }), ['o1', 'o2']);
  t.deepEqual(await read({ lte: 'o1' }), ['o1']);
  t.deepEqual(await read({ beginsWith: 'o' }), ids);
  t.deepEqual(await read({ between: ['o2', 'o4'] }), ['o2', 'o3', 'o4']);
  t.deepEqual(await read({ gte: 'o1' }, 3), ['o1', 'o2', 'o3']);
  const payments = await payment.find.primary({ accountId: 'a', paymentId: { lte: 'o9' } });
  t.deepEqual(
    payments.items.map((item) => item.paymentId),
    ids,
  );
  t.true(payments.items.every((item) => 'amount' in item && !('total' in item)));
  const collection = await table.collection('account', { accountId: 'a' });
  t.is(collection.order.length, 6);
  t.is(collection.payment.length, 6);
});

both('a key out of order, a condition on the partition key or on a non-key attribute is a validation error naming it', Keys, async (t, { table }) => {
  const readings = table.entities.reading;
  type Key = Parameters<typeof readings.find.primary>[0];
  await fails(t, readings.find.primary({ sensorId: 's', month: 1 } as unknown as Key), 'validation', { entity: 'reading', fields: ['month'] });
  await fails(t, readings.find.primary({ sensorId: 's', year: { gte: 2026 }, month: 1 } as unknown as Key), 'validation', { fields: ['month'] });
  await fails(t, readings.find.primary({ sensorId: { eq: 's' } } as unknown as Key), 'validation', { fields: ['sensorId'] });
  await fails(t, readings.find.primary({ sensorId: 's', value: 3 } as unknown as Key), 'validation', { fields: ['value'] });
  await fails(t, readings.find.primary({ sensorId: 's', year: { gt: 1, lt: 5 } } as unknown as Key), 'validation', { fields: ['year'] });
  await fails(t, readings.find.primary({ sensorId: 's', year: { between: [2027, 2026] } }), 'validation', { fields: ['year'] });
  await fails(t, readings.find.primary({ sensorId: 's', year: { beginsWith: '20' } } as unknown as Key), 'validation', { fields: ['year'] });
});

both("a cursor is a key of its own query: another partition's or range's cursor is a validation error", Keys, async (t, { table }) => {
  const ranks = table.entities.rank;
  await ranks.saveAll([...['l1', 'l2'].flatMap((listId) => [1, 2, 3, 40, 41, 42].map((rank) => ({ listId, rank, label: `${listId}-${rank}` })))]);
  const high = await ranks.find.primary({ listId: 'l1', rank: { gte: 40 } }, { limit: 1 });
  t.truthy(high.cursor);
  await fails(t, ranks.find.primary({ listId: 'l2', rank: { gte: 40 } }, { limit: 1, cursor: high.cursor }), 'validation', { message: /cursor/ });
  await fails(t, ranks.find.primary({ listId: 'l1', rank: { lt: 5 } }, { limit: 1, cursor: high.cursor }), 'validation', { message: /cursor/ });
  await fails(t, ranks.find.primary({ listId: 'l1' }, { cursor: 'not-a-cursor' }), 'validation', { message: /cursor/ });
  const next = await ranks.find.primary({ listId: 'l1', rank: { gte: 40 } }, { limit: 5, cursor: high.cursor });
  t.deepEqual(
    next.items.map((item) => item.label),
    ['l1-41', 'l1-42'],
  );
});
