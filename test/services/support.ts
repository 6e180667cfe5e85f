import type { ExecutionContext } from 'ava';
import { openStore, type Store } from '../../entities/index.ts';

export type AnyRecord = Record<string, unknown>;
export type Next = (args: { input: AnyRecord }) => Promise<{ output: AnyRecord }>;
export type Middleware = (next: Next, context: { commandName?: string }) => Next;

/** A second store on the same table with its own client, so middleware sees only this test's requests. */
export async function isolatedStore(t: ExecutionContext, tableName: string): Promise<Store> {
  const own = await openStore({ tableName, ensureTable: false });
  t.teardown(() => own.close());
  return own;
}

export function addMiddleware(target: Store, name: string, middleware: Middleware): void {
  const stack = target.connection.doc.middlewareStack as unknown as { add(m: Middleware, options: { step: string; name: string; override: boolean }): void };
  stack.add(middleware, { step: 'initialize', name, override: true });
}

/** Records the command name and input of every request the store sends. */
export function recordCommands(target: Store): { name: string; input: AnyRecord }[] {
  const seen: { name: string; input: AnyRecord }[] = [];
  addMiddleware(target, 'recordCommands', (next, context) => async (args) => {
    seen.push({ name: context.commandName ?? '?', input: args.input });
    return next(args);
  });
  return seen;
}
