import type { EntityDefinition } from '../schema/index.ts';
import type { ElectroEntity } from '../table/index.ts';

export type Item = Record<string, unknown>;
type Ops = Record<string, (...args: unknown[]) => string> & {
  eq(attribute: unknown, value: unknown): string;
  exists(attribute: unknown): string;
  notExists(attribute: unknown): string;
};
type Where = (attributes: Record<string, unknown>, op: Ops) => string;
type Builder = { where(callback: Where): Builder; params(): Item };
type QueryBuilder = Builder & { between(from: Item, to: Item): Builder };

/** Request params ElectroDB built, optionally with a condition: keys and expressions stay ElectroDB's. */
export function paramsOf(builder: unknown, where?: Where): Item {
  const typed = builder as Builder;
  return (where ? typed.where(where) : typed).params();
}

/** ElectroDB's query builder for one access pattern. */
export function queryBuilder(electro: ElectroEntity, pattern: string, key: Item): QueryBuilder {
  const finder = (electro.query as unknown as Record<string, (key: Item) => QueryBuilder>)[pattern];
  if (!finder) throw new TypeError(`entity has no access pattern '${pattern}'`);
  return finder(key);
}

/** Services work with any entity that has the fields they need; say clearly which one is missing. */
export function assertFields(entity: EntityDefinition, fields: readonly string[]): void {
  const missing = fields.filter((field) => !(field in entity.fields));
  if (missing.length > 0) throw new TypeError(`Entity '${entity.name}' lacks field(s) ${missing.join(', ')} needed by this service`);
}
