import { conditionError } from '../errors/index.ts';
import { DynamoRepository, DynamoStorage, idOf, keyOf, type ConditionalPut, type RepositoryOptions, type Storage, type StorageListener, type StorageQuery } from '../repository/index.ts';
import { retryPolicy } from '../retry/index.ts';
import { streamReaderFor } from '../streams/index.ts';
import type { EntityDefinition } from '../schema/index.ts';
import { transactItem, type BoundTable, type ElectroEntity } from '../table/index.ts';
import type { ChangeEntry, ChangeLogEntities } from './change-log.ts';
import type { Item } from './electro-params.ts';

type Entry = ChangeEntry<ChangeLogEntities>;
// The outbox only appends; it works with the change log of any table that has the change-log entities.
type AnyChangeLog = { appendWith(projectId: string, entries: readonly Entry[], options?: { atomic?: boolean }): Promise<unknown[]> };

/**
 * A storage whose every write goes into the change log's transaction together with the change
 * that records it: either both are written or neither (the transactional outbox).
 */
class OutboxStorage implements Storage {
  constructor(
    private readonly entity: EntityDefinition,
    private readonly dynamo: DynamoStorage,
    private readonly changeLog: AnyChangeLog,
    private readonly projectId: string,
  ) {}

  private entityId(item: Item): string {
    const id = idOf(this.entity, item);
    return typeof id === 'string' ? id : JSON.stringify(id);
  }

  private putEntry(write: ConditionalPut): Entry {
    const operation = write.condition.kind === 'absent' ? 'create' : 'update';
    return {
      change: { entityType: this.entity.name, entityId: this.entityId(write.item), operation, data: write.item } as Entry['change'],
      companion: {
        item: transactItem('Put', this.dynamo.putParams(write)),
        failure: (cause) => conditionError(write.onFailed.code, { entity: this.entity.name, id: write.onFailed.id }, cause),
      },
    };
  }

  private deleteEntry(key: Item, id: unknown): Entry {
    return {
      change: { entityType: this.entity.name, entityId: this.entityId(key), operation: 'delete', data: key } as Entry['change'],
      companion: {
        item: transactItem('Delete', this.dynamo.deleteParams(key, true)),
        failure: (cause) => conditionError('notFound', { entity: this.entity.name, id }, cause),
      },
    };
  }

  get(key: Item, consistent: boolean) {
    return this.dynamo.get(key, consistent);
  }

  batchGet(keys: readonly Item[], consistent: boolean) {
    return this.dynamo.batchGet(keys, consistent);
  }

  page(query: StorageQuery) {
    return this.dynamo.page(query);
  }

  subscribe(listener: StorageListener) {
    return this.dynamo.subscribe(listener);
  }

  async put(write: ConditionalPut): Promise<void> {
    await this.changeLog.appendWith(this.projectId, [this.putEntry(write)]);
  }

  async delete(key: Item, mustExist: boolean, id: unknown): Promise<boolean> {
    if (!mustExist && !(await this.dynamo.get(key, true))) return false;
    await this.changeLog.appendWith(this.projectId, [this.deleteEntry(key, id)]);
    return true;
  }

  async transactPut(writes: readonly ConditionalPut[]): Promise<void> {
    // Writes and changes must fit one transaction to stay all-or-nothing.
    await this.changeLog.appendWith(this.projectId, writes.map((write) => this.putEntry(write)), { atomic: true });
  }

  async batchPut(items: readonly Item[], options: { onProgress?: (progress: { written: number; total: number }) => void }) {
    // Bulk writes become consecutive transactions of writes plus their changes (each transaction atomic).
    // Existing ids are read first so that the log says create or update, and the condition keeps it true.
    const existing = new Set((await this.dynamo.batchGet(items.map((item) => keyOf(this.entity, idOf(this.entity, item))), true)).map((item) => this.entityId(item)));
    const entries = items.map((item) =>
      this.putEntry({ item, condition: { kind: existing.has(this.entityId(item)) ? 'exists' : 'absent' }, onFailed: { code: 'conflict', id: idOf(this.entity, item) } }),
    );
    const appended = await this.changeLog.appendWith(this.projectId, entries);
    options.onProgress?.({ written: appended.length, total: items.length });
    return { written: appended.length, requests: 0, retriedItems: 0 };
  }

  async batchDelete(keys: readonly Item[]): Promise<void> {
    const existing = await this.dynamo.batchGet(keys, true);
    await this.changeLog.appendWith(this.projectId, existing.map((item) => this.deleteEntry(keyOf(this.entity, idOf(this.entity, item)), idOf(this.entity, item))));
  }
}

export interface OutboxOptions extends RepositoryOptions {
  table: Pick<BoundTable, 'definition' | 'tableName' | 'connection' | 'electro'>;
  /** The change log that records the writes (`store.changeLog`). */
  changeLog: AnyChangeLog;
  /** The project whose change log records this repository's writes. */
  projectId: string;
}

/**
 * A repository whose add/update/delete/save (and batches) append the matching change to the
 * project's change log in the same transaction: both or neither.
 */
export function withChangeLog<E extends EntityDefinition>(entity: E, options: OutboxOptions): DynamoRepository<E> {
  const { table, changeLog, projectId } = options;
  const electro = table.electro.entities[entity.name] as ElectroEntity | undefined;
  if (!electro || table.definition.entities[entity.name] !== entity) throw new TypeError(`Entity '${entity.name}' is not part of table '${table.definition.name}'`);
  const dynamo = new DynamoStorage(entity, electro, table.connection.doc, table.tableName, table.definition, retryPolicy(), () =>
    streamReaderFor(table.connection.client, table.tableName),
  );
  return new DynamoRepository(entity, new OutboxStorage(entity, dynamo, changeLog, projectId), options);
}
