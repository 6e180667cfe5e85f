/**
 * VideoProgressService on DynamoDB Local and on the in-memory twin: upserts with the completion
 * threshold, TTL values, stale events ignored, expired items hidden from every read (DynamoDB
 * Local never deletes them), continueWatching order and limit, viewers and forUser.
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { openStore } from '../../entities/index.ts';
import { VideoProgressService } from '../../src/services/index.ts';
import { backends } from '../support/db.ts';
import { useBackendStores, rejection } from './support.ts';

const { storeOf } = useBackendStores('svc-video');

const DAY = 86_400;
const video = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
/** A fixed time in the recent past with a non-zero millisecond part (so flooring matters). */
const START = Math.floor((Date.now() - 60_000) / 1000) * 1000 + 999;
const recent = (offsetMs = 0) => new Date(START + offsetMs);

for (const backend of backends) {
  const title = (name: string) => `[${backend}] ${name}`;

  test(title('record upserts one item per user and video'), async (t) => {
    const store = storeOf(backend);
    const userId = randomUUID();
    const videoId = video('upsert');
    const first = await store.videoProgressService.record(userId, videoId, { positionSeconds: 10, durationSeconds: 600, at: recent(-5000) });
    t.true(first.applied);
    t.like(first.progress, { userId, videoId, positionSeconds: 10, durationSeconds: 600, completed: false, updatedAt: recent(-5000).toISOString() });
    t.deepEqual(await store.videoProgressService.get(userId, videoId), first.progress);

    const second = await store.videoProgressService.record(userId, videoId, { positionSeconds: 250.5, durationSeconds: 600, at: recent() });
    t.true(second.applied);
    t.like(second.progress, { positionSeconds: 250.5, updatedAt: recent().toISOString() });
    t.deepEqual(await store.videoProgressService.get(userId, videoId), second.progress);
    t.deepEqual(await store.entities.videoProgress.get({ userId, videoId }), second.progress, 'the stored item is what record returned');
    t.is((await store.videoProgressService.forUser(userId)).length, 1, 'still one item');

    await rejection(t, () => store.videoProgressService.get(userId, video('never-watched')), 'notFound');
    await rejection(t, () => store.videoProgressService.record(userId, videoId, { positionSeconds: 1, durationSeconds: 2, at: 'not a date' }), 'validation');
  });

  test(title('record marks a video completed from 95 % of its duration'), async (t) => {
    const store = storeOf(backend);
    const userId = randomUUID();
    const cases: [position: number, duration: number, completed: boolean][] = [
      [95, 100, true],
      [94.99, 100, false],
      [1140, 1200, true],
      [1139.9, 1200, false],
      [57, 60, true],
      [56.9, 60, false],
      [100, 100, true],
      [130, 100, true],
      [0, 100, false],
    ];
    for (const [position, duration, completed] of cases) {
      const videoId = video(`threshold-${position}-${duration}`);
      const { progress } = await store.videoProgressService.record(userId, videoId, { positionSeconds: position, durationSeconds: duration, at: recent() });
      t.is(progress.completed, completed, `${position}/${duration}`);
      t.is((await store.entities.videoProgress.get({ userId, videoId })).completed, completed, `${position}/${duration} stored`);
    }
  });

  test(title('ttl is floor(at / 1000) + retentionDays × 86400: default 90, configurable per service or through openStore'), async (t) => {
    const store = storeOf(backend);
    const userId = randomUUID();
    const at = recent();
    const expected = (days: number) => seconds(at) + days * DAY;
    t.not(at.getTime() % 1000, 0, 'the event time has milliseconds');

    const byDefault = await store.videoProgressService.record(userId, video('ttl-default'), { positionSeconds: 1, durationSeconds: 10, at });
    t.is(byDefault.progress.ttl, expected(90));
    t.is((await store.entities.videoProgress.get({ userId, videoId: byDefault.progress.videoId })).ttl, expected(90));

    const fromIso = await store.videoProgressService.record(userId, video('ttl-iso'), { positionSeconds: 1, durationSeconds: 10, at: at.toISOString() });
    t.is(fromIso.progress.ttl, expected(90), 'an ISO string works as well as a Date');

    const weekly = new VideoProgressService(store.table, { retentionDays: 7 });
    const custom = await weekly.record(userId, video('ttl-7'), { positionSeconds: 1, durationSeconds: 10, at });
    t.is(custom.progress.ttl, expected(7));
    t.is((await store.entities.videoProgress.get({ userId, videoId: custom.progress.videoId })).ttl, expected(7));

    const other = await openStore({ connection: store.connection, tableName: store.table.tableName, ensureTable: false, videoProgress: { retentionDays: 30 } });
    t.teardown(() => other.close());
    const viaStore = await other.videoProgressService.record(userId, video('ttl-30'), { positionSeconds: 1, durationSeconds: 10, at });
    t.is(viaStore.progress.ttl, expected(30));

    // Without `at`, the event time is the service clock.
    const clock = new Date('2031-05-06T07:08:09.876Z');
    const clocked = new VideoProgressService(store.table, { now: () => clock });
    t.is((await clocked.record(userId, video('ttl-now'), { positionSeconds: 1, durationSeconds: 10 })).progress.ttl, seconds(clock) + 90 * DAY);

    t.throws(() => new VideoProgressService(store.table, { retentionDays: 0 }), { instanceOf: RangeError });
    t.throws(() => new VideoProgressService(store.table, { retentionDays: -1 }), { instanceOf: RangeError });
  });

  test(title('an older event never overwrites a newer one, and an equal timestamp is ignored too'), async (t) => {
    const store = storeOf(backend);
    const userId = randomUUID();
    const videoId = video('stale');
    const newer = await store.videoProgressService.record(userId, videoId, { positionSeconds: 300, durationSeconds: 1000, at: recent() });
    t.true(newer.applied);

    const older = await store.videoProgressService.record(userId, videoId, { positionSeconds: 100, durationSeconds: 1000, at: recent(-10_000) });
    t.false(older.applied);
    t.deepEqual(older.progress, newer.progress, 'returns the stored, newer progress');
    t.deepEqual(await store.videoProgressService.get(userId, videoId), newer.progress, 'stored position unchanged');

    const same = await store.videoProgressService.record(userId, videoId, { positionSeconds: 999, durationSeconds: 1000, at: recent() });
    t.false(same.applied);
    t.is((await store.videoProgressService.get(userId, videoId)).positionSeconds, 300);

    const later = await store.videoProgressService.record(userId, videoId, { positionSeconds: 400, durationSeconds: 1000, at: recent(1) });
    t.true(later.applied);
    t.is((await store.videoProgressService.get(userId, videoId)).positionSeconds, 400);
  });

  test(title('concurrent events in shuffled order: the newest wins'), async (t) => {
    const store = storeOf(backend);
    const userId = randomUUID();
    const videoId = video('race');
    const base = recent(-100_000).getTime();
    const events = Array.from({ length: 20 }, (_, index) => index);
    // A fixed shuffle (deterministic): newest event neither first nor last.
    const order = [7, 19, 3, 12, 0, 15, 9, 1, 18, 5, 11, 2, 16, 8, 13, 4, 17, 6, 10, 14];
    t.deepEqual(
      [...order].sort((a, b) => a - b),
      events,
    );
    const results = await Promise.all(
      order.map((index) =>
        store.videoProgressService.record(userId, videoId, { positionSeconds: index * 10, durationSeconds: 1000, at: new Date(base + index * 1000) }),
      ),
    );
    t.true(results.some((result) => result.applied));
    const stored = await store.videoProgressService.get(userId, videoId);
    t.is(stored.positionSeconds, 190);
    t.is(stored.updatedAt, new Date(base + 19_000).toISOString());
  });

  test(title('reads hide expired items: get, forUser, viewers and continueWatching'), async (t) => {
    const store = storeOf(backend);
    let clock = Date.now();
    const service = new VideoProgressService(store.table, { now: () => new Date(clock) });
    const userId = randomUUID();
    const early = video('expires-early');
    const late = video('expires-late');

    const first = await service.record(userId, early, { positionSeconds: 10, durationSeconds: 100 });
    clock += 3_600_000;
    const second = await service.record(userId, late, { positionSeconds: 20, durationSeconds: 100 });
    t.is(first.progress.ttl, Math.floor((clock - 3_600_000) / 1000) + 90 * DAY);

    // One second before the first item's ttl: both live.
    clock = first.progress.ttl * 1000 - 1;
    t.deepEqual(await service.get(userId, early), first.progress);
    t.deepEqual((await service.forUser(userId)).map((p) => p.videoId).sort(), [early, late].sort());
    t.deepEqual(
      (await service.viewers(early)).map((p) => p.userId),
      [userId],
    );
    t.deepEqual(
      (await service.continueWatching(userId)).map((p) => p.videoId),
      [late, early],
    );

    // At the ttl: the first is expired (still stored: DynamoDB Local never deletes), the second is not.
    clock = first.progress.ttl * 1000;
    await rejection(t, () => service.get(userId, early), 'notFound');
    t.deepEqual(await service.get(userId, late), second.progress);
    t.deepEqual(
      (await service.forUser(userId)).map((p) => p.videoId),
      [late],
    );
    t.deepEqual(await service.viewers(early), []);
    t.deepEqual(
      (await service.viewers(late)).map((p) => p.userId),
      [userId],
    );
    t.deepEqual(
      (await service.continueWatching(userId)).map((p) => p.videoId),
      [late],
    );
    t.deepEqual(await store.entities.videoProgress.get({ userId, videoId: early }), first.progress, 'the expired item is still stored');

    // Past both: nothing.
    clock = second.progress.ttl * 1000 + 5000;
    await rejection(t, () => service.get(userId, late), 'notFound');
    t.deepEqual(await service.forUser(userId), []);
    t.deepEqual(await service.continueWatching(userId), []);
  });

  test(title('continueWatching lists unfinished videos, most recent first, and respects the limit'), async (t) => {
    const store = storeOf(backend);
    const userId = randomUUID();
    const base = recent(-3_600_000).getTime();
    const record = (videoId: string, minute: number, position: number) =>
      store.videoProgressService.record(userId, videoId, { positionSeconds: position, durationSeconds: 100, at: new Date(base + minute * 60_000) });
    await record('v1', 1, 10);
    await record('v2', 2, 99); // completed
    await record('v3', 3, 40);
    await record('v4', 4, 50);
    await store.videoProgressService.record(randomUUID(), 'v9', { positionSeconds: 1, durationSeconds: 100, at: new Date(base + 10 * 60_000) }); // someone else

    t.deepEqual(
      (await store.videoProgressService.continueWatching(userId)).map((p) => p.videoId),
      ['v4', 'v3', 'v1'],
    );
    t.deepEqual(
      (await store.videoProgressService.continueWatching(userId, { limit: 2 })).map((p) => p.videoId),
      ['v4', 'v3'],
    );
    t.deepEqual(
      (await store.videoProgressService.continueWatching(userId, { limit: 1 })).map((p) => p.videoId),
      ['v4'],
    );

    // Watching v1 again moves it to the front; finishing v4 removes it.
    await record('v1', 5, 20);
    await record('v4', 6, 96);
    t.deepEqual(
      (await store.videoProgressService.continueWatching(userId)).map((p) => p.videoId),
      ['v1', 'v3'],
    );
    t.true((await store.videoProgressService.continueWatching(userId)).every((p) => p.userId === userId && !p.completed));
  });

  test(title('continueWatching finds unfinished videos behind many newer completed ones and defaults to 20'), async (t) => {
    const store = storeOf(backend);
    const userId = randomUUID();
    const base = recent(-7_200_000).getTime();
    const at = (minute: number) => new Date(base + minute * 60_000);
    // 23 unfinished videos (minutes 0..22), then 30 completed ones, all newer.
    await Promise.all(
      Array.from({ length: 23 }, (_, index) =>
        store.videoProgressService.record(userId, `open-${String(index).padStart(2, '0')}`, { positionSeconds: 5, durationSeconds: 100, at: at(index) }),
      ),
    );
    await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        store.videoProgressService.record(userId, `done-${String(index).padStart(2, '0')}`, {
          positionSeconds: 100,
          durationSeconds: 100,
          at: at(100 + index),
        }),
      ),
    );

    const expectedOrder = Array.from({ length: 23 }, (_, index) => `open-${String(22 - index).padStart(2, '0')}`);
    t.deepEqual(
      (await store.videoProgressService.continueWatching(userId, { limit: 2 })).map((p) => p.videoId),
      expectedOrder.slice(0, 2),
    );
    t.deepEqual(
      (await store.videoProgressService.continueWatching(userId)).map((p) => p.videoId),
      expectedOrder.slice(0, 20),
    );
    t.deepEqual(
      (await store.videoProgressService.continueWatching(userId, { limit: 50 })).map((p) => p.videoId),
      expectedOrder,
    );
  });

  test(title('viewers lists the users of a video; forUser lists the videos of a user'), async (t) => {
    const store = storeOf(backend);
    const videoId = video('shared');
    const otherVideo = video('other');
    const users = [randomUUID(), randomUUID(), randomUUID()];
    for (const [index, userId] of users.entries())
      await store.videoProgressService.record(userId, videoId, { positionSeconds: index, durationSeconds: 100, at: recent() });
    const [first] = users as [string, string, string];
    await store.videoProgressService.record(first, otherVideo, { positionSeconds: 1, durationSeconds: 100, at: recent() });
    await store.videoProgressService.record(randomUUID(), otherVideo, { positionSeconds: 1, durationSeconds: 100, at: recent() });

    const viewers = await store.videoProgressService.viewers(videoId);
    t.deepEqual(viewers.map((p) => p.userId).sort(), [...users].sort());
    t.true(viewers.every((p) => p.videoId === videoId));
    t.is((await store.videoProgressService.viewers(otherVideo)).length, 2);
    t.deepEqual(await store.videoProgressService.viewers(video('unwatched')), []);

    const mine = await store.videoProgressService.forUser(first);
    t.deepEqual(mine.map((p) => p.videoId).sort(), [videoId, otherVideo].sort());
    t.true(mine.every((p) => p.userId === first));
    t.deepEqual(
      (await store.videoProgressService.forUser(users[1] as string)).map((p) => p.videoId),
      [videoId],
    );
    t.deepEqual(await store.videoProgressService.forUser(randomUUID()), []);
  });
}
