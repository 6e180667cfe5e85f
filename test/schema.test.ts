/**
 * defineEntity: zod -> ElectroDB attributes, definition-time errors (unsupported constructs, key
 * templates, unique / hidden / readOnly declarations). Pure unit tests: nothing here talks to
 * DynamoDB. Validation, key checks and dates: schema-validation.test.ts.
 */
import test from 'ava';
import { z } from 'zod';
import { defineEntity, defineTable, SchemaDefinitionError } from '../src/index.ts';
import { NUMBER_KEY_DIGITS } from '../src/schema/index.ts';
import { Change, Sequence, User, VideoProgress } from '../src/services/index.ts';
import { Everything, validationError, validEverything } from './support/schema-fixtures.ts';

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

test('sets map to DynamoDB string / number sets, z.instanceof(Uint8Array) to binary', (t) => {
  t.deepEqual(Everything.attributes.labels, { type: 'set', items: 'string', required: true });
  t.is(Everything.fields.labels?.kind, 'stringSet');
  t.true(Everything.fields.labels?.containsSet);
  t.deepEqual(Everything.attributes.scores, { type: 'set', items: 'number', required: true });
  t.is(Everything.fields.scores?.kind, 'numberSet');
  t.deepEqual(Everything.attributes.states, { type: 'set', items: 'string', required: false }, 'a set of enum members is a string set');
  t.is(Everything.fields.blob?.kind, 'binary');
});

test('sets, binary and empty sets round-trip through toStored / fromStored (an empty set is stored as absent)', (t) => {
  const stored = Everything.toStored(validEverything());
  t.deepEqual(stored.labels, new Set(['x']));
  t.false(stored.scores !== undefined, 'DynamoDB cannot store an empty set: it is left out');
  t.deepEqual(stored.blob, new Uint8Array([1, 2, 3]));
  const back = Everything.fromStored(stored);
  t.deepEqual(back.labels, new Set(['x']));
  t.deepEqual(back.scores, new Set(), 'an absent set reads back as an empty set');
  t.deepEqual(back.blob, new Uint8Array([1, 2, 3]));
  const mixed = validationError(() => Everything.toStored({ ...validEverything(), labels: new Set(['a', 1]) }));
  t.deepEqual(
    mixed.issues.map((issue) => issue.path[0]),
    ['labels'],
  );
});

test('entities are versioned by default; timestamps add createdAt/updatedAt; versioned: false has no version', (t) => {
  const Plain = defineEntity({ name: 'plain', schema: z.object({ id: z.string() }), keys: { primary: { pk: ['id'] } } });
  t.true(Plain.versioned);
  t.false(Plain.timestamps);
  t.deepEqual(Plain.attributes.version, { type: 'number', required: true });
  t.false('createdAt' in Plain.attributes);
  t.deepEqual(User.attributes.createdAt, { type: 'string', required: true });
  t.deepEqual(User.attributes.updatedAt, { type: 'string', required: true });
  t.deepEqual(User.attributes.version, { type: 'number', required: true });
  t.false(Sequence.versioned);
  t.false('createdAt' in Sequence.attributes);
  t.false('version' in Sequence.attributes);
  const error = validationError(() => Plain.toStored({ id: 'a' }));
  t.deepEqual(
    error.issues.map((issue) => issue.path),
    [['version']],
    'a stored item of a versioned entity has its version',
  );
  t.deepEqual(Plain.toStored({ id: 'a', version: 1 }), { id: 'a', version: 1 });
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
  ['z.set() of booleans', z.set(z.boolean()), /sets hold strings or numbers/],
  ['z.set() of objects', z.set(z.object({ a: z.string() })), /sets hold strings or numbers/],
  ['z.map()', z.map(z.string(), z.number()), /Map/],
  ['z.custom()', z.custom<string>((value) => typeof value === 'string'), /custom|binary/],
  ['z.instanceof(Date)', z.instanceof(Date), /custom|binary/],
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
  const error = t.throws(withField(z.object({ title: z.string(), tags: z.map(z.string(), z.string()) })), { instanceOf: SchemaDefinitionError });
  t.regex(error?.message ?? '', /'bad\.tags'/);
  const nested = t.throws(
    () =>
      defineEntity({ name: 'broken', schema: z.object({ id: z.string(), meta: z.object({ tags: z.set(z.boolean()) }) }), keys: { primary: { pk: ['id'] } } }),
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
  const error = t.throws(() => defineEntity({ name: 'broken', schema: z.object({ id: z.string() }), keys: { primary: { pk: ['nope' as 'id'] } } }), {
    instanceOf: SchemaDefinitionError,
  });
  t.regex(error?.message ?? '', /'nope' is not a schema field/);
});

test('key fields must be strings, numbers, enums or dates: booleans, lists, maps, sets, binary and nullables are rejected', (t) => {
  const cases: [string, z.ZodType][] = [
    ['boolean', z.boolean()],
    ['list', z.array(z.string())],
    ['map', z.object({ a: z.string() })],
    ['set', z.set(z.string())],
    ['binary', z.instanceof(Uint8Array)],
    ['nullable string', z.string().nullable()],
    ['nullable date', z.date().nullable()],
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
      schema: z.object({ id: z.string(), n: z.int(), state: z.enum(['a', 'b']), at: z.date() }),
      keys: { primary: { pk: ['id', 'state'], sk: ['n'] }, byDate: { index: 'gsi1', pk: ['state'], sk: ['at'] } },
    }),
  );
});

test('a date key attribute is stored as its ISO string in the key (so keys sort by time)', (t) => {
  const Dated = defineEntity({ name: 'datedKey', schema: z.object({ id: z.string(), at: z.date() }), keys: { primary: { pk: ['id'], sk: ['at'] } } });
  t.is(Dated.fields.at?.kind, 'date');
  t.deepEqual(Dated.attributes.at, { type: 'string', required: true });
  const stored = Dated.toStored({ id: 'a', at: new Date('2026-03-04T05:06:07.089Z'), version: 1 });
  t.is(stored.at, '2026-03-04T05:06:07.089Z');
  t.true((Dated.fromStored(stored).at as Date) instanceof Date);
});

test('primary key fields cannot be optional, but a GSI key field can (sparse index)', (t) => {
  const error = t.throws(() => defineEntity({ name: 'broken', schema: z.object({ id: z.string().optional() }), keys: { primary: { pk: ['id'] } } }), {
    instanceOf: SchemaDefinitionError,
  });
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

test('an example with a bad key value (empty id) is rejected when the table builds its keys', (t) => {
  const entity = defineEntity({ name: 'example', schema: z.object({ id: z.string() }), keys: { primary: { pk: ['id'] } }, example: { id: '' } });
  t.throws(() => defineTable({ name: 'examples', entities: { example: entity } }), { instanceOf: SchemaDefinitionError, message: /example.*id/s });
});

test('the ttl option must name a number field', (t) => {
  t.throws(() => defineEntity({ name: 'expiring', schema: z.object({ id: z.string(), ttl: z.string() }), keys: { primary: { pk: ['id'] } }, ttl: 'ttl' }), {
    instanceOf: SchemaDefinitionError,
    message: /ttl/,
  });
});

test('entity names must be alphanumeric (they become part of every key)', (t) => {
  t.throws(() => defineEntity({ name: 'my-entity', schema: z.object({ id: z.string() }), keys: { primary: { pk: ['id'] } } }), {
    instanceOf: SchemaDefinitionError,
  });
});

// ---------------------------------------------------------------------------------------------
// unique / hidden / readOnly declarations are checked at definition time

const declared = (options: { unique?: Record<string, true | { normalise: (value: string) => string }>; hidden?: string[]; readOnly?: string[] }) => () =>
  defineEntity({
    name: 'declared',
    schema: z.object({
      id: z.string(),
      email: z.string(),
      rank: z.int(),
      tier: z.enum(['free', 'paid']),
      token: z.string().optional(),
      nickname: z.string().nullable(),
      flags: z.array(z.string()),
      active: z.boolean(),
      at: z.date(),
      createdBy: z.string(),
    }),
    keys: { primary: { pk: ['id'] }, byTier: { index: 'gsi1', pk: ['tier'], sk: ['rank'] } },
    timestamps: true,
    // The options are typed by the schema's field names; these tests pass names the types refuse.
    ...(options as object),
  });

test('valid declarations: unique (strings, numbers, enums), hidden optional fields, readOnly fields', (t) => {
  const entity = declared({
    unique: { email: { normalise: (value) => value.trim().toLowerCase() }, rank: true, tier: true },
    hidden: ['token'],
    readOnly: ['createdBy', 'email'],
  })();
  t.deepEqual(
    entity.uniqueFields.map((unique) => unique.field),
    ['email', 'rank', 'tier'],
  );
  t.is(entity.uniqueFields[0]?.normalise(' Ada@Example.COM '), 'ada@example.com');
  t.is(entity.uniqueFields[1]?.normalise(42), '42');
  t.deepEqual(entity.hiddenFields, ['token']);
  // readOnly: the declared fields, the id attributes and createdAt.
  t.deepEqual([...entity.readOnlyFields].sort(), ['createdAt', 'createdBy', 'email', 'id']);
  t.deepEqual(User.hiddenFields, ['refreshTokenHash']);
  t.deepEqual(
    User.uniqueFields.map((unique) => unique.field),
    ['email'],
  );
});

const badDeclarations: [string, Parameters<typeof declared>[0], RegExp][] = [
  ['a hidden field that is required', { hidden: ['email'] }, /hidden field 'email' must be optional/],
  ['a hidden id attribute', { hidden: ['id'] }, /hidden field 'id' is a key attribute/],
  ['a hidden required secondary-index key', { hidden: ['rank'] }, /hidden field 'rank' must be optional/],
  ['an unknown hidden field', { hidden: ['password'] }, /hidden field 'password' is not a schema field/],
  ['a managed field as hidden', { hidden: ['updatedAt'] }, /hidden field 'updatedAt' is not a schema field/],
  ['a unique boolean', { unique: { active: true } }, /unique field 'active' must be a string, number or enum/],
  ['a unique list', { unique: { flags: true } }, /unique field 'flags' must be a string, number or enum/],
  ['a unique date', { unique: { at: true } }, /unique field 'at' must be a string, number or enum/],
  ['a unique nullable string', { unique: { nickname: true } }, /unique field 'nickname' must be a string, number or enum/],
  ['an unknown unique field', { unique: { phone: true } }, /unique field 'phone' is not a schema field/],
  ['a managed field as unique', { unique: { version: true } }, /unique field 'version' is not a schema field/],
  ['a field both hidden and unique', { unique: { token: true }, hidden: ['token'] }, /'token' cannot be both hidden and unique/],
  ['an unknown readOnly field', { readOnly: ['owner'] }, /readOnly field 'owner' is not a schema field/],
  ['a managed field as readOnly', { readOnly: ['createdAt'] }, /readOnly field 'createdAt' is not a schema field/],
];

for (const [label, options, message] of badDeclarations) {
  test(`declarations: ${label} is a SchemaDefinitionError naming the field`, (t) => {
    const error = t.throws(declared(options), { instanceOf: SchemaDefinitionError });
    t.regex(error?.message ?? '', message);
    t.regex(error?.message ?? '', /Entity 'declared'/);
  });
}
