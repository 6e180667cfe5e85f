import { isMap } from '../expression/index.ts';
import type { EntityDefinition } from '../schema/index.ts';
import type { Storage } from '../storage/index.ts';
import type { LiveStream } from '../streams/index.ts';
import type { OperationName } from '../metrics/index.ts';
import type { EntityContext } from './context.ts';
import { bounded, callOptionsOf, type CallOptions } from './deadline.ts';
import { createAll, deleteAll, saveAll, updateAll, type SaveAllInput } from './many.ts';
import { getByUnique, getItem, getMany, paginate, readAll, readPage, type QueryInput, type ReadOptionsInput } from './reads.ts';
import { streamItem, streamQuery } from './live.ts';
import { promote } from './previous.ts';
import type { Repository } from './types.ts';
import { planCheck, planCreate, planDelete, planPatchWrite, planSave, planUpdate, write } from './writes.ts';

type Item = Record<string, unknown>;
type WriteOptions = { if?: unknown } & CallOptions;

/**
 * The per-entity API. Every rule lives in the functions it calls (reads, writes, many, live),
 * once, over a Storage: DynamoDB or the in-memory twin behave the same.
 */
class EntityRepository {
  readonly entity: EntityDefinition;
  readonly find: Readonly<Record<string, (key: unknown, options?: ReadOptionsInput) => Promise<{ items: Item[]; cursor: string | undefined }>>>;
  private readonly live = new Set<() => void>();

  constructor(private readonly context: EntityContext) {
    this.entity = context.model.definition;
    const finders: Record<string, (key: unknown, options?: ReadOptionsInput) => Promise<{ items: Item[]; cursor: string | undefined }>> = Object.create(null);
    for (const pattern of context.model.keys.patterns.keys())
      finders[pattern] = (key, options) => this.observe('find', options, (scoped) => readPage(scoped, { pattern, key }, options), pageItems, { pattern });
    this.find = Object.freeze(finders);
  }

  /**
   * Runs one operation within its deadline and signal (see deadline.ts) and through the table's
   * observer (events, spans). `many`: an operation over many items, without a default deadline.
   */
  private observe<T>(
    operation: OperationName,
    options: unknown,
    run: (context: EntityContext) => Promise<T>,
    count: (result: T) => number,
    { pattern, many = false }: { pattern?: unknown; many?: boolean } = {},
  ): Promise<T> {
    const { observer, model, storage } = this.context;
    let call: CallOptions;
    try {
      call = callOptionsOf(model.name, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const bounds = { entity: model.name, operation, defaultTimeoutMs: many ? undefined : this.context.timeoutMs, many };
    const body = () => bounded(storage, bounds, call, (scoped) => run(this.contextWith(scoped)));
    if (!observer?.active) return body();
    const name = typeof pattern === 'string' ? pattern : undefined;
    const index =
      name === undefined ? (operation === 'page' || operation === 'query' ? 'scan' : 'primary') : (model.keys.patterns.get(name)?.index ?? 'primary');
    const read =
      operation === 'get' || operation === 'getByUnique' || operation === 'getMany' || operation === 'find' || operation === 'page' || operation === 'query';
    return observer.run({ entity: model.name, entities: [model.name], operation, pattern: name, index: read ? index : undefined }, body, count);
  }

  /** The context of one operation: its storage carries the operation's deadline or signal. */
  private contextWith(storage: Storage): EntityContext {
    if (storage === this.context.storage) return this.context;
    // Object.assign: V8 builds `{ ...context, storage }` on a slow path, and this runs per operation.
    return Object.assign({}, this.context, { storage });
  }

  get(id: unknown, options?: ReadOptionsInput) {
    return this.observe('get', options, (context) => getItem(context, id, options), one);
  }
  getById(id: unknown) {
    return this.get(id);
  }
  getByUnique(field: unknown, value: unknown, options?: ReadOptionsInput) {
    return this.observe('getByUnique', options, (context) => getByUnique(context, field, value, options), one);
  }
  getMany(ids: readonly unknown[], options?: ReadOptionsInput) {
    return this.observe('getMany', options, (context) => getMany(context, ids, options), pageItems, { many: true });
  }
  page(query?: QueryInput, options?: ReadOptionsInput) {
    return this.observe('page', options, (context) => readPage(context, query, options), pageItems, { pattern: query?.pattern });
  }
  paginate(query?: QueryInput, options?: ReadOptionsInput) {
    // Each page is one operation: its own deadline, and one event when observed.
    return paginate(this.context, query, options, (pageQuery, pageOptions) =>
      this.observe('page', pageOptions, (context) => readPage(context, pageQuery, pageOptions), pageItems, { pattern: pageQuery?.pattern }),
    );
  }
  query(query?: QueryInput, options?: ReadOptionsInput) {
    return this.observe(
      'query',
      options,
      (context) => readAll(context, query, options),
      (items) => items.length,
      { pattern: query?.pattern, many: true },
    );
  }

  /** During a migration, a single-item write first moves its item from the previous version (one GetItem when there is none). */
  private async moved(context: EntityContext, idOrObject: unknown, isObject: boolean): Promise<void> {
    if (!context.previous) return;
    const { model } = context;
    if (isObject && (!isMap(idOrObject) || model.definition.idFields.some((field) => idOrObject[field] === undefined))) return;
    await promote(context, isObject && isMap(idOrObject) ? model.idOf(idOrObject) : idOrObject);
  }

  create(item: unknown, options?: WriteOptions) {
    return this.observe(
      'create',
      options,
      async (context) => {
        if (context.previous) await this.moved(context, item, true);
        return write(context, undefined, () => planCreate(context, item, options));
      },
      one,
    );
  }
  // async: a bad id rejects the returned promise instead of throwing synchronously.
  async add(identified: { id: unknown; object: unknown }, options?: WriteOptions) {
    return this.create(this.context.model.withId(identified?.id, identified?.object), options);
  }
  save(aggregate: unknown, options?: WriteOptions) {
    return this.observe(
      'save',
      options,
      async (context) => {
        if (context.previous) await this.moved(context, aggregate, true);
        return write(context, undefined, () => planSave(context, aggregate, options));
      },
      one,
    );
  }
  patch(id: unknown, changes: unknown, options?: WriteOptions & { version?: unknown }) {
    return this.observe(
      'patch',
      options,
      async (context) => {
        if (context.previous) await this.moved(context, id, false);
        return write(context, id, () => planPatchWrite(context, id, changes, options));
      },
      one,
    );
  }
  update(id: unknown, updater: (current: Item) => unknown, options?: WriteOptions) {
    return this.observe(
      'update',
      options,
      async (context) => {
        if (context.previous) await this.moved(context, id, false);
        return write(context, id, () => planUpdate(context, id, updater, options));
      },
      one,
    );
  }
  async delete(id: unknown, options?: WriteOptions): Promise<void> {
    await this.observe(
      'delete',
      options,
      async (context) => {
        if (context.previous) await this.moved(context, id, false);
        return write(context, id, () => planDelete(context, id, options));
      },
      one,
    );
  }
  deleteById(id: unknown, options?: CallOptions) {
    return this.delete(id, options);
  }
  /** Transaction builders of this entity (used by the table's transactWrite). */
  readonly tx = {
    create: (item: unknown, options?: { if?: unknown }) => () => planCreate(this.context, item, options),
    save: (aggregate: unknown, options?: { if?: unknown }) => () => planSave(this.context, aggregate, options),
    patch: (id: unknown, changes: unknown, options?: { if?: unknown; version?: unknown }) => () => planPatchWrite(this.context, id, changes, options),
    delete: (id: unknown, options?: { if?: unknown }) => () => planDelete(this.context, id, options),
    check: (id: unknown, condition: unknown) => () => planCheck(this.context, id, condition),
  };

  async addAll(items: readonly { id: unknown; object: unknown }[], options?: CallOptions) {
    return this.createAll(Array.isArray(items) ? items.map((item) => this.context.model.withId(item?.id, item?.object)) : items, options);
  }
  createAll(items: readonly unknown[], options?: CallOptions) {
    return this.observe(
      'createAll',
      options,
      (context) => createAll(context, items),
      (created) => created.length,
      { many: true },
    );
  }
  updateAll(items: readonly { id: unknown; object: unknown }[], options?: CallOptions) {
    return this.observe(
      'updateAll',
      options,
      (context) => updateAll(context, items),
      (updated) => updated.length,
      { many: true },
    );
  }
  deleteAll(ids: readonly unknown[], options?: CallOptions) {
    return this.observe(
      'deleteAll',
      options,
      (context) => deleteAll(context, ids),
      () => (Array.isArray(ids) ? ids.length : 0),
      { many: true },
    );
  }
  saveAll(items: readonly unknown[], options?: SaveAllInput) {
    return this.observe(
      'saveAll',
      options,
      (context) => saveAll(context, items, options),
      (result) => result.written,
      { many: true },
    );
  }

  autoIdentify<T extends object>(object: T, updateObjectWithId?: (object: T, id: unknown) => T): { id: unknown; object: T } {
    const id = this.context.model.freshId(isMap(object) ? object : {});
    return { id, object: updateObjectWithId ? updateObjectWithId(object, id) : object };
  }
  async addAutoIdentified(object: object, updateObjectWithId?: (object: object, id: unknown) => object) {
    return this.add(this.autoIdentify(object, updateObjectWithId));
  }

  stream(id: unknown): LiveStream<Item> {
    return streamItem(this.context, this.track, id);
  }
  streamQuery(query?: QueryInput, options?: { where?: unknown }): LiveStream<Item[]> {
    return streamQuery(this.context, this.track, query, options?.where);
  }
  /** Ends every live stream of this API (they complete); idempotent. */
  async dispose(): Promise<void> {
    for (const stop of [...this.live]) stop();
  }

  private readonly track = (stop: () => void) => {
    let stopped = false;
    const once = () => {
      if (stopped) return;
      stopped = true;
      this.live.delete(once);
      stop();
    };
    this.live.add(once);
    return once;
  };
}

const one = () => 1;
const pageItems = (page: { items: readonly unknown[] }) => page.items.length;

/** The typed per-entity API over a context: the one seam where the generic implementation meets the inferred types. */
export function createEntityApi<E extends EntityDefinition>(context: EntityContext): Repository<E> {
  return new EntityRepository(context) as unknown as Repository<E>;
}
