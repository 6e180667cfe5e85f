/**
 * Bad input on both backends: every case gives a RepositoryError 'validation' with a useful
 * message, and writes nothing (checked by reading the store back). Unknown fields are rejected.
 */
import test, { type ExecutionContext } from 'ava';
import { MAX_ITEM_BYTES, RepositoryError, type InferInput } from '../../src/index.ts';
import {
  byId,
  dynamoBackend,
  Enrollment,
  identified,
  memoryBackend,
  Product,
  product,
  rejectsWith,
  withoutManaged,
  withRepo,
  type Backend,
  type ProductInput,
} from './fixtures.ts';

/** Lets a test pass what the types forbid, as JavaScript callers can. */
const bad = <T>(value: unknown): T => value as T;

/** Asserts a validation error whose message mentions every `mentions` and whose issues name `path`. */
async function rejectsValidation(t: ExecutionContext, run: () => Promise<unknown>, mentions: (string | RegExp)[], path?: string): Promise<RepositoryError> {
  const error = await rejectsWith(t, run, 'validation');
  for (const mention of mentions) {
    if (typeof mention === 'string') t.true(error.message.includes(mention), `'${error.message}' should mention '${mention}'`);
    else t.regex(error.message, mention);
  }
  if (path !== undefined) t.true(error.issues.some((issue) => issue.path[0] === path && issue.message.length > 0), `issues name '${path}': ${JSON.stringify(error.issues)}`);
  return error;
}

type EnrollmentInput = InferInput<typeof Enrollment>;
const enrollment = (overrides: Partial<EnrollmentInput> = {}): EnrollmentInput => ({ tenantId: 't1', courseId: 'c1', studentId: 's1', grade: 3, ...overrides });
const enrollmentId = (e: EnrollmentInput) => ({ tenantId: e.tenantId, courseId: e.courseId, studentId: e.studentId });

for (const backend of [dynamoBackend, memoryBackend] as Backend[]) {
  const name = (testName: string) => `[${backend.name}] bad input › ${testName}`;
  const products = () => backend.open(Product);

  test(name('invalid items are rejected by every write, nothing written'), (t) =>
    withRepo(products, async ({ repo }) => {
      const existing = await repo.add(identified(product({ id: 'existing', price: 5 })));
      const cases: [string, ProductInput, string][] = [
        ['negative price', product({ price: -1 }), 'price'],
        ['price of the wrong type', bad<ProductInput>({ ...product(), price: 'cheap' }), 'price'],
        ['empty name', product({ name: '' }), 'name'],
        ['missing description', bad<ProductInput>(withoutKey(product(), 'description')), 'description'],
        ['created not a date', bad<ProductInput>({ ...product(), created: 'yesterday' }), 'created'],
      ];
      for (const [label, input, field] of cases) {
        t.log(label);
        await rejectsValidation(t, () => repo.add(identified(input)), [field], field);
        await rejectsValidation(t, () => repo.save(input), [field], field);
        await rejectsValidation(t, () => repo.addAll([identified(product()), identified(input)]), [field], field);
        await rejectsValidation(t, () => repo.saveAll([product(), input, product()]), [field], field);
        await rejectsValidation(t, () => repo.updateAll([identified({ ...input, id: 'existing' })]), [field], field);
        await rejectsValidation(t, () => repo.update('existing', () => ({ ...input, id: 'existing' })), [field], field);
      }
      await rejectsValidation(t, () => repo.add({ id: 'not-an-object', object: bad<ProductInput>(null) }), ['object']);
      t.deepEqual(await repo.query(), [existing], 'nothing written, nothing changed');
    }),
  );

  test(name('unknown fields are rejected (not stripped), nothing written'), (t) =>
    withRepo(products, async ({ repo }) => {
      const existing = await repo.add(identified(product({ id: 'existing' })));
      const withColour = bad<ProductInput>({ ...product(), colour: 'red' });
      await rejectsValidation(t, () => repo.add(identified(withColour)), ['colour']);
      await rejectsValidation(t, () => repo.save(withColour), ['colour']);
      await rejectsValidation(t, () => repo.addAll([identified(product()), identified(withColour)]), ['colour']);
      await rejectsValidation(t, () => repo.saveAll([product(), withColour]), ['colour']);
      await rejectsValidation(t, () => repo.update('existing', (current) => bad<ProductInput>({ ...current, colour: 'red' })), ['colour']);
      await rejectsValidation(t, () => repo.query({ where: bad({ colour: 'red' }) }), ['colour']);
      t.deepEqual(await repo.query(), [existing]);
      t.false('colour' in (await repo.get('existing')));
    }),
  );

  test(name('empty ids and ids that are not strings, nothing written'), (t) =>
    withRepo(products, async ({ repo }) => {
      const existing = await repo.add(identified(product({ id: 'existing' })));
      for (const id of ['', 42, null, undefined, true, { id: 'existing' }, ['existing']] as unknown[]) {
        const badId = bad<string>(id);
        t.log(JSON.stringify(id) ?? 'undefined');
        await rejectsValidation(t, () => repo.get(badId), ['id']);
        await rejectsValidation(t, () => repo.getById(badId), ['id']);
        await rejectsValidation(t, () => repo.add({ id: badId, object: withoutKey(product(), 'id') }), ['id']);
        await rejectsValidation(t, () => repo.update(badId, (current) => current), ['id']);
        await rejectsValidation(t, () => repo.delete(badId), ['id']);
        await rejectsValidation(t, () => repo.deleteById(badId), ['id']);
        await rejectsValidation(t, () => repo.addAll([identified(product()), { id: badId, object: withoutKey(product(), 'id') }]), ['id']);
        await rejectsValidation(t, () => repo.deleteAll(['existing', badId]), ['id']);
        await rejectsValidation(t, () => repo.getMany(['existing', badId]), ['id']);
        await rejectsValidation(t, () => repo.save(bad<ProductInput>({ ...product(), id })), ['id']);
        await rejectsValidation(t, () => repo.saveAll([product(), bad<ProductInput>({ ...product(), id })]), ['id']);
      }
      // An id that disagrees with the id inside the object.
      await rejectsValidation(t, () => repo.add({ id: 'one', object: product({ id: 'other' }) }), ['id', 'one']);
      t.deepEqual(await repo.query(), [existing], 'nothing written, nothing deleted');
    }),
  );

  // ElectroDB joins the attributes of one key as `#tenantId_<v>#courseId_<v>`: a value containing
  // `#<label>_` for a label of the same key could forge another id's key. Such values are rejected;
  // any other '#', '$' or '_' is stored, and distinct ids never share an item.
  test(name("ids containing '#' that could forge another key in a multi-attribute key, nothing written"), (t) =>
    withRepo(
      () => backend.open(Enrollment),
      async ({ repo }) => {
        const stored = await repo.add({ id: enrollmentId(enrollment()), object: enrollment() });
        const forgeries: [EnrollmentInput, string, string][] = [
          [enrollment({ tenantId: 't1#courseId_c1' }), 'tenantId', '#courseId_'],
          [enrollment({ courseId: 'c0#courseId_c1' }), 'courseId', '#courseId_'],
          [enrollment({ courseId: 'x#tenantId_t1' }), 'courseId', '#tenantId_'],
        ];
        for (const [forged, field, sequence] of forgeries) {
          await rejectsValidation(t, () => repo.add({ id: enrollmentId(forged), object: forged }), [sequence, field], field);
          await rejectsValidation(t, () => repo.save(forged), [sequence], field);
          await rejectsValidation(t, () => repo.get(enrollmentId(forged)), [sequence], field);
          await rejectsValidation(t, () => repo.delete(enrollmentId(forged)), [sequence], field);
          await rejectsValidation(t, () => repo.addAll([{ id: enrollmentId(enrollment({ studentId: 's2' })), object: enrollment({ studentId: 's2' }) }, { id: enrollmentId(forged), object: forged }]), [sequence], field);
          await rejectsValidation(t, () => repo.saveAll([enrollment({ studentId: 's3' }), forged]), [sequence], field);
        }
        // The wrong id shape: a plain string, or an object missing a key attribute.
        await rejectsValidation(t, () => repo.get(bad('t1#c1#s1')), ['enrollment']);
        await rejectsValidation(t, () => repo.get(bad({ tenantId: 't1', courseId: 'c1' })), ['studentId'], 'studentId');
        t.deepEqual(await repo.query(), [stored], 'nothing written');

        // Lookalikes that are not forgeries are distinct items.
        const lookalikes = [
          enrollment({ tenantId: 't1#courseid_c1', courseId: 'c1' }),
          enrollment({ tenantId: 't1', courseId: 'c1#courseid_c1' }),
          enrollment({ tenantId: 'a#b', courseId: 'c' }),
          enrollment({ tenantId: 'a', courseId: 'b#c' }),
          enrollment({ tenantId: 'a_b', courseId: 'c' }),
          enrollment({ tenantId: 'a', courseId: 'b_c' }),
          enrollment({ tenantId: '$a', courseId: 'c' }),
          enrollment({ tenantId: 'A_B', courseId: 'c' }),
          enrollment({ tenantId: 't1', courseId: 'c1', studentId: 's1#studentId_s2' }),
        ];
        for (const [index, item] of lookalikes.entries()) await repo.add({ id: enrollmentId(item), object: { ...item, grade: index } });
        t.is((await repo.query()).length, 1 + lookalikes.length);
        for (const [index, item] of lookalikes.entries()) t.deepEqual(withoutManaged(await repo.get(enrollmentId(item))), { ...item, grade: index });
        t.deepEqual(await repo.get(enrollmentId(enrollment())), stored);
      },
    ),
  );

  test(name("items over DynamoDB's 400 KB limit, nothing written"), (t) =>
    withRepo(products, async ({ repo }) => {
      const existing = await repo.add(identified(product({ id: 'existing' })));
      const ascii = product({ description: 'x'.repeat(MAX_ITEM_BYTES + 1) });
      // 140,000 characters but 420,000 bytes: the limit counts UTF-8 bytes.
      const multibyte = product({ description: '€'.repeat(140_000) });
      for (const huge of [ascii, multibyte]) {
        await rejectsValidation(t, () => repo.add(identified(huge)), [/400|409600/, /bytes/]);
        await rejectsValidation(t, () => repo.save(huge), [/400|409600/]);
        await rejectsValidation(t, () => repo.addAll([identified(product()), identified(huge)]), [/400|409600/]);
        await rejectsValidation(t, () => repo.saveAll([product(), huge]), [/400|409600/]);
        await rejectsValidation(t, () => repo.update('existing', (current) => ({ ...current, description: huge.description })), [/400|409600/]);
        await rejectsValidation(t, () => repo.updateAll([identified({ ...huge, id: 'existing' })]), [/400|409600/]);
      }
      t.deepEqual(await repo.query(), [existing]);
      // Just under the limit is stored.
      const large = product({ description: 'y'.repeat(380 * 1024) });
      await repo.add(identified(large));
      t.is((await repo.get(large.id)).description.length, 380 * 1024);
    }),
  );

  test(name('more than 100 items in addAll or updateAll, nothing written'), (t) =>
    withRepo(products, async ({ repo }) => {
      const existing = await repo.addAll(Array.from({ length: 3 }, () => identified()));
      const many = Array.from({ length: 101 }, () => product());
      const addError = await rejectsValidation(t, () => repo.addAll(many.map((p) => identified(p))), ['saveAll', 'addAll', '101']);
      t.true(addError instanceof RepositoryError);
      const updates = [...existing.map((e) => identified({ ...withoutManaged(e), price: 1 })), ...many.slice(0, 98).map((p) => identified(p))];
      t.is(updates.length, 101);
      await rejectsValidation(t, () => repo.updateAll(updates), ['updateAll', '101']);
      t.deepEqual((await repo.query()).sort(byId), [...existing].sort(byId));
    }),
  );

  test(name('numbers DynamoDB cannot store are a validation error naming the field on both backends, nothing written'), (t) =>
    withRepo(products, async ({ repo }) => {
      // DynamoDB numbers have 38 digits and a magnitude in 1e-130 .. 1e126; the DocumentClient
      // refuses integers beyond Number.MAX_SAFE_INTEGER (they would not read back as numbers).
      const outcome = async (run: () => Promise<unknown>) => {
        try {
          await run();
          return 'stored';
        } catch (error) {
          const e = error as RepositoryError;
          return e instanceof RepositoryError && e.code === 'validation' && e.issues.some((issue) => issue.path[0] === 'price') ? 'validation naming price' : `${e.code}: ${e.message}`;
        }
      };
      const outcomes: Record<string, string> = {};
      for (const price of [2 ** 60, 1e300, 1e-200]) {
        outcomes[`add ${price}`] = await outcome(() => repo.add(identified(product({ price }))));
        outcomes[`saveAll ${price}`] = await outcome(() => repo.saveAll([product({ price })]));
      }
      t.deepEqual(outcomes, Object.fromEntries(Object.keys(outcomes).map((key) => [key, 'validation naming price'])));
      t.deepEqual(await repo.query(), []);
    }),
  );
}

function withoutKey<T extends object, K extends keyof T>(object: T, key: K): Omit<T, K> {
  const copy = { ...object };
  delete copy[key];
  return copy;
}
