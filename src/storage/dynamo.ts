import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
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
  type WriteRequest as WireWriteRequest,
} from '@aws-sdk/client-dynamodb';
import type {
  BatchWriteCommandInput,
  DeleteCommandInput,
  PutCommandInput,
  QueryCommandInput,
  ScanCommandInput,
  TransactWriteCommandInput,
  UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { sendCommand } from '../connection/index.ts';
import pLimit from 'p-limit';
import { ConditionFailedError, errorField, errorName, RepositoryError, TransactionCancelledError } from '../errors/index.ts';
import { ExpressionBuilder, isMap, valuesEqual } from '../expression/index.ts';
import { noteResend, noteThrottle } from '../metrics/index.ts';
import { withRetries, type RetryPolicy } from '../retry/index.ts';
import { markAtMostOnce } from './at-most-once.ts';
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
type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const BATCH_WRITE_SIZE = 25;
const BATCH_GET_SIZE = 100;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

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

  async batchGet(keys: readonly RawItem[], consistent: boolean): Promise<RawItem[]> {
    const found: RawItem[] = [];
    const limit = pLimit(4);
    await Promise.all(
      chunk(keys, BATCH_GET_SIZE).map((keysChunk) =>
        limit(async () => {
          let pending: RawItem[] = keysChunk;
          await withRetries(
            this.retry,
            async (attempt) => {
              if (attempt > 1) noteResend();
              const result = await sendCommand(
                this.client,
                new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: pending.map(toWire), ...(consistent ? { ConsistentRead: true } : {}) } } }),
                this.sendOptions,
              );
              for (const item of result.Responses?.[this.tableName] ?? []) found.push(fromWire(item));
              pending = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []).map(fromWire);
              if (pending.length > 0) noteThrottle();
              return pending.length === 0 ? { done: true, value: undefined } : { done: false };
            },
            () => new RepositoryError('throttled', `${pending.length} key(s) stayed unprocessed after ${this.retry.maxAttempts} BatchGetItem attempts`),
            this.signal,
          );
        }),
      ),
    );
    return found;
  }

  async batchWrite(requests: readonly BatchWriteRequest[], options: BatchWriteOptions = {}): Promise<BatchWriteResult> {
    let sent = 0;
    let retriedItems = 0;
    let written = 0;
    let failure: { error: unknown } | undefined;
    const limit = pLimit(Math.max(1, Math.floor(options.concurrency ?? 8)));
    const toRequest = (request: BatchWriteRequest): WireWriteRequest =>
      'put' in request ? { PutRequest: { Item: toWire(request.put) } } : { DeleteRequest: { Key: toWire(request.delete) } };
    const fromRequest = (request: WireWriteRequest): WriteRequest =>
      request.PutRequest
        ? { PutRequest: { Item: fromWire(request.PutRequest.Item ?? {}) } }
        : { DeleteRequest: { Key: fromWire(request.DeleteRequest?.Key ?? {}) } };
    const asRequest = (request: WriteRequest): BatchWriteRequest =>
      request.PutRequest ? { put: request.PutRequest.Item ?? {} } : { delete: request.DeleteRequest?.Key ?? {} };
    const sameRequest = (sent: BatchWriteRequest, unprocessed: WriteRequest) =>
      'put' in sent ? valuesEqual(sent.put, unprocessed.PutRequest?.Item) : valuesEqual(sent.delete, unprocessed.DeleteRequest?.Key);
    /** DynamoDB returns unprocessed requests as copies: find what we sent, so the rest is known to be written. */
    const unprocessedOf = (
      pending: readonly BatchWriteRequest[],
      unprocessed: readonly WriteRequest[],
    ): { left: BatchWriteRequest[]; confirmed: BatchWriteRequest[] } => {
      if (unprocessed.length === 0) return { left: [], confirmed: [...pending] };
      const left = unprocessed.map((entry) => pending.find((sent) => sameRequest(sent, entry)));
      if (left.some((sent) => sent === undefined) || new Set(left).size !== left.length) return { left: unprocessed.map(asRequest), confirmed: [] };
      return { left: left.filter((sent) => sent !== undefined), confirmed: pending.filter((sent) => !left.includes(sent)) };
    };
    await Promise.all(
      chunk(requests, BATCH_WRITE_SIZE).map((requestChunk) =>
        limit(async () => {
          // After a failure nothing new is scheduled: the caller learns exactly what was written.
          if (failure) return;
          let pending: BatchWriteRequest[] = requestChunk;
          try {
            await withRetries(
              this.retry,
              async (attempt) => {
                if (failure) throw failure.error;
                if (attempt > 1) noteResend();
                sent++;
                const response = await sendCommand(
                  this.client,
                  new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending.map(toRequest) } }),
                  this.sendOptions,
                );
                const { left, confirmed } = unprocessedOf(pending, (response.UnprocessedItems?.[this.tableName] ?? []).map(fromRequest));
                written += pending.length - left.length;
                retriedItems += left.length;
                if (left.length > 0) noteThrottle();
                options.onWritten?.(written, confirmed);
                pending = left;
                return pending.length === 0 ? { done: true, value: undefined } : { done: false };
              },
              () => new RepositoryError('throttled', `${pending.length} item(s) stayed unprocessed after ${this.retry.maxAttempts} BatchWriteItem attempts`),
              this.signal,
            );
          } catch (error) {
            failure ??= { error };
          }
        }),
      ),
    );
    if (failure) throw failure.error;
    return { requests: sent, retriedItems };
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
