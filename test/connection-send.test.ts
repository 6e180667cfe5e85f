/**
 * How tablekit sends: through the low-level client with its own conversion of values, the
 * middleware stack of a client it created resolved once per command type and again after any
 * change to it; a client given by the caller left exactly as it was.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import test from 'ava';
import { z } from 'zod';
import { connect, defineEntity, defineTable, type Connection } from '../src/index.ts';
import { uniqueTableName } from './support/db.ts';

const Note = defineEntity({
  name: 'note',
  schema: z.object({
    noteId: z.string(),
    body: z.string(),
    tags: z.set(z.string()).optional(),
    size: z.number().optional(),
    blob: z.instanceof(Uint8Array).optional(),
  }),
  keys: { primary: { pk: ['noteId'], sk: [] } },
});
const Notes = defineTable({ name: 'notes', entities: { note: Note }, streams: false, ttlAttribute: false });

type Next = (args: { input: Record<string, unknown> }) => Promise<unknown>;
type Stack = { add(middleware: (next: Next, context: { commandName?: string }) => Next, options: { step: string; name: string }): void };

function countRequests(connection: Connection, name: string): string[] {
  const seen: string[] = [];
  (connection.client.middlewareStack as unknown as Stack).add(
    (next, context) => async (args) => {
      seen.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name },
  );
  return seen;
}

/** Applies UpdateItem requests; while armed, throws a connection reset instead of the next answer (inside the SDK's retry loop). */
function loseUpdateAnswers(stack: unknown): { armed: boolean; sent: number } {
  const control = { armed: false, sent: 0 };
  (stack as Stack).add(
    (next, context) => async (args) => {
      if (context.commandName !== 'UpdateItemCommand') return next(args);
      control.sent++;
      const answer = await next(args);
      if (!control.armed) return answer;
      control.armed = false;
      throw Object.assign(new Error('injected: socket hang up after the request was applied'), { code: 'ECONNRESET' });
    },
    { step: 'finalizeRequest', name: 'loseUpdateAnswers' },
  );
  return control;
}

async function openNotes(connection: Connection) {
  const table = Notes.bind(connection, { tableName: uniqueTableName('send') });
  await table.ensure();
  return table;
}

test('middleware added to a connection tablekit created after its first requests sees every later request', async (t) => {
  const connection = await connect();
  t.teardown(() => connection.close());
  const table = await openNotes(connection);
  t.teardown(() => table.delete());
  const notes = table.entities.note;
  await notes.create({ noteId: 'a', body: 'first' });
  t.is((await notes.get('a'))?.body, 'first');
  // The stack of PutItem and GetItem has been resolved by now; adding to it must still count.
  const seen = countRequests(connection, 'countLater');
  await notes.create({ noteId: 'b', body: 'second' });
  t.is((await notes.get('b'))?.body, 'second');
  await notes.patch('b', { set: { body: 'third' } });
  t.deepEqual(seen, ['PutItemCommand', 'GetItemCommand', 'UpdateItemCommand']);
  // Removing it is seen too.
  t.true((connection.client.middlewareStack as unknown as { remove(name: string): boolean }).remove('countLater'));
  await notes.get('a');
  t.is(seen.length, 3);
});

test('values round-trip through the conversion: sets, numbers, binary, nested maps; concurrent requests of one type', async (t) => {
  const connection = await connect();
  t.teardown(() => connection.close());
  const table = await openNotes(connection);
  t.teardown(() => table.delete());
  const notes = table.entities.note;
  const blob = new Uint8Array([0, 1, 254, 255]);
  await notes.create({ noteId: 'v', body: 'values', tags: new Set(['x', 'y']), size: 0.5, blob });
  const back = await notes.get('v');
  t.deepEqual(back?.tags, new Set(['x', 'y']));
  t.is(back?.size, 0.5);
  t.deepEqual(back?.blob, blob);
  // Many requests of one command type at once share its resolved stack; each gets its own answer.
  const ids = Array.from({ length: 40 }, (_, index) => `c${index}`);
  await Promise.all(ids.map((noteId) => notes.create({ noteId, body: `body of ${noteId}` })));
  const read = await Promise.all(ids.map((noteId) => notes.get(noteId)));
  t.deepEqual(
    read.map((note) => note?.body),
    ids.map((noteId) => `body of ${noteId}`),
  );
});

test("a client given by the caller is used as is: its middleware stack's methods are not replaced", async (t) => {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) return t.fail('DYNAMODB_ENDPOINT is not set (run through test/run.ts)');
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  t.teardown(() => client.destroy());
  const add = client.middlewareStack.add;
  const connection = await connect({ client });
  const table = await openNotes(connection);
  t.teardown(() => table.delete());
  await table.entities.note.create({ noteId: 'g', body: 'given' });
  const seen = countRequests(connection, 'countGiven');
  t.is((await table.entities.note.get('g'))?.body, 'given');
  t.is(client.middlewareStack.add, add);
  t.deepEqual(seen, ['GetItemCommand']);
});

test('at most once is decided per request: on one connection, set patches are resent after a lost answer and add patches are not', async (t) => {
  const connection = await connect();
  t.teardown(() => connection.close());
  const table = await openNotes(connection);
  t.teardown(() => table.delete());
  const notes = table.entities.note;
  await notes.create({ noteId: 'n', body: 'start', size: 0 });
  const control = loseUpdateAnswers(connection.client.middlewareStack);
  const lose = async (patch: () => Promise<unknown>) => {
    control.armed = true;
    control.sent = 0;
    return patch().then(
      () => ({ sent: control.sent, failed: false }),
      () => ({ sent: control.sent, failed: true }),
    );
  };
  t.deepEqual(await lose(() => notes.patch('n', { set: { body: 'one' } })), { sent: 2, failed: false }, 'a set is resent');
  t.deepEqual(await lose(() => notes.patch('n', { add: { size: 1 } })), { sent: 1, failed: true }, 'an add is not');
  t.deepEqual(await lose(() => notes.patch('n', { set: { body: 'two' } })), { sent: 2, failed: false }, 'a set after it is resent again');
  t.deepEqual(await lose(() => notes.patch('n', { add: { size: 1 } })), { sent: 1, failed: true }, 'and an add after that is not');
  const note = await notes.get('n');
  t.is(note?.size, 2, 'each add applied exactly once');
  t.is(note?.body, 'two');
});

test("a client whose send is replaced (a mock, a tracing wrapper) gets every request of tablekit's through it", async (t) => {
  const connection = await connect();
  t.teardown(() => connection.close());
  const table = await openNotes(connection);
  t.teardown(() => table.delete());
  await table.entities.note.create({ noteId: 'm', body: 'mocked' });
  const { client } = connection;
  const original = client.send.bind(client);
  const seen: string[] = [];
  // What aws-sdk-client-mock and tracing wrappers do: an own `send` on the instance (or its class).
  client.send = ((command: { constructor: { name: string } }, options?: unknown) => {
    seen.push(command.constructor.name);
    return original(command as never, options as never);
  }) as typeof client.send;
  t.is((await table.entities.note.get('m'))?.body, 'mocked');
  await table.entities.note.patch('m', { set: { body: 'again' } });
  t.deepEqual(seen, ['GetItemCommand', 'UpdateItemCommand']);
});

test("a given client with the SDK's cacheMiddleware works, and tablekit's own middleware still applies to it (an add is sent at most once)", async (t) => {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) return t.fail('DYNAMODB_ENDPOINT is not set (run through test/run.ts)');
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, cacheMiddleware: true });
  t.teardown(() => client.destroy());
  const connection = await connect({ client });
  const table = await openNotes(connection);
  t.teardown(() => table.delete());
  const notes = table.entities.note;
  await notes.create({ noteId: 'k', body: 'cached', size: 0 });
  // UpdateItem resolved before tablekit adds its at-most-once middleware (on the first add).
  await notes.patch('k', { set: { body: 'set first' } });
  const control = loseUpdateAnswers(client.middlewareStack);
  control.armed = true;
  await t.throwsAsync(notes.patch('k', { add: { size: 1 } }), { message: /may or may not have been applied/ });
  t.is(control.sent, 1, 'not resent');
  t.is((await notes.get('k'))?.size, 1, 'applied once');
  // The connection's DocumentClient over that client works too.
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  t.truthy((await connection.doc.send(new GetCommand({ TableName: table.tableName, Key: { pk: 'x', sk: 'y' } }))).$metadata);
});

test("tablekit's clients log nothing by default without paying for the SDK's per-request log copies; a logger in clientConfig is used", async (t) => {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) return t.fail('DYNAMODB_ENDPOINT is not set (run through test/run.ts)');
  const quiet = await connect({ endpoint });
  t.teardown(() => quiet.close());
  const logger = quiet.client.config.logger as unknown as Record<string, unknown>;
  t.is(logger.info, undefined, 'no info(): the SDK builds no redacted copy of each request and response for it');
  for (const level of ['debug', 'warn', 'error']) t.is(typeof logger[level], 'function');
  const lines: unknown[] = [];
  const mine = { trace() {}, debug() {}, info: (entry: unknown) => lines.push(entry), warn() {}, error() {} };
  const logged = await connect({ endpoint, clientConfig: { logger: mine } });
  t.teardown(() => logged.close());
  const table = await openNotes(logged);
  t.teardown(() => table.delete());
  await table.entities.note.create({ noteId: 'l', body: 'logged' });
  t.true(lines.length >= 1, "the caller's logger gets the SDK's request lines");
});
