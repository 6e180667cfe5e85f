/**
 * Bad input to migrations: a chain with a gap or a cycle, two migrations for one step, a key
 * change, an up() that throws, returns an invalid item or changes the id, a --module without a
 * table. Each is a clear error, a non-zero exit from the CLI, and nothing written.
 */
import test from 'ava';
import { z } from 'zod';
import {
  defineEntity,
  defineMigration,
  defineTable,
  isMigrationError,
  migrate,
  MigrationError,
  migrationStatus,
  SchemaDefinitionError,
} from '../../src/index.ts';
import { inMemory } from '../../src/testing.ts';
import { runCaptured } from '../support/process.ts';
import { NotesTable, NotesTableV1, noteV1toV2 } from './fixtures.ts';
import { notesAtV1, versions } from './support.ts';

const root = new URL('../..', import.meta.url).pathname;
const schema = z.object({ id: z.string(), n: z.int().default(0) });
const keys = { primary: { pk: ['id'], sk: [] } } as const;
const thing = (version: number) => defineEntity({ name: 'thing', version, schema, keys });
const [V1, V2, V3, V4] = [thing(1), thing(2), thing(3), thing(4)];
const step = (from: typeof V1, to: typeof V1, name?: string) => defineMigration({ from, to, up: (item) => item, ...(name ? { name } : {}) });
const tableAt = (entity: typeof V1) => defineTable({ name: 'things', entities: { thing: entity } }).bind(inMemory());

async function refused(t: import('ava').ExecutionContext, entity: typeof V1, migrations: Parameters<typeof migrate>[1], message: RegExp) {
  const table = tableAt(entity);
  await table.ensure();
  const error = await t.throwsAsync(migrate(table, migrations), { instanceOf: MigrationError, message });
  t.is(error?.code, 'invalidPlan');
  t.is(table.storage.kind === 'memory' ? (await table.describe())?.itemCount : 0, 0, 'nothing written');
}

test('a chain with a gap is refused', async (t) => {
  await refused(t, V4, [step(V1, V2), step(V3, V4)], /gap: nothing migrates v2 to v3/);
  await refused(t, V4, [step(V1, V2)], /end at v2, but the table's thing is v4 \(a gap: nothing migrates v2 to v4\)/);
});

test('a cycle is refused', async (t) => {
  await refused(t, V2, [step(V1, V2), step(V2, V1, 'thing.back')], /cycle: v1 → v2 → v1/);
});

test('two migrations for the same step, or with the same name, are refused', async (t) => {
  await refused(t, V2, [step(V1, V2), step(V1, V2, 'thing.again')], /two migrations for the same step of thing from v1/);
  await refused(t, V2, [step(V1, V2), step(V1, V2)], /two migrations are named 'thing.v1-v2'/);
});

test('a backfill of another version, an unknown entity, a non-migration are refused', async (t) => {
  await refused(t, V2, [defineMigration({ backfill: V1 })], /backfills thing v1, but the table's thing is v2/);
  const Other = defineEntity({ name: 'other', version: 2, schema, keys });
  await refused(
    t,
    V2,
    [defineMigration({ from: defineEntity({ name: 'other', schema, keys }), to: Other, up: (item) => item })],
    /the table has no entity 'other'/,
  );
  await refused(t, V2, [{ name: 'x' } as never], /is not a migration/);
});

test('defineMigration refuses steps that are not steps', (t) => {
  t.throws(() => defineMigration({ from: V1, to: V1, up: (item) => item }), { instanceOf: SchemaDefinitionError, message: /does not change the version/ });
  const Other = defineEntity({ name: 'other', version: 2, schema, keys });
  t.throws(() => defineMigration({ from: V1, to: Other, up: (item) => item }), { message: /one entity/ });
});

test('a step that changes the primary key is refused before anything is read', async (t) => {
  const Renamed = defineEntity({ name: 'thing', version: 2, schema: z.object({ key: z.string(), n: z.int() }), keys: { primary: { pk: ['key'], sk: [] } } });
  const table = defineTable({ name: 'things', entities: { thing: Renamed } }).bind(inMemory());
  await table.ensure();
  await t.throwsAsync(migrate(table, [defineMigration({ from: V1, to: Renamed, up: (item) => ({ key: item.id, n: item.n }) })]), {
    instanceOf: MigrationError,
    message: /the primary key changes \(id → key\); a migration cannot change an item's identity/,
  });
});

for (const [poison, pattern, path] of [
  ['throw', /up\(\) threw: cannot count the words of note-0005/, []],
  ['invalid', /words: Too small/, ['words']],
  ['identity', /noteId: up\(\) changed the item's identity/, ['noteId']],
] as const) {
  test(`an up() that ${poison === 'throw' ? 'throws' : poison === 'invalid' ? 'returns an invalid item' : 'changes the id'} stops with the key and the issues; nothing is half-written`, async (t) => {
    const { old, table, connection, dispose } = await notesAtV1('memory', `migrate-${poison}`, 12);
    t.teardown(dispose);
    await old.entities.note.patch('note-0005', { set: { poison } });
    const error = await t.throwsAsync(migrate(table, [noteV1toV2], { segments: 1, pageSize: 3, batchSize: 2, concurrency: 1 }), {
      instanceOf: MigrationError,
      message: pattern,
    });
    t.true(isMigrationError(error));
    t.is(error?.code, 'invalidItem');
    t.deepEqual(error?.key, { pk: '$tablekit#noteId_note-0005', sk: '$note_1' });
    t.deepEqual(
      error?.issues.map((issue) => issue.path),
      [path],
    );
    const state = await versions(connection, table.tableName);
    const ids = [...state.v1, ...state.v2].map((note) => note.noteId).sort();
    t.deepEqual(
      ids,
      Array.from({ length: 12 }, (_, n) => `note-${String(n).padStart(4, '0')}`),
      'every note exactly once, at one version',
    );
    t.true(
      state.v1.some((note) => note.noteId === 'note-0005'),
      'the bad item stays at v1',
    );
    // Pages before the bad item's were written; its page was validated first and not written.
    t.true(state.v2.length > 0 && state.v2.every((note) => note.noteId < 'note-0005'), state.v2.map((note) => note.noteId).join());
  });
}

test('a dry run lists the items up() rejects instead of stopping', async (t) => {
  const { old, table, connection, dispose } = await notesAtV1('memory', 'migrate-dry-reject', 6);
  t.teardown(dispose);
  await old.entities.note.patch('note-0002', { set: { poison: 'invalid' } });
  const [result] = (await migrate(table, [noteV1toV2], { dryRun: true })).migrations;
  t.like(result, { status: 'dryRun', migrated: 5, failed: 1 });
  t.deepEqual(
    result?.rejected.map((item) => item.key),
    [{ pk: '$tablekit#noteId_note-0002', sk: '$note_1' }],
  );
  t.is((await versions(connection, table.tableName)).v2.length, 0);
  t.deepEqual(await migrationStatus(table, [noteV1toV2]), [{ name: 'note.v1-v2', status: 'pending' }]);
});

const cli = (args: string[]) =>
  runCaptured(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'migrate', ...args], {
    cwd: root,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });

test('tablekit migrate: a module without a table, or with a gap, exits non-zero with one clear line before connecting', async (t) => {
  const [noTable, gap] = await Promise.all([cli(['--module', 'test/migrate/modules/no-table.ts']), cli(['--module', 'test/migrate/modules/gap.ts'])]);
  t.is(noTable.code, 1);
  t.is(noTable.stderr.trim(), 'tablekit: test/migrate/modules/no-table.ts exports no table definition (defineTable(...))');
  t.is(gap.code, 1);
  t.regex(gap.stderr, /^tablekit: the migrations of thing have a gap: nothing migrates v2 to v3/);
  t.notRegex(gap.stderr, /embedded DynamoDB Local/, 'nothing was started or written');
});

test('the tables of the fixtures are what the tests expect', (t) => {
  t.is(NotesTable.entities.note.version, 2);
  t.is(NotesTableV1.entities.note.version, 1);
});
