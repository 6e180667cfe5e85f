import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionError, mapError, RepositoryError } from '../errors/index.ts';
import { createRepository, type DynamoRepository } from '../repository/index.ts';
import type { EntityDefinition, InferItem } from '../schema/index.ts';
import type { BoundTable, EntityClient, EntityMap } from '../table/index.ts';
import { assertFields, type Item, paramsOf } from './electro-params.ts';

export type VideoProgressEntities = EntityMap & { videoProgress: EntityDefinition };
export type VideoProgressOf<E extends VideoProgressEntities> = InferItem<E['videoProgress']>;

export interface VideoProgressOptions {
  /** Days a progress record lives after its last event (DynamoDB TTL); default 90. */
  retentionDays?: number;
  /** Share of the duration from which a video counts as completed; default 0.95. */
  completedAt?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface RecordInput {
  positionSeconds: number;
  durationSeconds: number;
  /** When the playback event happened (default: now). Older events never overwrite newer ones. */
  at?: Date | string;
}

export interface RecordResult<T> {
  /** The stored progress after the call. */
  progress: T;
  /** False when the event was older than the stored one and was ignored. */
  applied: boolean;
}

const DAY_SECONDS = 86_400;

/**
 * Where each user is in each video. Writes are upserts that ignore stale events (a condition
 * on `updatedAt`), records expire through DynamoDB TTL, and reads hide expired records because
 * DynamoDB deletes them only eventually (DynamoDB Local never does).
 */
export class VideoProgressService<E extends VideoProgressEntities> {
  private readonly client: EntityClient<E['videoProgress']>;
  private readonly repository: DynamoRepository<EntityDefinition>;
  private readonly retentionDays: number;
  private readonly completedAt: number;
  private readonly now: () => Date;

  constructor(table: BoundTable<E>, options: VideoProgressOptions = {}) {
    this.client = table.entities.videoProgress as EntityClient<E['videoProgress']>;
    assertFields(this.client.definition, ['userId', 'videoId', 'positionSeconds', 'durationSeconds', 'completed', 'updatedAt', 'ttl']);
    this.repository = createRepository(this.client.definition, { table });
    this.retentionDays = options.retentionDays ?? 90;
    this.completedAt = options.completedAt ?? 0.95;
    this.now = options.now ?? (() => new Date());
    if (!(this.retentionDays > 0)) throw new RangeError('retentionDays must be positive');
  }

  private live = (item: Item) => (item.ttl as number) > Math.floor(this.now().getTime() / 1000);

  async record(userId: string, videoId: string, input: RecordInput): Promise<RecordResult<VideoProgressOf<E>>> {
    const at = new Date(input.at ?? this.now());
    if (Number.isNaN(at.getTime())) throw RepositoryError.validation('videoProgress', [{ path: ['at'], message: 'not a valid date' }], { userId, videoId });
    const completed = input.durationSeconds > 0 && input.positionSeconds >= this.completedAt * input.durationSeconds;
    const updatedAt = at.toISOString();
    const stored = this.client.definition.toStored(
      {
        userId,
        videoId,
        positionSeconds: input.positionSeconds,
        durationSeconds: input.durationSeconds,
        completed,
        updatedAt,
        ttl: Math.floor(at.getTime() / 1000) + this.retentionDays * DAY_SECONDS,
      },
      { userId, videoId },
    );
    // Newer events win: write only if there is no record yet or the stored one is older.
    const params = paramsOf(this.client.electro.put(stored), (a, op) => `(${op.notExists(a.updatedAt)} OR ${op.lt?.(a.updatedAt, updatedAt) ?? ''})`);
    try {
      await this.client.doc.send(new PutCommand(params as ConstructorParameters<typeof PutCommand>[0]));
      return { progress: this.client.definition.fromStored(stored) as VideoProgressOf<E>, applied: true };
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw mapError(error, { entity: 'videoProgress', id: { userId, videoId } });
      return { progress: await this.get(userId, videoId), applied: false };
    }
  }

  /** The progress of one video; notFound when missing or expired. */
  async get(userId: string, videoId: string): Promise<VideoProgressOf<E>> {
    const item = (await this.repository.get({ userId, videoId } as never)) as Item;
    if (!this.live(item)) throw conditionError('notFound', { entity: 'videoProgress', id: { userId, videoId } });
    return item as VideoProgressOf<E>;
  }

  /** Unfinished videos, most recently watched first (GSI continueWatching). */
  async continueWatching(userId: string, options: { limit?: number } = {}): Promise<VideoProgressOf<E>[]> {
    const limit = options.limit ?? 20;
    const result: VideoProgressOf<E>[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.repository.page({ pattern: 'continueWatching', key: { userId }, order: 'desc', where: { completed: false } } as never, {
        limit: Math.max(limit, 25),
        ...(cursor ? { cursor } : {}),
      });
      for (const item of page.items as Item[]) if (this.live(item) && result.length < limit) result.push(item as VideoProgressOf<E>);
      cursor = page.cursor;
    } while (cursor && result.length < limit);
    return result;
  }

  /** Everyone with progress in a video (GSI byVideo). */
  async viewers(videoId: string): Promise<VideoProgressOf<E>[]> {
    return ((await this.repository.query({ pattern: 'byVideo', key: { videoId } } as never)) as Item[]).filter(this.live) as VideoProgressOf<E>[];
  }

  /** All of a user's progress (primary key). */
  async forUser(userId: string): Promise<VideoProgressOf<E>[]> {
    return ((await this.repository.query({ pattern: 'primary', key: { userId } } as never)) as Item[]).filter(this.live) as VideoProgressOf<E>[];
  }
}
