import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

type Wire = Record<string, AttributeValue>;
const ITEM_FIELDS = new Set(['Item', 'Key', 'ExpressionAttributeValues', 'ExclusiveStartKey']);

/**
 * A recorded request input with its attribute values as plain values: tablekit sends DynamoDB's
 * wire format ({ S: '…' }); tests read the values as the application wrote them.
 */
export function plainRequest<T>(value: T, key = ''): T {
  if (value === null || typeof value !== 'object') return value;
  if (ITEM_FIELDS.has(key)) return unmarshall(value as Wire) as T;
  if (key === 'Keys' && Array.isArray(value)) return value.map((item: Wire) => unmarshall(item)) as T;
  if (Array.isArray(value)) return value.map((inner) => plainRequest(inner)) as T;
  return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, plainRequest(inner, name)])) as T;
}
