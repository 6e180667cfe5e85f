import { errorField } from './inspect.ts';
import { RepositoryError, type RepositoryErrorCode } from './repository-error.ts';

/** One cancellation reason of a TransactWriteItems, in request order. */
export interface CancellationReason {
  Code?: string;
  Message?: string;
}

export interface ErrorContext {
  /** Entity name, for messages. */
  entity?: string;
  /** The id the operation was about, for messages and `error.id`. */
  id?: unknown;
  /** What a failed condition means for this operation (`alreadyExists` for a put-if-absent, ...). */
  conditionFailed?: RepositoryErrorCode;
  /** Explains a cancelled transaction from its per-item reasons (index = request order). */
  explainCancellation?: (reasons: CancellationReason[], cause: unknown) => RepositoryError | undefined;
}

const throttlingNames = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException']);
const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const timeoutNames = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError']);

function describeId(id: unknown): string {
  if (id === undefined) return '';
  return ` ${typeof id === 'string' ? `'${id}'` : JSON.stringify(id)}`;
}

function messageFor(code: RepositoryErrorCode, context: ErrorContext, fallback: string): string {
  const subject = `${context.entity ?? 'item'}${describeId(context.id)}`;
  switch (code) {
    case 'notFound':
      return `${subject} not found`;
    case 'alreadyExists':
      return `${subject} already exists`;
    case 'conflict':
      return `${subject} was changed concurrently (version conflict)`;
    default:
      return fallback;
  }
}

/** The error for a failed precondition (notFound, alreadyExists, conflict), worded the same everywhere. */
export function conditionError(code: RepositoryErrorCode, context: Pick<ErrorContext, 'entity' | 'id'>, cause?: unknown): RepositoryError {
  return new RepositoryError(code, messageFor(code, context, `${context.entity ?? 'item'}${describeId(context.id)}: ${code}`), { cause, id: context.id });
}

const serverStatus = (error: unknown) => {
  const status = errorField(errorField(error, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' && status >= 500;
};

/**
 * The one place where errors from the SDK, the network and ElectroDB become RepositoryErrors.
 * Decisions use error names and cancellation reason codes, never message text.
 */
export function mapError(error: unknown, context: ErrorContext = {}): RepositoryError {
  if (error instanceof RepositoryError) return error;
  if (error instanceof UnconfirmedWriteError) {
    const underlying = mapError(error.original, context);
    return new RepositoryError(
      underlying.code,
      `${underlying.message} — the write may or may not have been applied; it was not sent again because it is not idempotent (it adds to a number or a list)`,
      { cause: error.original, id: underlying.id, entity: underlying.entity },
    );
  }
  const err = (error ?? {}) as { name?: string; code?: string; message?: string; CancellationReasons?: CancellationReason[] };
  const name = err.name ?? '';
  const message = err.message ?? String(error);
  const make = (code: RepositoryErrorCode, text = message) => new RepositoryError(code, messageFor(code, context, text), { cause: error, id: context.id });

  if (name === 'ConditionalCheckFailedException') return make(context.conditionFailed ?? 'conflict');
  if (name === 'TransactionCanceledException') {
    const reasons = err.CancellationReasons ?? [];
    const explained = context.explainCancellation?.(reasons, error);
    if (explained) return explained;
    const codes = reasons.map((reason) => reason.Code);
    if (codes.includes('ThrottlingError')) return make('throttled', `transaction throttled: ${message}`);
    if (codes.includes('ConditionalCheckFailed')) return make(context.conditionFailed ?? 'conflict');
    if (codes.includes('ValidationError')) return make('validation', `transaction rejected: ${message}`);
    return make('conflict', `transaction cancelled: ${message}`);
  }
  if (name === 'TransactionConflictException' || name === 'TransactionInProgressException') return make('conflict');
  if (throttlingNames.has(name)) return make('throttled', `DynamoDB throttled the request: ${message}`);
  if (name === 'IdempotentParameterMismatchException') {
    return make('validation', `this idempotency token was used for a different request: ${message}`);
  }
  if (name === 'ValidationException' || name === 'ItemCollectionSizeLimitExceededException') {
    return make('validation', `DynamoDB rejected the request: ${message}`);
  }
  if (name === 'ElectroError' || name === 'ElectroValidationError' || name === 'ElectroAttributeValidationError') {
    return make('validation', message);
  }
  if (name === 'ResourceNotFoundException') {
    return make('unknown', `table not found (create it with table.ensure() or 'tablekit table ensure'): ${message}`);
  }
  // The operation's deadline or its caller's signal ended the request (the operation reports which).
  if (name === 'AbortError') return make('aborted', `the request was aborted: ${message}`);
  if (timeoutNames.has(name) || err.code === 'ETIMEDOUT') return make('timeout', `request timed out: ${message}`);
  // DynamoDB itself failed (5xx) and the SDK's retries did not get through: it is unavailable, not the caller's mistake.
  if (name === 'InternalServerError' || name === 'ServiceUnavailable' || name === 'ServiceUnavailableException' || serverStatus(error)) {
    return make('connection', `DynamoDB is unavailable (server error): ${message}`);
  }
  if ((err.code && connectionCodes.has(err.code)) || name === 'NetworkingError') {
    return make('connection', `cannot reach DynamoDB: ${message}`);
  }
  return make('unknown');
}

/** A single-item write whose condition failed; `item` is the item as it was (undefined: none). */
export class ConditionFailedError extends Error {
  override readonly name = 'ConditionFailedError';
  /** The SDK sent the request more than once: an earlier attempt may have applied it. */
  readonly resent: boolean;
  constructor(
    readonly item: Record<string, unknown> | undefined,
    options?: { cause?: unknown; resent?: boolean },
  ) {
    super('the conditional request failed', options);
    this.resent = options?.resent ?? false;
  }
}

/**
 * A non-idempotent write (ADD to a number, append to a list) failed in a way that leaves its
 * outcome unknown (connection reset, timeout, 5xx). It is thrown inside the SDK's retry loop in
 * place of the original error, which the SDK would resend, applying the write twice. It keeps
 * the original in `original`, not `cause`: the SDK treats an error with a transient cause as
 * transient too.
 */
export class UnconfirmedWriteError extends Error {
  override readonly name = 'TablekitUnconfirmedWrite';
  constructor(readonly original: unknown) {
    super(`the write's outcome is unknown: ${original instanceof Error ? original.message : String(original)}`);
  }
}

/** A transaction cancelled by failed conditions; one reason per item, in request order. */
export class TransactionCancelledError extends Error {
  override readonly name = 'TransactionCancelledError';
  constructor(
    readonly reasons: readonly { readonly code: string; readonly item: Record<string, unknown> | undefined }[],
    options?: { cause?: unknown },
  ) {
    super(`transaction cancelled: ${reasons.map((reason) => reason.code).join(', ')}`, options);
  }
}
