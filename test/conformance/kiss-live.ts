/**
 * The kiss conformance suite, part 3: streaming. On DynamoDB the table has its stream on and the
 * emissions really come from DynamoDB Streams; in memory from the twin's change feed. Waits for
 * expected emissions are generous; nothing here asserts a duration.
 */
import test from 'ava';
import { RepositoryError } from '../../src/index.ts';
import { record, unsubscribeAll, within } from '../streams/support.ts';
import { byId, identified, product, rejectsWith, withTable, type Backend, type Handle } from './fixtures.ts';

export function kissLiveSuite(backend: Backend): void {
  const name = (testName: string) => `[${backend}] kiss › Streaming: ${testName}`;
  const live = (body: (repo: Handle['table']['entities']['product']) => Promise<void>) =>
    withTable(backend, (handle) => body(handle.table.entities.product), { streams: true });
  // A failed assertion ends a test early: end any subscription it left open.
  test.after.always(unsubscribeAll);

  test(name('single item emits [initial, update1, update2]'), (t) =>
    live(async (repo) => {
      const p = product({ price: 1 });
      const added = await repo.add(identified(p));
      const other = await repo.add(identified(product({ price: 100 })));
      const single = record(repo.stream(p.id));
      await single.count(1);
      const update1 = await repo.update(p.id, (current) => ({ ...current, price: 2 }));
      const update2 = await repo.update(p.id, (current) => ({ ...current, price: 3, description: 'second update' }));
      await single.count(3);
      t.deepEqual(single.values, [added, update1, update2]);
      t.deepEqual(
        single.values.map((item) => item.version),
        [1, 2, 3],
      );
      t.true(
        single.values.every((item) => item.created instanceof Date),
        'emissions are decoded items',
      );
      // A change of another item, seen by a second subscriber, never reaches this stream.
      const witness = record(repo.streamQuery());
      await witness.count(1);
      await repo.patch(other.id, { set: { price: 101 } });
      await witness.until((r) => r.last?.some((item) => item.id === other.id && item.price === 101) ?? false, 'the other item updated');
      t.is(single.values.length, 3, 'no emission for another item');
      t.false(single.ended);
      single.unsubscribe();
      witness.unsubscribe();
    }),
  );

  test(name('query stream emits lengths [0, 1, 2, 2] for add, add, update'), (t) =>
    live(async (repo) => {
      const results = record(repo.streamQuery());
      await results.count(1);
      const a = await repo.add(identified(product({ id: 'live-a', price: 1 })));
      await results.count(2);
      const b = await repo.add(identified(product({ id: 'live-b', price: 2 })));
      await results.count(3);
      const a2 = await repo.update(a.id, (current) => ({ ...current, price: 10 }));
      await results.count(4);
      t.deepEqual(
        results.values.map((items) => items.length),
        [0, 1, 2, 2],
      );
      // Every emission is the full fresh result.
      t.deepEqual(results.values[1], [a]);
      t.deepEqual([...(results.values[2] ?? [])].sort(byId), [a, b]);
      t.deepEqual([...(results.values[3] ?? [])].sort(byId), [a2, b]);
      t.deepEqual([...(results.values[3] ?? [])].sort(byId), (await repo.query()).sort(byId));
      t.false(results.ended);
      results.unsubscribe();
    }),
  );

  test(name('a query stream with a pattern and where emits only matching items'), (t) =>
    live(async (repo) => {
      const cheap = record(repo.streamQuery({ pattern: 'byName', key: { name: 'Lamp' } }, { where: { price: { lte: 10 } } }));
      await cheap.count(1);
      const lamp = await repo.add(identified(product({ id: 'lamp-1', name: 'Lamp', price: 5 })));
      await cheap.count(2);
      await repo.add(identified(product({ id: 'chair-1', name: 'Chair', price: 5 })));
      await repo.add(identified(product({ id: 'lamp-2', name: 'Lamp', price: 50 })));
      await repo.patch('lamp-1', { set: { price: 20 } }); // no longer matches: leaves the result
      await cheap.until((r) => r.last?.length === 0, 'lamp-1 leaving the result');
      t.deepEqual(cheap.values[0], []);
      t.deepEqual(cheap.values[1], [lamp]);
      t.true(
        cheap.values.every((items) => items.every((item) => item.name === 'Lamp' && item.price <= 10)),
        'only matching items are ever emitted',
      );
      cheap.unsubscribe();
    }),
  );

  test(name('stream of a missing id errors with notFound'), (t) =>
    live(async (repo) => {
      await repo.add(identified(product()));
      const missing = record(repo.stream('no-such-product'));
      await missing.end();
      t.deepEqual(missing.values, [], 'no emission before the error');
      t.false(missing.completed);
      t.true(missing.error instanceof RepositoryError);
      const error = missing.error as RepositoryError;
      t.is(error.code, 'notFound');
      t.is(error.id, 'no-such-product');
      t.true(error.message.includes('no-such-product'), error.message);
      // The async-iterable form rejects the same way.
      const iterated = await rejectsWith(
        t,
        () =>
          within(
            (async () => {
              for await (const _ of repo.stream('also-missing')) t.fail('a missing item emits nothing');
            })(),
            'iterating a missing item',
          ),
        'notFound',
      );
      t.is(iterated.id, 'also-missing');
    }),
  );

  test(name('deletion completes the stream after exactly one emission'), (t) =>
    live(async (repo) => {
      const p = product();
      const added = await repo.add(identified(p));
      const single = record(repo.stream(p.id));
      await single.count(1);
      await repo.delete(p.id);
      await single.end();
      t.true(single.completed, 'completes on delete');
      t.is(single.error, undefined);
      t.deepEqual(single.values, [added], 'exactly one emission: the initial value');
      t.is(single.lateCalls, 0);

      // The async-iterable form: the loop ends on its own when the item is deleted.
      const q = product();
      const addedQ = await repo.add(identified(q));
      const seen: unknown[] = [];
      await within(
        (async () => {
          for await (const item of repo.stream(q.id)) {
            seen.push(item);
            if (seen.length === 1) await repo.delete(q.id);
          }
        })(),
        'the loop over a deleted item',
      );
      t.deepEqual(seen, [addedQ]);
    }),
  );

  test(name('the first emission arrives without any write'), (t) =>
    live(async (repo) => {
      const empty = record(repo.streamQuery());
      await empty.count(1);
      t.deepEqual(empty.values, [[]], 'an empty result is emitted as []');
      empty.unsubscribe();

      const p = product({ name: 'Quiet' });
      const added = await repo.add(identified(p));
      const single = record(repo.stream(p.id));
      const results = record(repo.streamQuery());
      const byName = record(repo.streamQuery({ pattern: 'byName', key: { name: 'Quiet' } }));
      await Promise.all([single.count(1), results.count(1), byName.count(1)]);
      t.deepEqual(single.values, [added]);
      t.deepEqual(results.values, [[added]]);
      t.deepEqual(byName.values, [[added]]);
      t.deepEqual(single.values[0], await repo.get(p.id));
      for (const recorder of [single, results, byName]) {
        t.false(recorder.ended);
        recorder.unsubscribe();
      }
    }),
  );

  test(name('unsubscribe() and dispose() stop delivery'), (t) =>
    live(async (repo) => {
      const p = product({ price: 1 });
      const added = await repo.add(identified(p));
      const single = record(repo.stream(p.id));
      const results = record(repo.streamQuery());
      await Promise.all([single.count(1), results.count(1)]);
      single.unsubscribe();
      results.unsubscribe();
      single.unsubscribe(); // idempotent
      const disposed = record(repo.stream(p.id));
      await disposed.count(1);
      await repo.dispose();
      await disposed.end();
      t.true(disposed.completed, 'dispose() completes the live streams of the API');

      // A witness subscribed after them sees the writes; the stopped ones do not.
      const witness = record(repo.stream(p.id));
      await witness.count(1);
      await repo.add(identified(product()));
      await repo.update(p.id, (current) => ({ ...current, price: 2 }));
      await repo.update(p.id, (current) => ({ ...current, price: 3 }));
      await witness.count(3);
      t.deepEqual(single.values, [added]);
      t.deepEqual(results.values, [[added]]);
      t.deepEqual(disposed.values, [added]);
      t.false(single.ended, 'unsubscribing is not completion');
      t.is(single.lateCalls + results.lateCalls + disposed.lateCalls, 0);
      t.deepEqual(
        witness.values.map((item) => item.price),
        [1, 2, 3],
      );
      witness.unsubscribe();
    }),
  );
}
