import type { Condition, KeyCondition, UpdateAction } from '../expression/index.ts';
import type { RawListener } from '../streams/index.ts';

/** An item as stored: attributes plus key attributes and ElectroDB's identity markers. */
export type RawItem = Record<string, unknown>;

export interface GetInput {
  readonly key: RawItem;
  readonly consistent?: boolean;
  readonly projection?: readonly string[];
}

export interface PutInput {
  readonly item: RawItem;
  readonly condition?: Condition;
}

export interface UpdateInput {
  readonly key: RawItem;
  readonly actions: readonly UpdateAction[];
  readonly condition?: Condition;
  /**
   * false when sending the update twice would apply it twice (it adds to a number or appends to
   * a list): after a failure that leaves the outcome unknown it is not sent again (at most once).
   */
  readonly idempotent?: boolean;
}

export interface DeleteInput {
  readonly key: RawItem;
  readonly condition?: Condition;
}

export interface CheckInput {
  readonly key: RawItem;
  readonly condition: Condition;
}

export interface QueryInput {
  /** DynamoDB IndexName; undefined for the table's primary key. */
  readonly indexName: string | undefined;
  readonly key: KeyCondition;
  readonly filter?: Condition;
  readonly projection?: readonly string[];
  readonly limit?: number;
  readonly startKey?: RawItem;
  readonly forward: boolean;
  readonly consistent?: boolean;
}

export interface ScanInput {
  readonly filter?: Condition;
  readonly projection?: readonly string[];
  readonly limit?: number;
  readonly startKey?: RawItem;
  readonly consistent?: boolean;
  /** Parallel scan: this worker's segment of `total`. */
  readonly segment?: { readonly index: number; readonly total: number };
}

export interface RawPage {
  readonly items: RawItem[];
  /** LastEvaluatedKey: present when DynamoDB stopped before the end (Limit or 1 MB reached). */
  readonly lastKey: RawItem | undefined;
  /** Items the request read before its filter (ScannedCount), when known. */
  readonly examined?: number;
}

export type TransactWriteItem =
  | { readonly put: PutInput }
  | { readonly update: UpdateInput }
  | { readonly delete: DeleteInput }
  | { readonly check: CheckInput };

export interface TransactWriteOptions {
  /** Idempotency token (ClientRequestToken). */
  readonly token?: string;
  /** false: a cancellation does not carry the items whose condition failed (cheaper; the caller tells failures by position). */
  readonly itemsOnFailure?: boolean;
}

export type BatchWriteRequest = { readonly put: RawItem } | { readonly delete: RawItem };

export interface BatchWriteOptions {
  /** BatchWriteItem requests in flight (default 8). */
  readonly concurrency?: number;
  /** Called after each request with the running count of written items and the requests this answer confirmed. */
  readonly onWritten?: (written: number, confirmed: readonly BatchWriteRequest[]) => void;
}

export interface BatchWriteResult {
  /** Requests sent, retries included. */
  readonly requests: number;
  /** Items DynamoDB returned unprocessed and that were sent again. */
  readonly retriedItems: number;
}

/**
 * The seam between the entity API and where items live: one DynamoDB table (DynamoStorage)
 * or its in-memory twin (MemoryStorage). It speaks raw items and the expression model; every
 * rule of the entity API sits above it, once. Failed conditions throw ConditionFailedError /
 * TransactionCancelledError with the items as they were, so the caller can explain them.
 */
export interface Storage {
  readonly tableName: string;
  readonly kind: 'dynamodb' | 'memory';
  get(input: GetInput): Promise<RawItem | undefined>;
  put(input: PutInput): Promise<void>;
  /** Returns the item after the update (ALL_NEW). */
  update(input: UpdateInput): Promise<RawItem>;
  /** Returns the deleted item, or undefined when there was none. */
  delete(input: DeleteInput): Promise<RawItem | undefined>;
  query(input: QueryInput): Promise<RawPage>;
  scan(input: ScanInput): Promise<RawPage>;
  /** Items for the keys that exist, in any order; unprocessed keys are retried. */
  batchGet(keys: readonly RawItem[], consistent: boolean): Promise<RawItem[]>;
  /** Chunks of 25 through a pool of workers; unprocessed items retried; stops at the first failure. */
  batchWrite(requests: readonly BatchWriteRequest[], options?: BatchWriteOptions): Promise<BatchWriteResult>;
  /** All or nothing, at most 100 items; `token` makes a retried request idempotent. */
  transactWrite(items: readonly TransactWriteItem[], options?: TransactWriteOptions): Promise<void>;
  /** One consistent snapshot of up to 100 items (undefined for a missing one). */
  transactGet(keys: readonly RawItem[]): Promise<(RawItem | undefined)[]>;
  /** Every write to the table from now on (a DynamoDB Stream, or the twin's own feed). */
  subscribe(listener: RawListener): Promise<() => void>;
  /** Ends the live feed; subscribers complete. */
  closeStreams(): void;
  /**
   * The same table for one operation: every request and every wait between retries ends when
   * `signal` aborts (the operation's deadline or the caller's AbortSignal).
   */
  withSignal(signal: AbortSignal | undefined): Storage;
}
