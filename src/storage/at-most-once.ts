import { errorField, errorName, UnconfirmedWriteError } from '../errors/index.ts';

/** Failures that prove the request never reached DynamoDB or was refused before it was applied: safe to resend. */
const NOT_APPLIED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const NOT_APPLIED_NAMES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

type Next = (args: unknown) => Promise<unknown>;
/**
 * Inside the SDK's retry loop of a non-idempotent update: a failure that may have been applied
 * (reset, timeout, 5xx) ends the loop instead of being resent, so the write applies at most once.
 */
const atMostOnce = (next: Next) => async (args: unknown) => {
  try {
    return await next(args);
  } catch (error) {
    const code = errorField(error, 'code');
    const status = errorField(errorField(error, '$metadata'), 'httpStatusCode');
    const refused = (typeof code === 'string' && NOT_APPLIED_CODES.has(code)) || NOT_APPLIED_NAMES.has(errorName(error) ?? '');
    const answered = typeof status === 'number' && status >= 400 && status < 500;
    // An abort is never resent; the operation reports it (its outcome is unknown too).
    if (refused || answered || errorName(error) === 'AbortError') throw error;
    throw new UnconfirmedWriteError(error);
  }
};

/**
 * Marks the requests that apply at most once on their input object (a symbol key: the SDK
 * serialises only the operation's members, and copies of the input keep it). A property, not a
 * WeakSet: weak entries for every update would cost the garbage collector. Decided per request,
 * so a middleware stack resolved once per command type serves marked and unmarked updates alike.
 */
const AT_MOST_ONCE = Symbol('tablekit.atMostOnce');
const atMostOnceInstalled = new WeakSet<object>();
type MiddlewareStack = { addRelativeTo(middleware: never, options: typeof AFTER_RETRIES & { name: string }): void };
const AFTER_RETRIES = { relation: 'after', toMiddleware: 'retryMiddleware', override: true } as const;
type Marked = { [AT_MOST_ONCE]?: true };

/** Installs the at-most-once middleware once on the client's stack (inside the retry loop); it wraps only marked requests. */
function installAtMostOnce(stack: MiddlewareStack): void {
  if (atMostOnceInstalled.has(stack)) return;
  atMostOnceInstalled.add(stack);
  const middleware = (next: Next) => {
    const guarded = atMostOnce(next);
    return (args: { input?: Marked }) => (args.input?.[AT_MOST_ONCE] ? guarded(args) : next(args));
  };
  stack.addRelativeTo(middleware as never, { ...AFTER_RETRIES, name: 'tablekitAtMostOnce' });
}

/** Makes the requests of a command with this input (a non-idempotent update) apply at most once. */
export function markAtMostOnce(client: { readonly middlewareStack?: object }, input: object): void {
  if (client.middlewareStack) installAtMostOnce(client.middlewareStack as MiddlewareStack);
  (input as Marked)[AT_MOST_ONCE] = true;
}
