/**
 * The requests UserService sends, and faults DynamoDB Local cannot produce (injected with SDK
 * middleware). Behaviour on both backends is in users.test.ts.
 */
import test from 'ava';
import type { Backend } from '../support/db.ts';
import { cancellation, failTransactions, isolatedStore, recordCommands, rejection, useBackendStores, type AnyRecord } from './support.ts';
import { addProgress, assertClaim, progressOf, register, tag } from './users-support.ts';

const { storeOf } = useBackendStores('svc-users-requests');
const tableOf = (backend: Backend) => storeOf(backend).table.tableName;

// --- DynamoDB only: the requests sent, and faults DynamoDB Local cannot produce ------------------

test('[dynamodb] register is one transaction: the user and its claim, each put only if absent', async (t) => {
  const own = await isolatedStore(t, tableOf('dynamodb'));
  const seen = recordCommands(own);
  const raw = `  Ada.${tag()}@Example.COM \n`;
  const user = await own.userService.register({ email: raw, firstName: 'Ada', lastName: 'Lovelace' });
  t.is(user.email, raw.trim().toLowerCase());
  t.like(user, { firstName: 'Ada', lastName: 'Lovelace', isActive: true, version: 1 });
  t.regex(user.userId, /^[0-9a-f-]{36}$/);
  t.deepEqual(
    seen.map((command) => command.name),
    ['TransactWriteItemsCommand'],
    'exactly one request',
  );
  const items = seen[0]?.input.TransactItems as { Put?: { Item: AnyRecord; ConditionExpression?: string } }[];
  t.deepEqual(
    items.map((item) => item.Put?.Item.__edb_e__),
    ['user', 'tablekitUnique'],
  );
  for (const item of items) t.regex(item.Put?.ConditionExpression ?? '', /attribute_not_exists/);
});

test('[dynamodb] changeEmail reads the user, then ONE transaction: user updated under its version, old claim released, new one taken', async (t) => {
  const store = storeOf('dynamodb');
  const ada = await register(store, `move-${tag()}@example.com`);
  const own = await isolatedStore(t, tableOf('dynamodb'));
  const seen = recordCommands(own);
  await own.userService.changeEmail(ada.userId, `moved-${tag()}@example.com`);
  t.deepEqual(
    seen.map((command) => command.name),
    ['GetItemCommand', 'TransactWriteItemsCommand'],
  );
  const items = seen[1]?.input.TransactItems as AnyRecord[];
  t.deepEqual(items.map((item) => Object.keys(item)[0]).sort(), ['Delete', 'Put', 'Update']);
  const update = items.find((item) => 'Update' in item)?.Update as {
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: AnyRecord;
  };
  const versionName = Object.entries(update.ExpressionAttributeNames ?? {}).find(([, name]) => name === 'version')?.[0] ?? '?';
  const guard = new RegExp(`${versionName} = (:\\w+)`).exec(update.ConditionExpression ?? '');
  t.is(update.ExpressionAttributeValues?.[guard?.[1] ?? ''], 1, `guarded by the version that was read: ${update.ConditionExpression}`);
});

test('[dynamodb] getAccount is ONE Query', async (t) => {
  const store = storeOf('dynamodb');
  const ada = await register(store, `one-query-${tag()}@example.com`);
  await store.videoProgressService.record(ada.userId, 'v', { positionSeconds: 1, durationSeconds: 10 });
  const own = await isolatedStore(t, tableOf('dynamodb'));
  const seen = recordCommands(own);
  t.is((await own.userService.getAccount(ada.userId)).videoProgress.length, 1);
  t.deepEqual(
    seen.map((command) => command.name),
    ['QueryCommand'],
  );
});

test('[dynamodb] a transaction conflict during register is retried: a free e-mail registers, a taken one ends as duplicate', async (t) => {
  const own = await isolatedStore(t, tableOf('dynamodb'));
  const fault = failTransactions(own, cancellation('TransactionConflict'), 1);
  const free = `conflict-free-${tag()}@example.com`;
  const registered = await own.userService.register({ email: free, firstName: 'Retry', lastName: 'Free' });
  t.is(fault.hits, 1);
  await assertClaim(t, own, free, registered.userId);

  const taken = `conflict-taken-${tag()}@example.com`;
  const owner = await register(storeOf('dynamodb'), taken);
  fault.hits = 0;
  await rejection(t, () => own.userService.register({ email: taken, firstName: 'Retry', lastName: 'Taken' }), 'duplicate');
  t.is(fault.hits, 1);
  await assertClaim(t, own, taken, owner.userId);
});

test('[dynamodb] a cancelled transaction of an atomic delete leaves user, claim and every progress item in place', async (t) => {
  const store = storeOf('dynamodb');
  const email = `delete-cancel-${tag()}@example.com`;
  const user = await register(store, email);
  await addProgress(store, user.userId, 10);
  const own = await isolatedStore(t, tableOf('dynamodb'));
  const fault = failTransactions(own, cancellation('ThrottlingError'), 1);
  await rejection(t, () => own.userService.delete(user.userId), 'throttled');
  t.is(fault.hits, 1);
  t.deepEqual(await store.userService.get(user.userId), user);
  await assertClaim(t, store, email, user.userId);
  t.is((await progressOf(store, user.userId)).length, 10, 'no progress item was deleted');

  t.deepEqual(await own.userService.delete(user.userId), { deletedProgress: 10, atomic: true });
  await assertClaim(t, store, email, undefined);
  t.deepEqual(await progressOf(store, user.userId), []);
});
