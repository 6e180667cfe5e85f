/**
 * The typed entity client against DynamoDB Local: a newcomer's own Product entity defined with
 * the public API only, plus the bundled AppTable (collections, sparse GSI).
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import test, { type ExecutionContext } from 'ava';
import { z } from 'zod';
import { defineEntity, defineTable, RepositoryError, type InferInput } from '../src/index.ts';
import { AppTable } from '../entities/index.ts';
import { openTestTable, type TestTable } from './support/db.ts';

const Product = defineEntity({
  name: 'product',
  description: 'Something we sell.',
  schema: z.object({
    id: z.string().min(1),
    name: z.string().min(1),
    /** Price in cents. */
    price: z.int().min(0),
    category: z.string().min(1),
    tags: z.array(z.string()),
    dimensions: z.object({ width: z.number(), height: z.number(), depth: z.number().optional() }),
    created: z.date(),
    description: z.string().optional(),
  }),
  keys: {
    primary: { pk: ['id'], sk: [] },
    byCategory: { index: 'gsi1', pk: ['category'], sk: ['price'], description: 'Products of a category, cheapest first' },
  },
});

const Catalog = defineTable({ name: 'catalog', entities: { product: Product } });

let catalog: TestTable<typeof Catalog.entities>;
let app: TestTable<typeof AppTable.entities>;

test.before(async () => {
  [catalog, app] = await Promise.all([openTestTable(Catalog, 'entity-client'), openTestTable(AppTable, 'entity-client-app')]);
});

test.after.always(async () => {
  await Promise.all([catalog?.dispose(), app?.dispose()]);
});

const products = () => catalog.table.entities.product;

function product(overrides: Partial<InferInput<typeof Product>> = {}): InferInput<typeof Product> {
  return {
    id: `p-${randomUUID()}`,
    name: 'Lamp',
    price: 1999,
    category: `cat-${randomUUID()}`,
    tags: ['light', 'desk'],
    dimensions: { width: 20, height: 45.5, depth: 20 },
    created: new Date('2026-01-02T03:04:05.678Z'),
    ...overrides,
  };
}

async function rejection(t: ExecutionContext, promise: Promise<unknown>): Promise<RepositoryError> {
  const error = await t.throwsAsync(promise, { instanceOf: RepositoryError });
  if (!error) throw new Error('expected a RepositoryError');
  return error;
}

test('create, get, put and delete round-trip, preserving dates and nested fields', async (t) => {
  const item = product({ description: 'A reading lamp' });
  const created = await products().create(item);
  t.deepEqual(created, item);

  const read = await products().get({ id: item.id });
  t.truthy(read);
  t.true(read?.created instanceof Date);
  t.is(read?.created.getTime(), item.created.getTime());
  t.deepEqual(read?.dimensions, { width: 20, height: 45.5, depth: 20 });
  t.deepEqual(read?.tags, ['light', 'desk']);
  t.deepEqual(read, item);

  const replaced = await products().put({ ...item, price: 2499, description: undefined, dimensions: { width: 1, height: 2 } });
  t.is(replaced.price, 2499);
  const reread = await products().get({ id: item.id }, { consistent: true });
  t.is(reread?.price, 2499);
  t.is(reread?.description, undefined, 'put replaces the whole item');
  t.deepEqual(reread?.dimensions, { width: 1, height: 2 });

  t.true(await products().delete({ id: item.id }));
  t.is(await products().get({ id: item.id }, { consistent: true }), undefined);
  t.false(await products().delete({ id: item.id }), 'deleting a missing item reports false');
});

test('the stored item has ElectroDB keys (padded number sort key) and an ISO date string', async (t) => {
  const item = product();
  await products().create(item);
  const params = products().electro.get({ id: item.id }).params() as { Key: Record<string, unknown> };
  const raw = (await catalog.connection.doc.send(new GetCommand({ TableName: catalog.table.tableName, Key: params.Key }))).Item;
  t.is(raw?.created, '2026-01-02T03:04:05.678Z');
  t.deepEqual(raw?.dimensions, { width: 20, height: 45.5, depth: 20 });
  t.true(String(raw?.pk).endsWith(item.id), String(raw?.pk));
  t.true(String(raw?.gsi1pk).endsWith(item.category), String(raw?.gsi1pk));
  t.true(String(raw?.gsi1sk).endsWith('0000000000001999'), `price is zero-padded in the sort key: ${String(raw?.gsi1sk)}`);
});

test('create on an existing id fails with alreadyExists naming the id, and keeps the original', async (t) => {
  const item = product();
  await products().create(item);
  const error = await rejection(t, products().create({ ...item, name: 'Impostor' }));
  t.is(error.code, 'alreadyExists');
  t.true(error.message.includes(item.id), error.message);
  t.is((await products().get({ id: item.id }, { consistent: true }))?.name, 'Lamp');
});

test('an invalid item is a validation error naming the field, and nothing is written', async (t) => {
  const item = product();
  const error = await rejection(t, products().create({ ...item, price: 'cheap' as unknown as number }));
  t.is(error.code, 'validation');
  t.deepEqual(error.issues.map((issue) => issue.path), [['price']]);
  t.regex(error.message, /price/);
  t.is(await products().get({ id: item.id }, { consistent: true }), undefined);

  const nested = await rejection(t, products().put({ ...item, dimensions: { width: 1, height: 'tall' as unknown as number } }));
  t.is(nested.code, 'validation');
  t.regex(nested.message, /dimensions\.height/);
  t.is(await products().get({ id: item.id }, { consistent: true }), undefined);

  const unknown = await rejection(t, products().put({ ...item, colour: 'red' } as InferInput<typeof Product>));
  t.is(unknown.code, 'validation');
  t.regex(unknown.message, /colour/);
  t.is(await products().get({ id: item.id }, { consistent: true }), undefined);
});

test('query byCategory returns only that category, sorted by price; desc reverses', async (t) => {
  const category = `lamps-${randomUUID()}`;
  const other = `chairs-${randomUUID()}`;
  const prices = [500, 120, 9000, 3000, 45];
  await Promise.all(prices.map((price) => products().create(product({ category, price }))));
  await products().create(product({ category: other, price: 1 }));

  const asc = await products().query('byCategory', { category });
  t.is(asc.items.length, prices.length);
  t.true(asc.items.every((item) => item.category === category));
  t.deepEqual(asc.items.map((item) => item.price), [...prices].sort((a, b) => a - b));
  t.true(asc.items.every((item) => item.created instanceof Date), 'query results are decoded too');

  const desc = await products().query('byCategory', { category }, { order: 'desc' });
  t.deepEqual(desc.items.map((item) => item.price), [...prices].sort((a, b) => b - a));
});

test('limit + cursor pages through every item exactly once', async (t) => {
  const category = `paged-${randomUUID()}`;
  const created = await Promise.all(Array.from({ length: 7 }, (_, i) => products().create(product({ category, price: i * 10 }))));
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await products().query('byCategory', { category }, { limit: 3, ...(cursor ? { cursor } : {}) });
    t.true(page.items.length <= 3);
    seen.push(...page.items.map((item) => item.id));
    cursor = page.cursor;
    pages += 1;
  } while (cursor && pages < 20);
  t.true(pages >= 3, `expected at least 3 pages, got ${pages}`);
  t.is(new Set(seen).size, seen.length, 'no duplicates');
  t.deepEqual([...seen].sort(), created.map((item) => item.id).sort());
  t.is(cursor, undefined);
});

test('a garbage cursor is a validation error', async (t) => {
  const category = `cursor-${randomUUID()}`;
  const garbage = await rejection(t, products().query('byCategory', { category }, { cursor: 'not a cursor!' }));
  t.is(garbage.code, 'validation');
  const forged = Buffer.from(JSON.stringify({ nope: 1 })).toString('base64url');
  const wrongKey = await rejection(t, products().query('byCategory', { category }, { cursor: forged }));
  t.is(wrongKey.code, 'validation');
});

test("ids 'A' and 'a' are different items (keys are case-sensitive)", async (t) => {
  const suffix = randomUUID();
  const upper = product({ id: `A-${suffix}`, name: 'Upper' });
  const lower = product({ id: `a-${suffix}`, name: 'lower' });
  await products().create(upper);
  await products().create(lower);
  t.is((await products().get({ id: upper.id }, { consistent: true }))?.name, 'Upper');
  t.is((await products().get({ id: lower.id }, { consistent: true }))?.name, 'lower');
  const category = `Case-${suffix}`;
  await products().create(product({ category, price: 1 }));
  await products().create(product({ category: category.toLowerCase(), price: 2 }));
  const found = await products().query('byCategory', { category });
  t.deepEqual(found.items.map((item) => item.price), [1]);
});

test('a number sort key orders numerically (2 < 10 < 100) thanks to padding', async (t) => {
  const category = `numeric-${randomUUID()}`;
  for (const price of [10, 2, 100, 0]) await products().create(product({ category, price }));
  const page = await products().query('byCategory', { category });
  t.deepEqual(page.items.map((item) => item.price), [0, 2, 10, 100]);
  const bySk = await products().query('byCategory', { category, price: 10 });
  t.deepEqual(bySk.items.map((item) => item.price), [10], 'a full sort key matches exactly');
});

test('query validates its key: missing pk composites and forged keys are rejected', async (t) => {
  const missing = await rejection(t, products().query('byCategory', {} as { category: string }));
  t.is(missing.code, 'validation');
  t.regex(missing.message, /category/);
  const empty = await rejection(t, products().query('byCategory', { category: '' }));
  t.is(empty.code, 'validation');
});

test('get with an empty id is a validation error, not a request', async (t) => {
  const error = await rejection(t, products().get({ id: '' }));
  t.is(error.code, 'validation');
  t.regex(error.message, /id/);
});

// ---------------------------------------------------------------------------------------------
// the bundled AppTable

const userItem = (overrides: Record<string, unknown> = {}) => ({
  userId: randomUUID(),
  email: `u.${randomUUID().slice(0, 8)}@example.com`,
  firstName: 'Grace',
  lastName: 'Hopper',
  isActive: true,
  ...overrides,
});

test('user create fills managed createdAt/updatedAt/version', async (t) => {
  const user = await app.table.entities.user.create(userItem());
  t.is(user.version, 1);
  t.false(Number.isNaN(Date.parse(user.createdAt)));
  t.is(user.createdAt, user.updatedAt);
  const read = await app.table.entities.user.get({ userId: user.userId });
  t.is(read?.version, 1);
  t.is(read?.createdAt, user.createdAt);
});

test('the account collection returns a user and their video progress in one service query', async (t) => {
  const user = await app.table.entities.user.create(userItem());
  const stranger = await app.table.entities.user.create(userItem());
  const now = new Date().toISOString();
  const progress = (userId: string, videoId: string) => ({
    userId,
    videoId,
    positionSeconds: 10,
    durationSeconds: 100,
    completed: false,
    updatedAt: now,
    ttl: Math.floor(Date.now() / 1000) + 3600,
  });
  await app.table.entities.videoProgress.create(progress(user.userId, 'intro'));
  await app.table.entities.videoProgress.create(progress(user.userId, 'advanced'));
  await app.table.entities.videoProgress.create(progress(stranger.userId, 'intro'));

  const collections = app.table.electro.service.collections as Record<string, (key: Record<string, unknown>) => { go(): Promise<{ data: Record<string, Record<string, unknown>[]> }> }>;
  const account = collections.account;
  if (!account) return t.fail('no account collection');
  const result = await account({ userId: user.userId }).go();
  t.deepEqual(Object.keys(result.data).sort(), ['user', 'videoProgress']);
  t.deepEqual(result.data.user?.map((u) => u.userId), [user.userId]);
  t.deepEqual(result.data.videoProgress?.map((p) => p.videoId).sort(), ['advanced', 'intro']);
  t.true(result.data.videoProgress?.every((p) => p.userId === user.userId));
});

test('a user without refreshTokenHash is not in the byRefreshToken GSI (sparse)', async (t) => {
  const hash = 'ab'.repeat(32);
  const withToken = await app.table.entities.user.create(userItem({ refreshTokenHash: hash }));
  const withoutToken = await app.table.entities.user.create(userItem());

  const found = await app.table.entities.user.query('byRefreshToken', { refreshTokenHash: hash });
  t.deepEqual(found.items.map((u) => u.userId), [withToken.userId]);

  const key = (app.table.electro.entities.user?.get({ userId: withoutToken.userId }).params() as { Key: Record<string, unknown> }).Key;
  const raw = (await app.connection.doc.send(new GetCommand({ TableName: app.table.tableName, Key: key, ConsistentRead: true }))).Item;
  t.truthy(raw);
  t.false('gsi2pk' in (raw ?? {}), 'no gsi2 partition key is written without a token');

  const indexed = await app.connection.doc.send(new ScanCommand({ TableName: app.table.tableName, IndexName: 'gsi2' }));
  const userIds = (indexed.Items ?? []).map((item) => item.userId);
  t.true(userIds.includes(withToken.userId));
  t.false(userIds.includes(withoutToken.userId));
});

test('the byEmail GSI finds a user by e-mail', async (t) => {
  const user = await app.table.entities.user.create(userItem());
  const found = await app.table.entities.user.query('byEmail', { email: user.email });
  t.deepEqual(found.items.map((u) => u.userId), [user.userId]);
});
