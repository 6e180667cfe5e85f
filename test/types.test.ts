/**
 * Compile-time checks: item types are inferred from the zod schemas. Every `@ts-expect-error`
 * below must really be an error, otherwise `tsc --noEmit` (part of npm test) fails with
 * "Unused '@ts-expect-error' directive". The runtime assertions make ava count the file.
 */
import test from 'ava';
import { z } from 'zod';
import { defineEntity, defineTable, type EntityClient, type InferInput, type InferItem, type InferKey, type InferPatternKey } from '../src/index.ts';
import { User } from '../entities/index.ts';

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

const Shop = defineTable({ name: 'shop', entities: { product: Product } });

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

// Wrong field types are TypeScript errors.
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

// A missing required field is an error.
// @ts-expect-error name is required
const missingName: InferInput<typeof Product> = { id: 'p', price: 1, category: 'books', tags: [], dimensions: { width: 1, height: 1 }, created: new Date() };

/** Never called: only type-checked. */
async function clientChecks(products: EntityClient<typeof Product>, boundProducts: ReturnType<typeof Shop.bind>['entities']['product']) {
  await products.create(valid);
  // @ts-expect-error wrong field type through EntityClient.create
  await products.create({ ...valid, price: 'cheap' });
  // @ts-expect-error missing required field through EntityClient.create
  await products.create({ id: 'p', name: 'x', price: 1, category: 'books', tags: [], created: new Date() });
  // @ts-expect-error unknown field through EntityClient.put (excess property check)
  await products.put({ ...valid, colour: 'red' });
  // @ts-expect-error get needs the id, not another field
  await products.get({ name: 'Chess' });
  // @ts-expect-error an access pattern that does not exist
  await products.query('byColour', { category: 'books' });
  // @ts-expect-error the pk composite of byCategory is required
  await products.query('byCategory', { price: 1 });
  const page = await products.query('byCategory', { category: 'books' });
  const first = page.items[0];
  // noUncheckedIndexedAccess: the element may be undefined.
  // @ts-expect-error possibly undefined
  first.price.toFixed();
  const created: Date | undefined = first?.created;
  // bound tables give the same typed clients
  // @ts-expect-error wrong type through a bound table's client
  await boundProducts.put({ ...valid, tags: 'one' });
  return created;
}

// Output types: defaults are applied, optional stays optional, no managed fields unless enabled.
type ProductItem = InferItem<typeof Product>;
assertType<Equals<ProductItem['inStock'], boolean>>(true);
assertType<Equals<ProductItem['created'], Date>>(true);
assertType<Equals<ProductItem['description'], string | undefined>>(true);
assertType<Equals<ProductItem['category'], 'books' | 'games'>>(true);
assertType<Equals<InferKey<typeof Product>, { id: string }>>(true);
const categoryKey: InferPatternKey<typeof Product, 'byCategory'> = { category: 'books', price: 3 };
// @ts-expect-error Product has neither timestamps nor a version
type NoCreatedAt = ProductItem['createdAt'];
// @ts-expect-error Product has no version
type NoVersion = ProductItem['version'];

// InferItem includes the managed fields when timestamps / versioned are on.
type UserItem = InferItem<typeof User>;
assertType<Equals<UserItem['createdAt'], string>>(true);
assertType<Equals<UserItem['updatedAt'], string>>(true);
assertType<Equals<UserItem['version'], number>>(true);
const user: UserItem = {
  userId: '0b7c9a2e-5d4f-4c1e-9a8b-3f2e1d0c9b8a',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  isActive: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
};
// @ts-expect-error a stored user always has createdAt/updatedAt/version
const userWithoutManaged: UserItem = { userId: 'u', email: 'a@b.c', firstName: 'A', lastName: 'B', isActive: true };
// Writes may omit managed fields (they are filled in) or pass them (e.g. an expected version).
const userInput: InferInput<typeof User> = { userId: 'u', email: 'a@b.c', firstName: 'A', lastName: 'B', isActive: true };
const userInputWithVersion: InferInput<typeof User> = { ...userInput, version: 3 };
// @ts-expect-error version is a number
const userBadVersion: InferInput<typeof User> = { ...userInput, version: 'three' };

const timestampedOnly = defineEntity({
  name: 'logged',
  schema: z.object({ id: z.string() }),
  keys: { primary: { pk: ['id'] } },
  timestamps: true,
  versioned: false,
});
assertType<Equals<InferItem<typeof timestampedOnly>, { id: string; createdAt: string; updatedAt: string }>>(true);

void [categoryKey, wrongPrice, wrongEnum, wrongNested, wrongDate, missingName, clientChecks, userWithoutManaged, userInputWithVersion, userBadVersion];
export type { NoCreatedAt, NoVersion };

test('the typed values above are also valid at runtime', (t) => {
  const stored = Product.toStored(valid);
  t.is(stored.inStock, true);
  t.is(stored.created, '2026-01-01T00:00:00.000Z');
  t.notThrows(() => User.toStored(user));
  t.is(user.version, 1);
});

test('the values marked as type errors are rejected at runtime too', (t) => {
  for (const bad of [wrongPrice, wrongEnum, wrongNested, wrongDate, missingName]) {
    t.throws(() => Product.toStored(bad), { message: /Invalid product/ });
  }
  t.throws(() => User.toStored({ ...user, version: 'three' }), { message: /version/ });
});
