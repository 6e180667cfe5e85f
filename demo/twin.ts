import { randomUUID } from 'node:crypto';
import { isRepositoryError, type BoundTable, type Connection } from 'tablekit';
import { ChangeLog, UserService } from 'tablekit/services';
import { inMemory } from 'tablekit/testing';
import { AppTable, type AppEntities } from '../entities/index.ts';
import { check, step, type Print } from './print.ts';

/** The error code a call fails with, or 'ok'. */
async function outcome(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'ok';
  } catch (error) {
    if (isRepositoryError(error)) return `${error.code}${error.entity ? ` ${error.entity}` : ''}`;
    throw error;
  }
}

/**
 * One scenario whose answers do not depend on ids or clocks, so the same code gives the same
 * answers on DynamoDB and on the in-memory twin.
 */
async function scenario(table: BoundTable<AppEntities>): Promise<[string, string][]> {
  const { user: users, videoProgress: progress } = table.entities;
  const userId = randomUUID();
  const email = `twin.${userId.slice(0, 8)}@example.com`;
  const answers: [string, string][] = [];
  const answer = (question: string, value: unknown) => answers.push([question, String(value)]);

  answer('create', `v${(await users.create({ userId, email, firstName: 'Ada', lastName: 'Twin', isActive: true })).version}`);
  answer('same e-mail', await outcome(() => users.create({ userId: randomUUID(), email, firstName: 'Eve', lastName: 'Copy', isActive: true })));
  await Promise.all(Array.from({ length: 10 }, () => users.update(userId, (u) => ({ ...u, lastName: `${u.lastName}+` }))));
  answer('10 updates', (await users.get(userId)).version);
  answer('if fails', await outcome(() => users.patch(userId, { set: { lastName: 'X' } }, { if: { isActive: false } })));
  const token = await new UserService(table).issueRefreshToken(userId);
  answer('hidden', 'refreshTokenHash' in (await users.get(userId)));
  answer('include', (await users.get(userId, { include: ['refreshTokenHash'] })).refreshTokenHash?.length);
  answer('by token', (await new UserService(table).getByRefreshToken(token)).userId === userId);

  const base = Date.parse('2026-01-01T12:00:00.000Z');
  const videos = ['a', 'b', 'c', 'd', 'e'];
  await progress.createAll(
    videos.map((videoId, index) => ({
      userId,
      videoId,
      positionSeconds: 0,
      durationSeconds: 60,
      completed: false,
      updatedAt: new Date(base + index * 60_000).toISOString(),
      ttl: 2_000_000_000,
    })),
  );
  await Promise.all(Array.from({ length: 20 }, () => progress.patch({ userId, videoId: 'c' }, { add: { positionSeconds: 1 } })));
  answer('20 adds', (await progress.get({ userId, videoId: 'c' })).positionSeconds);
  const since = new Date(base + 2 * 60_000).toISOString();
  answer('gte, desc', (await progress.find.continueWatching({ userId, updatedAt: { gte: since } }, { order: 'desc' })).items.map((p) => p.videoId).join(''));
  const page = await progress.find.primary({ userId, videoId: { between: ['b', 'd'] } }, { limit: 2 });
  answer('between, limit 2', `${page.items.map((p) => p.videoId).join('')} cursor ${page.cursor !== undefined}`);
  answer(
    'tx cancelled',
    await outcome(() =>
      table.transactWrite((tx) => [
        tx.user.patch(userId, { set: { firstName: 'Z' } }),
        tx.videoProgress.create({ userId, videoId: 'a', positionSeconds: 1, durationSeconds: 60, completed: false, updatedAt: since, ttl: 2_000_000_000 }),
      ]),
    ),
  );
  answer('after cancel', (await users.get(userId)).firstName);
  answer('account', (await new UserService(table).getAccount(userId)).videoProgress.length);

  const log = new ChangeLog(table);
  const projectId = `twin-${userId.slice(0, 8)}`;
  await log.appendMany(
    projectId,
    ['x', 'y', 'x', 'z', 'x'].map((entityId) => ({ entityType: 'doc', entityId, operation: 'update' as const, data: {} })),
  );
  answer('since 2', (await log.since(projectId, 2)).items.map((c) => c.seq).join(','));
  answer('latest', (await log.latest(projectId)).map((c) => `${c.entityId}${c.seq}`).join(','));

  await new UserService(table).delete(userId);
  answer('after delete', await outcome(() => users.get(userId)));
  return answers;
}

/** The same scenario on DynamoDB and on `AppTable.bind(inMemory())`: the answers must be identical. */
export async function runTwinTour(connection: Connection, tableName: string, print: Print): Promise<void> {
  print('\nThe in-memory twin (tablekit/testing): the same code and the same answers without DynamoDB');
  const onDynamo = await step(
    'scenario on DynamoDB',
    print,
    () => scenario(AppTable.bind(connection, { tableName })),
    (answers) => `${answers.length} answers`,
  );
  const memory = inMemory();
  try {
    const twin = AppTable.bind(memory);
    await twin.ensure();
    const inMem = await step(
      'same scenario on AppTable.bind(inMemory())',
      print,
      () => scenario(twin),
      (answers) => `${answers.length} answers`,
    );
    const differences = onDynamo.filter(([question, value], index) => inMem[index]?.[0] !== question || inMem[index]?.[1] !== value);
    print(`  answers: ${onDynamo.map(([question, value]) => `${question} → ${value}`).join(' · ')}`);
    for (const [question, value] of differences) print(`  DIFFERENT: ${question}: DynamoDB ${value}, memory ${inMem.find(([q]) => q === question)?.[1]}`);
    check(differences.length === 0 && inMem.length === onDynamo.length, 'the twin answers like DynamoDB');
    print(`  identical on both backends (${onDynamo.length} of ${onDynamo.length})`);
  } finally {
    await memory.close();
  }
}
