/**
 * Property-based fuzzing of the public entity API on DynamoDB Local and the in-memory twin, with
 * hostile strings, numbers, nesting, ids and filters. The invariant: a call either succeeds and
 * the item reads back deep-equal, or it fails with a RepositoryError whose code is not `unknown`
 * and a raw Scan shows nothing written for it. No raw error ever escapes.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { z } from 'zod';
import { defineEntity, defineTable, RepositoryError } from '../../src/index.ts';
import type { MemoryConnection } from '../../src/testing.ts';
import { backends, openTable } from '../support/db.ts';

const Thing = defineEntity({
  name: 'thing',
  schema: z.object({
    group: z.string(),
    thingId: z.string(),
    title: z.string(),
    count: z.number(),
    tags: z.array(z.string()).default([]),
    meta: z.record(z.string(), z.unknown()).default({}),
    note: z.string().optional(),
  }),
  keys: { primary: { pk: ['group'], sk: ['thingId'] }, byTitle: { index: 'gsi1', pk: ['group', 'title'], sk: ['thingId'] } },
  versioned: false,
});
const Things = defineTable({ name: 'fuzz', entities: { thing: Thing } });

/** Strings that have broken key builders and marshallers before. */
const hostileString = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '#',
      '#thingId_',
      '#title_x',
      '$',
      '\u0000',
      '\ud800',
      'a\udfff',
      '💥',
      '__proto__',
      'constructor',
      'toString',
      ' ',
      'x'.repeat(1100),
    ),
  },
);
const hostileNumber = fc.oneof(
  { weight: 4, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e-131, 2 ** 53, -(2 ** 53), 0.1) },
);
const leaf = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null), fc.constant(undefined));
const nestedValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 3 }),
  ),
})).value;

const thing = fc.record({
  group: hostileString,
  thingId: hostileString,
  title: hostileString,
  count: hostileNumber,
  tags: fc.array(hostileString, { maxLength: 3 }),
  meta: fc.dictionary(hostileString, nestedValue, { maxKeys: 4 }),
  note: fc.option(hostileString, { nil: undefined }),
});

/** Every raw item of the table (DynamoDB: a Scan through the connection's DocumentClient). */
async function rawItems(connection: unknown, tableName: string): Promise<Record<string, unknown>[]> {
  if (typeof connection === 'object' && connection !== null && 'kind' in connection && connection.kind === 'memory') {
    return (connection as MemoryConnection).table(tableName, { primary: { pk: 'pk', sk: 'sk' }, indexes: {} }).dump();
  }
  const { doc } = connection as { doc: import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient };
  return (await doc.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
}

function refused(t: ExecutionContext, error: unknown, what: string): void {
  if (!(error instanceof RepositoryError)) t.fail(`${what}: a raw ${String(error)} escaped`);
  else t.not(error.code, 'unknown', `${what}: ${error.message}`);
}

for (const backend of backends) {
  test(`[${backend}] create/get of hostile items: a deep-equal round trip, or a typed error and nothing written`, async (t) => {
    const { table, connection, dispose } = await openTable(backend, Things, 'fuzz');
    t.teardown(dispose);
    const things = table.entities.thing;
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(thing, async (input) => {
        const before = (await rawItems(connection, table.tableName)).length;
        try {
          const created = await things.create(input);
          stored++;
          const read = await things.get({ group: input.group, thingId: input.thingId });
          t.deepEqual(read, created);
          await things.delete({ group: input.group, thingId: input.thingId });
        } catch (error) {
          refused(t, error, JSON.stringify(input));
          t.is((await rawItems(connection, table.tableName)).length, before, 'nothing written');
        }
      }),
      { numRuns: backend === 'memory' ? 150 : 40, seed: 20261130 },
    );
    t.true(stored > 5, `only ${stored} items were storable: the generator is too hostile`);
  });

  test(`[${backend}] reads with hostile keys, filters and options return pages or typed errors`, async (t) => {
    const { table, dispose } = await openTable(backend, Things, 'fuzzread');
    t.teardown(dispose);
    const things = table.entities.thing;
    await things.createAll(['a', 'b', 'c'].map((thingId, index) => ({ group: 'g', thingId, title: 't', count: index })));
    const operator = fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between', 'beginsWith', 'contains', 'in', 'exists', 'size', 'nope');
    const operand = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.constant({}), fc.constant({ gt: 1 }));
    const where = fc.dictionary(
      fc.constantFrom('count', 'title', 'tags', 'meta', 'note', 'unknown', '$or', '$not'),
      fc.oneof(operand, fc.dictionary(operator, operand, { maxKeys: 2 })),
      { maxKeys: 2 },
    );
    const options = fc.record(
      {
        where,
        limit: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constant(Number.NaN)),
        order: fc.constantFrom('asc', 'desc', 'sideways'),
        cursor: fc.oneof(hostileString, fc.constant('eyJwayI6IngifQ')),
      },
      { requiredKeys: [] },
    );
    const key = fc.record(
      { group: fc.oneof(hostileString, fc.constant('g')), thingId: fc.oneof(hostileString, fc.dictionary(operator, operand, { maxKeys: 1 })) },
      { requiredKeys: ['group'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('primary', 'byTitle', '__proto__', 'constructor', 'toString'), key, options, async (pattern, queryKey, readOptions) => {
        try {
          const page = await things.page({ pattern, key: queryKey } as never, readOptions as never);
          t.true(Array.isArray(page.items));
        } catch (error) {
          refused(t, error, JSON.stringify({ pattern, queryKey, readOptions }));
        }
      }),
      { numRuns: backend === 'memory' ? 300 : 80, seed: 20261130 },
    );
  });
}
