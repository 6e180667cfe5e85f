import { RepositoryError } from '../errors/index.ts';
import { applyUpdate, evaluate, isMap, type UpdateAction } from '../expression/index.ts';
import type { RawItem } from '../storage/index.ts';
import type { EntityContext, RecordedChange } from './context.ts';
import { mapped, MovedError, runAll, runSingle, type Guard, type Operation } from './operations.ts';
import { planPatch } from './patch.ts';
import { replaceActions, replaceGuards, type Expectation } from './replace.ts';
import { notFound, retrying, userGuard } from './support.ts';
import { claimOperations } from './unique.ts';

type Item = Record<string, unknown>;

/** A write ready to send: its operations (the item and its claims), the change it makes, and the item after it. */
export interface PlannedWrite {
  readonly operations: readonly Operation[];
  readonly change: RecordedChange;
  /** The raw item after the write (undefined after a delete or a check). */
  readonly result: RawItem | undefined;
}

const iso = (context: EntityContext) => context.now().toISOString();

export const entityIdOf = (id: unknown) => (typeof id === 'string' ? id : typeof id === 'number' ? String(id) : JSON.stringify(id));

/** The change a write records; its data is made only when a change log asks for it. */
function recordedChange(context: EntityContext, id: unknown, operation: RecordedChange['operation'], raw: RawItem): RecordedChange {
  const { model } = context;
  let data: Item | undefined;
  return {
    entityType: model.name,
    entityId: entityIdOf(id),
    operation,
    get data() {
      data ??= model.changeData(raw);
      return data;
    },
  };
}

const asObject = (value: unknown): Item => (isMap(value) ? value : {});

/** Whether a write must read the stored item first: to move unique claims, or to record the change with its data. */
const readsFirst = (context: EntityContext) => context.model.definition.uniqueFields.length > 0 || context.recorder !== undefined;

async function readCurrent(context: EntityContext, key: RawItem, id: unknown): Promise<RawItem | undefined> {
  try {
    return await context.storage.get({ key, consistent: true });
  } catch (error) {
    throw mapped(error, context.model.name, id);
  }
}

function existsGuard(context: EntityContext, id: unknown): Guard {
  return { condition: { kind: 'exists', name: context.model.keys.primary.pk.field }, error: () => notFound(context.model.name, id) };
}

function absentGuard(context: EntityContext, id: unknown, moved: boolean): Guard {
  const { name } = context.model;
  return {
    condition: { kind: 'notExists', name: context.model.keys.primary.pk.field },
    error: () =>
      moved
        ? new MovedError(name, id, 'was created concurrently')
        : new RepositoryError('alreadyExists', `${name} ${JSON.stringify(id)} already exists`, { id, entity: name }),
  };
}

/** What a write read must still be stored when it lands: the version, else the whole item. A failure is retried. */
function readGuards(context: EntityContext, current: RawItem, id: unknown): Guard[] {
  const expectation: Expectation = context.model.definition.versioned
    ? { kind: 'version', version: Number(current.version) }
    : { kind: 'snapshot', raw: current };
  return replaceGuards(context.model, {}, id, expectation, true);
}

function checkVersion(context: EntityContext, version: unknown, id: unknown): number | undefined {
  const { definition, name } = context.model;
  if (version === undefined) return undefined;
  if (!definition.versioned) throw RepositoryError.validation(name, [{ path: ['version'], message: `${name} is not versioned` }], id);
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1)
    throw RepositoryError.validation(name, [{ path: ['version'], message: 'must be a positive integer' }], id);
  return version;
}

/** Sends a planned write: one request when it is one operation (the updated item comes back), else one transaction, or the change log's. */
export async function commit(context: EntityContext, planned: PlannedWrite): Promise<RawItem | undefined> {
  if (context.recorder) {
    await context.recorder.record([{ operations: planned.operations, change: planned.change }], { atomic: true });
    return planned.result;
  }
  const [only, ...others] = planned.operations;
  if (only && others.length === 0) return (await runSingle(context.storage, only)) ?? planned.result;
  await runAll(context.storage, planned.operations);
  return planned.result;
}

export function planCreate(context: EntityContext, object: unknown, options: { if?: unknown } = {}): PlannedWrite {
  const { model } = context;
  const { stored, raw, id } = model.prepare(object, { createdAt: asObject(object).createdAt, version: 1 }, iso(context));
  const operation: Operation = {
    entity: model.name,
    id,
    write: { kind: 'put', key: model.keys.primaryKey(stored), item: raw },
    guards: [absentGuard(context, id, false), ...userGuard(context, options.if, id)],
  };
  return {
    operations: [operation, ...claimOperations(model, context.claims, stored, undefined, stored)],
    change: recordedChange(context, id, 'create', raw),
    result: raw,
  };
}

/**
 * Insert or replace as ONE UpdateItem: createdAt kept with if_not_exists (no read), the version
 * checked when given and moved. Unique fields and the change log read first (`current`).
 */
export async function planSave(context: EntityContext, object: unknown, options: { if?: unknown } = {}): Promise<PlannedWrite> {
  const { model } = context;
  const given = asObject(object);
  const claimed = checkVersion(context, model.definition.versioned ? given.version : undefined, model.idOf(given));
  const guards = (id: unknown) => userGuard(context, options.if, id);
  if (!readsFirst(context)) {
    const expectation: Expectation = claimed === undefined ? { kind: 'any' } : { kind: 'version', version: claimed };
    const { stored, raw, id } = model.prepare(object, { createdAt: given.createdAt, version: claimed === undefined ? 1 : claimed + 1 }, iso(context));
    const operation: Operation = {
      entity: model.name,
      id,
      write: { kind: 'update', key: model.keys.primaryKey(stored), actions: replaceActions(model, stored, raw, expectation) },
      guards: [...replaceGuards(model, stored, id, expectation), ...guards(id)],
    };
    return {
      operations: [operation],
      change: recordedChange(context, id, 'update', raw),
      result: undefined,
    };
  }
  const id = model.idOf(given);
  const current = await readCurrent(context, model.rawKey(id), id);
  if (claimed !== undefined && current?.version !== claimed) {
    throw new RepositoryError(
      'conflict',
      `${model.name} ${JSON.stringify(id)} is ${current ? `at version ${String(current.version)}` : 'gone'}, not ${claimed}`,
      { id, entity: model.name },
    );
  }
  return planReplace(context, object, current, guards(id));
}

/** A replacing write of `object` over what was read (`current`), guarded by that read. */
export function planReplace(context: EntityContext, object: unknown, current: RawItem | undefined, extra: Guard[]): PlannedWrite {
  const { model } = context;
  const { stored, raw, id } = model.prepare(
    object,
    { createdAt: current?.createdAt ?? asObject(object).createdAt, version: current ? Number(current.version) + 1 : 1 },
    iso(context),
  );
  const key = model.keys.primaryKey(stored);
  let operation: Operation;
  let result: RawItem;
  if (!current) {
    operation = { entity: model.name, id, write: { kind: 'put', key, item: raw }, guards: [absentGuard(context, id, true), ...extra] };
    result = raw;
  } else {
    const expectation: Expectation = model.definition.versioned ? { kind: 'version', version: Number(current.version) } : { kind: 'snapshot', raw: current };
    const actions = replaceActions(model, stored, raw, expectation);
    operation = { entity: model.name, id, write: { kind: 'update', key, actions }, guards: [...replaceGuards(model, stored, id, expectation, true), ...extra] };
    result = applyUpdate(actions, current);
  }
  return {
    operations: [operation, ...claimOperations(model, context.claims, stored, current ? model.strip(current) : undefined, stored)],
    change: { entityType: model.name, entityId: entityIdOf(id), operation: current ? 'update' : 'create', data: model.changeData(result) },
    result,
  };
}

/** Read-modify-write: the replacing write is guarded by what was read (version, else the whole item). */
export async function planUpdate(
  context: EntityContext,
  id: unknown,
  updater: (current: Item) => unknown,
  options: { if?: unknown } = {},
): Promise<PlannedWrite> {
  const { model } = context;
  if (typeof updater !== 'function') throw new RepositoryError('validation', `${model.name}: update takes an updater function`, { entity: model.name });
  const current = await readCurrent(context, model.rawKey(id), id);
  if (!current) throw notFound(model.name, id);
  return planReplace(context, model.withId(id, updater(model.decode(current))), current, userGuard(context, options.if, id));
}

/** One atomic UpdateItem; when unique fields change (or for the change log) the item is read first and the write guarded by it. */
export async function planPatchWrite(
  context: EntityContext,
  id: unknown,
  changes: unknown,
  options: { if?: unknown; version?: unknown } = {},
): Promise<PlannedWrite> {
  const { model } = context;
  const idValues = model.idValues(id);
  const key = model.keys.primaryKey(idValues);
  const plan = planPatch(model, idValues, changes, id);
  const version = checkVersion(context, options.version, id);
  const actions: UpdateAction[] = [...plan.actions];
  if (model.definition.timestamps) actions.push({ kind: 'set', name: 'updatedAt', value: iso(context) });
  if (model.definition.versioned) actions.push({ kind: 'add', name: 'version', value: 1 });
  const guards: Guard[] = [existsGuard(context, id)];
  if (version !== undefined) guards.push(...replaceGuards(model, {}, id, { kind: 'version', version }));
  guards.push(...plan.boundGuards, ...userGuard(context, options.if, id));
  const change = (data: Item): RecordedChange => ({ entityType: model.name, entityId: entityIdOf(id), operation: 'update', data });
  if (plan.uniqueTouched.length === 0 && !context.recorder) {
    return { operations: [{ entity: model.name, id, write: { kind: 'update', key, actions }, guards }], change: change({ ...idValues }), result: undefined };
  }
  const current = await readCurrent(context, key, id);
  // The guards decide on what was read exactly as DynamoDB would on the stored item.
  const failed = guards.find((guard) => !evaluate(guard.condition, current ?? {}));
  if (failed || !current) throw (failed ?? guards[0])?.error(current) ?? notFound(model.name, id);
  const next = applyUpdate(actions, current);
  model.checkSize(next, id);
  const operation: Operation = { entity: model.name, id, write: { kind: 'update', key, actions }, guards: [...guards, ...readGuards(context, current, id)] };
  return {
    operations: [operation, ...claimOperations(model, context.claims, idValues, model.strip(current), model.strip(next))],
    change: change(model.changeData(next)),
    result: next,
  };
}

export async function planDelete(context: EntityContext, id: unknown, options: { if?: unknown } = {}): Promise<PlannedWrite> {
  const { model } = context;
  const idValues = model.idValues(id);
  const key = model.keys.primaryKey(idValues);
  const guards: Guard[] = [existsGuard(context, id), ...userGuard(context, options.if, id)];
  const change: RecordedChange = { entityType: model.name, entityId: entityIdOf(id), operation: 'delete', data: { ...idValues } };
  if (!readsFirst(context)) return { operations: [{ entity: model.name, id, write: { kind: 'delete', key }, guards }], change, result: undefined };
  const current = await readCurrent(context, key, id);
  const failed = guards.find((guard) => !evaluate(guard.condition, current ?? {}));
  if (failed || !current) throw (failed ?? guards[0])?.error(current) ?? notFound(model.name, id);
  const operation: Operation = { entity: model.name, id, write: { kind: 'delete', key }, guards: [...guards, ...readGuards(context, current, id)] };
  return { operations: [operation, ...claimOperations(model, context.claims, idValues, model.strip(current), undefined)], change, result: undefined };
}

/** A condition on an item inside a transaction (ConditionCheck): when it does not hold, `conditionFailed`. */
export function planCheck(context: EntityContext, id: unknown, condition: unknown): PlannedWrite {
  const { model } = context;
  const idValues = model.idValues(id);
  const guards = userGuard(context, condition, id);
  if (guards.length === 0) throw new RepositoryError('validation', `${model.name}: a condition check needs a condition`, { entity: model.name });
  return {
    operations: [{ entity: model.name, id, write: { kind: 'check', key: model.keys.primaryKey(idValues) }, guards }],
    change: { entityType: model.name, entityId: entityIdOf(id), operation: 'update', data: { ...idValues } },
    result: undefined,
  };
}

/** Plans and commits, re-reading and retrying when what a write read moved before it landed. */
export function write(context: EntityContext, id: unknown, plan: () => PlannedWrite | Promise<PlannedWrite>): Promise<Item> {
  return retrying(context.conflictRetry, context.model.name, id, async () => {
    const planned = await plan();
    const result = await commit(context, planned);
    return context.model.decode(result ?? {});
  });
}
