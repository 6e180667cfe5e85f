import type { Connection } from '../connection/index.ts';
import { retryPolicy, type RetryPolicy } from '../retry/index.ts';
import type { EntityDefinition } from '../schema/index.ts';
import { buildElectro, type BoundTable, type TableDefinition } from '../table/index.ts';
import { streamReaderFor } from '../streams/index.ts';
import { DynamoStorage } from './dynamo-storage.ts';
import { MemoryStorage } from './memory-storage.ts';
import { StorageRepository, type RepositoryOptions } from './repository.ts';

/** The repository contract on DynamoDB. */
export class DynamoRepository<E extends EntityDefinition> extends StorageRepository<E> {}

/** The same contract in memory, with the same validation, versions, timestamps and errors: for your unit tests. */
export class InMemoryRepository<E extends EntityDefinition> extends StorageRepository<E> {
  constructor(entity: E, options: RepositoryOptions = {}) {
    super(entity, new MemoryStorage(entity), options);
  }
}

export interface CreateRepositoryOptions extends RepositoryOptions {
  /** A bound table (`AppTable.bind(connection)`) that contains the entity. */
  table?: Pick<BoundTable, 'definition' | 'tableName' | 'connection' | 'electro'>;
  /** Or a connection plus the table definition (and an optional physical table name). */
  connection?: Connection;
  definition?: TableDefinition;
  tableName?: string;
  /** Retries of unprocessed batch items (BatchWriteItem / BatchGetItem). */
  batchRetry?: Partial<RetryPolicy>;
}

/** A DynamoRepository for one entity of a table. */
export function createRepository<E extends EntityDefinition>(entity: E, options: CreateRepositoryOptions): DynamoRepository<E> {
  const definition = options.table?.definition ?? options.definition;
  const connection = options.table?.connection ?? options.connection;
  if (!definition || !connection) throw new TypeError('createRepository needs { table } or { connection, definition }');
  if (definition.entities[entity.name] !== entity) throw new TypeError(`Entity '${entity.name}' is not part of table '${definition.name}'`);
  const tableName = options.table?.tableName ?? options.tableName ?? definition.name;
  const electro = options.table?.electro.entities[entity.name] ?? buildElectro(definition, tableName, connection.doc).entities[entity.name];
  if (!electro) throw new TypeError(`Entity '${entity.name}' has no ElectroDB model`);
  const storage = new DynamoStorage(entity, electro, connection.doc, tableName, definition, retryPolicy(options.batchRetry), () =>
    streamReaderFor(connection.client, tableName),
  );
  return new DynamoRepository(entity, storage, options);
}
