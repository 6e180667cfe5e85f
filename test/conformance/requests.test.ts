/**
 * The requests each operation sends to DynamoDB Local, as documented (docs/entity-api.md,
 * "Writes"): observed — not changed — by a middleware on the connection's DocumentClient that
 * records command names.
 */
import test from 'ava';
import type { Connection } from '../../src/index.ts';
import { identified, product, withTable } from './fixtures.ts';

type Handler = (args: unknown) => Promise<unknown>;

/** Records the name of every command the DocumentClient sends, until `take()` empties the list. */
function recorder(connection: Connection) {
  const sent: string[] = [];
  const stack = connection.doc.middlewareStack as unknown as {
    add(m: (next: Handler, context: { commandName?: string }) => Handler, options: { step: string; name: string }): void;
  };
  stack.add(
    (next, context) => async (args) => {
      sent.push((context.commandName ?? '?').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return { take: () => sent.splice(0) };
}

test('[dynamodb] requests › every operation sends the documented requests, and a query by pattern is never a Scan', (t) =>
  withTable('dynamodb', async ({ table, connection }) => {
    if (!('doc' in connection)) return t.fail('a DynamoDB connection');
    const repo = table.entities.product;
    const sent = recorder(connection);
    const expect = async (label: string, run: () => Promise<unknown>, commands: string[]) => {
      await run();
      t.deepEqual(sent.take(), commands, label);
    };
    const p = product({ id: 'r-1', name: 'Lamp' });
    await expect('add: one conditional PutItem', () => repo.add(identified(p)), ['PutItem']);
    await expect('create', () => repo.create(product({ id: 'r-2', name: 'Lamp' })), ['PutItem']);
    await expect('save: one UpdateItem (upsert)', () => repo.save({ ...p, price: 2 }), ['UpdateItem']);
    await expect('patch: one UpdateItem', () => repo.patch('r-1', { set: { price: 3 } }), ['UpdateItem']);
    await expect('update: GetItem + UpdateItem', () => repo.update('r-1', (current) => ({ ...current, price: 4 })), ['GetItem', 'UpdateItem']);
    await expect('get', () => repo.get('r-1'), ['GetItem']);
    await expect('getMany: one BatchGetItem', () => repo.getMany(['r-1', 'r-2', 'r-9']), ['BatchGetItem']);
    await expect('find: one Query', () => repo.find.byName({ name: 'Lamp' }), ['Query']);
    await expect('query by pattern: Query, never a Scan', () => repo.query({ pattern: 'byName', key: { name: 'Lamp' } }), ['Query']);
    await expect('query of the entity: a Scan', () => repo.query(), ['Scan']);
    await expect('addAll: one TransactWriteItems', () => repo.addAll([identified(product({ id: 'r-3' })), identified(product({ id: 'r-4' }))]), [
      'TransactWriteItems',
    ]);
    await expect(
      'updateAll: BatchGetItem + TransactWriteItems',
      () => repo.updateAll([identified(product({ id: 'r-3' })), identified(product({ id: 'r-4' }))]),
      ['BatchGetItem', 'TransactWriteItems'],
    );
    await expect('saveAll of 30: two BatchWriteItem', () => repo.saveAll(Array.from({ length: 30 }, (_, index) => product({ id: `bulk-${index}` }))), [
      'BatchWriteItem',
      'BatchWriteItem',
    ]);
    await expect('deleteAll: BatchWriteItem', () => repo.deleteAll(['r-3', 'r-4', 'missing']), ['BatchWriteItem']);
    await expect('delete: one conditional DeleteItem, no read first', () => repo.delete('r-2'), ['DeleteItem']);
    await expect('a failed delete is still one request', () => t.throwsAsync(repo.delete('r-2')), ['DeleteItem']);
    await expect('bad input sends nothing', () => t.throwsAsync(repo.add(identified(product({ price: -1 })))), []);
  }));
