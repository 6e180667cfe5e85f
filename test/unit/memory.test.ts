/**
 * The in-memory twin's own rules, without the entity layer: idempotency tokens (per connection,
 * as DynamoDB scopes them to the account), refused requests (BETWEEN out of order, oversized or
 * self-overlapping transactions, empty sets, items over 400 KB), 1 MB pages, and DynamoDB
 * Local's LastEvaluatedKey rule at the inclusive end of a key range.
 */
import test from 'ava';
import { inMemory } from '../../src/testing.ts';
import { RepositoryError } from '../../src/index.ts';
import type { TransactWriteItem } from '../../src/storage/index.ts';

const schema = { primary: { pk: 'pk', sk: 'sk' }, indexes: { gsi1: { pk: 'gsi1pk', sk: 'gsi1sk' } } };
const put = (sk: string, extra: Record<string, unknown> = {}): TransactWriteItem => ({ put: { item: { pk: 'p', sk, ...extra } } });

test('an idempotency token makes the same transaction a no-op, refuses another one, and is shared by the tables of a connection', async (t) => {
  const connection = inMemory();
  const table = connection.table('a', schema);
  const add = (delta: number): TransactWriteItem => ({ update: { key: { pk: 'p', sk: 'c' }, actions: [{ kind: 'add', name: 'n', value: delta }] } });
  await table.transactWrite([add(1), put('x', { tags: new Set(['a']), bin: new Uint8Array([1]) })], { token: 't1' });
  await table.transactWrite([add(1), put('x', { tags: new Set(['a']), bin: new Uint8Array([1]) })], { token: 't1' });
  t.is((await table.get({ key: { pk: 'p', sk: 'c' } }))?.n, 1, 'written once');
  const mismatch = await t.throwsAsync(table.transactWrite([add(2)], { token: 't1' }));
  t.is(mismatch?.name, 'IdempotentParameterMismatchException');
  await t.throwsAsync(table.transactWrite([put('x', { tags: new Set(['b']), bin: new Uint8Array([1]) }), add(1)], { token: 't1' }), {
    name: 'IdempotentParameterMismatchException',
  });
  await t.throwsAsync(
    connection.table('b', schema).transactWrite([add(1)], { token: 't1' }),
    { name: 'IdempotentParameterMismatchException' },
    'tokens are not per table',
  );
  await table.transactWrite([add(1)]);
  await table.transactWrite([add(1)]);
  t.is((await table.get({ key: { pk: 'p', sk: 'c' } }))?.n, 3, 'without a token every request writes');
});

test('a cancelled transaction does not use up its token', async (t) => {
  const table = inMemory().table('a', schema);
  const attempt = () => table.transactWrite([{ put: { item: { pk: 'p', sk: 'x' }, condition: { kind: 'exists', name: 'pk' } } }], { token: 'retry' });
  await t.throwsAsync(attempt(), { name: 'TransactionCancelledError' });
  await table.put({ item: { pk: 'p', sk: 'x', v: 1 } });
  await attempt();
  t.deepEqual(await table.get({ key: { pk: 'p', sk: 'x' } }), { pk: 'p', sk: 'x' });
});

test('requests DynamoDB refuses are refused: BETWEEN out of order, over 100 items, one item twice, empty sets, items over 400 KB, keys over 2,048 / 1,024 bytes', async (t) => {
  const table = inMemory().table('a', schema);
  await t.throwsAsync(
    table.query({ indexName: undefined, key: { pk: { name: 'pk', value: 'p' }, sk: { name: 'sk', op: 'between', value: 'b', high: 'a' } }, forward: true }),
    { instanceOf: RepositoryError, message: /BETWEEN/ },
  );
  await t.throwsAsync(table.transactWrite(Array.from({ length: 101 }, (_, index) => put(`i${index}`))), { instanceOf: RepositoryError, message: /100/ });
  await t.throwsAsync(table.transactWrite([put('x'), { delete: { key: { pk: 'p', sk: 'x' } } }]), {
    instanceOf: RepositoryError,
    message: /multiple operations on one item/,
  });
  await t.throwsAsync(table.put({ item: { pk: 'p', sk: 'e', tags: new Set() } }), { instanceOf: RepositoryError, message: /empty set/ });
  await t.throwsAsync(table.put({ item: { pk: 'p', sk: 'big', blob: 'x'.repeat(400 * 1024) } }), { instanceOf: RepositoryError, message: /size/ });
  await t.throwsAsync(table.put({ item: { pk: 'p', sk: 'g', gsi1pk: '' } }), { instanceOf: RepositoryError });
  // Key limits: 2,048 bytes of partition key, 1,024 of sort key (multi-byte characters count as bytes).
  await t.throwsAsync(table.put({ item: { pk: 'é'.repeat(1025), sk: 's' } }), { instanceOf: RepositoryError, message: /2048/ });
  await t.throwsAsync(table.put({ item: { pk: 'p', sk: 'x'.repeat(1025) } }), { instanceOf: RepositoryError, message: /1024/ });
  await table.put({ item: { pk: 'p'.repeat(2048), sk: 's'.repeat(1024) } });
  t.is(table.dump().length, 1, 'only the item within the limits was written');
});

test('a page stops after 1 MB with a LastEvaluatedKey; the next page goes on from it', async (t) => {
  const table = inMemory().table('a', schema);
  for (let index = 0; index < 12; index++) await table.put({ item: { pk: 'p', sk: `k${String(index).padStart(2, '0')}`, blob: 'x'.repeat(128 * 1024) } });
  const first = await table.query({ indexName: undefined, key: { pk: { name: 'pk', value: 'p' } }, forward: true });
  t.is(first.items.length, 8, '8 items of 128 KB (and their names) reach 1 MB');
  t.deepEqual(first.lastKey, { pk: 'p', sk: 'k07' });
  const second = await table.query({ indexName: undefined, key: { pk: { name: 'pk', value: 'p' } }, forward: true, startKey: first.lastKey });
  t.deepEqual(
    second.items.map((item) => item.sk),
    ['k08', 'k09', 'k10', 'k11'],
  );
  t.is(second.lastKey, undefined);
});

test('a table Query filled exactly at the inclusive end of its range has no LastEvaluatedKey (DynamoDB Local); an index Query keeps it', async (t) => {
  const table = inMemory().table('a', schema);
  for (const sk of ['1', '2', '3', '4']) await table.put({ item: { pk: 'p', sk, gsi1pk: 'g', gsi1sk: sk } });
  const query = async (sk: Parameters<typeof table.query>[0]['key']['sk'], forward: boolean, indexName?: string) => {
    const page = await table.query({
      indexName,
      key: { pk: { name: indexName ? 'gsi1pk' : 'pk', value: indexName ? 'g' : 'p' }, ...(sk ? { sk } : {}) },
      forward,
      limit: 2,
    });
    return [page.items.map((item) => item.sk).join(''), page.lastKey !== undefined];
  };
  t.deepEqual(await query({ name: 'sk', op: '<=', value: '2' }, true), ['12', false]);
  t.deepEqual(await query({ name: 'sk', op: 'between', value: '3', high: '4' }, true), ['34', false]);
  t.deepEqual(await query({ name: 'sk', op: 'between', value: '1', high: '2' }, false), ['21', false]);
  t.deepEqual(await query({ name: 'sk', op: '>=', value: '3' }, false), ['43', false]);
  t.deepEqual(await query({ name: 'sk', op: '>=', value: '3' }, true), ['34', true], 'forward, >= has no end bound');
  t.deepEqual(await query({ name: 'sk', op: '<', value: '3' }, true), ['12', true], 'an exclusive bound is not known to be reached');
  t.deepEqual(await query(undefined, true), ['12', true]);
  t.deepEqual(await query({ name: 'gsi1sk', op: '<=', value: '2' }, true, 'gsi1'), ['12', true]);
});
