import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isMap } from '../expression/index.ts';
import { currentScope, type OperationScope } from './scope.ts';

/** The SDK's throttling error names (@smithy's THROTTLING_ERROR_CODES, DynamoDB's among them). */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
  'RequestThrottled',
  'RequestThrottledException',
  'ThrottledException',
  'TransactionInProgressException',
]);

const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);

export function isThrottling(error: unknown): boolean {
  if (!isMap(error)) return false;
  const retryable = error.$retryable;
  return THROTTLING.has(String(error.name)) || (isMap(retryable) && retryable.throttling === true);
}

/** Adds DynamoDB's ConsumedCapacity (one object, or one per table for batches and transactions) to the scope. */
function addCapacity(scope: OperationScope, consumed: unknown, read: boolean): void {
  for (const entry of Array.isArray(consumed) ? consumed : [consumed]) {
    if (!isMap(entry)) continue;
    const units = Number(entry.CapacityUnits ?? 0);
    const readUnits = entry.ReadCapacityUnits;
    const writeUnits = entry.WriteCapacityUnits;
    if (typeof readUnits === 'number' || typeof writeUnits === 'number') {
      scope.read += Number(readUnits ?? 0);
      scope.write += Number(writeUnits ?? 0);
    } else if (read) scope.read += units;
    else scope.write += units;
  }
}

type Stack = DynamoDBDocumentClient['middlewareStack'];
const installed = new WeakSet<Stack>();

/**
 * Two middlewares on the connection's client stack (its DocumentClient shares it): one per request
 * (counts it, asks for ReturnConsumedCapacity, adds what DynamoDB reports) and one per HTTP
 * attempt, inside the SDK's retry loop (counts attempts and throttling answers). Both do nothing
 * outside an observed operation; they are added once, when a table is first observed.
 */
export function installMetricsMiddleware(doc: Pick<DynamoDBDocumentClient, 'middlewareStack'>): void {
  const stack = doc.middlewareStack;
  if (!stack || installed.has(stack)) return;
  installed.add(stack);
  stack.add(
    (next, context) => async (args) => {
      const scope = currentScope();
      if (!scope) return next(args);
      scope.requests++;
      const input = isMap(args.input) ? Object.assign({}, args.input, { ReturnConsumedCapacity: 'TOTAL' }) : args.input;
      const result = await next(Object.assign({}, args, { input }));
      const output: unknown = result.output;
      if (isMap(output)) addCapacity(scope, output.ConsumedCapacity, READS.has(String(context.commandName)));
      return result;
    },
    { step: 'initialize', name: 'tablekitOperationMetrics', override: true },
  );
  stack.add(
    (next) => async (args) => {
      const scope = currentScope();
      if (!scope) return next(args);
      scope.attempts++;
      try {
        return await next(args);
      } catch (error) {
        if (isThrottling(error)) scope.throttles++;
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'tablekitAttemptMetrics', override: true },
  );
}
