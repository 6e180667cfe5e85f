import { exampleItem } from '../docs/index.ts';
import { isRepositoryError } from '../errors/index.ts';
import type { EntityInfo, Item } from './catalog.ts';
import type { Studio } from './studio.ts';
import { managedFields } from './values.ts';

/** How many samples per entity: a few, so partitions with several items show in the facets. */
const VARIANTS = 3;

/** Sample n of a string: e-mails keep their domain (`ada+2@example.com`), uuids change their last digit, others get a suffix. */
function variantText(text: string, n: number): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return `${text.slice(0, -1)}${n}`;
  const at = text.indexOf('@');
  return at > 0 ? `${text.slice(0, at)}+${n}${text.slice(at)}` : `${text}-${n}`;
}

function variantValue(value: unknown, n: number): unknown {
  if (typeof value === 'string') return variantText(value, n);
  if (typeof value === 'number') return value + n;
  if (value instanceof Date) return new Date(value.getTime() + n * 86_400_000);
  return value;
}

/**
 * Samples of an entity: its example (or one generated from the schema), then variants that keep
 * the partition and change the sort keys, enums and unique values, so that partitions hold
 * several items and secondary indexes several partitions.
 */
export function samplesOf(entity: EntityInfo, ttlAttribute: string | undefined): Item[] {
  const { definition } = entity;
  const base: Item = { ...exampleItem(definition) };
  for (const field of managedFields(definition)) delete base[field];
  // A fixed example TTL eventually lies in the past, and expired items vanish at any moment.
  const ttl = definition.ttl ?? ttlAttribute;
  if (ttl !== undefined && typeof base[ttl] === 'number') base[ttl] = Math.floor(Date.now() / 1000) + 86_400;
  const primary = definition.keys.primary;
  const partition = (primary.sk ?? []).length > 0 ? primary.pk : [];
  const sortKeys = entity.patterns.flatMap((pattern) => pattern.skFields);
  const enums = Object.entries(definition.fields).flatMap(([field, shape]) => (shape.kind === 'enum' ? [field] : []));
  const varying = [
    ...new Set([...(partition.length > 0 ? [] : primary.pk), ...sortKeys, ...enums, ...definition.uniqueFields.map((unique) => unique.field)]),
  ].filter((field) => !partition.includes(field));
  return Array.from({ length: VARIANTS }, (_, index) => {
    if (index === 0) return base;
    const variant: Item = { ...base };
    for (const field of varying) {
      const values = definition.fields[field]?.values;
      const value = values && values.length > 0 ? values[(values.indexOf(String(base[field])) + index) % values.length] : variantValue(base[field], index + 1);
      // A variant the field's schema refuses (a number past its maximum, say) keeps the example's value.
      if (base[field] !== undefined && definition.itemSchema.shape[field]?.safeParse(value).success) variant[field] = value;
    }
    return variant;
  });
}

/** Writes the samples of every entity through the entity API; samples already there are left alone. Returns how many were written. */
export async function seedSamples(studio: Studio): Promise<number> {
  let written = 0;
  for (const entity of studio.catalog.entities) {
    for (const sample of samplesOf(entity, studio.table.definition.ttlAttribute)) {
      try {
        await entity.api.create(sample);
        written++;
      } catch (error) {
        // An invalid variant (a pattern the variant breaks) or a sample already written is skipped; anything else is a real failure.
        if (!isRepositoryError(error) || !['alreadyExists', 'duplicate', 'validation'].includes(error.code)) throw error;
      }
    }
  }
  return written;
}
