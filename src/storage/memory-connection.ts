import type { IdempotencyTokens } from './memory-rules.ts';
import { MemoryStorage, type MemoryKeySchema } from './memory.ts';

/**
 * The in-memory twin of a DynamoDB connection: tables live in this object, and every table
 * bound to it (`AppTable.bind(inMemory())`) follows DynamoDB's rules. For unit tests and tools.
 */
export interface MemoryConnection {
  readonly kind: 'memory';
  readonly source: 'memory';
  /** The table of that name, created on first use with this key schema. */
  table(name: string, schema: MemoryKeySchema): MemoryStorage;
  /** Names of the tables that exist. */
  tableNames(): string[];
  /** Drops a table; false when there was none. */
  dropTable(name: string): boolean;
  hasTable(name: string): boolean;
  /** Ends every live feed; the tables stay readable. */
  close(): Promise<void>;
}

export function inMemory(): MemoryConnection {
  const tables = new Map<string, MemoryStorage>();
  const tokens: IdempotencyTokens = new Map();
  return {
    kind: 'memory',
    source: 'memory',
    table(name, schema) {
      let table = tables.get(name);
      if (!table) tables.set(name, (table = new MemoryStorage(name, schema, tokens)));
      return table;
    },
    tableNames: () => [...tables.keys()].sort(),
    hasTable: (name) => tables.has(name),
    dropTable(name) {
      const table = tables.get(name);
      table?.closeStreams();
      return tables.delete(name);
    },
    async close() {
      for (const table of tables.values()) table.closeStreams();
    },
  };
}
