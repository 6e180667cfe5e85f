import { BatchGetItemCommand, BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { sendCommand } from '../connection/index.ts';
import { RepositoryError } from '../errors/index.ts';
import { valuesEqual } from '../expression/index.ts';
import { noteResend, noteThrottle } from '../metrics/index.ts';
import { withRetries, type RetryPolicy } from '../retry/index.ts';
import type { BatchWriteOptions, BatchWriteRequest, BatchWriteResult, RawItem } from './types.ts';
import { fromWire, toWire } from './wire.ts';

const BATCH_WRITE_SIZE = 25;
const BATCH_GET_SIZE = 100;

/** Where a batch goes: the table, its client, and the storage's retry policy and signal. */
export interface BatchTarget {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly retry: RetryPolicy;
  readonly signal: AbortSignal | undefined;
  readonly sendOptions: { abortSignal: AbortSignal } | undefined;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/** BatchGetItem in chunks of 100, 4 at a time, unprocessed keys retried with the storage's policy. */
export async function batchGetAll(target: BatchTarget, keys: readonly RawItem[], consistent: boolean): Promise<RawItem[]> {
  const { client, tableName, retry } = target;
  const found: RawItem[] = [];
  const limit = pLimit(4);
  await Promise.all(
    chunk(keys, BATCH_GET_SIZE).map((keysChunk) =>
      limit(async () => {
        let pending: RawItem[] = keysChunk;
        await withRetries(
          retry,
          async (attempt) => {
            if (attempt > 1) noteResend();
            const result = await sendCommand(
              client,
              new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending.map(toWire), ...(consistent ? { ConsistentRead: true } : {}) } } }),
              target.sendOptions,
            );
            for (const item of result.Responses?.[tableName] ?? []) found.push(fromWire(item));
            pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []).map(fromWire);
            if (pending.length > 0) noteThrottle();
            return pending.length === 0 ? { done: true, value: undefined } : { done: false };
          },
          () => new RepositoryError('throttled', `${pending.length} key(s) stayed unprocessed after ${retry.maxAttempts} BatchGetItem attempts`),
          target.signal,
        );
      }),
    ),
  );
  return found;
}

const toRequest = (request: BatchWriteRequest): WriteRequest =>
  'put' in request ? { PutRequest: { Item: toWire(request.put) } } : { DeleteRequest: { Key: toWire(request.delete) } };
const fromRequest = (request: WriteRequest): BatchWriteRequest =>
  request.PutRequest ? { put: fromWire(request.PutRequest.Item ?? {}) } : { delete: fromWire(request.DeleteRequest?.Key ?? {}) };
const sameRequest = (sent: BatchWriteRequest, unprocessed: BatchWriteRequest) =>
  'put' in sent ? 'put' in unprocessed && valuesEqual(sent.put, unprocessed.put) : 'delete' in unprocessed && valuesEqual(sent.delete, unprocessed.delete);

/** DynamoDB returns unprocessed requests as copies: find what we sent, so the rest is known to be written. */
function unprocessedOf(
  pending: readonly BatchWriteRequest[],
  unprocessed: readonly BatchWriteRequest[],
): { left: BatchWriteRequest[]; confirmed: BatchWriteRequest[] } {
  if (unprocessed.length === 0) return { left: [], confirmed: [...pending] };
  const left = unprocessed.map((entry) => pending.find((sent) => sameRequest(sent, entry)));
  if (left.some((sent) => sent === undefined) || new Set(left).size !== left.length) return { left: [...unprocessed], confirmed: [] };
  return { left: left.filter((sent) => sent !== undefined), confirmed: pending.filter((sent) => !left.includes(sent)) };
}

/**
 * BatchWriteItem in chunks of 25 with bounded concurrency, unprocessed items retried with the
 * storage's policy. After a failure nothing new is sent, and the caller learns what was written.
 */
export async function batchWriteAll(target: BatchTarget, requests: readonly BatchWriteRequest[], options: BatchWriteOptions): Promise<BatchWriteResult> {
  const { client, tableName, retry } = target;
  let sent = 0;
  let retriedItems = 0;
  let written = 0;
  let failure: { error: unknown } | undefined;
  const limit = pLimit(Math.max(1, Math.floor(options.concurrency ?? 8)));
  await Promise.all(
    chunk(requests, BATCH_WRITE_SIZE).map((requestChunk) =>
      limit(async () => {
        if (failure) return;
        let pending: BatchWriteRequest[] = requestChunk;
        try {
          await withRetries(
            retry,
            async (attempt) => {
              if (failure) throw failure.error;
              if (attempt > 1) noteResend();
              sent++;
              const response = await sendCommand(
                client,
                new BatchWriteItemCommand({ RequestItems: { [tableName]: pending.map(toRequest) } }),
                target.sendOptions,
              );
              const { left, confirmed } = unprocessedOf(pending, (response.UnprocessedItems?.[tableName] ?? []).map(fromRequest));
              written += pending.length - left.length;
              retriedItems += left.length;
              if (left.length > 0) noteThrottle();
              options.onWritten?.(written, confirmed);
              pending = left;
              return pending.length === 0 ? { done: true, value: undefined } : { done: false };
            },
            () => new RepositoryError('throttled', `${pending.length} item(s) stayed unprocessed after ${retry.maxAttempts} BatchWriteItem attempts`),
            target.signal,
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
