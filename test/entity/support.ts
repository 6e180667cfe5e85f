/**
 * Helpers of the entity API tests: every test runs on DynamoDB Local and on the in-memory twin,
 * each on a fresh table of its own (so requests can be recorded per test), and failures are
 * checked as RepositoryErrors with their code, entity, id and the fields they name.
 */
import test, { type ExecutionContext } from 'ava';
import { connect, RepositoryError, type BoundTable, type Connection, type EntityMap, type RepositoryErrorCode, type TableDefinition } from '../../src/index.ts';
import { backends, openTable, uniqueTableName, type Backend } from '../support/db.ts';
import { plainRequest } from '../support/plain-request.ts';

export { backends, type Backend };

export type AnyRecord = Record<string, unknown>;

/** One request the DynamoDB client sent: the low-level command name (`UpdateItemCommand`) and its input. */
export interface SentCommand {
  name: string;
  input: AnyRecord;
}

export interface Env<E extends EntityMap> {
  backend: Backend;
  table: BoundTable<E>;
  /**
   * Starts recording the requests of this test's DynamoDB connection (its own client), or
   * returns undefined on the twin (which sends nothing).
   */
  record(): SentCommand[] | undefined;
}

type Next = (args: { input: AnyRecord }) => Promise<unknown>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;

function recordOn(connection: Connection): SentCommand[] {
  const seen: SentCommand[] = [];
  const stack = connection.doc.middlewareStack as unknown as { add(m: Middleware, options: { step: string; name: string; override: boolean }): void };
  const middleware: Middleware = (next, context) => async (args) => {
    seen.push({ name: context.commandName ?? '?', input: plainRequest(args.input) });
    return next(args);
  };
  stack.add(middleware, { step: 'initialize', name: 'tablekitTestRecorder', override: true });
  return seen;
}

export interface OpenOptions {
  /**
   * SDK attempts per request on DynamoDB. DynamoDB Local answers heavy contention on one item
   * with a 500 ("timed out ... waiting for a lock"; real DynamoDB would not), which the SDK retries.
   */
  maxAttempts?: number;
}

/** A fresh table on one backend, removed when the test ends. */
export async function open<E extends EntityMap>(
  t: ExecutionContext,
  backend: Backend,
  definition: TableDefinition<E>,
  label: string,
  options: OpenOptions = {},
): Promise<Env<E>> {
  const opened =
    backend === 'dynamodb' && options.maxAttempts !== undefined
      ? await openWithAttempts(definition, label, options.maxAttempts)
      : await openTable(backend, definition, label);
  t.teardown(() => opened.dispose());
  const connection = opened.connection;
  return {
    backend,
    table: opened.table,
    record: () => ('doc' in connection ? recordOn(connection) : undefined),
  };
}

async function openWithAttempts<E extends EntityMap>(definition: TableDefinition<E>, label: string, maxAttempts: number) {
  const connection = await connect({ clientConfig: { maxAttempts } });
  const table = definition.bind(connection, { tableName: uniqueTableName(label) });
  await table.ensure();
  return {
    connection,
    table,
    dispose: async () => {
      await table.delete();
      await connection.close();
    },
  };
}

/** Registers `[dynamodb] title` and `[memory] title`, each with a fresh table. */
export function both<E extends EntityMap>(
  title: string,
  definition: TableDefinition<E>,
  run: (t: ExecutionContext, env: Env<E>) => Promise<void>,
  options: OpenOptions = {},
): void {
  const label = definition.name.replace(/[^A-Za-z0-9]/g, '').slice(0, 20) || 'table';
  for (const backend of backends) {
    test(`[${backend}] ${title}`, async (t) => run(t, await open(t, backend, definition, label, options)));
  }
}

export interface Expected {
  entity?: string;
  id?: unknown;
  /** Field names the error's issues must name (first path element). */
  fields?: readonly string[];
  message?: RegExp;
}

/** Asserts that `promise` rejects with a RepositoryError of `code` (and entity, id, fields) and returns it. */
export async function fails(t: ExecutionContext, promise: Promise<unknown>, code: RepositoryErrorCode, expected: Expected = {}): Promise<RepositoryError> {
  const error = await t.throwsAsync(promise);
  if (!(error instanceof RepositoryError)) {
    t.fail(`expected a RepositoryError '${code}', got ${String(error)}`);
    throw error;
  }
  t.is(error.code, code, error.message);
  if (expected.entity !== undefined) t.is(error.entity, expected.entity, 'the error names the entity');
  if (expected.id !== undefined) t.deepEqual(error.id, expected.id, 'the error names the id');
  for (const field of expected.fields ?? []) {
    t.true(
      error.issues.some((issue) => issue.path.includes(field)),
      `the issues name '${field}': ${JSON.stringify(error.issues)}`,
    );
  }
  if (expected.message) t.regex(error.message, expected.message);
  return error;
}

/** Commands of a recording by name (`UpdateItemCommand`, ...). */
export const named = (sent: readonly SentCommand[], name: string) => sent.filter((command) => command.name === name);

/** Every page of a read, following cursors, with each page's size and cursor presence. */
export async function allPages<T>(
  read: (cursor: string | undefined) => Promise<{ items: T[]; cursor: string | undefined }>,
  maxPages = 200,
): Promise<{ items: T[]; pages: { size: number; cursor: boolean }[] }> {
  const items: T[] = [];
  const pages: { size: number; cursor: boolean }[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    items.push(...page.items);
    pages.push({ size: page.items.length, cursor: page.cursor !== undefined });
    cursor = page.cursor;
    if (pages.length > maxPages) throw new Error('too many pages');
  } while (cursor !== undefined);
  return { items, pages };
}
