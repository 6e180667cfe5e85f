/**
 * Helpers of the service tests: a fresh store per file on DynamoDB Local or on the in-memory twin,
 * raw reads of the whole table, SDK middleware to record requests or inject faults the emulator
 * cannot produce, and an assertion on RepositoryError codes.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import test, { type ExecutionContext } from 'ava';
import { openStore, type Store, type StoreOptions } from '../../entities/index.ts';
import { RepositoryError, type Connection } from '../../src/index.ts';
import { inMemory } from '../../src/testing.ts';
import { backends, uniqueTableName, type Backend } from '../support/db.ts';
import { plainRequest } from '../support/plain-request.ts';

export type AnyRecord = Record<string, unknown>;
export type Next = (args: { input: AnyRecord }) => Promise<{ output: AnyRecord }>;
export type Middleware = (next: Next, context: { commandName?: string }) => Next;

/** A store on a fresh table of the backend; `dispose` deletes the table and closes the store. */
export async function openBackendStore(
  backend: Backend,
  label: string,
  options: Omit<StoreOptions, 'tableName' | 'connection'> = {},
): Promise<{ store: Store; tableName: string; dispose(): Promise<void> }> {
  const tableName = uniqueTableName(label);
  const memory = backend === 'memory' ? inMemory() : undefined;
  const store = await openStore({ ...options, tableName, ...(memory ? { connection: memory } : {}) });
  return {
    store,
    tableName,
    async dispose() {
      await store.table.delete().catch(() => undefined);
      await store.close();
      await memory?.close();
    },
  };
}

/**
 * One store per backend for the whole file (opened in test.before, its table deleted in
 * test.after.always): `storeOf('dynamodb')`, `storeOf('memory')`.
 */
export function useBackendStores(label: string, prepare: (store: Store) => Promise<unknown> = async () => undefined): { storeOf(backend: Backend): Store } {
  const opened = new Map<Backend, Awaited<ReturnType<typeof openBackendStore>>>();
  // One hook: ava runs before hooks concurrently, and `prepare` needs the stores.
  test.before(async () => {
    for (const backend of backends) {
      const handle = await openBackendStore(backend, `${label}-${backend}`);
      opened.set(backend, handle);
      await prepare(handle.store);
    }
  });
  test.after.always(async () => {
    for (const handle of opened.values()) await handle.dispose();
  });
  return {
    storeOf(backend) {
      const handle = opened.get(backend);
      if (!handle) throw new Error(`no ${backend} store (opened in test.before)`);
      return handle.store;
    },
  };
}

/** The DynamoDB connection of a store (the fault-injection tests run on DynamoDB only). */
export function dynamoOf(store: Store): Connection {
  if (store.connection.source === 'memory') throw new Error('this helper needs a DynamoDB store');
  return store.connection as Connection;
}

/** A second store on the same table with its own client, so middleware sees only this test's requests. */
export async function isolatedStore(t: ExecutionContext, tableName: string): Promise<Store> {
  const own = await openStore({ tableName, ensureTable: false });
  t.teardown(() => own.close());
  return own;
}

export function addMiddleware(target: Store, name: string, middleware: Middleware): void {
  const stack = dynamoOf(target).doc.middlewareStack as unknown as { add(m: Middleware, options: { step: string; name: string; override: boolean }): void };
  stack.add(middleware, { step: 'initialize', name, override: true });
}

/** Records the command name and input of every request the store sends. */
export function recordCommands(target: Store): { name: string; input: AnyRecord }[] {
  const seen: { name: string; input: AnyRecord }[] = [];
  addMiddleware(target, 'recordCommands', (next, context) => async (args) => {
    seen.push({ name: context.commandName ?? '?', input: plainRequest(args.input) });
    return next(args);
  });
  return seen;
}

/** Makes TransactWriteItems fail with `fault()` while `on` is true, at most `times` times. */
export function failTransactions(target: Store, fault: (input: AnyRecord) => Error, times = Number.POSITIVE_INFINITY): { on: boolean; hits: number } {
  const control = { on: true, hits: 0 };
  addMiddleware(target, 'failTransactions', (next, context) => async (args) => {
    if (control.on && control.hits < times && context.commandName === 'TransactWriteItemsCommand') {
      control.hits++;
      throw fault(args.input);
    }
    return next(args);
  });
  return control;
}

/** A TransactionCanceledException with `code` as the first item's reason (DynamoDB Local never throttles or conflicts). */
export function cancellation(code: string) {
  return (input: AnyRecord) =>
    new TransactionCanceledException({
      message: `Transaction cancelled (injected ${code})`,
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: (input.TransactItems as unknown[]).map((_, index) => ({ Code: index === 0 ? code : 'None' })),
    });
}

export const networkError = () => Object.assign(new Error('socket hang up (injected)'), { code: 'ECONNRESET' });

/** Every item of the table, raw (keys and ElectroDB markers included), through the store's storage. */
export async function scanAll(store: Store): Promise<AnyRecord[]> {
  const items: AnyRecord[] = [];
  let startKey: AnyRecord | undefined;
  do {
    const page = await store.table.storage.scan({ consistent: true, ...(startKey ? { startKey } : {}) });
    items.push(...page.items);
    startKey = page.lastKey;
  } while (startKey);
  return items;
}

export async function rejection(t: ExecutionContext, run: () => Promise<unknown>, code: RepositoryError['code']): Promise<RepositoryError> {
  const error = await t.throwsAsync(async () => run(), { instanceOf: RepositoryError });
  if (!error) throw new Error('expected a RepositoryError');
  t.is(error.code, code, error.message);
  return error;
}

export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
