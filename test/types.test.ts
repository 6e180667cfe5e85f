/**
 * Compile-time checks of the entity API's types. Every `@ts-expect-error` below must really be an
 * error, otherwise `tsc --noEmit` (part of npm test) fails with "Unused '@ts-expect-error'
 * directive". The functions are never called; the runtime assertions at the end make ava count
 * the file and check that the values typed as errors are refused at runtime too.
 */
import test from 'ava';
import { z } from 'zod';
import {
  defineEntity,
  defineTable,
  type BoundTable,
  type InferId,
  type InferInput,
  type InferItem,
  type InferItemWith,
  type InferKey,
  type InferPatternKey,
  type Page,
} from '../src/index.ts';
import { User } from '../src/services/index.ts';

const Product = defineEntity({
  name: 'product',
  schema: z.object({
    id: z.string(),
    name: z.string(),
    price: z.int().min(0),
    category: z.enum(['books', 'games']),
    tags: z.array(z.string()),
    dimensions: z.object({ width: z.number(), height: z.number() }),
    created: z.date(),
    description: z.string().optional(),
    inStock: z.boolean().default(true),
  }),
  keys: { primary: { pk: ['id'] }, byCategory: { index: 'gsi1', pk: ['category'], sk: ['price'] } },
  versioned: false,
});

const Event = defineEntity({
  name: 'event',
  schema: z.object({
    tenantId: z.string(),
    eventId: z.string(),
    year: z.int(),
    month: z.int(),
    day: z.int(),
    title: z.string(),
    attendees: z.int().min(0),
    labels: z.set(z.string()),
    notes: z.array(z.string()),
    subtitle: z.string().optional(),
    secret: z.string().optional(),
  }),
  keys: {
    primary: { pk: ['tenantId'], sk: ['eventId'] },
    byDate: { index: 'gsi1', pk: ['tenantId'], sk: ['year', 'month', 'day'] },
  },
  timestamps: true,
  hidden: ['secret'],
});

const Shop = defineTable({ name: 'shop', entities: { product: Product, event: Event } });
type Shop = BoundTable<typeof Shop.entities>;

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(value: T): T => value;

const valid: InferInput<typeof Product> = {
  id: 'p-1',
  name: 'Chess',
  price: 2500,
  category: 'games',
  tags: ['classic'],
  dimensions: { width: 30, height: 5 },
  created: new Date('2026-01-01T00:00:00.000Z'),
};
const event: InferInput<typeof Event> = {
  tenantId: 't',
  eventId: 'e',
  year: 2026,
  month: 3,
  day: 1,
  title: 'Launch',
  attendees: 0,
  labels: new Set(),
  notes: [],
};

// --- InferInput: wrong field types and missing fields are errors ------------------------------

const wrongPrice: InferInput<typeof Product> = {
  ...valid,
  // @ts-expect-error price is a number
  price: '25.00',
};
const wrongEnum: InferInput<typeof Product> = {
  ...valid,
  // @ts-expect-error category is 'books' | 'games'
  category: 'toys',
};
const wrongNested: InferInput<typeof Product> = {
  ...valid,
  // @ts-expect-error dimensions.width is a number
  dimensions: { width: 'wide', height: 5 },
};
const wrongDate: InferInput<typeof Product> = {
  ...valid,
  // @ts-expect-error created is a Date, not a string
  created: '2026-01-01',
};
// @ts-expect-error name is required
const missingName: InferInput<typeof Product> = { id: 'p', price: 1, category: 'books', tags: [], dimensions: { width: 1, height: 1 }, created: new Date() };

// --- InferItem, InferId, InferKey, managed fields ---------------------------------------------

type ProductItem = InferItem<typeof Product>;
assertType<Equals<ProductItem['inStock'], boolean>>(true);
assertType<Equals<ProductItem['created'], Date>>(true);
assertType<Equals<ProductItem['description'], string | undefined>>(true);
assertType<Equals<ProductItem['category'], 'books' | 'games'>>(true);
assertType<Equals<InferId<typeof Product>, string>>(true);
assertType<Equals<InferKey<typeof Product>, { id: string }>>(true);
assertType<Equals<InferId<typeof Event>, { tenantId: string; eventId: string }>>(true);
// @ts-expect-error versioned: false and no timestamps: no managed fields
type NoVersion = ProductItem['version'];
// @ts-expect-error no timestamps
type NoCreatedAt = ProductItem['createdAt'];

type EventItem = InferItem<typeof Event>;
assertType<Equals<EventItem['version'], number>>(true); // versioned by default
assertType<Equals<EventItem['createdAt'], string>>(true);
assertType<Equals<EventItem['labels'], Set<string>>>(true);
// Hidden attributes are not part of what reads return, unless included.
assertType<Equals<'secret' extends keyof EventItem ? true : false, false>>(true);
assertType<Equals<InferItemWith<typeof Event, 'secret'>['secret'], string | undefined>>(true);
// ...but a write may set them.
const withSecret: InferInput<typeof Event> = { ...event, secret: 's' };

// The users of tablekit/services: timestamps, version, the hidden token hash.
type UserItem = InferItem<typeof User>;
assertType<Equals<UserItem['version'], number>>(true);
assertType<Equals<'refreshTokenHash' extends keyof UserItem ? true : false, false>>(true);
const userInput: InferInput<typeof User> = { userId: 'u', email: 'a@b.c', firstName: 'A', lastName: 'B', isActive: true };
// @ts-expect-error version is a number
const userBadVersion: InferInput<typeof User> = { ...userInput, version: 'three' };

// Entities declared inline in defineTable keep their options' types (not widened to `boolean`).
const Inline = defineTable({
  name: 'inline',
  entities: {
    note: defineEntity({
      name: 'note',
      schema: z.object({ id: z.string(), text: z.string(), token: z.string().optional() }),
      keys: { primary: { pk: ['id'] } },
      timestamps: true,
      versioned: false,
      hidden: ['token'],
    }),
  },
});
type InlineNote = InferItem<(typeof Inline)['entities']['note']>;
assertType<Equals<InlineNote, { id: string; text: string; createdAt: string; updatedAt: string }>>(true);

// --- Query keys: pk composites, then sort-key composites in order, one condition last ----------

const dateKey: InferPatternKey<typeof Event, 'byDate'> = { tenantId: 't', year: 2026, month: { between: [1, 3] } };

/** Never called: only type-checked. */
async function readChecks(shop: Shop) {
  const events = shop.entities.event;
  const id = { tenantId: 't', eventId: 'e' };
  await events.find.byDate({ tenantId: 't' });
  await events.find.byDate({ tenantId: 't', year: 2026, month: 3, day: { gte: 10 } });
  await events.find.byDate({ tenantId: 't', year: { gte: 2025 } });
  await events.find.primary({ tenantId: 't', eventId: { beginsWith: 'e-' } });
  // @ts-expect-error month without year: composites go in order
  await events.find.byDate({ tenantId: 't', month: 3 });
  // @ts-expect-error day after a gap (no month)
  await events.find.byDate({ tenantId: 't', year: 2026, day: 1 });
  // @ts-expect-error a condition only on the last given composite
  await events.find.byDate({ tenantId: 't', year: { gte: 2026 }, month: 3 });
  // @ts-expect-error a partition-key attribute takes a value, not a condition
  await events.find.byDate({ tenantId: { beginsWith: 't' } });
  // @ts-expect-error the partition key is required
  await events.find.byDate({ year: 2026 });
  // @ts-expect-error title is not part of the key (filter with where)
  await events.find.byDate({ tenantId: 't', title: 'x' });
  // @ts-expect-error beginsWith is for strings; year is a number
  await events.find.byDate({ tenantId: 't', year: { beginsWith: '20' } });
  // @ts-expect-error no such pattern
  await events.find.byTitle({ tenantId: 't' });
  // @ts-expect-error a key of another pattern in page()
  await events.page({ pattern: 'byDate', key: { tenantId: 't', eventId: 'e' } });

  // Results: pages of items, every page type the same.
  const page: Page<EventItem> = await events.find.byDate({ tenantId: 't' }, { limit: 10, order: 'desc' });
  const all: EventItem[] = await events.query({ pattern: 'byDate', key: { tenantId: 't' } }, { where: { attendees: { gte: 10 } } });
  for await (const each of events.paginate()) assertType<Equals<typeof each, Page<EventItem>>>(true);
  const many = await events.getMany([id]);
  assertType<Equals<typeof many.missing, { tenantId: string; eventId: string }[]>>(true);
  // @ts-expect-error an unknown attribute in where
  await events.query(undefined, { where: { nope: 1 } });
  // @ts-expect-error a string operand for a number attribute
  await events.query(undefined, { where: { attendees: { gte: 'ten' } } });
  // @ts-expect-error a composite id is an object
  await events.get('e');

  // Hidden attributes: only with include, and only hidden names may be included.
  const plain = await events.get(id);
  // @ts-expect-error not returned unless included
  plain.secret;
  const included = await events.get(id, { include: ['secret'] });
  const secret: string | undefined = included.secret;
  // @ts-expect-error title is not a hidden attribute
  await events.get(id, { include: ['title'] });

  // attributes narrows the item type to the projection.
  const projected = await events.get(id, { attributes: ['title', 'year'] });
  assertType<Equals<typeof projected, { title: string; year: number }>>(true);
  // @ts-expect-error not projected
  projected.attendees;
  const projectedPage = await events.find.byDate({ tenantId: 't' }, { attributes: ['title'] });
  assertType<Equals<(typeof projectedPage.items)[number], { title: string }>>(true);
  // @ts-expect-error not an attribute
  await events.get(id, { attributes: ['nope'] });

  const first = page.items[0];
  // @ts-expect-error noUncheckedIndexedAccess: possibly undefined
  first.title.toUpperCase();
  return [page, all, secret, first?.title];
}

// --- Patch: add on numbers and sets, append on lists, remove on optional fields -----------------

async function patchChecks(shop: Shop) {
  const events = shop.entities.event;
  const id = { tenantId: 't', eventId: 'e' };
  const patched: EventItem = await events.patch(
    id,
    { set: { title: 'x' }, add: { attendees: 1, labels: new Set(['a']) }, append: { notes: ['n'] }, remove: ['subtitle'], delete: { labels: new Set(['b']) } },
    { if: { attendees: { lt: 100 } }, version: 3 },
  );
  await events.patch(id, { prepend: { notes: ['first'] }, ifNotExists: { subtitle: 'default' } });
  // @ts-expect-error add on a string
  await events.patch(id, { add: { title: 'x' } });
  // @ts-expect-error add of a string to a number
  await events.patch(id, { add: { attendees: '1' } });
  // @ts-expect-error append on a set
  await events.patch(id, { append: { labels: new Set(['a']) } });
  // @ts-expect-error append on a number
  await events.patch(id, { append: { attendees: [1] } });
  // @ts-expect-error remove of a required attribute
  await events.patch(id, { remove: ['title'] });
  // @ts-expect-error delete members of a list
  await events.patch(id, { delete: { notes: ['n'] } });
  // @ts-expect-error set of the wrong type
  await events.patch(id, { set: { attendees: 'many' } });
  // @ts-expect-error add on a managed field
  await events.patch(id, { add: { version: 1 } });
  // @ts-expect-error an unknown operation
  await events.patch(id, { increment: { attendees: 1 } });
  return patched;
}

// --- Writes and transactions, typed per entity ---------------------------------------------------

async function writeChecks(shop: Shop) {
  const { product: products, event: events } = shop.entities;
  await products.create(valid);
  // @ts-expect-error wrong field type
  await products.create({ ...valid, price: 'cheap' });
  // @ts-expect-error unknown field (excess property check)
  await products.save({ ...valid, colour: 'red' });
  // @ts-expect-error the updater returns a product
  await products.update('p-1', (current) => ({ ...current, price: 'x' }));
  await products.addAll([{ id: 'p-2', object: { ...valid, id: 'p-2' } }]);
  await events.deleteAll([{ tenantId: 't', eventId: 'e' }]);
  // @ts-expect-error ids of events are objects
  await events.deleteAll(['e']);

  await shop.transactWrite((tx) => [
    tx.event.create(event),
    tx.product.patch('p-1', { add: { price: 1 } }, { if: { inStock: true } }),
    tx.product.check('p-2', { price: { gt: 0 } }),
    tx.event.delete({ tenantId: 't', eventId: 'old' }),
  ]);
  // @ts-expect-error an event is not a product
  await shop.transactWrite((tx) => [tx.product.create(event)]);
  // @ts-expect-error a product id for an event
  await shop.transactWrite((tx) => [tx.event.delete('p-1')]);
  // @ts-expect-error a patch of the event's fields on a product
  await shop.transactWrite((tx) => [tx.product.patch('p-1', { add: { attendees: 1 } })]);
  // @ts-expect-error no such entity
  await shop.transactWrite((tx) => [tx.order.create(valid)]);

  const [readEvent, readProduct] = await shop.transactGet((tx) => [tx.event.get({ tenantId: 't', eventId: 'e' }), tx.product.get('p-1')]);
  assertType<Equals<typeof readEvent, EventItem>>(true);
  assertType<Equals<typeof readProduct, ProductItem>>(true);
}

void [dateKey, wrongPrice, wrongEnum, wrongNested, wrongDate, missingName, withSecret, userBadVersion, readChecks, patchChecks, writeChecks];
export type { NoCreatedAt, NoVersion };

test('the typed values above are also valid at runtime', (t) => {
  const stored = Product.toStored(valid);
  t.is(stored.inStock, true);
  t.is(stored.created, '2026-01-01T00:00:00.000Z');
  t.notThrows(() => Event.toStored({ ...event, version: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' }));
  t.deepEqual(Inline.entities.note.hiddenFields, ['token']);
  t.false(Inline.entities.note.versioned);
  t.true(Inline.entities.note.timestamps);
});

test('the values marked as type errors are rejected at runtime too', (t) => {
  for (const bad of [wrongPrice, wrongEnum, wrongNested, wrongDate, missingName]) {
    t.throws(() => Product.toStored(bad), { message: /Invalid product/ });
  }
  t.throws(() => User.toStored({ ...userInput, version: 'three', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' }), {
    message: /version/,
  });
});
