/**
 * The expression model without DynamoDB: ExpressionBuilder renders conditions, key conditions,
 * updates and projections with shared placeholders; evaluate() and applyUpdate() follow
 * DynamoDB's rules (missing attributes, types, map and set equality, UTF-8 order, decimal ADD).
 */
import test from 'ava';
import fc from 'fast-check';
import {
  addDecimal,
  applyUpdate,
  compareStrings,
  evaluate,
  ExpressionBuilder,
  itemSize,
  matchesKey,
  UpdateTypeError,
  valuesEqual,
  type Condition,
} from '../../src/expression/index.ts';

test('conditions render with one placeholder per name and per value, nested with parentheses', (t) => {
  const builder = new ExpressionBuilder();
  const condition: Condition = {
    kind: 'and',
    conditions: [
      { kind: 'compare', name: 'status', op: '=', value: 'open' },
      {
        kind: 'or',
        conditions: [
          { kind: 'between', name: 'price', low: 1, high: 9 },
          { kind: 'in', name: 'status', values: ['a', 'b'] },
        ],
      },
      { kind: 'not', condition: { kind: 'beginsWith', name: 'name', value: 'x' } },
      { kind: 'size', name: 'tags', op: '>=', value: 2 },
      { kind: 'exists', name: 'a' },
      { kind: 'notExists', name: 'b' },
      { kind: 'contains', name: 'tags', value: 't' },
    ],
  };
  t.is(
    builder.condition(condition),
    '(#n0 = :v0) AND ((#n1 BETWEEN :v1 AND :v2) OR (#n0 IN (:v3, :v4))) AND (NOT (begins_with(#n2, :v5))) AND (size(#n3) >= :v6) AND (attribute_exists(#n4)) AND (attribute_not_exists(#n5)) AND (contains(#n3, :v7))',
  );
  t.deepEqual(builder.names, { '#n0': 'status', '#n1': 'price', '#n2': 'name', '#n3': 'tags', '#n4': 'a', '#n5': 'b' });
  t.deepEqual(builder.values, { ':v0': 'open', ':v1': 1, ':v2': 9, ':v3': 'a', ':v4': 'b', ':v5': 'x', ':v6': 2, ':v7': 't' });
});

test('key conditions render every sort-key operator after the partition', (t) => {
  const render = (sk: Parameters<ExpressionBuilder['keyCondition']>[0]['sk']) =>
    new ExpressionBuilder().keyCondition({ pk: { name: 'pk', value: 'P' }, ...(sk ? { sk } : {}) });
  t.is(render(undefined), '#n0 = :v0');
  t.is(render({ name: 'sk', op: '<=', value: 'b' }), '#n0 = :v0 AND #n1 <= :v1');
  t.is(render({ name: 'sk', op: 'between', value: 'a', high: 'b' }), '#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2');
  t.is(render({ name: 'sk', op: 'beginsWith', value: 'a' }), '#n0 = :v0 AND begins_with(#n1, :v1)');
});

test('updates render SET, REMOVE, ADD and DELETE clauses in that order, sharing placeholders with a condition', (t) => {
  const builder = new ExpressionBuilder();
  const update = builder.update([
    { kind: 'add', name: 'n', value: 1 },
    { kind: 'set', name: 'a', value: 'x' },
    { kind: 'remove', name: 'old' },
    { kind: 'setIfNotExists', name: 'createdAt', value: 'now' },
    { kind: 'append', name: 'list', values: [1] },
    { kind: 'prepend', name: 'list2', values: [0] },
    { kind: 'addToSet', name: 'tags', values: new Set(['t']) },
    { kind: 'deleteFromSet', name: 'tags2', values: new Set(['u']) },
  ]);
  t.is(
    update,
    'SET #n1 = :v1, #n3 = if_not_exists(#n3, :v2), #n4 = list_append(if_not_exists(#n4, :v3), :v4), #n5 = list_append(:v5, if_not_exists(#n5, :v6)) REMOVE #n2 ADD #n0 :v0, #n6 :v7 DELETE #n7 :v8',
  );
  t.is(builder.condition({ kind: 'compare', name: 'a', op: '<>', value: 'y' }), '#n1 <> :v9', 'the name placeholder is reused');
  t.is(builder.projection(['a', 'z']), '#n1, #n8');
  t.deepEqual(Object.keys(builder.attributes()), ['ExpressionAttributeNames', 'ExpressionAttributeValues']);
  t.deepEqual(new ExpressionBuilder().attributes(), {}, 'empty maps are left out');
});

test('evaluate: <> on a missing attribute is true, every other comparison false; comparisons across types are false', (t) => {
  const item = { s: '10', n: 10, b: true, list: [1, 2], nul: null };
  t.true(evaluate({ kind: 'compare', name: 'missing', op: '<>', value: 1 }, item));
  for (const op of ['=', '<', '<=', '>', '>='] as const) t.false(evaluate({ kind: 'compare', name: 'missing', op, value: 1 }, item), op);
  t.false(evaluate({ kind: 'compare', name: 's', op: '=', value: 10 }, item));
  t.true(evaluate({ kind: 'compare', name: 's', op: '<>', value: 10 }, item), 'different types are not equal');
  t.false(evaluate({ kind: 'compare', name: 's', op: '<', value: 11 }, item));
  t.false(evaluate({ kind: 'compare', name: 'n', op: '>=', value: '1' }, item));
  t.false(evaluate({ kind: 'between', name: 'n', low: '1', high: '99' }, item));
  t.false(evaluate({ kind: 'between', name: 'missing', low: 1, high: 2 }, item));
  t.true(evaluate({ kind: 'between', name: 'n', low: 10, high: 10 }, item));
  t.false(evaluate({ kind: 'compare', name: 'b', op: '>', value: false }, item), 'booleans are not ordered');
  t.true(evaluate({ kind: 'compare', name: 'nul', op: '=', value: null }, item));
  t.false(evaluate({ kind: 'beginsWith', name: 'n', value: '1' }, item), 'begins_with needs a string');
  t.true(evaluate({ kind: 'in', name: 'n', values: ['10', 10] }, item));
  t.false(evaluate({ kind: 'in', name: 'missing', values: [1] }, item));
});

test('evaluate: maps equal regardless of key order, sets regardless of element order, lists in order', (t) => {
  const item = { map: { a: 1, b: { c: [1, { d: 2, e: 3 }] } }, set: new Set(['x', 'y']), list: [1, 2] };
  t.true(evaluate({ kind: 'compare', name: 'map', op: '=', value: { b: { c: [1, { e: 3, d: 2 }] }, a: 1 } }, item));
  t.false(evaluate({ kind: 'compare', name: 'map', op: '=', value: { a: 1, b: { c: [{ e: 3, d: 2 }, 1] } } }, item), 'list order matters');
  t.false(evaluate({ kind: 'compare', name: 'map', op: '=', value: { a: 1 } }, item));
  t.true(evaluate({ kind: 'compare', name: 'set', op: '=', value: new Set(['y', 'x']) }, item));
  t.false(evaluate({ kind: 'compare', name: 'list', op: '=', value: [2, 1] }, item));
  t.true(valuesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
  t.false(valuesEqual(new Set([1]), new Set(['1'])));
});

test('evaluate: contains, size and exists follow DynamoDB (size of a string is its UTF-8 bytes)', (t) => {
  const item = { s: 'hällo', set: new Set([1, 2]), list: [{ a: 1 }, 'x'], map: { a: 1, b: 2 }, bin: new Uint8Array(3) };
  t.true(evaluate({ kind: 'contains', name: 's', value: 'äl' }, item));
  t.true(evaluate({ kind: 'contains', name: 'set', value: 2 }, item));
  t.false(evaluate({ kind: 'contains', name: 'set', value: '2' }, item));
  t.true(evaluate({ kind: 'contains', name: 'list', value: { a: 1 } }, item));
  t.false(evaluate({ kind: 'contains', name: 'missing', value: 'x' }, item));
  t.true(evaluate({ kind: 'size', name: 's', op: '=', value: 6 }, item), 'ä is two bytes');
  t.true(evaluate({ kind: 'size', name: 'map', op: '=', value: 2 }, item));
  t.true(evaluate({ kind: 'size', name: 'bin', op: '=', value: 3 }, item));
  t.false(evaluate({ kind: 'size', name: 'missing', op: '<>', value: 1 }, item), 'size of nothing is no number');
  t.true(evaluate({ kind: 'not', condition: { kind: 'exists', name: 'missing' } }, item));
  t.true(
    evaluate(
      {
        kind: 'or',
        conditions: [
          { kind: 'notExists', name: 's' },
          { kind: 'exists', name: 's' },
        ],
      },
      item,
    ),
  );
});

test('strings order by UTF-8 bytes, not UTF-16 code units', (t) => {
  t.true(compareStrings('\uffff', '😀') < 0, 'U+FFFF is below U+1F600 in UTF-8 (but not in UTF-16)');
  t.true('\uffff' > '😀', 'JavaScript compares code units');
  t.true(compareStrings('Lee Smith', 'Lee#') < 0);
  t.true(evaluate({ kind: 'compare', name: 's', op: '<', value: '😀' }, { s: '\uffff' }));
  t.true(matchesKey({ pk: { name: 'pk', value: 'p' }, sk: { name: 'sk', op: 'between', value: 'a', high: '\uffff' } }, { pk: 'p', sk: 'z' }));
  t.false(matchesKey({ pk: { name: 'pk', value: 'p' }, sk: { name: 'sk', op: '<', value: '\uffff' } }, { pk: 'p', sk: '😀' }));
  t.false(matchesKey({ pk: { name: 'pk', value: 'p' } }, { pk: 'q', sk: 'a' }));
});

test('ADD is exact decimal arithmetic: 0.1 + 0.2 = 0.3, and random decimals sum exactly', (t) => {
  t.is(addDecimal(0.1, 0.2), 0.3);
  t.is(applyUpdate([{ kind: 'add', name: 'n', value: 0.2 }], { n: 0.1 }).n, 0.3);
  t.is(addDecimal(-0.1, 0.3), 0.2);
  t.is(addDecimal(1e21, 1), 1e21 + 1);
  const decimal = fc
    .tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 6 }))
    .map(([digits, scale]) => ({ digits, scale, value: digits / 10 ** scale }));
  fc.assert(
    fc.property(decimal, decimal, (a, b) => {
      const scale = Math.max(a.scale, b.scale);
      const exact = BigInt(a.digits) * 10n ** BigInt(scale - a.scale) + BigInt(b.digits) * 10n ** BigInt(scale - b.scale);
      const negative = exact < 0n;
      const text = (negative ? -exact : exact).toString().padStart(scale + 1, '0');
      const expected = Number(`${negative ? '-' : ''}${scale ? `${text.slice(0, -scale)}.${text.slice(-scale)}` : text}`);
      return addDecimal(a.value, b.value) === expected;
    }),
    { numRuns: 300 },
  );
});

test('applyUpdate: counters start at 0, sets lose emptied attributes, lists grow at either end, wrong types are refused', (t) => {
  const next = applyUpdate(
    [
      { kind: 'add', name: 'count', value: 2 },
      { kind: 'append', name: 'list', values: [3] },
      { kind: 'prepend', name: 'list2', values: [0] },
      { kind: 'deleteFromSet', name: 'tags', values: new Set(['a']) },
      { kind: 'addToSet', name: 'more', values: new Set([1]) },
      { kind: 'setIfNotExists', name: 'keep', value: 'new' },
      { kind: 'setIfNotExists', name: 'fresh', value: 'new' },
      { kind: 'remove', name: 'gone' },
    ],
    { list: [1, 2], list2: [1], tags: new Set(['a']), keep: 'old', gone: 1 },
  );
  t.deepEqual(next, { count: 2, list: [1, 2, 3], list2: [0, 1], more: new Set([1]), keep: 'old', fresh: 'new' });
  t.throws(() => applyUpdate([{ kind: 'add', name: 's', value: 1 }], { s: 'x' }), { instanceOf: UpdateTypeError });
  t.throws(() => applyUpdate([{ kind: 'append', name: 's', values: [1] }], { s: 'x' }), { instanceOf: UpdateTypeError });
  t.throws(() => applyUpdate([{ kind: 'addToSet', name: 's', values: new Set([1]) }], { s: [1] }), { instanceOf: UpdateTypeError });
  t.is(itemSize({ ab: 'ü', n: 12345, skip: undefined }), 2 + 2 + 1 + 4);
});
