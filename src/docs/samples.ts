import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { EntityDefinition } from '../schema/index.ts';

type Item = Record<string, unknown>;
const numberOrUndefined = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
/** Any zod schema, classic or core (`z.core.$ZodType`): element and inner schemas are typed as the latter. */
type Schema = z.core.$ZodType;
const valid = (schema: Schema, value: unknown) => z.safeParse(schema, value).success;
const first = (schema: Schema, candidates: readonly unknown[]) => candidates.find((candidate) => valid(schema, candidate));

/** A fixed date, so generated samples (and the documents built from them) are deterministic. */
const SAMPLE_DATE = '2026-01-01T00:00:00.000Z';
/** Epoch seconds of 2100-01-01: a sample TTL that does not expire. */
const SAMPLE_TTL = 4102444800;

/** A valid version-4 UUID derived from the field name: the same field gets the same id in every entity (so samples share partitions). */
function uuidFor(field: string): string {
  const hex = createHash('sha256').update(field).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const formatSamples: Record<string, (field: string) => string> = {
  uuid: uuidFor,
  guid: uuidFor,
  email: () => 'ada@example.com',
  url: () => 'https://example.com/',
  emoji: () => '🙂',
  nanoid: () => 'V1StGXR8_Z5jdHi6B-myT',
  cuid: () => 'cjld2cjxh0000qzrmn831i7rn',
  cuid2: () => 'tz4a98xxat96iws9zmbrgj3a',
  ulid: () => '01ARZ3NDEKTSV4RRFFQ69G5FAV',
  xid: () => '9m4e2mr0ui3e8a215n4g',
  ksuid: () => '0ujtsYcgvSTl8PAuAdqWYSMnLOv',
  datetime: () => SAMPLE_DATE,
  date: () => SAMPLE_DATE.slice(0, 10),
  time: () => '12:00:00',
  duration: () => 'P1D',
  ipv4: () => '192.0.2.1',
  ipv6: () => '2001:db8::1',
  cidrv4: () => '192.0.2.0/24',
  cidrv6: () => '2001:db8::/32',
  base64: () => 'dGFibGVraXQ=',
  base64url: () => 'dGFibGVraXQ',
  e164: () => '+14155550100',
  hex: () => 'c0ffee',
  lowercase: (field) => field.toLowerCase(),
  uppercase: (field) => field.toUpperCase(),
};

/** A readable value from the field's name when the schema says nothing more. */
function namedSample(field: string): string {
  if (/email/i.test(field)) return 'ada@example.com';
  if (/first.?name/i.test(field)) return 'Ada';
  if (/last.?name|surname/i.test(field)) return 'Lovelace';
  if (/(at|date|time)$/i.test(field)) return SAMPLE_DATE;
  if (/url|link/i.test(field)) return 'https://example.com/';
  if (/^(full)?name$/i.test(field)) return 'Ada Lovelace';
  if (/title|subject/i.test(field)) return `A sample ${field}`;
  return `${field}-1`;
}

type StringSchema = z.ZodString | z.ZodStringFormat;
/** What a string check says about the value (format checks carry a prefix, suffix or substring). */
type CheckDef = { check?: string; format?: string; prefix?: string; suffix?: string; includes?: string };

function stringSample(schema: StringSchema, field: string): unknown {
  const checks: CheckDef[] = (schema.def.checks ?? []).map((check) => check._zod.def);
  const formats = [schema.format, ...checks.filter((check) => check.check === 'string_format').map((check) => check.format)].filter(
    (format): format is string => typeof format === 'string',
  );
  const prefix = checks.find((check) => check.format === 'starts_with')?.prefix;
  const suffix = checks.find((check) => check.format === 'ends_with')?.suffix;
  const includes = checks.find((check) => check.format === 'includes')?.includes;
  const adjust = (text: string) => {
    let value = `${prefix !== undefined && !text.startsWith(prefix) ? prefix : ''}${text}${includes !== undefined && !text.includes(includes) ? includes : ''}`;
    if (suffix !== undefined && !value.endsWith(suffix)) value += suffix;
    const min = schema.minLength ?? 0;
    if (value.length < min) value = value.padEnd(min, 'x');
    const max = schema.maxLength ?? Number.POSITIVE_INFINITY;
    return value.length > max ? value.slice(0, max) : value;
  };
  const candidates = [
    ...formats.flatMap((format) => (formatSamples[format] ? [formatSamples[format](field)] : [])),
    namedSample(field),
    `${field}-1`,
    uuidFor(field),
    'a',
  ];
  return first(schema, [...candidates.map(adjust), ...candidates]) ?? adjust(candidates[0] ?? 'a');
}

function numberSample(schema: z.ZodNumber): unknown {
  const low = numberOrUndefined(schema.minValue);
  const high = numberOrUndefined(schema.maxValue);
  const candidates = [1, low, high, low !== undefined && high !== undefined ? (low + high) / 2 : undefined, 0, 10, 42]
    .flatMap((value) => (value === undefined ? [] : [value, Math.ceil(value), Math.floor(value), value + 1, value - 1, value + 0.5, value - 0.5]))
    .filter((value) => !schema.isInt || Number.isInteger(value));
  return first(schema, candidates) ?? low ?? 1;
}

/** Wrappers whose inner schema says what the value is. */
const wrappers = [z.ZodOptional, z.ZodNullable, z.ZodDefault, z.ZodPrefault, z.ZodCatch, z.ZodReadonly, z.ZodNonOptional] as const;
const innerOf = (schema: Schema): Schema | undefined => {
  for (const wrapper of wrappers) if (schema instanceof wrapper) return schema.def.innerType;
  return undefined;
};

/**
 * A value the schema accepts, for examples, tours and sample data: string formats (uuid,
 * email, url, ISO dates, …), lengths, number bounds, enums, dates, nested objects, lists,
 * records and sets. Optional values are filled in too (samples show every attribute and land
 * in sparse indexes). Undefined when nothing sensible fits (e.g. `z.unknown()`).
 * (zod 4's `instanceof` checks a schema's traits, so it also holds for a user's copy of zod.)
 */
export function sampleValue(schema: Schema, field: string): unknown {
  const inner = innerOf(schema);
  if (inner) return sampleValue(inner, field);
  if (schema instanceof z.ZodString || schema instanceof z.ZodStringFormat) return stringSample(schema, field);
  if (schema instanceof z.ZodNumber) return numberSample(schema);
  if (schema instanceof z.ZodBoolean) return true;
  if (schema instanceof z.ZodDate) return first(schema, [new Date(SAMPLE_DATE), schema.minDate, schema.maxDate]) ?? new Date(SAMPLE_DATE);
  if (schema instanceof z.ZodEnum) return schema.options[0];
  if (schema instanceof z.ZodLiteral) return [...schema.values][0];
  if (schema instanceof z.ZodNull) return null;
  if (schema instanceof z.ZodArray) {
    const element = sampleValue(schema.element, field);
    return first(schema, [[element], [element, element], []]) ?? [element];
  }
  if (schema instanceof z.ZodSet) {
    const element = sampleValue(schema.def.valueType, field);
    return first(schema, [new Set([element]), new Set()]) ?? new Set([element]);
  }
  if (schema instanceof z.ZodTuple) return schema.def.items.map((item, index) => sampleValue(item, `${field}${index}`));
  if (schema instanceof z.ZodObject) {
    const value: Item = {};
    for (const [key, property] of Object.entries(schema.shape)) {
      const sample = sampleValue(property, key);
      if (sample !== undefined) value[key] = sample;
    }
    return value;
  }
  if (schema instanceof z.ZodRecord) {
    const key = sampleValue(schema.keyType, 'key');
    const value = sampleValue(schema.valueType, field);
    return first(schema, [{ [String(key)]: value }, {}]) ?? {};
  }
  if (schema instanceof z.ZodUnion)
    return first(
      schema,
      schema.options.map((option) => sampleValue(option, field)),
    );
  // Binary is the one custom schema an entity may hold (z.instanceof(Uint8Array)).
  if (schema instanceof z.ZodCustom) return new Uint8Array([116, 97, 98, 108, 101]);
  return undefined;
}

export interface GeneratedSample {
  item: Item;
  /** Fields the generated item still gets wrong (a regex no generator can satisfy, say): declare an `example` then. */
  problems: { path: string; message: string }[];
}

/** A valid item for an entity without an `example`, generated from its zod schema (managed fields left out). */
export function generateSample(entity: EntityDefinition): GeneratedSample {
  const item: Item = {};
  for (const [field, schema] of Object.entries(entity.schema.shape)) {
    const value = field === entity.ttl && valid(schema, SAMPLE_TTL) ? SAMPLE_TTL : sampleValue(schema, field);
    if (value !== undefined) item[field] = value;
  }
  const result = entity.schema.safeParse(item);
  const problems = result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(item)', message: issue.message }));
  return { item, problems };
}
