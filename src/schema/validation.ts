import type { z } from 'zod';
import type { ValidationIssue } from '../errors/index.ts';
import type { UniqueField } from './define-entity.ts';
import type { UniqueOptions } from './types.ts';
import { SchemaDefinitionError, type FieldShape } from './zod-attributes.ts';

/** zod issues as ours; an unknown key is named in the path, one issue per key. */
export function zodIssues(issues: readonly z.core.$ZodIssue[], prefix: (string | number)[]): ValidationIssue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown attribute (not in the schema)' }));
    return [{ path, message: issue.message }];
  });
}

/** DynamoDB nests lists and maps at most 32 levels deep. */
const MAX_DEPTH = 32;

const isPlain = (value: object) => {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * What must be refused in the input before zod reads it: a `__proto__` key (zod would drop it
 * while the caller thinks it was stored) and nesting beyond DynamoDB's 32 levels (also catches
 * cycles before anything recurses into them).
 */
export function inputIssues(value: unknown, path: (string | number)[], depth = 0, issues: ValidationIssue[] = []): ValidationIssue[] {
  if (issues.length > 20 || typeof value !== 'object' || value === null || value instanceof Date || value instanceof Uint8Array) return issues;
  if (depth > MAX_DEPTH + 1) {
    issues.push({ path, message: `nested more than ${MAX_DEPTH} levels deep (DynamoDB's limit), or a circular reference` });
    return issues;
  }
  // Only objects can hold what is refused: a path is made for them alone.
  if (Array.isArray(value))
    value.forEach((element, index) => {
      if (typeof element === 'object' && element !== null) inputIssues(element, [...path, index], depth + 1, issues);
    });
  else if (value instanceof Set || value instanceof Map) return issues;
  else
    for (const key of Object.keys(value)) {
      if (key === '__proto__') issues.push({ path: [...path, key], message: "'__proto__' cannot be an attribute name" });
      else {
        const inner: unknown = Reflect.get(value, key);
        if (typeof inner === 'object' && inner !== null) inputIssues(inner, [...path, key], depth + 1, issues);
      }
    }
  return issues;
}

/**
 * Values as stored that DynamoDB keeps exactly: numbers finite, within ±(2^53−1) (larger
 * integers lose precision in JavaScript) and not below 1e-130 in magnitude (DynamoDB's underflow
 * limit); strings and map keys well-formed Unicode (a lone UTF-16 surrogate would be stored as
 * U+FFFD and collide with other values); nesting at most 32 levels; only JSON-like values, sets
 * and binary — a Map, a class instance, a Date in an untyped field, a function, a symbol or a
 * bigint would not come back as written, and an `undefined` list element would shift the others.
 */
export function valueIssues(value: unknown, path: (string | number)[], issues: ValidationIssue[], depth = 0): void {
  if (issues.length > 20) return;
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
    issues.push({ path, message: `a ${typeof value} cannot be stored` });
    return;
  }
  if (
    value instanceof Map ||
    value instanceof Date ||
    (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Set) && !(value instanceof Uint8Array) && !isPlain(value))
  ) {
    const kind =
      value instanceof Map
        ? 'a Map (use an object or z.record)'
        : value instanceof Date
          ? 'a Date in an untyped field (use z.date() or an ISO string)'
          : 'a class instance';
    issues.push({ path, message: `${kind} cannot be stored and read back` });
    return;
  }
  if (typeof value === 'number') {
    const magnitude = Math.abs(value);
    if (!Number.isFinite(value) || magnitude > Number.MAX_SAFE_INTEGER || (value !== 0 && magnitude < 1e-130)) {
      issues.push({
        path,
        message: `number ${value} cannot be stored in DynamoDB (allowed: finite, within ±${Number.MAX_SAFE_INTEGER}, not below 1e-130 in magnitude)`,
      });
    }
  } else if (typeof value === 'string') {
    if (!value.isWellFormed()) issues.push({ path, message: 'contains a lone UTF-16 surrogate (not valid Unicode)' });
  } else if (value instanceof Set) {
    for (const element of value) valueIssues(element, path, issues, depth);
  } else if (Array.isArray(value) || (value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array))) {
    if (depth >= MAX_DEPTH) {
      issues.push({ path, message: `nested more than ${MAX_DEPTH} levels deep (DynamoDB's limit)` });
      return;
    }
    if (Array.isArray(value))
      value.forEach((element, index) => {
        if (element === undefined) issues.push({ path: [...path, index], message: 'a list cannot hold undefined (it would be dropped and shift the others)' });
        else valueIssues(element, [...path, index], issues, depth + 1);
      });
    else
      for (const key of Object.keys(value)) {
        const entry: unknown = Reflect.get(value, key);
        if (!key.isWellFormed()) issues.push({ path: [...path, key], message: 'attribute name contains a lone UTF-16 surrogate' });
        if (!storableScalar(entry)) valueIssues(entry, [...path, key], issues, depth + 1);
      }
  }
}

/** A scalar valueIssues has nothing to say about (checked without making its path). */
function storableScalar(value: unknown): boolean {
  if (typeof value === 'string') return value.isWellFormed();
  if (typeof value === 'number') {
    const magnitude = Math.abs(value);
    return magnitude <= Number.MAX_SAFE_INTEGER && (value === 0 || magnitude >= 1e-130);
  }
  return typeof value === 'boolean' || value === null || value === undefined;
}

/**
 * A value as DynamoDB gives it back: an undefined map attribute is not stored (the DocumentClient
 * drops it) and -0 reads back as 0. Applied at every level, so what a write returns is what a
 * read returns.
 */
export function withoutUndefined(value: unknown): unknown {
  if (value === 0) return 0;
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (typeof value !== 'object' || value === null || value instanceof Set || value instanceof Uint8Array || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const inner: unknown = Reflect.get(value, key);
    if (inner !== undefined) out[key] = withoutUndefined(inner);
  }
  return out;
}

export function declaredFields(
  entity: string,
  option: string,
  names: readonly string[],
  fields: Record<string, FieldShape>,
  keyFields: readonly string[],
): string[] {
  for (const field of names) {
    if (!fields[field] || ['createdAt', 'updatedAt', 'version'].includes(field))
      throw new SchemaDefinitionError(`Entity '${entity}': ${option} field '${field}' is not a schema field`);
    if (keyFields.includes(field)) throw new SchemaDefinitionError(`Entity '${entity}': ${option} field '${field}' is a key attribute`);
  }
  return [...new Set(names)];
}

export function declaredUniques(entity: string, unique: Record<string, true | UniqueOptions | undefined>, fields: Record<string, FieldShape>): UniqueField[] {
  return Object.entries(unique).flatMap(([field, options]) => {
    if (options === undefined) return [];
    const shape = fields[field];
    if (!shape || ['createdAt', 'updatedAt', 'version'].includes(field))
      throw new SchemaDefinitionError(`Entity '${entity}': unique field '${field}' is not a schema field`);
    if (!['string', 'number', 'enum'].includes(shape.kind) || shape.nullable) {
      throw new SchemaDefinitionError(`Entity '${entity}': unique field '${field}' must be a string, number or enum`);
    }
    const normalise = options === true ? undefined : options.normalise;
    return [{ field, normalise: (value: unknown) => (normalise && typeof value === 'string' ? normalise(value) : String(value)) }];
  });
}
