/**
 * The dddart conformance suite (getById / save / deleteById on aggregates), written once and
 * registered by dddart.dynamo.test.ts and dddart.memory.test.ts.
 */
import { deepStrictEqual } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import type { InferInput } from '../../src/index.ts';
import { pause, product, rejectsWith, withoutManaged, withTable, type Aggregate, type Backend, type Handle } from './fixtures.ts';

type AggregateInput = InferInput<typeof Aggregate>;

/** Strings of whole unicode graphemes (emoji, CJK, combining marks, ...), possibly empty. */
const text = (maxLength = 20) => fc.string({ unit: 'grapheme', maxLength });
/** Map keys: DynamoDB needs at least one character; `__proto__` is not a data key in JS objects. */
const mapKey = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).filter((key) => key !== '__proto__');
/** Doubles DynamoDB can hold exactly: no NaN/Infinity, no -0, magnitude within 1e-100 .. 1e15. */
const double = fc
  .double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 })
  .filter((value) => !Object.is(value, -0) && (value === 0 || Math.abs(value) >= 1e-100));
const date = fc.date({ noInvalidDate: true });
const dictionary = <T>(values: fc.Arbitrary<T>) => fc.dictionary(mapKey, values, { maxKeys: 4, noNullPrototype: true });

const aggregateArbitrary: fc.Arbitrary<AggregateInput> = fc.record(
  {
    id: fc.uuid(),
    title: text(40),
    count: fc.maxSafeInteger(),
    ratio: double,
    active: fc.boolean(),
    happenedAt: date,
    note: text(),
    maybe: fc.option(text(), { nil: null }),
    tags: fc.array(text(10), { maxLength: 5 }),
    labels: fc.uniqueArray(text(10), { maxLength: 5 }).map((values) => new Set(values)),
    points: fc.uniqueArray(double, { maxLength: 5 }).map((values) => new Set(values)),
    blob: fc.uint8Array({ maxLength: 16 }),
    address: fc.record(
      {
        street: text(),
        zip: fc.stringMatching(/^[0-9]{5}$/),
        since: date,
        geo: fc.record({ lat: double, lng: double }, { noNullPrototype: true }),
      },
      { requiredKeys: ['street', 'since', 'geo'], noNullPrototype: true },
    ),
    history: fc.array(fc.record({ at: date, label: text(), done: fc.boolean() }, { noNullPrototype: true }), { maxLength: 4 }),
    names: dictionary(text()),
    scores: dictionary(double),
    milestones: dictionary(date),
  },
  // `note` and `address.zip` are optional: sometimes absent.
  {
    requiredKeys: [
      'id',
      'title',
      'count',
      'ratio',
      'active',
      'happenedAt',
      'maybe',
      'tags',
      'labels',
      'points',
      'blob',
      'address',
      'history',
      'names',
      'scores',
      'milestones',
    ],
    noNullPrototype: true,
  },
);

export function dddartSuite(backend: Backend): void {
  const name = (testName: string) => `[${backend}] dddart › ${testName}`;
  const products = (body: (repo: Handle['table']['entities']['product']) => Promise<void>) =>
    withTable(backend, (handle) => body(handle.table.entities.product));
  const aggregates = (body: (repo: Handle['table']['entities']['aggregate']) => Promise<void>) =>
    withTable(backend, (handle) => body(handle.table.entities.aggregate));

  test(name('getById missing → notFound'), (t) =>
    products(async (repo) => {
      const error = await rejectsWith(t, repo.getById('no-such-aggregate'), 'notFound');
      t.regex(error.message, /not found/);
      t.true(error.message.includes('no-such-aggregate'), error.message);
      t.is(error.id, 'no-such-aggregate');
    }),
  );

  test(name('save then getById'), (t) =>
    products(async (repo) => {
      const aggregate = product({ name: 'Saved', price: 12.25 });
      const copy = structuredClone(aggregate);
      const saved = await repo.save(aggregate);
      t.deepEqual(aggregate, copy, 'save does not change its argument');
      const read = await repo.getById(aggregate.id);
      t.deepEqual(read, saved, 'save returns the stored aggregate');
      t.deepEqual(withoutManaged(read), aggregate);
      t.is(read.version, 1);
      t.regex(read.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      t.is(read.updatedAt, read.createdAt);
    }),
  );

  test(name('save twice with one id keeps one item with the second value (upsert)'), (t) =>
    products(async (repo) => {
      const first = product({ name: 'First', price: 1 });
      await repo.save(first);
      const before = await repo.getById(first.id);
      await pause(3); // the second write gets a later updatedAt
      const second = { ...first, name: 'Second', price: 2, description: 'replaced' };
      await repo.save(second);
      const all = await repo.query();
      t.is(all.length, 1);
      const after = await repo.getById(first.id);
      t.deepEqual(all[0], after);
      t.deepEqual(withoutManaged(after), second);
      t.is(after.createdAt, before.createdAt, 'createdAt is kept');
      t.is(after.version, 2, 'version is incremented');
      t.true(after.updatedAt > before.updatedAt, `updatedAt moves on (${before.updatedAt} → ${after.updatedAt})`);
    }),
  );

  test(name('save with the current version succeeds and increments it'), (t) =>
    products(async (repo) => {
      const aggregate = product({ price: 1 });
      await repo.save(aggregate);
      const v1 = await repo.getById(aggregate.id);
      await repo.save({ ...v1, price: 2 });
      const v2 = await repo.getById(aggregate.id);
      t.is(v2.price, 2);
      t.is(v2.version, 2);
      await repo.save({ ...v2, price: 3 });
      const v3 = await repo.getById(aggregate.id);
      t.is(v3.price, 3);
      t.is(v3.version, 3);
      t.is(v3.createdAt, v1.createdAt);
    }),
  );

  test(name('saving a stale aggregate → conflict, nothing changes'), (t) =>
    products(async (repo) => {
      const aggregate = product({ price: 1 });
      await repo.save(aggregate);
      const stale = await repo.getById(aggregate.id); // version 1
      await repo.save({ ...stale, price: 2 }); // now version 2
      const current = await repo.getById(aggregate.id);
      const error = await rejectsWith(t, repo.save({ ...stale, price: 3 }), 'conflict');
      t.is(error.id, aggregate.id);
      t.true(error.message.includes(aggregate.id), error.message);
      t.deepEqual(await repo.getById(aggregate.id), current);
      t.is(current.version, 2);
      t.is(current.price, 2);
    }),
  );

  test(name('deleteById removes only that aggregate; missing → notFound'), (t) =>
    products(async (repo) => {
      const [a, b] = [product({ name: 'A' }), product({ name: 'B' })];
      await repo.save(a);
      await repo.save(b);
      const bBefore = await repo.getById(b.id);
      await repo.deleteById(a.id);
      await rejectsWith(t, repo.getById(a.id), 'notFound');
      t.deepEqual(await repo.getById(b.id), bBefore);
      t.deepEqual(
        (await repo.query()).map((item) => item.id),
        [b.id],
      );
      const again = await rejectsWith(t, repo.deleteById(a.id), 'notFound');
      t.is(again.id, a.id);
      const missing = await rejectsWith(t, repo.deleteById('never-saved'), 'notFound');
      t.regex(missing.message, /not found/);
      t.deepEqual(await repo.getById(b.id), bBefore);
    }),
  );

  test(name('re-save after delete'), (t) =>
    products(async (repo) => {
      const aggregate = product({ name: 'Phoenix', price: 7 });
      await repo.save(aggregate);
      await repo.deleteById(aggregate.id);
      await rejectsWith(t, repo.getById(aggregate.id), 'notFound');
      await repo.save({ ...aggregate, price: 8 });
      const reborn = await repo.getById(aggregate.id);
      t.deepEqual(withoutManaged(reborn), { ...aggregate, price: 8 });
      t.is(reborn.version, 1, 'a new item starts again at version 1');
      t.is((await repo.query()).length, 1);
    }),
  );

  test(name('save replaces the whole aggregate: fields left out are removed, sets and maps are replaced, not merged'), (t) =>
    aggregates(async (repo) => {
      const first = fc.sample(aggregateArbitrary, { numRuns: 1, seed: 7 })[0];
      if (!first) return t.fail('no sample');
      const full = { ...first, note: 'kept?', labels: new Set(['a', 'b']), names: { x: '1', y: '2' }, address: { ...first.address, zip: '12345' } };
      await repo.save(full);
      const { note: _note, ...withoutNote } = full;
      const second = {
        ...withoutNote,
        labels: new Set(['c']),
        names: { z: '3' },
        address: { street: 'Other', since: first.address.since, geo: { lat: 0, lng: 0 } },
      };
      const saved = await repo.save(second);
      const read = await repo.getById(first.id);
      t.deepEqual(read, saved);
      t.false('note' in read, 'an optional field left out is removed');
      t.deepEqual(read.labels, new Set(['c']));
      t.deepEqual(read.names, { z: '3' });
      t.deepEqual(read.address, { street: 'Other', since: first.address.since, geo: { lat: 0, lng: 0 } });
      t.is(read.version, 2);
    }),
  );

  test(name('10 concurrent saves all persist'), (t) =>
    products(async (repo) => {
      const many = Array.from({ length: 10 }, (_, index) => product({ name: `Concurrent ${index}`, price: index }));
      await Promise.all(many.map((aggregate) => repo.save(aggregate)));
      const all = await repo.query();
      t.is(all.length, 10);
      for (const aggregate of many) {
        const read = await repo.getById(aggregate.id);
        t.deepEqual(withoutManaged(read), aggregate);
        t.is(read.version, 1);
      }
    }),
  );

  // Each run is a save and a read: fewer against DynamoDB Local, to keep the suite fast.
  const numRuns = backend === 'memory' ? 200 : 60;
  test(name(`round-trip property: ${numRuns} random aggregates (unicode, numbers, booleans, dates, nested maps, lists, sets, binary) keep every field`), (t) =>
    aggregates(async (repo) => {
      let runs = 0;
      const saves = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(aggregateArbitrary, async (aggregate) => {
          runs++;
          const expected = structuredClone(aggregate);
          await repo.save(aggregate);
          saves.set(aggregate.id, (saves.get(aggregate.id) ?? 0) + 1);
          const read = await repo.getById(aggregate.id);
          deepStrictEqual(withoutManaged(read), expected);
          deepStrictEqual(aggregate, expected, 'save does not change its argument');
          deepStrictEqual(read.version, saves.get(aggregate.id), 'one version per save of this id');
        }),
        { numRuns },
      );
      t.true(runs >= numRuns, `ran ${runs} aggregates`);
      t.is((await repo.query()).length, saves.size);
    }),
  );
}
