import { ConditionFailedError, mapError, RepositoryError, TransactionCancelledError } from '../errors/index.ts';
import { and, evaluate, valuesEqual, type Condition, type UpdateAction } from '../expression/index.ts';
import type { RawItem, Storage, TransactWriteItem } from '../storage/index.ts';

/** One part of a write's condition and the error it means when it fails on the stored item. */
export interface Guard {
  readonly condition: Condition;
  readonly error: (stored: RawItem | undefined) => RepositoryError;
}

/** The request of one write, without its condition (the guards make it). */
export type Write =
  | { readonly kind: 'put'; readonly key: RawItem; readonly item: RawItem }
  | { readonly kind: 'update'; readonly key: RawItem; readonly actions: UpdateAction[] }
  | { readonly kind: 'delete'; readonly key: RawItem }
  | { readonly kind: 'check'; readonly key: RawItem };

/** A write with its guards and what it is about (for errors and the change log). */
export interface Operation {
  readonly entity: string;
  readonly id: unknown;
  readonly write: Write;
  readonly guards: readonly Guard[];
}

export const conditionOfGuards = (guards: readonly Guard[]): Condition | undefined => and(...guards.map((guard) => guard.condition));

/** A concurrent change to what a write read first: the write is retried from a fresh read. */
export class MovedError extends RepositoryError {
  constructor(entity: string, id: unknown, detail: string) {
    super('conflict', `${entity} ${JSON.stringify(id)} ${detail}`, { id, entity });
  }
}

/** Which guard failed on the item as it was (an absent item is `{}`): its error; a generic one if none can be told. */
export function explain(operation: Operation, stored: RawItem | undefined, cause: unknown): RepositoryError {
  for (const guard of operation.guards) {
    if (!evaluate(guard.condition, stored ?? {})) {
      const error = guard.error(stored);
      if (error instanceof MovedError) return error;
      return new RepositoryError(error.code, error.message, {
        cause,
        id: error.id ?? operation.id,
        entity: error.entity ?? operation.entity,
        issues: error.issues,
      });
    }
  }
  // The item changed again between the failed write and the returned image: treat as a concurrent change.
  return new RepositoryError('conflict', `${operation.entity} ${JSON.stringify(operation.id)} was changed concurrently`, {
    cause,
    id: operation.id,
    entity: operation.entity,
  });
}

export function toTransactItem(operation: Operation): TransactWriteItem {
  const condition = conditionOfGuards(operation.guards);
  const { write } = operation;
  switch (write.kind) {
    case 'put':
      return { put: { item: write.item, ...(condition ? { condition } : {}) } };
    case 'update':
      return { update: { key: write.key, actions: write.actions, ...(condition ? { condition } : {}) } };
    case 'delete':
      return { delete: { key: write.key, ...(condition ? { condition } : {}) } };
    case 'check':
      if (!condition) throw new RepositoryError('validation', `a condition check on ${operation.entity} needs a condition`, { entity: operation.entity });
      return { check: { key: write.key, condition } };
  }
}

/** Storage errors become RepositoryErrors through the one mapper, with the operation's context. */
export function mapped(error: unknown, entity: string | undefined, id?: unknown): RepositoryError {
  const result = mapError(error, { entity, id });
  if (result.entity !== undefined || entity === undefined) return result;
  return new RepositoryError(result.code, result.message, { cause: result.cause ?? error, id: result.id ?? id, entity, issues: result.issues });
}

/** Sending it twice applies it twice: it adds to a number (other than the version) or to a list. */
const repeatsItself = (actions: readonly UpdateAction[]) =>
  actions.some((action) => (action.kind === 'add' && action.name !== 'version') || action.kind === 'append' || action.kind === 'prepend');

/**
 * After the SDK resent a conditional write (its first answer was lost), the condition can fail on
 * the write's own earlier attempt. It was applied when the item is exactly what the write leaves.
 */
function appliedEarlier(write: Write, stored: RawItem | undefined): boolean {
  if (!stored) return false;
  if (write.kind === 'put') return valuesEqual(stored, write.item);
  if (write.kind !== 'update') return false;
  return write.actions.every((action) => {
    switch (action.kind) {
      case 'set':
        return valuesEqual(stored[action.name], action.value);
      case 'remove':
        return stored[action.name] === undefined;
      case 'setIfNotExists':
        return stored[action.name] !== undefined;
      case 'add':
        // The version moves on every write; the other attributes tell whether this one landed.
        return action.name === 'version';
      default:
        return false;
    }
  });
}

/** Sends one write; a failed guard becomes its own error. Returns the item after an update. */
export async function runSingle(storage: Storage, operation: Operation): Promise<RawItem | undefined> {
  const condition = conditionOfGuards(operation.guards);
  const { write } = operation;
  try {
    switch (write.kind) {
      case 'put':
        await storage.put({ item: write.item, ...(condition ? { condition } : {}) });
        return write.item;
      case 'update':
        return await storage.update({
          key: write.key,
          actions: write.actions,
          ...(condition ? { condition } : {}),
          ...(repeatsItself(write.actions) ? { idempotent: false } : {}),
        });
      case 'delete':
        return await storage.delete({ key: write.key, ...(condition ? { condition } : {}) });
      case 'check':
        await storage.transactWrite([toTransactItem(operation)]);
        return undefined;
    }
  } catch (error) {
    if (error instanceof ConditionFailedError) {
      if (error.resent && appliedEarlier(write, error.item)) return write.kind === 'put' ? write.item : error.item;
      throw explain(operation, error.item, error);
    }
    if (error instanceof TransactionCancelledError) throw explain(operation, error.reasons[0]?.item, error);
    throw mapped(error, operation.entity, operation.id);
  }
}

export const MAX_TRANSACTION_ITEMS = 100;

/** Sends writes in one transaction (or one request when there is one); the first failed guard decides the error. */
export async function runAll(storage: Storage, operations: readonly Operation[], token?: string): Promise<void> {
  if (operations.length === 0) return;
  const [only, ...others] = operations;
  if (only && others.length === 0 && !token) {
    await runSingle(storage, only);
    return;
  }
  if (operations.length > MAX_TRANSACTION_ITEMS) {
    throw new RepositoryError(
      'validation',
      `a transaction takes at most ${MAX_TRANSACTION_ITEMS} items (this one needs ${operations.length}, claims of unique values included)`,
    );
  }
  const seen = new Map<string, Operation>();
  for (const operation of operations) {
    const key = JSON.stringify(operation.write.key);
    const first = seen.get(key);
    if (first) {
      throw new RepositoryError('validation', `a transaction cannot touch one item twice (${operation.entity} ${JSON.stringify(operation.id)})`, {
        entity: operation.entity,
        id: operation.id,
      });
    }
    seen.set(key, operation);
  }
  try {
    await storage.transactWrite(operations.map(toTransactItem), token ? { token } : {});
  } catch (error) {
    if (error instanceof TransactionCancelledError) {
      const index = error.reasons.findIndex((reason) => reason.code === 'ConditionalCheckFailed');
      const operation = operations[index];
      if (operation) throw explain(operation, error.reasons[index]?.item, error);
    }
    throw mapped(error, operations[0]?.entity);
  }
}
