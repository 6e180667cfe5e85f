/**
 * The twin is exact where DynamoDB's rules are observable, checked on both backends with the same
 * assertions: a cursor on an exactly full last page (then an empty page without one), map
 * equality regardless of key order, keyset cursors that survive deletes between pages, and
 * Limit applied before the filter.
 */
import { z } from 'zod';
import { defineEntity, defineTable } from '../../src/index.ts';
import { allPages, both } from './support.ts';

const Row = defineEntity({
  name: 'row',
  schema: z.object({
    groupId: z.string(),
    n: z.int().min(0),
    kind: z.enum(['even', 'odd']),
    map: z.object({ a: z.number(), b: z.number(), c: z.string().optional() }).optional(),
    list: z.array(z.number()).default([]),
  }),
  keys: { primary: { pk: ['groupId'], sk: ['n'] }, byKind: { index: 'gsi1', pk: ['kind'], sk: ['n'] } },
  versioned: false,
});
const Twin = defineTable({ name: 'twin', entities: { row: Row }, streams: false });

const rows = (groupId: string, count: number) =>
  Array.from({ length: count }, (_, index) => ({ groupId, n: index + 1, kind: index % 2 ? ('even' as const) : ('odd' as const) }));

both('an exactly full last page has a cursor; the page after it is empty, without one (Query, GSI Query, Scan)', Twin, async (t, { table }) => {
  const entity = table.entities.row;
  await entity.saveAll(rows('g', 6));
  const query = await allPages((cursor) => entity.find.primary({ groupId: 'g' }, { limit: 3, ...(cursor ? { cursor } : {}) }));
  t.deepEqual(query.pages, [
    { size: 3, cursor: true },
    { size: 3, cursor: true },
    { size: 0, cursor: false },
  ]);
  t.deepEqual(
    query.items.map((row) => row.n),
    [1, 2, 3, 4, 5, 6],
  );
  const index = await allPages((cursor) => entity.find.byKind({ kind: 'odd' }, { limit: 3, order: 'desc', ...(cursor ? { cursor } : {}) }));
  t.deepEqual(index.pages, [
    { size: 3, cursor: true },
    { size: 0, cursor: false },
  ]);
  t.deepEqual(
    index.items.map((row) => row.n),
    [5, 3, 1],
  );
  const scan = await allPages((cursor) => entity.page(undefined, { limit: 2, ...(cursor ? { cursor } : {}) }));
  t.deepEqual(
    scan.pages.map((page) => page.size),
    [2, 2, 2, 0],
  );
  t.deepEqual(scan.pages.at(-2)?.cursor, true);
  t.deepEqual(scan.items.map((row) => row.n).sort(), [1, 2, 3, 4, 5, 6]);
  const short = await entity.find.primary({ groupId: 'g' }, { limit: 7 });
  t.is(short.items.length, 6);
  t.is(short.cursor, undefined, 'a page that ends before the limit has no cursor');
});

both('map equality ignores key order: where { map: { eq: { b: 2, a: 1 } } } matches a stored { a: 1, b: 2 }', Twin, async (t, { table }) => {
  const entity = table.entities.row;
  await entity.create({ groupId: 'm', n: 1, kind: 'odd', map: { a: 1, b: 2 } });
  await entity.create({ groupId: 'm', n: 2, kind: 'even', map: { a: 1, b: 2, c: 'x' } });
  await entity.create({ groupId: 'm', n: 3, kind: 'odd', map: { a: 2, b: 1 } });
  const ns = async (where: NonNullable<Parameters<typeof entity.query>[1]>['where']) =>
    (await entity.query({ pattern: 'primary', key: { groupId: 'm' } }, { where })).map((row) => row.n);
  t.deepEqual(await ns({ map: { eq: { b: 2, a: 1 } } }), [1]);
  t.deepEqual(await ns({ map: { ne: { b: 2, a: 1 } } }), [2, 3]);
  t.deepEqual(await ns({ map: { in: [{ c: 'x', b: 2, a: 1 }] } }), [2]);
  t.deepEqual(await ns({ list: { eq: [] } }), [1, 2, 3]);
  await entity.patch({ groupId: 'm', n: 1 }, { set: { kind: 'even' } }, { if: { map: { eq: { b: 2, a: 1 } } } });
  t.is((await entity.get({ groupId: 'm', n: 1 })).kind, 'even');
});

both('a keyset cursor survives deletes and inserts between pages: no item is skipped', Twin, async (t, { table }) => {
  const entity = table.entities.row;
  await entity.saveAll(rows('k', 6));
  const first = await entity.find.primary({ groupId: 'k' }, { limit: 3 });
  t.deepEqual(
    first.items.map((row) => row.n),
    [1, 2, 3],
  );
  await entity.delete({ groupId: 'k', n: 3 });
  await entity.delete({ groupId: 'k', n: 2 });
  const second = await entity.find.primary({ groupId: 'k' }, { limit: 2, cursor: first.cursor });
  t.deepEqual(
    second.items.map((row) => row.n),
    [4, 5],
    'the deleted cursor item makes nothing skip',
  );
  await entity.delete({ groupId: 'k', n: 6 });
  await entity.create({ groupId: 'k', n: 7, kind: 'odd' });
  const third = await entity.find.primary({ groupId: 'k' }, { limit: 2, cursor: second.cursor });
  t.deepEqual(
    third.items.map((row) => row.n),
    [7],
  );
  const descending = await entity.find.primary({ groupId: 'k' }, { limit: 2, order: 'desc' });
  t.deepEqual(
    descending.items.map((row) => row.n),
    [7, 5],
  );
  await entity.delete({ groupId: 'k', n: 5 });
  const rest = await entity.find.primary({ groupId: 'k' }, { limit: 5, order: 'desc', cursor: descending.cursor });
  t.deepEqual(
    rest.items.map((row) => row.n),
    [4, 1],
  );
});

both('Limit applies before the filter: a filtered page can be shorter, with a cursor, and no match is lost', Twin, async (t, { table }) => {
  const entity = table.entities.row;
  await entity.saveAll(rows('f', 9));
  const first = await entity.find.primary({ groupId: 'f' }, { limit: 3, where: { kind: 'even' } });
  t.deepEqual(
    first.items.map((row) => row.n),
    [2],
    'three items read, one matches',
  );
  t.truthy(first.cursor);
  const none = await entity.find.primary({ groupId: 'f' }, { limit: 1, where: { kind: 'even' } });
  t.deepEqual(none.items, []);
  t.truthy(none.cursor, 'an empty page can still have a cursor');
  const all = await allPages((cursor) => entity.find.primary({ groupId: 'f' }, { limit: 3, where: { kind: 'even' }, ...(cursor ? { cursor } : {}) }));
  t.deepEqual(
    all.items.map((row) => row.n),
    [2, 4, 6, 8],
  );
  t.deepEqual(
    all.pages.map((page) => page.size),
    [1, 2, 1, 0],
  );
  const scan = await allPages((cursor) => entity.page(undefined, { limit: 4, where: { n: { gt: 6 } }, ...(cursor ? { cursor } : {}) }));
  t.deepEqual(scan.items.map((row) => row.n).sort(), [7, 8, 9]);
  t.true(scan.pages.length >= 3);
});

both(
  "a table Query whose Limit is filled exactly on the inclusive end of its key range has no cursor (DynamoDB Local's rule); an index Query keeps it",
  Twin,
  async (t, { table }) => {
    const entity = table.entities.row;
    await entity.saveAll(rows('e', 6));
    const page = async (n: Parameters<typeof entity.find.primary>[0]['n'], limit: number, order: 'asc' | 'desc' = 'asc') => {
      const result = await entity.find.primary({ groupId: 'e', ...(n === undefined ? {} : { n }) }, { limit, order });
      return { ns: result.items.map((row) => row.n), cursor: result.cursor !== undefined };
    };
    t.deepEqual(await page({ lte: 3 }, 3), { ns: [1, 2, 3], cursor: false });
    t.deepEqual(await page({ between: [2, 4] }, 3), { ns: [2, 3, 4], cursor: false });
    t.deepEqual(await page({ between: [2, 4] }, 3, 'desc'), { ns: [4, 3, 2], cursor: false });
    t.deepEqual(
      await page({ gte: 4 }, 3, 'desc'),
      { ns: [6, 5, 4], cursor: false },
      'gte 4 is BETWEEN key(4) AND past the last key: a descending read ends on key(4)',
    );
    t.deepEqual(await page({ gte: 4 }, 3), { ns: [4, 5, 6], cursor: true }, 'an ascending read ends past the last key');
    t.deepEqual(await page({ between: [2, 4] }, 2), { ns: [2, 3], cursor: true });
    t.deepEqual(await page(undefined, 6), { ns: [1, 2, 3, 4, 5, 6], cursor: true });
    t.deepEqual(await page({ eq: 3 }, 1), { ns: [3], cursor: true });
    const index = await entity.find.byKind({ kind: 'odd', n: { lte: 5 } }, { limit: 3 });
    t.deepEqual(
      index.items.map((row) => row.n),
      [1, 3, 5],
    );
    t.truthy(index.cursor);
  },
);
