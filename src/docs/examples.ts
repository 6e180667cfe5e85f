import { exampleManagedFields, type EntityDefinition } from '../schema/index.ts';
import { generateSample } from './samples.ts';

/**
 * The entity's declared example, or one generated from its zod schema (valid uuids, e-mails,
 * enums, dates, numbers within bounds, nested objects), with the managed fields filled in.
 */
export function exampleItem(entity: EntityDefinition): Record<string, unknown> {
  const managed = exampleManagedFields(entity.timestamps, entity.versioned);
  return { ...managed, ...(entity.example ?? generateSample(entity).item) };
}
