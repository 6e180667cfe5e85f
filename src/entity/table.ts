import type { Connection } from '../connection/index.ts';
import { errorMessage, RepositoryError } from '../errors/index.ts';
import { defaultConflictPolicy, defaultRetryPolicy, retryPolicy, type RetryPolicy } from '../retry/index.ts';
import { exampleManagedFields, SchemaDefinitionError, type EntityDefinition, type InferItem } from '../schema/index.ts';
import { DynamoStorage, type MemoryConnection, type MemoryKeySchema, type Storage } from '../storage/index.ts';
import { installMetricsMiddleware, OperationObserver, type OperationListener } from '../metrics/index.ts';
import { LiveStream } from '../streams/index.ts';
import {
  buildElectro,
  defineTableLayout,
  deleteTable,
  describeTable,
  KeyBuilder,
  ensureTable,
  listTables,
  toAwsCli,
  toCloudFormation,
  toIamPolicy,
  type EnsureResult,
  type EntityMap,
  type ExportFormat,
  type IamOptions,
  type TableLayout,
  type TableOptions,
  type TableSummary,
  type ElectroModel,
} from '../table/index.ts';
import { bounded, callOptionsOf, DEFAULT_TIMEOUT_MS, type CallOptions } from './deadline.ts';
import type { EntityContext, WriteRecorder } from './context.ts';
import { EntityModel } from './model.ts';
import { createEntityApi } from './repository.ts';
import {
  transactGet,
  transactionReader,
  transactionWriter,
  transactWrite,
  type TransactionGet,
  type TransactionReader,
  type TransactionWrite,
  type TransactionWriter,
} from './transaction.ts';
import type { Repository } from './types.ts';
import { readCollection, type CollectionName, type CollectionResult } from './collections.ts';
import { modelFor, Upgrade, type PreviousVersion } from './previous.ts';
import { UniqueClaim } from './unique.ts';

export type EntityApis<E extends EntityMap> = { readonly [K in keyof E]: Repository<E[K]> };

/** One change from the table's stream, typed by entity (`change.entity` narrows the items). */
export type TableChange<E extends EntityMap> = {
  [K in keyof E & string]: {
    entity: K;
    type: 'insert' | 'modify' | 'remove';
    newItem: InferItem<E[K]> | undefined;
    oldItem: InferItem<E[K]> | undefined;
    sequenceNumber: string;
  };
}[keyof E & string];

type Results<T extends readonly TransactionGet<unknown>[]> = { -readonly [K in keyof T]: T[K] extends TransactionGet<infer V> ? V : never };

export interface BindOptions {
  /** Physical table name (default: the definition's name), e.g. one table per test file. */
  tableName?: string;
  /** Budget for re-reading and retrying a guarded write after a concurrent change. */
  conflictRetry?: Partial<RetryPolicy>;
  /** Retries of unprocessed batch items (BatchWriteItem / BatchGetItem). */
  batchRetry?: Partial<RetryPolicy>;
  /** Subscribes at bind time: one event per entity-API operation (see `onOperation`). */
  onOperation?: OperationListener;
  /**
   * While a migration runs: each step's previous version (`defineMigration(...)` steps). Reads
   * of the entity also find items still at the previous version (upgraded with `up()`), and a
   * single-item write first moves its item. Remove it once the migration has finished.
   */
  migrating?: readonly PreviousVersion[];
  /**
   * The deadline (ms) of every operation on one item or one page, its requests and retries
   * included (default 30,000); past it the call fails with code `timeout`. Operations over many
   * items (query, getMany, saveAll, createAll, updateAll, deleteAll) have none unless given one.
   * Each call can pass its own `timeoutMs` and `signal`.
   */
  timeoutMs?: number;
}

/** A table definition bound to DynamoDB (a Connection) or to the in-memory twin (`inMemory()`). */
export interface BoundTable<E extends EntityMap = EntityMap> {
  readonly definition: TableDefinition<E>;
  readonly tableName: string;
  readonly connection: Connection | MemoryConnection;
  /** The one API per entity. */
  readonly entities: EntityApis<E>;
  /** @internal where items live (DynamoDB or memory); services and tools build on it. */
  readonly storage: Storage;
  /** Writes on any entities of the table in ONE transaction (up to 100 items, unique claims included). */
  transactWrite(
    build: (tx: { readonly [K in keyof E]: TransactionWriter<E[K]> }) => readonly TransactionWrite[],
    options?: { token?: string } & CallOptions,
  ): Promise<void>;
  /** A consistent snapshot of several items of any entities; a missing one is `notFound`. */
  transactGet<const T extends readonly TransactionGet<unknown>[]>(
    build: (tx: { readonly [K in keyof E]: TransactionReader<E[K]> }) => T,
    options?: CallOptions,
  ): Promise<Results<T>>;
  /** Every member entity's items of a collection under one partition key (one Query per page). */
  collection<C extends CollectionName<E>>(name: C, key: Record<string, unknown>, options?: CallOptions): Promise<CollectionResult<E, C>>;
  /** The ElectroDB entities and Service on the same client, for what tablekit does not cover (DynamoDB only). */
  readonly electro: ElectroModel;
  /** Creates the table if missing, waits until ACTIVE, enables TTL; fails on a conflicting layout. */
  ensure(): Promise<EnsureResult>;
  /** Deletes the table; false if it did not exist. */
  delete(): Promise<boolean>;
  describe(): Promise<TableSummary | undefined>;
  /** Every table name on this connection. */
  list(): Promise<string[]>;
  /** Live changes of every entity (the table's stream; in memory, the twin's feed). */
  changes(): LiveStream<TableChange<E>>;
  /** Ends every live subscription on this table. */
  closeStreams(): void;
  /**
   * Metrics: calls `listener` with ONE event per entity-API operation of this bound table
   * (entity, operation, index, requests, attempts, retries, throttles, latency, items, consumed
   * capacity). Returns the unsubscribe function. Nothing is measured while nobody listens.
   */
  onOperation(listener: OperationListener): () => void;
  /** @internal the entity context (the change log's outbox binds repositories to it). */
  contextOf(entity: string, recorder?: WriteRecorder): EntityContext;
}

/** A table definition with its operations and exports. */
export interface TableDefinition<E extends EntityMap = EntityMap> extends TableLayout<E> {
  bind(connection: Connection | MemoryConnection, options?: BindOptions): BoundTable<E>;
  toCloudFormation(options?: { format?: ExportFormat; tableName?: string }): string;
  toAwsCli(options?: { tableName?: string; endpointUrl?: string; region?: string }): string;
  toIamPolicy(options?: IamOptions): string;
}

const isMemory = (connection: Connection | MemoryConnection): connection is MemoryConnection => 'kind' in connection && connection.kind === 'memory';

/** Groups entity declarations into one DynamoDB table. */
export function defineTable<const E extends EntityMap>(options: TableOptions<E>): TableDefinition<E> {
  const needsClaims = Object.values(options.entities).some((entity) => entity.uniqueFields.length > 0);
  const layout = defineTableLayout({ ...options, internalEntities: needsClaims ? [UniqueClaim] : [] });
  // Key builders come from ElectroDB's model once per definition, not per request.
  const keysModel = buildElectro(layout, layout.name);
  const keys = new Map<string, KeyBuilder>();
  for (const entity of [...Object.values(layout.entities), ...layout.internalEntities]) {
    const electro = keysModel.entities[entity.name];
    if (!electro) throw new Error(`ElectroDB has no model of ${entity.name}`);
    const entityKeys = new KeyBuilder(
      entity,
      layout.patterns.filter((pattern) => pattern.entity === entity.name),
      electro,
    );
    keys.set(entity.name, entityKeys);
    checkExampleKeys(entity, entityKeys);
  }
  const definition: TableDefinition<E> = {
    ...layout,
    bind: (connection, bindOptions = {}) => bindTable(definition, keys, connection, bindOptions),
    toCloudFormation: (exportOptions) => toCloudFormation(layout, exportOptions),
    toAwsCli: (exportOptions) => toAwsCli(layout, exportOptions),
    toIamPolicy: (exportOptions) => toIamPolicy(layout, exportOptions),
  };
  return definition;
}

/** An entity's example must also make valid keys (they are checked where keys are built). */
function checkExampleKeys(entity: EntityDefinition, keys: KeyBuilder): void {
  if (!entity.example) return;
  try {
    const stored = entity.toStored({ ...exampleManagedFields(entity.timestamps, entity.versioned), ...entity.example });
    keys.check(stored, entity.keyFields);
  } catch (error) {
    throw new SchemaDefinitionError(`Entity '${entity.name}': the example is not valid: ${errorMessage(error)}`);
  }
}

function memorySchema(layout: TableLayout): MemoryKeySchema {
  const indexes: Record<string, { pk: string; sk?: string | undefined }> = {};
  for (const index of layout.usedIndexes) {
    const keys = layout.indexes[index];
    if (keys) indexes[index] = { pk: keys.pk, sk: keys.sk };
  }
  return { primary: { pk: layout.indexes.primary.pk, sk: layout.indexes.primary.sk }, indexes };
}

function bindTable<E extends EntityMap>(
  definition: TableDefinition<E>,
  keys: ReadonlyMap<string, KeyBuilder>,
  connection: Connection | MemoryConnection,
  options: BindOptions,
): BoundTable<E> {
  const tableName = options.tableName ?? definition.name;
  const conflictRetry = retryPolicy(options.conflictRetry, defaultConflictPolicy);
  const timeoutMs = callOptionsOf(`table '${definition.name}'`, { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS }).timeoutMs;
  const storage: Storage = isMemory(connection)
    ? connection.table(tableName, memorySchema(definition))
    : new DynamoStorage(tableName, connection.client, retryPolicy(options.batchRetry, defaultRetryPolicy));
  const tableKeyFields = new Set(Object.values(definition.indexes).flatMap((index) => [index.pk, ...(index.sk ? [index.sk] : [])]));
  const modelOf = (entity: EntityDefinition) => {
    const entityKeys = keys.get(entity.name);
    if (!entityKeys) throw new Error(`no key builders for ${entity.name}`);
    return new EntityModel(entity, entityKeys, tableKeyFields);
  };
  const claims = definition.internalEntities.find((entity) => entity === UniqueClaim);
  const contexts = new Map<string, EntityContext>();
  const claimModel = claims ? modelOf(claims) : undefined;
  const observer = new OperationObserver(tableName, storage.kind, isMemory(connection) ? undefined : () => installMetricsMiddleware(connection.doc));
  if (options.onOperation) observer.subscribe(options.onOperation);
  const previous = previousVersions(definition, options.migrating ?? [], modelOf);
  for (const entity of Object.values(definition.entities)) {
    const upgrade = previous.get(entity.name);
    contexts.set(entity.name, {
      model: modelOf(entity),
      storage,
      claims: claimModel,
      conflictRetry,
      now: () => new Date(),
      observer,
      timeoutMs,
      ...(upgrade ? { previous: upgrade } : {}),
    });
  }
  const distinct = (names: readonly string[]) => [...new Set(names)];
  const bounds = (operation: string) => ({ entity: `table '${definition.name}'`, operation, defaultTimeoutMs: timeoutMs });
  const tableInfo = (operation: 'transactWrite' | 'transactGet' | 'collection', names: readonly string[], index?: string) => {
    const entities = distinct(names);
    return { entity: entities.length === 1 ? entities[0] : undefined, entities, operation, index };
  };
  const contextOf = (entity: string, recorder?: WriteRecorder): EntityContext => {
    const context = contexts.get(entity);
    if (!context) throw new RepositoryError('validation', `table '${definition.name}' has no entity '${entity}'`);
    return recorder ? { ...context, recorder } : context;
  };
  const entities = Object.fromEntries([...contexts].map(([name, context]) => [name, createEntityApi(context)])) as EntityApis<E>;
  const writers = Object.fromEntries([...contexts].map(([name, context]) => [name, transactionWriter(context)])) as {
    readonly [K in keyof E]: TransactionWriter<E[K]>;
  };
  const readers = Object.fromEntries([...contexts].map(([name, context]) => [name, transactionReader(context)])) as {
    readonly [K in keyof E]: TransactionReader<E[K]>;
  };
  let electro: ElectroModel | undefined;
  return {
    definition,
    tableName,
    connection,
    entities,
    storage,
    contextOf,
    transactWrite: async (build, transactionOptions = {}) => {
      const call = callOptionsOf('transaction', transactionOptions);
      const writes = build(writers);
      const run = () =>
        bounded(storage, bounds('transactWrite'), call, (scoped) => transactWrite(storage, conflictRetry, writes, transactionOptions.token, scoped));
      if (!observer.active) return run();
      const names = Array.isArray(writes) ? writes.map((write) => String(write?.entity)) : [];
      return observer.run(tableInfo('transactWrite', names), run, () => names.length);
    },
    collection: async (name, key, collectionOptions) => {
      const call = callOptionsOf(`collection '${String(name)}'`, collectionOptions);
      const run = () =>
        bounded(storage, bounds('collection'), call, (scoped) =>
          readCollection(
            scoped === storage ? contexts : new Map([...contexts].map(([entity, context]) => [entity, { ...context, storage: scoped }])),
            name,
            key,
          ),
        );
      const read = observer.active ? await observer.run({ ...tableInfo('collection', []), pattern: String(name) }, run, countCollection) : await run();
      return read as CollectionResult<E, typeof name>;
    },
    transactGet: async (build, readOptions) => {
      const call = callOptionsOf('transaction', readOptions);
      const reads = build(readers);
      const run = () => bounded(storage, bounds('transactGet'), call, (scoped) => transactGet(scoped, reads));
      const names = Array.isArray(reads) ? reads.map((read) => String(read?.entity)) : [];
      const found = observer.active ? await observer.run(tableInfo('transactGet', names, 'primary'), run, (items) => items.length) : await run();
      return found as Results<ReturnType<typeof build>>;
    },
    onOperation: (listener) => observer.subscribe(listener),
    get electro() {
      if (isMemory(connection)) throw new RepositoryError('validation', 'ElectroDB entities need a DynamoDB connection (this table is in memory)');
      return (electro ??= buildElectro(definition, tableName, connection.doc));
    },
    ensure: async () => {
      if (!isMemory(connection)) return ensureTable(connection.client, definition, tableName);
      return { tableName, created: true, ttlEnabled: definition.ttlAttribute !== undefined };
    },
    delete: async () => (isMemory(connection) ? connection.dropTable(tableName) : deleteTable(connection.client, tableName)),
    describe: async () => (isMemory(connection) ? memorySummary(tableName, definition, connection) : describeTable(connection.client, tableName)),
    list: async () => (isMemory(connection) ? connection.tableNames() : listTables(connection.client)),
    closeStreams: () => storage.closeStreams(),
    changes: () =>
      new LiveStream<TableChange<E>>(async (observer) =>
        storage.subscribe({
          next: (change) => {
            const context = change.entity === undefined ? undefined : contexts.get(change.entity);
            if (!context) return;
            const decode = (raw: Record<string, unknown> | undefined) => (raw ? context.model.decode(raw) : undefined);
            observer.next({ ...change, newItem: decode(change.newItem), oldItem: decode(change.oldItem) } as TableChange<E>);
          },
          error: observer.error,
          complete: observer.complete,
        }),
      ),
  };
}

/** The `migrating` steps by entity: each must end at the entity's version in the table, one per entity. */
function previousVersions(
  definition: TableLayout,
  steps: readonly PreviousVersion[],
  modelOf: (entity: EntityDefinition) => EntityModel,
): Map<string, Upgrade> {
  const upgrades = new Map<string, Upgrade>();
  for (const step of steps) {
    const entity = Object.values(definition.entities).find((candidate) => candidate.name === step?.to?.name);
    if (!entity) throw new SchemaDefinitionError(`migrating: the table has no entity '${String(step?.to?.name)}'`);
    if (step.to.version !== entity.version || step.from.name !== entity.name || step.from.version === entity.version)
      throw new SchemaDefinitionError(
        `migrating: ${entity.name} is at v${entity.version} in the table; a step from v${step.from.version} to v${step.to.version} of '${step.from.name}' cannot be read through it`,
      );
    if (upgrades.has(entity.name)) throw new SchemaDefinitionError(`migrating: two previous versions of ${entity.name} (one step per entity)`);
    upgrades.set(entity.name, new Upgrade(modelFor(definition, step.from), modelOf(entity), step.up));
  }
  return upgrades;
}

const countCollection = (read: Record<string, readonly unknown[]>) => Object.values(read).reduce((total, items) => total + items.length, 0);

function memorySummary(tableName: string, definition: TableLayout, connection: MemoryConnection): TableSummary | undefined {
  if (!connection.hasTable(tableName)) return undefined;
  const keys = definition.indexes.primary;
  return {
    name: tableName,
    status: 'ACTIVE',
    itemCount: connection.table(tableName, memorySchema(definition)).dump().length,
    arn: undefined,
    keySchema: `${keys.pk}:HASH${keys.sk ? `,${keys.sk}:RANGE` : ''}`,
    globalSecondaryIndexes: definition.usedIndexes.map((index) => ({
      name: index,
      keySchema: `${definition.indexes[index]?.pk}:HASH,${definition.indexes[index]?.sk}:RANGE`,
      status: 'ACTIVE',
    })),
    stream: definition.streams ?? 'disabled',
    ttl: definition.ttlAttribute ? `${definition.ttlAttribute} (ENABLED)` : 'disabled',
  };
}
