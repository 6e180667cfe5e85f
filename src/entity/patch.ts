import type { z } from 'zod';
import { RepositoryError, type ValidationIssue } from '../errors/index.ts';
import { and, or, type Condition, type UpdateAction } from '../expression/index.ts';
import type { Guard } from './operations.ts';
import type { EntityModel } from './model.ts';

type Item = Record<string, unknown>;

const operationNames = ['set', 'add', 'append', 'prepend', 'remove', 'delete', 'ifNotExists'] as const;
type OperationName = (typeof operationNames)[number];
const MANAGED_FIELDS: ReadonlySet<string> = new Set(['createdAt', 'updatedAt', 'version']);

/** What a patch does, before guards: the actions, the values it sets, and what it touches. */
export interface PatchPlan {
  readonly actions: UpdateAction[];
  /** Encoded values of `set` (for key rebuilding and unique claims). */
  readonly setValues: Item;
  /** Attributes removed. */
  readonly removed: ReadonlySet<string>;
  /** Guards that keep numbers and lists within their schema's bounds. */
  readonly boundGuards: Guard[];
  /** Unique attributes whose value this patch sets or removes. */
  readonly uniqueTouched: readonly string[];
}

type ZodDef = {
  type: string;
  format?: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  checks?: { _zod: { def: Record<string, unknown> } }[];
};
const defOf = (schema: unknown): ZodDef => (schema as { _zod: { def: ZodDef } })._zod.def;

/** The schema under optional / default / nullable wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (!def.innerType || !['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional', 'catch'].includes(def.type)) return current;
    current = def.innerType;
  }
}

const checksOf = (schema: z.ZodType) => (defOf(schema).checks ?? []).map((check) => check._zod.def);

const isPlainObject = (value: unknown): value is Item =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Set) && !(value instanceof Date);

/**
 * Turns `{ set, add, append, prepend, remove, delete, ifNotExists }` into UpdateItem actions,
 * validating every touched attribute against its schema first. Keys of the item cannot be
 * patched; a secondary index key whose composites change is rebuilt (all of its composites must
 * then be known); a removed composite takes the item out of that sparse index.
 */
export function planPatch(model: EntityModel, idValues: Item, patch: unknown, id: unknown): PatchPlan {
  const { definition } = model;
  const name = definition.name;
  if (!isPlainObject(patch))
    throw RepositoryError.validation(name, [{ path: [], message: 'a patch is an object like { set, add, append, prepend, remove, delete, ifNotExists }' }], id);
  const issues: ValidationIssue[] = [];
  const unknownOperations = Object.keys(patch).filter((key) => !operationNames.some((name) => name === key));
  for (const key of unknownOperations) issues.push({ path: [key], message: `unknown patch operation (use ${operationNames.join(', ')})` });
  const touched = new Map<string, OperationName>();
  const entries: [OperationName, string, unknown][] = [];
  for (const operation of operationNames) {
    const spec = patch[operation];
    if (spec === undefined) continue;
    if (operation === 'remove') {
      if (!Array.isArray(spec)) issues.push({ path: [operation], message: 'remove takes an array of attribute names' });
      else for (const field of spec) entries.push([operation, String(field), undefined]);
      continue;
    }
    if (!isPlainObject(spec)) {
      issues.push({ path: [operation], message: `${operation} takes an object of attribute values` });
      continue;
    }
    for (const [field, value] of Object.entries(spec)) if (value !== undefined) entries.push([operation, field, value]);
  }
  for (const [operation, field] of entries) {
    const at = [operation, field];
    if (!Object.hasOwn(definition.fields, field)) issues.push({ path: at, message: `'${field}' is not an attribute of ${name}` });
    else if (MANAGED_FIELDS.has(field)) issues.push({ path: at, message: `'${field}' is managed by tablekit` });
    else if (definition.idFields.includes(field)) issues.push({ path: at, message: `'${field}' is part of the id and cannot be patched` });
    else if (definition.readOnlyFields.includes(field)) issues.push({ path: at, message: `'${field}' is read-only: it is set when the item is created` });
    else if (touched.has(field)) issues.push({ path: at, message: `'${field}' is touched by both ${touched.get(field)} and ${operation}` });
    touched.set(field, operation);
  }
  if (entries.length === 0 && unknownOperations.length === 0) issues.push({ path: [], message: 'the patch changes nothing' });
  if (issues.length > 0) throw RepositoryError.validation(name, issues, id);

  const actions: UpdateAction[] = [];
  const setValues: Item = {};
  const removed = new Set<string>();
  const boundGuards: Guard[] = [];
  const fieldIssue = (field: string, message: string) => RepositoryError.validation(name, [{ path: [field], message }], id);
  for (const [operation, field, value] of entries) {
    const shape = definition.fields[field];
    const schema = unwrap(definition.itemSchema.shape[field] as z.ZodType);
    switch (operation) {
      case 'set':
      case 'ifNotExists': {
        const encoded = definition.toStoredField(field, value, id);
        if (encoded === undefined) {
          if (operation === 'set') {
            removed.add(field);
            actions.push({ kind: 'remove', name: field });
          }
        } else {
          if (operation === 'set') setValues[field] = encoded;
          actions.push({ kind: operation === 'set' ? 'set' : 'setIfNotExists', name: field, value: encoded });
        }
        break;
      }
      case 'remove':
        if (!shape?.optional) throw fieldIssue(field, 'is required and cannot be removed');
        removed.add(field);
        actions.push({ kind: 'remove', name: field });
        break;
      case 'add':
        if (shape?.kind === 'number') {
          if (typeof value !== 'number' || !Number.isFinite(value)) throw fieldIssue(field, 'add takes a finite number');
          const checks = checksOf(schema);
          // z.int() carries its format on the schema itself; z.number().int() as a check.
          const integer = [defOf(schema).format, ...checks.map((check) => check.format)].some(
            (format) => format === 'safeint' || format === 'int32' || format === 'uint32',
          );
          if (integer && !Number.isInteger(value)) throw fieldIssue(field, 'is an integer: add an integer');
          if (Math.abs(value) > Number.MAX_SAFE_INTEGER) throw fieldIssue(field, `add takes a number within ±${Number.MAX_SAFE_INTEGER}`);
          const guard = numberBoundsGuard(field, value, checks, name, id);
          if (guard) boundGuards.push(guard);
          actions.push({ kind: 'add', name: field, value });
        } else if (shape?.kind === 'stringSet' || shape?.kind === 'numberSet') {
          const encoded = setMembers(definition.toStoredField(field, value, id), field, fieldIssue);
          actions.push({ kind: 'addToSet', name: field, values: encoded });
        } else throw fieldIssue(field, 'add works on numbers and sets');
        break;
      case 'delete': {
        if (shape?.kind !== 'stringSet' && shape?.kind !== 'numberSet') throw fieldIssue(field, 'delete removes members of a set');
        actions.push({ kind: 'deleteFromSet', name: field, values: setMembers(definition.toStoredField(field, value, id), field, fieldIssue) });
        break;
      }
      case 'append':
      case 'prepend': {
        if (shape?.kind !== 'list') throw fieldIssue(field, `${operation} works on lists`);
        if (!Array.isArray(value) || value.length === 0) throw fieldIssue(field, `${operation} takes a non-empty array`);
        // Elements are validated as part of a list of this schema (element rules, dates encoded).
        const encoded = definition.toStoredField(field, value, id);
        if (!Array.isArray(encoded)) throw fieldIssue(field, `${operation} takes a non-empty array`);
        const maximum = checksOf(schema).find((check) => check.check === 'max_length')?.maximum;
        if (typeof maximum === 'number') {
          if (value.length > maximum) throw fieldIssue(field, `at most ${maximum} elements`);
          boundGuards.push({
            condition: or({ kind: 'notExists', name: field }, { kind: 'size', name: field, op: '<=', value: maximum - value.length }),
            error: () => fieldIssue(field, `at most ${maximum} elements: ${operation} of ${value.length} would exceed it`),
          });
        }
        actions.push({ kind: operation, name: field, values: encoded });
        break;
      }
    }
  }

  rebuildIndexKeys(model, idValues, touched, setValues, removed, actions, id);
  const uniqueTouched = definition.uniqueFields.map((unique) => unique.field).filter((field) => touched.has(field));
  return { actions, setValues, removed, boundGuards, uniqueTouched };
}

function setMembers(encoded: unknown, field: string, fieldIssue: (field: string, message: string) => RepositoryError): ReadonlySet<string | number> {
  if (!(encoded instanceof Set) || encoded.size === 0) throw fieldIssue(field, 'takes a non-empty Set');
  return new Set([...encoded].filter((member): member is string | number => typeof member === 'string' || typeof member === 'number'));
}

/**
 * `current + delta` must stay within the schema's bounds: `current >= min - delta` etc.; a missing
 * number counts as 0. A bound the add moves away from (a minimum when adding a positive amount)
 * holds already for the stored value, which was validated when written: it is not sent.
 */
function numberBoundsGuard(field: string, delta: number, checks: Record<string, unknown>[], entity: string, id: unknown): Guard | undefined {
  const parts: Condition[] = [];
  let missingOk = true;
  for (const check of checks) {
    if (check.check !== 'greater_than' && check.check !== 'less_than') continue;
    const bound = Number(check.value);
    const inclusive = check.inclusive === true;
    const lower = check.check === 'greater_than';
    const limit = bound - delta;
    const holdsForZero = lower ? (inclusive ? delta >= bound : delta > bound) : inclusive ? delta <= bound : delta < bound;
    const movesAway = lower ? delta >= 0 : delta <= 0;
    if (movesAway && holdsForZero) continue;
    parts.push({ kind: 'compare', name: field, op: lower ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<', value: limit });
    if (!holdsForZero) missingOk = false;
  }
  const [first, ...rest] = parts;
  if (!first) return undefined;
  const within = and(first, ...rest);
  return {
    condition: missingOk ? or({ kind: 'notExists', name: field }, within) : within,
    error: (stored) =>
      RepositoryError.validation(
        entity,
        [{ path: [field], message: `adding ${delta} to ${JSON.stringify(stored?.[field] ?? 0)} leaves the bounds of its schema` }],
        id,
      ),
  };
}

/** Secondary index keys follow their composites, part by part: rebuilt when set, removed when one is removed. */
function rebuildIndexKeys(
  model: EntityModel,
  idValues: Item,
  touched: ReadonlyMap<string, OperationName>,
  setValues: Item,
  removed: ReadonlySet<string>,
  actions: UpdateAction[],
  id: unknown,
): void {
  const name = model.name;
  // Most patches touch no key attribute: nothing to rebuild.
  if (!model.definition.keyFields.some((field) => touched.has(field))) return;
  const values = Object.assign({}, idValues, setValues);
  for (const pattern of model.keys.patterns.values()) {
    if (pattern.index === 'primary') continue;
    for (const part of [pattern.pk, pattern.sk]) {
      if (!part) continue;
      const composites = part.composites.map((composite) => composite.name);
      const changed = composites.filter((composite) => touched.has(composite));
      if (changed.length === 0) continue;
      for (const composite of changed) {
        const operation = touched.get(composite);
        if (operation !== 'set' && operation !== 'remove') {
          throw RepositoryError.validation(
            name,
            [{ path: [composite], message: `is part of the key of access pattern '${pattern.pattern}': use set (the key is rebuilt from the new value)` }],
            id,
          );
        }
      }
      if (changed.some((composite) => removed.has(composite))) {
        actions.push({ kind: 'remove', name: part.field });
        continue;
      }
      const missing = composites.filter((composite) => values[composite] === undefined);
      if (missing.length > 0) {
        throw RepositoryError.validation(
          name,
          missing.map((composite) => ({
            path: [composite],
            message: `needed to rebuild the key of access pattern '${pattern.pattern}' (it changes with ${changed.join(', ')}): set it too`,
          })),
          id,
        );
      }
      model.keys.check(values, changed, id);
      const key = model.keys.required(part, values);
      const tooLong = model.keys.keyLengthIssues({ [part.field]: key });
      if (tooLong.length > 0) throw RepositoryError.validation(name, tooLong, id);
      actions.push({ kind: 'set', name: part.field, value: key });
    }
  }
}
