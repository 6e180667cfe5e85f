/**
 * Optimistic locking on both backends: concurrent read-modify-write through update() never loses
 * an increment; versions count every write; createdAt is kept and updatedAt set.
 */
import test from 'ava';
import { RepositoryError } from '../../src/index.ts';
import { Counter, dynamoBackend, memoryBackend, withRepo, type Backend } from './fixtures.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

for (const backend of [dynamoBackend, memoryBackend] as Backend[]) {
  test(`[${backend.name}] locking › 50 concurrent update() increments end at 50, version 51`, (t) =>
    withRepo(
      () => backend.open(Counter),
      async ({ repo }) => {
        const created = await repo.add({ id: 'hits', object: { id: 'hits', count: 0 } });
        t.is(created.version, 1);
        let updaterCalls = 0;
        const results = await Promise.all(
          Array.from({ length: 50 }, () =>
            repo.update('hits', (current) => {
              updaterCalls++;
              return { ...current, count: current.count + 1 };
            }),
          ),
        );
        const final = await repo.get('hits');
        t.is(final.count, 50, 'no increment is lost');
        t.is(final.version, 51, 'one version per write');
        t.is(final.createdAt, created.createdAt, 'createdAt unchanged');
        t.regex(final.updatedAt, ISO);
        t.true(final.updatedAt >= created.updatedAt);
        // Every update returned the state it wrote: 50 distinct counts and versions.
        t.deepEqual(
          results.map((r) => r.count).sort((a, b) => a - b),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
        t.deepEqual(
          results.map((r) => r.version).sort((a, b) => a - b),
          Array.from({ length: 50 }, (_, i) => i + 2),
        );
        for (const result of results) t.is(result.version, result.count + 1);
        t.true(updaterCalls >= 50, `the updater ran ${updaterCalls} times (retries re-run it)`);
      },
    ),
  );

  test(`[${backend.name}] locking › update() ends with conflict when the retry budget is spent, and loses nothing`, (t) =>
    withRepo(
      () => backend.open(Counter, { conflictRetry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }),
      async ({ repo }) => {
        await repo.add({ id: 'busy', object: { id: 'busy', count: 0 } });
        // Ten read-modify-writes start together with no retry: the reads see the same version, so
        // at most a few writes win and the others must fail with conflict (never overwrite).
        const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => repo.update('busy', (current) => ({ ...current, count: current.count + 1 }))));
        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
        t.true(won.length >= 1);
        t.true(lost.length >= 1, 'concurrent writers without retries conflict');
        for (const error of lost) {
          t.true(error instanceof RepositoryError);
          const repositoryError = error as RepositoryError;
          t.is(repositoryError.code, 'conflict');
          t.is(repositoryError.id, 'busy');
          t.true(repositoryError.message.includes('busy'), repositoryError.message);
        }
        const final = await repo.get('busy');
        t.is(final.count, won.length, 'exactly the successful updates are counted');
        t.is(final.version, 1 + won.length);
      },
    ),
  );
}
