import { randomUUID } from 'node:crypto';
import type { Connection } from 'tablekit';
import { countRequests, perOperation } from './requests.ts';
import { UniqueUserTable, UserTable } from './tables.ts';

export interface RequestRow {
  operation: string;
  plain: string;
  unique: string;
}

/**
 * R: the requests each operation of the entity API sends, counted on the wire (SDK middleware)
 * against DynamoDB Local, for a plain entity and for the application's User (unique e-mail).
 */
export async function requestTable(connection: Connection, count: number): Promise<RequestRow[]> {
  const counter = countRequests(connection.client);
  const plain = UserTable.bind(connection, { tableName: `bench-requests-${Date.now()}` });
  const unique = UniqueUserTable.bind(connection, { tableName: `bench-requests-unique-${Date.now()}` });
  await Promise.all([plain.ensure(), unique.ensure()]);
  try {
    const members = plain.entities.user;
    const users = unique.entities.user;
    const ids = Array.from({ length: count }, () => randomUUID());
    const person = (userId: string, index: number) => ({ userId, email: `r-${userId}@example.com`, firstName: 'Ada', lastName: `L${index}`, isActive: true });
    // Each operation runs `count` times on each entity; the counter says what went over the wire.
    const operations: [string, (userId: string, index: number) => Promise<unknown>, (userId: string, index: number) => Promise<unknown>][] = [
      ['create', (id, i) => members.create(person(id, i)), (id, i) => users.create(person(id, i))],
      ['get', (id) => members.get(id), (id) => users.get(id)],
      ['find.byEmail', (id) => members.find.byEmail({ email: `r-${id}@example.com` }), (id) => users.find.byEmail({ email: `r-${id}@example.com` })],
      [
        'save (no version: upsert)',
        (id, i) => members.save({ ...person(id, i), lastName: 'Byron' }),
        (id, i) => users.save({ ...person(id, i), lastName: 'Byron' }),
      ],
      [
        'save (with its version)',
        async (id, i) => members.save({ ...person(id, i), lastName: 'King', version: 2 }),
        async (id, i) => users.save({ ...person(id, i), lastName: 'King', version: 2 }),
      ],
      ['patch (set a plain field)', (id) => members.patch(id, { set: { firstName: 'Augusta' } }), (id) => users.patch(id, { set: { firstName: 'Augusta' } })],
      ['patch (add to a counter)', (id) => members.patch(id, { add: { logins: 1 } }), async () => undefined],
      ['patch (set the unique e-mail)', async () => undefined, (id) => users.patch(id, { set: { email: `moved-${id}@example.com` } })],
      [
        'update(id, fn)',
        (id) => members.update(id, (item) => ({ ...item, lastName: 'Byron' })),
        (id) => users.update(id, (item) => ({ ...item, lastName: 'Byron' })),
      ],
      ['delete', (id) => members.delete(id), (id) => users.delete(id)],
    ];
    const rows: RequestRow[] = [];
    for (const [operation, onPlain, onUnique] of operations) {
      counter.take();
      for (const [index, id] of ids.entries()) await onPlain(id, index);
      const plainSent = counter.take();
      for (const [index, id] of ids.entries()) await onUnique(id, index);
      const uniqueSent = counter.take();
      rows.push({
        operation,
        plain: plainSent.length ? perOperation(plainSent, count) : '–',
        unique: uniqueSent.length ? perOperation(uniqueSent, count) : '–',
      });
    }
    return rows;
  } finally {
    await Promise.all([plain.delete(), unique.delete()]);
  }
}
