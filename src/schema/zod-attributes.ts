import type { z } from 'zod';

/** The ElectroDB attribute definition we derive from one zod field. */
export type ElectroAttribute = Record<string, unknown> & { type: string | readonly string[] };

/** How a field is stored; drives ElectroDB attributes, key checks and date encoding. */
export interface FieldShape {
  kind: 'string' | 'number' | 'boolean' | 'enum' | 'date' | 'list' | 'map' | 'record' | 'stringSet' | 'numberSet' | 'binary' | 'any';
  optional: boolean;
  nullable: boolean;
  /** Enum members for `enum`. */
  values?: readonly string[];
  /** Element shape for `list`. */
  element?: FieldShape;
  /** Property shapes for `map`. */
  properties?: Record<string, FieldShape>;
  /** Value shape for `record`. */
  valueShape?: FieldShape;
  /** True when a Date is stored somewhere inside (needs encode/decode). */
  containsDate: boolean;
  /** True when a Set is stored somewhere inside (DynamoDB cannot hold empty sets: encode/decode). */
  containsSet?: boolean;
}

export class SchemaDefinitionError extends Error {
  override readonly name = 'SchemaDefinitionError';
}

/** zod's own union of its schema types: switching on `def.type` narrows `def` to that type's definition. */
const defOf = (schema: z.core.$ZodType) => (schema as z.core.$ZodTypes)._zod.def;

const unsupportedReasons: Record<string, string> = {
  pipe: 'transforms and pipes cannot be stored and read back; store the input type and transform after reading',
  transform: 'transforms cannot be stored and read back; store the input type and transform after reading',
  bigint: 'bigint loses precision through the DocumentClient; use a number or a string',
  symbol: 'symbols cannot be stored',
  function: 'functions cannot be stored',
  promise: 'promises cannot be stored',
  map: 'Map cannot be stored; use z.record()',
  undefined: 'undefined cannot be stored; use .optional()',
  void: 'void cannot be stored',
  never: 'never cannot be stored',
  nan: 'NaN cannot be stored',
  lazy: 'recursive (lazy) schemas are not supported',
  custom: 'custom schemas cannot be mapped to DynamoDB types (binary: z.instanceof(Uint8Array))',
  intersection: 'intersections are not supported; merge the objects with .extend()',
  file: 'files cannot be stored',
  template_literal: 'template literals are not supported; use z.string().regex()',
};

/** Reads one zod field into a FieldShape, failing with the field's path when it cannot be stored. */
export function shapeOf(schema: z.core.$ZodType, path: string): FieldShape {
  const def = defOf(schema);
  const base = { optional: false, nullable: false, containsDate: false };
  switch (def.type) {
    case 'string':
      return { ...base, kind: 'string' };
    case 'number':
      return { ...base, kind: 'number' };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'date':
      return { ...base, kind: 'date', containsDate: true };
    case 'enum': {
      const values = Object.values(def.entries);
      const strings = values.filter((value): value is string => typeof value === 'string');
      if (strings.length === values.length) return { ...base, kind: 'enum', values: strings };
      return { ...base, kind: 'any' };
    }
    case 'literal': {
      const values: unknown[] = [...def.values];
      const strings = values.filter((value): value is string => typeof value === 'string');
      if (strings.length === values.length) return { ...base, kind: 'enum', values: strings };
      if (values.every((value) => typeof value === 'number')) return { ...base, kind: 'number' };
      if (values.every((value) => typeof value === 'boolean')) return { ...base, kind: 'boolean' };
      return { ...base, kind: 'any' };
    }
    case 'optional':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional': {
      const inner = shapeOf(def.innerType, path);
      const optional = def.type === 'nonoptional' ? false : def.type === 'readonly' ? inner.optional : true;
      return { ...inner, optional };
    }
    case 'nullable':
      return { ...shapeOf(def.innerType, path), nullable: true };
    case 'array': {
      const element = shapeOf(def.element, `${path}[]`);
      return { ...base, kind: 'list', element, containsDate: element.containsDate, containsSet: element.containsSet ?? false };
    }
    case 'tuple': {
      const items = def.items.map((item, index) => shapeOf(item, `${path}[${index}]`));
      if (items.some((item) => item.containsDate || item.containsSet))
        throw new SchemaDefinitionError(`Field '${path}': dates and sets inside tuples are not supported`);
      return { ...base, kind: 'any' };
    }
    case 'object': {
      const properties: Record<string, FieldShape> = {};
      for (const [key, value] of Object.entries(def.shape)) {
        properties[key] = shapeOf(value, `${path}.${key}`);
      }
      const containsDate = Object.values(properties).some((property) => property.containsDate);
      const containsSet = Object.values(properties).some((property) => property.containsSet);
      return { ...base, kind: 'map', properties, containsDate, containsSet };
    }
    case 'record': {
      const keyKind = defOf(def.keyType).type;
      if (keyKind !== 'string' && keyKind !== 'enum' && keyKind !== 'literal') {
        throw new SchemaDefinitionError(`Field '${path}': record keys must be strings`);
      }
      const valueShape = shapeOf(def.valueType, `${path}{}`);
      return { ...base, kind: 'record', valueShape, containsDate: valueShape.containsDate, containsSet: valueShape.containsSet ?? false };
    }
    case 'union': {
      const options = def.options.map((option) => shapeOf(option, path));
      if (options.every((option) => option.kind === 'enum' && !option.optional && !option.nullable)) {
        return { ...base, kind: 'enum', values: options.flatMap((option) => option.values ?? []) };
      }
      if (options.some((option) => option.containsDate || option.containsSet)) {
        throw new SchemaDefinitionError(`Field '${path}': dates and sets inside unions are not supported; use an ISO string or an array`);
      }
      return { ...base, kind: 'any', optional: options.some((option) => option.optional), nullable: options.some((option) => option.nullable) };
    }
    case 'set': {
      // DynamoDB string and number sets; sets of anything else have no DynamoDB type.
      const element = shapeOf(def.valueType, `${path}{}`);
      if ((element.kind === 'string' || element.kind === 'enum') && !element.optional && !element.nullable)
        return { ...base, kind: 'stringSet', containsSet: true };
      if (element.kind === 'number' && !element.optional && !element.nullable) return { ...base, kind: 'numberSet', containsSet: true };
      throw new SchemaDefinitionError(`Field '${path}': sets hold strings or numbers (DynamoDB string and number sets)`);
    }
    case 'custom': {
      if (schema._zod.bag.Class === Uint8Array) return { ...base, kind: 'binary' };
      throw new SchemaDefinitionError(`Field '${path}': ${unsupportedReasons.custom}`);
    }
    case 'any':
    case 'unknown':
      return { ...base, kind: 'any', optional: true };
    case 'null':
      return { ...base, kind: 'any', nullable: true };
    default: {
      const reason = unsupportedReasons[def.type] ?? `zod type '${def.type}' is not supported`;
      throw new SchemaDefinitionError(`Field '${path}': ${reason}`);
    }
  }
}

/** The ElectroDB attribute for a field shape (top level or nested). */
export function electroAttributeOf(shape: FieldShape): ElectroAttribute {
  const required = !shape.optional && !shape.nullable;
  if (shape.nullable) return { type: 'any', required: false };
  switch (shape.kind) {
    case 'string':
    case 'date':
      return { type: 'string', required };
    case 'number':
      return { type: 'number', required };
    case 'boolean':
      return { type: 'boolean', required };
    case 'enum':
      return { type: shape.values ?? [], required };
    case 'list': {
      const element = shape.element;
      if (!element || element.nullable || !['string', 'number', 'boolean', 'enum', 'date', 'map', 'list'].includes(element.kind))
        return { type: 'list', items: { type: 'any' }, required };
      return { type: 'list', items: electroAttributeOf(element), required };
    }
    case 'stringSet':
      return { type: 'set', items: 'string', required };
    case 'numberSet':
      return { type: 'set', items: 'number', required };
    case 'map': {
      const properties: Record<string, ElectroAttribute> = {};
      for (const [key, property] of Object.entries(shape.properties ?? {})) properties[key] = electroAttributeOf(property);
      return { type: 'map', properties, required };
    }
    default:
      return { type: 'any', required };
  }
}
