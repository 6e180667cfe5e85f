import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** What is used of an SDK command: its public `resolveMiddleware` and its class. */
interface SendableCommand<Output> {
  readonly input: object;
  resolveMiddleware(stack: unknown, configuration: unknown, options: undefined): (command: never) => Promise<{ output: Output }>;
}
type Handler = (command: never) => Promise<{ output: unknown }>;
type Sender = Pick<DynamoDBClient, 'send'> & { readonly middlewareStack?: object; readonly config?: unknown };

interface StackState {
  /** Moves on every change to the stack: a handler resolved before it is stale. */
  version: number;
  readonly handlers: Map<unknown, { version: number; handler: Handler }>;
}

const tracked = new WeakMap<object, StackState>();
const MUTATORS = ['add', 'addRelativeTo', 'use', 'remove', 'removeByTag'] as const;

/**
 * For a client tablekit created: its middleware stack is resolved once per command type and
 * again after any change to it. Resolving it costs the SDK tens of microseconds per request (it
 * merges and sorts the client's and the command's middleware every time); the SDK's own
 * `cacheMiddleware` does the same but ignores later changes and is refused by the
 * DocumentClient. A client given by the caller is left as it is and resolved per request.
 */
export function resolveOncePerCommand(client: DynamoDBClient): void {
  const stack = client.middlewareStack as unknown as Record<(typeof MUTATORS)[number], (...args: unknown[]) => unknown>;
  if (tracked.has(stack)) return;
  const state: StackState = { version: 0, handlers: new Map() };
  tracked.set(stack, state);
  for (const name of MUTATORS) {
    const original = stack[name];
    stack[name] = (...args: unknown[]) => {
      state.version++;
      return original.apply(stack, args);
    };
  }
}

/** Sends a command through `client` as `client.send` does, with the stack resolved once per command type where that is safe. */
export function sendCommand<Output>(client: Sender, command: SendableCommand<Output>, options?: { abortSignal: AbortSignal }): Promise<Output> {
  // A per-request option (the abort signal) is bound when the stack is resolved: such requests resolve their own.
  const state = options === undefined && client.middlewareStack ? tracked.get(client.middlewareStack) : undefined;
  if (!state) return client.send(command as never, options) as Promise<Output>;
  let entry = state.handlers.get(command.constructor);
  if (entry?.version !== state.version) {
    entry = { version: state.version, handler: command.resolveMiddleware(client.middlewareStack, client.config, undefined) as Handler };
    state.handlers.set(command.constructor, entry);
  }
  return entry.handler(command as never).then((result) => result.output as Output);
}
