/**
 * The outbox (withChangeLog) against DynamoDB Local: every repository write appends the matching
 * change in the SAME transaction. Faults are injected into that transaction with SDK middleware
 * to prove that either both the entity write and its change happen, or neither.
 */
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import test, { type ExecutionContext } from 'ava';
import { RepositoryError, withChangeLog } from '../../src/index.ts';
import { openStore, User, VideoProgress, type Store } from '../../entities/index.ts';
import { uniqueTableName } from '../support/db.ts';
import { addMiddleware, isolatedStore, recordCommands, type AnyRecord } from './support.ts';


let store: Store;
let tableName: string;

test.before(async () => {
  tableName = uniqueTableName('svc-outbox');
  store = await openStore({ tableName });
});

test.after.always(async () => {
  if (!store) return;
  await store.table.delete();
  await store.close();
});

const tag = () => randomUUID().slice(0, 8);
const project = (label: string) => `outbox-${label}-${tag()}`;




/** Makes TransactWriteItems fail with `fault()` while `on` is true, at most `times` times. */
function failTransactions(target: Store, fault: (input: AnyRecord) => Error, times = Number.POSITIVE_INFINITY): { on: boolean; hits: number } {
  const control = { on: true, hits: 0 };
  addMiddleware(target, 'failTransactions', (next, context) => async (args) => {
    if (control.on && control.hits < times && context.commandName === 'TransactWriteItemsCommand') {
      control.hits++;
      throw fault(args.input);
    }
    return next(args);
  });
  return control;
}

function cancellation(code: string) {
  return (input: AnyRecord) =>
    new TransactionCanceledException({
      message: `Transaction cancelled (injected ${code})`,
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: (input.TransactItems as unknown[]).map((_, index) => ({ Code: index === 0 ? code : 'None' })),
    });
}

const networkError = () => Object.assign(new Error('socket hang up (injected)'), { code: 'ECONNRESET' });

async function rejection(t: ExecutionContext, run: () => Promise<unknown>, code: RepositoryError['code']): Promise<RepositoryError> {
  const error = await t.throwsAsync(async () => run(), { instanceOf: RepositoryError });
  if (!error) throw new Error('expected a RepositoryError');
  t.is(error.code, code, error.message);
  return error;
}

function outboxUsers(target: Store, projectId: string) {
  return withChangeLog(User, { table: target.table, changeLog: target.changeLog, projectId });
}

function person(label: string) {
  return { email: `${label}-${tag()}@example.com`, firstName: 'Grace', lastName: label, isActive: true };
}

async function changesOf(projectId: string) {
  const result: Awaited<ReturnType<Store['changeLog']['append']>>[] = [];
  for await (const page of store.changeLog.paginate(projectId)) result.push(...page);
  return result;
}

/** The observable state of a project's log: its sequence value and every change. */
async function logState(projectId: string) {
  const sequence = (await store.sequences.getMany([projectId])).items[0]?.value ?? 0;
  return { sequence, changes: await changesOf(projectId), latest: await store.changeLog.latest(projectId) };
}

test('add, update, save and delete each append the matching change in the same transaction', async (t) => {
  const own = await isolatedStore(t, tableName);
  const seen = recordCommands(own);
  const projectId = project('crud');
  const users = outboxUsers(own, projectId);
  const userId = randomUUID();

  // add → create
  const added = await users.add({ id: userId, object: person('add') });
  const addWrites = seen.filter((command) => command.name !== 'GetItemCommand' && command.name !== 'BatchGetItemCommand');
  t.deepEqual(addWrites.map((command) => command.name), ['TransactWriteItemsCommand'], 'one write request: the transaction');
  const entities = (addWrites[0]?.input.TransactItems as { Put?: { Item: AnyRecord } }[]).map((item) => item.Put?.Item.__edb_e__);
  t.true(entities.includes('user') && entities.includes('change') && entities.includes('sequence'), `the transaction holds ${entities.join(', ')}`);
  let changes = await changesOf(projectId);
  t.is(changes.length, 1);
  t.like(changes[0], { seq: 1, projectId, entityType: 'user', entityId: userId, operation: 'create' });
  t.deepEqual(changes[0]?.data, await store.users.get(userId), 'data is the stored item');
  t.deepEqual(changes[0]?.data, added);

  // update → update
  const updated = await users.update(userId, (current) => ({ ...current, lastName: 'Hopper' }));
  t.is(updated.version, 2);
  changes = await changesOf(projectId);
  t.is(changes.length, 2);
  t.like(changes[1], { seq: 2, entityType: 'user', entityId: userId, operation: 'update' });
  t.deepEqual(changes[1]?.data, await store.users.get(userId));
  t.is(changes[0]?.outdatedBy, 2);

  // save of the existing aggregate → update; save of a new one → create
  await users.save({ ...updated, firstName: 'Amazing' });
  const saved = await store.users.get(userId);
  t.like(saved, { firstName: 'Amazing', version: 3 });
  const newId = randomUUID();
  await users.save({ userId: newId, ...person('save-new') });
  changes = await changesOf(projectId);
  t.deepEqual(changes.map((c) => [c.seq, c.entityId, c.operation]), [
    [1, userId, 'create'],
    [2, userId, 'update'],
    [3, userId, 'update'],
    [4, newId, 'create'],
  ]);
  t.deepEqual(changes[2]?.data, saved);
  t.deepEqual(changes[3]?.data, await store.users.get(newId));

  // a stale save is a conflict and records nothing
  await rejection(t, () => users.save({ ...updated, firstName: 'Stale' }), 'conflict');
  t.is((await changesOf(projectId)).length, 4);

  // delete → delete, data = the key
  const before = seen.length;
  await users.delete(userId);
  t.is(
    seen.slice(before).filter((command) => command.name === 'TransactWriteItemsCommand').length,
    1,
    'the delete and its change: one transaction',
  );
  await rejection(t, () => store.users.get(userId), 'notFound');
  changes = await changesOf(projectId);
  t.like(changes[4], { seq: 5, entityType: 'user', entityId: userId, operation: 'delete' });
  t.deepEqual(changes[4]?.data, { userId });

  // deleting a missing user: notFound, no change
  await rejection(t, () => users.delete(userId), 'notFound');
  t.is((await changesOf(projectId)).length, 5);
  t.like(await store.changeLog.stats(projectId), { total: 5, latestSeq: 5, outdated: 3, byOperation: { create: 2, update: 2, delete: 1 } });
  t.deepEqual((await store.changeLog.history(projectId, 'user', userId)).items.map((c) => c.operation), ['create', 'update', 'update', 'delete']);
});

test('addAll appends one create change per item in the same single transaction', async (t) => {
  const own = await isolatedStore(t, tableName);
  const seen = recordCommands(own);
  const projectId = project('add-all');
  const users = outboxUsers(own, projectId);
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  const added = await users.addAll(ids.map((id, index) => ({ id, object: person(`all-${index}`) })));
  t.deepEqual(added.map((user) => user.userId), ids);
  t.is(seen.filter((command) => command.name === 'TransactWriteItemsCommand').length, 1, 'one transaction');

  const changes = await changesOf(projectId);
  t.deepEqual(changes.map((c) => [c.seq, c.entityType, c.entityId, c.operation]), ids.map((id, index) => [index + 1, 'user', id, 'create']));
  for (const [index, id] of ids.entries()) t.deepEqual(changes[index]?.data, await store.users.get(id));
});

test('an entity with a composite id records it as entityId and its history finds it', async (t) => {
  const projectId = project('composite');
  const progress = withChangeLog(VideoProgress, { table: store.table, changeLog: store.changeLog, projectId });
  const userId = randomUUID();
  const videoId = `video-${tag()}`;
  const stored = await progress.add({
    id: { userId, videoId },
    object: { positionSeconds: 5, durationSeconds: 100, completed: false, updatedAt: new Date().toISOString(), ttl: Math.floor(Date.now() / 1000) + 86_400 },
  });
  const [change] = await changesOf(projectId);
  t.like(change, { entityType: 'videoProgress', operation: 'create' });
  t.true(change?.entityId.includes(userId) && change.entityId.includes(videoId), change?.entityId);
  t.deepEqual(change?.data, stored);
  t.deepEqual((await store.changeLog.history(projectId, 'videoProgress', change?.entityId ?? '')).items.map((c) => c.seq), [1]);
});

test('a cancelled transaction leaves neither the entity nor the change, and the sequence does not move (add, update, delete)', async (t) => {
  const own = await isolatedStore(t, tableName);
  const projectId = project('cancelled');
  const users = outboxUsers(own, projectId);
  const userId = randomUUID();
  const original = await users.add({ id: userId, object: person('cancel') });
  const state = await logState(projectId);
  t.is(state.sequence, 1);

  const fault = failTransactions(own, cancellation('ThrottlingError'));
  const newId = randomUUID();
  await rejection(t, () => users.add({ id: newId, object: person('never') }), 'throttled');
  await rejection(t, () => users.update(userId, (user) => ({ ...user, lastName: 'Never' })), 'throttled');
  await rejection(t, () => users.delete(userId), 'throttled');
  await rejection(t, () => users.save({ userId: randomUUID(), ...person('never-saved') }), 'throttled');
  t.true(fault.hits >= 4);
  fault.on = false;

  t.is((await store.users.getMany([newId])).items.length, 0, 'the added user was not written');
  t.deepEqual(await store.users.get(userId), original, 'the user is neither updated nor deleted');
  t.deepEqual(await logState(projectId), state, 'no change, no moved sequence, no moved head');

  // Once the fault is gone, the log continues without a gap.
  await users.update(userId, (user) => ({ ...user, lastName: 'Later' }));
  t.deepEqual((await changesOf(projectId)).map((c) => [c.seq, c.operation]), [
    [1, 'create'],
    [2, 'update'],
  ]);
});

test('a network error on the transaction leaves neither the entity nor the change (add, update, addAll)', async (t) => {
  const own = await isolatedStore(t, tableName);
  const projectId = project('network');
  const users = outboxUsers(own, projectId);
  const userId = randomUUID();
  const original = await users.add({ id: userId, object: person('net') });
  const state = await logState(projectId);

  const fault = failTransactions(own, networkError);
  const ids = [randomUUID(), randomUUID()];
  await rejection(t, () => users.add({ id: ids[0] as string, object: person('never') }), 'connection');
  await rejection(t, () => users.update(userId, (user) => ({ ...user, lastName: 'Never' })), 'connection');
  await rejection(t, () => users.addAll(ids.map((id) => ({ id, object: person('never-all') }))), 'connection');
  t.true(fault.hits >= 3);
  fault.on = false;

  t.is((await store.users.getMany(ids)).items.length, 0);
  t.deepEqual(await store.users.get(userId), original);
  t.deepEqual(await logState(projectId), state);
});

test('a transaction conflict is retried: the write and exactly one change land once', async (t) => {
  const own = await isolatedStore(t, tableName);
  const projectId = project('retried');
  const users = outboxUsers(own, projectId);
  const fault = failTransactions(own, cancellation('TransactionConflict'), 1);
  const userId = randomUUID();
  await users.add({ id: userId, object: person('retry') });
  t.is(fault.hits, 1);
  t.truthy(await store.users.get(userId));
  t.deepEqual((await changesOf(projectId)).map((c) => [c.seq, c.entityId, c.operation]), [[1, userId, 'create']]);
});

test('add of an existing id is alreadyExists and appends no change', async (t) => {
  const projectId = project('exists');
  const users = outboxUsers(store, projectId);
  const userId = randomUUID();
  const original = await users.add({ id: userId, object: person('first') });
  const state = await logState(projectId);

  await rejection(t, () => users.add({ id: userId, object: person('second') }), 'alreadyExists');
  t.deepEqual(await store.users.get(userId), original);
  t.deepEqual(await logState(projectId), state);

  // Also inside addAll: the whole batch fails, nothing of it is written.
  const fresh = randomUUID();
  await rejection(t, () => users.addAll([{ id: fresh, object: person('fresh') }, { id: userId, object: person('again') }]), 'alreadyExists');
  t.is((await store.users.getMany([fresh])).items.length, 0);
  t.deepEqual(await logState(projectId), state);
});

test('addAll that does not fit one transaction is validation and writes nothing', async (t) => {
  const projectId = project('too-big');
  const users = outboxUsers(store, projectId);
  await users.add({ id: randomUUID(), object: person('before') });
  const state = await logState(projectId);

  const ids = Array.from({ length: 40 }, () => randomUUID());
  await rejection(t, () => users.addAll(ids.map((id, index) => ({ id, object: person(`big-${index}`) }))), 'validation');
  t.is((await store.users.getMany(ids)).items.length, 0, 'no user written');
  t.deepEqual(await logState(projectId), state, 'no change written, sequence unmoved');
});

test('saveAll and deleteAll through the outbox record one change per item', async (t) => {
  const projectId = project('bulk');
  const users = outboxUsers(store, projectId);
  const items = Array.from({ length: 50 }, (_, index) => ({ userId: randomUUID(), ...person(`bulk-${index}`) }));
  const result = await users.saveAll(items);
  t.is(result.written, 50);

  const ids = items.map((item) => item.userId);
  t.is((await store.users.getMany(ids)).items.length, 50, 'every user written');
  let changes = await changesOf(projectId);
  t.deepEqual(changes.map((c) => c.seq), Array.from({ length: 50 }, (_, index) => index + 1), 'gapless');
  t.deepEqual(changes.map((c) => c.entityId), ids, 'one change per item, in input order');
  t.true(changes.every((c) => c.entityType === 'user' && (c.operation === 'create' || c.operation === 'update')));
  const stored = new Map((await store.users.getMany(ids)).items.map((user) => [user.userId, user]));
  t.deepEqual(
    changes.map((c) => c.data),
    changes.map((c) => stored.get(c.entityId)),
    'data is the stored item',
  );

  const missing = randomUUID();
  await users.deleteAll([...ids.slice(0, 30), missing]);
  t.is((await store.users.getMany(ids)).items.length, 20);
  changes = await changesOf(projectId);
  const deletes = changes.filter((c) => c.operation === 'delete');
  t.is(deletes.length, 30, 'one delete change per deleted item, none for the missing id');
  t.deepEqual(deletes.map((c) => c.entityId).sort(), ids.slice(0, 30).sort());
  t.deepEqual(changes.map((c) => c.seq), Array.from({ length: 80 }, (_, index) => index + 1));
  t.is((await store.changeLog.latest(projectId)).filter((c) => c.operation === 'delete').length, 30);
});
