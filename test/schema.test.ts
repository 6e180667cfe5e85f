/**
 * defineEntity: zod -> ElectroDB attributes, definition-time errors, validation (toStored) and
 * key checks. Pure unit tests: nothing here talks to DynamoDB.
 */
import test from 'ava';
import fc from 'fast-check';
import { z } from 'zod';
import { defineEntity, NUMBER_KEY_DIGITS, RepositoryError, SchemaDefinitionError } from '../src/index.ts';
import { buildElectro } from '../src/table/index.ts';
import { AppTable, Change, Sequence, User, VideoProgress } from '../entities/index.ts';

/** An entity with one field of every supported kind. */
const Everything = defineEntity({
  name: 'everything',
  schema: z.object({
    id: z.string(),
    count: z.number(),
    flag: z.boolean(),
    status: z.enum(['draft', 'live']),
    kind: z.literal('widget'),
    note: z.string().optional(),
    score: z.number().nullable(),
    enabled: z.boolean().default(true),
    tags: z.array(z.string()),
    meta: z.object({ width: z.number(), label: z.string().optional(), seen: z.date() }),
    counters: z.record(z.string(), z.number()),
    at: z.date(),
  }),
  keys: { primary: { pk: ['id'], sk: [] } },
});

const validEverything = () => ({
  id: 'e-1',
  count: 3,
  flag: false,
  status: 'live' as const,
  kind: 'widget' as const,
  score: null,
  tags: ['a', 'b'],
  meta: { width: 7, seen: new Date('2026-02-03T04:05:06.789Z') },
  counters: { views: 10 },
  at: new Date('2026-01-01T00:00:00.000Z'),
});

/** Calls `fn` and returns the thrown error, failing the test if nothing is thrown. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw, but the call returned normally');
}

function validationError(fn: () => unknown): RepositoryError {
  const error = thrown(fn);
  if (!(error instanceof RepositoryError)) throw new Error(`expected a RepositoryError, got ${error.name}: ${error.message}`);
  if (error.code !== 'validation') throw new Error(`expected code 'validation', got '${error.code}': ${error.message}`);
  return error;
}

const withField = (field: z.ZodType) => () =>
  defineEntity({ name: 'broken', schema: z.object({ id: z.string(), bad: field }), keys: { primary: { pk: ['id'] } } });

// ---------------------------------------------------------------------------------------------
// zod -> ElectroDB attributes

test('scalars map to ElectroDB string/number/boolean attributes, required unless optional', (t) => {
  t.deepEqual(Everything.attributes.id, { type: 'string', required: true });
  t.deepEqual(Everything.attributes.count, { type: 'number', required: true });
  t.deepEqual(Everything.attributes.flag, { type: 'boolean', required: true });
  t.deepEqual(Everything.fields.count, { kind: 'number', optional: false, nullable: false, containsDate: false });
});

test('enums and string literals map to ElectroDB enum attributes (an array of members)', (t) => {
  t.deepEqual(Everything.attributes.status, { type: ['draft', 'live'], required: true });
  t.deepEqual(Everything.fields.status?.values, ['draft', 'live']);
  t.deepEqual(Everything.attributes.kind, { type: ['widget'], required: true });
  t.is(Everything.fields.kind?.kind, 'enum');
});

test('optional, default and nullable fields are not required; nullable is stored as any', (t) => {
  t.deepEqual(Everything.attributes.note, { type: 'string', required: false });
  t.true(Everything.fields.note?.optional);
  t.deepEqual(Everything.attributes.enabled, { type: 'boolean', required: false });
  t.true(Everything.fields.enabled?.optional);
  t.deepEqual(Everything.attributes.score, { type: 'any', required: false });
  t.true(Everything.fields.score?.nullable);
  t.is(Everything.fields.score?.kind, 'number');
});

test('arrays map to lists with typed items, nested objects to maps with properties', (t) => {
  t.deepEqual(Everything.attributes.tags, { type: 'list', items: { type: 'string', required: true }, required: true });
  t.is(Everything.fields.tags?.kind, 'list');
  t.is(Everything.fields.tags?.element?.kind, 'string');
  t.deepEqual(Everything.attributes.meta, {
    type: 'map',
    properties: {
      width: { type: 'number', required: true },
      label: { type: 'string', required: false },
      seen: { type: 'string', required: true },
    },
    required: true,
  });
  t.is(Everything.fields.meta?.kind, 'map');
  t.deepEqual(Object.keys(Everything.fields.meta?.properties ?? {}), ['width', 'label', 'seen']);
  t.true(Everything.fields.meta?.containsDate, 'a map with a date inside needs date encoding');
});

test('records map to any (free-form keys) and dates to ISO strings', (t) => {
  t.deepEqual(Everything.attributes.counters, { type: 'any', required: true });
  t.is(Everything.fields.counters?.kind, 'record');
  t.is(Everything.fields.counters?.valueShape?.kind, 'number');
  t.deepEqual(Everything.attributes.at, { type: 'string', required: true });
  t.is(Everything.fields.at?.kind, 'date');
  t.true(Everything.fields.at?.containsDate);
  t.false(Everything.fields.count?.containsDate);
});

test('timestamps and versioned add managed createdAt/updatedAt/version attributes', (t) => {
  t.deepEqual(User.attributes.createdAt, { type: 'string', required: true });
  t.deepEqual(User.attributes.updatedAt, { type: 'string', required: true });
  t.deepEqual(User.attributes.version, { type: 'number', required: true });
  t.false('createdAt' in Sequence.attributes);
  t.false('version' in Sequence.attributes);
});

test('number key composites are zero-padded to NUMBER_KEY_DIGITS; other numbers are not', (t) => {
  t.deepEqual(Change.attributes.seq, { type: 'number', required: true, padding: { length: NUMBER_KEY_DIGITS, char: '0' } });
  t.false('padding' in (Change.attributes.outdatedBy ?? {}));
  t.false('padding' in (VideoProgress.attributes.positionSeconds ?? {}));
  t.true(String(Number.MAX_SAFE_INTEGER).length <= NUMBER_KEY_DIGITS);
});

// ---------------------------------------------------------------------------------------------
// unsupported constructs fail at definition time, naming the field

const unsupported: [string, z.ZodType, RegExp][] = [
  ['z.bigint()', z.bigint(), /bigint/i],
  ['z.string().transform()', z.string().transform((value) => value.length), /transform/i],
  ['z.set()', z.set(z.string()), /Set/],
  ['z.map()', z.map(z.string(), z.number()), /Map/],
  ['z.lazy()', z.lazy(() => z.string()), /lazy|recursive/i],
  ['z.intersection()', z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() })), /intersection/i],
];

for (const [label, schema, reason] of unsupported) {
  test(`${label} is rejected at definition time with a SchemaDefinitionError naming the field`, (t) => {
    const error = t.throws(withField(schema), { instanceOf: SchemaDefinitionError });
    t.regex(error?.message ?? '', /'bad'/);
    t.regex(error?.message ?? '', reason);
  });
}

test('an unsupported construct nested in an object is reported with its full path (meta.tags)', (t) => {
  const error = t.throws(withField(z.object({ title: z.string(), tags: z.set(z.string()) })), { instanceOf: SchemaDefinitionError });
  t.regex(error?.message ?? '', /'bad\.tags'/);
  const nested = t.throws(
    () => defineEntity({ name: 'broken', schema: z.object({ id: z.string(), meta: z.object({ tags: z.set(z.string()) }) }), keys: { primary: { pk: ['id'] } } }),
    { instanceOf: SchemaDefinitionError },
  );
  t.regex(nested?.message ?? '', /'meta\.tags'/);
});

test('an unsupported construct inside an array element is reported under the array field', (t) => {
  const error = t.throws(withField(z.array(z.object({ n: z.bigint() }))), { instanceOf: SchemaDefinitionError });
  t.regex(error?.message ?? '', /bad\[\]\.n/);
});

// ---------------------------------------------------------------------------------------------
// key templates

test('a key field that is not in the schema is rejected', (t) => {
  const error = t.throws(
    () => defineEntity({ name: 'broken', schema: z.object({ id: z.string() }), keys: { primary: { pk: ['nope' as 'id'] } } }),
    { instanceOf: SchemaDefinitionError },
  );
  t.regex(error?.message ?? '', /'nope' is not a schema field/);
});

test('key fields must be strings, numbers or enums: booleans, dates, lists, maps and nullables are rejected', (t) => {
  const cases: [string, z.ZodType][] = [
    ['boolean', z.boolean()],
    ['date', z.date()],
    ['list', z.array(z.string())],
    ['map', z.object({ a: z.string() })],
    ['nullable string', z.string().nullable()],
  ];
  for (const [label, schema] of cases) {
    const error = t.throws(
      () => defineEntity({ name: 'broken', schema: z.object({ id: z.string(), key: schema }), keys: { primary: { pk: ['id'], sk: ['key'] } } }),
      { instanceOf: SchemaDefinitionError },
      label,
    );
    t.regex(error?.message ?? '', /'key'/, label);
  }
  t.notThrows(() =>
    defineEntity({
      name: 'fine',
      schema: z.object({ id: z.string(), n: z.int(), state: z.enum(['a', 'b']) }),
      keys: { primary: { pk: ['id', 'state'], sk: ['n'] } },
    }),
  );
});

test('primary key fields cannot be optional, but a GSI key field can (sparse index)', (t) => {
  const error = t.throws(
    () => defineEntity({ name: 'broken', schema: z.object({ id: z.string().optional() }), keys: { primary: { pk: ['id'] } } }),
    { instanceOf: SchemaDefinitionError },
  );
  t.regex(error?.message ?? '', /'id'.*optional/);
  t.notThrows(() =>
    defineEntity({
      name: 'sparse',
      schema: z.object({ id: z.string(), token: z.string().optional() }),
      keys: { primary: { pk: ['id'] }, byToken: { index: 'gsi1', pk: ['token'] } },
    }),
  );
});

test('an access pattern needs at least one pk attribute', (t) => {
  t.throws(() => defineEntity({ name: 'broken', schema: z.object({ id: z.string() }), keys: { primary: { pk: [] } } }), {
    instanceOf: SchemaDefinitionError,
    message: /pk needs at least one attribute/,
  });
});

test('an invalid example is rejected at definition time, naming the field', (t) => {
  const error = t.throws(
    () =>
      defineEntity({
        name: 'example',
        schema: z.object({ id: z.string(), price: z.number() }),
        keys: { primary: { pk: ['id'] } },
        example: { id: 'p-1', price: 'cheap' as unknown as number },
      }),
    { instanceOf: SchemaDefinitionError },
  );
  t.regex(error?.message ?? '', /example/);
  t.regex(error?.message ?? '', /price/);
});

test('an example with a bad key value (empty id) is rejected too', (t) => {
  t.throws(
    () => defineEntity({ name: 'example', schema: z.object({ id: z.string() }), keys: { primary: { pk: ['id'] } }, example: { id: '' } }),
    { instanceOf: SchemaDefinitionError, message: /example.*id/s },
  );
});

test('the ttl option must name a number field', (t) => {
  t.throws(
    () => defineEntity({ name: 'expiring', schema: z.object({ id: z.string(), ttl: z.string() }), keys: { primary: { pk: ['id'] } }, ttl: 'ttl' }),
    { instanceOf: SchemaDefinitionError, message: /ttl/ },
  );
});

test('entity names must be alphanumeric (they become part of every key)', (t) => {
  t.throws(() => defineEntity({ name: 'my-entity', schema: z.object({ id: z.string() }), keys: { primary: { pk: ['id'] } } }), {
    instanceOf: SchemaDefinitionError,
  });
});

// ---------------------------------------------------------------------------------------------
// validation

test('toStored accepts a valid item, applies defaults and encodes dates', (t) => {
  const stored = Everything.toStored(validEverything());
  t.is(stored.enabled, true, 'default applied');
  t.is(stored.at, '2026-01-01T00:00:00.000Z');
  t.deepEqual(stored.meta, { width: 7, seen: '2026-02-03T04:05:06.789Z' });
  t.is(stored.score, null);
});

test('toStored rejects a bad item with a validation error listing every issue path and message', (t) => {
  const error = validationError(() => Everything.toStored({ ...validEverything(), count: 'three', status: 'gone', meta: { width: 'wide', seen: new Date() } }));
  const paths = error.issues.map((issue) => issue.path.join('.'));
  t.deepEqual(paths.sort(), ['count', 'meta.width', 'status']);
  for (const issue of error.issues) t.true(issue.message.length > 0);
  t.regex(error.message, /count: /);
  t.regex(error.message, /status: /);
  t.regex(error.message, /meta\.width: /);
  t.regex(error.message, /everything/);
});

test('toStored reports missing required fields by name', (t) => {
  const { flag: _flag, ...withoutFlag } = validEverything();
  const error = validationError(() => Everything.toStored(withoutFlag));
  t.deepEqual(error.issues.map((issue) => issue.path), [['flag']]);
});

test('toStored rejects unknown top-level fields', (t) => {
  const error = validationError(() => Everything.toStored({ ...validEverything(), nickname: 'x' }));
  t.regex(error.message, /nickname/);
  t.is(error.issues.length, 1);
});

test('validation uses the zod refinements of the schema (e-mail, uuid)', (t) => {
  const base = { ...(User.example ?? {}), createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', version: 1 };
  t.notThrows(() => User.toStored(base));
  const error = validationError(() => User.toStored({ ...base, email: 'not-an-email', userId: 'nope' }));
  t.deepEqual(error.issues.map((issue) => issue.path.join('.')).sort(), ['email', 'userId']);
});

// ---------------------------------------------------------------------------------------------
// key checks

test('an empty key string is rejected', (t) => {
  const error = validationError(() => Everything.toStored({ ...validEverything(), id: '' }));
  t.deepEqual(error.issues.map((issue) => issue.path), [['id']]);
  t.regex(error.message, /empty/);
});

const changeElectro = buildElectro(AppTable, 'schema-test').entities.change;

/** The gsi1 (entityHistory) partition key ElectroDB builds for a change. */
function historyKey(projectId: string, entityType: string, entityId: string): string {
  const params = changeElectro?.put({ ...Change.example, projectId, entityType, entityId }).params() as { Item: Record<string, unknown> };
  return String(params.Item.gsi1pk);
}

test("a value that could forge another key of a multi-composite key ('#entityType_') is rejected", (t) => {
  // Two different tuples, one ElectroDB key: this is what the check prevents.
  t.is(historyKey('a#entityType_b', 'c', 'd'), historyKey('a', 'b#entityType_c', 'd'));
  const example = Change.example ?? {};
  const forged = validationError(() => Change.toStored({ ...example, projectId: 'a#entityType_b' }));
  t.deepEqual(forged.issues.map((issue) => issue.path), [['projectId']]);
  t.regex(forged.message, /#entityType_/);
  const other = validationError(() => Change.toStored({ ...example, entityType: 'b#entityId_c' }));
  t.deepEqual(other.issues.map((issue) => issue.path), [['entityType']]);
  const earlier = validationError(() => Change.toStored({ ...example, entityId: 'x#projectId_y' }));
  t.deepEqual(earlier.issues.map((issue) => issue.path), [['entityId']]);
});

test("'#' and '$' alone are allowed in a multi-composite key value (change.projectId 'a#b')", (t) => {
  // Design note (commit 0d5fe62): only '#<label>_' can forge a key, so 'a#b' is accepted.
  const stored = Change.toStored({ ...Change.example, projectId: 'a#b', entityType: 'x$y', entityId: '#' });
  t.is(stored.projectId, 'a#b');
  t.is(stored.entityId, '#');
});

test("'#' and label sequences are allowed in a single-composite key (sequence.projectId)", (t) => {
  t.is(Sequence.toStored({ projectId: 'a#b', value: 1 }).projectId, 'a#b');
  t.is(Sequence.toStored({ projectId: 'a#projectId_b', value: 1 }).projectId, 'a#projectId_b');
});

test('property: every accepted (projectId, entityType, entityId) tuple has its own key (no forging)', (t) => {
  const token = fc.constantFrom('a', 'b', '#', '_', '$', 'projectId', 'entityType', 'entityId', '#entityType', 'entityId_');
  const value = fc.array(token, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
  const prefix = '$tablekit#projectId_';
  /** Reads the tuple back from the key by the first occurrence of each label (valid only when values cannot contain it). */
  const parse = (key: string) => {
    const rest = key.slice(prefix.length);
    const typeAt = rest.indexOf('#entityType_');
    const afterType = rest.slice(typeAt + '#entityType_'.length);
    const idAt = afterType.indexOf('#entityId_');
    return [rest.slice(0, typeAt), afterType.slice(0, idAt), afterType.slice(idAt + '#entityId_'.length)];
  };
  let accepted = 0;
  fc.assert(
    fc.property(value, value, value, (projectId, entityType, entityId) => {
      try {
        Change.checkKey({ projectId, entityType, entityId }, ['projectId', 'entityType', 'entityId']);
      } catch {
        return true;
      }
      accepted += 1;
      const key = historyKey(projectId, entityType, entityId);
      return key.startsWith(prefix) && JSON.stringify(parse(key)) === JSON.stringify([projectId, entityType, entityId]);
    }),
    { numRuns: 400, seed: 20260101 },
  );
  t.true(accepted > 100, `only ${accepted} tuples were accepted: the generator is too narrow`);
});

test('checkKey applies the same rules to ids and query composites', (t) => {
  t.throws(() => Change.checkKey({ projectId: 'x#entityType_y', entityType: 'doc' }, ['projectId', 'entityType']), { instanceOf: RepositoryError });
  t.throws(() => Change.checkKey({ projectId: '', entityType: 'doc' }, ['projectId', 'entityType']), { instanceOf: RepositoryError });
  t.notThrows(() => Change.checkKey({ projectId: 'x#y', entityType: 'doc' }, ['projectId', 'entityType']));
});

const Numbered = defineEntity({
  name: 'numbered',
  schema: z.object({ id: z.string(), n: z.number(), size: z.number() }),
  keys: { primary: { pk: ['id'], sk: ['n'] } },
});

test('number key composites must be non-negative safe integers', (t) => {
  t.notThrows(() => Numbered.toStored({ id: 'a', n: 0, size: -1.5 }), 'a non-key number may be anything');
  t.notThrows(() => Numbered.toStored({ id: 'a', n: Number.MAX_SAFE_INTEGER, size: 1 }));
  for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
    const error = validationError(() => Numbered.toStored({ id: 'a', n: bad, size: 1 }));
    t.deepEqual(error.issues.map((issue) => issue.path), [['n']], String(bad));
  }
});

// ---------------------------------------------------------------------------------------------
// dates

test('dates round-trip: toStored gives ISO strings (top level, nested, in lists and records), fromStored gives Dates', (t) => {
  const Dated = defineEntity({
    name: 'dated',
    schema: z.object({
      id: z.string(),
      at: z.date(),
      maybe: z.date().optional(),
      nothing: z.date().nullable(),
      history: z.array(z.object({ when: z.date(), what: z.string() })),
      byDay: z.record(z.string(), z.date()),
    }),
    keys: { primary: { pk: ['id'] } },
  });
  const at = new Date('2026-03-04T05:06:07.089Z');
  const later = new Date('2026-05-06T07:08:09.000Z');
  const stored = Dated.toStored({ id: 'd', at, nothing: null, history: [{ when: later, what: 'x' }], byDay: { mon: at } });
  t.is(stored.at, '2026-03-04T05:06:07.089Z');
  t.is(stored.nothing, null);
  t.false('maybe' in stored && stored.maybe !== undefined);
  t.deepEqual(stored.history, [{ when: '2026-05-06T07:08:09.000Z', what: 'x' }]);
  t.deepEqual(stored.byDay, { mon: '2026-03-04T05:06:07.089Z' });

  const back = Dated.fromStored(JSON.parse(JSON.stringify(stored)) as Record<string, unknown>);
  t.true(back.at instanceof Date);
  t.is((back.at as Date).getTime(), at.getTime());
  t.is(back.nothing, null);
  const [entry] = back.history as { when: Date; what: string }[];
  t.true(entry?.when instanceof Date);
  t.is(entry?.when.getTime(), later.getTime());
  t.is(((back.byDay as Record<string, Date>).mon as Date).getTime(), at.getTime());
  t.is(back.id, 'd');
});

test('a string where a date is expected is a validation error (dates are not coerced)', (t) => {
  const error = validationError(() => Everything.toStored({ ...validEverything(), at: '2026-01-01T00:00:00.000Z' }));
  t.deepEqual(error.issues.map((issue) => issue.path), [['at']]);
});
