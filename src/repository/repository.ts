import { conditionError, isRepositoryError, RepositoryError } from '../errors/index.ts';
import { defaultConflictPolicy, withRetries, type RetryPolicy } from '../retry/index.ts';
import type { EntityDefinition, InferInput, InferItem } from '../schema/index.ts';
import type { LiveStream } from '../streams/index.ts';
import { filterTerms } from './filter.ts';
import { streamItem, streamQuery, type LiveContext } from './live.ts';
import { freshId, idKey, idOf, keyOf, withId } from './ids.ts';
import type { ConditionalPut, Item, Storage, StorageQuery, WriteCondition } from './storage.ts';
import type {
  FindOptions,
  Finders,
  GetManyResult,
  IdentifiedObject,
  InferId,
  Page,
  PageOptions,
  Repository,
  RepositoryQuery,
  SaveAllOptions,
  SaveAllResult,
} from './types.ts';

/** TransactWriteItems takes at most 100 items. */
export const MAX_TRANSACTION_ITEMS = 100;
/** DynamoDB's item size limit, checked before sending (attribute names + values, UTF-8). */
export const MAX_ITEM_BYTES = 400 * 1024;

export interface RepositoryOptions {
  /** Retry budget for optimistic-lock conflicts in update() and save(). */
  conflictRetry?: RetryPolicy;
  /** Strongly consistent reads for get/getById/getMany and the reads of update/save (default true). */
  consistentReads?: boolean;
}

/**
 * Every rule of the repository contract lives here, once; DynamoRepository and
 * InMemoryRepository differ only in their Storage.
 */
export class StorageRepository<E extends EntityDefinition> implements Repository<E> {
  readonly find: Finders<E>;
  private readonly conflictRetry: RetryPolicy;
  private readonly consistent: boolean;
  private readonly fieldNames: ReadonlySet<string>;
  private disposed = false;
  private readonly liveStreams = new Set<() => void>();

  constructor(
    readonly entity: E,
    protected readonly storage: Storage,
    options: RepositoryOptions = {},
  ) {
    this.conflictRetry = options.conflictRetry ?? defaultConflictPolicy;
    this.consistent = options.consistentReads ?? true;
    this.fieldNames = new Set(Object.keys(entity.fields));
    const finders: Record<string, (key: Item, options?: FindOptions<E>) => Promise<Page<InferItem<E>>>> = {};
    for (const pattern of Object.keys(entity.keys)) finders[pattern] = (key, findOptions) => this.findPage(pattern, key, findOptions);
    this.find = finders as unknown as Finders<E>;
  }

  // --- encoding -----------------------------------------------------------------------------

  private decode(stored: Item): InferItem<E> {
    return this.entity.fromStored(stored) as InferItem<E>;
  }

  /** Validates, applies managed fields and checks the size: the item exactly as it will be stored. */
  private prepare(object: Item, managed: { createdAt?: unknown; version?: number }, id: unknown): Item {
    const now = new Date().toISOString();
    const stamped: Item = { ...object };
    if (this.entity.timestamps) {
      stamped.createdAt = managed.createdAt ?? now;
      stamped.updatedAt = now;
    }
    if (this.entity.versioned) stamped.version = managed.version ?? 1;
    const stored = this.entity.toStored(stamped, id);
    const bytes = Buffer.byteLength(JSON.stringify(stored));
    if (bytes > MAX_ITEM_BYTES) {
      throw RepositoryError.validation(this.entity.name, [{ path: [], message: `item is about ${bytes} bytes; DynamoDB's limit is ${MAX_ITEM_BYTES}` }], id);
    }
    return stored;
  }

  private replaceCondition(current: Item): WriteCondition {
    return this.entity.versioned ? { kind: 'version', version: current.version as number } : { kind: 'exists' };
  }

  // --- kiss ---------------------------------------------------------------------------------

  async get(id: InferId<E>): Promise<InferItem<E>> {
    const stored = await this.storage.get(keyOf(this.entity, id), this.consistent);
    if (!stored) throw conditionError('notFound', { entity: this.entity.name, id });
    return this.decode(stored);
  }

  async add(identified: IdentifiedObject<E>): Promise<InferItem<E>> {
    const { id } = identified;
    const item = this.prepare(withId(this.entity, id, identified.object), {}, id);
    await this.storage.put({ item, condition: { kind: 'absent' }, onFailed: { code: 'alreadyExists', id } });
    return this.decode(item);
  }

  async update(id: InferId<E>, updater: (current: InferItem<E>) => InferInput<E>): Promise<InferItem<E>> {
    const key = keyOf(this.entity, id);
    return withRetries<InferItem<E>>(
      this.conflictRetry,
      async () => {
        const current = await this.storage.get(key, this.consistent);
        if (!current) throw conditionError('notFound', { entity: this.entity.name, id });
        const next = updater(this.decode(current)) as Item;
        const item = this.prepare(withId(this.entity, id, next), { createdAt: current.createdAt, version: ((current.version as number) ?? 0) + 1 }, id);
        try {
          await this.storage.put({ item, condition: this.replaceCondition(current), onFailed: { code: 'conflict', id } });
          return { done: true, value: this.decode(item) };
        } catch (error) {
          if (isRepositoryError(error, 'conflict')) return { done: false };
          throw error;
        }
      },
      () => conditionError('conflict', { entity: this.entity.name, id }),
    );
  }

  async delete(id: InferId<E>): Promise<void> {
    await this.storage.delete(keyOf(this.entity, id), true, id);
  }

  private assertTransactionSize(count: number, operation: string): void {
    if (count > MAX_TRANSACTION_ITEMS) {
      throw new RepositoryError(
        'validation',
        `${operation} is atomic and takes at most ${MAX_TRANSACTION_ITEMS} items (got ${count}); use saveAll() for bulk upserts of any size`,
      );
    }
  }

  async addAll(items: readonly IdentifiedObject<E>[]): Promise<InferItem<E>[]> {
    this.assertTransactionSize(items.length, 'addAll');
    const seen = new Set<string>();
    const writes: ConditionalPut[] = items.map(({ id, object }) => {
      const item = this.prepare(withId(this.entity, id, object), {}, id);
      const key = idKey(this.entity, item);
      if (seen.has(key)) throw conditionError('alreadyExists', { entity: this.entity.name, id });
      seen.add(key);
      return { item, condition: { kind: 'absent' }, onFailed: { code: 'alreadyExists', id } };
    });
    await this.storage.transactPut(writes);
    return writes.map((write) => this.decode(write.item));
  }

  async updateAll(items: readonly IdentifiedObject<E>[]): Promise<InferItem<E>[]> {
    this.assertTransactionSize(items.length, 'updateAll');
    if (items.length === 0) return [];
    // Duplicate ids: the last object wins, and every position returns it.
    const lastById = new Map<string, { id: unknown; object: Item }>();
    for (const { id, object } of items) lastById.set(idKey(this.entity, keyOf(this.entity, id)), { id, object: withId(this.entity, id, object) });
    const currentItems = await this.storage.batchGet([...lastById.values()].map(({ id }) => keyOf(this.entity, id)), this.consistent);
    const current = new Map(currentItems.map((item) => [idKey(this.entity, item), item]));
    const missing = items.find(({ id }) => !current.has(idKey(this.entity, keyOf(this.entity, id))));
    if (missing) throw conditionError('notFound', { entity: this.entity.name, id: missing.id });
    const writes = new Map<string, ConditionalPut>();
    for (const [key, { id, object }] of lastById) {
      const existing = current.get(key) as Item;
      const item = this.prepare(object, { createdAt: existing.createdAt, version: ((existing.version as number) ?? 0) + 1 }, id);
      writes.set(key, { item, condition: this.replaceCondition(existing), onFailed: { code: 'conflict', id } });
    }
    await this.storage.transactPut([...writes.values()]);
    return items.map(({ id }) => this.decode((writes.get(idKey(this.entity, keyOf(this.entity, id))) as ConditionalPut).item));
  }

  async deleteAll(ids: readonly InferId<E>[]): Promise<void> {
    const keys = new Map(ids.map((id) => keyOf(this.entity, id)).map((key) => [idKey(this.entity, key), key]));
    await this.storage.batchDelete([...keys.values()]);
  }

  async query(query?: RepositoryQuery<E>): Promise<InferItem<E>[]> {
    const items: InferItem<E>[] = [];
    for await (const page of this.paginate(query)) items.push(...page);
    return items;
  }

  autoIdentify<T extends object>(object: T, updateObjectWithId?: (object: T, id: InferId<E>) => T): { id: InferId<E>; object: T } {
    const id = freshId(this.entity) as InferId<E>;
    return { id, object: updateObjectWithId ? updateObjectWithId(object, id) : object };
  }

  addAutoIdentified(object: object, updateObjectWithId?: (object: InferInput<E>, id: InferId<E>) => InferInput<E>): Promise<InferItem<E>> {
    return this.add(this.autoIdentify(object as InferInput<E>, updateObjectWithId) as IdentifiedObject<E>);
  }

  private get live(): LiveContext<InferItem<E>> {
    return {
      entity: this.entity,
      storage: this.storage,
      decode: (stored) => this.decode(stored),
      track: (stop) => {
        let stopped = false;
        const once = () => {
          if (stopped) return;
          stopped = true;
          this.liveStreams.delete(once);
          stop();
        };
        this.liveStreams.add(once);
        return once;
      },
    };
  }

  /** The current item, then every change; completes when it is deleted; `notFound` if missing. */
  stream(id: InferId<E>): LiveStream<InferItem<E>> {
    return streamItem(this.live, id);
  }

  /** The current result (possibly []), then the full result after each change to the entity. */
  streamQuery(query?: RepositoryQuery<E>): LiveStream<InferItem<E>[]> {
    return streamQuery(this.live, this.storageQuery(query, {}));
  }

  /** Ends every live stream of this repository (they complete) and stops their pollers; idempotent. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const stop of [...this.liveStreams]) stop();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  // --- dddart -------------------------------------------------------------------------------

  getById(id: InferId<E>): Promise<InferItem<E>> {
    return this.get(id);
  }

  async save(aggregate: InferInput<E>): Promise<void> {
    const object = aggregate as Item;
    const id = idOf(this.entity, object);
    const key = keyOf(this.entity, id);
    const claimedVersion = this.entity.versioned ? (object.version as number | undefined) : undefined;
    await withRetries<undefined>(
      this.conflictRetry,
      async () => {
        const current = await this.storage.get(key, this.consistent);
        if (current && claimedVersion !== undefined && claimedVersion !== current.version) throw conditionError('conflict', { entity: this.entity.name, id });
        const write: ConditionalPut = current
          ? {
              item: this.prepare(object, { createdAt: current.createdAt, version: ((current.version as number) ?? 0) + 1 }, id),
              condition: this.replaceCondition(current),
              onFailed: { code: 'conflict', id },
            }
          : { item: this.prepare(object, { createdAt: object.createdAt }, id), condition: { kind: 'absent' }, onFailed: { code: 'conflict', id } };
        try {
          await this.storage.put(write);
          return { done: true, value: undefined };
        } catch (error) {
          // Someone else wrote in between: a stale aggregate is a conflict, a version-less one is re-applied.
          if (isRepositoryError(error, 'conflict') && claimedVersion === undefined) return { done: false };
          throw error;
        }
      },
      () => conditionError('conflict', { entity: this.entity.name, id }),
    );
  }

  deleteById(id: InferId<E>): Promise<void> {
    return this.delete(id);
  }

  // --- beyond both --------------------------------------------------------------------------

  async getMany(ids: readonly InferId<E>[]): Promise<GetManyResult<E>> {
    const keys = new Map(ids.map((id) => keyOf(this.entity, id)).map((key) => [idKey(this.entity, key), key]));
    const found = await this.storage.batchGet([...keys.values()], this.consistent);
    const byKey = new Map(found.map((item) => [idKey(this.entity, item), item]));
    const result: GetManyResult<E> = { items: [], missing: [] };
    for (const id of ids) {
      const item = byKey.get(idKey(this.entity, keyOf(this.entity, id)));
      if (item) result.items.push(this.decode(item));
      else result.missing.push(id);
    }
    return result;
  }

  async saveAll(items: readonly InferInput<E>[], options: SaveAllOptions = {}): Promise<SaveAllResult> {
    // Validate everything first: bad input never reaches DynamoDB. Duplicate ids: the last wins.
    const prepared = new Map<string, Item>();
    for (const object of items as readonly Item[]) {
      const id = idOf(this.entity, object);
      const item = this.prepare(object, { createdAt: object.createdAt, version: object.version as number | undefined }, id);
      prepared.set(idKey(this.entity, item), item);
    }
    return this.storage.batchPut([...prepared.values()], options);
  }

  async page(query: RepositoryQuery<E> | undefined, options: PageOptions = {}): Promise<Page<InferItem<E>>> {
    const page = await this.storage.page(this.storageQuery(query, options));
    return { items: page.items.map((item) => this.decode(item)), cursor: page.cursor };
  }

  async *paginate(query?: RepositoryQuery<E>, options: { pageSize?: number } = {}): AsyncIterable<InferItem<E>[]> {
    let cursor: string | undefined;
    do {
      const page = await this.page(query, { ...(options.pageSize ? { limit: options.pageSize } : {}), ...(cursor ? { cursor } : {}) });
      if (page.items.length > 0) yield page.items;
      cursor = page.cursor;
    } while (cursor);
  }

  private storageQuery(query: RepositoryQuery<E> | undefined, options: FindOptions<E>): StorageQuery {
    const pattern = query?.pattern;
    const composites = query && 'key' in query ? (query.key as Item) : {};
    if (pattern !== undefined) this.checkPatternKey(pattern, composites);
    if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
      throw new RepositoryError('validation', `limit must be a positive integer (got ${options.limit})`);
    }
    return {
      pattern,
      composites,
      order: (query && 'order' in query ? query.order : undefined) ?? options.order ?? 'asc',
      consistent: options.consistent ?? false,
      attributes: options.attributes as readonly string[] | undefined,
      terms: filterTerms((query?.where ?? options.where) as Record<string, unknown> | undefined, this.fieldNames),
      limit: options.limit,
      cursor: options.cursor,
    };
  }

  private checkPatternKey(pattern: string, composites: Item): void {
    const template = this.entity.keys[pattern];
    if (!template) throw new RepositoryError('validation', `${this.entity.name} has no access pattern '${pattern}'`);
    const missing = template.pk.filter((field) => composites[field] === undefined);
    if (missing.length > 0) {
      throw RepositoryError.validation(this.entity.name, missing.map((field) => ({ path: [field], message: `required to query '${pattern}'` })));
    }
    this.entity.checkKey(composites, [...template.pk, ...(template.sk ?? [])]);
  }

  private async findPage(pattern: string, key: Item, options: FindOptions<E> = {}): Promise<Page<InferItem<E>>> {
    return this.page({ pattern, key, ...(options.where ? { where: options.where } : {}) } as RepositoryQuery<E>, options);
  }
}
