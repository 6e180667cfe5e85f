/**
 * UserService against DynamoDB Local: unique e-mails through claims written in the same
 * transaction, e-mail changes, hashed refresh tokens, listActive, the one-Query account read and
 * deletion (atomic when it fits one transaction, resumable otherwise, with injected faults).
 */
import { createHash, randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import test, { type ExecutionContext } from 'ava';
import { RepositoryError, type InferInput } from '../../src/index.ts';
import { openStore, type Store, type VideoProgress } from '../../entities/index.ts';
import { uniqueTableName } from '../support/db.ts';
import { addMiddleware, isolatedStore, recordCommands, type AnyRecord } from './support.ts';


let store: Store;
let tableName: string;

test.before(async () => {
  tableName = uniqueTableName('svc-users');
  store = await openStore({ tableName });
});

test.after.always(async () => {
  if (!store) return;
  await store.table.delete();
  await store.close();
});

const tag = () => randomUUID().slice(0, 8);
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function register(email: string, firstName = 'Ada', lastName = 'Lovelace') {
  return store.userService.register({ email, firstName, lastName });
}

/** Every item of the table, raw (keys and ElectroDB markers included), read with a Scan. */
async function scanAll(): Promise<AnyRecord[]> {
  const items: AnyRecord[] = [];
  let start: AnyRecord | undefined;
  do {
    const page = await store.connection.doc.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...((page.Items ?? []) as AnyRecord[]));
    start = page.LastEvaluatedKey as AnyRecord | undefined;
  } while (start);
  return items;
}

const countEntity = (items: readonly AnyRecord[], entity: string) => items.filter((item) => item.__edb_e__ === entity).length;




async function rejection(t: ExecutionContext, run: () => Promise<unknown>, code: RepositoryError['code']): Promise<RepositoryError> {
  const error = await t.throwsAsync(async () => run(), { instanceOf: RepositoryError });
  if (!error) throw new Error('expected a RepositoryError');
  t.is(error.code, code, error.message);
  return error;
}

async function addProgress(userId: string, count: number): Promise<void> {
  const now = Date.now();
  const items: InferInput<typeof VideoProgress>[] = Array.from({ length: count }, (_, index) => ({
    userId,
    videoId: `video-${String(index).padStart(4, '0')}`,
    positionSeconds: index,
    durationSeconds: 1000,
    completed: false,
    updatedAt: new Date(now - index * 1000).toISOString(),
    ttl: Math.floor(now / 1000) + 90 * 86_400,
  }));
  await store.videoProgress.saveAll(items);
}

const progressOf = (userId: string) => store.videoProgress.query({ pattern: 'primary', key: { userId } });

/** The user/claim invariant: a claim always points at an existing user that holds that e-mail. */
async function assertNoDanglingClaim(t: ExecutionContext, email: string): Promise<void> {
  const claims = await store.emailClaims.getMany([email]);
  for (const claim of claims.items) {
    const users = await store.users.getMany([claim.userId]);
    t.is(users.items[0]?.email, email, `the claim of ${email} points at an existing user with that e-mail`);
  }
}

// --- serial: these count items of the whole table -------------------------------------------

test.serial('a duplicate e-mail (other case and whitespace) is rejected with duplicate and writes nothing', async (t) => {
  const email = `dup-${tag()}@example.com`;
  const first = await register(email);
  const before = await scanAll();

  const error = await rejection(t, () => register(`  ${email.toUpperCase()}\t`, 'Eve', 'Copy'), 'duplicate');
  t.regex(error.message, new RegExp(email));

  const after = await scanAll();
  t.is(countEntity(after, 'user'), countEntity(before, 'user'), 'no user item was written');
  t.is(countEntity(after, 'emailClaim'), countEntity(before, 'emailClaim'), 'no claim item was written');
  t.is(after.length, before.length);
  t.false(after.some((item) => item.firstName === 'Eve'), 'no trace of the rejected registration');
  t.deepEqual(await store.userService.findByEmail(email), first);
  t.is((await store.emailClaims.get(email)).userId, first.userId);
});

test.serial('an invalid e-mail is rejected with validation and writes nothing', async (t) => {
  const before = await scanAll();
  await rejection(t, () => register(`not-an-email-${tag()}`, 'Invalid', 'Mail'), 'validation');
  const after = await scanAll();
  t.is(after.length, before.length);
  t.false(after.some((item) => item.firstName === 'Invalid'));
});

// --- concurrent ------------------------------------------------------------------------------

test('register writes the user and the claim in one transaction with the e-mail trimmed and lower-cased', async (t) => {
  const own = await isolatedStore(t, tableName);
  const seen = recordCommands(own);
  const raw = `  Ada.${tag()}@Example.COM \n`;
  const email = raw.trim().toLowerCase();

  const user = await own.userService.register({ email: raw, firstName: 'Ada', lastName: 'Lovelace' });
  t.is(user.email, email);
  t.like(user, { firstName: 'Ada', lastName: 'Lovelace', isActive: true, version: 1 });
  t.regex(user.userId, /^[0-9a-f-]{36}$/);
  t.is(user.refreshTokenHash, undefined);

  t.deepEqual(seen.map((command) => command.name), ['TransactWriteItemsCommand'], 'exactly one request: the transaction');
  const items = seen[0]?.input.TransactItems as { Put?: { Item: AnyRecord; ConditionExpression?: string } }[];
  t.deepEqual(items.map((item) => item.Put?.Item.__edb_e__), ['user', 'emailClaim']);
  t.regex(items[1]?.Put?.ConditionExpression ?? '', /attribute_not_exists/, 'the claim is put only if absent');

  t.deepEqual(await store.userService.get(user.userId), user);
  t.deepEqual(await store.emailClaims.get(email), { email, userId: user.userId });
});

test('changeEmail moves the claim atomically; the old e-mail is free again; a taken e-mail is duplicate and changes nothing', async (t) => {
  const id = tag();
  const oldEmail = `old-${id}@example.com`;
  const newEmail = `new-${id}@example.com`;
  const otherEmail = `other-${id}@example.com`;
  const ada = await register(oldEmail);
  const bob = await register(otherEmail, 'Bob', 'Builder');

  const own = await isolatedStore(t, tableName);
  const seen = recordCommands(own);
  const moved = await own.userService.changeEmail(ada.userId, `  ${newEmail.toUpperCase()} `);
  t.like(moved, { userId: ada.userId, email: newEmail, version: 2, firstName: 'Ada' });
  const transactions = seen.filter((command) => command.name === 'TransactWriteItemsCommand');
  t.is(transactions.length, 1, 'one transaction');
  t.deepEqual(
    (transactions[0]?.input.TransactItems as AnyRecord[]).map((item) => Object.keys(item)[0]),
    ['Delete', 'Put', 'Put'],
    'old claim deleted, new claim put, user put',
  );

  t.deepEqual(await store.userService.get(ada.userId), moved);
  t.deepEqual(await store.emailClaims.get(newEmail), { email: newEmail, userId: ada.userId });
  t.is((await store.emailClaims.getMany([oldEmail])).items.length, 0, 'the old claim is gone');
  t.is(await store.userService.findByEmail(oldEmail), undefined);
  t.deepEqual(await store.userService.findByEmail(newEmail), moved);

  // The old e-mail can be registered again.
  const carol = await register(oldEmail, 'Carol', 'Reuse');
  t.is(carol.email, oldEmail);
  t.is((await store.emailClaims.get(oldEmail)).userId, carol.userId);

  // Someone else's e-mail (other case): duplicate, and nothing changes.
  await rejection(t, () => store.userService.changeEmail(ada.userId, ` ${otherEmail.toUpperCase()}`), 'duplicate');
  t.deepEqual(await store.userService.get(ada.userId), moved, 'the user is unchanged');
  t.deepEqual(await store.userService.get(bob.userId), bob);
  t.is((await store.emailClaims.get(newEmail)).userId, ada.userId, 'Ada keeps her claim');
  t.is((await store.emailClaims.get(otherEmail)).userId, bob.userId, 'Bob keeps his claim');

  // The same e-mail in another spelling is a no-op.
  t.deepEqual(await store.userService.changeEmail(ada.userId, newEmail.toUpperCase()), moved);
  await rejection(t, () => store.userService.changeEmail(randomUUID(), `ghost-${id}@example.com`), 'notFound');
  for (const email of [oldEmail, newEmail, otherEmail]) await assertNoDanglingClaim(t, email);
});

test('a transaction conflict during register (a concurrent transaction on the claim) is retried: a free e-mail registers, a taken one ends as duplicate', async (t) => {
  // DynamoDB cancels a transaction with reason TransactionConflict when another transaction is
  // in flight on one of its items (e.g. two registrations of the same e-mail at once); DynamoDB
  // Local serialises transactions and never does, so the cancellation is injected once.
  const own = await isolatedStore(t, tableName);
  let injected = 0;
  addMiddleware(own, 'conflictOnce', (next, context) => async (args) => {
    if (context.commandName === 'TransactWriteItemsCommand' && injected === 0) {
      injected++;
      throw new TransactionCanceledException({
        message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict] (injected)',
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }],
      });
    }
    return next(args);
  });
  const free = `conflict-free-${tag()}@example.com`;
  const registered = await own.userService.register({ email: free, firstName: 'Retry', lastName: 'Free' });
  t.is(injected, 1);
  t.is(registered.email, free);
  t.is((await store.emailClaims.get(free)).userId, registered.userId);

  const taken = `conflict-taken-${tag()}@example.com`;
  const owner = await register(taken);
  injected = 0;
  await rejection(t, () => own.userService.register({ email: taken, firstName: 'Retry', lastName: 'Taken' }), 'duplicate');
  t.is(injected, 1);
  t.is((await store.emailClaims.get(taken)).userId, owner.userId);
});

test('findByEmail normalises the address and returns undefined for an unknown one', async (t) => {
  const email = `find-${tag()}@example.com`;
  const user = await register(email);
  t.deepEqual(await store.userService.findByEmail(email), user);
  t.deepEqual(await store.userService.findByEmail(`  ${email.toUpperCase()} `), user);
  t.is(await store.userService.findByEmail(`nobody-${tag()}@example.com`), undefined);
});

test('refresh tokens: only the SHA-256 is stored; find, replace, revoke and deactivate', async (t) => {
  const user = await register(`token-${tag()}@example.com`);
  const token = await store.userService.issueRefreshToken(user.userId);
  t.is(typeof token, 'string');
  t.true(token.length >= 32, 'a long random token');

  const items = await scanAll();
  const raw = items.map((item) => JSON.stringify(item));
  t.false(raw.some((text) => text.includes(token)), 'the raw token is stored nowhere');
  t.true(raw.some((text) => text.includes(sha256(token))), 'its SHA-256 hex is stored');
  t.is((await store.users.get(user.userId)).refreshTokenHash, sha256(token));

  t.is((await store.userService.findByRefreshToken(token))?.userId, user.userId);
  t.is(await store.userService.findByRefreshToken(`${token}x`), undefined);
  t.is(await store.userService.findByRefreshToken(sha256(token)), undefined, 'the hash itself is not a token');

  // A new token replaces the previous one.
  const second = await store.userService.issueRefreshToken(user.userId);
  t.not(second, token);
  t.is(await store.userService.findByRefreshToken(token), undefined);
  t.is((await store.userService.findByRefreshToken(second))?.userId, user.userId);

  const revoked = await store.userService.revokeRefreshToken(user.userId);
  t.is(revoked.refreshTokenHash, undefined);
  t.is(await store.userService.findByRefreshToken(second), undefined);
  t.is((await store.users.get(user.userId)).refreshTokenHash, undefined);

  const third = await store.userService.issueRefreshToken(user.userId);
  t.is((await store.userService.findByRefreshToken(third))?.userId, user.userId);
  const deactivated = await store.userService.deactivate(user.userId);
  t.false(deactivated.isActive);
  t.is(deactivated.refreshTokenHash, undefined);
  t.is(await store.userService.findByRefreshToken(third), undefined);
  await rejection(t, () => store.userService.issueRefreshToken(user.userId), 'validation');
});

test('listActive pages with limit and cursor and leaves out deactivated users', async (t) => {
  const id = tag();
  const mine = await Promise.all(Array.from({ length: 6 }, (_, index) => register(`active-${index}-${id}@example.com`, `Active${index}`, `List-${id}`)));
  const gone = mine[2] as (typeof mine)[number];
  await store.userService.deactivate(gone.userId);

  const pages: { userId: string; isActive: boolean; email: string }[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.userService.listActive({ limit: 3, ...(cursor ? { cursor } : {}) });
    pages.push(page.items);
    cursor = page.cursor;
  } while (cursor && pages.length < 1000);
  t.is(cursor, undefined, 'paging ends');
  t.true(pages.length > 1, 'more than one page');
  t.true(pages.every((page) => page.length <= 3), 'no page exceeds the limit');

  const listed = pages.flat();
  t.true(listed.every((user) => user.isActive === true && typeof user.email === 'string'), 'only active users');
  t.is(new Set(listed.map((user) => user.userId)).size, listed.length, 'no user twice');
  const ids = new Set(listed.map((user) => user.userId));
  for (const user of mine) t.is(ids.has(user.userId), user.userId !== gone.userId, `${user.email} listed iff active`);
});

test('getAccount returns the user and all their video progress in ONE Query', async (t) => {
  const ada = await register(`account-${tag()}@example.com`);
  const bob = await register(`account-other-${tag()}@example.com`, 'Bob', 'Other');
  for (const videoId of ['v-b', 'v-a', 'v-c']) await store.videoProgressService.record(ada.userId, videoId, { positionSeconds: 10, durationSeconds: 100 });
  await store.videoProgressService.record(bob.userId, 'v-a', { positionSeconds: 20, durationSeconds: 100 });

  const own = await isolatedStore(t, tableName);
  const seen = recordCommands(own);
  const account = await own.userService.getAccount(ada.userId);
  t.deepEqual(seen.map((command) => command.name), ['QueryCommand'], 'exactly one request, a Query');
  t.deepEqual(account.user, ada);
  t.deepEqual(account.videoProgress.map((progress) => progress.videoId).sort(), ['v-a', 'v-b', 'v-c']);
  t.true(account.videoProgress.every((progress) => progress.userId === ada.userId && progress.positionSeconds === 10));

  const carol = await register(`account-empty-${tag()}@example.com`, 'Carol', 'Empty');
  t.deepEqual(await store.userService.getAccount(carol.userId), { user: carol, videoProgress: [] });
  await rejection(t, () => store.userService.getAccount(randomUUID()), 'notFound');
});

test('delete with 98 progress items is one transaction removing user, claim and progress', async (t) => {
  const email = `delete-98-${tag()}@example.com`;
  const user = await register(email);
  await addProgress(user.userId, 98);
  t.is((await progressOf(user.userId)).length, 98);

  const own = await isolatedStore(t, tableName);
  const seen = recordCommands(own);
  t.deepEqual(await own.userService.delete(user.userId), { deletedProgress: 98, atomic: true });
  const writes = seen.filter((command) => command.name !== 'QueryCommand' && command.name !== 'GetItemCommand' && command.name !== 'BatchGetItemCommand');
  t.deepEqual(writes.map((command) => command.name), ['TransactWriteItemsCommand'], 'a single write request');
  t.is((writes[0]?.input.TransactItems as unknown[]).length, 100);

  await rejection(t, () => store.users.get(user.userId), 'notFound');
  t.is((await store.emailClaims.getMany([email])).items.length, 0);
  t.deepEqual(await progressOf(user.userId), []);
  t.is((await register(email)).email, email, 'the e-mail is free again');
});

test('delete with 99 progress items (101 items) is no longer atomic and still removes everything', async (t) => {
  const email = `delete-99-${tag()}@example.com`;
  const user = await register(email);
  await addProgress(user.userId, 99);
  t.deepEqual(await store.userService.delete(user.userId), { deletedProgress: 99, atomic: false });
  await rejection(t, () => store.users.get(user.userId), 'notFound');
  t.is((await store.emailClaims.getMany([email])).items.length, 0);
  t.deepEqual(await progressOf(user.userId), []);
});

test('delete with 150 progress items is not atomic: progress first, then user and claim together', async (t) => {
  const email = `delete-150-${tag()}@example.com`;
  const user = await register(email);
  await addProgress(user.userId, 150);

  const own = await isolatedStore(t, tableName);
  const seen = recordCommands(own);
  t.deepEqual(await own.userService.delete(user.userId), { deletedProgress: 150, atomic: false });
  const names = seen.map((command) => command.name);
  t.is(names.filter((name) => name === 'TransactWriteItemsCommand').length, 1);
  t.is(names.at(-1), 'TransactWriteItemsCommand', 'user and claim go last');
  t.deepEqual(
    (seen.at(-1)?.input.TransactItems as { Delete?: { Key: AnyRecord } }[]).map((item) => Object.keys(item)[0]),
    ['Delete', 'Delete'],
  );
  t.true(names.includes('BatchWriteItemCommand'), 'the progress is deleted in batches');

  await rejection(t, () => store.users.get(user.userId), 'notFound');
  t.is((await store.emailClaims.getMany([email])).items.length, 0);
  t.deepEqual(await progressOf(user.userId), []);
});

test('a failure in the final transaction of a large delete leaves user and claim together; a second delete completes', async (t) => {
  const email = `delete-fault-${tag()}@example.com`;
  const user = await register(email);
  await addProgress(user.userId, 150);

  const own = await isolatedStore(t, tableName);
  let injected = 0;
  addMiddleware(own, 'failTransactionOnce', (next, context) => async (args) => {
    if (context.commandName === 'TransactWriteItemsCommand' && injected++ === 0) throw Object.assign(new Error('read ECONNRESET (injected)'), { code: 'ECONNRESET' });
    return next(args);
  });
  await rejection(t, () => own.userService.delete(user.userId), 'connection');
  t.is(injected, 1);

  t.deepEqual(await store.users.get(user.userId), user, 'the user is still there');
  t.is((await store.emailClaims.get(email)).userId, user.userId, 'and so is the claim');
  t.is((await store.userService.findByEmail(email))?.userId, user.userId);
  await assertNoDanglingClaim(t, email);
  t.deepEqual(await progressOf(user.userId), [], 'the progress went first (documented order)');

  // The rerun resumes: only user and claim are left, and they go in one transaction.
  t.deepEqual(await own.userService.delete(user.userId), { deletedProgress: 0, atomic: true });
  await rejection(t, () => store.users.get(user.userId), 'notFound');
  t.is((await store.emailClaims.getMany([email])).items.length, 0);
  t.deepEqual(await progressOf(user.userId), []);
});

test('a cancelled transaction of an atomic delete leaves user, claim and every progress item in place', async (t) => {
  const email = `delete-cancel-${tag()}@example.com`;
  const user = await register(email);
  await addProgress(user.userId, 40);

  const own = await isolatedStore(t, tableName);
  let injected = 0;
  addMiddleware(own, 'cancelTransactionOnce', (next, context) => async (args) => {
    if (context.commandName === 'TransactWriteItemsCommand' && injected++ === 0) {
      const count = (args.input.TransactItems as unknown[]).length;
      throw new TransactionCanceledException({
        message: 'Transaction cancelled (injected)',
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: Array.from({ length: count }, (_, index) => ({ Code: index === 0 ? 'ThrottlingError' : 'None' })),
      });
    }
    return next(args);
  });
  await rejection(t, () => own.userService.delete(user.userId), 'throttled');

  t.deepEqual(await store.users.get(user.userId), user);
  t.is((await store.emailClaims.get(email)).userId, user.userId);
  t.is((await progressOf(user.userId)).length, 40, 'no progress item was deleted');

  t.deepEqual(await own.userService.delete(user.userId), { deletedProgress: 40, atomic: true });
  await rejection(t, () => store.users.get(user.userId), 'notFound');
  t.is((await store.emailClaims.getMany([email])).items.length, 0);
  t.deepEqual(await progressOf(user.userId), []);
});
