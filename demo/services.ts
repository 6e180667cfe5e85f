import { randomUUID } from 'node:crypto';
import { openStore, User } from '../../entities/index.ts';
import type { Connection } from '../connection/index.ts';
import { isRepositoryError } from '../errors/index.ts';
import { withChangeLog } from '../services/index.ts';
import { step, type Print } from './print.ts';



/** The cross-entity services: change log, users, video progress and the outbox. */
export async function runServicesDemo(connection: Connection, tableName: string, print: Print = console.log): Promise<void> {
  const store = await openStore({ connection, tableName });
  const { changeLog, userService, videoProgressService } = store;
  const projectId = `demo-${randomUUID().slice(0, 8)}`;
  try {
    print('\nChange log (gapless per-project sequence, one transaction per append):');
    await step('append', print, () => changeLog.append(projectId, { entityType: 'document', entityId: 'doc-1', operation: 'create', data: { title: 'Draft' } }), (c) => `seq ${c.seq}`);
    await step('appendMany(150): consecutive transactions', print, () =>
      changeLog.appendMany(projectId, Array.from({ length: 150 }, (_, i) => ({ entityType: 'document', entityId: `doc-${i % 10}`, operation: 'update' as const, data: { revision: i } }))),
    (r) => `seqs ${r[0]?.seq}..${r.at(-1)?.seq}`);
    await step('4 concurrent writers × 10 appends', print, () =>
      Promise.all(Array.from({ length: 4 }, (_, w) => (async () => {
        for (let i = 0; i < 10; i++) await changeLog.append(projectId, { entityType: 'task', entityId: `task-${w}`, operation: 'update', data: { w, i } });
      })())),
    () => 'no gaps, no duplicates');
    const page = await step('since(100, limit 20)', print, () => changeLog.since(projectId, 100, { limit: 20 }), (r) => `seqs ${r.items[0]?.seq}..${r.items.at(-1)?.seq}`);
    if (page.items[0]?.seq !== 101) throw new Error('since() did not continue at 101');
    await step('history(document, doc-1) via GSI', print, () => changeLog.history(projectId, 'document', 'doc-1'), (r) => `${r.items.length} changes`);
    await step('latest(): current state per entity', print, () => changeLog.latest(projectId), (r) => `${r.length} entities`);
    await step('stats()', print, () => changeLog.stats(projectId), (s) => `${s.total} changes, ${s.outdated} outdated, seq ${s.latestSeq}`);

    print('\nUsers (unique e-mail through a claim written in the same transaction):');
    const email = ` Ada.${randomUUID().slice(0, 8)}@Example.com `;
    const ada = await step('register (trim + lower-case e-mail)', print, () => userService.register({ email, firstName: 'Ada', lastName: 'Lovelace' }), (u) => u.email);
    await step('register the same e-mail again', print, async () => {
      try {
        await userService.register({ email: email.toUpperCase(), firstName: 'Eve', lastName: 'Copy' });
        throw new Error('duplicate e-mail accepted');
      } catch (error) {
        if (!isRepositoryError(error, 'duplicate')) throw error;
        return error.code;
      }
    }, (code) => `RepositoryError(${code})`);
    const token = await step('issueRefreshToken (stores only a SHA-256)', print, () => userService.issueRefreshToken(ada.userId), (t) => `${t.length}-char token`);
    await step('findByRefreshToken', print, () => userService.findByRefreshToken(token), (u) => (u?.userId === ada.userId ? 'found' : 'MISSING'));
    await step('changeEmail (claim moved atomically)', print, () => userService.changeEmail(ada.userId, `lovelace.${randomUUID().slice(0, 8)}@example.com`), (u) => `${u.email}, v${u.version}`);

    print('\nVideo progress (stale events ignored, TTL):');
    const now = Date.now();
    await step('record 3 videos', print, async () => {
      await videoProgressService.record(ada.userId, 'intro', { positionSeconds: 1190, durationSeconds: 1200, at: new Date(now - 60_000) });
      await videoProgressService.record(ada.userId, 'modelling', { positionSeconds: 300, durationSeconds: 1800, at: new Date(now - 30_000) });
      return videoProgressService.record(ada.userId, 'streams', { positionSeconds: 42, durationSeconds: 900, at: new Date(now) });
    }, (r) => `ttl in ${Math.round(((r.progress.ttl as number) - now / 1000) / 86_400)} days`);
    await step('record an older event for "streams"', print, () => videoProgressService.record(ada.userId, 'streams', { positionSeconds: 5, durationSeconds: 900, at: new Date(now - 90_000) }), (r) => (r.applied ? 'APPLIED' : `ignored, still at ${r.progress.positionSeconds}s`));
    await step('continueWatching (GSI, newest first)', print, () => videoProgressService.continueWatching(ada.userId), (r) => r.map((p) => p.videoId).join(', '));
    await step('getAccount: user + progress in ONE Query', print, () => userService.getAccount(ada.userId), (a) => `1 user, ${a.videoProgress.length} progress`);
    await step('delete user, claim and progress', print, () => userService.delete(ada.userId), (r) => `${r.deletedProgress} progress, atomic ${r.atomic}`);

    print('\nOutbox (entity write and its change in one transaction):');
    const users = withChangeLog(User, { table: store.table, changeLog, projectId });
    const grace = await step('users.addAutoIdentified via outbox', print, () => users.addAutoIdentified({ email: `grace.${randomUUID().slice(0, 8)}@example.com`, firstName: 'Grace', lastName: 'Hopper', isActive: true }, (o, userId) => ({ ...o, userId })), (u) => `v${u.version}`);
    await step('users.update via outbox', print, () => users.update(grace.userId, (u) => ({ ...u, lastName: 'Brewster Hopper' })), (u) => `v${u.version}`);
    await step('history(user, id): the recorded changes', print, () => changeLog.history(projectId, 'user', grace.userId), (r) => r.items.map((c) => c.operation).join(', '));
    await users.delete(grace.userId);
  } finally {
    await store.close();
  }
}
