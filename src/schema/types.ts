import type { z } from 'zod';

/** Attribute names of a zod object schema. */
export type FieldName<S extends z.ZodObject> = Extract<keyof z.output<S>, string>;

/** Which attributes make up a key, in order; ElectroDB builds the key strings from them. */
export interface KeyTemplate<F extends string = string> {
  readonly pk: readonly F[];
  readonly sk?: readonly F[];
  /** ElectroDB collection(s): entities sharing a collection and pk are read in one Query. */
  readonly collection?: string | readonly string[];
  /** One line for the generated access-pattern document. */
  readonly description?: string;
}

/** A secondary access pattern: a key template on one of the table's GSIs. */
export interface AccessPattern<F extends string = string> extends KeyTemplate<F> {
  /** Logical index name from the table definition (e.g. `gsi1`). */
  readonly index: string;
}

export type EntityKeys<F extends string = string> = {
  readonly primary: KeyTemplate<F>;
  readonly [pattern: string]: KeyTemplate<F> | AccessPattern<F>;
};

/** A unique field: at most one item of the entity holds each (normalised) value. */
export interface UniqueOptions {
  /** Maps a value to the form that must be unique (e.g. trimmed and lower-cased e-mail). */
  readonly normalise?: (value: string) => string;
}

export type TimestampFields = { createdAt: string; updatedAt: string };
export type VersionField = { version: number };
export type ManagedFields<T extends boolean, V extends boolean> = (T extends true ? TimestampFields : unknown) & (V extends true ? VersionField : unknown);

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The static side of an entity definition; everything is inferred from `defineEntity`. */
export interface EntityTypes<S extends z.ZodObject, K extends EntityKeys<FieldName<S>>, T extends boolean, V extends boolean, H extends string = never> {
  readonly schema: S;
  readonly keys: K;
  readonly timestamps: T;
  readonly versioned: V;
  /** Optional fields left out of reads unless requested with `include`. */
  readonly hiddenFields: readonly H[];
}

type SchemaOf<E> = E extends EntityTypes<infer S, infer _K, infer _T, infer _V, infer _H> ? S : never;
type KeysOf<E> = E extends EntityTypes<infer _S, infer K, infer _T, infer _V, infer _H> ? K : never;
type Managed<E> = E extends EntityTypes<infer _S, infer _K, infer T, infer V, infer _H> ? ManagedFields<T, V> : never;
/** The hidden attributes of an entity. */
export type HiddenOf<E> = E extends EntityTypes<infer _S, infer _K, infer _T, infer _V, infer H> ? H : never;

/** A stored item as read back: the schema's output without hidden attributes, plus managed fields. */
export type InferItem<E> = Simplify<Omit<z.output<SchemaOf<E>>, HiddenOf<E>> & Managed<E>>;

/** An item read with some hidden attributes explicitly requested (`include`). */
export type InferItemWith<E, I extends string> = Simplify<InferItem<E> & Pick<z.output<SchemaOf<E>>, Extract<I, keyof z.output<SchemaOf<E>>>>>;

/** Every stored attribute, hidden ones included. */
export type InferStored<E> = Simplify<z.output<SchemaOf<E>> & Managed<E>>;

/** What a write accepts: the schema's input; managed fields may be passed (e.g. a version to check). */
export type InferInput<E> = Simplify<z.input<SchemaOf<E>> & Partial<Managed<E>>>;

type KeyFields<T> = T extends KeyTemplate<infer F> ? F : never;

/** The primary key composites of an entity. */
export type InferKey<E> = Simplify<Pick<z.output<SchemaOf<E>>, KeyFields<KeysOf<E>['primary']>>>;

/** Names of the entity's access patterns (including `primary`). */
export type AccessPatternName<E> = Extract<keyof KeysOf<E>, string>;

type PkFields<T> = T extends { pk: readonly (infer F)[] } ? F : never;
type SkTuple<T> = T extends { sk: infer L extends readonly string[] } ? L : readonly [];

/** Conditions on one sort-key composite (the last one given in a query key). */
export type SortCondition<V> =
  | { eq: V }
  | { gt: V }
  | { gte: V }
  | { lt: V }
  | { lte: V }
  | { between: readonly [V, V] }
  | (V extends string ? { beginsWith: string } : never);

type Output<E> = z.output<SchemaOf<E>>;
type ValueOf<E, F> = F extends keyof Output<E> ? Output<E>[F] : never;
type Never<Names extends readonly string[]> = { [N in Names[number]]?: never };

/**
 * Sort-key composites of a query, in order: a prefix given by equality, and optionally a
 * condition on the next composite. Composites after the first missing one are refused.
 */
type SkPrefixes<E, L extends readonly string[], Done extends object = Record<never, never>> = L extends readonly [
  infer First extends string,
  ...infer Rest extends readonly string[],
]
  ?
      | (Done & Never<L>)
      | (Done & { [N in First]: ValueOf<E, N> | SortCondition<ValueOf<E, N>> } & Never<Rest>)
      | SkPrefixes<E, Rest, Done & { [N in First]: ValueOf<E, N> }>
  : Done;

/** Composites for querying one access pattern: every pk attribute, then sort-key composites in order. */
export type InferPatternKey<E, P extends AccessPatternName<E>> = Simplify<Pick<Output<E>, Extract<PkFields<KeysOf<E>[P]>, keyof Output<E>>>> &
  SkPrefixes<E, SkTuple<KeysOf<E>[P]>>;
