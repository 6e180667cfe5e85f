import { randomUUID } from 'node:crypto';
import type { Connection } from 'tablekit';
import type { Store } from '../entities/index.ts';
import { DemoTable } from './playlist.ts';
import { check, expectError, shortId, step, type Print } from './print.ts';
import { describeRequests, type RequestLog } from './requests.ts';

const minutesAgo = (now: number, minutes: number) => new Date(now - minutes * 60_000).toISOString();

/**
 * The one entity API on DynamoDB: unique and hidden attributes, guarded read-modify-write,
 * atomic patch, save in one request, write conditions, sort-key conditions, cross-entity
 * transactions. Each row says how many DynamoDB requests the step sent.
 */
export async function runEntityApiTour(store: Store, connection: Connection, requests: RequestLog, print: Print): Promise<void> {
  // The application's table with a demo `playlist` entity beside the users (same physical table).
  const table = DemoTable.bind(connection, { tableName: store.table.tableName });
  const { user: users, playlist: playlists, videoProgress: progress } = table.entities;
  /** A step whose outcome also lists the requests it sent. */
  const counted = async <T>(label: string, action: () => Promise<T>, describe: (result: T) => string): Promise<T> => {
    requests.take();
    const { result } = await step(
      label,
      print,
      async () => ({ result: await action(), sent: requests.take() }),
      ({ result, sent }) => `${describe(result)} [${describeRequests(sent)}]`,
    );
    return result;
  };

  print('\nEntity API (table.entities.<name>): users with a unique e-mail and a hidden token hash');
  const email = `ada.${shortId()}@example.com`;
  const ada = await counted(
    'user.create',
    () => users.create({ userId: randomUUID(), email, firstName: 'Ada', lastName: 'Lovelace', isActive: true }),
    (u) => `v${u.version}`,
  );
  const userId = ada.userId;
  await expectError('store.entities.user.create, same e-mail', print, 'duplicate', () =>
    store.entities.user.create({ userId: randomUUID(), email, firstName: 'Eve', lastName: 'Copy', isActive: true }),
  );
  await counted(
    'user.getByUnique(email, upper-cased)',
    () => users.getByUnique('email', email.toUpperCase()),
    (u) => (u.userId === userId ? 'found through its claim' : 'WRONG USER'),
  );
  await step(
    'userService.issueRefreshToken',
    print,
    () => store.userService.issueRefreshToken(userId),
    (token) => `${token.length}-char token, hash stored`,
  );
  const plain = await counted(
    'user.get',
    () => users.get(userId),
    (u) => `refreshTokenHash ${'refreshTokenHash' in u ? 'PRESENT' : 'absent (hidden)'}`,
  );
  check(!('refreshTokenHash' in plain), 'a plain read returns no hidden attribute');
  const withHash = await counted(
    "user.get(id, { include: ['refreshTokenHash'] })",
    () => users.get(userId, { include: ['refreshTokenHash'] }),
    (u) => `refreshTokenHash ${u.refreshTokenHash ? `${u.refreshTokenHash.slice(0, 8)}…` : 'MISSING'}`,
  );
  check(withHash.refreshTokenHash?.length === 64, 'include returns the hidden hash');
  await expectError('user.create with an invalid e-mail (nothing sent)', print, 'validation', () =>
    users.create({ userId: randomUUID(), email: 'not-an-email', firstName: 'X', lastName: 'Y', isActive: true }),
  );
  check(requests.take().length === 0, 'invalid input is refused before any request');

  const racers = await step(
    '10 concurrent user.update(id, fn)',
    print,
    async () => {
      await Promise.all(Array.from({ length: 10 }, () => users.update(userId, (u) => ({ ...u, firstName: `${u.firstName}+` }))));
      return users.get(userId, { include: ['refreshTokenHash'] });
    },
    (u) => `${u.firstName.length - 3} of 10 applied, v${u.version} (no lost update)`,
  );
  check(
    racers.firstName === 'Ada++++++++++' && racers.version === withHash.version + 10,
    `10 guarded updates all land (got ${racers.firstName}, v${racers.version})`,
  );
  check(racers.refreshTokenHash === withHash.refreshTokenHash, 'update(fn) keeps the hidden hash it never saw');
  await expectError('user.save of the v1 snapshot (stale version)', print, 'conflict', () => users.save({ ...ada, lastName: 'Stale' }));
  await expectError('user.patch(…, { if: { isActive: false } })', print, 'conditionFailed', () =>
    users.patch(userId, { set: { lastName: 'Byron' } }, { if: { isActive: false } }),
  );

  print('\nsave and patch: ONE request each (a playlist: a list, a string set, a counter, read-only createdBy)');
  const id = { userId, playlistId: 'favourites' };
  const created = await counted(
    'playlist.create',
    () => playlists.create({ ...id, title: 'Favourites', note: 'draft', createdBy: userId }),
    (p) => `v${p.version}, plays ${p.plays}, ${p.tags.size} tags`,
  );
  const saved = await counted(
    'playlist.save({ ...item, title })',
    () => playlists.save({ ...created, title: 'Favourites 2026' }),
    (p) => `v${p.version}, createdAt kept: ${p.createdAt === created.createdAt}`,
  );
  check(saved.version === 2 && saved.createdAt === created.createdAt, 'save replaces at the given version and keeps createdAt');
  await expectError('playlist.save of the v1 item again (stale)', print, 'conflict', () => playlists.save({ ...created, title: 'Lost update' }));
  await counted(
    'playlist.save({ ...new item }) (an upsert)',
    () => playlists.save({ userId, playlistId: 'road-trip', title: 'Road trip', createdBy: userId }),
    (p) => `v${p.version}, inserted`,
  );
  const counter = await step(
    '20 concurrent patch({ add: { plays: 1 } })',
    print,
    async () => {
      requests.take();
      await Promise.all(Array.from({ length: 20 }, () => playlists.patch(id, { add: { plays: 1 } })));
      const sent = requests.take();
      return { playlist: await playlists.get(id), sent };
    },
    ({ playlist, sent }) => `plays ${playlist.plays} [${describeRequests(sent)}]`,
  );
  check(
    counter.playlist.plays === 20 && counter.sent.length === 20,
    `20 atomic adds end at 20 in 20 requests (got ${counter.playlist.plays} in ${counter.sent.length})`,
  );
  const appended = await counted(
    "patch({ append, add: { tags }, remove: ['note'] })",
    () => playlists.patch(id, { append: { videoIds: ['intro', 'streams'] }, add: { tags: new Set(['dynamodb', 'jazz']) }, remove: ['note'] }),
    (p) => `[${p.videoIds.join(', ')}], {${[...p.tags].join(', ')}}, note ${p.note ?? 'removed'}`,
  );
  check(appended.note === undefined && appended.tags.size === 2, 'patch appended, added set members and removed the note');
  const trimmed = await counted(
    'patch({ prepend, delete: { tags } })',
    () => playlists.patch(id, { prepend: { videoIds: ['welcome'] }, delete: { tags: new Set(['jazz']) } }),
    (p) => `[${p.videoIds.join(', ')}], {${[...p.tags].join(', ')}}, v${p.version}`,
  );
  check(trimmed.videoIds.join() === 'welcome,intro,streams' && trimmed.tags.has('dynamodb') && !trimmed.tags.has('jazz'), 'prepend and set delete');
  await expectError('patch({ add: { plays: -100 } }) (min 0)', print, 'validation', () => playlists.patch(id, { add: { plays: -100 } }));
  await expectError('patch({ set: { createdBy } }) (read-only)', print, 'validation', () => playlists.patch(id, { set: { createdBy: 'mallory' } }));
  await expectError('patch(…, { version: 1 }) (stored is newer)', print, 'conflict', () => playlists.patch(id, { set: { title: 'Old' } }, { version: 1 }));

  print('\nReads: sort-key conditions are key conditions (videoProgress by updatedAt)');
  const now = Date.now();
  const ttl = Math.floor(now / 1000) + 90 * 86_400;
  const watched = [
    ['intro', 300],
    ['modelling', 240],
    ['indexes', 180],
    ['streams', 50],
    ['transactions', 20],
    ['testing', 5],
  ] as const;
  await counted(
    'videoProgress.saveAll(6)',
    () =>
      progress.saveAll(
        watched.map(([videoId, ago]) => ({
          userId,
          videoId,
          positionSeconds: ago,
          durationSeconds: 600,
          completed: false,
          updatedAt: minutesAgo(now, ago),
          ttl,
        })),
      ),
    (r) => `${r.written} written`,
  );
  const recent = await counted(
    'continueWatching({ updatedAt: { gte: 1 h ago } }, desc)',
    () => progress.find.continueWatching({ userId, updatedAt: { gte: minutesAgo(now, 60) } }, { order: 'desc' }),
    (page) => page.items.map((p) => p.videoId).join(', '),
  );
  check(recent.items.map((p) => p.videoId).join() === 'testing,transactions,streams', 'newest first, only the last hour');
  const first = await counted(
    'continueWatching({ userId }, { limit: 2, desc })',
    () => progress.find.continueWatching({ userId }, { order: 'desc', limit: 2 }),
    (page) => `${page.items.map((p) => p.videoId).join(', ')}, cursor ${page.cursor ? 'yes' : 'no'}`,
  );
  await counted(
    '  … next page with its cursor',
    () => progress.find.continueWatching({ userId }, { order: 'desc', limit: 2, ...(first.cursor ? { cursor: first.cursor } : {}) }),
    (page) => page.items.map((p) => p.videoId).join(', '),
  );
  const prefixed = await counted(
    "find.primary({ videoId: { beginsWith: 'in' } })",
    () => progress.find.primary({ userId, videoId: { beginsWith: 'in' } }),
    (page) => page.items.map((p) => p.videoId).join(', '),
  );
  check(prefixed.items.map((p) => p.videoId).join() === 'indexes,intro', 'beginsWith on the sort key');
  await counted(
    'videoProgress.getMany(2 ids, 1 missing)',
    () =>
      progress.getMany([
        { userId, videoId: 'intro' },
        { userId, videoId: 'streams' },
        { userId, videoId: 'nope' },
      ]),
    (r) => `${r.items.length} found, ${r.missing.length} missing`,
  );

  print('\nTransactions across entities (all or nothing)');
  await counted(
    'table.transactWrite(user, playlist, progress)',
    () =>
      table.transactWrite(
        (tx) => [
          tx.user.patch(userId, { set: { lastName: 'King' } }),
          tx.playlist.create({ userId, playlistId: 'watch-later', title: 'Watch later', createdBy: userId }),
          tx.videoProgress.delete({ userId, videoId: 'intro' }),
        ],
        { token: `demo-${shortId()}` },
      ),
    () => '3 writes committed',
  );
  await expectError('transactWrite with a taken playlist id', print, 'alreadyExists', () =>
    table.transactWrite((tx) => [
      tx.user.patch(userId, { set: { lastName: 'Byron' } }),
      tx.playlist.create({ userId, playlistId: 'watch-later', title: 'Again', createdBy: userId }),
    ]),
  );
  const [afterUser, afterList] = await counted(
    'table.transactGet(user, playlist)',
    () => table.transactGet((tx) => [tx.user.get(userId), tx.playlist.get({ userId, playlistId: 'watch-later' })]),
    ([u, p]) => `${u.firstName.slice(0, 3)} ${u.lastName}, '${p.title}'`,
  );
  check(afterUser.lastName === 'King' && afterList.title === 'Watch later', 'the cancelled transaction wrote nothing');

  print('\nDeletes: conditions, and a freed unique value');
  await expectError('playlist.delete(…, { if: { plays: 0 } })', print, 'conditionFailed', () => playlists.delete(id, { if: { plays: 0 } }));
  await counted(
    'delete playlists, progress, then the user',
    async () => {
      await playlists.deleteAll([id, { userId, playlistId: 'road-trip' }, { userId, playlistId: 'watch-later' }]);
      await progress.deleteAll(watched.map(([videoId]) => ({ userId, videoId })));
      await users.delete(userId);
    },
    () => 'deleted',
  );
  const reused = await counted(
    'user.create with the freed e-mail',
    () => users.create({ userId: randomUUID(), email, firstName: 'Grace', lastName: 'Hopper', isActive: true }),
    (u) => `${u.firstName} holds it now`,
  );
  await users.delete(reused.userId);
  await expectError('user.get of the deleted user', print, 'notFound', () => users.get(userId));
}
