import type { RepositoryErrorCode } from '../errors/index.ts';
import type { filterTerms } from './filter.ts';
import type { Page, SaveAllOptions, SaveAllResult } from './types.ts';

export type Item = Record<string, unknown>;
export type FilterTerms = ReturnType<typeof filterTerms>;

/** What must hold before a write: nothing, no item yet, an item, or an item at this version. */
export type WriteCondition = { kind: 'none' } | { kind: 'absent' } | { kind: 'exists' } | { kind: 'version'; version: number };

/** Which RepositoryError a failed condition becomes, and for which id. */
export interface OnConditionFailed {
  code: RepositoryErrorCode;
  id: unknown;
}

export interface ConditionalPut {
  item: Item;
  condition: WriteCondition;
  onFailed: OnConditionFailed;
}

export interface StorageQuery {
  /** Access pattern name; undefined = every item of the entity. */
  pattern: string | undefined;
  composites: Item;
  order: 'asc' | 'desc';
  consistent: boolean;
  attributes: readonly string[] | undefined;
  terms: FilterTerms;
  limit: number | undefined;
  cursor: string | undefined;
}

/** A change to one stored item (items without keys, as in get()). */
export interface StorageChange {
  type: 'insert' | 'modify' | 'remove';
  newItem: Item | undefined;
  oldItem: Item | undefined;
}

export interface StorageListener {
  next(change: StorageChange): void;
  error?(error: unknown): void;
  /** The source ended (the connection closed). */
  complete?(): void;
}

/**
 * Where a repository keeps its items. Items here are validated and encoded (dates as ISO
 * strings), without key attributes. The Repository class holds every rule of the contract;
 * a storage only stores, checks conditions and pages.
 */
export interface Storage {
  get(key: Item, consistent: boolean): Promise<Item | undefined>;
  put(write: ConditionalPut): Promise<void>;
  /** Deletes; when `mustExist`, a missing item fails with notFound for `id`. Returns whether an item was deleted. */
  delete(key: Item, mustExist: boolean, id: unknown): Promise<boolean>;
  /** All writes or none; the first failed condition decides the error. */
  transactPut(writes: readonly ConditionalPut[]): Promise<void>;
  /** Items for the keys that exist (any order). */
  batchGet(keys: readonly Item[], consistent: boolean): Promise<Item[]>;
  batchPut(items: readonly Item[], options: SaveAllOptions): Promise<SaveAllResult>;
  batchDelete(keys: readonly Item[]): Promise<void>;
  page(query: StorageQuery): Promise<Page<Item>>;
  /** Every change to this entity from now on; resolves once no later write can be missed. */
  subscribe(listener: StorageListener): Promise<() => void>;
}
