import { isMap } from '../expression/index.ts';
import { RepositoryError } from '../errors/index.ts';
import type { BatchWriteRequest, RawItem } from '../storage/index.ts';
import type { EntityContext, RecordedWrite } from './context.ts';
import { mapped, MAX_TRANSACTION_ITEMS, runAll } from './operations.ts';
import { replaceGuards } from './replace.ts';
import { notFound, retrying } from './support.ts';
import { claimOperations, uniqueValues } from './unique.ts';
import { entityIdOf, planReplace } from './writes.ts';

type Item = Record<string, unknown>;

const iso = (context: EntityContext) => context.now().toISOString();

function needsTransactions(context: EntityContext): boolean {
  return context.model.definition.uniqueFields.length > 0 || context.recorder !== undefined;
}

function tooMany(context: EntityContext, operation: string, count: number): RepositoryError {
  return new RepositoryError(
    'validation',
    `${context.model.name}.${operation} is atomic: one transaction of at most ${MAX_TRANSACTION_ITEMS} items (this one needs ${count}, unique claims included); use saveAll() for bulk writes of any size`,
    { entity: context.model.name },
  );
}

async function commitAll(context: EntityContext, writes: readonly RecordedWrite[], operation: string, atomic: boolean): Promise<void> {
  if (context.recorder) return context.recorder.record(writes, { atomic });
  const operations = writes.flatMap((write) => write.operations);
  if (atomic && operations.length > MAX_TRANSACTION_ITEMS) throw tooMany(context, operation, operations.length);
  await runAll(context.storage, operations);
}

/** Two items of one batch with the same unique value: `duplicate` before anything is sent. */
function checkUniqueWithinBatch(context: EntityContext, items: readonly Item[]): void {
  const seen = new Map<string, unknown>();
  for (const item of items) {
    for (const [field, value] of uniqueValues(context.model, item)) {
      const key = `${field}\u0000${value}`;
      if (seen.has(key))
        throw new RepositoryError('duplicate', `${context.model.name} ${field} '${value}' appears twice in the batch`, {
          id: value,
          entity: context.model.name,
        });
      seen.set(key, true);
    }
  }
}

/** Creates every item or none: one transaction with `attribute_not_exists` per item (and its claims). */
export async function createAll(context: EntityContext, objects: readonly unknown[]): Promise<Item[]> {
  const { model } = context;
  if (!Array.isArray(objects)) throw new RepositoryError('validation', `${model.name}: expected an array of items`, { entity: model.name });
  const now = iso(context);
  const seen = new Set<string>();
  const prepared = objects.map((object) => {
    const entry = model.prepare(object, { createdAt: isMap(object) ? object.createdAt : undefined, version: 1 }, now);
    const idKey = model.idKey(entry.stored);
    if (seen.has(idKey))
      throw new RepositoryError('alreadyExists', `${model.name} ${JSON.stringify(entry.id)} appears twice in the batch`, { id: entry.id, entity: model.name });
    seen.add(idKey);
    return entry;
  });
  checkUniqueWithinBatch(
    context,
    prepared.map((entry) => entry.stored),
  );
  const writes: RecordedWrite[] = prepared.map(({ stored, raw, id }) => ({
    operations: [
      {
        entity: model.name,
        id,
        write: { kind: 'put', key: model.keys.primaryKey(stored), item: raw },
        guards: [
          {
            condition: { kind: 'notExists', name: model.keys.primary.pk.field },
            error: () => new RepositoryError('alreadyExists', `${model.name} ${JSON.stringify(id)} already exists`, { id, entity: model.name }),
          },
        ],
      },
      ...claimOperations(model, context.claims, stored, undefined, stored),
    ],
    change: { entityType: model.name, entityId: entityIdOf(id), operation: 'create', data: model.changeData(raw) },
  }));
  await commitAll(context, writes, 'createAll', true);
  return prepared.map(({ raw }) => model.decode(raw));
}

/** Reads the stored items of many ids with strong consistency, keyed by id. */
async function readMany(context: EntityContext, idValues: readonly Item[]): Promise<Map<string, RawItem>> {
  const { model } = context;
  try {
    const found = await context.storage.batchGet(
      idValues.map((values) => model.keys.primaryKey(values)),
      true,
    );
    return new Map(found.map((raw) => [model.idKey(raw), raw]));
  } catch (error) {
    throw mapped(error, model.name);
  }
}

/** Replaces every item or none: each must exist; each write is guarded by what was read (retried if it moved). */
export async function updateAll(context: EntityContext, identified: readonly { id: unknown; object: unknown }[]): Promise<Item[]> {
  const { model } = context;
  if (!Array.isArray(identified)) throw new RepositoryError('validation', `${model.name}: expected an array of { id, object }`, { entity: model.name });
  if (identified.length === 0) return [];
  // Duplicate ids: the last object wins, and every position returns it.
  const last = new Map<string, { id: unknown; object: Item; values: Item }>();
  for (const { id, object } of identified) {
    const values = model.idValues(id);
    last.set(model.idKey(values), { id, object: model.withId(id, object), values });
  }
  if (last.size > MAX_TRANSACTION_ITEMS) throw tooMany(context, 'updateAll', last.size);
  const results = await retrying(context.conflictRetry, model.name, undefined, async () => {
    const current = await readMany(
      context,
      [...last.values()].map((entry) => entry.values),
    );
    const missing = identified.find(({ id }) => !current.has(model.idKey(model.idValues(id))));
    if (missing) throw notFound(model.name, missing.id);
    const byId = new Map<string, Item>();
    const writes: RecordedWrite[] = [];
    for (const [idKey, { object }] of last) {
      const planned = planReplace(context, object, current.get(idKey), []);
      byId.set(idKey, model.decode(planned.result ?? {}));
      writes.push(planned);
    }
    checkUniqueWithinBatch(
      context,
      [...last.values()].map((entry) => entry.object),
    );
    await commitAll(context, writes, 'updateAll', true);
    return byId;
  });
  return identified.map(({ id }) => results.get(model.idKey(model.idValues(id))) ?? {});
}

/** Deletes what exists (missing ids are ignored): BatchWriteItem, or transactions when claims or the change log go along. */
export async function deleteAll(context: EntityContext, ids: readonly unknown[]): Promise<void> {
  const { model } = context;
  if (!Array.isArray(ids)) throw new RepositoryError('validation', `${model.name}: expected an array of ids`, { entity: model.name });
  const values = new Map<string, Item>();
  for (const id of ids) {
    const idValues = model.idValues(id);
    values.set(model.idKey(idValues), idValues);
  }
  if (!needsTransactions(context)) {
    try {
      await context.storage.batchWrite([...values.values()].map((idValues) => ({ delete: model.keys.primaryKey(idValues) })));
    } catch (error) {
      throw mapped(error, model.name);
    }
    return;
  }
  await retrying(context.conflictRetry, model.name, undefined, async () => {
    const current = await readMany(context, [...values.values()]);
    const writes: RecordedWrite[] = [...current.values()].map((raw) => {
      const idValues = Object.fromEntries(model.definition.idFields.map((field) => [field, raw[field]]));
      const id = model.idOf(idValues);
      const guard = replaceGuards(
        model,
        {},
        id,
        model.definition.versioned ? { kind: 'version', version: Number(raw.version) } : { kind: 'snapshot', raw },
        true,
      );
      return {
        operations: [
          { entity: model.name, id, write: { kind: 'delete', key: model.keys.primaryKey(idValues) }, guards: guard },
          ...claimOperations(model, context.claims, idValues, model.strip(raw), undefined),
        ],
        change: { entityType: model.name, entityId: entityIdOf(id), operation: 'delete', data: idValues },
      };
    });
    await commitInGroups(context, writes);
  });
}

/** Writes in consecutive transactions of whole writes (an item with its claims never splits). */
async function commitInGroups(context: EntityContext, writes: readonly RecordedWrite[], onWritten?: (count: number) => void): Promise<void> {
  if (context.recorder) {
    await context.recorder.record(writes, { atomic: false });
    onWritten?.(writes.length);
    return;
  }
  let group: RecordedWrite[] = [];
  let size = 0;
  let written = 0;
  const flush = async () => {
    if (group.length === 0) return;
    await runAll(
      context.storage,
      group.flatMap((write) => write.operations),
    );
    written += group.length;
    onWritten?.(written);
    group = [];
    size = 0;
  };
  for (const write of writes) {
    if (size + write.operations.length > MAX_TRANSACTION_ITEMS) await flush();
    group.push(write);
    size += write.operations.length;
  }
  await flush();
}

export interface SaveAllInput {
  concurrency?: number;
  onProgress?: (progress: { written: number; total: number }) => void;
}

/**
 * Bulk upsert for imports of any size. Every item is validated before the first request, so
 * bad input writes nothing. BatchWriteItem in chunks of 25 (puts replace whole items), or, for
 * entities with unique fields or a change log, consecutive transactions that keep the claims.
 * A failure stops further requests; the error says how many items were written.
 */
export async function saveAll(
  context: EntityContext,
  objects: readonly unknown[],
  options: SaveAllInput = {},
): Promise<{ written: number; requests: number; retriedItems: number }> {
  const { model } = context;
  if (!Array.isArray(objects)) throw new RepositoryError('validation', `${model.name}: saveAll takes an array of items`, { entity: model.name });
  const concurrency = options.concurrency ?? 8;
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw RepositoryError.validation(model.name, [{ path: ['concurrency'], message: 'must be an integer from 1 to 64' }]);
  }
  const now = iso(context);
  const prepared = new Map<string, { stored: Item; raw: RawItem; id: unknown; object: unknown }>();
  objects.forEach((object, index) => {
    const given = isMap(object) ? object : {};
    try {
      const entry = model.prepare(object, { createdAt: given.createdAt, version: given.version }, now);
      prepared.set(model.idKey(entry.stored), Object.assign(entry, { object }));
    } catch (error) {
      if (error instanceof RepositoryError && error.code === 'validation') {
        throw RepositoryError.validation(
          model.name,
          error.issues.map((issue) => ({ ...issue, path: [index, ...issue.path] })),
          error.id,
        );
      }
      throw error;
    }
  });
  const total = prepared.size;
  const entries = [...prepared.values()];
  let written = 0;
  // The ids DynamoDB confirmed, so a failure can say exactly which items were written.
  const writtenIds: unknown[] = [];
  const progress = (count: number) => {
    written = count;
    options.onProgress?.({ written, total });
  };
  try {
    if (!needsTransactions(context)) {
      const requests = entries.map(({ raw, id }) => ({ request: { put: raw }, id }));
      const idOf = new Map<BatchWriteRequest, unknown>(requests.map(({ request, id }) => [request, id]));
      const result = await context.storage.batchWrite(
        requests.map(({ request }) => request),
        {
          concurrency,
          onWritten: (count, confirmed) => {
            for (const request of confirmed) writtenIds.push(idOf.get(request));
            progress(count);
          },
        },
      );
      return { written: total, requests: result.requests, retriedItems: result.retriedItems };
    }
    checkUniqueWithinBatch(
      context,
      [...prepared.values()].map((entry) => entry.stored),
    );
    const current = await readMany(
      context,
      [...prepared.values()].map((entry) => entry.stored),
    );
    const writes = [...prepared.entries()].map(([idKey, entry]) => planReplace(context, entry.object, current.get(idKey), []));
    await commitInGroups(context, writes, (count) => {
      // Groups commit one after the other, in order.
      for (const entry of entries.slice(writtenIds.length, count)) writtenIds.push(entry.id);
      progress(count);
    });
    return { written: total, requests: Math.ceil(writes.reduce((sum, write) => sum + write.operations.length, 0) / MAX_TRANSACTION_ITEMS), retriedItems: 0 };
  } catch (error) {
    const failure = mapped(error, model.name);
    throw new RepositoryError(failure.code, `${failure.message} (saveAll stopped: ${written} of ${total} items were written; error.written has their ids)`, {
      cause: failure.cause ?? error,
      id: failure.id,
      entity: model.name,
      issues: failure.issues,
      written: writtenIds,
    });
  }
}
