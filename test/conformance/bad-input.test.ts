/**
 * Bad items and ids on both backends: every case is a RepositoryError 'validation' naming the
 * field, refused before anything is sent — a raw read of the whole table afterwards shows
 * nothing written. (Bad patches, conditions, queries and transactions: bad-request.test.ts.)
 */
import test from 'ava';
import type { InferInput } from '../../src/index.ts';
import { backends, type Enrollment, identified, product, withTable, type ProductInput } from './fixtures.ts';
import { bad, rawItems, refused } from './refusals.ts';

type EnrollmentInput = InferInput<typeof Enrollment>;
const enrollment = (overrides: Partial<EnrollmentInput> = {}): EnrollmentInput => ({ tenantId: 't1', courseId: 'c1', studentId: 's1', grade: 3, ...overrides });
const enrollmentId = (e: EnrollmentInput) => ({ tenantId: e.tenantId, courseId: e.courseId, studentId: e.studentId });

function withoutKey<T extends object, K extends keyof T>(object: T, key: K): Omit<T, K> {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

for (const backend of backends) {
  const name = (testName: string) => `[${backend}] bad input › ${testName}`;

  test(name('unknown fields, wrong types, invalid numbers and lone surrogates are refused by every write path, nothing written'), (t) =>
    withTable(backend, async (handle) => {
      const repo = handle.table.entities.product;
      const existing = await repo.add(identified(product({ id: 'existing', price: 5 })));
      const before = await rawItems(handle);
      const cases: [string, ProductInput, string][] = [
        ['unknown field', bad<ProductInput>({ ...product(), colour: 'red' }), 'colour'],
        ['price of the wrong type', bad<ProductInput>({ ...product(), price: 'cheap' }), 'price'],
        ['name of the wrong type', bad<ProductInput>({ ...product(), name: 42 }), 'name'],
        ['a date as a string', bad<ProductInput>({ ...product(), created: '2026-01-01T00:00:00.000Z' }), 'created'],
        ['an invalid Date', product({ created: new Date('not a date') }), 'created'],
        ['a missing field', bad<ProductInput>(withoutKey(product(), 'description')), 'description'],
        ['a negative price (the schema says min 0)', product({ price: -1 }), 'price'],
        ['NaN', product({ price: Number.NaN }), 'price'],
        ['Infinity', product({ price: Number.POSITIVE_INFINITY }), 'price'],
        ['1e300 (beyond what DynamoDB stores)', product({ price: 1e300 }), 'price'],
        ['2^60 (beyond safe integers)', product({ price: 2 ** 60 }), 'price'],
        ['1e-200 (underflows DynamoDB)', product({ price: 1e-200 }), 'price'],
        ['a lone high surrogate', product({ description: 'Q\ud800' }), 'description'],
        ['a lone low surrogate in a key attribute', product({ name: '\udc00Lamp' }), 'name'],
      ];
      for (const [label, input, field] of cases) {
        const asExisting = { ...input, id: 'existing' };
        await refused(t, () => repo.add(identified(input)), field, `add: ${label}`);
        await refused(t, () => repo.create(input), field, `create: ${label}`);
        await refused(t, () => repo.save(input), field, `save: ${label}`);
        await refused(t, () => repo.save(asExisting), field, `save over an item: ${label}`);
        await refused(t, () => repo.addAll([identified(product()), identified(input)]), field, `addAll: ${label}`);
        await refused(t, () => repo.createAll([product(), input]), field, `createAll: ${label}`);
        await refused(t, () => repo.saveAll([product(), input, product()]), field, `saveAll: ${label}`);
        await refused(t, () => repo.updateAll([identified(asExisting)]), field, `updateAll: ${label}`);
        await refused(t, () => repo.update('existing', () => asExisting), field, `update: ${label}`);
        await refused(t, () => handle.table.transactWrite((tx) => [tx.product.create(product()), tx.product.create(input)]), field, `transactWrite: ${label}`);
      }
      await refused(t, () => repo.add({ id: 'not-an-object', object: bad<ProductInput>(null) }), /object/);
      await refused(t, () => repo.patch('existing', { set: bad({ colour: 'red' }) }), 'colour');
      t.deepEqual(await rawItems(handle), before, 'nothing written, nothing changed');
      t.deepEqual(await repo.query(), [existing]);
    }),
  );

  test(name('nested values: a lone surrogate in a map key or list element, a bad number deep inside, nothing written'), (t) =>
    withTable(backend, async (handle) => {
      const repo = handle.table.entities.aggregate;
      const valid = {
        id: 'a-1',
        title: 'ok',
        count: 1,
        ratio: 0.5,
        active: true,
        happenedAt: new Date('2026-01-01T00:00:00.000Z'),
        maybe: null,
        tags: ['x'],
        labels: new Set(['l']),
        points: new Set([1]),
        blob: new Uint8Array([1, 2]),
        address: { street: 'Main', since: new Date('2020-01-01T00:00:00.000Z'), geo: { lat: 1, lng: 2 } },
        history: [],
        names: {},
        scores: {},
        milestones: {},
      };
      await repo.save(valid);
      const before = await rawItems(handle);
      const cases: [string, typeof valid, string][] = [
        ['a lone surrogate in a record key', { ...valid, names: { 'k\ud800': 'v' } }, 'names'],
        ['a lone surrogate in a list element', { ...valid, tags: ['ok', 'x\udfff'] }, 'tags'],
        ['a lone surrogate in a set member', { ...valid, labels: new Set(['\ud83d']) }, 'labels'],
        ['Infinity in a nested map', { ...valid, address: { ...valid.address, geo: { lat: Number.POSITIVE_INFINITY, lng: 0 } } }, 'address'],
        ['1e300 in a record', { ...valid, scores: { a: 1e300 } }, 'scores'],
        ['a set with mixed types', { ...valid, labels: bad<Set<string>>(new Set(['a', 1])) }, 'labels'],
        ['a number set holding NaN', { ...valid, points: new Set([Number.NaN]) }, 'points'],
        ['binary given as a string', { ...valid, blob: bad<typeof valid.blob>('AQI=') }, 'blob'],
      ];
      for (const [label, input, field] of cases) {
        await refused(t, () => repo.save(input), field, `save: ${label}`);
        await refused(t, () => repo.create({ ...input, id: 'a-2' }), field, `create: ${label}`);
        await refused(t, () => repo.saveAll([{ ...valid, id: 'a-3' }, input]), field, `saveAll: ${label}`);
      }
      t.deepEqual(await rawItems(handle), before, 'nothing written');
    }),
  );

  test(name('empty ids, ids that are not strings and lone surrogates in ids are refused by every operation'), (t) =>
    withTable(backend, async (handle) => {
      const repo = handle.table.entities.product;
      // An item whose id is the replacement character: a lone surrogate must never reach it.
      const decoy = await repo.add(identified(product({ id: 'Q\ufffd' })));
      const before = await rawItems(handle);
      for (const id of ['', 42, true, { id: 'Q\ufffd' }, ['Q\ufffd'], 'Q\ud800'] as unknown[]) {
        const badId = bad<string>(id);
        const label = JSON.stringify(id) ?? 'undefined';
        await refused(t, () => repo.get(badId), 'id', `get ${label}`);
        await refused(t, () => repo.getById(badId), 'id', `getById ${label}`);
        await refused(t, () => repo.add({ id: badId, object: withoutKey(product(), 'id') }), 'id', `add ${label}`);
        await refused(t, () => repo.update(badId, (current) => current), 'id', `update ${label}`);
        await refused(t, () => repo.patch(badId, { set: { price: 1 } }), 'id', `patch ${label}`);
        await refused(t, () => repo.delete(badId), 'id', `delete ${label}`);
        await refused(t, () => repo.deleteById(badId), 'id', `deleteById ${label}`);
        await refused(t, () => repo.addAll([identified(product()), { id: badId, object: withoutKey(product(), 'id') }]), 'id', `addAll ${label}`);
        await refused(t, () => repo.deleteAll([decoy.id, badId]), 'id', `deleteAll ${label}`);
        await refused(t, () => repo.getMany([decoy.id, badId]), 'id', `getMany ${label}`);
        await refused(t, () => repo.save(bad<ProductInput>({ ...product(), id })), 'id', `save ${label}`);
        await refused(t, () => repo.saveAll([product(), bad<ProductInput>({ ...product(), id })]), 'id', `saveAll ${label}`);
        await refused(t, () => handle.table.transactGet((tx) => [tx.product.get(badId)]), 'id', `transactGet ${label}`);
      }
      // An id that disagrees with the id inside the object.
      await refused(t, () => repo.add({ id: 'one', object: product({ id: 'other' }) }), 'id');
      t.deepEqual(await rawItems(handle), before, 'nothing written, nothing deleted');
    }),
  );

  // ElectroDB joins the attributes of one key as `#tenantId_<v>#courseId_<v>`: a value containing
  // `#<label>_` for a label of the same key could forge another id's key. Such values are refused;
  // any other '#', '$' or '_' is stored, and distinct ids never share an item.
  test(name('key values with sequences that could forge another key (multi-attribute keys), nothing written'), (t) =>
    withTable(backend, async (handle) => {
      const repo = handle.table.entities.enrollment;
      const stored = await repo.add({ id: enrollmentId(enrollment()), object: enrollment() });
      const before = await rawItems(handle);
      const forgeries: [EnrollmentInput, string, string][] = [
        [enrollment({ tenantId: 't1#courseId_c1' }), 'tenantId', '#courseId_'],
        [enrollment({ courseId: 'c0#courseId_c1' }), 'courseId', '#courseId_'],
        [enrollment({ courseId: 'x#tenantId_t1' }), 'courseId', '#tenantId_'],
      ];
      for (const [forged, field, sequence] of forgeries) {
        const error = await refused(t, () => repo.add({ id: enrollmentId(forged), object: forged }), field);
        t.true(error.message.includes(sequence), error.message);
        await refused(t, () => repo.create(forged), field);
        await refused(t, () => repo.save(forged), field);
        await refused(t, () => repo.get(enrollmentId(forged)), field);
        await refused(t, () => repo.delete(enrollmentId(forged)), field);
        await refused(t, () => repo.patch(enrollmentId(forged), { set: { grade: 1 } }), field);
        await refused(t, () => repo.getMany([enrollmentId(enrollment()), enrollmentId(forged)]), field);
        await refused(t, () => repo.createAll([enrollment({ studentId: 's2' }), forged]), field);
        await refused(t, () => repo.saveAll([enrollment({ studentId: 's3' }), forged]), field);
        await refused(t, () => repo.find.primary({ tenantId: forged.tenantId, courseId: forged.courseId }), field);
      }
      // Empty key values, the wrong id shape: a plain string, an object missing a key attribute.
      await refused(t, () => repo.create(enrollment({ courseId: '' })), 'courseId');
      await refused(t, () => repo.get({ ...enrollmentId(enrollment()), studentId: '' }), 'studentId');
      await refused(t, () => repo.get(bad('t1#c1#s1')), /enrollment/);
      await refused(t, () => repo.get(bad({ tenantId: 't1', courseId: 'c1' })), 'studentId');
      await refused(t, () => repo.get(bad({ ...enrollmentId(enrollment()), grade: 3 })), 'grade');
      t.deepEqual(await rawItems(handle), before, 'nothing written');

      // Lookalikes that are not forgeries are distinct items.
      const lookalikes = [
        enrollment({ tenantId: 't1#courseid_c1', courseId: 'c1' }),
        enrollment({ tenantId: 't1', courseId: 'c1#courseid_c1' }),
        enrollment({ tenantId: 'a#b', courseId: 'c' }),
        enrollment({ tenantId: 'a', courseId: 'b#c' }),
        enrollment({ tenantId: 'a_b', courseId: 'c' }),
        enrollment({ tenantId: '$a', courseId: 'c' }),
        enrollment({ tenantId: 't1', courseId: 'c1', studentId: 's1#studentId_s2' }),
      ];
      for (const [index, item] of lookalikes.entries()) await repo.add({ id: enrollmentId(item), object: { ...item, grade: index } });
      t.is((await repo.query()).length, 1 + lookalikes.length);
      for (const [index, item] of lookalikes.entries()) t.is((await repo.get(enrollmentId(item))).grade, index);
      t.deepEqual(await repo.get(enrollmentId(enrollment())), stored);
    }),
  );

  test(name("items over DynamoDB's 400 KB limit, nothing written"), (t) =>
    withTable(backend, async (handle) => {
      const repo = handle.table.entities.product;
      const existing = await repo.add(identified(product({ id: 'existing' })));
      const before = await rawItems(handle);
      // 140,000 characters but 420,000 bytes: the limit counts UTF-8 bytes.
      for (const description of ['x'.repeat(400 * 1024 + 1), '€'.repeat(140_000)]) {
        const huge = product({ description });
        await refused(t, () => repo.add(identified(huge)), /409600/);
        await refused(t, () => repo.save(huge), /409600/);
        await refused(t, () => repo.saveAll([product(), huge]), /409600/);
        await refused(t, () => repo.update('existing', (current) => ({ ...current, description })), /409600/);
        await refused(t, () => repo.patch('existing', { set: { description } }), /409600|400 ?KB|size/);
      }
      t.deepEqual(await rawItems(handle), before);
      // Just under the limit is stored.
      const large = product({ description: 'y'.repeat(380 * 1024) });
      await repo.add(identified(large));
      t.is((await repo.get(large.id)).description.length, 380 * 1024);
      t.deepEqual(await repo.get('existing'), existing);
    }),
  );
}
