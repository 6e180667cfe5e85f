/**
 * defineEntity's validation: toStored (defaults, unknown fields, every issue named), key checks
 * (empty values, forged composites, number keys) and dates. Pure unit tests: nothing here talks to
 * DynamoDB.
 */
import test from 'ava';
import fc from 'fast-check';
import { z } from 'zod';
import { defineEntity, defineTable, RepositoryError, type EntityDefinition } from '../src/index.ts';
import { Change, Sequence, User } from '../src/services/index.ts';
import { buildElectro, KeyBuilder, type TableLayout } from '../src/table/index.ts';
import { AppTable } from '../entities/index.ts';
import { Everything, validationError, validEverything } from './support/schema-fixtures.ts';

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
  t.deepEqual(
    error.issues.map((issue) => issue.path),
    [['flag']],
  );
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
// key checks: done once, where keys are built (the table's KeyBuilder)

/** The key builder of one entity of a table, compiled from ElectroDB's model as a bound table does. */
function keysOf(layout: TableLayout, entity: EntityDefinition): KeyBuilder {
  const electro = buildElectro(layout, 'schema-test').entities[entity.name];
  if (!electro) throw new Error(`no ElectroDB model of ${entity.name}`);
  return new KeyBuilder(
    entity,
    layout.patterns.filter((pattern) => pattern.entity === entity.name),
    electro,
  );
}
const checkFails = (keys: KeyBuilder, values: Record<string, unknown>, fields: string[]) => validationError(() => keys.check(values, fields));

const changeKeys = keysOf(AppTable, Change);
const changeElectro = buildElectro(AppTable, 'schema-test').entities.change;

/** The gsi1 (entityHistory) partition key ElectroDB builds for a change. */
function historyKey(projectId: string, entityType: string, entityId: string): string {
  const params = changeElectro?.put({ ...Change.example, projectId, entityType, entityId }).params() as { Item: Record<string, unknown> };
  return String(params.Item.gsi1pk);
}

test('an empty key string is rejected', (t) => {
  const error = checkFails(changeKeys, { projectId: '' }, ['projectId']);
  t.deepEqual(
    error.issues.map((issue) => issue.path),
    [['projectId']],
  );
  t.regex(error.message, /empty/);
});

test("a value that could forge another key of a multi-composite key ('#entityType_') is rejected", (t) => {
  // Two different tuples, one ElectroDB key: this is what the check prevents.
  t.is(historyKey('a#entityType_b', 'c', 'd'), historyKey('a', 'b#entityType_c', 'd'));
  const fields = ['projectId', 'entityType', 'entityId'];
  const forged = checkFails(changeKeys, { projectId: 'a#entityType_b', entityType: 'c', entityId: 'd' }, fields);
  t.deepEqual(
    forged.issues.map((issue) => issue.path),
    [['projectId']],
  );
  t.regex(forged.message, /#entityType_/);
  const other = checkFails(changeKeys, { projectId: 'p', entityType: 'b#entityId_c', entityId: 'd' }, fields);
  t.deepEqual(
    other.issues.map((issue) => issue.path),
    [['entityType']],
  );
  const earlier = checkFails(changeKeys, { projectId: 'p', entityType: 'c', entityId: 'x#projectId_y' }, fields);
  t.deepEqual(
    earlier.issues.map((issue) => issue.path),
    [['entityId']],
  );
});

test("'#' and '$' alone are allowed in a multi-composite key value (change.projectId 'a#b')", (t) => {
  // Only '#<label>_' can forge a key, so 'a#b' is accepted.
  t.notThrows(() => changeKeys.check({ projectId: 'a#b', entityType: 'x$y', entityId: '#' }, ['projectId', 'entityType', 'entityId']));
});

test("'#' and label sequences are allowed in a single-composite key (sequence.projectId)", (t) => {
  const sequenceKeys = keysOf(AppTable, Sequence);
  t.notThrows(() => sequenceKeys.check({ projectId: 'a#projectId_b' }, ['projectId']));
  t.is(sequenceKeys.primaryKey({ projectId: 'a#projectId_b' }).pk, '$tablekit#projectId_a#projectId_b');
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
        changeKeys.check({ projectId, entityType, entityId }, ['projectId', 'entityType', 'entityId']);
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

test('the same rules hold for ids and query composites', (t) => {
  t.throws(() => changeKeys.check({ projectId: 'x#entityType_y', entityType: 'doc' }, ['projectId', 'entityType']), { instanceOf: RepositoryError });
  t.throws(() => changeKeys.check({ projectId: '', entityType: 'doc' }, ['projectId', 'entityType']), { instanceOf: RepositoryError });
  t.notThrows(() => changeKeys.check({ projectId: 'x#y', entityType: 'doc' }, ['projectId', 'entityType']));
});

const Numbered = defineEntity({
  name: 'numbered',
  schema: z.object({ id: z.string(), n: z.number(), size: z.number() }),
  keys: { primary: { pk: ['id'], sk: ['n'] } },
  versioned: false,
});
const NumberedTable = defineTable({ name: 'numbered', entities: { numbered: Numbered } });

test('number key composites must be non-negative safe integers', (t) => {
  const keys = keysOf(NumberedTable, Numbered);
  t.notThrows(() => keys.check({ id: 'a', n: 0 }, ['id', 'n']));
  t.notThrows(() => keys.check({ id: 'a', n: Number.MAX_SAFE_INTEGER }, ['id', 'n']));
  t.notThrows(() => Numbered.toStored({ id: 'a', n: 1, size: -1.5 }), 'a non-key number may be anything');
  for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
    const error = checkFails(keys, { id: 'a', n: bad }, ['id', 'n']);
    t.deepEqual(
      error.issues.map((issue) => issue.path),
      [['n']],
      String(bad),
    );
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
    versioned: false,
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
  t.deepEqual(
    error.issues.map((issue) => issue.path),
    [['at']],
  );
});
