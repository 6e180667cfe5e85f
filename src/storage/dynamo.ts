import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type {
  DeleteCommandInput,
  PutCommandInput,
  QueryCommandInput,
  ScanCommandInput,
  TransactWriteCommandInput,
  UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { sendCommand } from '../connection/index.ts';
import { ConditionFailedError, errorField, errorName, TransactionCancelledError } from '../errors/index.ts';
import { ExpressionBuilder, isMap } from '../expression/index.ts';
import type { RetryPolicy } from '../retry/index.ts';
import { markAtMostOnce } from './at-most-once.ts';
import { batchGetAll, batchWriteAll, type BatchTarget } from './batches.ts';
import { fromWire, fromWireOrUndefined, onWire, toWire, transactOnWire } from './wire.ts';
import { streamReaderFor, type RawListener } from '../streams/index.ts';
import type {
  BatchWriteOptions,
  BatchWriteRequest,
  BatchWriteResult,
  CheckInput,
  DeleteInput,
  GetInput,
  PutInput,
  QueryInput,
  RawItem,
  RawPage,
  ScanInput,
  Storage,
  TransactWriteItem,
  TransactWriteOptions,
  UpdateInput,
} from './types.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The item DynamoDB returned with a failed condition (ReturnValuesOnConditionCheckFailure), from the error or a cancellation reason. */
const oldItem = (source: unknown): RawItem | undefined => {
  const item = errorField(source, 'Item');
  // The SDK hands it over as raw AttributeValues (the DocumentClient does not convert error fields).
  return isMap(item) ? fromWire(item as Record<string, AttributeValue>) : undefined;
};

/** Request params with ElectroDB's keys already in the items; expressions rendered here. */
export function putParams(tableName: string, input: PutInput): PutCommandInput {
  if (!input.condition) return { TableName: tableName, Item: input.item };
  const builder = new ExpressionBuilder();
  const condition = builder.condition(input.condition);
  return { TableName: tableName, Item: input.item, ConditionExpression: condition, ...builder.attributes() };
}

export function updateParams(tableName: string, input: UpdateInput): UpdateCommandInput & { UpdateExpression: string } {
  const builder = new ExpressionBuilder();
  const update = builder.update(input.actions);
  const condition = input.condition ? builder.condition(input.condition) : undefined;
  return { TableName: tableName, Key: input.key, UpdateExpression: update, ...(condition ? { ConditionExpression: condition } : {}), ...builder.attributes() };
}

function keyedParams(tableName: string, input: DeleteInput | CheckInput): DeleteCommandInput & { ConditionExpression?: string } {
  if (!input.condition) return { TableName: tableName, Key: input.key };
  const builder = new ExpressionBuilder();
  const condition = builder.condition(input.condition);
  return { TableName: tableName, Key: input.key, ConditionExpression: condition, ...builder.attributes() };
}

export function transactParams(tableName: string, item: TransactWriteItem, itemsOnFailure = true): TransactItem {
  const onFailure = itemsOnFailure ? ({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as const) : {};
  if ('put' in item) return { Put: Object.assign(putParams(tableName, item.put), onFailure) };
  if ('update' in item) return { Update: Object.assign(updateParams(tableName, item.update), onFailure) };
  if ('delete' in item) return { Delete: Object.assign(keyedParams(tableName, item.delete), onFailure) };
  const check = keyedParams(tableName, item.check);
  return { ConditionCheck: Object.assign(check, { ConditionExpression: check.ConditionExpression ?? '' }, onFailure) };
}

export function queryParams(tableName: string, input: QueryInput): QueryCommandInput {
  const builder = new ExpressionBuilder();
  const key = builder.keyCondition(input.key);
  const filter = input.filter ? builder.condition(input.filter) : undefined;
  const projection = input.projection ? builder.projection(input.projection) : undefined;
  return {
    TableName: tableName,
    ...(input.indexName ? { IndexName: input.indexName } : {}),
    KeyConditionExpression: key,
    ...(filter ? { FilterExpression: filter } : {}),
    ...(projection ? { ProjectionExpression: projection } : {}),
    ...builder.attributes(),
    ...(input.limit !== undefined ? { Limit: input.limit } : {}),
    ...(input.startKey ? { ExclusiveStartKey: input.startKey } : {}),
    ...(input.forward ? {} : { ScanIndexForward: false }),
    ...(input.consistent ? { ConsistentRead: true } : {}),
  };
}

export function scanParams(tableName: string, input: ScanInput): ScanCommandInput {
  const builder = new ExpressionBuilder();
  const filter = input.filter ? builder.condition(input.filter) : undefined;
  const projection = input.projection ? builder.projection(input.projection) : undefined;
  return {
    TableName: tableName,
    ...(filter ? { FilterExpression: filter } : {}),
    ...(projection ? { ProjectionExpression: projection } : {}),
    ...builder.attributes(),
    ...(input.limit !== undefined ? { Limit: input.limit } : {}),
    ...(input.startKey ? { ExclusiveStartKey: input.startKey } : {}),
    ...(input.consistent ? { ConsistentRead: true } : {}),
    ...(input.segment ? { Segment: input.segment.index, TotalSegments: input.segment.total } : {}),
  };
}

// Added with Object.assign to the fresh params: V8 builds `{ ...params, extra }` on a slow path.
const RETURN_OLD_ON_FAILURE = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as const;
const RETURN_NEW = { ReturnValues: 'ALL_NEW' } as const;
const RETURN_OLD = { ReturnValues: 'ALL_OLD' } as const;

const isConditionFailure = (error: unknown) => errorName(error) === 'ConditionalCheckFailedException';

/** The SDK sent the request more than once (its retries): an earlier attempt may have been applied. */
const wasResent = (error: unknown) => {
  const attempts = errorField(errorField(error, '$metadata'), 'attempts');
  return typeof attempts === 'number' && attempts > 1;
};

const conditionFailed = (error: unknown) => new ConditionFailedError(oldItem(error), { cause: error, resent: wasResent(error) });

/**
 * One DynamoDB table through the low-level client, items converted here with the DocumentClient's
 * own converter: requests skip the DocumentClient's extra middleware, and on clients tablekit
 * created the middleware stack is resolved once per command type (see sendCommand). Errors other
 * than failed conditions are thrown as the SDK raised them.
 */
export class DynamoStorage implements Storage {
  readonly kind = 'dynamodb';

  /** Passed to every request: the operation's signal ends it (and the SDK's waits between retries). */
  private readonly sendOptions: { abortSignal: AbortSignal } | undefined;

  constructor(
    readonly tableName: string,
    private readonly client: DynamoDBClient,
    private readonly retry: RetryPolicy,
    private readonly signal?: AbortSignal,
  ) {
    this.sendOptions = signal ? { abortSignal: signal } : undefined;
  }

  /** The last storage made for a signal: calls that pass the same AbortSignal share it. */
  private scoped: DynamoStorage | undefined;

  withSignal(signal: AbortSignal | undefined): Storage {
    if (!signal) return this;
    if (this.scoped?.signal !== signal) this.scoped = new DynamoStorage(this.tableName, this.client, this.retry, signal);
    return this.scoped;
  }

  async get(input: GetInput): Promise<RawItem | undefined> {
    const builder = new ExpressionBuilder();
    const projection = input.projection ? builder.projection(input.projection) : undefined;
    const params = {
      TableName: this.tableName,
      Key: toWire(input.key),
      ...(input.consistent ? { ConsistentRead: true } : {}),
      ...(projection ? { ProjectionExpression: projection, ...builder.attributes() } : {}),
    };
    if (params.ExpressionAttributeValues) params.ExpressionAttributeValues = toWire(params.ExpressionAttributeValues);
    const result = await sendCommand(this.client, new GetItemCommand(params as never), this.sendOptions);
    return fromWireOrUndefined(result.Item);
  }

  async put(input: PutInput): Promise<void> {
    try {
      const params = onWire(putParams(this.tableName, input));
      await sendCommand(this.client, new PutItemCommand((input.condition ? Object.assign(params, RETURN_OLD_ON_FAILURE) : params) as never), this.sendOptions);
    } catch (error) {
      if (isConditionFailure(error)) throw conditionFailed(error);
      throw error;
    }
  }

  async update(input: UpdateInput): Promise<RawItem> {
    try {
      const params = onWire(Object.assign(updateParams(this.tableName, input), RETURN_NEW, input.condition ? RETURN_OLD_ON_FAILURE : undefined));
      if (input.idempotent === false) markAtMostOnce(this.client, params);
      const result = await sendCommand(this.client, new UpdateItemCommand(params as never), this.sendOptions);
      return result.Attributes ? fromWire(result.Attributes) : {};
    } catch (error) {
      if (isConditionFailure(error)) throw conditionFailed(error);
      throw error;
    }
  }

  async delete(input: DeleteInput): Promise<RawItem | undefined> {
    try {
      const params = onWire(Object.assign(keyedParams(this.tableName, input), RETURN_OLD, input.condition ? RETURN_OLD_ON_FAILURE : undefined));
      const result = await sendCommand(this.client, new DeleteItemCommand(params as never), this.sendOptions);
      return fromWireOrUndefined(result.Attributes);
    } catch (error) {
      if (isConditionFailure(error)) throw conditionFailed(error);
      throw error;
    }
  }

  async query(input: QueryInput): Promise<RawPage> {
    const result = await sendCommand(this.client, new QueryCommand(onWire(queryParams(this.tableName, input)) as never), this.sendOptions);
    return { items: (result.Items ?? []).map(fromWire), lastKey: fromWireOrUndefined(result.LastEvaluatedKey) };
  }

  async scan(input: ScanInput): Promise<RawPage> {
    const result = await sendCommand(this.client, new ScanCommand(onWire(scanParams(this.tableName, input)) as never), this.sendOptions);
    return {
      items: (result.Items ?? []).map(fromWire),
      lastKey: fromWireOrUndefined(result.LastEvaluatedKey),
      ...(result.ScannedCount !== undefined ? { examined: result.ScannedCount } : {}),
    };
  }

  batchGet(keys: readonly RawItem[], consistent: boolean): Promise<RawItem[]> {
    return batchGetAll(this.batchTarget(), keys, consistent);
  }

  batchWrite(requests: readonly BatchWriteRequest[], options: BatchWriteOptions = {}): Promise<BatchWriteResult> {
    return batchWriteAll(this.batchTarget(), requests, options);
  }

  private batchTarget(): BatchTarget {
    return { client: this.client, tableName: this.tableName, retry: this.retry, signal: this.signal, sendOptions: this.sendOptions };
  }

  async transactWrite(items: readonly TransactWriteItem[], options: TransactWriteOptions = {}): Promise<void> {
    if (items.length === 0) return;
    try {
      await sendCommand(
        this.client,
        new TransactWriteItemsCommand({
          TransactItems: items.map((item) => transactOnWire(transactParams(this.tableName, item, options.itemsOnFailure ?? true))) as never,
          // Without one the SDK fills in a fresh token per call (an idempotency token member), so its own resends apply once.
          ...(options.token ? { ClientRequestToken: options.token } : {}),
        }),
        this.sendOptions,
      );
    } catch (error) {
      const reasons = errorField(error, 'CancellationReasons');
      const codes = Array.isArray(reasons) ? reasons.map((reason) => errorField(reason, 'Code')) : [];
      if (errorName(error) === 'TransactionCanceledException' && Array.isArray(reasons) && codes.includes('ConditionalCheckFailed')) {
        throw new TransactionCancelledError(
          reasons.map((reason, index) => ({ code: String(codes[index] ?? 'None'), item: oldItem(reason) })),
          { cause: error },
        );
      }
      throw error;
    }
  }

  async transactGet(keys: readonly RawItem[]): Promise<(RawItem | undefined)[]> {
    if (keys.length === 0) return [];
    const result = await sendCommand(
      this.client,
      new TransactGetItemsCommand({ TransactItems: keys.map((key) => ({ Get: { TableName: this.tableName, Key: toWire(key) } })) }),
      this.sendOptions,
    );
    return keys.map((_, index) => fromWireOrUndefined(result.Responses?.[index]?.Item));
  }

  subscribe(listener: RawListener): Promise<() => void> {
    return streamReaderFor(this.client, this.tableName).subscribe(listener);
  }

  closeStreams(): void {
    streamReaderFor(this.client, this.tableName).dispose();
  }
}
