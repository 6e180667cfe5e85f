/**
 * Key builders without DynamoDB: KeyBuilder (compiled from ElectroDB's model) builds exactly the
 * key attributes ElectroDB's own `put().params()` writes, for random items; and the key
 * conditions of sort-key queries (keyQuery) select, on built keys, exactly the items whose
 * composites satisfy the query — numbers by value, strings by the UTF-8 order of the built keys.
 */
import test from 'ava';
import fc from 'fast-check';
import { z } from 'zod';
import { defineEntity, defineTable, RepositoryError } from '../../src/index.ts';
import { compareStrings, matchesKey } from '../../src/expression/index.ts';
import { buildElectro, KeyBuilder, type TableLayout } from '../../src/table/index.ts';
import { EntityModel } from '../../src/entity/model.ts';
import { keyQuery } from '../../src/entity/sort-key.ts';
import type { EntityDefinition } from '../../src/schema/index.ts';

const Thing = defineEntity({
  name: 'thing',
  schema: z.object({
    a: z.string(),
    n: z.int().min(0),
    d: z.date(),
    c: z.string().optional(),
    m: z.string().optional(),
    e: z.enum(['red', 'Blue']),
    note: z.string(),
  }),
  keys: {
    primary: { pk: ['a'], sk: ['n', 'd'], collection: 'col' },
    byC: { index: 'gsi1', pk: ['c'], sk: ['m', 'n'] },
    byE: { index: 'gsi2', pk: ['e', 'a'], sk: [] },
  },
  timestamps: true,
});
const Other = defineEntity({
  name: 'other',
  schema: z.object({ a: z.string(), x: z.string() }),
  keys: { primary: { pk: ['a'], sk: ['x'], collection: 'col' } },
  versioned: false,
});
const Solo = defineEntity({ name: 'solo', version: 3, schema: z.object({ id: z.string() }), keys: { primary: { pk: ['id'] } } });
const Layout = defineTable({ name: 'keys', service: 'svc', entities: { thing: Thing, other: Other, solo: Solo } });

function keysOf(layout: TableLayout, entity: EntityDefinition) {
  const electro = buildElectro(layout, 'x').entities[entity.name];
  if (!electro) throw new Error(`no ElectroDB entity ${entity.name}`);
  return {
    electro,
    keys: new KeyBuilder(
      entity,
      layout.patterns.filter((pattern) => pattern.entity === entity.name),
      electro,
    ),
  };
}

/** Key values: any well-formed, non-empty text that cannot forge another composite (`#<label>_`). */
const keyText = fc
  .string({ unit: fc.constantFrom('a', 'Z', ' ', '#', '_', '-', '$', 'ä', '😀', '~', '\u0000', 'n', 'd', 'm'), minLength: 1, maxLength: 6 })
  .filter((text) => !/#(n|d|m|a|x|c|e)_/.test(text));
const keyNumber = fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constant(Number.MAX_SAFE_INTEGER));
const date = fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true });

const electroKeys = (electro: ReturnType<typeof keysOf>['electro'], stored: Record<string, unknown>) => {
  const item = (electro.put(stored as never).params() as { Item: Record<string, unknown> }).Item;
  return Object.fromEntries(Object.entries(item).filter(([field]) => /^(pk|sk|gsi\d(pk|sk))$|^__edb_/.test(field)));
};

test('KeyBuilder builds the key attributes ElectroDB writes, for random items of every pattern (sparse indexes included)', (t) => {
  const { electro, keys } = keysOf(Layout, Thing);
  const thing = fc.record(
    { a: keyText, n: keyNumber, d: date, c: keyText, m: keyText, e: fc.constantFrom('red' as const, 'Blue' as const), note: fc.string() },
    { requiredKeys: ['a', 'n', 'd', 'e', 'note'] },
  );
  let sparse = 0;
  fc.assert(
    fc.property(thing, (value) => {
      const stored = Thing.toStored({ ...value, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', version: 1 });
      const built = keys.itemKeys(stored);
      if (value.c !== undefined && value.m !== undefined) {
        t.deepEqual(built, electroKeys(electro, stored), JSON.stringify(stored));
        return;
      }
      // ElectroDB refuses (or half-builds) an index with missing composites; tablekit writes each complete key part only.
      sparse++;
      const filled = electroKeys(electro, { ...stored, c: stored.c ?? 'filler', m: stored.m ?? 'filler' });
      const expected = Object.fromEntries(
        Object.entries(filled).filter(([field]) => (field !== 'gsi1pk' || value.c !== undefined) && (field !== 'gsi1sk' || value.m !== undefined)),
      );
      t.deepEqual(built, expected, JSON.stringify(stored));
    }),
    { numRuns: 200 },
  );
  t.true(sparse > 10, 'items outside the sparse index were generated');
  const other = keysOf(Layout, Other);
  fc.assert(
    fc.property(keyText, keyText, (a, x) => {
      const stored = Other.toStored({ a, x });
      t.deepEqual(other.keys.itemKeys(stored), electroKeys(other.electro, stored));
    }),
    { numRuns: 100 },
  );
  const solo = keysOf(Layout, Solo);
  const stored = Solo.toStored({ id: 'Só 1', version: 1 });
  t.deepEqual(solo.keys.itemKeys(stored), electroKeys(solo.electro, stored));
});

test('KeyBuilder refuses composites that could forge another key, are empty, or are not valid Unicode', (t) => {
  const { keys } = keysOf(Layout, Thing);
  const issue = (values: Record<string, unknown>, names: string[]) => keys.issues(values, names).map((found) => found.path[0]);
  t.deepEqual(issue({ m: 'x#n_1' }, ['m']), ['m'], "'m' shares its key part with 'n'");
  t.deepEqual(issue({ c: 'x#n_1' }, ['c']), [], "'c' is alone in its key part: nothing to forge");
  t.deepEqual(issue({ m: '' }, ['m']), ['m']);
  t.deepEqual(issue({ a: 'bad \ud800' }, ['a']), ['a']);
  t.deepEqual(issue({ n: -1 }, ['n']), ['n']);
  t.deepEqual(issue({ n: 1.5 }, ['n']), ['n']);
  t.deepEqual(issue({ d: new Date(Number.NaN) }, ['d']), ['d']);
  t.deepEqual(issue({ a: 'x#n_', n: 3, d: new Date(0) }, ['a', 'n', 'd']), [], "'a' is alone in its key part: nothing to forge");
  t.throws(() => keys.primaryKey({ a: 'x', n: 1 }), { instanceOf: RepositoryError, message: /d: required/ });
});

// --- key conditions ---

const Ranked = defineEntity({
  name: 'ranked',
  schema: z.object({ p: z.string(), s: z.string(), n: z.int().min(0), t: z.string() }),
  keys: { primary: { pk: ['p'], sk: ['s', 'n', 't'], collection: 'grp' } },
  versioned: false,
});
const Neighbour = defineEntity({
  name: 'neighbour',
  schema: z.object({ p: z.string(), s: z.string() }),
  keys: { primary: { pk: ['p'], sk: ['s'], collection: 'grp' } },
  versioned: false,
});
const RangeLayout = defineTable({ name: 'ranges', entities: { ranked: Ranked, neighbour: Neighbour } });

const tableKeyFields = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']);
const ranked = keysOf(RangeLayout, Ranked);
const model = new EntityModel(Ranked, ranked.keys, tableKeyFields);
const neighbourKeys = keysOf(RangeLayout, Neighbour).keys;

const text = fc
  .string({ unit: fc.constantFrom('a', 'b', 'L', 'e', 'n', ' ', '!', '-', '#', '_', 'ä', '😀', '\u0000', '\uffff'), minLength: 1, maxLength: 4 })
  .filter((value) => !/#(s|n|t)_/.test(value));
const number = fc.constantFrom(0, 1, 2, 9, 10, 11, 99, 100, 1000);
type Op = 'eq' | 'gt' | 'gte' | 'lt' | 'lte' | 'between' | 'beginsWith';

/** The composite as the key orders it: numbers by value; strings by UTF-8 bytes, followed by the next composite's separator. */
function order(field: 's' | 'n' | 't', a: string | number, b: string | number): number {
  if (field === 'n') return (a as number) - (b as number);
  const separator = field === 's' ? '#n_' : '';
  return compareStrings(`${String(a)}${separator}`, `${String(b)}${separator}`);
}

function expected(field: 's' | 'n' | 't', value: string | number, op: Op, operand: unknown): boolean {
  const cmp = (other: unknown) => order(field, value, other as string | number);
  switch (op) {
    case 'eq':
      return value === operand;
    case 'gt':
      return cmp(operand) > 0;
    case 'gte':
      return cmp(operand) >= 0;
    case 'lt':
      return cmp(operand) < 0;
    case 'lte':
      return cmp(operand) <= 0;
    case 'between': {
      const [low, high] = operand as [unknown, unknown];
      return cmp(low) >= 0 && cmp(high) <= 0;
    }
    case 'beginsWith':
      return String(value).startsWith(String(operand));
  }
}

const row = fc.record({
  p: fc.constantFrom('P', 'Q'),
  s: fc.constantFrom('L', 'Le', 'Lee', 'Lee Smith', 'Lee!', 'Lee#', 'Lee#x', 'Lf', 'a'),
  n: number,
  t: text,
});

test('keyQuery ranges select exactly the matching items on built keys, never another entity of the partition', (t) => {
  const fields = ['s', 'n', 't'] as const;
  const query = fc.record({
    equalCount: fc.integer({ min: 0, max: 2 }),
    prefix: row,
    op: fc.constantFrom<Op>('eq', 'gt', 'gte', 'lt', 'lte', 'between', 'beginsWith'),
    strings: fc.tuple(text, text),
    numbers: fc.tuple(number, number),
  });
  let matched = 0;
  fc.assert(
    fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), query, (rows, { equalCount, prefix, op, strings, numbers }) => {
      const field = fields[equalCount] as 's' | 'n' | 't';
      if (op === 'beginsWith' && field === 'n') return;
      const pair = field === 'n' ? [...numbers].sort((a, b) => a - b) : [...strings].sort((a, b) => order(field, a, b));
      const operand = op === 'between' ? pair : pair[0];
      const key: Record<string, unknown> = { p: prefix.p };
      for (const name of fields.slice(0, equalCount)) key[name] = prefix[name];
      key[field] = { [op]: operand };
      // A prefix ending in the start of the next separator (`#`, `#n`) is refused: it would also match shorter values.
      if (op === 'beginsWith' && field !== 't' && /#n?$/.test(String(operand))) {
        t.throws(() => keyQuery(model, 'primary', key), { instanceOf: RepositoryError, message: /cannot end with/ });
        return;
      }
      const { condition, excludeEqual, empty } = keyQuery(model, 'primary', key);
      const skField = ranked.keys.primary.sk?.field ?? 'sk';
      for (const item of rows) {
        const built = ranked.keys.itemKeys(item);
        const selected = !empty && matchesKey(condition, built) && built[skField] !== excludeEqual;
        const wanted =
          item.p === prefix.p && fields.slice(0, equalCount).every((name) => item[name] === prefix[name]) && expected(field, item[field], op, operand);
        if (selected !== wanted) t.fail(`${JSON.stringify(key)} on ${JSON.stringify(item)}: selected ${selected}, expected ${wanted}`);
        if (wanted) matched++;
        const neighbour = neighbourKeys.itemKeys({ p: item.p, s: item.s });
        if (matchesKey(condition, neighbour)) t.fail(`${JSON.stringify(key)} selects a neighbour entity`);
      }
    }),
    { numRuns: 400 },
  );
  t.true(matched > 50, `${matched} matches checked`);
});

test('keyQuery refuses keys out of order and conditions it cannot turn into one key range, naming the field', (t) => {
  const refused = (key: Record<string, unknown>, field: string) => {
    const error = t.throws(() => keyQuery(model, 'primary', key), { instanceOf: RepositoryError });
    t.true(
      error?.issues.some((issue) => issue.path[0] === field),
      `${JSON.stringify(key)} names ${field}: ${error?.message}`,
    );
  };
  refused({ p: 'P', n: 1 }, 'n');
  refused({ p: 'P', s: { gt: 'a' }, n: 1 }, 'n');
  refused({ p: { beginsWith: 'P' } }, 'p');
  refused({ s: 'a' }, 'p');
  refused({ p: 'P', other: 1 }, 'other');
  refused({ p: 'P', s: 'a', n: { beginsWith: '1' } }, 'n');
  refused({ p: 'P', s: { between: ['b', 'a'] } }, 's');
  refused({ p: 'P', s: { gt: 'a', lt: 'b' } }, 's');
  refused({ p: 'P', s: 'a#n_1' }, 's');
  refused({ p: 'P', s: { beginsWith: 'Lee#' } }, 's');
  refused({ p: 'P', s: { beginsWith: 'Lee#n' } }, 's');
  t.notThrows(() => keyQuery(model, 'primary', { p: 'P', s: 'a', n: 1, t: { beginsWith: 'x#' } }), 'the last composite has no separator after it');
  t.true(keyQuery(model, 'primary', { p: 'P', s: 'a', n: { lt: 0 } }).empty === true, 'lt 0 on a number key is an empty range');
  // On a composite followed by another, 'b ' sorts before 'b' (space < '#'): between follows the key order.
  refused({ p: 'P', s: { between: ['b', 'b '] } }, 's');
  const { condition } = keyQuery(model, 'primary', { p: 'P', s: { between: ['b ', 'b'] } });
  const sk = condition.sk;
  t.true(sk?.op === 'between' && compareStrings(sk.value, sk.high) < 0, 'a range DynamoDB accepts (low <= high)');
  const selected = ['b', 'b ', 'b !', 'a', 'c', 'b#'].filter((s) => matchesKey(condition, ranked.keys.itemKeys({ p: 'P', s, n: 1, t: 'x' })));
  t.deepEqual(selected, ['b', 'b ', 'b#'], "in key order: 'b !#' < 'b #' and 'b#' sits between 'b ' and 'b'");
});
