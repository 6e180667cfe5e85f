import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** What is used of an SDK command: its public `resolveMiddleware` and its class. */
interface SendableCommand<Output> {
  readonly input: object;
  resolveMiddleware(stack: unknown, configuration: unknown, options: { abortSignal: AbortSignal } | undefined): (command: never) => Promise<{ output: Output }>;
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

/** The SDK's own `send` (smithy's Client): a client whose `send` is another (a test mock, a wrapper) is sent through it. */
const sdkSend = (Object.getPrototypeOf(DynamoDBClient.prototype) as { send: unknown }).send;

/**
 * Sends a command as `client.send` does. On a client tablekit created, the stack is resolved
 * once per command type (see resolveOncePerCommand); on any other, per request, even when the
 * client asks the SDK to cache it (`cacheMiddleware`), so that middleware tablekit adds later
 * (at-most-once updates, metrics) always applies. A client whose `send` was replaced (a mock
 * such as aws-sdk-client-mock, a tracing wrapper, a stand-in) gets every request through it.
 */
export function sendCommand<Output>(client: Sender, command: SendableCommand<Output>, options?: { abortSignal: AbortSignal }): Promise<Output> {
  const stack = client.middlewareStack;
  if (client.send !== sdkSend || !stack) return client.send(command as never, options) as Promise<Output>;
  // A per-request option (the abort signal) is bound when the stack is resolved: such requests resolve their own.
  const state = options === undefined ? tracked.get(stack) : undefined;
  let handler: Handler;
  if (!state) handler = command.resolveMiddleware(stack, client.config, options) as Handler;
  else {
    let entry = state.handlers.get(command.constructor);
    if (entry?.version !== state.version) {
      entry = { version: state.version, handler: command.resolveMiddleware(stack, client.config, undefined) as Handler };
      state.handlers.set(command.constructor, entry);
    }
    handler = entry.handler;
  }
  return handler(command as never).then((result) => result.output as Output);
}
