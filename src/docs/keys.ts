import type { EntityDefinition } from '../schema/index.ts';
import { buildElectro, KeyBuilder, type TableLayout } from '../table/index.ts';

/** Every entity of the table (tablekit's own included), declared ones first. */
export const layoutEntities = (table: TableLayout): EntityDefinition[] => [...Object.values(table.entities), ...table.internalEntities];

/** The key builders of every entity of a table: the same ones a bound table writes with. */
export function entityKeysOf(table: TableLayout): Map<string, KeyBuilder> {
  const { entities } = buildElectro(table, table.name);
  const keys = new Map<string, KeyBuilder>();
  for (const entity of layoutEntities(table)) {
    const electro = entities[entity.name];
    if (!electro) throw new Error(`ElectroDB has no model of ${entity.name}`);
    keys.set(
      entity.name,
      new KeyBuilder(
        entity,
        table.patterns.filter((pattern) => pattern.entity === entity.name),
        electro,
      ),
    );
  }
  return keys;
}

/** An item exactly as tablekit stores it: validated, encoded, with every key attribute built. */
export function storedSample(entity: EntityDefinition, keys: KeyBuilder, item: Record<string, unknown>): Record<string, unknown> {
  const stored = entity.toStored(item);
  return { ...stored, ...keys.itemKeys(stored) };
}
