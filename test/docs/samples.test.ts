/**
 * Samples generated from zod schemas (for entities without an `example`): valid for every field
 * the schema constrains, deterministic, and the same id for the same field in every entity.
 */
import test from 'ava';
import { z } from 'zod';
import { exampleItem, generateSample, sampleValue } from '../../src/docs/index.ts';
import { defineEntity } from '../../src/index.ts';

const constrained = {
  id: z.uuid(),
  idV4: z.uuidv4(),
  email: z.email(),
  legacyEmail: z.string().email().max(30),
  url: z.url(),
  at: z.iso.datetime(),
  day: z.iso.date(),
  ip: z.ipv4(),
  ulid: z.ulid(),
  code: z.string().startsWith('SKU-').max(9),
  zip: z.string().length(5),
  short: z.string().min(3).max(4),
  lower: z.string().lowercase(),
  count: z.int().min(5).max(9),
  ratio: z.number().gt(0).lt(1),
  step: z.number().min(10).max(20).multipleOf(5),
  negative: z.int().max(-3),
  status: z.enum(['open', 'closed']),
  kind: z.literal('fixed'),
  due: z.date().min(new Date('2030-01-01')),
  tags: z.array(z.string().min(2)).min(2),
  labels: z.set(z.string()).min(1),
  scores: z.record(z.string(), z.int().nonnegative()),
  address: z.object({ street: z.string().min(1), zip: z.string().length(5).optional() }),
  either: z.union([z.int().min(100), z.string().min(1)]),
  maybe: z.string().nullable(),
  optional: z.int().min(1).optional(),
  bytes: z.instanceof(Uint8Array),
} as const;

for (const [name, schema] of Object.entries(constrained)) {
  test(`a generated ${name} satisfies its schema`, (t) => {
    const value = sampleValue(schema, name);
    const result = schema.safeParse(value);
    t.true(result.success, `${name}: ${JSON.stringify(value)} ${result.success ? '' : result.error.message}`);
  });
}

test('an entity without an example gets a valid sample; ids depend on the field name only', (t) => {
  const Order = defineEntity({
    name: 'order',
    schema: z.object({
      orderId: z.uuid(),
      customerId: z.uuid(),
      email: z.email(),
      total: z.number().min(0.5).max(99),
      status: z.enum(['new', 'paid']),
      placedAt: z.date(),
    }),
    keys: { primary: { pk: ['customerId'], sk: ['orderId'] } },
    timestamps: true,
  });
  const Customer = defineEntity({
    name: 'customer',
    schema: z.object({ customerId: z.uuid(), name: z.string().min(1) }),
    keys: { primary: { pk: ['customerId'], sk: [] } },
  });
  const order = generateSample(Order);
  t.deepEqual(order.problems, []);
  t.true(Order.itemSchema.safeParse(exampleItem(Order)).success, 'with the managed fields, the item schema accepts it');
  t.deepEqual(generateSample(Order), order, 'deterministic');
  t.is(generateSample(Customer).item.customerId, order.item.customerId, 'the same field gets the same id: samples share partitions');
  t.not(order.item.orderId, order.item.customerId);
});

test('a schema no generator can satisfy says which field, so the user declares an example', (t) => {
  const Coded = defineEntity({
    name: 'coded',
    schema: z.object({ id: z.string().regex(/^[A-Z]{2}\d{4}$/), note: z.string() }),
    keys: { primary: { pk: ['id'], sk: [] } },
  });
  const sample = generateSample(Coded);
  t.deepEqual(
    sample.problems.map((problem) => problem.path),
    ['id'],
  );
});
