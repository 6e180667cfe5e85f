import { RepositoryError } from '../errors/index.ts';
import type { EntityDefinition, KeyTemplate } from '../schema/index.ts';
import { matchesFilter } from './filter.ts';
import type { Item, StorageQuery } from './storage.ts';

/** DynamoDB's order for key values: numbers by value, strings by UTF-8 bytes. */
function compareKeyValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)));
}

function templateOf(entity: EntityDefinition, pattern: string): KeyTemplate {
  const template = entity.keys[pattern] as KeyTemplate | undefined;
  if (!template) throw new RepositoryError('validation', `${entity.name} has no access pattern '${pattern}'`);
  return template;
}

/** Whether a stored item is in a query's result: on the index (sparse), with its composites, passing the filter. */
export function matchesQuery(entity: EntityDefinition, query: Pick<StorageQuery, 'pattern' | 'composites' | 'terms'>, item: Item): boolean {
  if (query.pattern !== undefined) {
    const template = templateOf(entity, query.pattern);
    if (![...template.pk, ...(template.sk ?? [])].every((field) => item[field] !== undefined)) return false;
    if (!Object.entries(query.composites).every(([field, value]) => value === undefined || item[field] === value)) return false;
  }
  return matchesFilter(item, query.terms);
}

/** The items of a query (filter not applied) in the order DynamoDB returns them: by sort key, then id. */
export function orderForQuery(entity: EntityDefinition, query: Pick<StorageQuery, 'pattern' | 'composites' | 'order'>, items: Item[]): Item[] {
  const sk = query.pattern === undefined ? [] : (templateOf(entity, query.pattern).sk ?? []);
  const inQuery = items.filter((item) => matchesQuery(entity, { ...query, terms: [] }, item));
  const ordered = inQuery.sort((a, b) => {
    for (const field of [...sk, ...entity.idFields]) {
      const order = compareKeyValues(a[field], b[field]);
      if (order !== 0) return order;
    }
    return 0;
  });
  return query.order === 'desc' ? ordered.reverse() : ordered;
}
