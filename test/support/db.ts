import { randomUUID } from 'node:crypto';
import { connect, type BoundTable, type Connection, type EntityMap, type TableDefinition } from '../../src/index.ts';
import { inMemory, type MemoryConnection } from '../../src/testing.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A unique table name per test file (and per call), so test files run in parallel. */
export function uniqueTableName(label: string): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}

export type Backend = 'dynamodb' | 'memory';
export const backends: readonly Backend[] = ['dynamodb', 'memory'];

export interface TestTable<E extends EntityMap> {
  connection: Connection | MemoryConnection;
  table: BoundTable<E>;
  dispose(): Promise<void>;
}

/**
 * Binds a definition to a fresh table on the run's DynamoDB Local (DYNAMODB_ENDPOINT, set by
 * test/run.ts; an embedded one when a file is run on its own) and creates it.
 */
export async function openTestTable<E extends EntityMap>(definition: TableDefinition<E>, label: string): Promise<TestTable<E> & { connection: Connection }> {
  const connection = await connect();
  const table = definition.bind(connection, { tableName: uniqueTableName(label) });
  await table.ensure();
  return {
    connection,
    table,
    async dispose() {
      await table.delete();
      await connection.close();
    },
  };
}

/** The same definition on a fresh in-memory twin. */
export async function openMemoryTable<E extends EntityMap>(definition: TableDefinition<E>, label: string): Promise<TestTable<E>> {
  const connection = inMemory();
  const table = definition.bind(connection, { tableName: uniqueTableName(label) });
  await table.ensure();
  return { connection, table, dispose: () => connection.close() };
}

/** A fresh table on either backend. */
export function openTable<E extends EntityMap>(backend: Backend, definition: TableDefinition<E>, label: string): Promise<TestTable<E>> {
  return backend === 'memory' ? openMemoryTable(definition, label) : openTestTable(definition, label);
}
