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

export type TimestampFields = { createdAt: string; updatedAt: string };
export type VersionField = { version: number };
export type ManagedFields<T extends boolean, V extends boolean> = (T extends true ? TimestampFields : unknown) &
  (V extends true ? VersionField : unknown);

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The static side of an entity definition; everything is inferred from `defineEntity`. */
export interface EntityTypes<S extends z.ZodObject, K extends EntityKeys<FieldName<S>>, T extends boolean, V extends boolean> {
  readonly schema: S;
  readonly keys: K;
  readonly timestamps: T;
  readonly versioned: V;
}

type SchemaOf<E> = E extends EntityTypes<infer S, infer _K, infer _T, infer _V> ? S : never;
type KeysOf<E> = E extends EntityTypes<infer _S, infer K, infer _T, infer _V> ? K : never;
type Managed<E> = E extends EntityTypes<infer _S, infer _K, infer T, infer V> ? ManagedFields<T, V> : never;

/** A stored item as read back: the schema's output plus managed fields (createdAt, updatedAt, version). */
export type InferItem<E> = Simplify<z.output<SchemaOf<E>> & Managed<E>>;

/** What a write accepts: the schema's input; managed fields may be passed (e.g. a version to check). */
export type InferInput<E> = Simplify<z.input<SchemaOf<E>> & Partial<Managed<E>>>;

type KeyFields<T> = T extends KeyTemplate<infer F> ? F : never;

/** The primary key composites of an entity: its id. */
export type InferKey<E> = Simplify<Pick<z.output<SchemaOf<E>>, KeyFields<KeysOf<E>['primary']>>>;

/** Names of the entity's access patterns (including `primary`). */
export type AccessPatternName<E> = Extract<keyof KeysOf<E>, string>;

type PkFields<T> = T extends { pk: readonly (infer F)[] } ? F : never;
type SkFields<T> = T extends { sk: readonly (infer F)[] } ? F : never;

/** Composites for querying one access pattern: every pk attribute, and a prefix of sk attributes. */
export type InferPatternKey<E, P extends AccessPatternName<E>> = Simplify<
  Pick<z.output<SchemaOf<E>>, Extract<PkFields<KeysOf<E>[P]>, keyof z.output<SchemaOf<E>>>> &
    Partial<Pick<z.output<SchemaOf<E>>, Extract<SkFields<KeysOf<E>[P]>, keyof z.output<SchemaOf<E>>>>>
>;
