/**
 * No lost updates, on both backends and for every combination of `versioned` × `timestamps`:
 * concurrent read-modify-writes through update() never lose an increment (guarded by the version,
 * or, unversioned, by the whole item as read); a save carrying a stale version is a conflict;
 * with no retry budget left, update() ends with conflict and overwrites nothing.
 */
import test from 'ava';
import { z } from 'zod';
import { defineEntity, defineTable, RepositoryError, type BoundTable } from '../../src/index.ts';
import { backends, openBound, rejectsWith, type Backend } from './fixtures.ts';
import { openTable } from '../support/db.ts';

const schema = z.object({ id: z.string().min(1), n: z.int().min(0) });
const keys = { primary: { pk: ['id'] } } as const;
const Counters = defineTable({
  name: 'locking',
  entities: {
    both: defineEntity({ name: 'both', schema, keys, versioned: true, timestamps: true }),
    versionOnly: defineEntity({ name: 'versionOnly', schema, keys, versioned: true, timestamps: false }),
    timestampsOnly: defineEntity({ name: 'timestampsOnly', schema, keys, versioned: false, timestamps: true }),
    neither: defineEntity({ name: 'neither', schema, keys, versioned: false, timestamps: false }),
  },
  ttlAttribute: false,
  streams: false,
});
type Counter = keyof typeof Counters.entities;
const counters: readonly [Counter, { versioned: boolean; timestamps: boolean }][] = [
  ['both', { versioned: true, timestamps: true }],
  ['versionOnly', { versioned: true, timestamps: false }],
  ['timestampsOnly', { versioned: false, timestamps: true }],
  ['neither', { versioned: false, timestamps: false }],
];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A counter as any of the four entities types it (managed fields present or not). */
interface CounterItem {
  id: string;
  n: number;
  version?: number;
  createdAt?: string;
  updatedAt?: string;
}
/** The part of the entity API these tests use, common to the four entities. */
interface CounterApi {
  create(item: { id: string; n: number }): Promise<CounterItem>;
  save(item: CounterItem): Promise<CounterItem>;
  get(id: string): Promise<CounterItem>;
  patch(id: string, patch: { set: { n: number } }, options?: { version?: number }): Promise<CounterItem>;
  update(id: string, updater: (current: CounterItem) => CounterItem): Promise<CounterItem>;
}
/** Each entity's API, seen through the common CounterApi (checked by the compiler, no casts). */
function api(table: BoundTable<(typeof Counters)['entities']>, entity: Counter): CounterApi {
  const apis: { [K in Counter]: CounterApi } = table.entities;
  return apis[entity];
}

async function withCounters(backend: Backend, body: (table: BoundTable<(typeof Counters)['entities']>) => Promise<void>) {
  const handle = await openTable(backend, Counters, 'locking');
  try {
    await body(handle.table);
  } finally {
    await handle.dispose();
  }
}

for (const backend of backends) {
  for (const [entity, { versioned, timestamps }] of counters) {
    const name = (testName: string) => `[${backend}] locking › versioned ${versioned}, timestamps ${timestamps}: ${testName}`;

    test(name('20 concurrent update() increments end at exactly 20'), (t) =>
      withCounters(backend, async (table) => {
        t.is(Counters.entities[entity].versioned, versioned);
        t.is(Counters.entities[entity].timestamps, timestamps);
        const repo = api(table, entity);
        const created = await repo.create({ id: 'hits', n: 0 });
        let updaterCalls = 0;
        const results = await Promise.all(
          Array.from({ length: 20 }, () =>
            repo.update('hits', (current) => {
              updaterCalls++;
              return { ...current, n: current.n + 1 };
            }),
          ),
        );
        const final = await repo.get('hits');
        t.is(final.n, 20, 'no increment is lost');
        // Every update returned the state it wrote: 20 distinct counts.
        t.deepEqual(
          results.map((result) => result.n).sort((a, b) => a - b),
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        t.true(updaterCalls >= 20, `the updater ran ${updaterCalls} times (retries re-run it)`);
        if (versioned) {
          t.is(created.version, 1);
          t.is(final.version, 21, 'one version per write');
          for (const result of results) t.is(result.version, result.n + 1);
        } else t.false('version' in final);
        if (timestamps) {
          t.is(final.createdAt, created.createdAt, 'createdAt unchanged');
          t.regex(final.updatedAt ?? '', ISO);
          t.true((final.updatedAt ?? '') >= (created.updatedAt ?? ''));
        } else t.false('createdAt' in final || 'updatedAt' in final);
      }),
    );

    if (versioned) {
      test(name('a save carrying a stale version → conflict, nothing changes; the current version is accepted'), (t) =>
        withCounters(backend, async (table) => {
          const repo = api(table, entity);
          const stale = await repo.create({ id: 'c', n: 1 });
          const current = await repo.save({ id: 'c', n: 2, version: stale.version });
          t.is(current.version, 2);
          const error = await rejectsWith(t, repo.save({ id: 'c', n: 3, version: stale.version }), 'conflict');
          t.is(error.id, 'c');
          t.is(error.entity, entity);
          t.regex(error.message, /["']c["']/);
          t.deepEqual(await repo.get('c'), current);
          // A patch with a stale version is a conflict too.
          await rejectsWith(t, repo.patch('c', { set: { n: 9 } }, { version: 1 }), 'conflict');
          const next = await repo.save({ id: 'c', n: 4, version: 2 });
          t.is(next.n, 4);
          t.is(next.version, 3);
        }),
      );
    } else {
      test(name('save of a stale read is a deliberate upsert (last writer wins); a version is not an attribute'), (t) =>
        withCounters(backend, async (table) => {
          const repo = api(table, entity);
          const read = await repo.create({ id: 'c', n: 1 });
          await repo.save({ ...read, n: 2 });
          const last = await repo.save({ ...read, n: 3 });
          t.is(last.n, 3);
          t.deepEqual(await repo.get('c'), last);
          const error = await rejectsWith(t, repo.save({ id: 'c', n: 4, version: 1 }), 'validation');
          t.true(
            error.issues.some((issue) => issue.message.includes('version') || issue.path.includes('version')),
            JSON.stringify(error.issues),
          );
          t.is((await repo.get('c')).n, 3);
        }),
      );
    }

    test(name('update() ends with conflict when the retry budget is spent, and loses nothing'), async (t) => {
      const handle = await openBound(backend, Counters, 'locking-budget', { conflictRetry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
      try {
        const repo = api(handle.table, entity);
        await repo.create({ id: 'busy', n: 0 });
        // Ten read-modify-writes start together with no retry: the reads see the same state, so
        // at most a few writes win and the others must fail with conflict (never overwrite).
        const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => repo.update('busy', (current) => ({ ...current, n: current.n + 1 }))));
        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
        t.true(won.length >= 1);
        t.true(lost.length >= 1, 'concurrent writers without retries conflict');
        for (const error of lost) {
          t.true(error instanceof RepositoryError);
          t.is((error as RepositoryError).code, 'conflict');
          t.is((error as RepositoryError).id, 'busy');
        }
        const final = await repo.get('busy');
        t.is(final.n, won.length, 'exactly the successful updates are counted');
        if (versioned) t.is(final.version, 1 + won.length);
      } finally {
        await handle.dispose();
      }
    });
  }
}
