/**
 * The entity layer's pure translations, without storage: `where` / `if` objects into the
 * condition model (conditionOf) and patches into UpdateItem actions with their guards (planPatch):
 * operators, dates encoded, bounds kept by conditions, index keys rebuilt or removed, and every
 * mistake a validation error naming the field.
 */
import test, { type ExecutionContext } from 'ava';
import { z } from 'zod';
import { defineEntity, defineTable, RepositoryError } from '../../src/index.ts';
import { evaluate, type Condition } from '../../src/expression/index.ts';
import { conditionOf } from '../../src/entity/conditions.ts';
import { EntityModel } from '../../src/entity/model.ts';
import { planPatch } from '../../src/entity/patch.ts';
import { buildElectro, KeyBuilder } from '../../src/table/index.ts';

const Item = defineEntity({
  name: 'item',
  schema: z.object({
    id: z.string(),
    name: z.string().min(1),
    price: z.number().min(0).max(100),
    stock: z.int().min(0),
    count: z.number().int(),
    at: z.date().optional(),
    tags: z.set(z.string()).default(new Set()),
    notes: z.array(z.string()).max(3).default([]),
    meta: z.object({ a: z.number() }).optional(),
    group: z.string().optional(),
    rank: z.int().min(0).optional(),
    code: z.string().optional(),
  }),
  keys: { primary: { pk: ['id'] }, byGroup: { index: 'gsi1', pk: ['group'], sk: ['rank', 'name'] } },
  unique: { code: true },
  readOnly: ['count'],
});
const Layout = defineTable({ name: 'pure', entities: { item: Item } });
const electro = buildElectro(Layout, 'x').entities.item;
if (!electro) throw new Error('no ElectroDB entity');
const model = new EntityModel(
  Item,
  new KeyBuilder(
    Item,
    Layout.patterns.filter((pattern) => pattern.entity === 'item'),
    electro,
  ),
  new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']),
);

const refused = (t: ExecutionContext, run: () => unknown, ...paths: (string | number)[][]) => {
  const error = t.throws(run, { instanceOf: RepositoryError });
  t.is(error?.code, 'validation');
  for (const path of paths)
    t.true(
      error?.issues.some((issue) => path.every((part, index) => issue.path[index] === part)),
      `${JSON.stringify(path)} in ${JSON.stringify(error?.issues)}`,
    );
};

test('conditionOf turns operators into the condition model; a bare value is eq; dates become ISO strings', (t) => {
  const at = new Date('2026-01-02T03:04:05.000Z');
  t.deepEqual(conditionOf(Item, { name: 'x' }, 'where'), { kind: 'compare', name: 'name', op: '=', value: 'x' });
  t.deepEqual(conditionOf(Item, { at: { gte: at } }, 'where'), { kind: 'compare', name: 'at', op: '>=', value: '2026-01-02T03:04:05.000Z' });
  t.deepEqual(conditionOf(Item, { price: { between: [1, 2] }, tags: { size: { gt: 1 } } }, 'if'), {
    kind: 'and',
    conditions: [
      { kind: 'between', name: 'price', low: 1, high: 2 },
      { kind: 'size', name: 'tags', op: '>', value: 1 },
    ],
  });
  const nested = conditionOf(
    Item,
    { $or: [{ name: { beginsWith: 'a' } }, { $not: { price: { in: [1, 2] } } }], code: { exists: false } },
    'where',
  ) as Condition;
  t.true(evaluate(nested, { name: 'abc', price: 1 }));
  t.true(evaluate(nested, { name: 'b', price: 3 }));
  t.false(evaluate(nested, { name: 'b', price: 2 }));
  t.false(evaluate(nested, { name: 'abc', code: 'c' }));
  t.is(conditionOf(Item, undefined, 'where'), undefined);
  t.is(conditionOf(Item, { name: undefined }, 'where'), undefined, 'undefined attributes are left out');
});

test('conditionOf refuses unknown attributes and operators, mistyped operands and malformed operators, naming each', (t) => {
  refused(t, () => conditionOf(Item, { nope: 1 }, 'where'), ['where', 'nope']);
  refused(t, () => conditionOf(Item, { price: { about: 1 } }, 'if'), ['if', 'price', 'about']);
  refused(t, () => conditionOf(Item, { price: 'cheap' }, 'where'), ['where', 'price']);
  refused(t, () => conditionOf(Item, { price: { gt: Number.NaN } }, 'where'), ['where', 'price', 'gt']);
  refused(t, () => conditionOf(Item, { price: { between: [2, 1] } }, 'where'), ['where', 'price', 'between']);
  refused(t, () => conditionOf(Item, { price: { between: [1] } }, 'where'), ['where', 'price', 'between']);
  refused(t, () => conditionOf(Item, { price: { in: [] } }, 'where'), ['where', 'price', 'in']);
  refused(t, () => conditionOf(Item, { price: { in: Array.from({ length: 101 }, (_, index) => index) } }, 'where'), ['where', 'price', 'in']);
  refused(t, () => conditionOf(Item, { code: { exists: 'yes' } }, 'where'), ['where', 'code', 'exists']);
  refused(t, () => conditionOf(Item, { tags: { size: { gt: -1 } } }, 'where'), ['where', 'tags', 'size', 'gt']);
  refused(t, () => conditionOf(Item, { $or: [] }, 'where'), ['where', '$or']);
  refused(t, () => conditionOf(Item, { $and: [{ nope: 1 }] }, 'where'), ['where', '$and', 0, 'nope']);
  refused(t, () => conditionOf(Item, { at: { lt: new Date(Number.NaN) } }, 'where'), ['where', 'at', 'lt']);
  refused(t, () => conditionOf(Item, [], 'where'), ['where']);
});

test('planPatch: each operation becomes one action; set values are encoded; add, append keep schema bounds through guards', (t) => {
  const plan = planPatch(
    model,
    { id: 'i1' },
    {
      set: { name: 'n', at: new Date(0), rank: 2 },
      add: { stock: -5, price: 10 },
      append: { notes: ['a', 'b'] },
      remove: ['meta'],
      delete: { tags: new Set(['x']) },
      ifNotExists: { code: 'C' },
    },
    'i1',
  );
  t.deepEqual(
    plan.actions.filter((action) => !action.name.startsWith('gsi')),
    [
      { kind: 'set', name: 'name', value: 'n' },
      { kind: 'set', name: 'at', value: '1970-01-01T00:00:00.000Z' },
      { kind: 'set', name: 'rank', value: 2 },
      { kind: 'add', name: 'stock', value: -5 },
      { kind: 'add', name: 'price', value: 10 },
      { kind: 'append', name: 'notes', values: ['a', 'b'] },
      { kind: 'remove', name: 'meta' },
      { kind: 'deleteFromSet', name: 'tags', values: new Set(['x']) },
      { kind: 'setIfNotExists', name: 'code', value: 'C' },
    ],
  );
  t.deepEqual(plan.uniqueTouched, ['code']);
  t.deepEqual(
    plan.actions.filter((action) => action.name.startsWith('gsi')).map((action) => action.name),
    ['gsi1sk'],
    'the index sort key follows name and rank',
  );
  const holds = (item: Record<string, unknown>) => plan.boundGuards.map((guard) => evaluate(guard.condition, item));
  t.deepEqual(holds({ stock: 5, price: 90, notes: ['x'] }), [true, true, true]);
  t.deepEqual(holds({ stock: 4, price: 91, notes: ['x', 'y'] }), [false, false, false], 'stock - 5 < 0, price + 10 > 100, 4 notes > 3');
  t.deepEqual(holds({}), [false, true, true], 'a missing number counts as 0: 0 - 5 < 0, but 0 + 10 is fine');
});

test('planPatch rebuilds a secondary-index key part from set composites and the id, and removes it with a composite', (t) => {
  const keys = model.keys.pattern('byGroup');
  const rebuilt = planPatch(model, { id: 'i1' }, { set: { rank: 3, name: 'x' } }, 'i1');
  t.deepEqual(
    rebuilt.actions.find((action) => action.name === keys.sk?.field),
    { kind: 'set', name: 'gsi1sk', value: model.keys.build(keys.sk as NonNullable<typeof keys.sk>, { rank: 3, name: 'x' }) },
  );
  t.is(
    rebuilt.actions.find((action) => action.name === 'gsi1pk'),
    undefined,
    'the untouched part stays',
  );
  const moved = planPatch(model, { id: 'i1' }, { set: { group: 'g' } }, 'i1');
  t.deepEqual(
    moved.actions.find((action) => action.name === 'gsi1pk'),
    { kind: 'set', name: 'gsi1pk', value: model.keys.build(keys.pk, { group: 'g' }) },
  );
  const removed = planPatch(model, { id: 'i1' }, { remove: ['rank'] }, 'i1');
  t.deepEqual(removed.actions, [
    { kind: 'remove', name: 'rank' },
    { kind: 'remove', name: 'gsi1sk' },
  ]);
  refused(t, () => planPatch(model, { id: 'i1' }, { set: { rank: 3 } }, 'i1'), ['name']);
  refused(t, () => planPatch(model, { id: 'i1' }, { add: { rank: 1 } }, 'i1'), ['rank']);
  refused(t, () => planPatch(model, { id: 'i1' }, { set: { group: 'a#b', rank: 1, name: 'x#rank_2' } }, 'i1'), ['name']);
});

test('planPatch refuses what cannot be patched, naming the field', (t) => {
  const plan = (patch: unknown) => () => planPatch(model, { id: 'i1' }, patch, 'i1');
  refused(t, plan({ set: { id: 'x' } }), ['set', 'id']);
  refused(t, plan({ set: { count: 1 } }), ['set', 'count']);
  refused(t, plan({ set: { version: 2 } }), ['set', 'version']);
  refused(t, plan({ set: { nope: 1 } }), ['set', 'nope']);
  refused(t, plan({ replace: { name: 'x' } }), ['replace']);
  refused(t, plan({ set: { name: 'a' }, append: { name: ['b'] } }), ['append', 'name']);
  refused(t, plan({ remove: ['name'] }), ['name']);
  refused(t, plan({ add: { stock: 0.5 } }), ['stock']);
  refused(t, plan({ add: { price: Number.POSITIVE_INFINITY } }), ['price']);
  refused(t, plan({ add: { name: 1 } }), ['name']);
  refused(t, plan({ add: { tags: new Set() } }), ['tags']);
  refused(t, plan({ delete: { notes: new Set(['a']) } }), ['notes']);
  refused(t, plan({ append: { notes: [] } }), ['notes']);
  refused(t, plan({ append: { notes: ['a', 'b', 'c', 'd'] } }), ['notes']);
  refused(t, plan({ prepend: { tags: ['a'] } }), ['tags']);
  refused(t, plan({ set: { price: 101 } }), ['price']);
  refused(t, plan({}), []);
  refused(t, plan('set name'), []);
});
