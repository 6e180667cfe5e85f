import { RepositoryError } from '../errors/index.ts';
import { isMap } from '../expression/index.ts';
import type { EntityDefinition, InferItem } from '../schema/index.ts';
import type { RawItem } from '../storage/index.ts';
import type { EntityMap } from '../table/index.ts';
import type { EntityContext } from './context.ts';
import { mapped } from './operations.ts';

type PatternsOf<D> = D extends EntityDefinition<infer _S, infer K> ? K[keyof K] : never;
type CollectionsOf<D> = PatternsOf<D> extends infer P ? (P extends { collection: infer C } ? (C extends readonly (infer X)[] ? X : C) : never) : never;

/** Names of the collections some entity of the table belongs to. */
export type CollectionName<E extends EntityMap> = Extract<{ [K in keyof E]: CollectionsOf<E[K]> }[keyof E], string>;
/** The entities of one collection. */
export type CollectionMembers<E extends EntityMap, C extends string> = { [K in keyof E]: C extends CollectionsOf<E[K]> ? K : never }[keyof E];
/** A collection read: every member entity's items under one partition key, from ONE Query per page. */
export type CollectionResult<E extends EntityMap, C extends string> = { [K in CollectionMembers<E, C>]: InferItem<E[K]>[] };

/**
 * Reads a collection: entities that share a partition key and a collection name are stored
 * under `$<collection>#...` sort keys, so one Query (begins_with on the sort key) returns them
 * all. Items are sorted into their entities by ElectroDB's identity marker.
 */
export async function readCollection(
  contexts: ReadonlyMap<string, EntityContext>,
  collection: string,
  key: unknown,
): Promise<Record<string, Record<string, unknown>[]>> {
  const members = [...contexts.values()].flatMap((context) =>
    [...context.model.keys.patterns.values()]
      .filter((pattern) => [context.model.definition.keys[pattern.pattern]?.collection ?? []].flat().includes(collection))
      .map((pattern) => ({ context, pattern })),
  );
  const first = members[0];
  if (!first) throw new RepositoryError('validation', `the table has no collection '${collection}'`);
  if (!isMap(key)) throw new RepositoryError('validation', `collection '${collection}' takes its partition key attributes`);
  const pkNames = first.pattern.pk.composites.map((composite) => composite.name);
  const values = key;
  const extra = Object.keys(values).filter((name) => !pkNames.includes(name));
  const missing = pkNames.filter((name) => values[name] === undefined);
  if (extra.length > 0 || missing.length > 0) {
    throw RepositoryError.validation(first.context.model.name, [
      ...missing.map((name) => ({ path: [name], message: `required to read collection '${collection}'` })),
      ...extra.map((name) => ({ path: [name], message: `not part of collection '${collection}'s key` })),
    ]);
  }
  const { model, storage } = first.context;
  model.keys.check(values, pkNames);
  const pk = model.keys.required(first.pattern.pk, values);
  const skField = first.pattern.sk?.field;
  if (!skField) throw new RepositoryError('validation', `collection '${collection}' needs an index with a sort key`);
  const result: Record<string, Record<string, unknown>[]> = Object.fromEntries(members.map(({ context }) => [context.model.name, []]));
  let startKey: RawItem | undefined;
  try {
    do {
      const page = await storage.query({
        indexName: first.pattern.indexName,
        key: { pk: { name: first.pattern.pk.field, value: pk }, sk: { name: skField, op: 'beginsWith', value: `$${collection}#` } },
        forward: true,
        ...(startKey ? { startKey } : {}),
      });
      for (const raw of page.items) {
        const member = typeof raw.__edb_e__ === 'string' ? contexts.get(raw.__edb_e__) : undefined;
        if (member && result[member.model.name]) result[member.model.name]?.push(member.model.decode(raw));
      }
      startKey = page.lastKey;
    } while (startKey);
  } catch (error) {
    throw mapped(error, model.name);
  }
  return result;
}
