/**
 * The kiss conformance suite (CRUD, batch, ids, query, errors), written once and registered by
 * kiss.dynamo.test.ts and kiss.memory.test.ts. Every test gets an empty repository from the factory
 * (the streaming tests one on a table with its DynamoDB Stream on).
 */
import test from 'ava';
import { RepositoryError } from '../../src/index.ts';
import { record, unsubscribeAll, within } from '../streams/support.ts';
import { byId, identified, pause, product, rejectsWith, withoutManaged, withRepo, type ProductInput, type ProductRepoFactory } from './fixtures.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A product without its id, for the auto-identify tests. */
function anonymous(overrides: Partial<ProductInput> = {}): Omit<ProductInput, 'id'> {
  const { id: _id, ...rest } = product(overrides);
  return rest;
}

export function kissSuite(backend: string, factory: ProductRepoFactory): void {
  const name = (group: string, testName: string) => `[${backend}] kiss › ${group}: ${testName}`;

  // --- CRUD -----------------------------------------------------------------------------------

  test(name('CRUD', 'complete lifecycle'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const input = product({ name: 'Lamp', price: 19.5 });
      const added = await repo.add(identified(input));
      t.deepEqual(withoutManaged(added), input);
      t.is(added.version, 1);
      t.is(added.createdAt, added.updatedAt);

      const read = await repo.get(input.id);
      t.deepEqual(read, added);
      t.true(read.created instanceof Date);

      await pause(3); // the next write gets a later updatedAt
      const updated = await repo.update(input.id, (current) => ({ ...current, price: 25, description: 'brighter' }));
      t.is(updated.price, 25);
      t.is(updated.description, 'brighter');
      t.is(updated.version, 2);
      t.is(updated.createdAt, added.createdAt);
      t.true(updated.updatedAt > added.updatedAt);
      t.deepEqual(await repo.get(input.id), updated);

      await repo.delete(input.id);
      await rejectsWith(t, repo.get(input.id), 'notFound');
      t.deepEqual(await repo.query(), []);
    }),
  );

  test(name('CRUD', 'get missing throws'), (t) =>
    withRepo(factory, async ({ repo }) => {
      await repo.add(identified());
      const error = await rejectsWith(t, repo.get('no-such-product'), 'notFound');
      t.is(error.id, 'no-such-product');
    }),
  );

  test(name('CRUD', 'update missing throws and creates nothing'), (t) =>
    withRepo(factory, async ({ repo }) => {
      let called = false;
      const error = await rejectsWith(
        t,
        repo.update('no-such-product', (current) => {
          called = true;
          return current;
        }),
        'notFound',
      );
      t.is(error.id, 'no-such-product');
      t.false(called, 'the updater never runs for a missing item');
      t.deepEqual(await repo.query(), []);
    }),
  );

  test(name('CRUD', 'delete missing throws'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const kept = product();
      await repo.add(identified(kept));
      const error = await rejectsWith(t, repo.delete('no-such-product'), 'notFound');
      t.is(error.id, 'no-such-product');
      t.is((await repo.get(kept.id)).id, kept.id);
    }),
  );

  test(name('CRUD', 'deleteAll with a mix of existing and missing ids'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const [a, b, c] = [product(), product(), product()];
      await repo.addAll([a, b, c].map((p) => identified(p)));
      await repo.deleteAll([a.id, 'missing-1', b.id, 'missing-2', a.id]);
      const left = await repo.query();
      t.deepEqual(
        left.map((item) => item.id),
        [c.id],
      );
      const { items, missing } = await repo.getMany([a.id, b.id, c.id]);
      t.deepEqual(
        items.map((item) => item.id),
        [c.id],
      );
      t.deepEqual(missing, [a.id, b.id]);
    }),
  );

  test(name('CRUD', 'dispose is idempotent'), async (t) => {
    const handle = await factory();
    await handle.repo.dispose();
    await t.notThrowsAsync(() => handle.repo.dispose());
    await handle.dispose();
  });

  // --- Batch ----------------------------------------------------------------------------------

  test(name('Batch', 'addAll keeps input order and every item is readable'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const inputs = ['m', 'c', 'x', 'a', 'q'].map((letter, index) => product({ id: `${letter}-${index}`, price: index }));
      const added = await repo.addAll(inputs.map((p) => identified(p)));
      t.deepEqual(
        added.map((item) => item.id),
        inputs.map((p) => p.id),
      );
      t.deepEqual(added.map(withoutManaged), inputs);
      for (const item of added) t.is(item.version, 1);
      for (const [index, input] of inputs.entries()) t.deepEqual(await repo.get(input.id), added[index]);
      t.is((await repo.query()).length, inputs.length);
    }),
  );

  test(name('Batch', 'updateAll replaces every item and returns them in input order'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const inputs = [product({ price: 1 }), product({ price: 2 }), product({ price: 3 })];
      const added = await repo.addAll(inputs.map((p) => identified(p)));
      const changes = [...inputs].reverse().map((p) => identified({ ...p, price: p.price * 10, description: `${p.description} v2` }));
      const updated = await repo.updateAll(changes);
      t.deepEqual(
        updated.map((item) => item.id),
        changes.map((change) => change.id),
      );
      for (const item of updated) {
        const before = added.find((a) => a.id === item.id);
        t.is(item.version, 2);
        t.truthy(before);
        t.is(item.createdAt, before?.createdAt ?? '');
        t.deepEqual(await repo.get(item.id), item);
      }
      t.deepEqual(
        (await repo.query()).map((item) => item.price).sort((x, y) => x - y),
        [10, 20, 30],
      );
    }),
  );

  test(name('Batch', 'updateAll with a duplicate id: the last object wins'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const p = product({ price: 1 });
      await repo.add(identified(p));
      const updated = await repo.updateAll([identified({ ...p, price: 2 }), identified({ ...p, price: 3 })]);
      t.deepEqual(
        updated.map((item) => item.price),
        [3, 3],
      );
      const stored = await repo.get(p.id);
      t.is(stored.price, 3);
      t.is(stored.version, 2);
    }),
  );

  test(name('Batch', 'deleteAll removes every item'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const inputs = Array.from({ length: 30 }, () => product());
      await repo.addAll(inputs.map((p) => identified(p)));
      t.is((await repo.query()).length, 30);
      await repo.deleteAll(inputs.map((p) => p.id));
      t.deepEqual(await repo.query(), []);
      const { items, missing } = await repo.getMany(inputs.map((p) => p.id));
      t.deepEqual(items, []);
      t.is(missing.length, 30);
    }),
  );

  test(name('Batch', 'empty batches'), (t) =>
    withRepo(factory, async ({ repo }) => {
      t.deepEqual(await repo.addAll([]), []);
      t.deepEqual(await repo.updateAll([]), []);
      await t.notThrowsAsync(() => repo.deleteAll([]));
      t.deepEqual(await repo.getMany([]), { items: [], missing: [] });
      t.is((await repo.saveAll([])).written, 0);
      t.deepEqual(await repo.query(), []);
    }),
  );

  test(name('Batch', 'addAll fails atomically when one id exists'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const existing = product({ name: 'Original', price: 5 });
      const stored = await repo.add(identified(existing));
      const fresh = [product(), product(), product()];
      const batch = [fresh[0], { ...existing, name: 'Overwritten', price: 999 }, fresh[1], fresh[2]].map((p) => identified(p as ProductInput));
      const error = await rejectsWith(t, repo.addAll(batch), 'alreadyExists');
      t.is(error.id, existing.id);
      t.true(error.message.includes(existing.id), error.message);
      // None of the new items exist, and the existing one is untouched.
      const { items, missing } = await repo.getMany(fresh.map((p) => p.id));
      t.deepEqual(items, []);
      t.deepEqual(
        missing,
        fresh.map((p) => p.id),
      );
      t.deepEqual(await repo.get(existing.id), stored);
      t.is((await repo.query()).length, 1);
    }),
  );

  test(name('Batch', 'updateAll fails when one id is missing and changes nothing'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const [a, b] = [product({ price: 1 }), product({ price: 2 })];
      const before = await repo.addAll([identified(a), identified(b)]);
      const error = await rejectsWith(
        t,
        repo.updateAll([identified({ ...a, price: 100 }), identified(product({ id: 'missing-first' })), identified({ ...b, price: 200 }), identified(product({ id: 'missing-second' }))]),
        'notFound',
      );
      t.is(error.id, 'missing-first', 'names the first missing id');
      t.true(error.message.includes('missing-first'), error.message);
      t.deepEqual((await repo.query()).sort(byId), [...before].sort(byId));
    }),
  );

  test(name('Batch', 'addAll with a duplicate id inside the batch → alreadyExists, nothing written'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const [a, b] = [product(), product()];
      const error = await rejectsWith(t, repo.addAll([identified(a), identified(b), identified({ ...a, price: 1 })]), 'alreadyExists');
      t.is(error.id, a.id);
      t.deepEqual(await repo.query(), []);
    }),
  );

  test(name('Batch', 'addAll of 101 items → validation naming saveAll, nothing written'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const inputs = Array.from({ length: 101 }, () => product());
      const error = await rejectsWith(t, repo.addAll(inputs.map((p) => identified(p))), 'validation');
      t.regex(error.message, /saveAll/);
      t.regex(error.message, /100/);
      t.deepEqual(await repo.query(), []);
      // 100 is still fine.
      t.is((await repo.addAll(inputs.slice(0, 100).map((p) => identified(p)))).length, 100);
      t.is((await repo.query()).length, 100);
    }),
  );

  // --- Ids ------------------------------------------------------------------------------------

  test(name('Ids', 'autoIdentify sets the id through the callback'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const object = anonymous();
      const result = repo.autoIdentify(object, (o, id) => ({ ...o, id }));
      t.regex(result.id, UUID_V4);
      t.is((result.object as { id?: string }).id, result.id);
      t.deepEqual(withoutId(result.object), object);
    }),
  );

  test(name('Ids', 'addAutoIdentified'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const withCallback = await repo.addAutoIdentified(anonymous({ name: 'With' }), (o, id) => ({ ...o, id }));
      t.regex(withCallback.id, UUID_V4);
      t.is((await repo.get(withCallback.id)).name, 'With');
      const without = await repo.addAutoIdentified(anonymous({ name: 'Without' }));
      t.regex(without.id, UUID_V4);
      t.not(without.id, withCallback.id);
      t.is((await repo.get(without.id)).name, 'Without');
      t.is((await repo.query()).length, 2);
    }),
  );

  test(name('Ids', '5 generated ids are distinct'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const ids = Array.from({ length: 5 }, () => repo.autoIdentify(anonymous()).id);
      t.is(new Set(ids).size, 5);
      for (const id of ids) t.regex(id, UUID_V4);
    }),
  );

  test(name('Ids', 'autoIdentify then add'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const object = anonymous({ price: 42 });
      const auto = repo.autoIdentify(object);
      const added = await repo.add(auto);
      t.is(added.id, auto.id);
      t.deepEqual(withoutManaged(await repo.get(auto.id)), { ...object, id: auto.id });
    }),
  );

  test(name('Ids', 'autoIdentify without callback leaves the object unchanged'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const object = anonymous();
      const copy = structuredClone(object);
      const result = repo.autoIdentify(object);
      t.is(result.object, object, 'same reference');
      t.deepEqual(object, copy);
      t.false('id' in object);
      t.regex(result.id, UUID_V4);
    }),
  );

  test(name('Ids', 'autoIdentify in addAll'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const objects = [anonymous({ price: 1 }), anonymous({ price: 2 }), anonymous({ price: 3 })];
      const batch = objects.map((object) => repo.autoIdentify(object, (o, id) => ({ ...o, id })));
      const added = await repo.addAll(batch);
      t.deepEqual(
        added.map((item) => item.id),
        batch.map((b) => b.id),
      );
      t.deepEqual(
        added.map((item) => item.price),
        [1, 2, 3],
      );
      for (const { id } of batch) t.is((await repo.get(id)).id, id);
    }),
  );

  // --- Query ----------------------------------------------------------------------------------

  const catalog = () => [
    product({ id: 'q-1', name: 'Apple iPhone', price: 10 }),
    product({ id: 'q-2', name: 'Apple Watch', price: 20 }),
    product({ id: 'q-3', name: 'Samsung Galaxy', price: 30 }),
    product({ id: 'q-4', name: 'Pineapple slicer', price: 40.5 }),
  ];
  const ids = (items: readonly { id: string }[]) => items.map((item) => item.id).sort();

  test(name('Query', 'all'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const inputs = catalog();
      await repo.addAll(inputs.map((p) => identified(p)));
      const all = await repo.query();
      t.deepEqual(ids(all), ids(inputs));
      t.deepEqual(all.sort(byId).map(withoutManaged), inputs);
    }),
  );

  test(name('Query', 'empty'), (t) =>
    withRepo(factory, async ({ repo }) => {
      t.deepEqual(await repo.query(), []);
      t.deepEqual(await repo.query({ where: { price: { gte: 0 } } }), []);
    }),
  );

  test(name('Query', 'by name (substring)'), (t) =>
    withRepo(factory, async ({ repo }) => {
      await repo.addAll(catalog().map((p) => identified(p)));
      t.deepEqual(ids(await repo.query({ where: { name: { contains: 'Apple' } } })), ['q-1', 'q-2']);
      t.deepEqual(ids(await repo.query({ where: { name: { contains: 'apple' } } })), ['q-4'], 'substring match is case-sensitive');
      t.deepEqual(ids(await repo.query({ where: { name: { contains: 'a' } } })), ['q-2', 'q-3', 'q-4']);
    }),
  );

  test(name('Query', 'price ≥ min'), (t) =>
    withRepo(factory, async ({ repo }) => {
      await repo.addAll(catalog().map((p) => identified(p)));
      t.deepEqual(ids(await repo.query({ where: { price: { gte: 20 } } })), ['q-2', 'q-3', 'q-4']);
      t.deepEqual(ids(await repo.query({ where: { price: { gt: 20 } } })), ['q-3', 'q-4']);
    }),
  );

  test(name('Query', 'price ≤ max'), (t) =>
    withRepo(factory, async ({ repo }) => {
      await repo.addAll(catalog().map((p) => identified(p)));
      t.deepEqual(ids(await repo.query({ where: { price: { lte: 30 } } })), ['q-1', 'q-2', 'q-3']);
      t.deepEqual(ids(await repo.query({ where: { price: { lt: 30 } } })), ['q-1', 'q-2']);
    }),
  );

  test(name('Query', 'price range'), (t) =>
    withRepo(factory, async ({ repo }) => {
      await repo.addAll(catalog().map((p) => identified(p)));
      t.deepEqual(ids(await repo.query({ where: { price: { between: [20, 40.5] } } })), ['q-2', 'q-3', 'q-4'], 'inclusive at both ends');
      t.deepEqual(ids(await repo.query({ where: { price: { gte: 15, lte: 35 } } })), ['q-2', 'q-3']);
      t.deepEqual(ids(await repo.query({ where: { price: { between: [15, 35] }, name: { contains: 'Apple' } } })), ['q-2']);
    }),
  );

  test(name('Query', 'no results'), (t) =>
    withRepo(factory, async ({ repo }) => {
      await repo.addAll(catalog().map((p) => identified(p)));
      t.deepEqual(await repo.query({ where: { name: { contains: 'Nokia' } } }), []);
      t.deepEqual(await repo.query({ where: { price: { between: [1000, 2000] } } }), []);
      t.deepEqual(await repo.query({ pattern: 'byName', key: { name: 'Nokia' } }), []);
    }),
  );

  test(name('Query', 'named access pattern: find with limit and cursor pages through everything, paginate()'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const widgets = Array.from({ length: 7 }, (_, index) => product({ id: `w-${9 - index}`, name: 'Widget', price: index }));
      const others = [product({ id: 'o-1', name: 'Gadget' }), product({ id: 'w-0', name: 'Widgets' })];
      await repo.addAll([...widgets, ...others].map((p) => identified(p)));
      const expected = widgets.map((w) => w.id).sort();

      // find.byName with limit + cursor, ascending by id (the pattern's sort key).
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
        if (pages > 20) t.fail('paging does not end');
      } while (cursor);
      t.true(pages >= 4, `7 items in pages of 2 take at least 4 pages (took ${pages})`);
      t.deepEqual(seen, expected, 'every item once, in sort-key order');

      // Descending order.
      const desc = await repo.find.byName({ name: 'Widget' }, { order: 'desc' });
      t.deepEqual(
        desc.items.map((item) => item.id),
        [...expected].reverse(),
      );

      // query() through the pattern, and paginate() over the pattern and over everything.
      t.deepEqual(ids(await repo.query({ pattern: 'byName', key: { name: 'Widget' } })), expected);
      const patternPages: string[][] = [];
      for await (const page of repo.paginate({ pattern: 'byName', key: { name: 'Widget' } }, { pageSize: 3 })) {
        t.true(page.length <= 3);
        patternPages.push(page.map((item) => item.id));
      }
      t.true(patternPages.length >= 3);
      t.deepEqual(patternPages.flat(), expected);
      const everything: string[] = [];
      for await (const page of repo.paginate(undefined, { pageSize: 4 })) {
        t.true(page.length <= 4);
        everything.push(...page.map((item) => item.id));
      }
      t.is(new Set(everything).size, everything.length, 'no duplicates');
      t.deepEqual(everything.sort(), ids([...widgets, ...others]));
    }),
  );

  // --- Errors ---------------------------------------------------------------------------------

  test(name('Errors', 'notFound carries the id in the message and error.id'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const id = 'missing-42';
      for (const run of [() => repo.get(id), () => repo.update(id, (c) => c), () => repo.delete(id), () => repo.getById(id), () => repo.deleteById(id)]) {
        const error = await rejectsWith(t, run, 'notFound');
        t.true(error instanceof RepositoryError);
        t.is(error.name, 'RepositoryError');
        t.is(error.id, id);
        t.true(error.message.includes(id), error.message);
        t.regex(error.message, /not found/);
      }
    }),
  );

  test(name('Errors', 'alreadyExists carries the id in the message and error.id'), (t) =>
    withRepo(factory, async ({ repo }) => {
      const p = product({ id: 'taken-7' });
      const stored = await repo.add(identified(p));
      for (const run of [() => repo.add(identified({ ...p, price: 1 })), () => repo.addAll([identified(product()), identified({ ...p, price: 2 })])]) {
        const error = await rejectsWith(t, run, 'alreadyExists');
        t.is(error.id, 'taken-7');
        t.true(error.message.includes('taken-7'), error.message);
        t.regex(error.message, /already exists/);
      }
      t.deepEqual(await repo.get(p.id), stored);
      t.is((await repo.query()).length, 1);
    }),
  );

  // --- Streaming --------------------------------------------------------------------------------
  // DynamoDB: a table with its stream on; emissions really come from DynamoDB Streams.
  // Waits for expected emissions are generous; nothing here asserts a duration.

  const live = () => factory({ streams: true });
  // Failed assertions end a test early: end any subscription it left open (withRepo also disposes).
  test.after.always(unsubscribeAll);

  test(name('Streaming', 'single item emits [initial, update1, update2]'), (t) =>
    withRepo(live, async ({ repo }) => {
      const p = product({ price: 1 });
      const added = await repo.add(identified(p));
      const other = await repo.add(identified(product({ price: 100 })));
      const single = record(repo.stream(p.id));
      await single.count(1);
      const update1 = await repo.update(p.id, (current) => ({ ...current, price: 2 }));
      const update2 = await repo.update(p.id, (current) => ({ ...current, price: 3, description: 'second update' }));
      await single.count(3);
      t.deepEqual(single.values, [added, update1, update2]);
      t.deepEqual(
        single.values.map((item) => item.version),
        [1, 2, 3],
      );
      t.true(single.values.every((item) => item.created instanceof Date), 'emissions are decoded items');
      // A change of another item, seen by a second subscriber, never reaches this stream.
      const witness = record(repo.streamQuery());
      await witness.count(1);
      await repo.update(other.id, (current) => ({ ...current, price: 101 }));
      await witness.until((r) => r.last?.some((item) => item.id === other.id && item.price === 101) ?? false, 'the other item updated');
      t.is(single.values.length, 3, 'no emission for another item');
      t.false(single.ended);
      single.unsubscribe();
      witness.unsubscribe();
    }),
  );

  test(name('Streaming', 'query stream emits lengths [0, 1, 2, 2] for add, add, update'), (t) =>
    withRepo(live, async ({ repo }) => {
      const results = record(repo.streamQuery());
      await results.count(1);
      const a = await repo.add(identified(product({ id: 'live-a', price: 1 })));
      await results.count(2);
      const b = await repo.add(identified(product({ id: 'live-b', price: 2 })));
      await results.count(3);
      const a2 = await repo.update(a.id, (current) => ({ ...current, price: 10 }));
      await results.count(4);
      t.deepEqual(
        results.values.map((items) => items.length),
        [0, 1, 2, 2],
      );
      // Every emission is the full fresh result.
      t.deepEqual(results.values[1], [a]);
      t.deepEqual([...(results.values[2] ?? [])].sort(byId), [a, b]);
      t.deepEqual([...(results.values[3] ?? [])].sort(byId), [a2, b]);
      t.deepEqual([...(results.values[3] ?? [])].sort(byId), (await repo.query()).sort(byId));
      t.false(results.ended);
      results.unsubscribe();
    }),
  );

  test(name('Streaming', 'stream of a missing id errors with notFound'), (t) =>
    withRepo(live, async ({ repo }) => {
      await repo.add(identified(product()));
      const missing = record(repo.stream('no-such-product'));
      await missing.end();
      t.deepEqual(missing.values, [], 'no emission before the error');
      t.false(missing.completed);
      t.true(missing.error instanceof RepositoryError);
      const error = missing.error as RepositoryError;
      t.is(error.code, 'notFound');
      t.is(error.id, 'no-such-product');
      t.true(error.message.includes('no-such-product'), error.message);
      // The async-iterable form rejects the same way.
      const iterated = await rejectsWith(
        t,
        () =>
          within(
            (async () => {
              for await (const _ of repo.stream('also-missing')) t.fail('a missing item emits nothing');
            })(),
            'iterating a missing item',
          ),
        'notFound',
      );
      t.is(iterated.id, 'also-missing');
    }),
  );

  test(name('Streaming', 'deletion completes the stream after exactly one emission'), (t) =>
    withRepo(live, async ({ repo }) => {
      const p = product();
      const added = await repo.add(identified(p));
      const single = record(repo.stream(p.id));
      await single.count(1);
      await repo.delete(p.id);
      await single.end();
      t.true(single.completed, 'completes on delete');
      t.is(single.error, undefined);
      t.deepEqual(single.values, [added], 'exactly one emission: the initial value');
      t.is(single.lateCalls, 0);

      // The async-iterable form: the loop ends on its own when the item is deleted.
      const q = product();
      const addedQ = await repo.add(identified(q));
      const seen: unknown[] = [];
      await within(
        (async () => {
          for await (const item of repo.stream(q.id)) {
            seen.push(item);
            if (seen.length === 1) await repo.delete(q.id);
          }
        })(),
        'the loop over a deleted item',
      );
      t.deepEqual(seen, [addedQ]);
    }),
  );

  test(name('Streaming', 'the first emission arrives without any write'), (t) =>
    withRepo(live, async ({ repo }) => {
      const empty = record(repo.streamQuery());
      await empty.count(1);
      t.deepEqual(empty.values, [[]], 'an empty result is emitted as []');
      const p = product({ name: 'Quiet' });
      const added = await repo.add(identified(p));
      await empty.count(2);
      empty.unsubscribe();

      const single = record(repo.stream(p.id));
      const results = record(repo.streamQuery());
      const byName = record(repo.streamQuery({ pattern: 'byName', key: { name: 'Quiet' } }));
      await Promise.all([single.count(1), results.count(1), byName.count(1)]);
      t.deepEqual(single.values, [added]);
      t.deepEqual(results.values, [[added]]);
      t.deepEqual(byName.values, [[added]]);
      t.deepEqual(single.values[0], await repo.get(p.id));
      for (const recorder of [single, results, byName]) {
        t.false(recorder.ended);
        recorder.unsubscribe();
      }
    }),
  );

  test(name('Streaming', 'unsubscribe() stops delivery'), (t) =>
    withRepo(live, async ({ repo }) => {
      const p = product({ price: 1 });
      const added = await repo.add(identified(p));
      const single = record(repo.stream(p.id));
      const results = record(repo.streamQuery());
      await Promise.all([single.count(1), results.count(1)]);
      single.unsubscribe();
      results.unsubscribe();
      single.unsubscribe(); // idempotent

      // A witness subscribed after them sees the writes; the unsubscribed ones do not.
      const witness = record(repo.stream(p.id));
      await witness.count(1);
      await repo.add(identified(product()));
      await repo.update(p.id, (current) => ({ ...current, price: 2 }));
      await repo.update(p.id, (current) => ({ ...current, price: 3 }));
      await witness.count(3);
      t.deepEqual(single.values, [added]);
      t.deepEqual(results.values, [[added]]);
      t.false(single.ended, 'unsubscribing is not completion');
      t.false(results.ended);
      t.is(single.lateCalls + results.lateCalls, 0);
      t.deepEqual(
        witness.values.map((item) => item.price),
        [1, 2, 3],
      );
      witness.unsubscribe();
    }),
  );

  test(name('Streaming', 'breaking out of the async iterator stops delivery'), (t) =>
    withRepo(live, async ({ repo }) => {
      const p = product({ price: 1 });
      const added = await repo.add(identified(p));
      const seen: unknown[] = [];
      await within(
        (async () => {
          for await (const item of repo.stream(p.id)) {
            seen.push(item);
            break;
          }
        })(),
        'for await … break',
      );
      t.deepEqual(seen, [added]);

      // The same through the iterator protocol: after return(), next() reports done, nothing buffered.
      const iterator = repo.stream(p.id)[Symbol.asyncIterator]();
      const first = await within(iterator.next(), 'the first value');
      t.deepEqual(first, { value: added, done: false });
      const queryIterator = repo.streamQuery()[Symbol.asyncIterator]();
      t.deepEqual(await within(queryIterator.next(), 'the first result'), { value: [added], done: false });
      await iterator.return?.();
      await queryIterator.return?.();

      const witness = record(repo.stream(p.id));
      await witness.count(1);
      await repo.update(p.id, (current) => ({ ...current, price: 2 }));
      await witness.count(2);
      t.deepEqual(await within(iterator.next(), 'next() after return()'), { value: undefined, done: true });
      t.deepEqual(await within(queryIterator.next(), 'next() after return()'), { value: undefined, done: true });
      witness.unsubscribe();
    }),
  );
}

function withoutId<T extends object>(object: T): Omit<T, 'id'> {
  const { id: _id, ...rest } = object as T & { id?: unknown };
  return rest;
}
