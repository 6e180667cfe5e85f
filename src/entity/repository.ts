import { isMap } from '../expression/index.ts';
import type { EntityDefinition } from '../schema/index.ts';
import type { LiveStream } from '../streams/index.ts';
import type { EntityContext } from './context.ts';
import { createAll, deleteAll, saveAll, updateAll, type SaveAllInput } from './many.ts';
import { getByUnique, getItem, getMany, paginate, readAll, readPage, type QueryInput, type ReadOptionsInput } from './reads.ts';
import { streamItem, streamQuery } from './live.ts';
import type { Repository } from './types.ts';
import { planCheck, planCreate, planDelete, planPatchWrite, planSave, planUpdate, write } from './writes.ts';

type Item = Record<string, unknown>;

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
    for (const pattern of context.model.keys.patterns.keys()) finders[pattern] = (key, options) => readPage(context, { pattern, key }, options);
    this.find = Object.freeze(finders);
  }

  get(id: unknown, options?: ReadOptionsInput) {
    return getItem(this.context, id, options);
  }
  getById(id: unknown) {
    return getItem(this.context, id);
  }
  getByUnique(field: unknown, value: unknown, options?: ReadOptionsInput) {
    return getByUnique(this.context, field, value, options);
  }
  getMany(ids: readonly unknown[], options?: ReadOptionsInput) {
    return getMany(this.context, ids, options);
  }
  page(query?: QueryInput, options?: ReadOptionsInput) {
    return readPage(this.context, query, options);
  }
  paginate(query?: QueryInput, options?: ReadOptionsInput) {
    return paginate(this.context, query, options);
  }
  query(query?: QueryInput, options?: ReadOptionsInput) {
    return readAll(this.context, query, options);
  }

  create(item: unknown, options?: { if?: unknown }) {
    return write(this.context, undefined, () => planCreate(this.context, item, options));
  }
  // async: a bad id rejects the returned promise instead of throwing synchronously.
  async add(identified: { id: unknown; object: unknown }, options?: { if?: unknown }) {
    return this.create(this.context.model.withId(identified?.id, identified?.object), options);
  }
  save(aggregate: unknown, options?: { if?: unknown }) {
    return write(this.context, undefined, () => planSave(this.context, aggregate, options));
  }
  patch(id: unknown, changes: unknown, options?: { if?: unknown; version?: unknown }) {
    return write(this.context, id, () => planPatchWrite(this.context, id, changes, options));
  }
  update(id: unknown, updater: (current: Item) => unknown, options?: { if?: unknown }) {
    return write(this.context, id, () => planUpdate(this.context, id, updater, options));
  }
  async delete(id: unknown, options?: { if?: unknown }): Promise<void> {
    await write(this.context, id, () => planDelete(this.context, id, options));
  }
  deleteById(id: unknown) {
    return this.delete(id);
  }
  /** Transaction builders of this entity (used by the table's transactWrite). */
  readonly tx = {
    create: (item: unknown, options?: { if?: unknown }) => () => planCreate(this.context, item, options),
    save: (aggregate: unknown, options?: { if?: unknown }) => () => planSave(this.context, aggregate, options),
    patch: (id: unknown, changes: unknown, options?: { if?: unknown; version?: unknown }) => () => planPatchWrite(this.context, id, changes, options),
    delete: (id: unknown, options?: { if?: unknown }) => () => planDelete(this.context, id, options),
    check: (id: unknown, condition: unknown) => () => planCheck(this.context, id, condition),
  };

  async addAll(items: readonly { id: unknown; object: unknown }[]) {
    return createAll(this.context, Array.isArray(items) ? items.map((item) => this.context.model.withId(item?.id, item?.object)) : items);
  }
  createAll(items: readonly unknown[]) {
    return createAll(this.context, items);
  }
  updateAll(items: readonly { id: unknown; object: unknown }[]) {
    return updateAll(this.context, items);
  }
  deleteAll(ids: readonly unknown[]) {
    return deleteAll(this.context, ids);
  }
  saveAll(items: readonly unknown[], options?: SaveAllInput) {
    return saveAll(this.context, items, options);
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

/** The typed per-entity API over a context: the one seam where the generic implementation meets the inferred types. */
export function createEntityApi<E extends EntityDefinition>(context: EntityContext): Repository<E> {
  return new EntityRepository(context) as unknown as Repository<E>;
}
