import { ConditionFailedError, TransactionCancelledError } from '../errors/index.ts';
import { noteRequest } from '../metrics/index.ts';
import { signalChecked } from './signal-checked.ts';
import { applyUpdate, compareStrings, evaluate, itemSize, matchesKey, UpdateTypeError, type Condition } from '../expression/index.ts';
import type { RawChange, RawListener } from '../streams/index.ts';
import type {
  BatchWriteOptions,
  BatchWriteRequest,
  BatchWriteResult,
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
  DeleteInput,
} from './types.ts';
import {
  fingerprint,
  hashOf,
  invalid,
  MAX_ITEM_BYTES,
  MAX_TRANSACTION_ITEMS,
  normaliseItem,
  TOKEN_LIFETIME_MS,
  type IdempotencyTokens,
} from './memory-rules.ts';
import { ordered, page } from './memory-paging.ts';

/** Physical key attributes of the table and of each GSI (by DynamoDB IndexName). */
export interface MemoryKeySchema {
  readonly primary: { readonly pk: string; readonly sk?: string | undefined };
  readonly indexes: Readonly<Record<string, { readonly pk: string; readonly sk?: string | undefined }>>;
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * DynamoDB's twin in memory, for one table: the same requests and the same rules — conditions,
 * updates, all-or-nothing transactions, sparse indexes, key order by UTF-8 bytes, Limit before
 * the filter, 1 MB pages, keyset cursors (LastEvaluatedKey), and a change feed like a stream.
 * Items with equal index keys are ordered by their primary key (DynamoDB leaves that order open).
 */
export class MemoryStorage implements Storage {
  readonly kind = 'memory';
  private readonly items = new Map<string, RawItem>();
  private readonly listeners = new Set<RawListener>();
  private sequence = 0;
  private delivery: Promise<void> = Promise.resolve();

  constructor(
    readonly tableName: string,
    private readonly schema: MemoryKeySchema,
    /** Idempotency tokens of successful transactions, shared by the tables of a connection (DynamoDB scopes them to the account). */
    private readonly tokens: IdempotencyTokens = new Map(),
  ) {}

  /** Every stored item (copies), for tests and tools. */
  dump(): RawItem[] {
    return [...this.items.values()].map(clone);
  }

  private idOf(key: RawItem): string {
    const { pk, sk } = this.schema.primary;
    const pkValue = key[pk];
    const skValue = sk ? key[sk] : undefined;
    if (typeof pkValue !== 'string' || pkValue === '' || (sk && (typeof skValue !== 'string' || skValue === ''))) {
      throw invalid('the key attributes must be non-empty strings');
    }
    // DynamoDB's key limits: 2,048 bytes of partition key, 1,024 of sort key.
    if (Buffer.byteLength(pkValue) > 2048)
      throw invalid(`One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes`);
    if (typeof skValue === 'string' && Buffer.byteLength(skValue) > 1024)
      throw invalid(`One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes`);
    return JSON.stringify([pkValue, skValue]);
  }

  private checkItem(item: RawItem): RawItem {
    const normalised = normaliseItem(item);
    this.idOf(normalised);
    for (const keys of Object.values(this.schema.indexes)) {
      for (const field of [keys.pk, keys.sk]) {
        if (!field || normalised[field] === undefined) continue;
        if (typeof normalised[field] !== 'string' || normalised[field] === '') throw invalid(`index key attribute ${field} must be a non-empty string`);
      }
    }
    const size = itemSize(normalised);
    if (size > MAX_ITEM_BYTES) throw invalid(`Item size has exceeded the maximum allowed size (${size} bytes)`);
    return normalised;
  }

  private emit(oldItem: RawItem | undefined, newItem: RawItem | undefined): void {
    if (this.listeners.size === 0 || (!oldItem && !newItem)) return;
    const source = newItem ?? oldItem;
    const change: RawChange = {
      entity: typeof source?.__edb_e__ === 'string' ? source.__edb_e__ : undefined,
      type: !oldItem ? 'insert' : !newItem ? 'remove' : 'modify',
      newItem: newItem && clone(newItem),
      oldItem: oldItem && clone(oldItem),
      sequenceNumber: String(++this.sequence).padStart(21, '0'),
    };
    const listeners = [...this.listeners];
    // Delivered after the write returns, in write order, as a stream would.
    this.delivery = this.delivery.then(() => {
      for (const listener of listeners) if (this.listeners.has(listener)) listener.next(change);
    });
  }

  private store(id: string, item: RawItem | undefined): void {
    const old = this.items.get(id);
    if (item === undefined) this.items.delete(id);
    else this.items.set(id, item);
    this.emit(old, item);
  }

  private check(condition: Condition | undefined, current: RawItem | undefined): void {
    if (condition && !evaluate(condition, current ?? {})) throw new ConditionFailedError(current && clone(current));
  }

  private updated(input: UpdateInput, current: RawItem | undefined): RawItem {
    const { pk, sk } = this.schema.primary;
    if (input.actions.some((action) => action.name === pk || action.name === sk)) throw invalid('cannot update attribute of the primary key');
    try {
      return this.checkItem(applyUpdate(input.actions, current ?? { ...input.key }));
    } catch (error) {
      if (error instanceof UpdateTypeError) throw invalid(`An operand in the update expression has an incorrect data type (${error.message})`);
      throw error;
    }
  }

  private project(item: RawItem, projection: readonly string[] | undefined): RawItem {
    if (!projection) return clone(item);
    return clone(Object.fromEntries(projection.filter((name) => item[name] !== undefined).map((name) => [name, item[name]])));
  }

  async get(input: GetInput): Promise<RawItem | undefined> {
    noteRequest();
    const item = this.items.get(this.idOf(input.key));
    return item && this.project(item, input.projection);
  }

  async put(input: PutInput): Promise<void> {
    noteRequest();
    const item = this.checkItem(input.item);
    const id = this.idOf(item);
    this.check(input.condition, this.items.get(id));
    this.store(id, item);
  }

  async update(input: UpdateInput): Promise<RawItem> {
    noteRequest();
    const id = this.idOf(input.key);
    const current = this.items.get(id);
    this.check(input.condition, current);
    const next = this.updated(input, current);
    this.store(id, next);
    return clone(next);
  }

  async delete(input: DeleteInput): Promise<RawItem | undefined> {
    noteRequest();
    const id = this.idOf(input.key);
    const current = this.items.get(id);
    this.check(input.condition, current);
    if (current) this.store(id, undefined);
    return current && clone(current);
  }

  /** Items of an index in DynamoDB's order: by index sort key (UTF-8 bytes), ties by primary key. */
  async query(input: QueryInput): Promise<RawPage> {
    noteRequest();
    if (input.limit !== undefined && (!Number.isInteger(input.limit) || input.limit < 1)) throw invalid('Limit must be a positive integer');
    if (input.consistent && input.indexName !== undefined) throw invalid('Consistent reads are not supported on global secondary indexes');
    if (input.key.sk?.op === 'between' && compareStrings(input.key.sk.value, input.key.sk.high) > 0) {
      throw invalid('Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound');
    }
    const { items, keyFields } = ordered(this.schema, this.items.values(), input.indexName, (item) => matchesKey(input.key, item));
    if (!input.forward) items.reverse();
    const index = input.indexName === undefined ? this.schema.primary : this.schema.indexes[input.indexName];
    const { pk, sk } = this.schema.primary;
    const order = [index?.sk, pk, sk].filter((field): field is string => field !== undefined);
    if (input.startKey && input.startKey[input.key.pk.name] !== input.key.pk.value)
      throw invalid('The provided starting key is invalid: it does not match the query');
    // DynamoDB (Local) ends a table Query without LastEvaluatedKey when the item that fills the Limit sits exactly on the
    // inclusive end of the sort-key range in the direction read (<= or BETWEEN's high forward; >= or BETWEEN's low backward).
    // Not on an index, where more items can share that sort key.
    const range = input.key.sk;
    const endValue =
      !range || input.indexName !== undefined
        ? undefined
        : input.forward
          ? range.op === '<='
            ? range.value
            : range.op === 'between'
              ? range.high
              : undefined
          : range.op === '>=' || range.op === 'between'
            ? range.value
            : undefined;
    return page(
      items,
      keyFields,
      order,
      input.forward,
      input,
      range && endValue !== undefined ? { name: range.name, value: endValue } : undefined,
      (item, projection) => this.project(item, projection),
    );
  }

  async scan(input: ScanInput): Promise<RawPage> {
    noteRequest();
    if (input.limit !== undefined && (!Number.isInteger(input.limit) || input.limit < 1)) throw invalid('Limit must be a positive integer');
    const segment = input.segment;
    const inSegment = (item: RawItem) => !segment || hashOf(String(item[this.schema.primary.pk])) % segment.total === segment.index;
    const { items, keyFields } = ordered(this.schema, this.items.values(), undefined, inSegment);
    const { pk, sk } = this.schema.primary;
    return page(items, keyFields, [pk, ...(sk ? [sk] : [])], true, input, undefined, (item, projection) => this.project(item, projection));
  }

  async batchGet(keys: readonly RawItem[]): Promise<RawItem[]> {
    noteRequest();
    if (new Set(keys.map((key) => this.idOf(key))).size !== keys.length) throw invalid('Provided list of item keys contains duplicates');
    return keys.flatMap((key) => {
      const item = this.items.get(this.idOf(key));
      return item ? [clone(item)] : [];
    });
  }

  async batchWrite(requests: readonly BatchWriteRequest[], options: BatchWriteOptions = {}): Promise<BatchWriteResult> {
    let written = 0;
    for (let offset = 0; offset < requests.length; offset += 25) {
      const chunk = requests.slice(offset, offset + 25);
      noteRequest();
      const prepared = chunk.map((request) =>
        'put' in request ? { id: this.idOf(request.put), item: this.checkItem(request.put) } : { id: this.idOf(request.delete), item: undefined },
      );
      if (new Set(prepared.map((entry) => entry.id)).size !== prepared.length) throw invalid('Provided list of item keys contains duplicates');
      for (const { id, item } of prepared) this.store(id, item);
      written += chunk.length;
      options.onWritten?.(written, chunk);
    }
    return { requests: Math.ceil(requests.length / 25), retriedItems: 0 };
  }

  async transactWrite(items: readonly TransactWriteItem[], options: TransactWriteOptions = {}): Promise<void> {
    noteRequest();
    if (items.length > MAX_TRANSACTION_ITEMS) throw invalid(`Member must have length less than or equal to ${MAX_TRANSACTION_ITEMS}`);
    // Like DynamoDB: a token already used by a successful transaction makes the same request a no-op, and another request an error.
    const token = options.token;
    const request = token === undefined ? '' : fingerprint(this.tableName, items);
    const used = token === undefined ? undefined : this.tokens.get(token);
    if (used && used.expires > Date.now()) {
      if (used.request === request) return;
      throw Object.assign(new Error('Request parameters do not match the original request of this ClientRequestToken'), {
        name: 'IdempotentParameterMismatchException',
      });
    }
    const plans = items.map((item) => {
      if ('put' in item) {
        const next = this.checkItem(item.put.item);
        return { id: this.idOf(next), condition: item.put.condition, next: () => next };
      }
      if ('update' in item) {
        const input = item.update;
        return { id: this.idOf(input.key), condition: input.condition, next: (current: RawItem | undefined) => this.updated(input, current) };
      }
      if ('delete' in item) return { id: this.idOf(item.delete.key), condition: item.delete.condition, next: () => undefined };
      return { id: this.idOf(item.check.key), condition: item.check.condition, next: (current: RawItem | undefined) => current };
    });
    if (new Set(plans.map((plan) => plan.id)).size !== plans.length) throw invalid('Transaction request cannot include multiple operations on one item');
    const reasons = plans.map((plan) => {
      const current = this.items.get(plan.id);
      const failed = plan.condition !== undefined && !evaluate(plan.condition, current ?? {});
      return { code: failed ? 'ConditionalCheckFailed' : 'None', item: failed && current && options.itemsOnFailure !== false ? clone(current) : undefined };
    });
    if (reasons.some((reason) => reason.code !== 'None')) throw new TransactionCancelledError(reasons);
    const results = plans.map((plan) => ({ id: plan.id, next: plan.next(this.items.get(plan.id)) }));
    items.forEach((item, index) => {
      const result = results[index];
      if (!('check' in item) && result) this.store(result.id, result.next);
    });
    if (token !== undefined) this.tokens.set(token, { request, expires: Date.now() + TOKEN_LIFETIME_MS });
  }

  async transactGet(keys: readonly RawItem[]): Promise<(RawItem | undefined)[]> {
    noteRequest();
    if (keys.length > MAX_TRANSACTION_ITEMS) throw invalid(`Member must have length less than or equal to ${MAX_TRANSACTION_ITEMS}`);
    return keys.map((key) => {
      const item = this.items.get(this.idOf(key));
      return item && clone(item);
    });
  }

  async subscribe(listener: RawListener): Promise<() => void> {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  withSignal(signal: AbortSignal | undefined): Storage {
    return signal ? signalChecked(this, signal) : this;
  }

  closeStreams(): void {
    const listeners = [...this.listeners];
    this.listeners.clear();
    this.delivery = this.delivery.then(() => listeners.forEach((listener) => listener.complete?.()));
  }
}
