/**
 * The kiss conformance suite, part 2: queries (all, empty, by pattern, `where` filters, paging)
 * and the errors of writes that collide. Registered by kiss.dynamo.test.ts and kiss.memory.test.ts.
 */
import test from 'ava';
import { byId, identified, product, rejectsWith, withoutManaged, withTable, type Backend, type Handle } from './fixtures.ts';

const catalog = () => [
  product({ id: 'q-1', name: 'Apple iPhone', price: 10 }),
  product({ id: 'q-2', name: 'Apple Watch', price: 20 }),
  product({ id: 'q-3', name: 'Samsung Galaxy', price: 30 }),
  product({ id: 'q-4', name: 'Pineapple slicer', price: 40.5 }),
];
const ids = (items: readonly { id: string }[]) => items.map((item) => item.id).sort();

export function kissQuerySuite(backend: Backend): void {
  const name = (group: string, testName: string) => `[${backend}] kiss › ${group}: ${testName}`;
  type Products = Handle['table']['entities']['product'];
  const products = (body: (repo: Products) => Promise<void>) => withTable(backend, (handle) => body(handle.table.entities.product));
  const withCatalog = (body: (repo: Products, inputs: ReturnType<typeof catalog>) => Promise<void>) =>
    products(async (repo) => {
      const inputs = catalog();
      await repo.addAll(inputs.map((p) => identified(p)));
      await body(repo, inputs);
    });

  test(name('Query', 'all'), (t) =>
    withCatalog(async (repo, inputs) => {
      const all = await repo.query();
      t.deepEqual(ids(all), ['q-1', 'q-2', 'q-3', 'q-4']);
      t.deepEqual(all.sort(byId).map(withoutManaged), inputs);
      t.true(all.every((item) => item.created instanceof Date && item.version === 1));
    }),
  );

  test(name('Query', 'empty'), (t) =>
    products(async (repo) => {
      t.deepEqual(await repo.query(), []);
      t.deepEqual(await repo.query(undefined, { where: { price: { gte: 0 } } }), []);
      t.deepEqual(await repo.query({ pattern: 'byName', key: { name: 'Widget' } }), []);
      t.deepEqual(await repo.page(), { items: [], cursor: undefined });
      t.deepEqual(await repo.find.byName({ name: 'Widget' }), { items: [], cursor: undefined });
    }),
  );

  test(name('Query', 'by name: the byName pattern, and a substring through contains'), (t) =>
    withCatalog(async (repo) => {
      t.deepEqual(ids(await repo.query({ pattern: 'byName', key: { name: 'Apple Watch' } })), ['q-2']);
      t.deepEqual(ids((await repo.find.byName({ name: 'Samsung Galaxy' })).items), ['q-3']);
      t.deepEqual(
        ids(await repo.query(undefined, { where: { name: { contains: 'Apple' } } })),
        ['q-1', 'q-2'],
        'case-sensitive: Pineapple does not contain "Apple"',
      );
      t.deepEqual(ids(await repo.query(undefined, { where: { name: { contains: 'apple' } } })), ['q-4']);
      t.deepEqual(ids(await repo.query(undefined, { where: { name: { beginsWith: 'Apple W' } } })), ['q-2']);
    }),
  );

  test(name('Query', 'price ≥ min and ≤ max'), (t) =>
    withCatalog(async (repo) => {
      t.deepEqual(ids(await repo.query(undefined, { where: { price: { gte: 20 } } })), ['q-2', 'q-3', 'q-4'], 'inclusive');
      t.deepEqual(ids(await repo.query(undefined, { where: { price: { gt: 20 } } })), ['q-3', 'q-4']);
      t.deepEqual(ids(await repo.query(undefined, { where: { price: { lte: 30 } } })), ['q-1', 'q-2', 'q-3'], 'inclusive');
      t.deepEqual(ids(await repo.query(undefined, { where: { price: { lt: 30 } } })), ['q-1', 'q-2']);
      t.deepEqual(ids(await repo.query(undefined, { where: { price: { gte: 40.5 } } })), ['q-4'], 'decimals compare by value');
    }),
  );

  test(name('Query', 'price range, alone and with a substring'), (t) =>
    withCatalog(async (repo) => {
      t.deepEqual(ids(await repo.query(undefined, { where: { price: { between: [20, 40.5] } } })), ['q-2', 'q-3', 'q-4'], 'inclusive at both ends');
      t.deepEqual(ids(await repo.query(undefined, { where: { price: { gte: 15, lte: 35 } } })), ['q-2', 'q-3']);
      t.deepEqual(ids(await repo.query(undefined, { where: { price: { between: [15, 35] }, name: { contains: 'Apple' } } })), ['q-2']);
      t.deepEqual(ids(await repo.query(undefined, { where: { $or: [{ price: { lt: 15 } }, { price: { gt: 35 } }] } })), ['q-1', 'q-4']);
    }),
  );

  test(name('Query', 'no results'), (t) =>
    withCatalog(async (repo) => {
      t.deepEqual(await repo.query(undefined, { where: { name: { contains: 'Nokia' } } }), []);
      t.deepEqual(await repo.query(undefined, { where: { price: { between: [1000, 2000] } } }), []);
      t.deepEqual(await repo.query({ pattern: 'byName', key: { name: 'Nokia' } }), []);
      t.deepEqual(await repo.query({ pattern: 'byName', key: { name: 'Apple Watch' } }, { where: { price: { gt: 20 } } }), []);
    }),
  );

  test(name('Query', 'a pattern: find with limit and cursor pages through everything, desc, sort-key conditions, paginate()'), (t) =>
    products(async (repo) => {
      const widgets = Array.from({ length: 7 }, (_, index) => product({ id: `w-${9 - index}`, name: 'Widget', price: index }));
      const others = [product({ id: 'o-1', name: 'Gadget' }), product({ id: 'w-0', name: 'Widgets' })];
      await repo.addAll([...widgets, ...others].map((p) => identified(p)));
      const expected = widgets.map((w) => w.id).sort();

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await repo.find.byName({ name: 'Widget' }, { limit: 2, ...(cursor ? { cursor } : {}) });
        t.true(page.items.length <= 2);
        for (const item of page.items) t.is(item.name, 'Widget');
        seen.push(...page.items.map((item) => item.id));
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 20);
      t.true(pages >= 4, `7 items in pages of 2 take at least 4 pages (took ${pages})`);
      t.deepEqual(seen, expected, 'every item once, in sort-key order');

      const desc = await repo.find.byName({ name: 'Widget' }, { order: 'desc' });
      t.deepEqual(
        desc.items.map((item) => item.id),
        [...expected].reverse(),
      );
      t.is(desc.cursor, undefined);
      // A sort-key condition is a key condition: limit counts matching items only.
      const above = await repo.find.byName({ name: 'Widget', id: { gt: 'w-5' } }, { limit: 3 });
      t.deepEqual(
        above.items.map((item) => item.id),
        ['w-6', 'w-7', 'w-8'],
      );
      t.deepEqual(ids(await repo.query({ pattern: 'byName', key: { name: 'Widget', id: { between: ['w-4', 'w-6'] } } })), ['w-4', 'w-5', 'w-6']);
      t.deepEqual(ids(await repo.query({ pattern: 'byName', key: { name: 'Widget', id: 'w-7' } })), ['w-7']);

      t.deepEqual(ids(await repo.query({ pattern: 'byName', key: { name: 'Widget' } })), expected);
      const patternPages: string[][] = [];
      for await (const page of repo.paginate({ pattern: 'byName', key: { name: 'Widget' } }, { limit: 3 })) {
        t.true(page.items.length <= 3);
        patternPages.push(page.items.map((item) => item.id));
      }
      t.true(patternPages.length >= 3);
      t.deepEqual(patternPages.flat(), expected);
      const everything: string[] = [];
      for await (const page of repo.paginate(undefined, { limit: 4 })) {
        t.true(page.items.length <= 4);
        everything.push(...page.items.map((item) => item.id));
      }
      t.is(new Set(everything).size, everything.length, 'no duplicates');
      t.deepEqual(everything.sort(), ids([...widgets, ...others]));
    }),
  );

  test(name('Query', 'page() with where applies the filter after limit: pages may be short, none is lost'), (t) =>
    products(async (repo) => {
      const items = Array.from({ length: 6 }, (_, index) => product({ id: `f-${index}`, name: 'Filtered', price: index }));
      await repo.addAll(items.map((p) => identified(p)));
      const first = await repo.page({ pattern: 'byName', key: { name: 'Filtered' } }, { limit: 3, where: { price: { gte: 2 } } });
      t.deepEqual(ids(first.items), ['f-2'], 'three read, one matched');
      t.truthy(first.cursor);
      const second = await repo.page(
        { pattern: 'byName', key: { name: 'Filtered' } },
        { limit: 3, where: { price: { gte: 2 } }, ...(first.cursor ? { cursor: first.cursor } : {}) },
      );
      t.deepEqual(ids(second.items), ['f-3', 'f-4', 'f-5']);
      const third = second.cursor
        ? await repo.page({ pattern: 'byName', key: { name: 'Filtered' } }, { limit: 3, cursor: second.cursor })
        : { items: [], cursor: undefined };
      t.deepEqual(third, { items: [], cursor: undefined }, 'an exactly full last page has a cursor to an empty page');
    }),
  );

  test(name('Query', 'number sort-key composites order by value (2 < 10 < 100), keys are case-sensitive'), (t) =>
    withTable(backend, async ({ table }) => {
      const gadgets = table.entities.gadget;
      const prices = [10, 2, 100, 0, 99];
      await gadgets.createAll(prices.map((price) => ({ id: `g-${price}`, category: 'lamps', brand: 'acme', price })));
      await gadgets.create({ id: 'g-upper', category: 'Lamps', brand: 'acme', price: 1 });
      await gadgets.create({ id: 'g-other', category: 'lamps', brand: 'Acme', price: 1 });
      const asc = await gadgets.find.byCategory({ category: 'lamps', brand: 'acme' });
      t.deepEqual(
        asc.items.map((item) => item.price),
        [0, 2, 10, 99, 100],
      );
      const desc = await gadgets.find.byCategory({ category: 'lamps', brand: 'acme' }, { order: 'desc' });
      t.deepEqual(
        desc.items.map((item) => item.price),
        [100, 99, 10, 2, 0],
      );
      t.deepEqual(
        (await gadgets.find.byCategory({ category: 'lamps', brand: 'acme', price: { gt: 2 } })).items.map((item) => item.price),
        [10, 99, 100],
      );
      t.deepEqual(
        (await gadgets.find.byCategory({ category: 'lamps', brand: 'acme', price: { between: [2, 99] } })).items.map((item) => item.price),
        [2, 10, 99],
      );
      t.deepEqual(
        (await gadgets.find.byCategory({ category: 'lamps', brand: 'acme', price: 10 })).items.map((item) => item.id),
        ['g-10'],
        'a full sort key matches exactly',
      );
      t.deepEqual(
        (await gadgets.find.byCategory({ category: 'Lamps' })).items.map((item) => item.id),
        ['g-upper'],
      );
      t.deepEqual(
        (await gadgets.find.byCategory({ category: 'lamps', brand: 'Acme' })).items.map((item) => item.id),
        ['g-other'],
      );
      t.is((await gadgets.get('g-10')).price, 10);
    }),
  );

  // --- Errors of colliding writes ----------------------------------------------------------------

  test(name('Errors', 'alreadyExists carries the id in the message and error.id, and changes nothing'), (t) =>
    products(async (repo) => {
      const p = product({ id: 'taken-7' });
      const stored = await repo.add(identified(p));
      for (const run of [
        () => repo.add(identified({ ...p, price: 1 })),
        () => repo.create({ ...p, price: 3 }),
        () => repo.addAll([identified(product()), identified({ ...p, price: 2 })]),
      ]) {
        const error = await rejectsWith(t, run, 'alreadyExists');
        t.is(error.id, 'taken-7');
        t.is(error.entity, 'product');
        t.true(error.message.includes('taken-7'), error.message);
        t.regex(error.message, /already exists/);
      }
      t.deepEqual(await repo.get(p.id), stored);
      t.is((await repo.query()).length, 1);
    }),
  );

  test(name('Errors', 'a write whose `if` does not hold is conditionFailed, and writes nothing'), (t) =>
    products(async (repo) => {
      const stored = await repo.add(identified(product({ id: 'guarded', price: 5 })));
      for (const run of [
        () => repo.patch('guarded', { set: { price: 6 } }, { if: { price: { gt: 5 } } }),
        () => repo.delete('guarded', { if: { name: 'Other' } }),
        () => repo.save({ ...stored, price: 7 }, { if: { description: { beginsWith: 'nope' } } }),
        () => repo.update('guarded', (current) => ({ ...current, price: 8 }), { if: { price: { lt: 5 } } }),
      ]) {
        const error = await rejectsWith(t, run, 'conditionFailed');
        t.is(error.id, 'guarded');
      }
      t.deepEqual(await repo.get('guarded'), stored);
      const patched = await repo.patch('guarded', { set: { price: 6 } }, { if: { price: 5 } });
      t.is(patched.price, 6);
      t.is(patched.version, 2);
    }),
  );
}
