import { exampleManagedFields, type EntityDefinition, type FieldShape } from '../schema/index.ts';

const sampleUuid = '00000000-0000-4000-8000-000000000001';

function sampleFor(field: string, shape: FieldShape): unknown {
  if (shape.optional && !shape.nullable) return undefined;
  switch (shape.kind) {
    case 'string':
      return /id$/i.test(field) ? `${field}-1` : /email/i.test(field) ? 'someone@example.com' : `${field}-value`;
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'enum':
      return shape.values?.[0];
    case 'date':
      return new Date('2026-01-01T00:00:00.000Z');
    case 'list':
      return [];
    case 'map':
    case 'record':
      return {};
    default:
      return null;
  }
}

/** The entity's declared example, or a synthetic one from its field types (uuid-looking ids are not guessed). */
export function exampleItem(entity: EntityDefinition): Record<string, unknown> {
  const managed = exampleManagedFields(entity.timestamps, entity.versioned);
  if (entity.example) return { ...managed, ...entity.example };
  const item: Record<string, unknown> = { ...managed };
  for (const [field, shape] of Object.entries(entity.fields)) {
    if (field in item) continue;
    const value = sampleFor(field, shape);
    if (value !== undefined) item[field] = value;
  }
  // A best effort: a field the schema rejects (a uuid, say) gets a uuid; documentation falls back to templates otherwise.
  const result = entity.itemSchema.safeParse(item);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path[0];
      if (typeof field === 'string' && entity.fields[field]?.kind === 'string') item[field] = sampleUuid;
    }
  }
  return item;
}
