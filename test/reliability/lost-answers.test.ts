/**
 * Answers lost on the way back (DynamoDB applied the write, the connection reset before the
 * client heard it) make the SDK send the request again. DynamoDB Local never loses an answer, so
 * an SDK middleware inside the retry loop does it once per test. Each write must still land
 * exactly once and tell its caller the truth.
 */
import test, { type ExecutionContext } from 'ava';
import { z } from 'zod';
import { ChangeLog } from '../../src/services/index.ts';
import { defineEntity, defineTable, isRepositoryError, type Connection } from '../../src/index.ts';
import { AppTable } from '../../entities/index.ts';
import { openTestTable } from '../support/db.ts';

const Counter = defineEntity({
  name: 'counter',
  schema: z.object({ counterId: z.string(), n: z.number().default(0), label: z.string().default(''), log: z.array(z.string()).default([]) }),
  keys: { primary: { pk: ['counterId'] } },
});
const Member = defineEntity({
  name: 'member',
  schema: z.object({ memberId: z.string(), email: z.string() }),
  keys: { primary: { pk: ['memberId'] } },
  unique: { email: {} },
});
const Counters = defineTable({ name: 'lost-answers', entities: { counter: Counter, member: Member } });

type Handler = (args: unknown) => Promise<unknown>;

/** Applies the next `command` request, then throws a connection reset instead of its answer. */
function loseNextAnswer(connection: Connection, command: string): { lost: number; sent: number } {
  const stats = { lost: 0, sent: 0 };
  const stack = connection.doc.middlewareStack as unknown as {
    add(middleware: (next: Handler, context: { commandName?: string }) => Handler, options: { step: string; name: string; override: boolean }): void;
  };
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName !== command) return next(args);
      stats.sent++;
      const answer = await next(args);
      if (stats.lost > 0) return answer;
      stats.lost++;
      throw Object.assign(new Error('injected: socket hang up after the request was applied'), { code: 'ECONNRESET' });
    },
    // Inside the SDK's retry loop, like a real network failure.
    { step: 'finalizeRequest', name: 'loseAnswer', override: true },
  );
  return stats;
}

async function open(t: ExecutionContext) {
  const handle = await openTestTable(Counters, 'lost-answers');
  t.teardown(() => handle.dispose());
  return handle;
}

test('create whose answer was lost: the resent PutItem finds its own item and reports success, not alreadyExists', async (t) => {
  const { connection, table } = await open(t);
  const stats = loseNextAnswer(connection, 'PutItemCommand');
  const created = await table.entities.counter.create({ counterId: 'c1', label: 'one' });
  t.is(stats.lost, 1);
  t.is(stats.sent, 2, 'the SDK sent it again');
  t.is(created.label, 'one');
  t.deepEqual(await table.entities.counter.get('c1'), created);
  // A genuine duplicate is still one.
  const error = await t.throwsAsync(table.entities.counter.create({ counterId: 'c1', label: 'two' }));
  t.true(isRepositoryError(error, 'alreadyExists'), String(error));
});

test('create with a unique claim (a transaction): the resent request carries the same token and applies once', async (t) => {
  const { connection, table } = await open(t);
  const stats = loseNextAnswer(connection, 'TransactWriteItemsCommand');
  const member = await table.entities.member.create({ memberId: 'm1', email: 'ada@example.com' });
  t.is(stats.sent, 2);
  t.is(member.email, 'ada@example.com');
  t.is((await table.entities.member.getByUnique('email', 'ada@example.com')).memberId, 'm1');
});

test('a versioned save whose answer was lost is not reported as a conflict', async (t) => {
  const { connection, table } = await open(t);
  const first = await table.entities.counter.create({ counterId: 'c2' });
  const stats = loseNextAnswer(connection, 'UpdateItemCommand');
  const saved = await table.entities.counter.save({ ...first, label: 'renamed' });
  t.is(stats.sent, 2);
  t.is(saved.label, 'renamed');
  t.is(saved.version, 2);
  t.deepEqual(await table.entities.counter.get('c2'), saved);
});

test('an idempotent patch (set) is resent and succeeds', async (t) => {
  const { connection, table } = await open(t);
  await table.entities.counter.create({ counterId: 'c3' });
  const stats = loseNextAnswer(connection, 'UpdateItemCommand');
  const patched = await table.entities.counter.patch('c3', { set: { label: 'x' } });
  t.is(stats.sent, 2);
  t.is(patched.label, 'x');
});

test('a patch that adds to a number is applied at most once: not resent, and the caller hears that the outcome is unknown', async (t) => {
  const { connection, table } = await open(t);
  await table.entities.counter.create({ counterId: 'c4' });
  const stats = loseNextAnswer(connection, 'UpdateItemCommand');
  const error = await t.throwsAsync(table.entities.counter.patch('c4', { add: { n: 5 } }));
  t.true(isRepositoryError(error, 'connection'), String(error));
  t.regex(String(error?.message), /may or may not have been applied/);
  t.is(stats.sent, 1, 'not sent again');
  t.is((await table.entities.counter.get('c4')).n, 5, 'applied exactly once');
  // Appending to a list is the same.
  const appended = await table.entities.counter.patch('c4', { append: { log: ['a'] } });
  t.deepEqual(appended.log, ['a']);
});

test('a change-log append whose answer was lost is in the log once, with the seq its caller was told', async (t) => {
  const handle = await openTestTable(AppTable, 'lost-answers-log');
  t.teardown(() => handle.dispose());
  const changeLog = new ChangeLog(handle.table);
  await changeLog.append('p', { entityType: 'doc', entityId: 'd', operation: 'create', data: { n: 0 } });
  const stats = loseNextAnswer(handle.connection, 'TransactWriteItemsCommand');
  const appended = await changeLog.append('p', { entityType: 'doc', entityId: 'd', operation: 'update', data: { n: 1 } });
  t.is(stats.sent, 2);
  const changes = (await changeLog.since('p', 0)).items;
  t.deepEqual(
    changes.map((change) => [change.seq, change.data]),
    [
      [1, { n: 0 }],
      [2, { n: 1 }],
    ],
  );
  t.is(appended.seq, 2);
});
