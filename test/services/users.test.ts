/**
 * UserService on DynamoDB Local and on the in-memory twin: unique e-mails through the user
 * entity's `unique` declaration (a claim item in the same transaction, on every write path, also
 * `store.entities.user`), e-mail changes, hidden refresh-token hashes, `get…` lookups that throw
 * notFound, listActive, the one-Query account read and deletion (atomic when it fits one
 * transaction, resumable otherwise). Faults the emulator cannot produce are injected with SDK
 * middleware (DynamoDB only).
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { backends, type Backend } from '../support/db.ts';
import { failTransactions, isolatedStore, networkError, useBackendStores, recordCommands, rejection, scanAll, type AnyRecord } from './support.ts';

const { storeOf } = useBackendStores('svc-users');
const tableOf = (backend: Backend) => storeOf(backend).table.tableName;

import { addProgress, assertClaim, claims, progressOf, register, sha256, tag } from './users-support.ts';

for (const backend of backends) {
  const title = (name: string) => `[${backend}] ${name}`;

  // --- serial: these compare whole-table scans -------------------------------------------------

  test.serial(title('a duplicate e-mail (other case and whitespace) is duplicate and writes nothing; an invalid one is validation'), async (t) => {
    const store = storeOf(backend);
    const email = `dup-${tag()}@example.com`;
    const first = await register(store, email);
    const before = await scanAll(store);

    const error = await rejection(t, () => register(store, `  ${email.toUpperCase()}\t`, 'Eve', 'Copy'), 'duplicate');
    t.is(error.entity, 'user');
    t.regex(error.message, new RegExp(email));
    await rejection(t, () => register(store, `not-an-email-${tag()}`, 'Invalid', 'Mail'), 'validation');

    const after = await scanAll(store);
    t.is(after.length, before.length, 'no item was written');
    t.false(
      after.some((item) => item.firstName === 'Eve' || item.firstName === 'Invalid'),
      'no trace of the rejected registrations',
    );
    t.deepEqual(await store.userService.getByEmail(email), first);
    await assertClaim(t, store, email, first.userId);
  });

  test.serial(title('store.entities.user cannot bypass uniqueness: create with a taken e-mail is duplicate; delete frees the address'), async (t) => {
    const store = storeOf(backend);
    const email = `entity-${tag()}@example.com`;
    const owner = await register(store, email);
    const before = await scanAll(store);

    const bypass = { userId: randomUUID(), email, firstName: 'Mallory', lastName: 'Bypass', isActive: true };
    await rejection(t, () => store.entities.user.create(bypass), 'duplicate');
    await rejection(t, () => store.entities.user.save(bypass), 'duplicate');
    await rejection(
      t,
      () =>
        store.entities.user.createAll([
          { ...bypass, email: `free-${tag()}@example.com` },
          { ...bypass, userId: randomUUID() },
        ]),
      'duplicate',
    );
    const other = await register(store, `other-${tag()}@example.com`, 'Bob');
    await rejection(t, () => store.entities.user.patch(other.userId, { set: { email } }), 'duplicate');
    await rejection(t, () => store.entities.user.update(other.userId, (current) => ({ ...current, email })), 'duplicate');
    await rejection(t, () => store.table.transactWrite((tx) => [tx.user.create({ ...bypass, userId: randomUUID() })]), 'duplicate');
    t.is((await scanAll(store)).length, before.length + 2, 'only Bob and his claim were written');
    t.deepEqual(await store.entities.user.getByUnique('email', ` ${email.toUpperCase()} `), owner);

    await store.entities.user.delete(owner.userId);
    await assertClaim(t, store, email, undefined);
    const again = await register(store, email, 'Carol');
    t.not(again.userId, owner.userId);
    await assertClaim(t, store, email, again.userId);
  });

  // --- concurrent --------------------------------------------------------------------------------

  test(title('changeEmail moves the claim; the old e-mail is free again; a taken e-mail is duplicate and changes nothing'), async (t) => {
    const store = storeOf(backend);
    const id = tag();
    const [oldEmail, newEmail, otherEmail] = [`old-${id}@example.com`, `new-${id}@example.com`, `other-${id}@example.com`];
    const ada = await register(store, oldEmail);
    const bob = await register(store, otherEmail, 'Bob', 'Builder');

    const moved = await store.userService.changeEmail(ada.userId, `  ${newEmail.toUpperCase()} `);
    t.like(moved, { userId: ada.userId, email: newEmail, version: 2, firstName: 'Ada' });
    t.deepEqual(await store.userService.get(ada.userId), moved);
    await assertClaim(t, store, newEmail, ada.userId);
    await assertClaim(t, store, oldEmail, undefined);

    const carol = await register(store, oldEmail, 'Carol', 'Reuse');
    await assertClaim(t, store, oldEmail, carol.userId);

    await rejection(t, () => store.userService.changeEmail(ada.userId, ` ${otherEmail.toUpperCase()}`), 'duplicate');
    t.deepEqual(await store.userService.get(ada.userId), moved, 'the user is unchanged');
    t.deepEqual(await store.userService.get(bob.userId), bob);
    await assertClaim(t, store, newEmail, ada.userId);
    await assertClaim(t, store, otherEmail, bob.userId);

    // Her own address in another spelling is not a duplicate of herself, and changes nothing (no new version).
    t.deepEqual(await store.userService.changeEmail(ada.userId, newEmail.toUpperCase()), moved);
    t.deepEqual(await store.userService.get(ada.userId), moved);
    await assertClaim(t, store, newEmail, ada.userId);
    await rejection(t, () => store.userService.changeEmail(randomUUID(), `ghost-${id}@example.com`), 'notFound');
    t.false((await claims(store)).has(`ghost-${id}@example.com`), 'no claim for a missing user');
  });

  test(title('two registrations of one e-mail at the same time: exactly one wins, the other is duplicate'), async (t) => {
    const store = storeOf(backend);
    const email = `race-${tag()}@example.com`;
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, index) => register(store, email, `Racer${index}`)));
    const winners = results.filter((result) => result.status === 'fulfilled');
    t.is(winners.length, 1);
    for (const result of results) if (result.status === 'rejected') t.is((result.reason as { code?: string }).code, 'duplicate');
    const winner = winners[0]?.status === 'fulfilled' ? winners[0].value : undefined;
    await assertClaim(t, store, email, winner?.userId);
  });

  test(title('getByEmail normalises the address; an unknown one is notFound'), async (t) => {
    const store = storeOf(backend);
    const email = `find-${tag()}@example.com`;
    const user = await register(store, email);
    t.deepEqual(await store.userService.getByEmail(email), user);
    t.deepEqual(await store.userService.getByEmail(`  ${email.toUpperCase()} `), user);
    const missing = await rejection(t, () => store.userService.getByEmail(`nobody-${tag()}@example.com`), 'notFound');
    t.is(missing.entity, 'user');
  });

  test(title('refresh tokens: only the SHA-256 is stored, hidden from reads; lookups, replace, revoke and deactivate'), async (t) => {
    const store = storeOf(backend);
    const user = await register(store, `token-${tag()}@example.com`);
    const token = await store.userService.issueRefreshToken(user.userId);
    t.true(token.length >= 32, 'a long random token');

    const raw = (await scanAll(store)).map((item) => JSON.stringify(item));
    t.false(
      raw.some((text) => text.includes(token)),
      'the raw token is stored nowhere',
    );
    t.true(
      raw.some((text) => text.includes(sha256(token))),
      'its SHA-256 hex is stored',
    );

    // Hidden: no read returns it unless it is asked for.
    const reads: AnyRecord[] = [
      await store.userService.get(user.userId),
      await store.userService.getByEmail(user.email),
      await store.userService.getByRefreshToken(token),
      await store.entities.user.get(user.userId),
      (await store.userService.getAccount(user.userId)).user,
      ...(await store.entities.user.getMany([user.userId])).items,
    ];
    for (const read of reads) t.false('refreshTokenHash' in read, JSON.stringify(read));
    t.is((await store.entities.user.get(user.userId, { include: ['refreshTokenHash'] })).refreshTokenHash, sha256(token));

    t.is((await store.userService.getByRefreshToken(token)).userId, user.userId);
    await rejection(t, () => store.userService.getByRefreshToken(`${token}x`), 'notFound');
    await rejection(t, () => store.userService.getByRefreshToken(sha256(token)), 'notFound');
    await rejection(t, () => store.userService.getByRefreshToken(''), 'validation');

    const second = await store.userService.issueRefreshToken(user.userId);
    t.not(second, token);
    await rejection(t, () => store.userService.getByRefreshToken(token), 'notFound');
    t.is((await store.userService.getByRefreshToken(second)).userId, user.userId);

    await store.userService.revokeRefreshToken(user.userId);
    await rejection(t, () => store.userService.getByRefreshToken(second), 'notFound');
    t.is((await store.entities.user.get(user.userId, { include: ['refreshTokenHash'] })).refreshTokenHash, undefined);

    const third = await store.userService.issueRefreshToken(user.userId);
    const deactivated = await store.userService.deactivate(user.userId);
    t.false(deactivated.isActive);
    t.is((await store.entities.user.get(user.userId, { include: ['refreshTokenHash'] })).refreshTokenHash, undefined);
    await rejection(t, () => store.userService.getByRefreshToken(third), 'notFound');
    await rejection(t, () => store.userService.issueRefreshToken(user.userId), 'validation');
    await rejection(t, () => store.userService.issueRefreshToken(randomUUID()), 'notFound');
  });

  test(title('listActive pages with limit and cursor and leaves out deactivated users'), async (t) => {
    const store = storeOf(backend);
    const id = tag();
    const mine = await Promise.all(Array.from({ length: 6 }, (_, index) => register(store, `active-${index}-${id}@example.com`, `Active${index}`)));
    const gone = mine[2]?.userId;
    if (gone) await store.userService.deactivate(gone);

    const pages: { userId: string; isActive: boolean }[][] = [];
    let cursor: string | undefined;
    do {
      // Limit applies before the filter (items read, not users found), so pages over the whole table stay few.
      const page = await store.userService.listActive({ limit: 10, ...(cursor ? { cursor } : {}) });
      pages.push(page.items);
      cursor = page.cursor;
    } while (cursor && pages.length < 1000);
    t.is(cursor, undefined, 'paging ends');
    t.true(pages.length > 1, 'more than one page');
    t.true(
      pages.every((page) => page.length <= 10),
      'no page exceeds the limit',
    );
    const listed = pages.flat();
    t.true(listed.every((user) => user.isActive));
    t.is(new Set(listed.map((user) => user.userId)).size, listed.length, 'no user twice');
    const ids = new Set(listed.map((user) => user.userId));
    for (const user of mine) t.is(ids.has(user.userId), user.userId !== gone, `${user.email} listed iff active`);
  });

  test(title('getAccount returns the user and all their video progress; a missing user is notFound'), async (t) => {
    const store = storeOf(backend);
    const ada = await register(store, `account-${tag()}@example.com`);
    const bob = await register(store, `account-other-${tag()}@example.com`, 'Bob');
    for (const videoId of ['v-b', 'v-a', 'v-c']) await store.videoProgressService.record(ada.userId, videoId, { positionSeconds: 10, durationSeconds: 100 });
    await store.videoProgressService.record(bob.userId, 'v-a', { positionSeconds: 20, durationSeconds: 100 });

    const account = await store.userService.getAccount(ada.userId);
    t.deepEqual(account.user, ada);
    t.deepEqual(account.videoProgress.map((progress) => progress.videoId).sort(), ['v-a', 'v-b', 'v-c']);
    t.true(account.videoProgress.every((progress) => progress.userId === ada.userId && progress.positionSeconds === 10));
    const carol = await register(store, `account-empty-${tag()}@example.com`, 'Carol');
    t.deepEqual(await store.userService.getAccount(carol.userId), { user: carol, videoProgress: [] });
    await rejection(t, () => store.userService.getAccount(randomUUID()), 'notFound');
  });

  test(
    title('delete: 98 progress items go in ONE transaction with user and claim (100 items); 99 do not fit: progress first, then user and claim'),
    async (t) => {
      const store = storeOf(backend);
      const deleteAccount = async (count: number) => {
        const email = `delete-${count}-${tag()}@example.com`;
        const user = await register(store, email);
        await addProgress(store, user.userId, count);
        t.is((await progressOf(store, user.userId)).length, count);
        return { user, email };
      };
      const assertGone = async (userId: string, email: string) => {
        await rejection(t, () => store.userService.get(userId), 'notFound');
        await assertClaim(t, store, email, undefined);
        t.deepEqual(await progressOf(store, userId), []);
        t.is((await register(store, email)).email, email, 'the e-mail is free again');
      };
      await rejection(t, () => store.userService.delete(randomUUID()), 'notFound');

      // On DynamoDB the deletes go through a store of its own that records its requests.
      const deleter = backend === 'dynamodb' ? await isolatedStore(t, tableOf(backend)) : store;
      const seen = backend === 'dynamodb' ? recordCommands(deleter) : [];
      const writes = () => seen.splice(0).filter((command) => !['QueryCommand', 'GetItemCommand', 'BatchGetItemCommand'].includes(command.name));

      const small = await deleteAccount(98);
      t.deepEqual(await deleter.userService.delete(small.user.userId), { deletedProgress: 98, atomic: true });
      await assertGone(small.user.userId, small.email);
      if (backend === 'dynamodb') {
        const sent = writes();
        t.deepEqual(
          sent.map((command) => command.name),
          ['TransactWriteItemsCommand'],
          'a single write request',
        );
        t.is(((sent[0]?.input.TransactItems ?? []) as unknown[]).length, 100);
      }

      const large = await deleteAccount(99);
      if (backend === 'memory') {
        t.deepEqual(await deleter.userService.delete(large.user.userId), { deletedProgress: 99, atomic: false });
        await assertGone(large.user.userId, large.email);
        return;
      }
      // DynamoDB: the final transaction fails once (a dropped connection, injected). User and claim
      // stay together, the progress went first (the documented order), and a rerun completes.
      const fault = failTransactions(deleter, networkError, 1);
      await rejection(t, () => deleter.userService.delete(large.user.userId), 'connection');
      t.is(fault.hits, 1);
      t.deepEqual(
        [...new Set(writes().map((command) => command.name))],
        ['BatchWriteItemCommand', 'TransactWriteItemsCommand'],
        'the progress in batches, then the (failed) transaction',
      );
      t.deepEqual(await store.userService.get(large.user.userId), large.user, 'the user is still there');
      await assertClaim(t, store, large.email, large.user.userId);
      t.deepEqual(await progressOf(store, large.user.userId), [], 'the progress went first');
      t.deepEqual(await deleter.userService.delete(large.user.userId), { deletedProgress: 0, atomic: true }, 'the rerun resumes');
      const last = writes();
      t.deepEqual(
        last.map((command) => command.name),
        ['TransactWriteItemsCommand'],
      );
      t.deepEqual(
        ((last[0]?.input.TransactItems ?? []) as AnyRecord[]).map((item) => Object.keys(item)[0]),
        ['Delete', 'Delete'],
        'user and claim go last, together',
      );
      await assertGone(large.user.userId, large.email);
    },
  );
}
