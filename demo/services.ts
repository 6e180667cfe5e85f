import { randomUUID } from 'node:crypto';
import { withChangeLog } from 'tablekit/services';
import type { Store } from '../entities/index.ts';
import { check, expectError, shortId, step, type Print } from './print.ts';

/** The services built on the entity API: the change log, users, video progress and the outbox. */
export async function runServicesTour(store: Store, print: Print): Promise<void> {
  const { changeLog, userService, videoProgressService } = store;
  const projectId = `demo-${shortId()}`;

  print('\nChange log (a gapless per-project sequence, one transaction per append)');
  await step(
    'changeLog.append',
    print,
    () => changeLog.append(projectId, { entityType: 'document', entityId: 'doc-1', operation: 'create', data: { title: 'Draft' } }),
    (c) => `seq ${c.seq}`,
  );
  await step(
    'appendMany(150): consecutive transactions',
    print,
    () =>
      changeLog.appendMany(
        projectId,
        Array.from({ length: 150 }, (_, i) => ({ entityType: 'document', entityId: `doc-${i % 10}`, operation: 'update' as const, data: { revision: i } })),
      ),
    (changes) => `seqs ${changes[0]?.seq}..${changes.at(-1)?.seq}`,
  );
  await step(
    '4 concurrent writers × 10 appends',
    print,
    () =>
      Promise.all(
        Array.from({ length: 4 }, async (_, writer) => {
          for (let i = 0; i < 10; i++)
            await changeLog.append(projectId, { entityType: 'task', entityId: `task-${writer}`, operation: 'update', data: { writer, i } });
        }),
      ),
    () => 'all appended',
  );
  const stats = await step(
    'stats(): gapless?',
    print,
    () => changeLog.stats(projectId),
    (s) => `${s.total} changes, latest seq ${s.latestSeq}, ${s.outdated} outdated`,
  );
  check(stats.total === 191 && stats.latestSeq === 191, `191 changes numbered 1..191 (got ${stats.total}, latest ${stats.latestSeq})`);
  const page = await step(
    'since(100): { seq: { gt: 100 } } as a key condition',
    print,
    () => changeLog.since(projectId, 100, { limit: 20 }),
    (p) => `seqs ${p.items[0]?.seq}..${p.items.at(-1)?.seq}, cursor ${p.cursor ? 'yes' : 'no'}`,
  );
  check(page.items[0]?.seq === 101 && page.items.length === 20, 'since() continues right after 100');
  await step(
    'history(document, doc-1) (GSI entityHistory)',
    print,
    () => changeLog.history(projectId, 'document', 'doc-1'),
    (p) => `${p.items.length} changes`,
  );
  await step(
    'latest(): current state per entity',
    print,
    () => changeLog.latest(projectId),
    (changes) => `${changes.length} entities`,
  );

  print('\nUsers (the e-mail is unique: its claim moves in the same transaction as the user)');
  const email = ` Ada.${shortId()}@Example.com `;
  const ada = await step(
    'userService.register (trim + lower-case)',
    print,
    () => userService.register({ email, firstName: 'Ada', lastName: 'Lovelace' }),
    (u) => u.email,
  );
  await expectError('register the same e-mail, upper-cased', print, 'duplicate', () =>
    userService.register({ email: email.toUpperCase(), firstName: 'Eve', lastName: 'Copy' }),
  );
  const token = await step(
    'issueRefreshToken (only its SHA-256 is stored)',
    print,
    () => userService.issueRefreshToken(ada.userId),
    (t) => `${t.length}-char token`,
  );
  await step(
    'getByRefreshToken',
    print,
    () => userService.getByRefreshToken(token),
    (u) => (u.userId === ada.userId ? 'found' : 'WRONG USER'),
  );
  const newEmail = `lovelace.${shortId()}@example.com`;
  await step(
    'changeEmail (claim moved atomically)',
    print,
    () => userService.changeEmail(ada.userId, newEmail),
    (u) => `${u.email}, v${u.version}`,
  );
  await expectError('getByEmail(old e-mail)', print, 'notFound', () => userService.getByEmail(email));
  await step(
    'getByEmail(new e-mail)',
    print,
    () => userService.getByEmail(newEmail),
    (u) => (u.userId === ada.userId ? 'found' : 'WRONG USER'),
  );

  print('\nVideo progress (stale events ignored, TTL)');
  const now = Date.now();
  await step(
    'record 3 videos',
    print,
    async () => {
      await videoProgressService.record(ada.userId, 'intro', { positionSeconds: 1190, durationSeconds: 1200, at: new Date(now - 60_000) });
      await videoProgressService.record(ada.userId, 'modelling', { positionSeconds: 300, durationSeconds: 1800, at: new Date(now - 30_000) });
      return videoProgressService.record(ada.userId, 'streams', { positionSeconds: 42, durationSeconds: 900, at: new Date(now) });
    },
    (r) => `ttl in ${Math.round((r.progress.ttl - now / 1000) / 86_400)} days`,
  );
  const stale = await step(
    'record an older event for "streams"',
    print,
    () => videoProgressService.record(ada.userId, 'streams', { positionSeconds: 5, durationSeconds: 900, at: new Date(now - 90_000) }),
    (r) => (r.applied ? 'APPLIED' : `ignored, still at ${r.progress.positionSeconds}s`),
  );
  check(!stale.applied && stale.progress.positionSeconds === 42, 'an older event never overwrites a newer one');
  const watching = await step(
    'continueWatching (GSI, newest first)',
    print,
    () => videoProgressService.continueWatching(ada.userId),
    (items) => items.map((p) => p.videoId).join(', '),
  );
  check(watching.map((p) => p.videoId).join() === 'streams,modelling', 'completed videos are left out, newest first');
  await step(
    'getAccount: user + progress in ONE Query',
    print,
    () => userService.getAccount(ada.userId),
    (a) => `1 user, ${a.videoProgress.length} progress`,
  );
  await step(
    'userService.delete: user, claim and progress',
    print,
    () => userService.delete(ada.userId),
    (r) => `${r.deletedProgress} progress, atomic ${r.atomic}`,
  );

  print('\nOutbox: withChangeLog(table, "user") writes the user and its change in ONE transaction');
  const users = withChangeLog(store.table, 'user', { changeLog, projectId });
  const grace = await step(
    'user.create through the outbox',
    print,
    () => users.create({ userId: randomUUID(), email: `grace.${shortId()}@example.com`, firstName: 'Grace', lastName: 'Hopper', isActive: true }),
    (u) => `v${u.version}`,
  );
  await step(
    'user.patch through the outbox',
    print,
    () => users.patch(grace.userId, { set: { lastName: 'Brewster Hopper' } }),
    (u) => `v${u.version}`,
  );
  await step(
    'user.delete through the outbox',
    print,
    () => users.delete(grace.userId),
    () => 'deleted',
  );
  const recorded = await step(
    `changeLog.since(${stats.latestSeq})`,
    print,
    () => changeLog.since(projectId, stats.latestSeq),
    (p) => p.items.map((c) => `${c.seq} ${c.entityType} ${c.operation}`).join(', '),
  );
  check(
    recorded.items.map((c) => `${c.entityId} ${c.operation}`).join() ===
      ['create', 'update', 'delete'].map((operation) => `${grace.userId} ${operation}`).join(),
    'every outbox write recorded its change',
  );
}
