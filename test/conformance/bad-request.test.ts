/**
 * Bad requests on both backends: patches, `where` / `if` conditions, query keys, read options,
 * cursors and transactions. Every case is a RepositoryError 'validation' naming the field (or
 * saying what is wrong), refused before anything is sent: nothing written.
 */
import test from 'ava';
import { backends, identified, product, withTable, type Handle } from './fixtures.ts';
import { bad, rawItems, refused } from './refusals.ts';

const gadget = (id: string, overrides: Record<string, unknown> = {}) => ({ id, category: 'lamps', brand: 'acme', price: 10, ...overrides });

/** Seeds one gadget and one product; returns the raw table to compare with afterwards. */
async function seed(handle: Handle) {
  const { gadget: gadgets, product: products } = handle.table.entities;
  await gadgets.create({ ...gadget('g-1'), tags: new Set(['a']), notes: ['n'], nickname: 'G' });
  await products.add(identified(product({ id: 'p-1', name: 'Lamp', price: 5 })));
  await products.add(identified(product({ id: 'p-2', name: 'Lamp', price: 6 })));
  return rawItems(handle);
}

for (const backend of backends) {
  const name = (testName: string) => `[${backend}] bad request › ${testName}`;

  test(name('bad patches: key, managed and unknown attributes, add on a non-number, append on a non-list, mixed sets, removing required fields'), (t) =>
    withTable(backend, async (handle) => {
      const before = await seed(handle);
      const repo = handle.table.entities.gadget;
      const cases: [string, Record<string, unknown>, string][] = [
        ['set of the id attribute', { set: { id: 'g-2' } }, 'id'],
        ['set of a managed field', { set: { version: 7 } }, 'version'],
        ['set of an unknown attribute', { set: { colour: 'red' } }, 'colour'],
        ['set of the wrong type', { set: { stock: 'many' } }, 'stock'],
        ['set below the schema minimum', { set: { stock: -1 } }, 'stock'],
        ['set of NaN', { set: { stock: Number.NaN } }, 'stock'],
        ['set of a lone surrogate', { set: { nickname: 'Q\ud800' } }, 'nickname'],
        ['add on a string', { add: { label: 'x' } }, 'label'],
        ['add on a list', { add: { notes: ['x'] } }, 'notes'],
        ['add of NaN', { add: { stock: Number.NaN } }, 'stock'],
        ['add of Infinity', { add: { stock: Number.POSITIVE_INFINITY } }, 'stock'],
        ['add of a fraction to an integer', { add: { stock: 0.5 } }, 'stock'],
        ['add of 1e300', { add: { stock: 1e300 } }, 'stock'],
        ['add on a key composite (the new value is unknown before the write)', { add: { price: 1 } }, 'price'],
        ['add of a set with mixed types', { add: { tags: new Set(['b', 1]) } }, 'tags'],
        ['add of a number to a string set', { add: { tags: new Set([1]) } }, 'tags'],
        ['append to a set', { append: { tags: ['x'] } }, 'tags'],
        ['append to a string', { append: { label: ['x'] } }, 'label'],
        ['append beyond the list maximum', { append: { notes: ['1', '2', '3'] } }, 'notes'],
        ['delete members from a list', { delete: { notes: ['n'] } }, 'notes'],
        ['remove of a required attribute', { remove: ['brand'] }, 'brand'],
        ['remove of an attribute with a default', { remove: ['price'] }, 'price'],
        ['an unknown operation', { increment: { stock: 1 } }, 'increment'],
        ['one attribute touched twice', { set: { stock: 1 }, add: { stock: 1 } }, 'stock'],
        ['a key composite set without the rest of its key part', { set: { brand: 'other' } }, 'price'],
      ];
      for (const [label, patch, field] of cases) {
        await refused(t, () => repo.patch('g-1', bad(patch)), field, label);
        await refused(t, () => handle.table.transactWrite((tx) => [tx.gadget.patch('g-1', bad(patch))]), field, `transactWrite: ${label}`);
      }
      await refused(t, () => repo.patch('g-1', {}), /changes nothing/);
      await refused(t, () => repo.patch('g-1', { set: { stock: 1 } }, bad({ version: 'one' })), 'version');
      t.deepEqual(await rawItems(handle), before, 'nothing written');
    }),
  );

  test(name('bad where / if: unknown attributes and operators, operands of the wrong type, between low > high'), (t) =>
    withTable(backend, async (handle) => {
      const before = await seed(handle);
      const repo = handle.table.entities.product;
      const conditions: [string, Record<string, unknown>, string | RegExp][] = [
        ['an unknown attribute', { colour: 'red' }, 'colour'],
        ['an unknown attribute inside $or', { $or: [{ price: 1 }, { colour: 'red' }] }, 'colour'],
        ['an unknown operator', { price: { greaterThan: 1 } }, 'greaterThan'],
        ['a string where a number is stored', { price: { gte: 'ten' } }, 'price'],
        ['NaN', { price: { lt: Number.NaN } }, 'price'],
        ['between with low > high', { price: { between: [10, 1] } }, 'price'],
        ['between with one value', { price: { between: [1] } }, 'price'],
        ['beginsWith on a number operand', { name: { beginsWith: 5 } }, 'name'],
        ['in with no values', { name: { in: [] } }, 'name'],
        ['in with 101 values', { name: { in: Array.from({ length: 101 }, (_, i) => `n${i}`) } }, 'name'],
        ['size with a negative size', { description: { size: { gt: -1 } } }, 'description'],
        ['exists with a string', { description: { exists: 'yes' } }, 'description'],
        ['an empty $or', { $or: [] }, '$or'],
        ['not an object', bad(['price']), /expected an object/],
      ];
      for (const [label, where, field] of conditions) {
        await refused(t, () => repo.query(undefined, { where: bad(where) }), field, `query where: ${label}`);
        await refused(t, () => repo.find.byName({ name: 'Lamp' }, { where: bad(where) }), field, `find where: ${label}`);
        await refused(t, () => repo.page({ pattern: 'byName', key: { name: 'Lamp' } }, { where: bad(where) }), field, `page where: ${label}`);
        await refused(t, () => repo.patch('p-1', { set: { price: 7 } }, { if: bad(where) }), field, `patch if: ${label}`);
        await refused(t, () => repo.delete('p-1', { if: bad(where) }), field, `delete if: ${label}`);
        await refused(t, () => repo.create(product(), { if: bad(where) }), field, `create if: ${label}`);
        await refused(t, () => repo.update('p-1', (current) => ({ ...current, price: 8 }), { if: bad(where) }), field, `update if: ${label}`);
        await refused(t, () => handle.table.transactWrite((tx) => [tx.product.check('p-1', bad(where))]), field, `check: ${label}`);
      }
      t.deepEqual(await rawItems(handle), before, 'nothing written');
    }),
  );

  test(name('bad query keys: sort-key conditions out of order, on other attributes or on the partition key; empty and forged values'), (t) =>
    withTable(backend, async (handle) => {
      await seed(handle);
      const { gadget: gadgets, product: products } = handle.table.entities;
      const keys: [string, Record<string, unknown>, string][] = [
        ['a missing partition key', { brand: 'acme' }, 'category'],
        ['a condition on the partition key', { category: { beginsWith: 'la' } }, 'category'],
        ['a composite after a gap (price without brand)', { category: 'lamps', price: 10 }, 'price'],
        ['a composite after a condition', { category: 'lamps', brand: { gte: 'a' }, price: 10 }, 'price'],
        ['an attribute that is not part of the key', { category: 'lamps', stock: 1 }, 'stock'],
        ['a filter operator as a key condition', { category: 'lamps', brand: { contains: 'cm' } }, 'brand'],
        ['two operators on one composite', { category: 'lamps', brand: { gte: 'a', lte: 'z' } }, 'brand'],
        ['between with low > high', { category: 'lamps', brand: 'acme', price: { between: [20, 10] } }, 'price'],
        ['beginsWith on a number composite', { category: 'lamps', brand: 'acme', price: { beginsWith: '1' } }, 'price'],
        ['a negative number composite', { category: 'lamps', brand: 'acme', price: -1 }, 'price'],
        ['an empty partition value', { category: '' }, 'category'],
        ['an empty sort-key value', { category: 'lamps', brand: '' }, 'brand'],
        ['a value that forges the next composite', { category: 'lamps', brand: 'acme#price_0000000000000010' }, 'brand'],
        ['a lone surrogate', { category: 'lamps\ud800' }, 'category'],
      ];
      for (const [label, key, field] of keys) {
        await refused(t, () => gadgets.find.byCategory(bad(key)), field, `find: ${label}`);
        await refused(t, () => gadgets.query({ pattern: 'byCategory', key: bad(key) }), field, `query: ${label}`);
        await refused(t, () => gadgets.page({ pattern: 'byCategory', key: bad(key) }), field, `page: ${label}`);
      }
      await refused(t, () => products.find.byName(bad({ name: 'Lamp', price: { gt: 1 } })), 'price', 'a condition on an attribute that is not part of the key');
      await refused(t, () => products.query(bad({ pattern: 'byColour', key: { colour: 'red' } })), /byColour/);
      await refused(t, () => products.query(bad({ key: { name: 'Lamp' } })), /pattern/);
      t.deepEqual((await gadgets.find.byCategory({ category: 'lamps', brand: 'acme', price: { between: [10, 10] } })).items.length, 1, 'the valid forms work');
    }),
  );

  test(name('bad read options: limit 0 / NaN, unknown options, attributes and hidden names, a cursor of another query'), (t) =>
    withTable(backend, async (handle) => {
      await seed(handle);
      const repo = handle.table.entities.product;
      const byName = { pattern: 'byName', key: { name: 'Lamp' } } as const;
      for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, bad<number>('2')]) {
        await refused(t, () => repo.page(byName, { limit }), 'limit', `page limit ${String(limit)}`);
        await refused(t, () => repo.query(undefined, { limit }), 'limit', `query limit ${String(limit)}`);
        await refused(t, () => repo.find.byName({ name: 'Lamp' }, { limit }), 'limit', `find limit ${String(limit)}`);
      }
      await refused(t, () => repo.page(byName, bad<never>({ pageSize: 3 })), 'pageSize');
      await refused(t, () => repo.page(byName, bad<never>({ order: 'up' })), 'order');
      await refused(t, () => repo.page(byName, { attributes: bad<never>(['colour']) }), /colour/);
      await refused(t, () => repo.get('p-1', { include: bad<never>(['description']) }), /description/);
      await refused(t, () => repo.get('p-1', bad<never>({ limit: 1 })), 'limit');
      await refused(t, () => repo.page(byName, { consistent: true }), /consistent/);

      // A cursor is only valid for the query that returned it.
      const first = await repo.page(byName, { limit: 1 });
      const cursor = first.cursor;
      if (!cursor) return t.fail('two Lamps in pages of one: the first page has a cursor');
      t.is((await repo.page(byName, { limit: 1, cursor })).items.length, 1, 'its own query accepts it');
      await refused(t, () => repo.page({ pattern: 'byName', key: { name: 'Chair' } }, { cursor }), /cursor/);
      await refused(t, () => repo.page(undefined, { cursor }), /cursor/);
      await refused(t, () => handle.table.entities.gadget.page({ pattern: 'byCategory', key: { category: 'lamps' } }, { cursor }), /cursor/);
      const scanCursor = (await repo.page(undefined, { limit: 1 })).cursor;
      if (!scanCursor) return t.fail('a scan of three items in pages of one has a cursor');
      await refused(t, () => repo.page(byName, { cursor: scanCursor }), /cursor/);
      for (const garbage of ['not a cursor!', Buffer.from(JSON.stringify({ nope: 1 })).toString('base64url'), '']) {
        await refused(t, () => repo.page(byName, { cursor: garbage }), /cursor/);
      }
      await refused(t, () => repo.query(byName, bad<never>({ cursor })), /cursor/);
    }),
  );

  test(name('bad transactions: over 100 items, one item twice, a bad token; nothing written'), (t) =>
    withTable(backend, async (handle) => {
      const before = await seed(handle);
      const { table } = handle;
      const many = Array.from({ length: 101 }, (_, index) => product({ id: `tx-${index}` }));
      await refused(t, () => table.transactWrite((tx) => many.map((p) => tx.product.create(p))), /100/);
      await refused(t, () => table.entities.product.createAll(many), /100/);
      await refused(t, () => table.entities.product.updateAll(many.map((p) => identified(p))), /100/);
      await refused(
        t,
        () =>
          table.transactWrite((tx) => [tx.product.create(product({ id: 'tx-new' })), tx.product.patch('p-1', { set: { price: 1 } }), tx.product.delete('p-1')]),
        /twice/,
      );
      await refused(
        t,
        () => table.transactWrite((tx) => [tx.product.create(product({ id: 'tx-dup' })), tx.product.create(product({ id: 'tx-dup' }))]),
        /twice/,
      );
      await refused(
        t,
        () => table.transactWrite((tx) => [tx.gadget.patch('g-1', { add: { stock: 1 } }), tx.gadget.check('g-1', { stock: { gte: 0 } })]),
        /twice/,
      );
      await refused(t, () => table.transactWrite((tx) => [tx.product.create(product())], { token: 'x'.repeat(37) }), 'token');
      await refused(t, () => table.transactWrite(() => bad([{ kind: 'put' }])), /transactWrite/);
      t.deepEqual(await rawItems(handle), before, 'nothing written');
      // 100 writes are fine.
      await table.transactWrite((tx) => many.slice(0, 100).map((p) => tx.product.create(p)));
      t.is((await table.entities.product.query()).length, 102);
    }),
  );
}
