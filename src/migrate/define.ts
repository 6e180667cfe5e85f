import { SchemaDefinitionError, type EntityDefinition, type InferInput, type InferStored } from '../schema/index.ts';

type Item = Record<string, unknown>;

/**
 * One migration of one entity, declared next to the entities and run by `migrate()` or
 * `tablekit migrate`. A version step moves every item of `from` (version v) to `to` (version
 * v+1) through `up()`; a backfill rewrites the index keys of items at the entity's current
 * version that lack them (after adding an access pattern).
 */
export interface Migration {
  readonly kind: 'tablekit.migration';
  /** Unique within the table; the record of the migration is kept under it. */
  readonly name: string;
  readonly type: 'version' | 'backfill';
  readonly entity: string;
  /** The definition items are stored with before the migration. */
  readonly from: EntityDefinition;
  /** The definition they are stored with after it (the same one for a backfill). */
  readonly to: EntityDefinition;
  /** The new item for an old one: receives every attribute (hidden and managed ones included, dates as Dates). */
  up(item: Item): unknown;
  readonly description: string | undefined;
}

export interface VersionMigrationOptions<F extends EntityDefinition, T extends EntityDefinition> {
  /** Default `<entity>.v<from>-v<to>`. */
  readonly name?: string;
  readonly description?: string;
  /** The entity as its items are stored now (e.g. version 1). */
  readonly from: F;
  /** The entity as the table declares it after the migration (e.g. version 2, the same name). */
  readonly to: T;
  /** The new item for an old one; `createdAt`, `updatedAt` and `version` are kept as stored. Must not change the id. */
  readonly up: (item: InferStored<F>) => InferInput<T>;
}

export interface BackfillOptions<E extends EntityDefinition> {
  /** Default `<entity>.v<version>.backfill(<patterns>)`: a new set of access patterns is a new backfill. */
  readonly name?: string;
  readonly description?: string;
  /** The entity (as the table declares it) whose items get the index keys of its access patterns. */
  readonly backfill: E;
}

export const isMigration = (value: unknown): value is Migration =>
  typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'tablekit.migration';

const isEntity = (value: unknown): value is EntityDefinition =>
  typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'tablekit.entity';

/** Declares a migration: a version step (`from`, `to`, `up`) or an index backfill (`backfill`). Nothing runs until `migrate()`. */
export function defineMigration<const F extends EntityDefinition, const T extends EntityDefinition>(options: VersionMigrationOptions<F, T>): Migration;
export function defineMigration<const E extends EntityDefinition>(options: BackfillOptions<E>): Migration;
export function defineMigration(options: {
  name?: string;
  description?: string;
  from?: EntityDefinition;
  to?: EntityDefinition;
  backfill?: EntityDefinition;
  up?: (item: never) => unknown;
}): Migration {
  const description = options.description;
  if (options.backfill !== undefined) {
    const entity = options.backfill;
    if (!isEntity(entity)) throw new SchemaDefinitionError('defineMigration: backfill takes an entity definition (defineEntity(...))');
    const patterns = Object.keys(entity.keys)
      .filter((pattern) => pattern !== 'primary')
      .sort();
    return {
      kind: 'tablekit.migration',
      name: checkName(options.name ?? `${entity.name}.v${entity.version}.backfill(${patterns.join(',')})`),
      type: 'backfill',
      entity: entity.name,
      from: entity,
      to: entity,
      up: (item: Item) => item,
      description,
    };
  }
  const { from, to, up } = options;
  if (!isEntity(from) || !isEntity(to))
    throw new SchemaDefinitionError('defineMigration: from and to are entity definitions (defineEntity(...)), or pass { backfill: entity }');
  if (from.name !== to.name)
    throw new SchemaDefinitionError(`defineMigration: from is '${from.name}' but to is '${to.name}': a migration moves the items of one entity`);
  if (from.version === to.version)
    throw new SchemaDefinitionError(
      `defineMigration: ${from.name} v${from.version} → v${to.version} does not change the version (use { backfill: entity } for index keys)`,
    );
  if (typeof up !== 'function') throw new SchemaDefinitionError(`defineMigration: ${from.name} v${from.version} → v${to.version} needs an up(item) function`);
  return {
    kind: 'tablekit.migration',
    name: checkName(options.name ?? `${from.name}.v${from.version}-v${to.version}`),
    type: 'version',
    entity: from.name,
    from,
    to,
    up,
    description,
  };
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200 || name.includes('#'))
    throw new SchemaDefinitionError(`defineMigration: the name must be 1 to 200 characters without '#' (got ${JSON.stringify(name)})`);
  return name;
}
