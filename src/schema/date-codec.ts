import type { FieldShape } from './zod-attributes.ts';

type Convert = (value: unknown) => unknown;

const toIso: Convert = (value) => (value instanceof Date ? value.toISOString() : value);
const fromIso: Convert = (value) => (typeof value === 'string' ? new Date(value) : value);

function walk(shape: FieldShape, value: unknown, convert: Convert): unknown {
  if (!shape.containsDate || value === null || value === undefined) return value;
  switch (shape.kind) {
    case 'date':
      return convert(value);
    case 'list':
      return Array.isArray(value) && shape.element ? value.map((element) => walk(shape.element as FieldShape, element, convert)) : value;
    case 'map':
      return typeof value === 'object' ? walkObject(shape.properties ?? {}, value as Record<string, unknown>, convert) : value;
    case 'record': {
      if (typeof value !== 'object' || !shape.valueShape) return value;
      const out: Record<string, unknown> = {};
      for (const [key, entry] of Object.entries(value)) out[key] = walk(shape.valueShape, entry, convert);
      return out;
    }
    default:
      return value;
  }
}

function walkObject(fields: Record<string, FieldShape>, item: Record<string, unknown>, convert: Convert): Record<string, unknown> {
  const out: Record<string, unknown> = { ...item };
  for (const [key, shape] of Object.entries(fields)) {
    if (shape.containsDate && key in out) out[key] = walk(shape, out[key], convert);
  }
  return out;
}

/**
 * Dates are stored as ISO-8601 strings (sortable, readable in the console) and come back as
 * Date objects, so that `z.date()` fields round-trip.
 */
export function createDateCodec(fields: Record<string, FieldShape>) {
  const dated = Object.fromEntries(Object.entries(fields).filter(([, shape]) => shape.containsDate));
  const hasDates = Object.keys(dated).length > 0;
  return {
    encode: (item: Record<string, unknown>) => (hasDates ? walkObject(dated, item, toIso) : item),
    decode: (item: Record<string, unknown>) => (hasDates ? walkObject(dated, item, fromIso) : item),
  };
}
