import { RepositoryError } from '../errors/index.ts';
import { or, type Condition, type UpdateAction } from '../expression/index.ts';
import type { RawItem } from '../storage/index.ts';
import type { EntityModel } from './model.ts';
import { MovedError, type Guard } from './operations.ts';

type Item = Record<string, unknown>;

/** What a replacing write may assume about the stored item. */
export type Expectation =
  /** Nothing: insert or replace whatever is there (save without a version). */
  | { readonly kind: 'any' }
  /** The stored item is at this version (save with a version, update of a versioned entity). */
  | { readonly kind: 'version'; readonly version: number }
  /** The stored item is exactly this one (update of an unversioned entity: any concurrent change is detected). */
  | { readonly kind: 'snapshot'; readonly raw: RawItem };

const conflict = (model: EntityModel, id: unknown, detail: string) =>
  new RepositoryError('conflict', `${model.name} ${JSON.stringify(id)} ${detail}`, { id, entity: model.name });

/**
 * A whole-item write as ONE UpdateItem: every attribute set, absent optional attributes removed,
 * `createdAt` kept with if_not_exists (no read), the version moved, hidden and read-only
 * attributes the caller left out kept as stored.
 */
export function replaceActions(model: EntityModel, stored: Item, raw: RawItem, expectation: Expectation): UpdateAction[] {
  const { definition } = model;
  const primary = new Set([model.keys.primary.pk.field, ...(model.keys.primary.sk ? [model.keys.primary.sk.field] : [])]);
  const actions: UpdateAction[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (primary.has(name) || value === undefined) continue;
    if (name === 'createdAt' && definition.timestamps) actions.push({ kind: 'setIfNotExists', name, value });
    else if (name === 'version' && definition.versioned) {
      if (expectation.kind === 'any') actions.push({ kind: 'add', name, value: 1 });
      else actions.push({ kind: 'set', name, value });
    } else actions.push({ kind: 'set', name, value });
  }
  // Attributes this write does not carry are removed, except those a read never returns (hidden) or may not change (read-only).
  const keep = new Set([...definition.hiddenFields, ...definition.readOnlyFields]);
  for (const name of Object.keys(definition.fields)) {
    if (stored[name] === undefined && !keep.has(name)) actions.push({ kind: 'remove', name });
  }
  // A sparse secondary index the item no longer belongs to loses its keys.
  for (const pattern of model.keys.patterns.values()) {
    if (pattern.index === 'primary') continue;
    for (const field of [pattern.pk.field, pattern.sk?.field]) if (field && raw[field] === undefined) actions.push({ kind: 'remove', name: field });
  }
  return dedupe(actions);
}

function dedupe(actions: UpdateAction[]): UpdateAction[] {
  const seen = new Set<string>();
  return actions.filter((action) => {
    if (seen.has(action.name)) return false;
    seen.add(action.name);
    return true;
  });
}

/** The guards of a replacing write: the expectation, and read-only attributes unchanged on an existing item. */
export function replaceGuards(model: EntityModel, stored: Item, id: unknown, expectation: Expectation, retryable = false): Guard[] {
  const moved = (current: RawItem | undefined, detail: string) =>
    retryable
      ? new MovedError(model.name, id, current ? detail : 'was deleted concurrently')
      : conflict(model, id, current ? detail : 'was deleted concurrently');
  const { definition } = model;
  const pkField = model.keys.primary.pk.field;
  const guards: Guard[] = [];
  if (expectation.kind === 'version') {
    guards.push({
      condition: { kind: 'compare', name: 'version', op: '=', value: expectation.version },
      error: (current) => moved(current, `is at version ${String(current?.version)}, not ${expectation.version}`),
    });
  } else if (expectation.kind === 'snapshot') {
    guards.push({ condition: snapshotCondition(model, expectation.raw), error: (current) => moved(current, 'was changed concurrently') });
  }
  const readOnly = definition.readOnlyFields.filter((field) => stored[field] !== undefined && !definition.idFields.includes(field) && field !== 'createdAt');
  for (const field of readOnly) {
    guards.push({
      condition: or({ kind: 'notExists', name: pkField }, { kind: 'compare', name: field, op: '=', value: stored[field] }),
      error: () => RepositoryError.validation(model.name, [{ path: [field], message: 'is read-only: it cannot change once the item exists' }], id),
    });
  }
  return guards;
}

/** The item is exactly as read: every attribute equal, every other schema attribute absent. */
export function snapshotCondition(model: EntityModel, raw: RawItem): Condition {
  const parts: Condition[] = [{ kind: 'exists', name: model.keys.primary.pk.field }];
  const primary = new Set([model.keys.primary.pk.field, model.keys.primary.sk?.field]);
  for (const [name, value] of Object.entries(raw)) {
    if (!primary.has(name) && value !== undefined) parts.push({ kind: 'compare', name, op: '=', value });
  }
  for (const name of Object.keys(model.definition.fields)) if (raw[name] === undefined) parts.push({ kind: 'notExists', name });
  return { kind: 'and', conditions: parts };
}
