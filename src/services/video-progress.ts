import { isRepositoryError, RepositoryError } from '../errors/index.ts';
import type { BoundTable } from '../entity/index.ts';
import type { InferItem } from '../schema/index.ts';
import { VideoProgress } from './video-progress-entity.ts';

export const videoProgressEntities = { videoProgress: VideoProgress } as const;
export type VideoProgressEntities = typeof videoProgressEntities;
export type VideoProgressOf = InferItem<typeof VideoProgress>;

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

export interface RecordResult {
  /** The stored progress after the call. */
  progress: VideoProgressOf;
  /** False when the event was older than the stored one and was ignored. */
  applied: boolean;
}

export type VideoProgressTable = Pick<BoundTable<VideoProgressEntities>, 'entities'>;

const DAY_SECONDS = 86_400;

/**
 * Where each user is in each video. Writes are upserts that ignore stale events (a condition
 * on `updatedAt`), records expire through DynamoDB TTL, and reads hide expired records because
 * DynamoDB deletes them only eventually (within days; DynamoDB Local soon after expiry).
 */
export class VideoProgressService {
  private readonly retentionDays: number;
  private readonly completedAt: number;
  private readonly now: () => Date;

  constructor(
    private readonly table: VideoProgressTable,
    options: VideoProgressOptions = {},
  ) {
    this.retentionDays = options.retentionDays ?? 90;
    this.completedAt = options.completedAt ?? 0.95;
    this.now = options.now ?? (() => new Date());
    if (!(this.retentionDays > 0)) throw new RangeError('retentionDays must be positive');
  }

  private get progress() {
    return this.table.entities.videoProgress;
  }

  private live = (item: VideoProgressOf) => item.ttl > Math.floor(this.now().getTime() / 1000);

  async record(userId: string, videoId: string, input: RecordInput): Promise<RecordResult> {
    if (typeof input !== 'object' || input === null)
      throw RepositoryError.validation('videoProgress', [{ path: [], message: 'expected { positionSeconds, durationSeconds, at? }' }], { userId, videoId });
    const at = new Date(input.at ?? this.now());
    if (Number.isNaN(at.getTime())) throw RepositoryError.validation('videoProgress', [{ path: ['at'], message: 'not a valid date' }], { userId, videoId });
    const completed = input.durationSeconds > 0 && input.positionSeconds >= this.completedAt * input.durationSeconds;
    const updatedAt = at.toISOString();
    const item = {
      userId,
      videoId,
      positionSeconds: input.positionSeconds,
      durationSeconds: input.durationSeconds,
      completed,
      updatedAt,
      ttl: Math.floor(at.getTime() / 1000) + this.retentionDays * DAY_SECONDS,
    };
    try {
      // Newer events win: write only if there is no record yet or the stored one is older.
      const progress = await this.progress.save(item, { if: { $or: [{ updatedAt: { exists: false } }, { updatedAt: { lt: updatedAt } }] } });
      return { progress, applied: true };
    } catch (error) {
      if (!isRepositoryError(error, 'conditionFailed')) throw error;
      return { progress: await this.progress.get({ userId, videoId }), applied: false };
    }
  }

  /** The progress of one video; notFound when missing or expired. */
  async get(userId: string, videoId: string): Promise<VideoProgressOf> {
    const item = await this.progress.get({ userId, videoId });
    if (!this.live(item))
      throw new RepositoryError('notFound', `videoProgress ${JSON.stringify({ userId, videoId })} not found (expired)`, {
        id: { userId, videoId },
        entity: 'videoProgress',
      });
    return item;
  }

  /** Unfinished videos, most recently watched first (GSI continueWatching). */
  async continueWatching(userId: string, options: { limit?: number } = {}): Promise<VideoProgressOf[]> {
    const limit = options.limit ?? 20;
    const result: VideoProgressOf[] = [];
    for await (const page of this.progress.paginate(
      { pattern: 'continueWatching', key: { userId } },
      { order: 'desc', where: { completed: false }, limit: Math.max(limit, 25) },
    )) {
      for (const item of page.items) if (this.live(item) && result.length < limit) result.push(item);
      if (result.length >= limit) break;
    }
    return result;
  }

  /** Everyone with progress in a video (GSI byVideo). */
  async viewers(videoId: string): Promise<VideoProgressOf[]> {
    return (await this.progress.query({ pattern: 'byVideo', key: { videoId } })).filter(this.live);
  }

  /** All of a user's progress (primary key). */
  async forUser(userId: string): Promise<VideoProgressOf[]> {
    return (await this.progress.query({ pattern: 'primary', key: { userId } })).filter(this.live);
  }
}
