import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchWriteCommandInput,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  type PutCommandInput,
  type QueryCommandInput,
  type ScanCommandInput,
  type TransactWriteCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import pLimit from 'p-limit';
import { ConditionFailedError, errorField, errorName, RepositoryError, TransactionCancelledError } from '../errors/index.ts';
import { ExpressionBuilder, isMap } from '../expression/index.ts';
import { withRetries, type RetryPolicy } from '../retry/index.ts';
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
  return isMap(item) ? unmarshall(item as Record<string, AttributeValue>) : undefined;
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

export function transactParams(tableName: string, item: TransactWriteItem): TransactItem {
  const onFailure = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as const;
  if ('put' in item) return { Put: { ...putParams(tableName, item.put), ...onFailure } };
  if ('update' in item) return { Update: { ...updateParams(tableName, item.update), ...onFailure } };
  if ('delete' in item) return { Delete: { ...keyedParams(tableName, item.delete), ...onFailure } };
  const check = keyedParams(tableName, item.check);
  return { ConditionCheck: { ...check, ConditionExpression: check.ConditionExpression ?? '', ...onFailure } };
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

const isConditionFailure = (error: unknown) => errorName(error) === 'ConditionalCheckFailedException';

/** One DynamoDB table through the DocumentClient; errors other than failed conditions are thrown as the SDK raised them. */
export class DynamoStorage implements Storage {
  readonly kind = 'dynamodb';

  constructor(
    readonly tableName: string,
    private readonly doc: DynamoDBDocumentClient,
    private readonly client: DynamoDBClient,
    private readonly retry: RetryPolicy,
  ) {}

  async get(input: GetInput): Promise<RawItem | undefined> {
    const builder = new ExpressionBuilder();
    const projection = input.projection ? builder.projection(input.projection) : undefined;
    const params = {
      TableName: this.tableName,
      Key: input.key,
      ...(input.consistent ? { ConsistentRead: true } : {}),
      ...(projection ? { ProjectionExpression: projection, ...builder.attributes() } : {}),
    };
    const result = await this.doc.send(new GetCommand(params));
    return result.Item;
  }

  async put(input: PutInput): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({ ...putParams(this.tableName, input), ...(input.condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}) }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConditionFailedError(oldItem(error), { cause: error });
      throw error;
    }
  }

  async update(input: UpdateInput): Promise<RawItem> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          ...updateParams(this.tableName, input),
          ReturnValues: 'ALL_NEW',
          ...(input.condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
        }),
      );
      return result.Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) throw new ConditionFailedError(oldItem(error), { cause: error });
      throw error;
    }
  }

  async delete(input: DeleteInput): Promise<RawItem | undefined> {
    try {
      const result = await this.doc.send(
        new DeleteCommand({
          ...keyedParams(this.tableName, input),
          ReturnValues: 'ALL_OLD',
          ...(input.condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
        }),
      );
      return result.Attributes;
    } catch (error) {
      if (isConditionFailure(error)) throw new ConditionFailedError(oldItem(error), { cause: error });
      throw error;
    }
  }

  async query(input: QueryInput): Promise<RawPage> {
    const result = await this.doc.send(new QueryCommand(queryParams(this.tableName, input)));
    return { items: result.Items ?? [], lastKey: result.LastEvaluatedKey };
  }

  async scan(input: ScanInput): Promise<RawPage> {
    const result = await this.doc.send(new ScanCommand(scanParams(this.tableName, input)));
    return { items: result.Items ?? [], lastKey: result.LastEvaluatedKey };
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
            async () => {
              const result = await this.doc.send(
                new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ...(consistent ? { ConsistentRead: true } : {}) } } }),
              );
              found.push(...(result.Responses?.[this.tableName] ?? []));
              pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
              return pending.length === 0 ? { done: true, value: undefined } : { done: false };
            },
            () => new RepositoryError('throttled', `${pending.length} key(s) stayed unprocessed after ${this.retry.maxAttempts} BatchGetItem attempts`),
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
    const toRequest = (request: BatchWriteRequest): WriteRequest =>
      'put' in request ? { PutRequest: { Item: request.put } } : { DeleteRequest: { Key: request.delete } };
    await Promise.all(
      chunk(requests, BATCH_WRITE_SIZE).map((requestChunk) =>
        limit(async () => {
          // After a failure nothing new is scheduled: the caller learns exactly what was written.
          if (failure) return;
          let pending: WriteRequest[] = requestChunk.map(toRequest);
          try {
            await withRetries(
              this.retry,
              async () => {
                if (failure) throw failure.error;
                sent++;
                const response = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
                const unprocessed = response.UnprocessedItems?.[this.tableName] ?? [];
                written += pending.length - unprocessed.length;
                retriedItems += unprocessed.length;
                options.onWritten?.(written);
                pending = unprocessed;
                return pending.length === 0 ? { done: true, value: undefined } : { done: false };
              },
              () => new RepositoryError('throttled', `${pending.length} item(s) stayed unprocessed after ${this.retry.maxAttempts} BatchWriteItem attempts`),
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

  async transactWrite(items: readonly TransactWriteItem[], options: { token?: string } = {}): Promise<void> {
    if (items.length === 0) return;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: items.map((item) => transactParams(this.tableName, item)),
          ...(options.token ? { ClientRequestToken: options.token } : {}),
        }),
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
    const result = await this.doc.send(new TransactGetCommand({ TransactItems: keys.map((key) => ({ Get: { TableName: this.tableName, Key: key } })) }));
    return keys.map((_, index) => result.Responses?.[index]?.Item);
  }

  subscribe(listener: RawListener): Promise<() => void> {
    return streamReaderFor(this.client, this.tableName).subscribe(listener);
  }

  closeStreams(): void {
    streamReaderFor(this.client, this.tableName).dispose();
  }
}
