import type { z } from 'zod';
import type {
  AccessPatternName,
  EntityDefinition,
  EntityKeys,
  HiddenOf,
  InferInput,
  InferItem,
  InferItemWith,
  InferKey,
  InferPatternKey,
  InferStored,
} from '../schema/index.ts';
import type { LiveStream } from '../streams/index.ts';
import type { CallOptions } from './deadline.ts';

type KeysOf<E> = E extends EntityDefinition<infer _S, infer K> ? K : never;
type SchemaOf<E> = E extends EntityDefinition<infer S> ? S : never;
type IdTuple<K> = K extends EntityKeys ? [...K['primary']['pk'], ...(K['primary']['sk'] extends readonly string[] ? K['primary']['sk'] : [])] : never;

/** The id of an entity: a plain value for a one-attribute key (user: userId), else an object (videoProgress: userId + videoId). */
export type InferId<E> = IdTuple<KeysOf<E>> extends readonly [infer Only extends keyof z.output<SchemaOf<E>>] ? z.output<SchemaOf<E>>[Only] : InferKey<E>;

type Scalar = string | number | boolean | Date | Uint8Array | null;
type ElementOf<V> = V extends ReadonlySet<infer T> ? T : V extends readonly (infer T)[] ? T : V;

/** Operators on one attribute; several operators (and several attributes) are ANDed. */
export interface Operators<V> {
  eq?: V;
  ne?: V;
  gt?: V;
  gte?: V;
  lt?: V;
  lte?: V;
  between?: readonly [V, V];
  /** Strings only. */
  beginsWith?: string;
  /** Substring of a string, element of a list or member of a set. */
  contains?: ElementOf<V>;
  /** One of up to 100 values. */
  in?: readonly V[];
  /** true: the attribute is present; false: absent. */
  exists?: boolean;
  /** Number of elements of a list or set. */
  size?: Omit<Operators<number>, 'size' | 'contains' | 'beginsWith' | 'in'>;
}

/**
 * Conditions on stored attributes, the same for `where` (a filter on reads) and `if` (a
 * condition on writes): `{ price: { gte: 10 }, status: 'open', $or: [...] }`. A bare value means `eq`.
 */
export type Where<T> = { [K in keyof T]?: (NonNullable<T[K]> extends Scalar ? T[K] : never) | Operators<NonNullable<T[K]>> } & {
  $and?: readonly Where<T>[];
  $or?: readonly Where<T>[];
  $not?: Where<T>;
};

/** One page of results. `cursor` is present when more items may follow (DynamoDB's LastEvaluatedKey). */
export interface Page<T> {
  items: T[];
  cursor: string | undefined;
}

/** The one options type of every read. `get` and `getMany` use consistent, attributes and include. */
export interface ReadOptions<E, A extends PropertyKey = PropertyKey, I extends string = never> extends CallOptions {
  /** A filter on stored attributes (FilterExpression): applied after `limit`, so a page can be shorter. */
  where?: Where<InferStored<E>>;
  /** Items read per page (DynamoDB Limit). */
  limit?: number;
  /** The cursor of the previous page, unchanged. */
  cursor?: string;
  /** Sort-key order; default ascending. */
  order?: 'asc' | 'desc';
  /** Strongly consistent read (not on secondary indexes). */
  consistent?: boolean;
  /** Return only these attributes (ProjectionExpression). */
  attributes?: readonly A[];
  /** Hidden attributes to return as well. */
  include?: readonly I[];
}

export type GetOptions<E, A extends PropertyKey = PropertyKey, I extends string = never> = Pick<
  ReadOptions<E, A, I>,
  'consistent' | 'attributes' | 'include' | 'signal' | 'timeoutMs'
>;

/** A read's item type: projected to `attributes` when given, with the `include`d hidden attributes. */
export type Selected<E, A extends PropertyKey, I extends string> = [keyof InferStored<E>] extends [A]
  ? InferItemWith<E, I>
  : Pick<InferItemWith<E, I>, Extract<A, keyof InferItemWith<E, I>>>;

/** Attribute names a read may project to. */
export type AttributeOf<E> = keyof InferStored<E>;

/** `page()` / `query()` input: one access pattern with its key, or every item of the entity (a Scan). */
export type Query<E> = { pattern?: undefined } | { [P in AccessPatternName<E>]: { pattern: P; key: InferPatternKey<E, P> } }[AccessPatternName<E>];

type Stored<E> = InferStored<E>;
type NumberFields<T> = { [K in keyof T]-?: NonNullable<T[K]> extends number ? K : never }[keyof T];
type ListFields<T> = { [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[] ? K : never }[keyof T];
type SetFields<T> = { [K in keyof T]-?: NonNullable<T[K]> extends ReadonlySet<unknown> ? K : never }[keyof T];
type OptionalFields<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];
type Managed = 'createdAt' | 'updatedAt' | 'version';
type Writable<E> = Omit<Stored<E>, Managed>;

/** An atomic partial update: one UpdateItem that touches only these attributes. */
export interface Patch<E> {
  /** Set attributes to values (validated against their schemas). */
  set?: Partial<z.input<SchemaOf<E>>>;
  /** Add to numbers (counters: a missing number counts as 0) or add members to sets. */
  add?: { [K in NumberFields<Writable<E>> | SetFields<Writable<E>>]?: NonNullable<Writable<E>[K]> extends number ? number : NonNullable<Writable<E>[K]> };
  /** Append elements to lists. */
  append?: { [K in ListFields<Writable<E>>]?: NonNullable<Writable<E>[K]> };
  /** Prepend elements to lists. */
  prepend?: { [K in ListFields<Writable<E>>]?: NonNullable<Writable<E>[K]> };
  /** Remove optional attributes. */
  remove?: readonly OptionalFields<Writable<E>>[];
  /** Delete members from sets. */
  delete?: { [K in SetFields<Writable<E>>]?: NonNullable<Writable<E>[K]> };
  /** Set attributes only where they are missing. */
  ifNotExists?: Partial<z.input<SchemaOf<E>>>;
}

export interface WriteOptions<E> extends CallOptions {
  /** A condition on the stored item; when it fails, the write is a `conditionFailed` error and nothing is written. */
  if?: Where<InferStored<E>>;
}

export interface PatchOptions<E> extends WriteOptions<E> {
  /** Versioned entities: apply only if the stored version is this one (else `conflict`). */
  version?: number;
}

export interface GetManyResult<T, Id> {
  /** Found items, in input order. */
  items: T[];
  /** Ids that do not exist, in input order. */
  missing: Id[];
}

export interface SaveAllProgress {
  written: number;
  total: number;
}

export interface SaveAllOptions extends CallOptions {
  /** BatchWriteItem requests in flight (default 8). */
  concurrency?: number;
  onProgress?: (progress: SaveAllProgress) => void;
}

export interface SaveAllResult {
  written: number;
  /** Requests sent, retries included. */
  requests: number;
  /** Items DynamoDB returned as unprocessed and that were sent again. */
  retriedItems: number;
}

/** kiss's IdentifiedObject: an id and the object to store under it (id attributes may be left out of the object). */
export interface IdentifiedObject<E> {
  id: InferId<E>;
  object: InferInput<E> | Omit<InferInput<E>, keyof InferKey<E>>;
}

/** Typed finders, one per access pattern: `users.find.byEmail({ email })`. */
export type Finders<E> = {
  readonly [P in AccessPatternName<E>]: <A extends AttributeOf<E> = AttributeOf<E>, I extends HiddenOf<E> = never>(
    key: InferPatternKey<E, P>,
    options?: ReadOptions<E, A, I>,
  ) => Promise<Page<Selected<E, A, I>>>;
};

type UniqueName<E> = E extends EntityDefinition ? string : never;

/**
 * The one per-entity API (`table.entities.user`): the same rules on DynamoDB and in memory.
 * A missing item addressed by its id (get, getById, getByUnique, patch, update, delete) is a
 * `notFound` RepositoryError; reads of many (getMany, find, page, query) return what exists.
 */
export interface Repository<E extends EntityDefinition> {
  readonly entity: E;
  // --- reads ---
  get<A extends AttributeOf<E> = AttributeOf<E>, I extends HiddenOf<E> = never>(id: InferId<E>, options?: GetOptions<E, A, I>): Promise<Selected<E, A, I>>;
  getById(id: InferId<E>): Promise<InferItem<E>>;
  /** The item holding a unique value (the value is normalised as declared); `notFound` when none. */
  getByUnique<I extends HiddenOf<E> = never>(
    field: UniqueName<E>,
    value: string | number,
    options?: GetOptions<E, PropertyKey, I>,
  ): Promise<InferItemWith<E, I>>;
  getMany<I extends HiddenOf<E> = never>(
    ids: readonly InferId<E>[],
    options?: GetOptions<E, PropertyKey, I>,
  ): Promise<GetManyResult<InferItemWith<E, I>, InferId<E>>>;
  readonly find: Finders<E>;
  page<A extends AttributeOf<E> = AttributeOf<E>, I extends HiddenOf<E> = never>(
    query?: Query<E>,
    options?: ReadOptions<E, A, I>,
  ): Promise<Page<Selected<E, A, I>>>;
  paginate<A extends AttributeOf<E> = AttributeOf<E>, I extends HiddenOf<E> = never>(
    query?: Query<E>,
    options?: ReadOptions<E, A, I>,
  ): AsyncIterable<Page<Selected<E, A, I>>>;
  /** Every matching item (all pages). */
  query<A extends AttributeOf<E> = AttributeOf<E>, I extends HiddenOf<E> = never>(
    query?: Query<E>,
    options?: Omit<ReadOptions<E, A, I>, 'cursor'>,
  ): Promise<Selected<E, A, I>[]>;
  // --- writes ---
  /** Stores a new item; `alreadyExists` when the id is taken. */
  create(item: InferInput<E>, options?: WriteOptions<E>): Promise<InferItem<E>>;
  /** kiss: `create` with the id given apart from the object. */
  add(identified: IdentifiedObject<E>, options?: WriteOptions<E>): Promise<InferItem<E>>;
  /**
   * Insert or replace in one request. With a `version` (versioned entities) the stored item must
   * be at that version (`conflict` otherwise); createdAt is kept.
   */
  save(aggregate: InferInput<E>, options?: WriteOptions<E>): Promise<InferItem<E>>;
  /** One atomic UpdateItem; returns the new item. */
  patch(id: InferId<E>, patch: Patch<E>, options?: PatchOptions<E>): Promise<InferItem<E>>;
  /** Read-modify-write, guarded against concurrent writes and retried on conflict. */
  update(id: InferId<E>, updater: (current: InferItem<E>) => InferInput<E>, options?: WriteOptions<E>): Promise<InferItem<E>>;
  delete(id: InferId<E>, options?: WriteOptions<E>): Promise<void>;
  deleteById(id: InferId<E>, options?: CallOptions): Promise<void>;
  // --- many ---
  addAll(items: readonly IdentifiedObject<E>[], options?: CallOptions): Promise<InferItem<E>[]>;
  createAll(items: readonly InferInput<E>[], options?: CallOptions): Promise<InferItem<E>[]>;
  updateAll(items: readonly IdentifiedObject<E>[], options?: CallOptions): Promise<InferItem<E>[]>;
  deleteAll(ids: readonly InferId<E>[], options?: CallOptions): Promise<void>;
  saveAll(items: readonly InferInput<E>[], options?: SaveAllOptions): Promise<SaveAllResult>;
  // --- ids ---
  autoIdentify<T extends object>(object: T, updateObjectWithId?: (object: T, id: InferId<E>) => T): { id: InferId<E>; object: T };
  addAutoIdentified(
    object: Omit<InferInput<E>, keyof InferKey<E>> | InferInput<E>,
    updateObjectWithId?: (object: InferInput<E>, id: InferId<E>) => InferInput<E>,
  ): Promise<InferItem<E>>;
  // --- live ---
  stream(id: InferId<E>): LiveStream<InferItem<E>>;
  streamQuery(query?: Query<E>, options?: Pick<ReadOptions<E>, 'where'>): LiveStream<InferItem<E>[]>;
  dispose(): Promise<void>;
}
