/**
 * `table.entities.<name>.stream(id)` / `streamQuery()` on DynamoDB Local (records really come from
 * DynamoDB Streams) and on the in-memory twin (its change feed): a subscriber joining while writes
 * are in flight sees every later write exactly once in per-item order; query streams with a
 * pattern and a filter emit full fresh results; other entities and hidden attributes never leak
 * in; dispose() completes open streams and stops polling; a process that subscribed, wrote,
 * disposed and closed its store exits on its own.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { AppTable } from '../../entities/index.ts';
import { connect, RepositoryError, type InferItem } from '../../src/index.ts';
import { streamReaderFor } from '../../src/streams/index.ts';
import { backends, uniqueTableName } from '../support/db.ts';
import { disposeTables, type Note, note, streamTable } from './entities.ts';
import { eventually, range, record, unsubscribeAll, within, type Recorder } from './support.ts';

type NoteItem = InferItem<typeof Note>;

const childTables: string[] = [];
test.after.always(async () => {
  unsubscribeAll();
  await disposeTables();
  if (childTables.length === 0) return;
  const connection = await connect();
  for (const tableName of childTables)
    await AppTable.bind(connection, { tableName })
      .delete()
      .catch(() => undefined);
  await connection.close();
});

const versions = (recorder: Recorder<NoteItem>) => recorder.values.map((item) => item.version);

for (const backend of backends) {
  const title = (name: string) => `[${backend}] ${name}`;

  test(title('a subscriber joining while 50 writes are in flight sees every later write exactly once, in per-item order'), async (t) => {
    const { table } = await streamTable(backend, 'repo-inflight');
    const notes = table.entities.note;
    const ids = range(0, 4).map((index) => `item-${index}`);
    await notes.createAll(ids.map((id) => note(id)));
    const UPDATES = 10;
    const FINAL = UPDATES + 1;

    let written = 0;
    const writing = Promise.all(
      ids.map(async (id) => {
        for (let step = 1; step <= UPDATES; step++) {
          // patch and update alternate: both write paths reach the streams.
          if (step % 2 === 0) await notes.patch(id, { add: { n: 1 }, set: { title: `${id} #${step}` } });
          else await notes.update(id, (current) => ({ ...current, n: current.n + 1, title: `${id} #${step}` }));
          written++;
        }
      }),
    );
    writing.catch(() => undefined);

    // Join while the writers are busy: per-item streams and a query stream after ~10 writes, another query stream after ~30.
    await eventually(() => written >= 10, '10 writes');
    const singles = ids.map((id) => record(notes.stream(id)));
    const all = record(notes.streamQuery());
    await eventually(() => written >= 30, '30 writes');
    const late = record(notes.streamQuery());
    await Promise.all([...singles.map((single) => single.count(1)), all.count(1), late.count(1)]);
    await writing;
    t.is(written, 50);

    // Per-item streams: first the current value, then every later version exactly once, ending at the final one.
    await Promise.all(singles.map((single, index) => single.until((r) => r.last?.version === FINAL, `${ids[index]} at version ${FINAL}`)));
    for (const [index, single] of singles.entries()) {
      const seen = versions(single);
      t.deepEqual(seen, range(seen[0] ?? 0, FINAL), `${ids[index]}: versions strictly +1 from the first emission to ${FINAL}`);
      t.true(
        single.values.every((item) => item.n === item.version - 1 && item.id === ids[index]),
        'each emission carries the write of its version',
      );
      t.false(single.ended);
    }

    // Query streams: full results; between consecutive emissions exactly one item moved up by exactly one version.
    const final = (r: Recorder<NoteItem[]>) => r.last?.length === ids.length && r.last.every((item) => item.version === FINAL);
    await Promise.all([all.until(final, 'all items final'), late.until(final, 'all items final (late subscriber)')]);
    for (const [label, stream] of [
      ['joined at ~10', all],
      ['joined at ~30', late],
    ] as const) {
      const snapshots = stream.values.map((items) => new Map(items.map((item) => [item.id, item.version])));
      const wrong: string[] = [];
      for (let index = 1; index < snapshots.length; index++) {
        const [before, after] = [snapshots[index - 1], snapshots[index]];
        const moved = ids.filter((id) => after?.get(id) !== before?.get(id));
        if (moved.length !== 1 || (after?.get(moved[0] ?? '') ?? 0) !== (before?.get(moved[0] ?? '') ?? 0) + 1)
          wrong.push(`emission ${index}: ${JSON.stringify(moved)}`);
      }
      t.deepEqual(wrong, [], `${label}: one item, one version per emission`);
      const initial = snapshots[0];
      t.is(initial?.size, ids.length, `${label}: the first emission is the full current result`);
      const expectedSteps = ids.reduce((sum, id) => sum + (FINAL - (initial?.get(id) ?? FINAL)), 0);
      t.is(stream.values.length, expectedSteps + 1, `${label}: one emission per write after the initial result`);
    }
  });

  test(title('streamQuery with a pattern and a where filter emits the full fresh result after each relevant change'), async (t) => {
    const { table } = await streamTable(backend, 'repo-query');
    const notes = table.entities.note;
    const query = { pattern: 'byOwner', key: { owner: 'alice' } } as const;
    const where = { priority: { gte: 5 } };
    await notes.createAll([
      note('a1', { owner: 'alice', priority: 7 }),
      note('a2', { owner: 'alice', priority: 1 }),
      note('b1', { owner: 'bob', priority: 9 }),
    ]);
    const results = record(notes.streamQuery(query, { where }));
    const ids = (items: readonly NoteItem[] | undefined) => (items ?? []).map((item) => item.id);
    const expectStep = async (count: number, expected: string[], label: string) => {
      await results.count(count);
      t.deepEqual(ids(results.values[count - 1]), expected, label);
      t.deepEqual(results.values[count - 1], await notes.query(query, { where }), `${label}: equals a fresh query()`);
    };

    await expectStep(1, ['a1'], 'initial result');
    await notes.create(note('a3', { owner: 'alice', priority: 5 }));
    await expectStep(2, ['a1', 'a3'], 'a matching create');
    await notes.create(note('b2', { owner: 'bob', priority: 8 })); // other partition: nothing
    await notes.patch('a2', { set: { priority: 2 } }); // still filtered out: nothing
    await notes.patch('a2', { set: { priority: 9 } });
    await expectStep(3, ['a1', 'a2', 'a3'], 'an item patched into the filter');
    await notes.update('a1', (current) => ({ ...current, priority: 0 }));
    await expectStep(4, ['a2', 'a3'], 'an item updated out of the filter');
    await notes.patch('b1', { set: { owner: 'alice' } });
    await expectStep(5, ['a2', 'a3', 'b1'], 'an item moved into the pattern key');
    await notes.delete('a3');
    await expectStep(6, ['a2', 'b1'], 'a deletion');
    const retitled = await notes.patch('a2', { set: { title: 'retitled' } });
    await expectStep(7, ['a2', 'b1'], 'a change inside the result');
    t.deepEqual(results.values[6]?.[0], retitled, 'the result carries the fresh item');
    t.is(results.values.length, 7, 'no emission for changes outside the query');
    results.unsubscribe();
  });

  test(title("other entities' items never reach an entity's streams; hidden attributes never reach any stream"), async (t) => {
    const { table } = await streamTable(backend, 'repo-entities');
    const { note: notes, tag: tags } = table.entities;
    const shared = 'shared-1';
    const initial = await notes.create(note(shared));
    const single = record(notes.stream(shared));
    const results = record(notes.streamQuery());
    const tagResults = record(tags.streamQuery());
    await Promise.all([single.count(1), results.count(1), tagResults.count(1)]);

    // Tags with the SAME id value (other entity, other key) are created, patched and deleted.
    await tags.create({ id: shared, label: 'first', secret: 'hidden-1' });
    const tagStream = record(tags.stream(shared));
    await tagStream.count(1);
    await tags.patch(shared, { set: { label: 'second', secret: 'hidden-2' } });
    await tags.createAll(range(1, 3).map((index) => ({ id: `t-${index}`, label: `tag ${index}` })));
    await tags.delete(shared);
    const updated = await notes.patch(shared, { set: { title: 'after the tags' } });

    await single.count(2);
    await results.count(2);
    // The tag changes really went through the feed: the tag query stream saw each of them.
    await tagResults.count(7);
    await tagStream.end();
    t.deepEqual(
      tagResults.values.map((items) => items.length),
      [0, 1, 1, 2, 3, 4, 3],
      'one emission per tag write',
    );
    t.deepEqual(
      tagStream.values.map((item) => item.label),
      ['first', 'second'],
    );
    t.true(tagStream.completed, "deleting the tag completes the tag's stream");
    t.false(JSON.stringify([tagResults.values, tagStream.values]).includes('hidden-'), 'hidden attributes are left out');
    t.deepEqual(single.values, [initial, updated]);
    t.false(single.completed, "deleting a tag with the same id does not complete the note's stream");
    t.deepEqual(results.values, [[initial], [updated]]);

    const missing = record(notes.stream('never-created'));
    await missing.end();
    t.true(missing.error instanceof RepositoryError && missing.error.code === 'notFound', String(missing.error));
    for (const recorder of [single, results, tagResults]) recorder.unsubscribe();
  });

  test(title('dispose() completes every open stream of the entity API (callbacks and for-await loops)'), async (t) => {
    const { table } = await streamTable(backend, 'repo-dispose');
    const notes = table.entities.note;
    await notes.create(note('d1'));
    const single = record(notes.stream('d1'));
    const results = record(notes.streamQuery());
    const patterned = record(notes.streamQuery({ pattern: 'byOwner', key: { owner: 'alice' } }));
    const looped: NoteItem[] = [];
    let loopEnded = false;
    const loop = (async () => {
      for await (const item of notes.stream('d1')) looped.push(item);
      loopEnded = true;
    })();
    await Promise.all([single.count(1), results.count(1), patterned.count(1)]);
    await eventually(() => looped.length === 1, "the loop's first value");

    await notes.dispose();
    await within(loop, 'the for-await loop ends after dispose()');
    for (const recorder of [single, results, patterned]) {
      await recorder.end();
      t.true(recorder.completed);
      t.is(recorder.error, undefined);
      t.is(recorder.values.length, 1);
    }
    t.true(loopEnded);
    t.is(looped.length, 1);
    await notes.patch('d1', { set: { n: 1 } });
    await notes.dispose(); // idempotent
    for (const recorder of [single, results, patterned]) t.is(recorder.lateCalls, 0, 'nothing after completion');
    if ('client' in table.connection)
      t.is(streamReaderFor(table.connection.client, table.tableName).subscriberCount, 0, 'the reader lost its last subscriber and stopped');
  });
}

test('[dynamodb] unsubscribing the last subscriber stops the shared reader; a new subscriber starts it again', async (t) => {
  const { table, connection } = await streamTable('dynamodb', 'repo-reader');
  if (!('client' in connection)) throw new Error('a DynamoDB table');
  const reader = () => streamReaderFor(connection.client, table.tableName);
  const notes = table.entities.note;
  await notes.create(note('r1'));
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
  const updated = await notes.patch('r1', { set: { n: 1 } });
  await again.count(2);
  t.deepEqual(again.values[1], updated);
  again.unsubscribe();
  t.is(reader().subscriberCount, 0);
});

const child = fileURLToPath(new URL('./fixtures/dispose-child.ts', import.meta.url));
const cwd = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the child script to its exit; kills it (by its pid) if it has not exited on its own in time. */
function runChild(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const started = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  started.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  started.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      started.kill('SIGKILL');
    }, timeoutMs);
    started.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

for (const [mode, ended] of [
  ['unsubscribe', 'changes=false follow=false'],
  ['leave-open', 'changes=true follow=true'],
] as const) {
  test(`[dynamodb] a process that subscribed, wrote and closed its store exits on its own (${mode === 'leave-open' ? 'changes() and follow() left subscribed: closing ends them' : 'after unsubscribing'})`, async (t) => {
    const tableName = uniqueTableName(`repo-exit-${mode}`);
    childTables.push(tableName);
    const result = await runChild([tableName, mode]);
    t.false(result.timedOut, `the child did not exit on its own:\n${result.stdout}\n${result.stderr}`);
    t.is(result.code, 0, `${result.stdout}\n${result.stderr}`);
    t.regex(result.stdout, /item emissions: 2/);
    t.regex(result.stdout, /query emissions: 2/);
    t.regex(result.stdout, /table changes: [1-9]/);
    t.regex(result.stdout, /followed: 1/);
    t.regex(result.stdout, /completed: item=true query=true/);
    t.true(result.stdout.includes(`open subscriptions ended: ${ended}`), result.stdout);
    t.regex(result.stdout, /closed/);
  });
}
