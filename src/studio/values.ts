import type { ValidationIssue } from '../errors/index.ts';
import type { EntityDefinition, FieldShape } from '../schema/index.ts';
import type { EntityInfo, Item } from './catalog.ts';
import { toJson } from './html.ts';

/** Kinds edited as JSON text (sets as JSON arrays). */
const jsonKinds: ReadonlySet<FieldShape['kind']> = new Set(['list', 'map', 'record', 'any', 'stringSet', 'numberSet']);
export const isJsonKind = (shape: FieldShape): boolean => jsonKinds.has(shape.kind);

/** Fields tablekit sets itself: shown, never edited. */
export function managedFields(entity: EntityDefinition): string[] {
  return [...(entity.timestamps ? ['createdAt', 'updatedAt'] : []), ...(entity.versioned ? ['version'] : [])];
}

/**
 * A value typed in a form or URL, as the field's kind expects it. Text that does not parse stays
 * text, so that the entity API's own validation reports it next to the field.
 */
export function parseScalar(shape: FieldShape | undefined, text: string): unknown {
  switch (shape?.kind) {
    case 'number': {
      const number = Number(text);
      return text.trim() !== '' && Number.isFinite(number) ? number : text;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'date': {
      const time = Date.parse(text);
      return Number.isNaN(time) ? text : new Date(time);
    }
    default:
      return text;
  }
}

type Parsed = { value?: unknown; issue?: string };

/** One form field: empty means absent (null for a nullable field), JSON kinds are parsed, binary is base64. */
export function parseField(shape: FieldShape, text: string | undefined): Parsed {
  if (text === undefined) return {};
  if (text.trim() === '' && (shape.kind !== 'string' || shape.optional)) return shape.nullable && !shape.optional ? { value: null } : {};
  if (isJsonKind(shape)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { issue: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
    }
    if (shape.kind !== 'stringSet' && shape.kind !== 'numberSet') return { value };
    return Array.isArray(value) ? { value: new Set(value) } : { issue: 'a set is written as a JSON array' };
  }
  if (shape.kind === 'binary') {
    const base64 = text.trim();
    return /^[A-Za-z0-9+/]*={0,2}$/.test(base64) ? { value: new Uint8Array(Buffer.from(base64, 'base64')) } : { issue: 'expected base64' };
  }
  return { value: parseScalar(shape, text) };
}

/** The item a form describes (managed fields left out), and the problems found before the entity API sees it. */
export function parseItemForm(entity: EntityDefinition, form: Readonly<Record<string, string>>): { item: Item; issues: ValidationIssue[] } {
  const managed = managedFields(entity);
  const item: Item = {};
  const issues: ValidationIssue[] = [];
  for (const [field, shape] of Object.entries(entity.fields)) {
    if (managed.includes(field)) continue;
    const parsed = parseField(shape, form[`f.${field}`]);
    if (parsed.issue) issues.push({ path: [field], message: parsed.issue });
    else if (parsed.value !== undefined) item[field] = parsed.value;
  }
  return { item, issues };
}

/** A value as a form shows it. */
export function formatField(shape: FieldShape | undefined, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (shape && isJsonKind(shape)) return toJson(value);
  return typeof value === 'object' ? toJson(value) : String(value);
}

/** The id of an item named by URL parameters (one per id attribute), in the entity API's id form. */
export function idFromParams(entity: EntityDefinition, param: (name: string) => string | undefined): unknown {
  const values: Item = {};
  for (const field of entity.idFields) {
    const text = param(field);
    if (text !== undefined) values[field] = parseScalar(entity.fields[field], text);
  }
  const [only, ...more] = entity.idFields;
  return only !== undefined && more.length === 0 ? values[only] : values;
}

/** URL parameters naming an item by its id attributes. */
export function idParams(entity: EntityDefinition, item: Item): string {
  const params = new URLSearchParams();
  for (const field of entity.idFields) params.set(field, formatField(entity.fields[field], item[field]));
  return params.toString();
}

/** An index as people call it: the table's own key, or the GSI's name. */
export const indexLabel = (index: string) => (index === 'primary' ? 'table' : index);

export const entityPath = (entity: string) => `/entities/${encodeURIComponent(entity)}`;
export const itemPath = (info: EntityInfo, item: Item) => `${entityPath(info.name)}/item?${idParams(info.definition, item)}`;
export const patternPath = (entity: string, pattern: string) => `${entityPath(entity)}/patterns/${encodeURIComponent(pattern)}`;

/** A pattern's query key for an item: its pk composites and sk composites (to find it again through the pattern). */
export function patternParams(info: EntityInfo, pattern: { pkFields: readonly string[]; skFields: readonly string[] }, item: Item): string {
  const params = new URLSearchParams();
  for (const field of [...pattern.pkFields, ...pattern.skFields]) {
    if (item[field] !== undefined) params.set(field, formatField(info.definition.fields[field], item[field]));
  }
  params.set('run', '1');
  return params.toString();
}

/** Validation issues grouped by their top-level field ('' for the item as a whole). */
export function issuesByField(issues: readonly ValidationIssue[]): Map<string, string[]> {
  const byField = new Map<string, string[]>();
  for (const issue of issues) {
    const [field, ...rest] = issue.path;
    const key = typeof field === 'string' ? field : '';
    const where = rest.length > 0 ? `${rest.join('.')}: ` : '';
    byField.set(key, [...(byField.get(key) ?? []), `${where}${issue.message}`]);
  }
  return byField;
}
