/**
 * The outbox (`withChangeLog(table, entity, { changeLog, projectId })`) on DynamoDB Local and on
 * the in-memory twin: every entity write appends the matching change in the SAME transaction.
 * Faults are injected into that transaction with SDK middleware (DynamoDB only) to prove that
 * either both the entity write and its change happen, or neither.
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import type { Store } from '../../entities/index.ts';
import { ChangeLog, withChangeLog, type ChangeItem } from '../../src/services/index.ts';
import { backends } from '../support/db.ts';
import { cancellation, failTransactions, isolatedStore, networkError, useBackendStores, range, recordCommands, rejection, type AnyRecord } from './support.ts';

const { storeOf } = useBackendStores('svc-outbox');

const tag = () => randomUUID().slice(0, 8);
const project = (label: string) => `outbox-${label}-${tag()}`;
const outboxUsers = (store: Store, projectId: string) => withChangeLog(store.table, 'user', { changeLog: store.changeLog, projectId });
const person = (label: string) => ({ email: `${label}-${tag()}@example.com`, firstName: 'Grace', lastName: label, isActive: true });

async function changesOf(store: Store, projectId: string): Promise<ChangeItem[]> {
  const result: ChangeItem[] = [];
  for await (const page of store.changeLog.paginate(projectId)) result.push(...page);
  return result;
}

/** The observable state of a project's log: its sequence value, every change and the heads. */
async function logState(store: Store, projectId: string) {
  const sequence = (await store.entities.sequence.getMany([projectId])).items[0]?.value ?? 0;
  return { sequence, changes: await changesOf(store, projectId), latest: await store.changeLog.latest(projectId) };
}

for (const backend of backends) {
  const title = (name: string) => `[${backend}] ${name}`;

  test(title('create, patch, update, save and delete each append the matching change; data is the item after the write'), async (t) => {
    const store = storeOf(backend);
    const projectId = project('crud');
    const users = outboxUsers(store, projectId);
    const userId = randomUUID();

    const added = await users.add({ id: userId, object: person('add') });
    let changes = await changesOf(store, projectId);
    t.like(changes[0], { seq: 1, projectId, entityType: 'user', entityId: userId, operation: 'create' });
    t.deepEqual(changes[0]?.data, added, 'data is the stored item');
    t.deepEqual(added, await store.entities.user.get(userId));

    const patched = await users.patch(userId, { set: { lastName: 'Hopper' } });
    const updated = await users.update(userId, (current) => ({ ...current, firstName: 'Amazing' }));
    t.like(updated, { lastName: 'Hopper', firstName: 'Amazing', version: 3 });
    await users.save({ ...updated, firstName: 'Saved' });
    const saved = await store.entities.user.get(userId);
    const newId = randomUUID();
    const fresh = await users.save({ userId: newId, ...person('save-new') });
    changes = await changesOf(store, projectId);
    t.deepEqual(
      changes.map((c) => [c.seq, c.entityId, c.operation]),
      [
        [1, userId, 'create'],
        [2, userId, 'update'],
        [3, userId, 'update'],
        [4, userId, 'update'],
        [5, newId, 'create'],
      ],
    );
    t.deepEqual(
      changes.map((c) => c.data),
      [added, patched, updated, saved, fresh],
    );
    t.deepEqual(
      changes.map((c) => c.outdatedBy),
      [2, 3, 4, undefined, undefined],
    );

    // A stale save is a conflict and records nothing.
    await rejection(t, () => users.save({ ...updated, firstName: 'Stale' }), 'conflict');
    t.is((await changesOf(store, projectId)).length, 5);

    await users.delete(userId);
    await rejection(t, () => store.entities.user.get(userId), 'notFound');
    t.like((await changesOf(store, projectId))[5], { seq: 6, entityId: userId, operation: 'delete', data: { userId } });
    await rejection(t, () => users.delete(userId), 'notFound');
    await rejection(t, () => users.patch(userId, { set: { lastName: 'Ghost' } }), 'notFound');
    t.like(await store.changeLog.stats(projectId), { total: 6, latestSeq: 6, outdated: 4, byOperation: { create: 2, update: 3, delete: 1 } });
    t.deepEqual(
      (await store.changeLog.history(projectId, 'user', userId)).items.map((c) => c.operation),
      ['create', 'update', 'update', 'update', 'delete'],
    );
  });

  test(title('hidden attributes never reach the change log; a duplicate e-mail records nothing'), async (t) => {
    const store = storeOf(backend);
    const projectId = project('hidden');
    const users = outboxUsers(store, projectId);
    const secret = 'a'.repeat(64);
    const user = await users.create({ userId: randomUUID(), ...person('hidden'), refreshTokenHash: secret });
    t.false('refreshTokenHash' in user);
    await users.patch(user.userId, { set: { refreshTokenHash: 'b'.repeat(64), firstName: 'Kept' } });
    t.is((await store.entities.user.get(user.userId, { include: ['refreshTokenHash'] })).refreshTokenHash, 'b'.repeat(64), 'the hash is stored');
    const changes = await changesOf(store, projectId);
    t.is(changes.length, 2);
    t.like(changes[1]?.data, { firstName: 'Kept' });
    for (const item of changes)
      t.false(
        JSON.stringify(item).includes(secret) || JSON.stringify(item).includes('b'.repeat(64)) || 'refreshTokenHash' in item.data,
        JSON.stringify(item.data),
      );

    const state = await logState(store, projectId);
    await rejection(t, () => users.create({ userId: randomUUID(), ...person('dup'), email: user.email }), 'duplicate');
    await rejection(t, () => users.add({ id: user.userId, object: person('again') }), 'alreadyExists');
    t.deepEqual(await logState(store, projectId), state, 'no change, no moved sequence, no moved head');
  });

  test(title('addAll and createAll append one create change per item, all or nothing'), async (t) => {
    const store = storeOf(backend);
    const projectId = project('add-all');
    const users = outboxUsers(store, projectId);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const added = await users.addAll(ids.map((id, index) => ({ id, object: person(`all-${index}`) })));
    t.deepEqual(
      added.map((user) => user.userId),
      ids,
    );
    const changes = await changesOf(store, projectId);
    t.deepEqual(
      changes.map((c) => [c.seq, c.entityId, c.operation]),
      ids.map((id, index) => [index + 1, id, 'create']),
    );
    t.deepEqual(
      changes.map((c) => c.data),
      added,
    );

    // One existing id fails the whole batch: nothing of it is written.
    const state = await logState(store, projectId);
    const fresh = randomUUID();
    await rejection(
      t,
      () =>
        users.addAll([
          { id: fresh, object: person('fresh') },
          { id: ids[0] as string, object: person('again') },
        ]),
      'alreadyExists',
    );
    t.deepEqual((await store.entities.user.getMany([fresh])).missing, [fresh]);
    // 40 users with claims, changes and heads do not fit one transaction: validation, nothing written.
    const many = range(1, 40).map(() => randomUUID());
    await rejection(t, () => users.createAll(many.map((userId, index) => ({ userId, ...person(`big-${index}`) }))), 'validation');
    t.is((await store.entities.user.getMany(many)).items.length, 0);
    t.deepEqual(await logState(store, projectId), state);
  });

  test(title("concurrent outbox writes share the log's transactions; a duplicate e-mail fails only its own write"), async (t) => {
    const store = storeOf(backend);
    const projectId = project('together');
    const changeLog = new ChangeLog(store.table);
    const users = withChangeLog(store.table, 'user', { changeLog, projectId });
    const taken = await users.create({ userId: randomUUID(), ...person('taken') });
    const ids = range(1, 5).map(() => randomUUID());
    const results = await Promise.allSettled(
      ids.map((userId, index) => users.create({ userId, ...person(`w${index}`), ...(index === 2 ? { email: taken.email } : {}) })),
    );
    t.deepEqual(
      results.map((result) => (result.status === 'fulfilled' ? 'ok' : (result.reason as { code?: string }).code)),
      ['ok', 'ok', 'duplicate', 'ok', 'ok'],
    );
    const changes = await changesOf(store, projectId);
    t.deepEqual(
      changes.map((c) => c.seq),
      range(1, 5),
      'gapless: the failed write took no seq',
    );
    t.deepEqual(
      changes
        .slice(1)
        .map((c) => c.entityId)
        .sort(),
      [ids[0], ids[1], ids[3], ids[4]].sort(),
    );
    t.deepEqual((await store.entities.user.getMany(ids)).missing, [ids[2]]);
    t.true(changeLog.counters.transactions <= 3, `${changeLog.counters.transactions} transactions for 6 writes`);
  });

  test(title('an entity with a composite id records it as entityId and its history finds it'), async (t) => {
    const store = storeOf(backend);
    const projectId = project('composite');
    const progress = withChangeLog(store.table, 'videoProgress', { changeLog: store.changeLog, projectId });
    const [userId, videoId] = [randomUUID(), `video-${tag()}`];
    const stored = await progress.add({
      id: { userId, videoId },
      object: { positionSeconds: 5, durationSeconds: 100, completed: false, updatedAt: new Date().toISOString(), ttl: Math.floor(Date.now() / 1000) + 86_400 },
    });
    const [change] = await changesOf(store, projectId);
    t.like(change, { entityType: 'videoProgress', operation: 'create' });
    t.deepEqual(JSON.parse(change?.entityId ?? '{}'), { userId, videoId });
    t.deepEqual(change?.data, stored);
    t.deepEqual(
      (await store.changeLog.history(projectId, 'videoProgress', change?.entityId ?? '')).items.map((c) => c.seq),
      [1],
    );
  });

  test(title('saveAll and deleteAll through the outbox record one change per item, gapless, none for a missing id'), async (t) => {
    const store = storeOf(backend);
    const projectId = project('bulk');
    const users = outboxUsers(store, projectId);
    const items = range(1, 30).map((index) => ({ userId: randomUUID(), ...person(`bulk-${index}`) }));
    t.is((await users.saveAll(items)).written, 30);
    const ids = items.map((item) => item.userId);
    const stored = await store.entities.user.getMany(ids);
    t.is(stored.items.length, 30, 'every user written');
    let changes = await changesOf(store, projectId);
    t.deepEqual(
      changes.map((c) => c.seq),
      range(1, 30),
      'gapless',
    );
    t.deepEqual(
      changes.map((c) => [c.entityId, c.operation]),
      ids.map((id) => [id, 'create']),
      'one change per item, in input order',
    );
    t.deepEqual(
      changes.map((c) => c.data),
      stored.items,
      'data is the stored item',
    );

    const missing = randomUUID();
    await users.deleteAll([...ids.slice(0, 20), missing]);
    t.is((await store.entities.user.getMany(ids)).items.length, 10);
    changes = await changesOf(store, projectId);
    t.deepEqual(
      changes.map((c) => c.seq),
      range(1, 50),
    );
    const deletes = changes.filter((c) => c.operation === 'delete');
    t.deepEqual(deletes.map((c) => c.entityId).sort(), ids.slice(0, 20).sort(), 'one delete per deleted item, none for the missing id');
    t.is((await store.changeLog.latest(projectId)).filter((c) => c.operation === 'delete').length, 20);
  });
}

// --- DynamoDB only: the requests sent, and faults DynamoDB Local cannot produce ------------------

test('[dynamodb] a write and its change are ONE TransactWriteItems (create, patch, delete, addAll)', async (t) => {
  const store = storeOf('dynamodb');
  const own = await isolatedStore(t, store.table.tableName);
  const seen = recordCommands(own);
  const users = outboxUsers(own, project('one-transaction'));
  const reads = new Set(['GetItemCommand', 'BatchGetItemCommand']);
  const writes = () => seen.splice(0).filter((command) => !reads.has(command.name));
  const userId = randomUUID();
  await users.add({ id: userId, object: person('tx') });
  const create = writes();
  t.deepEqual(
    create.map((command) => command.name),
    ['TransactWriteItemsCommand'],
  );
  const entities = ((create[0]?.input.TransactItems ?? []) as AnyRecord[]).map((item) => JSON.stringify(item).match(/"__edb_e__":"(\w+)"/)?.[1]);
  // The entity's head rides in the sequence item (its recent heads): no head item of its own.
  for (const entity of ['user', 'tablekitUnique', 'change', 'sequence']) t.true(entities.includes(entity), `the transaction holds ${entities.join(', ')}`);
  await users.patch(userId, { set: { lastName: 'One' } });
  t.deepEqual(
    writes().map((command) => command.name),
    ['TransactWriteItemsCommand'],
  );
  await users.delete(userId);
  t.deepEqual(
    writes().map((command) => command.name),
    ['TransactWriteItemsCommand'],
  );
  await users.addAll([
    { id: randomUUID(), object: person('a') },
    { id: randomUUID(), object: person('b') },
  ]);
  t.deepEqual(
    writes().map((command) => command.name),
    ['TransactWriteItemsCommand'],
  );
});

test('[dynamodb] a cancelled transaction leaves neither the entity nor the change, and the sequence does not move', async (t) => {
  const store = storeOf('dynamodb');
  const own = await isolatedStore(t, store.table.tableName);
  const projectId = project('cancelled');
  const users = outboxUsers(own, projectId);
  const userId = randomUUID();
  const original = await users.add({ id: userId, object: person('cancel') });
  const state = await logState(store, projectId);

  const fault = failTransactions(own, cancellation('ThrottlingError'));
  const newId = randomUUID();
  await rejection(t, () => users.add({ id: newId, object: person('never') }), 'throttled');
  await rejection(t, () => users.update(userId, (user) => ({ ...user, lastName: 'Never' })), 'throttled');
  await rejection(t, () => users.patch(userId, { set: { lastName: 'Never' } }), 'throttled');
  await rejection(t, () => users.delete(userId), 'throttled');
  t.is(fault.hits, 4);
  fault.on = false;
  t.deepEqual((await store.entities.user.getMany([newId])).missing, [newId], 'the added user was not written');
  t.deepEqual(await store.entities.user.get(userId), original, 'the user is neither updated nor deleted');
  t.deepEqual(await logState(store, projectId), state, 'no change, no moved sequence, no moved head');

  await users.patch(userId, { set: { lastName: 'Later' } });
  t.deepEqual(
    (await changesOf(store, projectId)).map((c) => [c.seq, c.operation]),
    [
      [1, 'create'],
      [2, 'update'],
    ],
    'the log continues without a gap',
  );
});

test('[dynamodb] a network error on the transaction leaves neither the entity nor the change', async (t) => {
  const store = storeOf('dynamodb');
  const own = await isolatedStore(t, store.table.tableName);
  const projectId = project('network');
  const users = outboxUsers(own, projectId);
  const userId = randomUUID();
  const original = await users.add({ id: userId, object: person('net') });
  const state = await logState(store, projectId);
  const fault = failTransactions(own, networkError);
  const ids = [randomUUID(), randomUUID()];
  await rejection(t, () => users.add({ id: ids[0] as string, object: person('never') }), 'connection');
  await rejection(t, () => users.update(userId, (user) => ({ ...user, lastName: 'Never' })), 'connection');
  await rejection(t, () => users.addAll(ids.map((id) => ({ id, object: person('never-all') }))), 'connection');
  t.is(fault.hits, 3);
  t.is((await store.entities.user.getMany(ids)).items.length, 0);
  t.deepEqual(await store.entities.user.get(userId), original);
  t.deepEqual(await logState(store, projectId), state);
});

test('[dynamodb] a transaction conflict is retried: the write and exactly one change land once', async (t) => {
  const store = storeOf('dynamodb');
  const own = await isolatedStore(t, store.table.tableName);
  const projectId = project('retried');
  const fault = failTransactions(own, cancellation('TransactionConflict'), 1);
  const userId = randomUUID();
  await outboxUsers(own, projectId).add({ id: userId, object: person('retry') });
  t.is(fault.hits, 1);
  t.is((await store.entities.user.get(userId)).userId, userId);
  t.deepEqual(
    (await changesOf(store, projectId)).map((c) => [c.seq, c.entityId, c.operation]),
    [[1, userId, 'create']],
  );
});
