/**
 * The kiss conformance suite, part 1 (CRUD, batch, ids), written once and registered by
 * kiss.dynamo.test.ts and kiss.memory.test.ts. Every test gets a fresh, empty table.
 */
import test from 'ava';
import { RepositoryError } from '../../src/index.ts';
import { byId, identified, pause, product, rejectsWith, withoutManaged, withTable, type Backend, type Handle, type ProductInput } from './fixtures.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A product without its id, for the auto-identify tests. */
export function anonymous(overrides: Partial<ProductInput> = {}): Omit<ProductInput, 'id'> {
  const { id: _id, ...rest } = product(overrides);
  return rest;
}

export function kissSuite(backend: Backend): void {
  const name = (group: string, testName: string) => `[${backend}] kiss › ${group}: ${testName}`;
  const products = (body: (repo: Handle['table']['entities']['product'], handle: Handle) => Promise<void>) =>
    withTable(backend, (handle) => body(handle.table.entities.product, handle));

  // --- CRUD -----------------------------------------------------------------------------------

  test(name('CRUD', 'complete lifecycle'), (t) =>
    products(async (repo) => {
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

  test(name('CRUD', 'get, getById, update, patch, delete and deleteById of a missing id: notFound naming it, nothing written'), (t) =>
    products(async (repo) => {
      const kept = await repo.add(identified());
      const id = 'no-such-product';
      let called = false;
      const runs: [string, () => Promise<unknown>][] = [
        ['get', () => repo.get(id)],
        ['getById', () => repo.getById(id)],
        [
          'update',
          () =>
            repo.update(id, (current) => {
              called = true;
              return current;
            }),
        ],
        ['patch', () => repo.patch(id, { set: { price: 1 } })],
        ['delete', () => repo.delete(id)],
        ['deleteById', () => repo.deleteById(id)],
      ];
      for (const [operation, run] of runs) {
        const error = await rejectsWith(t, run, 'notFound');
        t.is(error.id, id, operation);
        t.is(error.entity, 'product', operation);
        t.is(error.name, 'RepositoryError');
        t.true(error.message.includes(id), `${operation}: ${error.message}`);
        t.regex(error.message, /not found/, operation);
      }
      t.false(called, 'the updater never runs for a missing item');
      t.deepEqual(await repo.query(), [kept], 'nothing created, nothing deleted');
    }),
  );

  test(name('CRUD', 'deleteAll with a mix of existing and missing ids'), (t) =>
    products(async (repo) => {
      const [a, b, c] = [product(), product(), product()];
      await repo.addAll([a, b, c].map((p) => identified(p)));
      await repo.deleteAll([a.id, 'missing-1', b.id, 'missing-2', a.id]);
      t.deepEqual(
        (await repo.query()).map((item) => item.id),
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

  test(name('CRUD', 'dispose is idempotent'), (t) =>
    products(async (repo) => {
      await repo.dispose();
      await t.notThrowsAsync(() => repo.dispose());
      const added = await repo.add(identified());
      t.deepEqual(await repo.get(added.id), added, 'the API still works after dispose (it only ends live streams)');
    }),
  );

  // --- Batch ----------------------------------------------------------------------------------

  test(name('Batch', 'addAll keeps input order and every item is readable'), (t) =>
    products(async (repo) => {
      const inputs = ['m', 'c', 'x', 'a', 'q'].map((letter, index) => product({ id: `${letter}-${index}`, price: index }));
      const added = await repo.addAll(inputs.map((p) => identified(p)));
      t.deepEqual(
        added.map((item) => item.id),
        inputs.map((p) => p.id),
      );
      t.deepEqual(added.map(withoutManaged), inputs);
      for (const item of added) t.is(item.version, 1);
      const { items, missing } = await repo.getMany(inputs.map((p) => p.id));
      t.deepEqual(items, added, 'getMany returns them in input order');
      t.deepEqual(missing, []);
      t.is((await repo.query()).length, inputs.length);
    }),
  );

  test(name('Batch', 'updateAll replaces every item and returns them in input order'), (t) =>
    products(async (repo) => {
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
        t.is(before?.createdAt, item.createdAt);
        t.deepEqual(await repo.get(item.id), item);
      }
      t.deepEqual(
        (await repo.query()).map((item) => item.price).sort((x, y) => x - y),
        [10, 20, 30],
      );
    }),
  );

  test(name('Batch', 'updateAll with a duplicate id: the last object wins'), (t) =>
    products(async (repo) => {
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

  test(name('Batch', 'empty batches'), (t) =>
    products(async (repo) => {
      t.deepEqual(await repo.addAll([]), []);
      t.deepEqual(await repo.createAll([]), []);
      t.deepEqual(await repo.updateAll([]), []);
      await t.notThrowsAsync(() => repo.deleteAll([]));
      t.deepEqual(await repo.getMany([]), { items: [], missing: [] });
      t.is((await repo.saveAll([])).written, 0);
      t.deepEqual(await repo.query(), []);
    }),
  );

  test(name('Batch', 'addAll fails atomically when one id exists: none of the new items exist afterwards'), (t) =>
    products(async (repo) => {
      const existing = product({ name: 'Original', price: 5 });
      const stored = await repo.add(identified(existing));
      const fresh = [product(), product(), product()];
      const batch = [fresh[0], { ...existing, name: 'Overwritten', price: 999 }, fresh[1], fresh[2]].map((p) => identified(p as ProductInput));
      const error = await rejectsWith(t, repo.addAll(batch), 'alreadyExists');
      t.is(error.id, existing.id);
      t.true(error.message.includes(existing.id), error.message);
      const { items, missing } = await repo.getMany(fresh.map((p) => p.id));
      t.deepEqual(items, []);
      t.deepEqual(
        missing,
        fresh.map((p) => p.id),
      );
      t.deepEqual(await repo.get(existing.id), stored, 'the existing item is untouched');
      t.is((await repo.query()).length, 1);
    }),
  );

  test(name('Batch', 'updateAll fails when one id is missing and changes nothing'), (t) =>
    products(async (repo) => {
      const [a, b] = [product({ price: 1 }), product({ price: 2 })];
      const before = await repo.addAll([identified(a), identified(b)]);
      const error = await rejectsWith(
        t,
        repo.updateAll([
          identified({ ...a, price: 100 }),
          identified(product({ id: 'missing-first' })),
          identified({ ...b, price: 200 }),
          identified(product({ id: 'missing-second' })),
        ]),
        'notFound',
      );
      t.is(error.id, 'missing-first', 'names the first missing id');
      t.true(error.message.includes('missing-first'), error.message);
      t.deepEqual((await repo.query()).sort(byId), [...before].sort(byId));
      t.deepEqual(await repo.getMany(['missing-first', 'missing-second']), { items: [], missing: ['missing-first', 'missing-second'] });
    }),
  );

  test(name('Batch', 'addAll with a duplicate id inside the batch → alreadyExists, nothing written'), (t) =>
    products(async (repo) => {
      const [a, b] = [product(), product()];
      const error = await rejectsWith(t, repo.addAll([identified(a), identified(b), identified({ ...a, price: 1 })]), 'alreadyExists');
      t.is(error.id, a.id);
      t.deepEqual(await repo.query(), []);
    }),
  );

  test(name('Batch', 'addAll of 101 items → validation naming saveAll, nothing written; 100 is one transaction'), (t) =>
    products(async (repo) => {
      const inputs = Array.from({ length: 101 }, () => product());
      const error = await rejectsWith(t, repo.addAll(inputs.map((p) => identified(p))), 'validation');
      t.regex(error.message, /saveAll/);
      t.regex(error.message, /100/);
      t.deepEqual(await repo.query(), []);
      t.is((await repo.addAll(inputs.slice(0, 100).map((p) => identified(p)))).length, 100);
      t.is((await repo.query()).length, 100);
    }),
  );

  // --- Ids ------------------------------------------------------------------------------------

  test(name('Ids', 'autoIdentify sets the id through the callback'), (t) =>
    products(async (repo) => {
      const object = anonymous();
      const result = repo.autoIdentify(object, (o, id) => ({ ...o, id }));
      t.regex(result.id, UUID_V4);
      t.is((result.object as { id?: string }).id, result.id);
      const { id: _id, ...rest } = result.object as ProductInput;
      t.deepEqual(rest, object);
    }),
  );

  test(name('Ids', 'addAutoIdentified with and without a callback'), (t) =>
    products(async (repo) => {
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
    products(async (repo) => {
      const ids = Array.from({ length: 5 }, () => repo.autoIdentify(anonymous()).id);
      t.is(new Set(ids).size, 5);
      for (const id of ids) t.regex(id, UUID_V4);
    }),
  );

  test(name('Ids', 'autoIdentify without callback leaves the object unchanged; add then stores it under the id'), (t) =>
    products(async (repo) => {
      const object = anonymous({ price: 42 });
      const copy = structuredClone(object);
      const result = repo.autoIdentify(object);
      t.is(result.object, object, 'same reference');
      t.deepEqual(object, copy);
      t.false('id' in object);
      t.regex(result.id, UUID_V4);
      const added = await repo.add(result);
      t.is(added.id, result.id);
      t.deepEqual(withoutManaged(await repo.get(result.id)), { ...object, id: result.id });
    }),
  );

  test(name('Ids', 'autoIdentify in addAll'), (t) =>
    products(async (repo) => {
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
      t.deepEqual((await repo.getMany(batch.map((b) => b.id))).missing, []);
    }),
  );

  test(name('Ids', 'a composite key: the caller gives the partition attributes, only the sort-key attribute is generated'), (t) =>
    withTable(backend, async ({ table }) => {
      const enrollments = table.entities.enrollment;
      const object = { tenantId: 't1', courseId: 'c1', grade: 4 };
      const result = enrollments.autoIdentify(object);
      t.is(result.object, object);
      t.deepEqual(Object.keys(result.id).sort(), ['courseId', 'studentId', 'tenantId']);
      t.is(result.id.tenantId, 't1');
      t.is(result.id.courseId, 'c1');
      t.regex(result.id.studentId, UUID_V4);

      const a = await enrollments.addAutoIdentified({ tenantId: 't1', courseId: 'c1', grade: 1 });
      const b = await enrollments.addAutoIdentified({ tenantId: 't1', courseId: 'c1', grade: 2 }, (o, id) => ({ ...o, ...id }));
      t.is(a.tenantId, 't1');
      t.is(a.courseId, 'c1');
      t.regex(a.studentId, UUID_V4);
      t.regex(b.studentId, UUID_V4);
      t.not(a.studentId, b.studentId);
      t.is((await enrollments.get({ tenantId: 't1', courseId: 'c1', studentId: b.studentId })).grade, 2);

      // Without the partition attributes nothing can be generated: a validation error naming them.
      const error = t.throws(() => enrollments.autoIdentify({ courseId: 'c1' }), { instanceOf: RepositoryError });
      t.is(error?.code, 'validation');
      t.true(
        error?.issues.some((issue) => issue.path[0] === 'tenantId'),
        JSON.stringify(error?.issues),
      );
      t.is((await enrollments.query()).length, 2);
    }),
  );
}
