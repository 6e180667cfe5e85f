import { randomUUID } from 'node:crypto';
import { RepositoryError } from '../errors/index.ts';
import type { EntityDefinition } from '../schema/index.ts';

type Item = Record<string, unknown>;

/** Turns an id (plain value or object of key attributes) into the key attributes, validated. */
export function keyOf(entity: EntityDefinition, id: unknown): Item {
  const fields = entity.idFields;
  let key: Item;
  if (fields.length === 1) {
    if (typeof id === 'object' && id !== null) {
      throw RepositoryError.validation(entity.name, [{ path: [fields[0] as string], message: `the id of ${entity.name} is a plain value, not an object` }], id);
    }
    key = { [fields[0] as string]: id };
  } else {
    if (typeof id !== 'object' || id === null) {
      throw RepositoryError.validation(entity.name, [{ path: [], message: `the id of ${entity.name} is an object with ${fields.join(', ')}` }], id);
    }
    key = Object.fromEntries(fields.map((field) => [field, (id as Item)[field]]));
  }
  const issues = fields.flatMap((field) => {
    const value = key[field];
    const kind = entity.fields[field]?.kind;
    if (value === undefined || value === null) return [{ path: [field], message: 'required in the id' }];
    if (kind === 'number' ? typeof value !== 'number' : typeof value !== 'string') return [{ path: [field], message: `must be a ${kind === 'number' ? 'number' : 'string'}` }];
    return [];
  });
  if (issues.length > 0) throw RepositoryError.validation(entity.name, issues, id);
  entity.checkKey(key, fields, id);
  return key;
}

/** The id of a stored item, in the entity's id form. */
export function idOf(entity: EntityDefinition, item: Item): unknown {
  const fields = entity.idFields;
  return fields.length === 1 ? item[fields[0] as string] : Object.fromEntries(fields.map((field) => [field, item[field]]));
}

/** A stable string for an id, for maps and duplicate detection. */
export function idKey(entity: EntityDefinition, key: Item): string {
  return JSON.stringify(entity.idFields.map((field) => key[field]));
}

/** Puts the id's attributes into the object; a different value already in the object is an error. */
export function withId(entity: EntityDefinition, id: unknown, object: unknown): Item {
  const key = keyOf(entity, id);
  if (typeof object !== 'object' || object === null) throw RepositoryError.validation(entity.name, [{ path: [], message: 'the object must be an object' }], id);
  const merged: Item = { ...(object as Item) };
  for (const [field, value] of Object.entries(key)) {
    if (merged[field] !== undefined && merged[field] !== value) {
      throw RepositoryError.validation(entity.name, [{ path: [field], message: `does not match the id (${JSON.stringify(value)})` }], id);
    }
    merged[field] = value;
  }
  return merged;
}

/** A fresh id: a UUID v4 for every string id attribute. */
export function freshId(entity: EntityDefinition): unknown {
  const fields = entity.idFields;
  const numeric = fields.filter((field) => entity.fields[field]?.kind !== 'string');
  if (numeric.length > 0) throw new RepositoryError('validation', `${entity.name} cannot auto-identify: id attribute(s) ${numeric.join(', ')} are not strings`);
  return fields.length === 1 ? randomUUID() : Object.fromEntries(fields.map((field) => [field, randomUUID()]));
}
