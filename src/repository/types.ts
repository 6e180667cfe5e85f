import type { z } from 'zod';
import type { AccessPatternName, EntityDefinition, EntityKeys, FieldName, InferInput, InferItem, InferKey, InferPatternKey } from '../schema/index.ts';
import type { LiveStream } from '../streams/index.ts';
import type { Filter } from './filter.ts';

type KeysOf<E> = E extends EntityDefinition<infer _S, infer K> ? K : never;
type SchemaOf<E> = E extends EntityDefinition<infer S> ? S : never;
type IdTuple<K> = K extends EntityKeys
  ? [...K['primary']['pk'], ...(K['primary']['sk'] extends readonly string[] ? K['primary']['sk'] : [])]
  : never;

/** The id of an entity: a plain value for a one-attribute key (user: userId), else an object (videoProgress: userId + videoId). */
export type InferId<E> =
  IdTuple<KeysOf<E>> extends readonly [infer Only extends keyof z.output<SchemaOf<E>>] ? z.output<SchemaOf<E>>[Only] : InferKey<E>;

/** kiss's IdentifiedObject: an id and the object to store under it (id attributes may be left out of the object). */
export interface IdentifiedObject<E> {
  id: InferId<E>;
  object: InferInput<E> | Omit<InferInput<E>, keyof InferKey<E>>;
}

export interface PageOptions {
  /** Items per page (DynamoDB Limit: applied before a `where` filter, so a filtered page can be shorter). */
  limit?: number;
  /** Cursor returned by the previous page. */
  cursor?: string;
}

export interface FindOptions<E, A extends keyof InferItem<E> = keyof InferItem<E>> extends PageOptions {
  /** Sort key order; default ascending. */
  order?: 'asc' | 'desc';
  /** Strongly consistent read (primary index only). */
  consistent?: boolean;
  /** Return only these attributes (a ProjectionExpression). */
  attributes?: readonly A[];
  /** Extra conditions on non-key attributes (a FilterExpression). */
  where?: Filter<InferItem<E>>;
}

export interface Page<T> {
  items: T[];
  /** Present when more items may follow. */
  cursor: string | undefined;
}

/** `query()` input: every item of the entity, or one access pattern, optionally filtered. */
export type RepositoryQuery<E> =
  | { pattern?: undefined; where?: Filter<InferItem<E>> }
  | { [P in AccessPatternName<E>]: { pattern: P; key: InferPatternKey<E, P>; order?: 'asc' | 'desc'; where?: Filter<InferItem<E>> } }[AccessPatternName<E>];

/** Typed finders, one per access pattern: `users.find.byEmail({ email })`. */
export type Finders<E> = {
  readonly [P in AccessPatternName<E>]: <A extends keyof InferItem<E> = keyof InferItem<E>>(
    key: InferPatternKey<E, P>,
    options?: FindOptions<E, A>,
  ) => Promise<Page<Pick<InferItem<E>, A>>>;
};

export interface GetManyResult<E> {
  /** Found items, in input order. */
  items: InferItem<E>[];
  /** Ids that do not exist, in input order. */
  missing: InferId<E>[];
}

export interface SaveAllProgress {
  written: number;
  total: number;
}

export interface SaveAllOptions {
  /** BatchWriteItem requests in flight (default 8). */
  concurrency?: number;
  onProgress?: (progress: SaveAllProgress) => void;
}

export interface SaveAllResult {
  written: number;
  /** BatchWriteItem requests sent, including retries. */
  requests: number;
  /** Items DynamoDB returned as unprocessed and that were sent again. */
  retriedItems: number;
}

/**
 * The repository contract (see CONTRACT.md): the kiss family (string ids, batches, queries)
 * and the dddart family (aggregate getById/save/deleteById) on one object.
 */
export interface Repository<E extends EntityDefinition> {
  readonly entity: E;
  // kiss
  get(id: InferId<E>): Promise<InferItem<E>>;
  add(item: IdentifiedObject<E>): Promise<InferItem<E>>;
  update(id: InferId<E>, updater: (current: InferItem<E>) => InferInput<E>): Promise<InferItem<E>>;
  delete(id: InferId<E>): Promise<void>;
  addAll(items: readonly IdentifiedObject<E>[]): Promise<InferItem<E>[]>;
  updateAll(items: readonly IdentifiedObject<E>[]): Promise<InferItem<E>[]>;
  deleteAll(ids: readonly InferId<E>[]): Promise<void>;
  query(query?: RepositoryQuery<E>): Promise<InferItem<E>[]>;
  autoIdentify<T extends object>(object: T, updateObjectWithId?: (object: T, id: InferId<E>) => T): { id: InferId<E>; object: T };
  addAutoIdentified(
    object: Omit<InferInput<E>, keyof InferKey<E>> | InferInput<E>,
    updateObjectWithId?: (object: InferInput<E>, id: InferId<E>) => InferInput<E>,
  ): Promise<InferItem<E>>;
  stream(id: InferId<E>): LiveStream<InferItem<E>>;
  streamQuery(query?: RepositoryQuery<E>): LiveStream<InferItem<E>[]>;
  dispose(): Promise<void>;
  // dddart
  getById(id: InferId<E>): Promise<InferItem<E>>;
  save(aggregate: InferInput<E>): Promise<void>;
  deleteById(id: InferId<E>): Promise<void>;
  // beyond both
  getMany(ids: readonly InferId<E>[]): Promise<GetManyResult<E>>;
  saveAll(items: readonly InferInput<E>[], options?: SaveAllOptions): Promise<SaveAllResult>;
  page(query: RepositoryQuery<E> | undefined, options?: PageOptions): Promise<Page<InferItem<E>>>;
  paginate(query?: RepositoryQuery<E>, options?: { pageSize?: number }): AsyncIterable<InferItem<E>[]>;
  readonly find: Finders<E>;
}

export type { FieldName };
