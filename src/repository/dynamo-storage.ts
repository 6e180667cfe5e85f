import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { conditionError, mapError, RepositoryError, type CancellationReason } from '../errors/index.ts';
import { withRetries, type RetryPolicy } from '../retry/index.ts';
import type { EntityDefinition } from '../schema/index.ts';
import { sendPage, transactItem, transactWrite, type ElectroEntity, type TableIndexes } from '../table/index.ts';
import { electroWhere } from './filter.ts';
import type { StreamReader } from '../streams/index.ts';
import type { ConditionalPut, Item, Storage, StorageListener, StorageQuery } from './storage.ts';
import type { Page, SaveAllOptions, SaveAllResult } from './types.ts';

type Params = Record<string, unknown> & { TableName: string };
type Where = (attributes: Record<string, unknown>, op: Record<string, (...args: unknown[]) => string>) => string;
type Builder = { where(callback: Where): Builder; params(options?: Record<string, unknown>): Params };

const BATCH_WRITE_SIZE = 25;
const BATCH_GET_SIZE = 100;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/** Stores an entity in DynamoDB: ElectroDB builds every request, our DocumentClient sends it. */
export class DynamoStorage implements Storage {
  private readonly keyAttributes: Set<string>;

  constructor(
    private readonly entity: EntityDefinition,
    private readonly electro: ElectroEntity,
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    table: { indexes: TableIndexes },
    private readonly retry: RetryPolicy,
    /** The table's shared DynamoDB Streams reader (created on first use). */
    private readonly streamReader?: () => StreamReader,
  ) {
    this.keyAttributes = new Set(['__edb_e__', '__edb_v__']);
    for (const keys of Object.values(table.indexes)) [keys.pk, keys.sk].forEach((field) => field && this.keyAttributes.add(field));
  }

  /** Drops key attributes and ElectroDB markers; the rest is the stored item. */
  private strip(raw: Record<string, unknown>): Item {
    const item: Item = {};
    for (const name in raw) if (!this.keyAttributes.has(name)) item[name] = raw[name];
    return item;
  }

  private context(id?: unknown) {
    return { entity: this.entity.name, id };
  }

  async get(key: Item, consistent: boolean): Promise<Item | undefined> {
    const params = this.electro.get(key).params() as Params;
    try {
      const result = await this.doc.send(new GetCommand({ ...(params as { TableName: string; Key: Item }), ConsistentRead: consistent }));
      return result.Item ? this.strip(result.Item) : undefined;
    } catch (error) {
      throw mapError(error, this.context(key));
    }
  }

  /** The PutItem params (with the condition) ElectroDB builds for a write. */
  putParams({ item, condition }: ConditionalPut): Params {
    const firstIdField = this.entity.idFields[0] as string;
    switch (condition.kind) {
      case 'absent':
        return this.electro.create(item).params() as Params;
      case 'exists':
        return (this.electro.put(item) as unknown as Builder).where((a, op) => op.exists?.(a[firstIdField]) ?? '').params();
      case 'version':
        return (this.electro.put(item) as unknown as Builder).where((a, op) => op.eq?.(a.version, condition.version) ?? '').params();
      default:
        return this.electro.put(item).params() as Params;
    }
  }

  async put(write: ConditionalPut): Promise<void> {
    const params = this.putParams(write);
    try {
      await this.doc.send(new PutCommand(params as ConstructorParameters<typeof PutCommand>[0]));
    } catch (error) {
      throw mapError(error, { ...this.context(write.onFailed.id), conditionFailed: write.onFailed.code });
    }
  }

  /** DeleteItem params; `mustExist` adds the existence condition. */
  deleteParams(key: Item, mustExist: boolean): Params {
    return (mustExist ? this.electro.remove(key).params() : this.electro.delete(key).params()) as Params;
  }

  async delete(key: Item, mustExist: boolean, id: unknown): Promise<boolean> {
    const params = this.deleteParams(key, mustExist);
    try {
      const result = await this.doc.send(new DeleteCommand({ ...(params as ConstructorParameters<typeof DeleteCommand>[0]), ReturnValues: 'ALL_OLD' }));
      return result.Attributes !== undefined;
    } catch (error) {
      throw mapError(error, { ...this.context(id), conditionFailed: 'notFound' });
    }
  }

  async transactPut(writes: readonly ConditionalPut[]): Promise<void> {
    await transactWrite(
      this.doc,
      writes.map((write) => transactItem('Put', this.putParams(write))),
      {
        entity: this.entity.name,
        explainCancellation: (reasons: CancellationReason[], cause: unknown) => {
          const index = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
          const failed = index >= 0 ? writes[index] : undefined;
          return failed ? conditionError(failed.onFailed.code, this.context(failed.onFailed.id), cause) : undefined;
        },
      },
    );
  }

  async batchGet(keys: readonly Item[], consistent: boolean): Promise<Item[]> {
    const found: Item[] = [];
    const limit = pLimit(4);
    await Promise.all(
      chunk(keys, BATCH_GET_SIZE).map((keysChunk) =>
        limit(async () => {
          let pending = keysChunk.map((key) => (this.electro.get(key).params() as { Key: Item }).Key);
          await withRetries(
            this.retry,
            async () => {
              const result = await this.call(() => this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: consistent } } })));
              found.push(...(result.Responses?.[this.tableName] ?? []).map((raw) => this.strip(raw)));
              pending = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
              return pending.length === 0 ? { done: true, value: undefined } : { done: false };
            },
            () => new RepositoryError('throttled', `${pending.length} key(s) of ${this.entity.name} stayed unprocessed after ${this.retry.maxAttempts} BatchGetItem attempts`),
          );
        }),
      ),
    );
    return found;
  }

  /**
   * BatchWriteItem in chunks of 25 through a pool of workers. Requests are built inside the
   * workers, chunk by chunk, so building overlaps with the requests already in flight.
   */
  private async batchWrite<T>(inputs: readonly T[], toRequest: (input: T) => Record<string, unknown>, options: SaveAllOptions): Promise<SaveAllResult> {
    const result: SaveAllResult = { written: 0, requests: 0, retriedItems: 0 };
    const limit = pLimit(Math.max(1, options.concurrency ?? 8));
    await Promise.all(
      chunk(inputs, BATCH_WRITE_SIZE).map((inputChunk) =>
        limit(async () => {
          let pending = inputChunk.map(toRequest);
          await withRetries(
            this.retry,
            async () => {
              result.requests++;
              const response = await this.call(() => this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } } as ConstructorParameters<typeof BatchWriteCommand>[0])));
              const unprocessed = (response.UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
              result.written += pending.length - unprocessed.length;
              result.retriedItems += unprocessed.length;
              options.onProgress?.({ written: result.written, total: inputs.length });
              pending = unprocessed;
              return pending.length === 0 ? { done: true, value: undefined } : { done: false };
            },
            () => new RepositoryError('throttled', `${pending.length} item(s) of ${this.entity.name} stayed unprocessed after ${this.retry.maxAttempts} BatchWriteItem attempts`),
          );
        }),
      ),
    );
    return result;
  }

  batchPut(items: readonly Item[], options: SaveAllOptions): Promise<SaveAllResult> {
    return this.batchWrite(items, (item) => ({ PutRequest: { Item: (this.electro.put(item).params() as { Item: Item }).Item } }), options);
  }

  async batchDelete(keys: readonly Item[]): Promise<void> {
    await this.batchWrite(keys, (key) => ({ DeleteRequest: { Key: (this.electro.delete(key).params() as { Key: Item }).Key } }), {});
  }

  async page(query: StorageQuery): Promise<Page<Item>> {
    const where = query.terms.length > 0 ? (electroWhere(query.terms) as unknown as Where) : undefined;
    const options = query.attributes ? { attributes: [...query.attributes] } : undefined;
    let builder: Builder;
    if (query.pattern === undefined) {
      builder = this.electro.scan as unknown as Builder;
    } else {
      const finder = (this.electro.query as unknown as Record<string, (key: Item) => Builder>)[query.pattern];
      if (!finder) throw new RepositoryError('validation', `${this.entity.name} has no access pattern '${query.pattern}'`);
      builder = finder(query.composites);
    }
    const params = (where ? builder.where(where) : builder).params(options);
    const page = await this.call(() => sendPage(this.doc, query.pattern === undefined ? 'scan' : 'query', params, query));
    return { items: page.items.map((raw) => this.strip(raw)), cursor: page.cursor };
  }

  async subscribe(listener: StorageListener): Promise<() => void> {
    if (!this.streamReader) throw new RepositoryError('unknown', `${this.entity.name}: this repository was created without access to the table's stream`);
    const strip = (item: Item | undefined) => (item ? this.strip(item) : undefined);
    return this.streamReader().subscribe({
      next: (change) => {
        if (change.entity === this.entity.name) listener.next({ type: change.type, newItem: strip(change.newItem), oldItem: strip(change.oldItem) });
      },
      error: (error) => listener.error?.(error),
      complete: () => listener.complete?.(),
    });
  }

  /** Sends through the DocumentClient; failures go through the one error mapper. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw mapError(error, this.context());
    }
  }
}
