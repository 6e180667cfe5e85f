import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { translateConfig } from '../connection/index.ts';
import type { RawItem } from './types.ts';

type WireItem = Record<string, AttributeValue>;
type WireParams = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * The options of tablekit's DocumentClient, copied: the DocumentClient writes its own defaults
 * into the objects it is given (a wrapped top level), which would change what these calls return.
 */
const marshallOptions = Object.freeze({ ...translateConfig.marshallOptions, convertTopLevelContainer: false });
const unmarshallOptions = Object.freeze({ ...translateConfig.unmarshallOptions, convertWithoutMapWrapper: false });

/** An item in DynamoDB's wire format, converted as tablekit's DocumentClient converts it (the same converter and options). */
export const toWire = (item: RawItem): WireItem => marshall(item, marshallOptions);
export const fromWire = (item: WireItem): RawItem => unmarshall(item, unmarshallOptions);
export const fromWireOrUndefined = (item: WireItem | undefined): RawItem | undefined => (item ? fromWire(item) : undefined);

/** Request params built with plain values (as the studio shows them), converted in place to the wire format. */
export function onWire<T extends object>(params: T): T {
  const wire = params as WireParams;
  if (wire.Item) wire.Item = toWire(wire.Item as RawItem);
  if (wire.Key) wire.Key = toWire(wire.Key as RawItem);
  if (wire.ExpressionAttributeValues) wire.ExpressionAttributeValues = toWire(wire.ExpressionAttributeValues as RawItem);
  if (wire.ExclusiveStartKey) wire.ExclusiveStartKey = toWire(wire.ExclusiveStartKey as RawItem);
  return params;
}

/** One item of a TransactWriteItems request, converted in place. */
export function transactOnWire(item: TransactItem): TransactItem {
  if (item.Put) onWire(item.Put);
  else if (item.Update) onWire(item.Update);
  else if (item.Delete) onWire(item.Delete);
  else if (item.ConditionCheck) onWire(item.ConditionCheck);
  return item;
}
