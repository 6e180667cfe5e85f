/**
 * Migrations on DynamoDB Local and on the in-memory twin: a v1 → v2 step moves every item
 * exactly once and records it; a dry run writes nothing; concurrent application writes are
 * never overwritten; while a migration is half done, the entity API bound with `migrating` sees
 * every item; a backfill writes the keys of a new access pattern.
 */
import test from 'ava';
import { z } from 'zod';
import { defineEntity, defineMigration, defineTable, isRepositoryError, migrate, migrationStatus } from '../../src/index.ts';
import { inMemory } from '../../src/testing.ts';
import { backends, openTable } from '../support/db.ts';
import { Note, NotesTable, NotesTableV1, noteV1toV2 } from './fixtures.ts';
import { intercepted, noteInput, notesAtV1, versions, wordsOf } from './support.ts';

for (const backend of backends) {
  test(`${backend}: v1 → v2 moves every item exactly once, keeps its version and times, and a rerun does nothing`, async (t) => {
    const count = 60;
    const { table, connection, dispose } = await notesAtV1(backend, 'migrate-basic', count);
    t.teardown(dispose);
    const before = await versions(connection, table.tableName);
    t.is(before.v1.length, count);
    t.is((await table.entities.note.query()).length, 0, 'v2 sees nothing before the migration');

    const progress: number[] = [];
    const report = await migrate(table, [noteV1toV2], { segments: 3, pageSize: 10, batchSize: 7, onProgress: (p) => progress.push(p.migrated) });
    const [result] = report.migrations;
    t.like(result, { name: 'note.v1-v2', status: 'ran', resumed: false, scanned: count, migrated: count, skipped: 0, failed: 0, segments: 3 });
    t.true(progress.length > 1 && progress.at(-1) === count, 'progress reported along the way');

    const after = await versions(connection, table.tableName);
    t.is(after.v1.length, 0, 'nothing left at v1');
    t.is(after.v2.length, count);
    const old = new Map(before.v1.map((item) => [item.noteId, item]));
    for (const item of after.v2) {
      const was = old.get(item.noteId);
      t.is(item.words, wordsOf(item.body));
      t.like(item, { version: was?.version, createdAt: was?.createdAt, updatedAt: was?.updatedAt, body: was?.body });
    }
    t.is((await table.entities.note.find.byAuthor({ author: 'author-1' })).items.length, count / 3, 'the GSI keys are at v2 too');

    t.like((await migrate(table, [noteV1toV2])).migrations[0], { status: 'already', migrated: count });
    t.deepEqual(await migrationStatus(table, [noteV1toV2]), [{ name: 'note.v1-v2', status: 'done' }]);
  });

  test(`${backend}: a dry run reports what would change and writes nothing`, async (t) => {
    const { table, connection, dispose } = await notesAtV1(backend, 'migrate-dry', 12);
    t.teardown(dispose);
    const before = await versions(connection, table.tableName);
    const report = await migrate(table, [noteV1toV2], { dryRun: true, segments: 2 });
    const [result] = report.migrations;
    t.like(result, { status: 'dryRun', scanned: 12, migrated: 12, failed: 0 });
    t.is(result?.examples.length, 3);
    const example = result?.examples[0];
    t.is(example?.after.words, wordsOf(String(example?.before.body)));
    t.deepEqual(await versions(connection, table.tableName), before, 'no item changed');
    t.deepEqual(await migrationStatus(table, [noteV1toV2]), [{ name: 'note.v1-v2', status: 'pending' }], 'no state written');
  });

  test(`${backend}: application writes during the migration are never overwritten`, async (t) => {
    const count = 20;
    const { table, connection, dispose } = await notesAtV1(backend, 'migrate-concurrent', count);
    t.teardown(dispose);
    const oldCode = NotesTableV1.bind(connection, { tableName: table.tableName }).entities.note;
    const newCode = table.entities.note;
    let patched = '';
    let created = '';
    // Before the first transaction lands: the old code patches one of its items, the new code writes another at v2.
    const target = intercepted(table, async (call, items) => {
      if (call !== 1) return;
      const ids = items.flatMap((item) => ('put' in item && typeof item.put.item.noteId === 'string' ? [item.put.item.noteId] : []));
      [patched = '', created = ''] = ids;
      await oldCode.patch(patched, { set: { body: 'changed by the old code while migrating' } });
      await newCode.create({ noteId: created, author: 'new-code', body: 'written at v2 by the application', words: 999 });
    });
    const [result] = (await migrate(target, [noteV1toV2], { segments: 1, batchSize: 5 })).migrations;
    t.like(result, { status: 'ran', migrated: count - 1, skipped: 1, failed: 0, scanned: count });
    const after = await versions(connection, table.tableName);
    t.is(after.v1.length, 0);
    t.is(after.v2.length, count);
    const byId = new Map(after.v2.map((item) => [item.noteId, item]));
    t.like(byId.get(patched), { body: 'changed by the old code while migrating', words: 7, version: 2 }, 'the concurrent patch is moved, not lost');
    t.like(byId.get(created), { author: 'new-code', words: 999, version: 1 }, 'the application write of v2 wins');
  });

  test(`${backend}: while a migration is half done, reads see every item once and writes move their item`, async (t) => {
    const count = 30;
    const { table, connection, dispose } = await notesAtV1(backend, 'migrate-reads', count);
    t.teardown(dispose);
    // A run that stops after two transactions: some notes at v2, the rest at v1.
    const crashing = intercepted(table, (call) => {
      if (call === 3) throw new Error('the process died');
    });
    await t.throwsAsync(migrate(crashing, [noteV1toV2], { segments: 1, batchSize: 4, concurrency: 1 }), { message: 'the process died' });
    const half = await versions(connection, table.tableName);
    t.is(half.v2.length, 8);
    t.is(half.v1.length, count - 8);

    const during = NotesTable.bind(connection, { tableName: table.tableName, migrating: [noteV1toV2] });
    const notes = during.entities.note;
    const all = await notes.query();
    t.is(all.length, count, 'query() sees both versions');
    t.is(new Set(all.map((note) => note.noteId)).size, count, 'each item once');
    t.true(
      all.every((note) => note.words === wordsOf(note.body)),
      'old items are read upgraded',
    );
    const oldId = half.v1[0]?.noteId ?? '';
    const newId = half.v2[0]?.noteId ?? '';
    t.is((await notes.get(oldId)).words, wordsOf(half.v1[0]?.body ?? ''));
    t.is((await notes.get(newId)).noteId, newId);
    const many = await notes.getMany([oldId, newId, 'note-9999']);
    t.deepEqual(many.items.map((note) => note.noteId).sort(), [newId, oldId].sort());
    t.deepEqual(many.missing, ['note-9999']);
    const paged: string[] = [];
    for await (const page of notes.paginate({ pattern: 'byAuthor', key: { author: 'author-1' } }, { limit: 4 }))
      paged.push(...page.items.map((note) => note.noteId));
    t.deepEqual(
      paged.sort(),
      all
        .filter((note) => note.author === 'author-1')
        .map((note) => note.noteId)
        .sort(),
      'a paged query visits every item',
    );
    const filtered = await notes.query({ pattern: 'byAuthor', key: { author: 'author-2' } }, { where: { words: { gte: 3 } } });
    t.deepEqual(
      filtered.map((note) => note.noteId).sort(),
      all
        .filter((note) => note.author === 'author-2' && note.words >= 3)
        .map((note) => note.noteId)
        .sort(),
    );

    // A single-item write moves its item first.
    const patched = await notes.patch(oldId, { set: { body: 'patched during the migration' } });
    t.like(patched, { words: wordsOf(half.v1[0]?.body ?? ''), body: 'patched during the migration' });
    const create = await notes.create({ ...noteInput(Number(half.v1[1]?.noteId.slice(5))), words: 1 }).catch((error: unknown) => error);
    t.true(isRepositoryError(create, 'alreadyExists'), 'create of an id stored at v1 is alreadyExists');

    const [result] = (await migrate(table, [noteV1toV2], { segments: 1 })).migrations;
    t.like(result, { status: 'ran', resumed: true, scanned: count - 2, failed: 0 });
    t.is((result?.migrated ?? 0) + (result?.skipped ?? 0), count - 2, 'the rest, once: the patched and the re-created one were moved by their writes');
    const after = await versions(connection, table.tableName);
    t.is(after.v1.length, 0);
    t.is(after.v2.length, count);
    t.is(after.v2.find((note) => note.noteId === oldId)?.body, 'patched during the migration');
  });

  test(`${backend}: a backfill writes the keys of a new access pattern and nothing else`, async (t) => {
    const schema = z.object({ taskId: z.string(), owner: z.string(), title: z.string() });
    const TaskBefore = defineEntity({ name: 'task', schema, keys: { primary: { pk: ['taskId'], sk: [] } } });
    const Task = defineEntity({
      name: 'task',
      schema,
      keys: { primary: { pk: ['taskId'], sk: [] }, byOwner: { index: 'gsi1', pk: ['owner'], sk: ['taskId'] } },
    });
    const Tasks = defineTable({ name: 'tasks', entities: { task: Task } });
    const { table, connection, dispose } = await openTable(backend, Tasks, 'migrate-backfill');
    t.teardown(dispose);
    const before = defineTable({ name: 'tasks', entities: { task: TaskBefore } }).bind(connection, { tableName: table.tableName });
    await before.entities.task.saveAll(Array.from({ length: 15 }, (_, n) => ({ taskId: `t${n}`, owner: `o${n % 2}`, title: `task ${n}` })));
    await table.entities.task.create({ taskId: 't-new', owner: 'o1', title: 'written with the pattern' });
    t.is((await table.entities.task.find.byOwner({ owner: 'o1' })).items.length, 1, 'old items lack the new keys');

    const backfill = defineMigration({ backfill: Task });
    t.is(backfill.name, 'task.v1.backfill(byOwner)');
    const [result] = (await migrate(table, [backfill], { segments: 2 })).migrations;
    t.like(result, { status: 'ran', type: 'backfill', scanned: 16, migrated: 15, skipped: 1 });
    const o1 = await table.entities.task.query({ pattern: 'byOwner', key: { owner: 'o1' } });
    t.is(o1.length, 8);
    t.deepEqual((await table.entities.task.get('t3')).title, 'task 3', 'attributes unchanged');
    t.like((await migrate(table, [backfill])).migrations[0], { status: 'already' });
  });
}

test('migrating: a step that does not end at the table version is refused at bind', (t) => {
  const NoteV3 = defineEntity({ name: 'note', version: 3, schema: Note.schema, keys: { primary: { pk: ['noteId'], sk: [] } }, timestamps: true });
  const Later = defineTable({ name: 'notes', entities: { note: NoteV3 } });
  t.throws(() => Later.bind(inMemory(), { migrating: [noteV1toV2] }), { message: /note is at v3/ });
});
