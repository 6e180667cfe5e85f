/**
 * Differential test: the same random sequence of operations — create, save, patch, delete, get,
 * find with random sort-key conditions, limits, orders and filters (paged to the end), and a Scan
 * — on DynamoDB Local and on the in-memory twin gives the same results, the same pages and the
 * same cursor presence. Index keys are unique (their sort keys end with the id), since DynamoDB
 * does not define the order of equal index keys; Scan results are compared as sorted sets.
 */
import { deepStrictEqual } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { z } from 'zod';
import { defineEntity, defineTable, RepositoryError, type Repository } from '../../src/index.ts';
import { allPages, open } from './support.ts';

const Entry = defineEntity({
  name: 'entry',
  schema: z.object({
    groupId: z.string(),
    seq: z.int().min(0),
    name: z.string().min(1),
    score: z.int().min(0),
    kind: z.enum(['x', 'y']).optional(),
  }),
  keys: {
    primary: { pk: ['groupId'], sk: ['seq'] },
    byName: { index: 'gsi1', pk: ['groupId'], sk: ['name', 'seq'] },
    byScore: { index: 'gsi2', pk: ['groupId', 'kind'], sk: ['score', 'seq'] },
  },
});
const Diff = defineTable({ name: 'differential', entities: { entry: Entry }, streams: false });
type Entries = Repository<typeof Entry>;
type Where = NonNullable<Parameters<Entries['query']>[1]>['where'];

const group = fc.constantFrom('a', 'b');
const seq = fc.constantFrom(0, 1, 9, 10, 100);
const name = fc.constantFrom('Le', 'Lee', 'Lee Smith', 'Lee-Jones', 'Leo', 'a', 'z', 'ä', 'Z');
const score = fc.integer({ min: 0, max: 12 });
const kind = fc.option(fc.constantFrom('x' as const, 'y' as const), { nil: undefined });
const item = fc.record({ group, seq, name, score, kind });

/** One condition (or a bare value) on a composite, from values of its domain. */
const condition = <T>(values: fc.Arbitrary<T>, strings: boolean) =>
  fc.oneof(
    values,
    values.map((value) => ({ eq: value })),
    values.map((value) => ({ gt: value })),
    values.map((value) => ({ gte: value })),
    values.map((value) => ({ lt: value })),
    values.map((value) => ({ lte: value })),
    fc.tuple(values, values).map(([low, high]) => ({ between: [low, high] as const })),
    ...(strings ? [fc.constantFrom('L', 'Le', 'Lee', 'a', 'ä').map((prefix) => ({ beginsWith: prefix }))] : []),
  );

const readOptions = fc.record({
  limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 4 }),
  order: fc.constantFrom('asc' as const, 'desc' as const),
  where: fc.option(fc.constantFrom<Where>({ score: { gte: 5 } }, { kind: { exists: false } }, { name: { beginsWith: 'Le' } }), { nil: undefined }),
});

const find = fc.oneof(
  fc
    .record({ pattern: fc.constant('primary' as const), group, sk: fc.option(condition(seq, false), { nil: undefined }), options: readOptions })
    .map(({ pattern, group, sk, options }) => ({ op: 'find' as const, pattern, key: { groupId: group, ...(sk === undefined ? {} : { seq: sk }) }, options })),
  fc
    .record({ pattern: fc.constant('primary' as const), group, sk: fc.option(condition(seq, false), { nil: undefined }), options: readOptions })
    .map(({ pattern, group, sk, options }) => ({ op: 'find' as const, pattern, key: { groupId: group, ...(sk === undefined ? {} : { seq: sk }) }, options })),
  fc.record({ group, sk: fc.option(condition(name, true), { nil: undefined }), options: readOptions }).map(({ group, sk, options }) => ({
    op: 'find' as const,
    pattern: 'byName' as const,
    key: { groupId: group, ...(sk === undefined ? {} : { name: sk }) },
    options,
  })),
  fc
    .record({ group, name, sk: condition(seq, false), options: readOptions })
    .map(({ group, name, sk, options }) => ({ op: 'find' as const, pattern: 'byName' as const, key: { groupId: group, name, seq: sk }, options })),
  fc
    .record({ group, kind: fc.constantFrom('x' as const, 'y' as const), sk: fc.option(condition(score, false), { nil: undefined }), options: readOptions })
    .map(({ group, kind, sk, options }) => ({
      op: 'find' as const,
      pattern: 'byScore' as const,
      key: { groupId: group, kind, ...(sk === undefined ? {} : { score: sk }) },
      options,
    })),
);

const operation = fc.oneof(
  { weight: 4, arbitrary: item.map((value) => ({ op: 'create' as const, value })) },
  { weight: 2, arbitrary: item.map((value) => ({ op: 'save' as const, value })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ group, seq, name: fc.option(name, { nil: undefined }), score: fc.option(score, { nil: undefined }), removeKind: fc.boolean() })
      .map((value) => ({ op: 'patch' as const, value })),
  },
  { weight: 1, arbitrary: fc.record({ group, seq }).map((value) => ({ op: 'delete' as const, value })) },
  { weight: 1, arbitrary: fc.record({ group, seq }).map((value) => ({ op: 'get' as const, value })) },
  { weight: 5, arbitrary: find },
  { weight: 1, arbitrary: fc.constant({ op: 'scan' as const }) },
);
type Operation = typeof operation extends fc.Arbitrary<infer O> ? O : never;

const outcome = async (run: () => Promise<unknown>): Promise<unknown> => {
  try {
    return { ok: await run() };
  } catch (error) {
    if (error instanceof RepositoryError) return { error: error.code, fields: error.issues.map((issue) => issue.path[0]) };
    throw error;
  }
};

/** Runs one operation on one backend; groups are prefixed by the run so runs never meet. */
function apply(entries: Entries, prefix: string, operation: Operation): Promise<unknown> {
  const groupId = (value: string) => `${prefix}${value}`;
  switch (operation.op) {
    case 'create':
    case 'save': {
      const { group, seq, name, score, kind } = operation.value;
      const value = { groupId: groupId(group), seq, name, score, ...(kind ? { kind } : {}) };
      return outcome(() => (operation.op === 'create' ? entries.create(value) : entries.save(value)));
    }
    case 'patch': {
      const { group, seq, name, score, removeKind } = operation.value;
      const set = { ...(name === undefined ? {} : { name }), ...(score === undefined ? {} : { score }) };
      return outcome(() =>
        entries.patch({ groupId: groupId(group), seq }, { ...(Object.keys(set).length ? { set } : {}), ...(removeKind ? { remove: ['kind' as const] } : {}) }),
      );
    }
    case 'delete':
      return outcome(() => entries.delete({ groupId: groupId(operation.value.group), seq: operation.value.seq }));
    case 'get':
      return outcome(() => entries.get({ groupId: groupId(operation.value.group), seq: operation.value.seq }));
    case 'scan':
      return outcome(async () =>
        (await entries.query(undefined, { where: { groupId: { in: [groupId('a'), groupId('b')] } } }))
          .map((entry) => JSON.stringify(Object.entries(entry).sort()))
          .sort(),
      );
    case 'find': {
      const key = { ...operation.key, groupId: groupId(operation.key.groupId) };
      const options = Object.fromEntries(Object.entries(operation.options).filter(([, value]) => value !== undefined));
      const read = entries.find[operation.pattern] as (key: unknown, options: unknown) => Promise<{ items: unknown[]; cursor: string | undefined }>;
      return outcome(() => allPages((cursor) => read(key, { ...options, ...(cursor ? { cursor } : {}) }), 60));
    }
  }
}

test('the same random operations on DynamoDB Local and on the twin give the same results, pages and cursors', async (t) => {
  const dynamo = (await open(t, 'dynamodb', Diff, 'differential')).table.entities.entry;
  const memory = (await open(t, 'memory', Diff, 'differential')).table.entities.entry;
  let run = 0;
  let compared = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(item, { minLength: 2, maxLength: 10, selector: (value) => `${value.group}/${value.seq}` }),
      fc.array(operation, { minLength: 1, maxLength: 10 }),
      async (initial, operations) => {
        const prefix = `r${run++}`;
        // A populated start (one batch per backend), so reads meet pages and range ends.
        const start = initial.map(({ group, seq, name, score, kind }) => ({ groupId: `${prefix}${group}`, seq, name, score, ...(kind ? { kind } : {}) }));
        await Promise.all([dynamo.saveAll(start), memory.saveAll(start)]);
        for (const [index, op] of operations.entries()) {
          const [onDynamo, onMemory] = [await apply(dynamo, prefix, op), await apply(memory, prefix, op)];
          deepStrictEqual(onMemory, onDynamo, `operation ${index} ${JSON.stringify(op)}`);
          compared++;
        }
      },
    ),
    { numRuns: 25, seed: Number(process.env.DIFFERENTIAL_SEED ?? Date.now() % 2 ** 31), verbose: 1 },
  );
  t.true(compared >= 25, `${compared} operations compared`);
});
