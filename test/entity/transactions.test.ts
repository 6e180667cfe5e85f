/**
 * Cross-entity transactions on both backends: all or nothing, a failure names the offending
 * entity and id with its code, an idempotency token makes a retried request write once,
 * transactGet reads a snapshot (missing → notFound), and oversized or self-overlapping
 * transactions are refused before anything is sent.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineEntity, defineTable } from '../../src/index.ts';
import { both, fails, named, type Env } from './support.ts';

const Order = defineEntity({
  name: 'order',
  schema: z.object({ orderId: z.string(), customerId: z.string(), total: z.number() }),
  keys: { primary: { pk: ['orderId'] } },
});
const Product = defineEntity({
  name: 'product',
  schema: z.object({ productId: z.string(), stock: z.int().min(0), price: z.number() }),
  keys: { primary: { pk: ['productId'] } },
});
const Coupon = defineEntity({
  name: 'coupon',
  schema: z.object({ code: z.string(), active: z.boolean(), uses: z.int() }),
  keys: { primary: { pk: ['code'] } },
});
const Cart = defineEntity({
  name: 'cart',
  schema: z.object({ cartId: z.string(), items: z.array(z.string()) }),
  keys: { primary: { pk: ['cartId'] } },
  timestamps: true,
});
const Shop = defineTable({ name: 'tx', entities: { order: Order, product: Product, coupon: Coupon, cart: Cart }, streams: false });

async function seed({ table }: Env<typeof Shop.entities>) {
  const { product, coupon, cart, order } = table.entities;
  await product.create({ productId: 'p1', stock: 3, price: 10 });
  await coupon.create({ code: 'c1', active: true, uses: 0 });
  await cart.create({ cartId: 'k1', items: ['p1'] });
  await order.create({ orderId: 'o0', customerId: 'x', total: 1 });
}

async function unchanged(t: Parameters<Parameters<typeof both>[2]>[0], { table }: Env<typeof Shop.entities>) {
  const { product, coupon, cart, order } = table.entities;
  t.is((await product.get('p1')).stock, 3, 'product not patched');
  t.is((await product.get('p1')).version, 1);
  t.is((await coupon.get('c1')).uses, 0);
  t.deepEqual((await cart.get('k1')).items, ['p1'], 'cart not deleted');
  await fails(t, order.get('o1'), 'notFound');
}

both('a transaction over four entities writes everything', Shop, async (t, env) => {
  await seed(env);
  const { table } = env;
  await table.transactWrite((tx) => [
    tx.order.create({ orderId: 'o1', customerId: 'u1', total: 10 }),
    tx.product.patch('p1', { add: { stock: -1 } }, { if: { stock: { gt: 0 } } }),
    tx.coupon.check('c1', { active: true }),
    tx.cart.delete('k1'),
  ]);
  const { order, product, cart, coupon } = table.entities;
  t.is((await order.get('o1')).total, 10);
  t.is((await product.get('p1')).stock, 2);
  t.is((await product.get('p1')).version, 2);
  await fails(t, cart.get('k1'), 'notFound');
  t.is((await coupon.get('c1')).version, 1, 'a check writes nothing');
});

const failures = [
  ['a failed check', 'conditionFailed', 'coupon', 'c1', (tx: TxOf) => tx.coupon.check('c1', { active: false })],
  ['a create of a taken id', 'alreadyExists', 'order', 'o0', (tx: TxOf) => tx.order.create({ orderId: 'o0', customerId: 'u1', total: 2 })],
  ['a patch of a missing item', 'notFound', 'product', 'ghost', (tx: TxOf) => tx.product.patch('ghost', { add: { stock: 1 } })],
  ['a delete of a missing item', 'notFound', 'cart', 'k9', (tx: TxOf) => tx.cart.delete('k9')],
  ['a patch of a stale version', 'conflict', 'coupon', 'c1', (tx: TxOf) => tx.coupon.patch('c1', { add: { uses: 1 } }, { version: 7 })],
  ['a patch whose condition fails', 'conditionFailed', 'coupon', 'c1', (tx: TxOf) => tx.coupon.patch('c1', { add: { uses: 1 } }, { if: { uses: { gt: 5 } } })],
  ['a patch leaving the bounds of the schema', 'validation', 'product', 'p1', (tx: TxOf) => tx.product.patch('p1', { add: { stock: -9 } })],
] as const;
type TxOf = Parameters<Parameters<Env<typeof Shop.entities>['table']['transactWrite']>[0]>[0];

for (const [what, code, entity, id, write] of failures) {
  both(`one failure (${what}) writes nothing and names the entity and id with '${code}'`, Shop, async (t, env) => {
    await seed(env);
    // The failing write among writes that would succeed on their own (one write per item).
    const attempt = env.table.transactWrite((tx) => [
      tx.order.create({ orderId: 'o1', customerId: 'u1', total: 10 }),
      write(tx),
      tx.cart.delete('k1'),
      ...(id === 'c1' ? [] : [tx.coupon.patch('c1', { add: { uses: 1 } })]),
      ...(id === 'p1' ? [] : [tx.product.patch('p1', { add: { stock: 1 } })]),
    ]);
    await fails(t, attempt, code, { entity, id });
    await unchanged(t, env);
  });
}

both('an idempotency token: the same request twice writes once; another request under that token is refused', Shop, async (t, { table }) => {
  const { product, order } = table.entities;
  await product.create({ productId: 'p1', stock: 3, price: 10 });
  // DynamoDB remembers a token for 10 minutes across the account: unique per run.
  const [token, other] = [randomUUID(), randomUUID()];
  const checkout = () =>
    table.transactWrite((tx) => [tx.product.patch('p1', { add: { stock: -1 } }), tx.order.create({ orderId: 'o1', customerId: 'u1', total: 10 })], { token });
  await checkout();
  await checkout();
  t.is((await product.get('p1')).stock, 2, 'written once');
  t.is((await product.get('p1')).version, 2);
  t.is((await order.get('o1')).total, 10);
  await fails(
    t,
    table.transactWrite((tx) => [tx.product.patch('p1', { add: { stock: -2 } })], { token }),
    'validation',
    { message: /idempotency token/ },
  );
  t.is((await product.get('p1')).stock, 2, 'the other request wrote nothing');
  await table.transactWrite((tx) => [tx.product.patch('p1', { add: { stock: -2 } })], { token: other });
  t.is((await product.get('p1')).stock, 0);
  await fails(
    t,
    table.transactWrite((tx) => [tx.product.patch('p1', { add: { stock: 1 } })], { token: 'not a token' }),
    'validation',
    { fields: ['token'] },
  );
});

both('an idempotency token also covers timestamped entities: a retry resends the first request, times included', Shop, async (t, { table }) => {
  const { cart } = table.entities;
  const token = randomUUID();
  const fill = () => table.transactWrite((tx) => [tx.cart.create({ cartId: 'k9', items: ['p1'] })], { token });
  await fill();
  const first = await cart.get('k9');
  await new Promise((resolve) => setTimeout(resolve, 5)); // a later clock: updatedAt would differ if planned again
  await fill();
  const after = await cart.get('k9');
  t.deepEqual(after, first, 'written once, unchanged by the retry');
});

both('transactGet returns the items of several entities in order; a missing one is notFound naming it', Shop, async (t, env) => {
  await seed(env);
  const { table } = env;
  const [product, coupon, cart] = await table.transactGet((tx) => [tx.product.get('p1'), tx.coupon.get('c1'), tx.cart.get('k1')]);
  t.is(product.stock, 3);
  t.true(coupon.active);
  t.deepEqual(cart.items, ['p1']);
  t.is(typeof cart.createdAt, 'string');
  await fails(
    t,
    table.transactGet((tx) => [tx.product.get('p1'), tx.order.get('nope')]),
    'notFound',
    { entity: 'order', id: 'nope' },
  );
});

both('over 100 items, or one item twice, is a validation error before anything is sent', Shop, async (t, env) => {
  await seed(env);
  const { table } = env;
  const sent = env.record();
  await fails(
    t,
    table.transactWrite((tx) => Array.from({ length: 101 }, (_, index) => tx.order.create({ orderId: `n${index}`, customerId: 'u', total: index }))),
    'validation',
    { message: /100/ },
  );
  await fails(
    t,
    table.transactWrite((tx) => [tx.product.patch('p1', { add: { stock: 1 } }), tx.product.check('p1', { stock: { gt: 0 } })]),
    'validation',
    { entity: 'product', id: 'p1' },
  );
  await fails(
    t,
    table.transactWrite((tx) => [tx.order.create({ orderId: 'o5', customerId: 'u', total: 1 }), tx.order.delete('o5')]),
    'validation',
  );
  await fails(
    t,
    table.transactGet((tx) => [tx.product.get('p1'), tx.product.get('p1')]),
    'validation',
    { entity: 'product' },
  );
  await fails(
    t,
    table.transactGet((tx) => Array.from({ length: 101 }, (_, index) => tx.order.get(`n${index}`))),
    'validation',
  );
  if (sent) {
    t.is(named(sent, 'TransactWriteItemsCommand').length, 0, 'no transaction was sent');
    t.is(named(sent, 'TransactGetItemsCommand').length, 0);
  }
  await unchanged(t, env);
  t.deepEqual(await table.entities.order.query(), [await table.entities.order.get('o0')]);
});
