import { conditionError, RepositoryError } from '../errors/index.ts';
import type { EntityDefinition, KeyTemplate } from '../schema/index.ts';
import { decodeCursor, encodeCursor } from '../table/index.ts';
import { matchesFilter } from './filter.ts';
import { idKey, idOf } from './ids.ts';
import type { ConditionalPut, Item, Storage, StorageQuery } from './storage.ts';
import type { Page, SaveAllOptions, SaveAllResult } from './types.ts';

/** DynamoDB's order for key values: numbers by value, strings by UTF-8 bytes. */
function compareKeyValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)));
}

/**
 * Keeps an entity's items in a Map with DynamoDB's semantics: conditions, all-or-nothing
 * transactions, sparse indexes, key order, Limit applied before the filter, and copies in and
 * out so callers never share objects with the store.
 */
export class MemoryStorage implements Storage {
  private readonly items = new Map<string, Item>();

  constructor(private readonly entity: EntityDefinition) {}

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
    this.items.set(idKey(this.entity, write.item), structuredClone(write.item));
  }

  async delete(key: Item, mustExist: boolean, id: unknown): Promise<boolean> {
    const deleted = this.items.delete(idKey(this.entity, key));
    if (!deleted && mustExist) throw conditionError('notFound', { entity: this.entity.name, id });
    return deleted;
  }

  async transactPut(writes: readonly ConditionalPut[]): Promise<void> {
    const failed = writes.find((write) => this.fails(write));
    if (failed) throw conditionError(failed.onFailed.code, { entity: this.entity.name, id: failed.onFailed.id });
    for (const write of writes) this.items.set(idKey(this.entity, write.item), structuredClone(write.item));
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
      this.items.set(idKey(this.entity, item), structuredClone(item));
      written++;
      if (written % 25 === 0 || written === items.length) options.onProgress?.({ written, total: items.length });
    }
    return { written, requests: Math.ceil(items.length / 25), retriedItems: 0 };
  }

  async batchDelete(keys: readonly Item[]): Promise<void> {
    for (const key of keys) this.items.delete(idKey(this.entity, key));
  }

  private candidates(query: StorageQuery): Item[] {
    const all = [...this.items.values()];
    if (query.pattern === undefined) return all;
    const template = this.entity.keys[query.pattern] as KeyTemplate | undefined;
    if (!template) throw new RepositoryError('validation', `${this.entity.name} has no access pattern '${query.pattern}'`);
    const sk = template.sk ?? [];
    // Like a sparse GSI: items missing a key attribute of the index are not in it.
    const inIndex = all.filter((item) => [...template.pk, ...sk].every((field) => item[field] !== undefined));
    const matching = inIndex.filter((item) =>
      Object.entries(query.composites).every(([field, value]) => value === undefined || item[field] === value),
    );
    const ordered = matching.sort((a, b) => {
      for (const field of [...sk, ...this.entity.idFields]) {
        const order = compareKeyValues(a[field], b[field]);
        if (order !== 0) return order;
      }
      return 0;
    });
    return query.order === 'desc' ? ordered.reverse() : ordered;
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
