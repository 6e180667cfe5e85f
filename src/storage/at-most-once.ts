import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
 * Marks the commands whose requests apply at most once, on their middleware stack (a
 * DocumentClient command shares its client command's). A property, not a WeakSet: weak entries
 * for every update would cost the garbage collector.
 */
const AT_MOST_ONCE = Symbol('tablekit.atMostOnce');
const atMostOnceInstalled = new WeakSet<object>();
type MiddlewareStack = DynamoDBDocumentClient['middlewareStack'];
const AFTER_RETRIES = { relation: 'after', toMiddleware: 'retryMiddleware', override: true } as const;
/** What is used of a command's own stack. */
type CommandStack = { addRelativeTo(middleware: never, options: typeof AFTER_RETRIES & { name: string }): void };
type RequestContext = { __smithy_context?: { commandInstance?: { middlewareStack?: { [AT_MOST_ONCE]?: true } } } };

/**
 * Installs the at-most-once middleware once on the client's stack (inside the retry loop); it
 * wraps only the requests of commands marked with AT_MOST_ONCE. Adding it to each command
 * instead would make the SDK re-order that command's middleware on every send.
 */
function installAtMostOnce(stack: MiddlewareStack): void {
  if (atMostOnceInstalled.has(stack)) return;
  atMostOnceInstalled.add(stack);
  const middleware = (next: Next, context: RequestContext) => {
    return context.__smithy_context?.commandInstance?.middlewareStack?.[AT_MOST_ONCE] ? atMostOnce(next) : next;
  };
  stack.addRelativeTo(middleware as never, { ...AFTER_RETRIES, name: 'tablekitAtMostOnce' });
}

/** Makes the requests of `command` (a non-idempotent update) apply at most once. */
export function markAtMostOnce(doc: Pick<DynamoDBDocumentClient, 'middlewareStack'>, command: { middlewareStack: CommandStack }): void {
  const stack: MiddlewareStack | undefined = doc.middlewareStack;
  if (stack) {
    installAtMostOnce(stack);
    (command.middlewareStack as { [AT_MOST_ONCE]?: true })[AT_MOST_ONCE] = true;
  } else {
    // A DocumentClient without a stack of its own (a stand-in): on the command itself.
    command.middlewareStack.addRelativeTo(atMostOnce as never, { ...AFTER_RETRIES, name: 'tablekitAtMostOnce' });
  }
}
