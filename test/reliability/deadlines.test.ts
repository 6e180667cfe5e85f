/**
 * Bounded waits: a database that stops answering (DynamoDB Local paused with SIGSTOP, on an
 * instance of this file's own) ends every operation by its deadline with code `timeout`, and a
 * caller's AbortSignal ends it with code `aborted`. Bad deadline options are validation errors.
 */
import test from 'ava';
import { z } from 'zod';
import { connect, defineEntity, defineTable, isRepositoryError, type Connection, type RepositoryError } from '../../src/index.ts';
import { startLocalDynamo, type LocalDynamo } from '../../src/local/index.ts';
import { inMemory } from '../../src/testing.ts';

const Note = defineEntity({
  name: 'note',
  schema: z.object({ noteId: z.string(), text: z.string(), hits: z.number().default(0) }),
  keys: { primary: { pk: ['noteId'] }, byText: { index: 'gsi1', pk: ['text'], sk: ['noteId'] } },
});
const Notes = defineTable({ name: 'deadlines', entities: { note: Note } });

let local: LocalDynamo;
let connection: Connection;
let requests = 0;

test.before(async () => {
  local = await startLocalDynamo();
  connection = await connect({ endpoint: local.endpoint });
  const stack = connection.doc.middlewareStack as unknown as {
    add(middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>, options: { step: string; name: string }): void;
  };
  stack.add(
    (next) => (args) => {
      requests++;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
});
test.after.always(async () => {
  if (local) process.kill(local.pid, 'SIGCONT');
  await connection?.close();
  await local?.stop();
});

/** Runs `body` while DynamoDB Local is stopped (SIGSTOP), then lets it go on. */
async function whilePaused<T>(body: () => Promise<T>): Promise<T> {
  process.kill(local.pid, 'SIGSTOP');
  try {
    return await body();
  } finally {
    process.kill(local.pid, 'SIGCONT');
  }
}

async function settles(promise: Promise<unknown>): Promise<{ error: RepositoryError; ms: number }> {
  const started = Date.now();
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isRepositoryError(error)) throw new Error(`expected a RepositoryError, got ${String(error)}`);
  return { error, ms: Date.now() - started };
}

// Generous: without a deadline these calls would wait for the SDK's 10 s request timeout, six times.
const SLACK_MS = 4_000;

test.serial('a paused database: each operation ends with `timeout` by its deadline, and works again once the database answers', async (t) => {
  const table = Notes.bind(connection, { tableName: `deadlines-${Date.now()}`, timeoutMs: 700 });
  await table.ensure();
  await table.entities.note.create({ noteId: 'n1', text: 'hello' });
  await whilePaused(async () => {
    const calls: [string, Promise<unknown>][] = [
      ['get (the table default, 700 ms)', table.entities.note.get('n1')],
      ['find (the table default)', table.entities.note.find.byText({ text: 'hello' })],
      ['create', table.entities.note.create({ noteId: 'n2', text: 'x' })],
      ['patch add, its own deadline', table.entities.note.patch('n1', { add: { hits: 1 } }, { timeoutMs: 500 })],
      ['query (many items) with a deadline', table.entities.note.query({ pattern: 'byText', key: { text: 'hello' } }, { timeoutMs: 600 })],
      ['transactWrite', table.transactWrite((tx) => [tx.note.create({ noteId: 'n3', text: 'y' })])],
    ];
    for (const [label, call] of calls) {
      const { error, ms } = await settles(call);
      t.is(error.code, 'timeout', `${label}: ${error.message}`);
      t.true(ms < 700 + SLACK_MS, `${label} returned after ${ms} ms`);
      t.regex(error.message, /deadline of \d+ ms/);
    }
  });
  t.is((await table.entities.note.get('n1', { consistent: true })).text, 'hello');
  await table.delete();
});

test.serial('an operation past its deadline sends nothing more: the write after its read never goes out', async (t) => {
  const table = Notes.bind(connection, { tableName: `deadlines-rmw-${Date.now()}` });
  await table.ensure();
  await table.entities.note.create({ noteId: 'n1', text: 'hello' });
  const before = requests;
  // The read hangs on the paused database; the deadline ends the call while it is in flight.
  const call = table.entities.note.update('n1', (note) => ({ ...note, text: 'changed' }), { timeoutMs: 400 });
  const { error } = await whilePaused(() => settles(call));
  t.is(error.code, 'timeout', error.message);
  // The read completes once the database answers again; the write must not follow it.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  t.is(requests - before, 1, 'only the read was sent');
  t.is((await table.entities.note.get('n1', { consistent: true })).text, 'hello');
  await table.delete();
});

test.serial('saveAll stopped by its deadline says which items it wrote and sends nothing more', async (t) => {
  const table = Notes.bind(connection, { tableName: `deadlines-bulk-${Date.now()}` });
  await table.ensure();
  const items = Array.from({ length: 100 }, (_, index) => ({ noteId: `b${index}`, text: 'bulk' }));
  const before = requests;
  const { error, ms } = await whilePaused(() => settles(table.entities.note.saveAll(items, { timeoutMs: 800, concurrency: 2 })));
  t.is(requests - before, 2, 'the two requests in flight, nothing after the deadline');
  t.is(error.code, 'timeout', error.message);
  t.true(ms < 800 + SLACK_MS, `returned after ${ms} ms`);
  t.true(Array.isArray(error.written), 'error.written lists what was confirmed written');
  const stored = new Set((await table.entities.note.getMany(items.map((item) => item.noteId))).items.map((item) => item.noteId));
  for (const id of error.written ?? []) t.true(stored.has(String(id)), `${String(id)} is stored`);
  // The requests in flight when the deadline hit reached the database before it was paused: their
  // outcome is unknown to the client (the database may apply them once it runs again), at most
  // two requests of 25 here; nothing else was sent.
  const unconfirmed = [...stored].filter((id) => !(error.written ?? []).includes(id));
  t.true(unconfirmed.length <= 2 * 25, `${unconfirmed.length} stored items were not confirmed`);
  await table.delete();
});

test.serial("the caller's AbortSignal ends an operation with `aborted`; an aborted signal sends nothing", async (t) => {
  const table = Notes.bind(connection, { tableName: `deadlines-abort-${Date.now()}` });
  await table.ensure();
  await table.entities.note.create({ noteId: 'n1', text: 'hello' });
  const controller = new AbortController();
  const { error, ms } = await whilePaused(() => {
    setTimeout(() => controller.abort(new Error('user left')), 300);
    return settles(table.entities.note.get('n1', { signal: controller.signal }));
  });
  t.is(error.code, 'aborted');
  t.is((error.cause as Error).message, 'user left');
  t.true(ms < 300 + SLACK_MS, `returned after ${ms} ms`);

  const before = requests;
  const again = await settles(table.entities.note.patch('n1', { set: { text: 'x' } }, { signal: controller.signal }));
  t.is(again.error.code, 'aborted');
  t.is(requests, before, 'no request was sent');
  t.is((await table.entities.note.get('n1', { consistent: true })).text, 'hello');
  await table.delete();
});

test('bad deadline options are validation errors and send nothing; the twin honours an aborted signal', async (t) => {
  const memory = inMemory();
  const table = Notes.bind(memory, { tableName: 'deadlines' });
  await table.ensure();
  for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
    const { error } = await settles(table.entities.note.create({ noteId: 'n', text: 't' }, { timeoutMs }));
    t.is(error.code, 'validation', String(timeoutMs));
    t.deepEqual(error.issues[0]?.path, ['timeoutMs']);
  }
  const { error } = await settles(table.entities.note.get('n', { signal: 'stop' as unknown as AbortSignal }));
  t.is(error.code, 'validation');
  t.is((await table.entities.note.query()).length, 0, 'nothing was written');
  t.throws(() => Notes.bind(memory, { tableName: 'other', timeoutMs: -5 }), { message: /timeoutMs/ });
  const aborted = await settles(table.entities.note.create({ noteId: 'n', text: 't' }, { signal: AbortSignal.abort() }));
  t.is(aborted.error.code, 'aborted');
  t.is((await table.entities.note.query()).length, 0);
});
