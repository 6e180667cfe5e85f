import type { FieldShape } from './zod-attributes.ts';

type Direction = 'encode' | 'decode';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const needsCodec = (shape: FieldShape) => shape.containsDate || shape.containsSet === true;
const isSet = (shape: FieldShape) => shape.kind === 'stringSet' || shape.kind === 'numberSet';

function walk(shape: FieldShape, value: unknown, direction: Direction): unknown {
  if (value === null || value === undefined || !needsCodec(shape)) return value;
  switch (shape.kind) {
    case 'date':
      if (direction === 'encode') return value instanceof Date ? value.toISOString() : value;
      return typeof value === 'string' ? new Date(value) : value;
    case 'list':
      return Array.isArray(value) && shape.element ? value.map((element) => walk(shape.element ?? shape, element, direction)) : value;
    case 'map':
      return isRecord(value) ? walkObject(shape.properties ?? {}, value, direction) : value;
    case 'record': {
      const { valueShape } = shape;
      if (!isRecord(value) || !valueShape) return value;
      return walkObject(Object.fromEntries(Object.keys(value).map((key) => [key, valueShape])), value, direction);
    }
    default:
      return value;
  }
}

function walkObject(fields: Record<string, FieldShape>, item: Record<string, unknown>, direction: Direction): Record<string, unknown> {
  const out: Record<string, unknown> = Object.assign({}, item);
  for (const [key, shape] of Object.entries(fields)) {
    if (!needsCodec(shape)) continue;
    if (isSet(shape)) {
      // DynamoDB cannot store an empty set: it is left out, and an absent set reads back empty.
      const set = out[key];
      if (direction === 'encode' && set instanceof Set && set.size === 0) delete out[key];
      else if (direction === 'decode' && out[key] === undefined) out[key] = new Set();
      continue;
    }
    if (key in out) out[key] = walk(shape, out[key], direction);
  }
  return out;
}

/**
 * Dates are stored as ISO-8601 strings (sortable, readable in the console) and come back as
 * Date objects, so that `z.date()` fields round-trip; empty sets, which DynamoDB cannot store,
 * are left out and come back as empty sets.
 */
export function createDateCodec(fields: Record<string, FieldShape>) {
  const coded = Object.fromEntries(Object.entries(fields).filter(([, shape]) => needsCodec(shape)));
  const active = Object.keys(coded).length > 0;
  return {
    encode: (item: Record<string, unknown>) => (active ? walkObject(coded, item, 'encode') : item),
    decode: (item: Record<string, unknown>) => (active ? walkObject(coded, item, 'decode') : item),
  };
}
