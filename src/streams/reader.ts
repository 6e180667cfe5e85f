import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type DynamoDBStreamsClientConfig,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { errorName, mapError, RepositoryError } from '../errors/index.ts';
import { backoffDelay, defaultRetryPolicy, type RetryPolicy } from '../retry/index.ts';

type Item = Record<string, unknown>;
type AttributeMap = Parameters<typeof unmarshall>[0];

/** One decoded stream record: raw items as stored (keys and ElectroDB markers included). */
export interface RawChange {
  entity: string | undefined;
  type: 'insert' | 'modify' | 'remove';
  newItem: Item | undefined;
  oldItem: Item | undefined;
  sequenceNumber: string;
}

export interface RawListener {
  next(change: RawChange): void;
  /** The stream could not be read within the retry budget; polling goes on. */
  error?(error: RepositoryError): void;
  /** The reader was disposed (e.g. the connection closed): nothing more will come. */
  complete?(): void;
}

export interface StreamReaderOptions {
  /** Longest wait between polls while idle (default 250 ms). */
  maxIntervalMs?: number;
  /** Shortest wait between polls while records flow (default 10 ms). */
  minIntervalMs?: number;
  retry?: RetryPolicy;
  /** How often to look for new shards besides parents closing (default 10 s). */
  rediscoverMs?: number;
}

interface ShardCursor {
  shardId: string;
  iterator: string | undefined;
  lastSequence: string | undefined;
  /** After re-reading a shard from its start, skip records created before this (epoch ms). */
  skipBefore?: number;
}

/**
 * The streams client deserialises an empty map attribute (`{"M":{}}`) as `{}`, which
 * unmarshall rejects; restore it (lists and non-empty maps arrive intact).
 */
function restoreEmptyMaps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(restoreEmptyMaps);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Set) return value;
  const entries = Object.entries(value);
  if (entries.length === 0) return { M: {} };
  return Object.fromEntries(entries.map(([key, inner]) => [key, key === 'M' || key === 'L' ? restoreInner(inner) : inner]));
}

function restoreInner(inner: unknown): unknown {
  if (Array.isArray(inner)) return inner.map(restoreEmptyMaps);
  if (inner && typeof inner === 'object') return Object.fromEntries(Object.entries(inner).map(([key, value]) => [key, restoreEmptyMaps(value)]));
  return inner;
}

const image = (attributes: unknown) => (attributes ? unmarshall(restoreInner(attributes) as AttributeMap) : undefined);

const typeOf = (eventName: string | undefined): RawChange['type'] => (eventName === 'INSERT' ? 'insert' : eventName === 'REMOVE' ? 'remove' : 'modify');

/**
 * Follows one table's DynamoDB Stream for every subscriber in this process: discovers shards,
 * follows closed shards to their children (parents first), polls with an adaptive interval,
 * re-acquires expired iterators after the last sequence number, and stops when the last
 * subscriber leaves.
 */
export class StreamReader {
  private readonly listeners = new Set<RawListener>();
  private readonly shards = new Map<string, ShardCursor>();
  private readonly finished = new Set<string>();
  private streamArn: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private interval: number;
  private failures = 0;
  /** Bumped on stop(), so a poll still in flight from before does nothing more. */
  private epoch = 0;
  private lastDiscovery = 0;
  /** When the iterators were positioned (LATEST), epoch ms. */
  private positionedAt = 0;
  private readonly options: Required<StreamReaderOptions>;
  private streamsClient: DynamoDBStreamsClient | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: StreamReaderOptions = {},
  ) {
    this.options = { maxIntervalMs: 250, minIntervalMs: 10, retry: defaultRetryPolicy, rediscoverMs: 10_000, ...options };
    this.interval = this.options.minIntervalMs;
  }

  /** Created while someone listens, with the table client's endpoint, region and credentials (providers). */
  private get streams(): DynamoDBStreamsClient {
    if (!this.streamsClient) {
      const config = this.client.config;
      this.streamsClient = new DynamoDBStreamsClient({
        region: config.region,
        credentials: config.credentials,
        ...(config.isCustomEndpoint && config.endpoint ? { endpoint: config.endpoint } : {}),
      } as DynamoDBStreamsClientConfig);
    }
    return this.streamsClient;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  /**
   * Adds a listener. Resolves once the shard iterators are positioned: every write acknowledged
   * after that reaches the listener (so read the initial state only after awaiting this).
   */
  async subscribe(listener: RawListener): Promise<() => void> {
    this.listeners.add(listener);
    try {
      if (!this.running) this.running = this.start();
      await this.running;
    } catch (error) {
      this.listeners.delete(listener);
      this.running = undefined;
      throw error;
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Stops polling and completes every subscriber. */
  dispose(): void {
    const listeners = [...this.listeners];
    this.listeners.clear();
    this.stop();
    for (const listener of listeners) listener.complete?.();
  }

  private stop(): void {
    this.epoch++;
    if (this.timer) clearTimeout(this.timer);
    this.streamsClient?.destroy();
    this.streamsClient = undefined;
    this.timer = undefined;
    this.running = undefined;
    this.shards.clear();
    this.finished.clear();
  }

  private async start(): Promise<void> {
    const table = await this.call(() => this.client.send(new DescribeTableCommand({ TableName: this.tableName })));
    this.streamArn = table.Table?.LatestStreamArn;
    if (!this.streamArn || !table.Table?.StreamSpecification?.StreamEnabled) {
      throw new RepositoryError('unknown', `table '${this.tableName}' has no stream enabled; define the table with streams (the default) and ensure() it`);
    }
    this.positionedAt = Date.now();
    await this.discover('LATEST');
    this.schedule(0);
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const page = await this.call(() =>
        this.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) })),
      );
      shards.push(...(page.StreamDescription?.Shards ?? []));
      start = page.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  }

  /** Tracks open shards we do not follow yet; a child whose parent we still follow waits for it. */
  private async discover(position: 'LATEST' | 'TRIM_HORIZON'): Promise<void> {
    this.lastDiscovery = Date.now();
    for (const shard of await this.describeShards()) {
      const id = shard.ShardId;
      if (!id || this.shards.has(id) || this.finished.has(id)) continue;
      const open = shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
      if (!open && position === 'LATEST') continue;
      if (shard.ParentShardId && this.shards.has(shard.ParentShardId)) continue;
      const cursor: ShardCursor = { shardId: id, iterator: undefined, lastSequence: undefined };
      cursor.iterator = await this.iterator(id, position === 'LATEST' && open ? 'LATEST' : 'TRIM_HORIZON');
      this.shards.set(id, cursor);
    }
  }

  private async iterator(shardId: string, type: 'LATEST' | 'TRIM_HORIZON' | 'AFTER_SEQUENCE_NUMBER', sequence?: string): Promise<string | undefined> {
    const result = await this.call(() =>
      this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: shardId,
          ShardIteratorType: type,
          ...(sequence ? { SequenceNumber: sequence } : {}),
        }),
      ),
    );
    return result.ShardIterator;
  }

  private schedule(delay: number): void {
    if (this.listeners.size === 0) return;
    this.timer = setTimeout(() => void this.poll(), delay);
  }

  private async poll(): Promise<void> {
    const epoch = this.epoch;
    let received = 0;
    try {
      for (const cursor of [...this.shards.values()]) {
        if (epoch !== this.epoch) return;
        received += await this.pollShard(cursor, epoch);
      }
      if (epoch !== this.epoch) return;
      if (Date.now() - this.lastDiscovery > this.options.rediscoverMs) await this.discover('TRIM_HORIZON');
      this.failures = 0;
      this.interval = received > 0 ? this.options.minIntervalMs : Math.min(this.options.maxIntervalMs, Math.max(this.options.minIntervalMs, this.interval * 2));
      this.schedule(received > 0 ? 0 : this.interval);
    } catch (error) {
      if (epoch !== this.epoch) return;
      this.failures++;
      if (this.failures >= this.options.retry.maxAttempts) {
        const failure = mapError(error, { entity: `stream of ${this.tableName}` });
        for (const listener of [...this.listeners]) listener.error?.(failure);
        this.failures = 0;
      }
      this.schedule(Math.max(this.options.minIntervalMs, backoffDelay(this.options.retry, this.failures)));
    }
  }

  private async pollShard(cursor: ShardCursor, epoch: number): Promise<number> {
    if (!cursor.iterator) return 0;
    let result: GetRecordsCommandOutput;
    try {
      result = await this.streams.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: 1000 }));
    } catch (error) {
      const name = errorName(error);
      if (name !== 'ExpiredIteratorException' && name !== 'TrimmedDataAccessException') throw error;
      // Iterators expire after 15 minutes, or point at trimmed data: continue right after the last
      // record we delivered; with none yet, from the shard's start, skipping what predates us.
      if (cursor.lastSequence) {
        cursor.iterator = await this.iterator(cursor.shardId, 'AFTER_SEQUENCE_NUMBER', cursor.lastSequence);
      } else {
        // ApproximateCreationDateTime is coarse (whole minutes on DynamoDB Local): skip only whole minutes before us.
        cursor.skipBefore ??= Math.floor(this.positionedAt / 60_000) * 60_000;
        cursor.iterator = await this.iterator(cursor.shardId, 'TRIM_HORIZON');
      }
      return 0;
    }
    if (epoch !== this.epoch) return 0;
    const records = result.Records ?? [];
    for (const record of records) {
      const created = record.dynamodb?.ApproximateCreationDateTime?.getTime();
      if (cursor.skipBefore !== undefined && created !== undefined && created < cursor.skipBefore) continue;
      this.deliver(record);
    }
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last) cursor.lastSequence = last;
    cursor.iterator = result.NextShardIterator;
    if (!cursor.iterator) {
      // The shard is closed and drained: follow its children from their start.
      this.shards.delete(cursor.shardId);
      this.finished.add(cursor.shardId);
      await this.discover('TRIM_HORIZON');
    }
    return records.length;
  }

  private deliver(record: StreamRecord): void {
    const data = record.dynamodb;
    let newItem: Item | undefined;
    let oldItem: Item | undefined;
    try {
      newItem = image(data?.NewImage);
      oldItem = image(data?.OldImage);
    } catch (error) {
      // One undecodable record must not stop the stream for everybody.
      const failure = new RepositoryError('unknown', `stream record ${data?.SequenceNumber ?? '?'} of ${this.tableName} could not be decoded`, {
        cause: error,
      });
      for (const listener of [...this.listeners]) listener.error?.(failure);
      return;
    }
    const marker = newItem?.__edb_e__ ?? oldItem?.__edb_e__;
    const entity = typeof marker === 'string' ? marker : undefined;
    const change: RawChange = { entity, type: typeOf(record.eventName), newItem, oldItem, sequenceNumber: data?.SequenceNumber ?? '' };
    for (const listener of [...this.listeners]) listener.next(change);
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw mapError(error, { entity: `stream of ${this.tableName}` });
    }
  }
}
