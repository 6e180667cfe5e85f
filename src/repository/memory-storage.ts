import { conditionError, RepositoryError } from '../errors/index.ts';
import type { EntityDefinition } from '../schema/index.ts';
import { decodeCursor, encodeCursor } from '../table/index.ts';
import { matchesFilter } from './filter.ts';
import { idKey, idOf } from './ids.ts';
import type { ConditionalPut, Item, Storage, StorageListener, StorageQuery } from './storage.ts';
import { orderForQuery } from './query-match.ts';
import type { Page, SaveAllOptions, SaveAllResult } from './types.ts';

/**
 * Keeps an entity's items in a Map with DynamoDB's semantics: conditions, all-or-nothing
 * transactions, sparse indexes, key order, Limit applied before the filter, and copies in and
 * out so callers never share objects with the store.
 */
export class MemoryStorage implements Storage {
  private readonly items = new Map<string, Item>();
  private readonly listeners = new Set<StorageListener>();

  constructor(private readonly entity: EntityDefinition) {}

  /** Stores (or removes) an item and tells the listeners, like a DynamoDB stream record. */
  private write(key: string, item: Item | undefined): void {
    const oldItem = this.items.get(key);
    if (item === undefined) {
      if (!oldItem) return;
      this.items.delete(key);
    } else {
      this.items.set(key, structuredClone(item));
    }
    if (this.listeners.size === 0) return;
    const change = { type: item === undefined ? 'remove' : oldItem ? 'modify' : 'insert', newItem: item && structuredClone(item), oldItem } as const;
    for (const listener of [...this.listeners]) listener.next(change);
  }

  async subscribe(listener: StorageListener): Promise<() => void> {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private fails(write: ConditionalPut): boolean {
    const current = this.items.get(idKey(this.entity, write.item));
    switch (write.condition.kind) {
      case 'absent':
        return current !== undefined;
      case 'exists':
        return current === undefined;
      case 'version':
        return current?.version !== write.condition.version;
      default:
        return false;
    }
  }

  async get(key: Item): Promise<Item | undefined> {
    const item = this.items.get(idKey(this.entity, key));
    return item === undefined ? undefined : structuredClone(item);
  }

  async put(write: ConditionalPut): Promise<void> {
    if (this.fails(write)) throw conditionError(write.onFailed.code, { entity: this.entity.name, id: write.onFailed.id });
    this.write(idKey(this.entity, write.item), write.item);
  }

  async delete(key: Item, mustExist: boolean, id: unknown): Promise<boolean> {
    const deleted = this.items.has(idKey(this.entity, key));
    this.write(idKey(this.entity, key), undefined);
    if (!deleted && mustExist) throw conditionError('notFound', { entity: this.entity.name, id });
    return deleted;
  }

  async transactPut(writes: readonly ConditionalPut[]): Promise<void> {
    const failed = writes.find((write) => this.fails(write));
    if (failed) throw conditionError(failed.onFailed.code, { entity: this.entity.name, id: failed.onFailed.id });
    for (const write of writes) this.write(idKey(this.entity, write.item), write.item);
  }

  async batchGet(keys: readonly Item[]): Promise<Item[]> {
    const found: Item[] = [];
    for (const key of keys) {
      const item = this.items.get(idKey(this.entity, key));
      if (item) found.push(structuredClone(item));
    }
    return found;
  }

  async batchPut(items: readonly Item[], options: SaveAllOptions): Promise<SaveAllResult> {
    let written = 0;
    for (const item of items) {
      this.write(idKey(this.entity, item), item);
      written++;
      if (written % 25 === 0 || written === items.length) options.onProgress?.({ written, total: items.length });
    }
    return { written, requests: Math.ceil(items.length / 25), retriedItems: 0 };
  }

  async batchDelete(keys: readonly Item[]): Promise<void> {
    for (const key of keys) this.write(idKey(this.entity, key), undefined);
  }

  private candidates(query: StorageQuery): Item[] {
    return orderForQuery(this.entity, query, [...this.items.values()]);
  }

  async page(query: StorageQuery): Promise<Page<Item>> {
    const candidates = this.candidates(query);
    const offset = query.cursor === undefined ? 0 : Number(decodeCursor(query.cursor).offset);
    if (!Number.isInteger(offset) || offset < 0) throw new RepositoryError('validation', 'Invalid cursor: pass the cursor returned by the previous page unchanged');
    const end = query.limit === undefined ? candidates.length : Math.min(candidates.length, offset + query.limit);
    // DynamoDB applies Limit before the filter; so do we, so pages look the same.
    const window = candidates.slice(offset, end).filter((item) => matchesFilter(item, query.terms));
    const items = window.map((item) => {
      if (!query.attributes) return structuredClone(item);
      return structuredClone(Object.fromEntries(query.attributes.filter((field) => field in item).map((field) => [field, item[field]])));
    });
    return { items, cursor: end < candidates.length ? encodeCursor({ offset: end, after: idOf(this.entity, candidates[end - 1] ?? {}) }) : undefined };
  }
}
