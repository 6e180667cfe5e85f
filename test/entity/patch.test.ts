/**
 * patch(): one atomic UpdateItem on both backends — set, add (counters and set members), append,
 * prepend, remove, delete (set members), ifNotExists; guarded by `if` and `version`; every touched
 * field validated (and kept within its schema's bounds); secondary-index keys rebuilt or removed
 * with their composites; version and updatedAt moved in the same request.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineEntity, defineTable, type InferInput } from '../../src/index.ts';
import { both, fails, named } from './support.ts';

const Product = defineEntity({
  name: 'product',
  schema: z.object({
    sku: z.string(),
    name: z.string().min(1),
    category: z.string().optional(),
    price: z.int().min(0),
    warehouse: z.string(),
    aisle: z.string().optional(),
    shelf: z.string().optional(),
    stock: z.int().min(0).default(0),
    views: z.number().default(0),
    notes: z.array(z.string()).max(3).default([]),
    tags: z.set(z.string()).default(new Set()),
    sizes: z.set(z.number()).optional(),
    coupon: z.string().optional(),
    launchedAt: z.iso.datetime().optional(),
  }),
  keys: {
    primary: { pk: ['sku'] },
    byCategory: { index: 'gsi1', pk: ['category'], sk: ['price'] },
    byShelf: { index: 'gsi2', pk: ['warehouse'], sk: ['aisle', 'shelf'] },
  },
  timestamps: true,
});
const Shop = defineTable({ name: 'patch', entities: { product: Product }, streams: false });

const product = (overrides: Partial<InferInput<typeof Product>> = {}): InferInput<typeof Product> => ({
  sku: 'p1',
  name: 'Lamp',
  category: 'books',
  price: 10,
  warehouse: 'w',
  stock: 1,
  notes: ['b'],
  tags: new Set(['a', 'b', 'draft']),
  coupon: 'C1',
  ...overrides,
});

both('one patch sets, adds, appends, removes, deletes set members and sets where missing; it returns the new item', Shop, async (t, { table }) => {
  const products = table.entities.product;
  const created = await products.create(product());
  await sleep(3);
  const patched = await products.patch('p1', {
    set: { name: 'Desk lamp' },
    add: { stock: 2, views: 0.5, sizes: new Set([42, 44]) },
    append: { notes: ['c'] },
    remove: ['coupon'],
    delete: { tags: new Set(['draft']) },
    ifNotExists: { launchedAt: '2026-03-01T00:00:00.000Z' },
  });
  t.is(patched.name, 'Desk lamp');
  t.is(patched.stock, 3);
  t.is(patched.views, 0.5);
  t.deepEqual(patched.sizes, new Set([42, 44]));
  t.deepEqual(patched.notes, ['b', 'c']);
  t.false('coupon' in patched);
  t.deepEqual(patched.tags, new Set(['a', 'b']));
  t.is(patched.launchedAt, '2026-03-01T00:00:00.000Z');
  t.is(patched.version, 2);
  t.is(patched.createdAt, created.createdAt);
  t.true(patched.updatedAt > created.updatedAt, 'updatedAt moves');
  t.deepEqual(await products.get('p1'), patched, 'what patch returns is what is stored');

  const again = await products.patch('p1', {
    prepend: { notes: ['a'] },
    ifNotExists: { launchedAt: '2030-01-01T00:00:00.000Z' },
    add: { tags: new Set(['z']), views: 0.25 },
  });
  t.deepEqual(again.notes, ['a', 'b', 'c']);
  t.is(again.launchedAt, '2026-03-01T00:00:00.000Z', 'ifNotExists keeps a present value');
  t.deepEqual(again.tags, new Set(['a', 'b', 'z']));
  t.is(again.views, 0.75);
  t.is(again.version, 3);
});

both('patch with `version` and `if`: a stale version is conflict, a failed condition conditionFailed, and nothing changes', Shop, async (t, { table }) => {
  const products = table.entities.product;
  await products.create(product());
  await fails(t, products.patch('p1', { set: { name: 'X' } }, { version: 2 }), 'conflict', { entity: 'product', id: 'p1' });
  const ok = await products.patch('p1', { set: { name: 'Y' } }, { version: 1 });
  t.is(ok.version, 2);
  await fails(t, products.patch('p1', { set: { name: 'Z' } }, { version: 1 }), 'conflict');
  await fails(t, products.patch('p1', { add: { stock: 5 } }, { if: { stock: { gt: 1 } } }), 'conditionFailed', { entity: 'product', id: 'p1' });
  await fails(t, products.patch('p1', { add: { stock: 5 } }, { if: { $or: [{ price: { gt: 100 } }, { name: 'nope' }] } }), 'conditionFailed');
  const stored = await products.get('p1');
  t.is(stored.name, 'Y');
  t.is(stored.stock, 1);
  t.is(stored.version, 2);
  const guarded = await products.patch('p1', { add: { stock: 5 } }, { if: { $not: { price: { gt: 100 } }, tags: { contains: 'draft' } }, version: 2 });
  t.is(guarded.stock, 6);
  await fails(t, products.patch('missing', { set: { name: 'X' } }), 'notFound', { entity: 'product', id: 'missing' });
});

both('every touched field is validated and named; keys, managed and required fields cannot be patched; nothing is written', Shop, async (t, { table }) => {
  const products = table.entities.product;
  await products.create(product());
  type P = Parameters<typeof products.patch>[1];
  await fails(t, products.patch('p1', { set: { price: 'ten' } } as unknown as P), 'validation', { entity: 'product', id: 'p1', fields: ['price'] });
  await fails(t, products.patch('p1', { set: { name: '' } }), 'validation', { fields: ['name'] });
  await fails(t, products.patch('p1', { set: { launchedAt: 'yesterday' } }), 'validation', { fields: ['launchedAt'] });
  await fails(t, products.patch('p1', { add: { name: 1 } } as unknown as P), 'validation', { fields: ['name'] });
  await fails(t, products.patch('p1', { add: { stock: 1.5 } }), 'validation', { fields: ['stock'] });
  await fails(t, products.patch('p1', { add: { tags: new Set([1]) } } as unknown as P), 'validation', { fields: ['tags'] });
  await fails(t, products.patch('p1', { append: { notes: [3] } } as unknown as P), 'validation', { fields: ['notes'] });
  await fails(t, products.patch('p1', { append: { tags: ['x'] } } as unknown as P), 'validation', { fields: ['tags'] });
  await fails(t, products.patch('p1', { remove: ['name'] } as unknown as P), 'validation', { fields: ['name'] });
  await fails(t, products.patch('p1', { set: { sku: 'p2' } }), 'validation', { fields: ['sku'] });
  await fails(t, products.patch('p1', { set: { version: 9 } } as unknown as P), 'validation', { fields: ['version'] });
  await fails(t, products.patch('p1', { add: { price: 1 } }), 'validation', { fields: ['price'] });
  await fails(t, products.patch('p1', { set: { nope: 1 } } as unknown as P), 'validation', { fields: ['nope'] });
  await fails(t, products.patch('p1', { set: { name: 'A' }, ifNotExists: { name: 'B' } }), 'validation', { fields: ['name'] });
  await fails(t, products.patch('p1', {}), 'validation');
  const stored = await products.get('p1');
  t.is(stored.version, 1, 'nothing was written');
  t.is(stored.name, 'Lamp');
});

both(
  'a secondary-index key is rebuilt from set composites; a half-built key part is refused; a removed composite leaves the index',
  Shop,
  async (t, { table }) => {
    const products = table.entities.product;
    await products.create(product({ aisle: 'A1', shelf: 'S1' }));
    const skus = async (key: Parameters<typeof products.find.byCategory>[0]) => (await products.find.byCategory(key)).items.map((item) => item.sku);
    t.deepEqual(await skus({ category: 'books', price: 10 }), ['p1']);

    await products.patch('p1', { set: { category: 'games', price: 20 } });
    t.deepEqual(await skus({ category: 'games', price: 20 }), ['p1'], 'found by its new key');
    t.deepEqual(await skus({ category: 'books' }), [], 'not by the old one');
    await products.patch('p1', { set: { price: 30 } });
    t.deepEqual(await skus({ category: 'games', price: { gte: 25 } }), ['p1']);
    t.deepEqual(await skus({ category: 'games', price: 20 }), []);

    await fails(t, products.patch('p1', { set: { aisle: 'A2' } }), 'validation', { entity: 'product', id: 'p1', fields: ['shelf'] });
    const shelf = async (aisle: string) => (await products.find.byShelf({ warehouse: 'w', aisle })).items.map((item) => `${item.sku}:${item.shelf}`);
    t.deepEqual(await shelf('A1'), ['p1:S1'], 'the refused patch changed nothing');
    await products.patch('p1', { set: { aisle: 'A2', shelf: 'S9' } });
    t.deepEqual(await shelf('A2'), ['p1:S9']);
    t.deepEqual(await shelf('A1'), []);

    const removed = await products.patch('p1', { remove: ['category'] });
    t.false('category' in removed);
    t.deepEqual(await skus({ category: 'games' }), [], 'out of the sparse index');
    await products.patch('p1', { set: { price: 40 } });
    await products.patch('p1', { set: { category: 'toys' } });
    t.deepEqual(await skus({ category: 'toys', price: 40 }), ['p1'], 'back in the index with the current sort key');
    await products.patch('p1', { remove: ['shelf'] });
    t.deepEqual(await shelf('A2'), []);
  },
);

both('versioned entities get version + 1 and updatedAt in the same single UpdateItem', Shop, async (t, { table, record }) => {
  const products = table.entities.product;
  const created = await products.create(product());
  await sleep(3);
  const sent = record();
  const patched = await products.patch('p1', { add: { views: 1 } });
  t.is(patched.version, 2);
  t.true(patched.updatedAt > created.updatedAt);
  if (sent) {
    t.deepEqual(
      sent.map((command) => command.name),
      ['UpdateItemCommand'],
      'one request, no read',
    );
    const input = named(sent, 'UpdateItemCommand')[0]?.input ?? {};
    const names = Object.values((input.ExpressionAttributeNames ?? {}) as Record<string, string>);
    t.true(names.includes('version') && names.includes('updatedAt') && names.includes('views'));
  }
});

both(
  '50 concurrent patch(id, { add: { views: 1 } }) end at exactly 50',
  Shop,
  async (t, { table }) => {
    const products = table.entities.product;
    await products.create(product({ views: 0 }));
    await Promise.all(Array.from({ length: 50 }, () => products.patch('p1', { add: { views: 1 } })));
    const stored = await products.get('p1');
    t.is(stored.views, 50);
    t.is(stored.version, 51);
  },
  { maxAttempts: 8 },
);

both(
  'bounds: add keeps numbers within min/max, append keeps lists within .max(n); a violation is validation and changes nothing',
  Shop,
  async (t, { table }) => {
    const products = table.entities.product;
    await products.create(product({ stock: 3, notes: ['a', 'b'] }));
    await fails(t, products.patch('p1', { add: { stock: -5 } }), 'validation', { entity: 'product', id: 'p1', fields: ['stock'] });
    let stored = await products.get('p1');
    t.is(stored.stock, 3);
    t.is(stored.version, 1);
    t.is((await products.patch('p1', { add: { stock: -3 } })).stock, 0, 'down to the bound is fine');
    await fails(t, products.patch('p1', { append: { notes: ['c', 'd'] } }), 'validation', { fields: ['notes'] });
    await fails(t, products.patch('p1', { prepend: { notes: ['c', 'd'] } }), 'validation', { fields: ['notes'] });
    await fails(t, products.patch('p1', { append: { notes: ['1', '2', '3', '4'] } }), 'validation', { fields: ['notes'] });
    t.deepEqual((await products.patch('p1', { append: { notes: ['c'] } })).notes, ['a', 'b', 'c']);
    await fails(t, products.patch('p1', { append: { notes: ['d'] } }), 'validation', { fields: ['notes'] });
    stored = await products.get('p1');
    t.deepEqual(stored.notes, ['a', 'b', 'c']);
    t.is(stored.stock, 0);
    t.is(stored.version, 3);
  },
);

both(
  'bounds: a positive add to a number with only a minimum sends no bound condition (the stored value is valid); a negative one does',
  Shop,
  async (t, { table, record }) => {
    const products = table.entities.product;
    await products.create(product({ stock: 1 }));
    const sent = record();
    t.is((await products.patch('p1', { add: { stock: 2 } })).stock, 3);
    await fails(t, products.patch('p1', { add: { stock: -4 } }), 'validation', { fields: ['stock'] });
    t.is((await products.get('p1')).stock, 3);
    if (sent) {
      const [up, down] = named(sent, 'UpdateItemCommand').map((command) => String(command.input.ConditionExpression ?? ''));
      t.notRegex(up ?? '', />=/, 'adding to a minimum-bounded number needs no bound check');
      t.regex(down ?? '', />=/, 'subtracting checks the minimum');
    }
  },
);

both('deleting every member of a set leaves it absent in storage; it reads back as an empty Set', Shop, async (t, { table }) => {
  const products = table.entities.product;
  await products.create(product({ tags: new Set(['x']), sizes: new Set([1]) }));
  const patched = await products.patch('p1', { delete: { tags: new Set(['x', 'y']), sizes: new Set([1]) } });
  t.deepEqual(patched.tags, new Set());
  t.deepEqual(patched.sizes, new Set(), 'an optional set reads back empty, too');
  t.deepEqual((await products.get('p1')).tags, new Set());
  await fails(t, products.patch('p1', { add: { tags: new Set() } }), 'validation', { fields: ['tags'] });
  t.deepEqual((await products.patch('p1', { add: { tags: new Set(['n']) } })).tags, new Set(['n']));
});
