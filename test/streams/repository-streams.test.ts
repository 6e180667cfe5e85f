/**
 * repository.stream() / streamQuery() on DynamoDB Local (records really come from DynamoDB
 * Streams): a subscriber joining while 500 writes are in flight sees every later write exactly
 * once in per-item order; query streams with a pattern and a filter emit full fresh results;
 * other entities never leak in; dispose() completes open streams, stops polling, and a process
 * that subscribed, wrote, disposed and closed its store exits on its own.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { connect, createRepository, InMemoryRepository, type InferItem, type Repository } from '../../src/index.ts';
import { streamReaderFor } from '../../src/streams/index.ts';
import { AppTable } from '../../entities/index.ts';
import { openTestTable, uniqueTableName, type TestTable } from '../support/db.ts';
import { Note, note, StreamTable, Tag } from './entities.ts';
import { range, record, unsubscribeAll, within, type Recorder, eventually, sleep } from './support.ts';

type NoteItem = InferItem<typeof Note>;

const opened: TestTable<(typeof StreamTable)['entities']>[] = [];
const childTables: string[] = [];
const repositories: Repository<typeof Note | typeof Tag>[] = [];

/** A fresh stream-enabled table with a note and a tag repository; disposed in after.always. */
async function fixture(label: string) {
  const handle = await openTestTable(StreamTable, label);
  opened.push(handle);
  const notes = createRepository(Note, { table: handle.table });
  const tags = createRepository(Tag, { table: handle.table });
  repositories.push(notes, tags);
  return { ...handle, notes, tags, reader: () => streamReaderFor(handle.connection.client, handle.table.tableName) };
}

test.after.always(async () => {
  unsubscribeAll();
  for (const repository of repositories) await repository.dispose();
  for (const handle of opened) await handle.dispose().catch(() => undefined);
  if (childTables.length > 0) {
    const connection = await connect();
    for (const tableName of childTables) await AppTable.bind(connection, { tableName }).delete().catch(() => undefined);
    await connection.close();
  }
});


const versions = (recorder: Recorder<NoteItem>) => recorder.values.map((item) => item.version);
const sortById = (items: readonly NoteItem[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

test('a subscriber joining while 500 writes are in flight sees every later write exactly once, in per-item order', async (t) => {
  const { notes } = await fixture('repo-500');
  const ids = range(0, 4).map((index) => `item-${index}`);
  await notes.addAll(ids.map((id) => ({ id, object: note(id) })));
  const UPDATES = 100;
  const FINAL = UPDATES + 1;

  let written = 0;
  const writers = ids.map(async (id) => {
    for (let step = 1; step <= UPDATES; step++) {
      await notes.update(id, (current) => ({ ...current, n: current.n + 1, title: `${id} #${step}` }));
      written++;
    }
  });
  const writing = Promise.all(writers);
  writing.catch(() => undefined);

  // Join while the writers are busy: per-item streams and a query stream after ~100 writes, another query stream after ~300.
  await eventually(() => written >= 100, '100 writes');
  const singles = ids.map((id) => record(notes.stream(id)));
  const all = record(notes.streamQuery());
  await eventually(() => written >= 300, '300 writes');
  const late = record(notes.streamQuery());
  await Promise.all([...singles.map((single) => single.count(1)), all.count(1), late.count(1)]);
  const writtenAtJoin = written;
  await writing;
  t.is(written, 500);
  t.true(writtenAtJoin < 500, 'the subscribers joined while writes were still in flight');

  // Per-item streams: first the current value, then every later version exactly once, ending at the final one.
  await Promise.all(singles.map((single, index) => single.until((r) => r.last?.version === FINAL, `${ids[index]} at version ${FINAL}`)));
  for (const [index, single] of singles.entries()) {
    const seen = versions(single);
    const first = seen[0] ?? 0;
    t.deepEqual(seen, range(first, FINAL), `${ids[index]}: versions strictly +1 from the first emission (${first}) to ${FINAL}`);
    for (const item of single.values) {
      t.is(item.n, item.version - 1, 'each emission carries the write of its version');
      t.is(item.id, ids[index] ?? '?');
    }
    t.false(single.ended);
    t.is(single.lateCalls, 0);
  }

  // Query streams: full results; between consecutive emissions exactly one item moved up by exactly one version.
  const final = () => (r: Recorder<NoteItem[]>) => r.last?.length === ids.length && r.last.every((item) => item.version === FINAL);
  await Promise.all([all.until(final(), 'all items final'), late.until(final(), 'all items final (late subscriber)')]);
  for (const [label, stream] of [
    ['joined at ~100', all],
    ['joined at ~300', late],
  ] as const) {
    const snapshots = stream.values.map((items) => new Map(items.map((item) => [item.id, item.version])));
    let steps = 0;
    for (let index = 1; index < snapshots.length; index++) {
      const before = snapshots[index - 1] as Map<string, number>;
      const after = snapshots[index] as Map<string, number>;
      const moved = ids.filter((id) => after.get(id) !== before.get(id));
      if (moved.length !== 1 || (after.get(moved[0] as string) ?? 0) !== (before.get(moved[0] as string) ?? 0) + 1) {
        t.fail(`${label}: emission ${index} changed ${JSON.stringify(moved.map((id) => [id, before.get(id), after.get(id)]))}`);
        break;
      }
      steps++;
    }
    const initial = snapshots[0] as Map<string, number>;
    t.is(initial.size, ids.length, `${label}: the first emission is the full current result`);
    const expectedSteps = ids.reduce((sum, id) => sum + (FINAL - (initial.get(id) ?? FINAL)), 0);
    t.is(steps, expectedSteps, `${label}: one emission per write after the initial result`);
    t.is(stream.values.length, expectedSteps + 1);
    t.true(stream.values.every((items) => items.length === ids.length));
  }
  for (const recorder of [...singles, all, late]) recorder.unsubscribe();
});

test('streamQuery with a pattern and a where filter emits the full fresh result after each relevant change', async (t) => {
  const { notes } = await fixture('repo-query');
  const query = { pattern: 'byOwner', key: { owner: 'alice' }, where: { priority: { gte: 5 } } } as const;
  await notes.addAll([
    { id: 'a1', object: note('a1', { owner: 'alice', priority: 7 }) },
    { id: 'a2', object: note('a2', { owner: 'alice', priority: 1 }) },
    { id: 'b1', object: note('b1', { owner: 'bob', priority: 9 }) },
  ]);
  const asc = record(notes.streamQuery(query));
  const desc = record(notes.streamQuery({ ...query, order: 'desc' }));
  const ids = (items: readonly NoteItem[] | undefined) => (items ?? []).map((item) => item.id);
  const expectStep = async (count: number, expected: string[], label: string) => {
    await Promise.all([asc.count(count), desc.count(count)]);
    t.deepEqual(ids(asc.values[count - 1]), expected, label);
    t.deepEqual(ids(desc.values[count - 1]), [...expected].reverse(), `${label} (desc)`);
    t.deepEqual(asc.values[count - 1], await notes.query(query), `${label}: equals a fresh query()`);
  };

  await expectStep(1, ['a1'], 'initial result');
  await notes.add({ id: 'a3', object: note('a3', { owner: 'alice', priority: 5 }) });
  await expectStep(2, ['a1', 'a3'], 'a matching add');
  await notes.add({ id: 'b2', object: note('b2', { owner: 'bob', priority: 8 }) }); // other partition: nothing
  await notes.update('a2', (current) => ({ ...current, priority: 2 })); // still filtered out: nothing
  await notes.update('a2', (current) => ({ ...current, priority: 9 }));
  await expectStep(3, ['a1', 'a2', 'a3'], 'an item updated into the filter');
  await notes.update('a1', (current) => ({ ...current, priority: 0 }));
  await expectStep(4, ['a2', 'a3'], 'an item updated out of the filter');
  await notes.update('b1', (current) => ({ ...current, owner: 'alice' }));
  await expectStep(5, ['a2', 'a3', 'b1'], 'an item moved into the pattern key');
  await notes.delete('a3');
  await expectStep(6, ['a2', 'b1'], 'a deletion');
  const retitled = await notes.update('a2', (current) => ({ ...current, title: 'retitled' }));
  await expectStep(7, ['a2', 'b1'], 'an update inside the result');
  t.deepEqual(asc.values[6]?.[0], retitled, 'the result carries the fresh item');
  t.is(asc.values.length, 7, 'no emission for changes outside the query');
  t.is(desc.values.length, 7);
  asc.unsubscribe();
  desc.unsubscribe();
});

test("items of other entities in the same table never reach an entity's streams", async (t) => {
  const { notes, tags } = await fixture('repo-entities');
  const shared = 'shared-1';
  const initial = await notes.add({ id: shared, object: note(shared) });
  const single = record(notes.stream(shared));
  const results = record(notes.streamQuery());
  const tagResults = record(tags.streamQuery());
  await Promise.all([single.count(1), results.count(1), tagResults.count(1)]);

  // Tags with the SAME id value (other entity, other key) are added, updated and deleted.
  await tags.add({ id: shared, object: { id: shared, label: 'first' } });
  await tags.update(shared, (current) => ({ ...current, label: 'second' }));
  await tags.addAll(range(1, 5).map((index) => ({ id: `t-${index}`, object: { id: `t-${index}`, label: `tag ${index}` } })));
  await tags.delete(shared);
  const updated = await notes.update(shared, (current) => ({ ...current, title: 'after the tags' }));

  await single.count(2);
  await results.count(2);
  // The tag changes really went through the stream: the tag query stream saw each of them.
  await tagResults.count(9);
  t.deepEqual(
    tagResults.values.map((items) => items.length),
    [0, 1, 1, 2, 3, 4, 5, 6, 5],
    'one emission per tag write (the batch is five stream records)',
  );
  t.deepEqual(single.values, [initial, updated]);
  t.false(single.completed, "deleting a tag with the same id does not complete the note's stream");
  t.deepEqual(results.values, [[initial], [updated]]);
  t.true(
    results.values.flat().every((item) => 'owner' in item),
    'only notes in the note query stream',
  );
  for (const recorder of [single, results, tagResults]) recorder.unsubscribe();
});

test('unsubscribing the last subscriber stops the shared reader; a new subscriber starts it again', async (t) => {
  const { notes, reader } = await fixture('repo-reader');
  await notes.add({ id: 'r1', object: note('r1') });
  const first = record(notes.stream('r1'));
  const second = record(notes.streamQuery());
  await Promise.all([first.count(1), second.count(1)]);
  t.is(reader().subscriberCount, 2, 'one shared reader for both subscribers');
  first.unsubscribe();
  t.is(reader().subscriberCount, 1);
  second.unsubscribe();
  t.is(reader().subscriberCount, 0, 'no subscriber left: polling stops');

  const again = record(notes.stream('r1'));
  await again.count(1);
  t.is(reader().subscriberCount, 1);
  const updated = await notes.update('r1', (current) => ({ ...current, n: 1 }));
  await again.count(2);
  t.deepEqual(again.values[1], updated);
  again.unsubscribe();
  t.is(reader().subscriberCount, 0);
});

test('dispose() completes every open stream on both backends and stops polling', async (t) => {
  const { notes, reader } = await fixture('repo-dispose');
  const memory = new InMemoryRepository(Note);
  repositories.push(memory);
  for (const [backend, repo] of [
    ['dynamo', notes],
    ['memory', memory],
  ] as [string, Repository<typeof Note>][]) {
    await repo.add({ id: 'd1', object: note('d1') });
    const single = record(repo.stream('d1'));
    const results = record(repo.streamQuery());
    const patterned = record(repo.streamQuery({ pattern: 'byOwner', key: { owner: 'alice' } }));
    const looped: NoteItem[] = [];
    let loopEnded = false;
    const loop = (async () => {
      for await (const item of repo.stream('d1')) looped.push(item);
      loopEnded = true;
    })();
    await Promise.all([single.count(1), results.count(1), patterned.count(1)]);
    await eventually(() => looped.length === 1, `${backend}: the loop's first value`);

    await repo.dispose();
    await within(loop, `${backend}: the for-await loop ends after dispose()`);
    for (const recorder of [single, results, patterned]) {
      await recorder.end();
      t.true(recorder.completed, `${backend}: completed`);
      t.is(recorder.error, undefined);
      t.is(recorder.values.length, 1);
    }
    t.true(loopEnded);
    t.is(looped.length, 1);
    if (backend === 'dynamo') t.is(reader().subscriberCount, 0, 'the reader lost its last subscriber and stopped');
    await repo.dispose(); // idempotent
    for (const recorder of [single, results, patterned]) t.is(recorder.lateCalls, 0, `${backend}: nothing after completion`);
  }
});

/** Runs the child script and resolves with its exit code and output; kills it (by pid) if it hangs. */
function runChild(args: string[], timeoutMs = 90_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; timedOut: boolean }> {
  const script = fileURLToPath(new URL('./fixtures/dispose-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

test('a process that subscribed, wrote, disposed and closed its store exits on its own (no timers or open handles)', async (t) => {
  const tableName = uniqueTableName('repo-exit');
  childTables.push(tableName);
  const result = await runChild([tableName, 'unsubscribe']);
  t.false(result.timedOut, `the child did not exit on its own:\n${result.stdout}\n${result.stderr}`);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /item emissions: 2/);
  t.regex(result.stdout, /query emissions: 2/);
  t.regex(result.stdout, /table changes: [1-9]/);
  t.regex(result.stdout, /followed: 1/);
  t.regex(result.stdout, /completed: item=true query=true/);
  t.regex(result.stdout, /closed/);
});

test('closing the store also ends table.changes() and follow() subscriptions nobody unsubscribed, and the process exits', async (t) => {
  const tableName = uniqueTableName('repo-exit-open');
  childTables.push(tableName);
  const result = await runChild([tableName, 'leave-open'], 60_000);
  t.false(result.timedOut, `the child did not exit on its own after store.close():\n${result.stdout}\n${result.stderr}`);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /open subscriptions ended: changes=true follow=true/);
  t.regex(result.stdout, /closed/);
});
