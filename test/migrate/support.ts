import type { Connection } from '../../src/index.ts';
import type { MigrationTarget } from '../../src/migrate/index.ts';
import type { MemoryConnection } from '../../src/testing.ts';
import type { Storage } from '../../src/storage/index.ts';
import { openTable, type Backend } from '../support/db.ts';
import { NotesTable, NotesTableV1 } from './fixtures.ts';

export const wordsOf = (body: string) => body.split(/\s+/).filter(Boolean).length;

export const noteInput = (n: number) => ({
  noteId: `note-${String(n).padStart(4, '0')}`,
  author: `author-${n % 3}`,
  body: `note ${n} ${'word '.repeat(n % 4)}`.trim(),
});

/** A fresh table on the backend with `count` notes stored at v1, bound as v1 (`old`) and as v2 (`table`). */
export async function notesAtV1(backend: Backend, label: string, count: number) {
  const opened = await openTable(backend, NotesTableV1, label);
  await opened.table.entities.note.saveAll(Array.from({ length: count }, (_, n) => noteInput(n)));
  const table = NotesTable.bind(opened.connection, { tableName: opened.table.tableName });
  return { ...opened, old: opened.table, table, connection: opened.connection };
}

/** Every note at each version (raw Scans through the two definitions). */
export async function versions(connection: Connection | MemoryConnection, tableName: string) {
  const v1 = await NotesTableV1.bind(connection, { tableName }).entities.note.query();
  const v2 = await NotesTable.bind(connection, { tableName }).entities.note.query();
  return { v1, v2 };
}

/** The bound table with its storage wrapped: `intercept` may act before each TransactWriteItems the migration sends. */
export function intercepted(
  table: MigrationTarget,
  intercept: (call: number, items: Parameters<Storage['transactWrite']>[0]) => Promise<void> | void,
): MigrationTarget {
  let calls = 0;
  const storage: Storage = new Proxy(table.storage, {
    get(target, property, receiver) {
      if (property === 'transactWrite')
        return async (items: Parameters<Storage['transactWrite']>[0], options?: { token?: string }) => {
          await intercept(++calls, items);
          return target.transactWrite(items, options);
        };
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { definition: table.definition, storage, contextOf: (entity) => table.contextOf(entity), describe: () => table.describe() };
}
