import { z } from 'zod';
import { RepositoryError, type ValidationIssue, errorMessage } from '../errors/index.ts';
import { createDateCodec } from './date-codec.ts';
import type { EntityKeys, EntityTypes, FieldName, KeyTemplate, UniqueOptions } from './types.ts';
import { declaredFields, declaredUniques, inputIssues, valueIssues, withoutUndefined, zodIssues } from './validation.ts';
import { electroAttributeOf, SchemaDefinitionError, shapeOf, type ElectroAttribute, type FieldShape } from './zod-attributes.ts';

export interface EntityOptions<
  S extends z.ZodObject,
  K extends EntityKeys<FieldName<S>>,
  T extends boolean,
  V extends boolean,
  H extends FieldName<S> = never,
> {
  /** Entity name; part of every sort key, so renaming it orphans stored items. */
  readonly name: string;
  /** Model version (default 1); part of the sort keys. */
  readonly version?: number;
  readonly schema: S;
  readonly keys: K;
  /** Name of a number field holding an expiry time in epoch seconds (DynamoDB TTL). */
  readonly ttl?: FieldName<S>;
  /** Adds managed `createdAt`/`updatedAt` ISO strings. */
  readonly timestamps?: T;
  /** Adds a managed integer `version` used for optimistic locking (default true). */
  readonly versioned?: V;
  /**
   * Fields whose (normalised) value at most one item may hold, e.g. `{ email: { normalise } }`.
   * Every write keeps a claim item in the same transaction; a taken value is `duplicate`.
   */
  readonly unique?: { readonly [F in FieldName<S>]?: true | UniqueOptions };
  /** Optional fields never returned unless a read asks for them with `include` (e.g. a token hash). */
  readonly hidden?: readonly H[];
  /** Fields set when an item is created and refused afterwards. */
  readonly readOnly?: readonly FieldName<S>[];
  /** A valid example item, used for generated documentation. */
  readonly example?: z.input<S>;
  /** One line for the generated documentation. */
  readonly description?: string;
}

/** Digits in a number key composite: enough for Number.MAX_SAFE_INTEGER, so key order = number order. */
export const NUMBER_KEY_DIGITS = 16;

/** A unique field as the runtime sees it. */
export interface UniqueField {
  readonly field: string;
  readonly normalise: (value: unknown) => string;
}

export interface EntityDefinition<
  S extends z.ZodObject = z.ZodObject,
  K extends EntityKeys<FieldName<S>> = EntityKeys<FieldName<S>>,
  T extends boolean = boolean,
  V extends boolean = boolean,
  H extends string = string,
> extends EntityTypes<S, K, T, V, H> {
  readonly kind: 'tablekit.entity';
  readonly name: string;
  readonly version: number;
  readonly ttl: string | undefined;
  readonly example: Record<string, unknown> | undefined;
  readonly description: string | undefined;
  /** The item schema including managed fields; unknown top-level fields are rejected. */
  readonly itemSchema: z.ZodObject;
  readonly fields: Readonly<Record<string, FieldShape>>;
  readonly attributes: Readonly<Record<string, ElectroAttribute>>;
  /** Attributes of the primary key, in pk then sk order (the id). */
  readonly idFields: readonly string[];
  /** Every attribute used in some key (primary or secondary). */
  readonly keyFields: readonly string[];
  readonly uniqueFields: readonly UniqueField[];
  /** readOnly fields, the id attributes and createdAt: set on create, never changed. */
  readonly readOnlyFields: readonly string[];
  /** Validates a full item and returns it ready to store (defaults applied, dates as ISO strings). Key values are checked where keys are built (the table's KeyBuilder). */
  toStored(input: unknown, id?: unknown): Record<string, unknown>;
  /** Validates one attribute's value against its schema and returns it as stored (undefined: an empty set, stored as absent). */
  toStoredField(name: string, value: unknown, id?: unknown): unknown;
  /** Turns a stored item back into the schema's output type (ISO strings back to Dates). */
  fromStored(stored: Record<string, unknown>): Record<string, unknown>;
}

function templates(keys: EntityKeys): [string, KeyTemplate][] {
  return Object.entries(keys) as [string, KeyTemplate][];
}

function assertKeyFields(name: string, keys: EntityKeys, fields: Record<string, FieldShape>): void {
  if (!keys.primary) throw new SchemaDefinitionError(`Entity '${name}': keys.primary is required`);
  for (const [pattern, template] of templates(keys)) {
    if (!Array.isArray(template.pk) || template.pk.length === 0) {
      throw new SchemaDefinitionError(`Entity '${name}', access pattern '${pattern}': pk needs at least one attribute`);
    }
    for (const field of [...template.pk, ...(template.sk ?? [])]) {
      const shape = fields[field];
      if (!shape) throw new SchemaDefinitionError(`Entity '${name}', access pattern '${pattern}': '${field}' is not a schema field`);
      if (!['string', 'number', 'enum', 'date'].includes(shape.kind) || shape.nullable) {
        throw new SchemaDefinitionError(`Entity '${name}', key field '${field}': key attributes must be strings, numbers, enums or dates (not null)`);
      }
      if (pattern === 'primary' && shape.optional) {
        throw new SchemaDefinitionError(`Entity '${name}', key field '${field}': primary key attributes cannot be optional`);
      }
    }
  }
}

function managedShape(timestamps: boolean, versioned: boolean): Record<string, z.ZodType> {
  return {
    ...(timestamps ? { createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() } : {}),
    ...(versioned ? { version: z.int().min(1) } : {}),
  };
}

/**
 * Declares an entity: a zod schema plus key templates. Nothing is sent anywhere; the table
 * definition binds it to indexes and ElectroDB.
 */
export function defineEntity<
  const S extends z.ZodObject,
  const K extends EntityKeys<FieldName<S>>,
  T extends boolean = false,
  V extends boolean = true,
  const H extends FieldName<S> = never,
>(options: EntityOptions<S, K, T, V, H>): EntityDefinition<S, K, NoInfer<T>, NoInfer<V>, NoInfer<H>> {
  const { name, schema, keys } = options;
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new SchemaDefinitionError(`Entity name '${name}' must be alphanumeric`);
  const timestamps = (options.timestamps ?? false) as T;
  // Versioned by default: every replacing write is guarded by the version it read.
  // Versioned by default: every replacing write is guarded by the version it read.
  const versioned = (options.versioned ?? true) as V;
  const itemSchema = z.strictObject({ ...schema.shape, ...managedShape(timestamps, versioned) });

  const fields: Record<string, FieldShape> = {};
  for (const [field, fieldSchema] of Object.entries(itemSchema.shape)) fields[field] = shapeOf(fieldSchema as z.ZodType, field);
  assertKeyFields(name, keys, fields);
  if (options.ttl !== undefined && fields[options.ttl]?.kind !== 'number') {
    throw new SchemaDefinitionError(`Entity '${name}': ttl field '${options.ttl}' must be a number field (epoch seconds)`);
  }
  const attributes: Record<string, ElectroAttribute> = {};
  for (const [field, shape] of Object.entries(fields)) {
    attributes[field] = electroAttributeOf(shape);
    if (shape.kind === 'number' && isKeyField(keys, field)) attributes[field] = { ...attributes[field], padding: { length: NUMBER_KEY_DIGITS, char: '0' } };
  }

  const idFields: string[] = [...keys.primary.pk, ...(keys.primary.sk ?? [])];
  const allKeyFields = [...new Set(templates(keys).flatMap(([, t]) => [...t.pk, ...(t.sk ?? [])]))];
  const codec = createDateCodec(fields);

  const toStored = (input: unknown, id?: unknown) => {
    // zod would drop a `__proto__` key (or loop on a cycle) before anything else could see it.
    const raw = inputIssues(input, []);
    if (raw.length > 0) throw RepositoryError.validation(name, raw, id);
    const result = itemSchema.safeParse(input);
    if (!result.success) {
      const issues = zodIssues(result.error.issues, []);
      throw RepositoryError.validation(name, issues, id);
    }
    // Checked as stored: a Date left after encoding sits in an untyped field and would not round-trip.
    const encoded = codec.encode(result.data);
    const issues: ValidationIssue[] = [];
    valueIssues(encoded, [], issues);
    if (issues.length > 0) throw RepositoryError.validation(name, issues, id);
    return withoutUndefined(encoded) as Record<string, unknown>;
  };

  const keyFieldList: string[] = allKeyFields;
  const uniqueFields = declaredUniques(name, options.unique ?? {}, fields);
  // A hidden field may key a secondary index (a lookup by token hash), never the id.
  const hiddenFields = declaredFields(name, 'hidden', options.hidden ?? [], fields, idFields) as H[];
  const readOnly = declaredFields(name, 'readOnly', options.readOnly ?? [], fields, []);
  for (const field of hiddenFields) {
    if (!fields[field]?.optional)
      throw new SchemaDefinitionError(
        `Entity '${name}': hidden field '${field}' must be optional (reads leave it out, so writes of what was read must be valid without it)`,
      );
    if (uniqueFields.some((unique) => unique.field === field))
      throw new SchemaDefinitionError(`Entity '${name}': field '${field}' cannot be both hidden and unique`);
  }
  const toStoredField = (field: string, value: unknown, id?: unknown) => {
    const fieldSchema = itemSchema.shape[field] as z.ZodType | undefined;
    if (!fieldSchema) throw RepositoryError.validation(name, [{ path: [field], message: `'${field}' is not an attribute of ${name}` }], id);
    const raw = inputIssues(value, [field]);
    if (raw.length > 0) throw RepositoryError.validation(name, raw, id);
    const result = fieldSchema.safeParse(value);
    if (!result.success) {
      throw RepositoryError.validation(name, zodIssues(result.error.issues, [field]), id);
    }
    const encoded = codec.encode({ [field]: result.data })[field];
    const issues: ValidationIssue[] = [];
    valueIssues(encoded, [field], issues);
    if (issues.length > 0) throw RepositoryError.validation(name, issues, id);
    return withoutUndefined(encoded);
  };
  const definition: EntityDefinition<S, K, T, V, H> = {
    kind: 'tablekit.entity',
    name,
    version: options.version ?? 1,
    schema,
    keys,
    timestamps,
    versioned,
    ttl: options.ttl,
    example: options.example as Record<string, unknown> | undefined,
    description: options.description,
    itemSchema,
    fields,
    attributes,
    idFields,
    keyFields: keyFieldList,
    uniqueFields,
    hiddenFields,
    readOnlyFields: [...new Set([...readOnly, ...idFields, ...(timestamps ? ['createdAt'] : [])])],
    toStored,
    toStoredField,
    fromStored: codec.decode,
  };
  if (options.example !== undefined) {
    try {
      toStored({ ...exampleManagedFields(timestamps, versioned), ...options.example });
    } catch (error) {
      throw new SchemaDefinitionError(`Entity '${name}': the example is not valid: ${errorMessage(error)}`);
    }
  }
  return definition;
}

function isKeyField(keys: EntityKeys, field: string): boolean {
  return templates(keys).some(([, t]) => t.pk.includes(field) || (t.sk ?? []).includes(field));
}

/** Managed field values for examples and documentation. */
export function exampleManagedFields(timestamps: boolean, versioned: boolean): Record<string, unknown> {
  const at = '2026-01-01T00:00:00.000Z';
  return { ...(timestamps ? { createdAt: at, updatedAt: at } : {}), ...(versioned ? { version: 1 } : {}) };
}
