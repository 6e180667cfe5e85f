import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapError, type ErrorContext } from '../errors/index.ts';

export type TransactionAction = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
type Params = Record<string, unknown>;

/** One TransactWriteItems entry from request params ElectroDB built (keeps keys and expressions). */
export function transactItem(action: TransactionAction, params: Params): Record<string, Params> {
  // Single-item options that TransactWriteItems does not accept.
  const { ReturnValues: _returnValues, ReturnConsumedCapacity: _capacity, ReturnItemCollectionMetrics: _metrics, ...rest } = params;
  return { [action]: rest };
}

/** Sends one TransactWriteItems; failures go through the one error mapper. */
export async function transactWrite(doc: DynamoDBDocumentClient, items: Record<string, Params>[], context: ErrorContext = {}): Promise<void> {
  if (items.length === 0) return;
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: items } as ConstructorParameters<typeof TransactWriteCommand>[0]));
  } catch (error) {
    throw mapError(error, context);
  }
}
