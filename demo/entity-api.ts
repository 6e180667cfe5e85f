import { randomUUID } from 'node:crypto';
import { openStore, User } from '../../entities/index.ts';
import type { Connection } from '../connection/index.ts';
import { isRepositoryError } from '../errors/index.ts';
import { InMemoryRepository } from '../repository/index.ts';
import { step, type Print } from './print.ts';



async function expectError(label: string, print: Print, code: string, action: () => Promise<unknown>): Promise<void> {
  await step(label, print, async () => {
    try {
      await action();
    } catch (error) {
      if (isRepositoryError(error) && error.code === code) return error.code;
      throw error;
    }
    throw new Error(`${label}: expected a ${code} error`);
  }, (errorCode) => `RepositoryError(${errorCode})`);
}

const person = (name: string) => ({ email: `${name}.${randomUUID().slice(0, 8)}@example.com`, firstName: name, lastName: 'Demo', isActive: true });

/** The repository families (kiss and dddart) on the bundled store, and the in-memory twin. */
export async function runRepositoryDemo(connection: Connection, tableName: string, print: Print = console.log): Promise<void> {
  const store = await openStore({ connection, tableName });
  const { users, videoProgress } = store;
  try {
    print('\nRepositories (kiss + dddart, validated, optimistic locking):');
    const ada = await step('users.addAutoIdentified', print, () => users.addAutoIdentified(person('ada'), (o, userId) => ({ ...o, userId })), (u) => `version ${u.version}`);
    const renamed = await step('users.update (read-modify-write)', print, () => users.update(ada.userId, (u) => ({ ...u, lastName: 'Lovelace' })), (u) => `version ${u.version}`);
    await step('10 concurrent update() on one user', print, () => Promise.all(Array.from({ length: 10 }, () => users.update(ada.userId, (u) => ({ ...u, firstName: `${u.firstName}+` })))), () => 'no lost update');
    await step('users.getById', print, () => users.getById(ada.userId), (u) => `version ${u.version}, ${u.firstName.length - 3} increments`);
    await expectError('users.save(stale aggregate)', print, 'conflict', () => users.save({ ...renamed, firstName: 'Stale' }));
    const team = await step('users.addAll (one transaction)', print, () => users.addAll(['grace', 'alan', 'edsger'].map((name) => ({ id: randomUUID(), object: person(name) }))), (r) => `${r.length} users`);
    await expectError('users.addAll with an existing id', print, 'alreadyExists', () => users.addAll([{ id: randomUUID(), object: person('new') }, { id: ada.userId, object: person('dup') }]));
    const missing = randomUUID();
    await step('users.getMany (BatchGetItem)', print, () => users.getMany([...team.map((u) => u.userId), missing]), (r) => `${r.items.length} found, ${r.missing.length} missing`);
    await step('users.find.byEmail (Query gsi1)', print, () => users.find.byEmail({ email: ada.email }), (r) => `${r.items.length} item(s)`);
    await expectError('users.add with an invalid e-mail', print, 'validation', () => users.add({ id: randomUUID(), object: { ...person('x'), email: 'not-an-email' } }));

    const now = Date.now();
    const progress = Array.from({ length: 500 }, (_, index) => ({
      userId: ada.userId,
      videoId: `video-${String(index).padStart(3, '0')}`,
      positionSeconds: index,
      durationSeconds: 600,
      completed: false,
      updatedAt: new Date(now - index * 1000).toISOString(),
      ttl: Math.floor(now / 1000) + 90 * 86_400,
    }));
    let reports = 0;
    await step('videoProgress.saveAll(500) (BatchWriteItem)', print, () => videoProgress.saveAll(progress, { onProgress: () => reports++ }), (r) => `${r.written} written, ${reports} progress reports`);
    await step('find.continueWatching, newest first, limit 3', print, () => videoProgress.find.continueWatching({ userId: ada.userId }, { order: 'desc', limit: 3 }), (r) => r.items.map((p) => p.videoId).join(', '));
    let pages = 0;
    await step('paginate(primary, pages of 100)', print, async () => {
      let count = 0;
      for await (const page of videoProgress.paginate({ pattern: 'primary', key: { userId: ada.userId } }, { pageSize: 100 })) {
        pages++;
        count += page.length;
      }
      return count;
    }, (count) => `${count} items in ${pages} pages`);
    await step('query with a filter (positionSeconds ≥ 490)', print, () => videoProgress.query({ pattern: 'primary', key: { userId: ada.userId }, where: { positionSeconds: { gte: 490 } } }), (r) => `${r.length} item(s)`);
    await step('videoProgress.deleteAll(500)', print, () => videoProgress.deleteAll(progress.map(({ userId, videoId }) => ({ userId, videoId }))), () => 'done');
    await step('users.deleteAll + deleteById', print, async () => {
      await users.deleteAll(team.map((u) => u.userId));
      await users.deleteById(ada.userId);
    }, () => 'done');
    await expectError('users.get after delete', print, 'notFound', () => users.get(ada.userId));

    print('\nThe in-memory twin (same rules, no DynamoDB) for unit tests:');
    const memory = new InMemoryRepository(User);
    const twin = await step('InMemoryRepository.addAutoIdentified', print, () => memory.addAutoIdentified(person('ada'), (o, userId) => ({ ...o, userId })), (u) => `version ${u.version}`);
    await expectError('InMemoryRepository.add(same id)', print, 'alreadyExists', () => memory.add({ id: twin.userId, object: person('ada') }));
  } finally {
    await store.close();
  }
}
