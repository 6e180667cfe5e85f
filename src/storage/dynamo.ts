import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import pLimit from 'p-limit';
import { ConditionFailedError, RepositoryError, TransactionCancelledError } from '../errors/index.ts';
import { ExpressionBuilder } from '../expression/index.ts';
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

type AttributeMap = Parameters<typeof unmarshall>[0];
type Params = Record<string, unknown>;

const BATCH_WRITE_SIZE = 25;
const BATCH_GET_SIZE = 100;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/** The item DynamoDB returned with a failed condition (ReturnValuesOnConditionCheckFailure). */
const oldItem = (item: unknown): RawItem | undefined => (item && typeof item === 'object' ? unmarshall(item as AttributeMap) : undefined);

/** Request params with ElectroDB's keys already in the items; expressions rendered here. */
export function putParams(tableName: string, input: PutInput): Params {
  if (!input.condition) return { TableName: tableName, Item: input.item };
  const builder = new ExpressionBuilder();
  const condition = builder.condition(input.condition);
  return { TableName: tableName, Item: input.item, ConditionExpression: condition, ...builder.attributes() };
}

export function updateParams(tableName: string, input: UpdateInput): Params {
  const builder = new ExpressionBuilder();
  const update = builder.update(input.actions);
  const condition = input.condition ? builder.condition(input.condition) : undefined;
  return { TableName: tableName, Key: input.key, UpdateExpression: update, ...(condition ? { ConditionExpression: condition } : {}), ...builder.attributes() };
}

function keyedParams(tableName: string, input: DeleteInput | CheckInput): Params {
  if (!input.condition) return { TableName: tableName, Key: input.key };
  const builder = new ExpressionBuilder();
  const condition = builder.condition(input.condition);
  return { TableName: tableName, Key: input.key, ConditionExpression: condition, ...builder.attributes() };
}

export function transactParams(tableName: string, item: TransactWriteItem): Params {
  const onFailure = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' };
  if ('put' in item) return { Put: { ...putParams(tableName, item.put), ...onFailure } };
  if ('update' in item) return { Update: { ...updateParams(tableName, item.update), ...onFailure } };
  if ('delete' in item) return { Delete: { ...keyedParams(tableName, item.delete), ...onFailure } };
  return { ConditionCheck: { ...keyedParams(tableName, item.check), ...onFailure } };
}

export function queryParams(tableName: string, input: QueryInput): Params {
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

export function scanParams(tableName: string, input: ScanInput): Params {
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

const isConditionFailure = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** One DynamoDB table through the DocumentClient; errors other than failed conditions are thrown as the SDK raised them. */
export class DynamoStorage implements Storage {
  readonly kind = 'dynamodb';

  constructor(
    readonly tableName: string,
    private readonly doc: DynamoDBDocumentClient,
    private readonly client: DynamoDBClient,
    private readonly retry: RetryPolicy,
  ) {}

  // The DocumentClient's command types are stricter than our generic params; this is the one place they meet.
  private send<T>(command: unknown): Promise<T> {
    return this.doc.send(command as Parameters<DynamoDBDocumentClient['send']>[0]) as Promise<T>;
  }

  async get(input: GetInput): Promise<RawItem | undefined> {
    const builder = new ExpressionBuilder();
    const projection = input.projection ? builder.projection(input.projection) : undefined;
    const params = {
      TableName: this.tableName,
      Key: input.key,
      ...(input.consistent ? { ConsistentRead: true } : {}),
      ...(projection ? { ProjectionExpression: projection, ...builder.attributes() } : {}),
    };
    const result = await this.send<{ Item?: RawItem }>(new GetCommand(params as never));
    return result.Item;
  }

  async put(input: PutInput): Promise<void> {
    try {
      await this.send(
        new PutCommand({ ...putParams(this.tableName, input), ...(input.condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}) } as never),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConditionFailedError(oldItem((error as { Item?: unknown }).Item), { cause: error });
      throw error;
    }
  }

  async update(input: UpdateInput): Promise<RawItem> {
    try {
      const result = await this.send<{ Attributes?: RawItem }>(
        new UpdateCommand({
          ...updateParams(this.tableName, input),
          ReturnValues: 'ALL_NEW',
          ...(input.condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
        } as never),
      );
      return result.Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) throw new ConditionFailedError(oldItem((error as { Item?: unknown }).Item), { cause: error });
      throw error;
    }
  }

  async delete(input: DeleteInput): Promise<RawItem | undefined> {
    try {
      const result = await this.send<{ Attributes?: RawItem }>(
        new DeleteCommand({
          ...keyedParams(this.tableName, input),
          ReturnValues: 'ALL_OLD',
          ...(input.condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
        } as never),
      );
      return result.Attributes;
    } catch (error) {
      if (isConditionFailure(error)) throw new ConditionFailedError(oldItem((error as { Item?: unknown }).Item), { cause: error });
      throw error;
    }
  }

  async query(input: QueryInput): Promise<RawPage> {
    const result = await this.send<{ Items?: RawItem[]; LastEvaluatedKey?: RawItem }>(new QueryCommand(queryParams(this.tableName, input) as never));
    return { items: result.Items ?? [], lastKey: result.LastEvaluatedKey };
  }

  async scan(input: ScanInput): Promise<RawPage> {
    const result = await this.send<{ Items?: RawItem[]; LastEvaluatedKey?: RawItem }>(new ScanCommand(scanParams(this.tableName, input) as never));
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
              const result = await this.send<{ Responses?: Record<string, RawItem[]>; UnprocessedKeys?: Record<string, { Keys?: RawItem[] }> }>(
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
    const toRequest = (request: BatchWriteRequest) => ('put' in request ? { PutRequest: { Item: request.put } } : { DeleteRequest: { Key: request.delete } });
    await Promise.all(
      chunk(requests, BATCH_WRITE_SIZE).map((requestChunk) =>
        limit(async () => {
          // After a failure nothing new is scheduled: the caller learns exactly what was written.
          if (failure) return;
          let pending: Params[] = requestChunk.map(toRequest);
          try {
            await withRetries(
              this.retry,
              async () => {
                if (failure) throw failure.error;
                sent++;
                const response = await this.send<{ UnprocessedItems?: Record<string, Params[]> }>(
                  new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } } as never),
                );
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
      await this.send(
        new TransactWriteCommand({
          TransactItems: items.map((item) => transactParams(this.tableName, item)),
          ...(options.token ? { ClientRequestToken: options.token } : {}),
        } as never),
      );
    } catch (error) {
      const reasons = (error as { name?: string; CancellationReasons?: { Code?: string; Item?: unknown }[] }).CancellationReasons;
      if ((error as { name?: string }).name === 'TransactionCanceledException' && reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
        throw new TransactionCancelledError(
          reasons.map((reason) => ({ code: reason.Code ?? 'None', item: oldItem(reason.Item) })),
          { cause: error },
        );
      }
      throw error;
    }
  }

  async transactGet(keys: readonly RawItem[]): Promise<(RawItem | undefined)[]> {
    if (keys.length === 0) return [];
    const result = await this.send<{ Responses?: { Item?: RawItem }[] }>(
      new TransactGetCommand({ TransactItems: keys.map((key) => ({ Get: { TableName: this.tableName, Key: key } })) }),
    );
    return keys.map((_, index) => result.Responses?.[index]?.Item);
  }

  subscribe(listener: RawListener): Promise<() => void> {
    return streamReaderFor(this.client, this.tableName).subscribe(listener);
  }

  closeStreams(): void {
    streamReaderFor(this.client, this.tableName).dispose();
  }
}
