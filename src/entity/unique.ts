import { z } from 'zod';
import { RepositoryError } from '../errors/index.ts';
import { or } from '../expression/index.ts';
import { defineEntity } from '../schema/index.ts';
import type { EntityModel } from './model.ts';
import type { Operation } from './operations.ts';

type Item = Record<string, unknown>;

/**
 * The claim of a unique value: one item per (entity, field, normalised value), owned by the id
 * that holds it. Written and released in the same transaction as its owner; a GSI could not
 * enforce uniqueness (it is only eventually consistent and allows duplicates).
 */
export const UniqueClaim = defineEntity({
  name: 'tablekitUnique',
  description: 'A claimed unique value (entity#field#value), owned by one item; kept in the same transaction as its owner.',
  schema: z.object({
    unique: z.string().min(1),
    /** The owner's id (JSON of its key values). */
    owner: z.string(),
  }),
  keys: { primary: { pk: ['unique'], sk: [], description: 'Who holds a unique value' } },
  versioned: false,
  example: { unique: 'user#email#ada@example.com', owner: '["0b7c9a2e-5d4f-4c1e-9a8b-3f2e1d0c9b8a"]' },
});

export const claimName = (entity: string, field: string, value: string) => `${entity}#${field}#${value}`;

/** Normalised unique values of an item (absent fields have none). */
export function uniqueValues(model: EntityModel, item: Item | undefined): Map<string, string> {
  const values = new Map<string, string>();
  if (!item) return values;
  for (const unique of model.definition.uniqueFields) {
    const value = item[unique.field];
    if (value !== undefined && value !== null) values.set(unique.field, unique.normalise(value));
  }
  return values;
}

/**
 * The claim writes that move an item's unique values from `before` to `after`: release the old
 * value (only if this owner holds it), claim the new one (free, or already this owner's).
 */
export function claimOperations(
  model: EntityModel,
  claims: EntityModel | undefined,
  ownerValues: Item,
  before: Item | undefined,
  after: Item | undefined,
): Operation[] {
  if (model.definition.uniqueFields.length === 0) return [];
  if (!claims) throw new Error(`table has no claim entity for ${model.name}'s unique fields`);
  const owner = model.idKey(ownerValues);
  const id = model.idOf(ownerValues);
  const pkField = claims.keys.primary.pk.field;
  const ownedByMe = or({ kind: 'notExists', name: pkField }, { kind: 'compare', name: 'owner', op: '=', value: owner });
  const old = uniqueValues(model, before);
  const next = uniqueValues(model, after);
  const operations: Operation[] = [];
  for (const { field } of model.definition.uniqueFields) {
    const from = old.get(field);
    const to = next.get(field);
    if (from === to) continue;
    if (from !== undefined) {
      const key = claims.keys.primaryKey({ unique: claimName(model.name, field, from) });
      operations.push({
        entity: model.name,
        id,
        write: { kind: 'delete', key },
        guards: [
          {
            condition: ownedByMe,
            error: () =>
              new RepositoryError('conflict', `${model.name} ${JSON.stringify(id)}: its ${field} claim moved concurrently`, { id, entity: model.name }),
          },
        ],
      });
    }
    if (to !== undefined) {
      const unique = claimName(model.name, field, to);
      claims.keys.check({ unique }, ['unique'], id);
      const key = claims.keys.primaryKey({ unique });
      const raw = { unique, owner, ...claims.keys.itemKeys({ unique }) };
      claims.checkSize(raw, id);
      operations.push({
        entity: model.name,
        id,
        write: { kind: 'put', key, item: raw },
        guards: [
          {
            condition: ownedByMe,
            error: () => new RepositoryError('duplicate', `${model.name} ${field} '${to}' is already taken`, { id: to, entity: model.name }),
          },
        ],
      });
    }
  }
  return operations;
}
