import { isMap } from '../expression/index.ts';
import { RepositoryError } from '../errors/index.ts';
import type { EntityDefinition, InferInput, InferItem, InferStored } from '../schema/index.ts';
import type { RetryPolicy } from '../retry/index.ts';
import type { RawItem, Storage } from '../storage/index.ts';
import type { EntityContext } from './context.ts';
import { mapped, MAX_TRANSACTION_ITEMS, runAll, type Operation } from './operations.ts';
import type { InferId, Patch, PatchOptions, Where, WriteOptions } from './types.ts';
import { notFound, retrying } from './support.ts';
import { planCheck, planCreate, planDelete, planPatchWrite, planSave, type PlannedWrite } from './writes.ts';

/** One write of a transaction (built by `tx.<entity>.create(...)` etc.). */
export interface TransactionWrite {
  readonly kind: 'tablekit.transactionWrite';
  readonly entity: string;
  /** @internal plans the write (reading first where the entity's rules need it). */
  readonly plan: () => PlannedWrite | Promise<PlannedWrite>;
}

export interface TransactionWriter<E extends EntityDefinition> {
  create(item: InferInput<E>, options?: WriteOptions<E>): TransactionWrite;
  save(aggregate: InferInput<E>, options?: WriteOptions<E>): TransactionWrite;
  patch(id: InferId<E>, patch: Patch<E>, options?: PatchOptions<E>): TransactionWrite;
  delete(id: InferId<E>, options?: WriteOptions<E>): TransactionWrite;
  /** A ConditionCheck: the transaction fails with `conditionFailed` unless the item matches. */
  check(id: InferId<E>, condition: Where<InferStored<E>>): TransactionWrite;
}

/** One read of a transactional get. */
export interface TransactionGet<T> {
  readonly kind: 'tablekit.transactionGet';
  readonly entity: string;
  readonly id: unknown;
  readonly key: RawItem;
  readonly decode: (raw: RawItem) => T;
}

export interface TransactionReader<E extends EntityDefinition> {
  get(id: InferId<E>): TransactionGet<InferItem<E>>;
}

export function transactionWriter(context: EntityContext): TransactionWriter<EntityDefinition> {
  const entity = context.model.name;
  const make = (plan: () => PlannedWrite | Promise<PlannedWrite>): TransactionWrite => ({ kind: 'tablekit.transactionWrite', entity, plan });
  return {
    create: (item, options) => make(() => planCreate(context, item, options)),
    save: (aggregate, options) => make(() => planSave(context, aggregate, options)),
    patch: (id, changes, options) => make(() => planPatchWrite(context, id, changes, options)),
    delete: (id, options) => make(() => planDelete(context, id, options)),
    check: (id, condition) => make(() => planCheck(context, id, condition)),
  };
}

export function transactionReader(context: EntityContext): TransactionReader<EntityDefinition> {
  return {
    get: (id) => ({
      kind: 'tablekit.transactionGet',
      entity: context.model.name,
      id,
      key: context.model.rawKey(id),
      decode: (raw) => context.model.decode(raw) as InferItem<EntityDefinition>,
    }),
  };
}

const TOKEN = /^[\x21-\x7e]{1,36}$/;

/** How long DynamoDB remembers an idempotency token (ClientRequestToken). */
const TOKEN_LIFETIME_MS = 10 * 60 * 1000;
/**
 * The operations first sent under each token, per storage: a retry with the same token sends
 * the SAME request (timestamps and versions included), as DynamoDB's idempotency requires,
 * instead of planning it again with a new `updatedAt`.
 */
const sentUnderToken = new WeakMap<Storage, Map<string, { operations: Operation[]; fingerprint: string; expires: number }>>();

const managedTimes = new Set(['createdAt', 'updatedAt']);

/** What a request asks for, leaving out the times tablekit stamps on it (they change on every call). */
function fingerprint(operations: readonly Operation[]): string {
  return JSON.stringify(operations, (key, value: unknown) => {
    if (managedTimes.has(key)) return '*';
    if (isMap(value) && managedTimes.has(String(value.name)) && 'value' in value) return { ...value, value: '*' };
    if (value instanceof Set) return [...value];
    if (value instanceof Uint8Array) return [...value];
    return value;
  });
}

function rememberedFor(storage: Storage): Map<string, { operations: Operation[]; fingerprint: string; expires: number }> {
  let byToken = sentUnderToken.get(storage);
  if (!byToken) sentUnderToken.set(storage, (byToken = new Map()));
  const now = Date.now();
  for (const [key, entry] of byToken) if (entry.expires <= now) byToken.delete(key);
  return byToken;
}

/**
 * Writes on any entities of the table, all or nothing: one TransactWriteItems of up to 100 items
 * (unique claims included). A failed condition names its entity and id; a transaction cancelled
 * by a concurrent one, or a read that moved, is planned again and retried.
 */
export async function transactWrite(
  storage: Storage,
  conflictRetry: RetryPolicy,
  writes: readonly TransactionWrite[],
  token?: string,
  /** The storage of this one call (its deadline and signal); tokens are remembered per table storage. */
  send: Storage = storage,
): Promise<void> {
  if (!Array.isArray(writes) || writes.some((write) => write?.kind !== 'tablekit.transactionWrite')) {
    throw new RepositoryError('validation', 'transactWrite takes the writes built by tx.<entity>.create / save / patch / delete / check');
  }
  if (token !== undefined && (typeof token !== 'string' || !TOKEN.test(token)))
    throw RepositoryError.validation('transaction', [{ path: ['token'], message: 'an idempotency token is 1 to 36 printable ASCII characters' }]);
  if (writes.length === 0) return;
  const remembered = token === undefined ? undefined : rememberedFor(storage);
  await retrying(conflictRetry, 'transaction', undefined, async () => {
    const planned = (await Promise.all(writes.map((write) => write.plan()))).flatMap((write) => write.operations);
    if (planned.length > MAX_TRANSACTION_ITEMS)
      throw new RepositoryError(
        'validation',
        `a transaction takes at most ${MAX_TRANSACTION_ITEMS} items (this one has ${planned.length}, unique claims included)`,
      );
    let operations = planned;
    if (token !== undefined && remembered) {
      // The same request again (a retry): send exactly what was sent first, times included.
      const print = fingerprint(planned);
      const earlier = remembered.get(token);
      if (earlier?.fingerprint === print) operations = earlier.operations;
      else if (!earlier) remembered.set(token, { operations, fingerprint: print, expires: Date.now() + TOKEN_LIFETIME_MS });
    }
    await runAll(send, operations, token);
  });
}

/** One consistent snapshot of up to 100 items; a missing one is `notFound`. */
export async function transactGet(storage: Storage, reads: readonly TransactionGet<unknown>[]): Promise<unknown[]> {
  if (!Array.isArray(reads) || reads.some((read) => read?.kind !== 'tablekit.transactionGet'))
    throw new RepositoryError('validation', 'transactGet takes the reads built by tx.<entity>.get(id)');
  if (reads.length > MAX_TRANSACTION_ITEMS) throw new RepositoryError('validation', `a transactional get takes at most ${MAX_TRANSACTION_ITEMS} items`);
  const seen = new Set<string>();
  for (const read of reads) {
    const key = JSON.stringify(read.key);
    if (seen.has(key))
      throw new RepositoryError('validation', `a transactional get cannot read one item twice (${read.entity} ${JSON.stringify(read.id)})`, {
        entity: read.entity,
        id: read.id,
      });
    seen.add(key);
  }
  let found: (RawItem | undefined)[];
  try {
    found = await storage.transactGet(reads.map((read) => read.key));
  } catch (error) {
    throw mapped(error, reads[0]?.entity);
  }
  return reads.map((read, index) => {
    const raw = found[index];
    if (!raw) throw notFound(read.entity, read.id);
    return read.decode(raw);
  });
}
