import { AsyncLocalStorage } from 'node:async_hooks';
import type { Connection } from '../connection/index.ts';
import { ExpressionBuilder, itemSize } from '../expression/index.ts';
import {
  putParams,
  queryParams,
  scanParams,
  signalChecked,
  toWire,
  transactParams,
  updateParams,
  type MemoryConnection,
  type MemoryStorage,
  type RawItem,
  type Storage,
} from '../storage/index.ts';

/** One DynamoDB request an operation made, as DynamoDB receives it. */
export interface RecordedRequest {
  /** DynamoDB's operation name: Query, GetItem, UpdateItem, … */
  readonly operation: string;
  /** The request body, attribute values typed (`{ "S": … }`). */
  readonly input: Record<string, unknown>;
  /** ConsumedCapacity as DynamoDB returned it; in memory, an estimate of it. */
  consumed?: unknown;
  readonly estimated: boolean;
  durationMs: number;
  /** The error's name when the request failed (e.g. ConditionalCheckFailedException). */
  error?: string;
}

export type Recorded<T> = { ok: true; value: T; requests: RecordedRequest[] } | { ok: false; error: unknown; requests: RecordedRequest[] };

/** Records the DynamoDB requests of the work it runs (and only those: concurrent work is not mixed in). */
export interface RequestRecorder {
  readonly backend: 'dynamodb' | 'memory';
  record<T>(work: () => Promise<T>): Promise<Recorded<T>>;
}

const dataOperations = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
]);

function scoped(scope: AsyncLocalStorage<RecordedRequest[]>): RequestRecorder['record'] {
  return async (work) => {
    const requests: RecordedRequest[] = [];
    try {
      return { ok: true, value: await scope.run(requests, work), requests };
    } catch (error) {
      return { ok: false, error, requests };
    }
  };
}

let recorders = 0;

const errorName = (error: unknown) => (error instanceof Error ? error.name : String(error));

/**
 * Records the requests sent through a connection's client: a middleware on ITS stack
 * (the studio's own connection) that asks for ReturnConsumedCapacity TOTAL and keeps the
 * marshalled input and the returned capacity, only inside `record()`. The API's requests and
 * results are otherwise untouched.
 */
export function dynamoRecorder(connection: Connection): RequestRecorder {
  const scope = new AsyncLocalStorage<RecordedRequest[]>();
  // Names of its own: several recorders on one connection each see their own scope.
  const id = ++recorders;
  const stack = connection.doc.middlewareStack;
  const operationOf = (context: { commandName?: string }) => (context.commandName ?? '').replace(/Command$/, '');
  stack.add(
    (next, context) => async (args) => {
      if (!scope.getStore() || !dataOperations.has(operationOf(context))) return next(args);
      return next({ ...args, input: { ...args.input, ReturnConsumedCapacity: 'TOTAL' } as typeof args.input });
    },
    { step: 'initialize', name: `tablekitStudioCapacity${id}` },
  );
  // After serialisation the input is marshalled: exactly what goes on the wire.
  stack.add(
    (next, context) => async (args) => {
      const log = scope.getStore();
      const operation = operationOf(context);
      if (!log || !dataOperations.has(operation)) return next(args);
      const entry: RecordedRequest = { operation, input: structuredClone(args.input) as Record<string, unknown>, estimated: false, durationMs: 0 };
      log.push(entry);
      const started = performance.now();
      try {
        const result = await next(args);
        entry.consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        return result;
      } catch (error) {
        entry.error = errorName(error);
        throw error;
      } finally {
        entry.durationMs = performance.now() - started;
      }
    },
    { step: 'build', name: `tablekitStudioRecorder${id}` },
  );
  return { backend: 'dynamodb', record: scoped(scope) };
}

/** Marshals the attribute values of request params, as the DocumentClient does before sending. */
function wire(value: unknown, key = ''): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (['Item', 'Key', 'ExclusiveStartKey', 'ExpressionAttributeValues'].includes(key)) return toWire(value as RawItem);
  if (key === 'Keys' && Array.isArray(value)) return value.map((item: RawItem) => toWire(item));
  if (Array.isArray(value)) return value.map((inner) => wire(inner));
  return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, wire(inner, name)]));
}

/** DynamoDBStorage asks for the item as it was when a condition fails, to explain the failure. */
const onFailure = (condition: unknown) => (condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {});

const KB = 1024;
const readUnits = (bytes: number, consistent: boolean | undefined) => Math.max(1, Math.ceil(bytes / (4 * KB))) * (consistent ? 1 : 0.5);
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / KB));
const sizeOf = (items: readonly (RawItem | undefined)[]) => items.reduce((total, item) => total + (item ? itemSize(item) : 0), 0);

/**
 * The in-memory twin sends nothing: this wraps its tables so each call is recorded as the
 * request DynamoDBStorage WOULD send (same params builders), with an estimated capacity.
 */
export function memoryRecorder(connection: MemoryConnection): { connection: MemoryConnection; recorder: RequestRecorder } {
  const scope = new AsyncLocalStorage<RecordedRequest[]>();
  const wrapped = new WeakMap<MemoryStorage, MemoryStorage>();
  const track = async <T>(operation: string, params: unknown, work: () => Promise<T>, units: (result: T) => Record<string, number>, tableName: string) => {
    const log = scope.getStore();
    if (!log) return work();
    const entry: RecordedRequest = { operation, input: wire(params) as Record<string, unknown>, estimated: true, durationMs: 0 };
    log.push(entry);
    const started = performance.now();
    try {
      const result = await work();
      entry.consumed = { TableName: tableName, ...units(result) };
      return result;
    } catch (error) {
      entry.error = errorName(error);
      throw error;
    } finally {
      entry.durationMs = performance.now() - started;
    }
  };
  const wrap = (storage: MemoryStorage): MemoryStorage => {
    const name = storage.tableName;
    const store: Storage = storage;
    const reads = (units: number) => ({ CapacityUnits: units, ReadCapacityUnits: units });
    const writes = (units: number) => ({ CapacityUnits: units, WriteCapacityUnits: units });
    const recording: Pick<
      Storage,
      'get' | 'put' | 'update' | 'delete' | 'query' | 'scan' | 'batchGet' | 'batchWrite' | 'transactWrite' | 'transactGet' | 'withSignal'
    > = {
      // An operation's deadline wraps this recording view, not the bare table.
      withSignal: (signal) => (signal ? signalChecked(recorded, signal) : recorded),
      get: (input) => {
        const builder = new ExpressionBuilder();
        const projection = input.projection ? builder.projection(input.projection) : undefined;
        const params = {
          TableName: name,
          Key: input.key,
          ...(input.consistent ? { ConsistentRead: true } : {}),
          ...(projection ? { ProjectionExpression: projection, ...builder.attributes() } : {}),
        };
        return track(
          'GetItem',
          params,
          () => store.get(input),
          (item) => reads(readUnits(sizeOf([item]), input.consistent)),
          name,
        );
      },
      put: (input) =>
        track(
          'PutItem',
          { ...putParams(name, input), ...onFailure(input.condition) },
          () => store.put(input),
          () => writes(writeUnits(itemSize(input.item))),
          name,
        ),
      update: (input) =>
        track(
          'UpdateItem',
          { ...updateParams(name, input), ReturnValues: 'ALL_NEW', ...onFailure(input.condition) },
          () => store.update(input),
          (item) => writes(writeUnits(itemSize(item))),
          name,
        ),
      delete: (input) => {
        const { ReturnValuesOnConditionCheckFailure: _onFailure, ...params } = transactParams(name, { delete: input }).Delete ?? {};
        return track(
          'DeleteItem',
          { ...params, ReturnValues: 'ALL_OLD', ...onFailure(input.condition) },
          () => store.delete(input),
          (item) => writes(writeUnits(sizeOf([item]))),
          name,
        );
      },
      query: (input) =>
        track(
          'Query',
          queryParams(name, input),
          () => store.query(input),
          (page) => reads(readUnits(sizeOf(page.items), input.consistent)),
          name,
        ),
      scan: (input) =>
        track(
          'Scan',
          scanParams(name, input),
          () => store.scan(input),
          (page) => reads(readUnits(sizeOf(page.items), input.consistent)),
          name,
        ),
      batchGet: (keys, consistent) =>
        track(
          'BatchGetItem',
          { RequestItems: { [name]: { Keys: keys, ...(consistent ? { ConsistentRead: true } : {}) } } },
          () => store.batchGet(keys, consistent),
          (items) => reads(items.reduce((total, item) => total + readUnits(itemSize(item), consistent), 0)),
          name,
        ),
      batchWrite: (requests, options) =>
        track(
          'BatchWriteItem',
          {
            RequestItems: {
              [name]: requests.map((request) => ('put' in request ? { PutRequest: { Item: request.put } } : { DeleteRequest: { Key: request.delete } })),
            },
          },
          () => store.batchWrite(requests, options),
          () => writes(requests.reduce((total, request) => total + ('put' in request ? writeUnits(itemSize(request.put)) : 1), 0)),
          name,
        ),
      transactWrite: (items, options) =>
        track(
          'TransactWriteItems',
          { TransactItems: items.map((item) => transactParams(name, item)), ...(options?.token ? { ClientRequestToken: options.token } : {}) },
          () => store.transactWrite(items, options),
          () => writes(items.length * 2),
          name,
        ),
      transactGet: (keys) =>
        track(
          'TransactGetItems',
          { TransactItems: keys.map((key) => ({ Get: { TableName: name, Key: key } })) },
          () => store.transactGet(keys),
          (items) => reads(items.reduce((total, item) => total + 2 * readUnits(sizeOf([item]), true), 0)),
          name,
        ),
    };
    const recorded = new Proxy(storage, {
      get(target, property) {
        if (typeof property === 'string' && Object.hasOwn(recording, property)) return recording[property as keyof typeof recording];
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return recorded;
  };
  const recordingConnection: MemoryConnection = {
    ...connection,
    table(name, schema) {
      const storage = connection.table(name, schema);
      let recording = wrapped.get(storage);
      if (!recording) wrapped.set(storage, (recording = wrap(storage)));
      return recording;
    },
  };
  return { connection: recordingConnection, recorder: { backend: 'memory', record: scoped(scope) } };
}
