import { isRepositoryError, RepositoryError } from '../errors/index.ts';
import { MAX_TRANSACTION_ITEMS, type BoundTable, type Operation, type Page, type RecordedWrite } from '../entity/index.ts';
import { retryPolicy, type RetryPolicy } from '../retry/index.ts';
import type { InferInput, InferItem } from '../schema/index.ts';
import type { LiveStream } from '../streams/index.ts';
import { bucketOf, decodeHeads, entityKey } from './append-plan.ts';
import { commitWindow, LogCache, type Entry } from './append-transaction.ts';
import { Change } from './change-entity.ts';
import { ChangeHead } from './change-head-entity.ts';
import { ChangeLinks } from './change-links-entity.ts';
import { CommitQueue } from './commit-queue.ts';
import { followChanges } from './follow.ts';
import { Sequence } from './sequence-entity.ts';

/** The entities a change log keeps in your table: spread them into `defineTable({ entities })`. */
export const changeLogEntities = { change: Change, changeHead: ChangeHead, changeLinks: ChangeLinks, sequence: Sequence } as const;
export type ChangeLogEntities = typeof changeLogEntities;

/** A stored change. */
export type ChangeItem = InferItem<typeof Change>;
/** What a caller appends: a change without the fields the log assigns. */
export type ChangeInput = Omit<InferInput<typeof Change>, 'projectId' | 'seq' | 'timestamp' | 'outdatedBy'>;

/** A change with writes that commit in the same transaction (the outbox). */
export interface ChangeEntry {
  change: ChangeInput;
  companion?: readonly Operation[];
}

export interface ChangeLogStats {
  total: number;
  latestSeq: number;
  outdated: number;
  byEntityType: Record<string, number>;
  byOperation: Record<string, number>;
}

export interface ChangeLogOptions {
  /** Budget for re-reading and retrying when another writer (another process) moved the sequence first. */
  conflictRetry?: Partial<RetryPolicy>;
  /**
   * How many entities' latest changes the sequence item carries (default 128). Changing one of
   * them again writes no head item; the oldest beyond this many are written out as head items.
   * 0 writes a head item for every entity an append touches.
   */
  recentHeads?: number;
}

/** What the change log needs of a bound table that contains `changeLogEntities`. */
export type ChangeLogTable = Pick<BoundTable<ChangeLogEntities>, 'entities' | 'storage' | 'contextOf'>;

const DEFAULT_RECENT_HEADS = 128;

/**
 * A per-project change log with gapless sequences. Each transaction moves the project's sequence
 * from v to v+n under `value = v` and creates the n changes; concurrent appends of one process
 * share transactions (group commit), other processes are detected by that condition and retried.
 * A reader paging `since(k)` with consistent reads can never later discover a change ≤ k.
 */
export class ChangeLog {
  private readonly queue: CommitQueue<Entry, ChangeItem>;
  /** Counters since construction: committed transactions and attempts lost to another writer. */
  readonly counters = { transactions: 0, conflicts: 0 };

  constructor(
    private readonly table: ChangeLogTable,
    options: ChangeLogOptions = {},
  ) {
    const retry = retryPolicy(options.conflictRetry, { maxAttempts: 200, baseDelayMs: 5, maxDelayMs: 250 });
    const capacity = options.recentHeads ?? DEFAULT_RECENT_HEADS;
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError(`recentHeads must be a non-negative integer (got ${capacity})`);
    const cache = new LogCache();
    this.queue = new CommitQueue<Entry, ChangeItem>({
      windowSize: MAX_TRANSACTION_ITEMS - 1,
      retry,
      commit: async (projectId, window) => {
        const outcome = await commitWindow(table, projectId, window, capacity, cache);
        if (outcome.kind === 'committed') this.counters.transactions++;
        return outcome;
      },
      onMoved: () => this.counters.conflicts++,
      idle: (projectId) => cache.forget(projectId),
      // DynamoDB rejected the request (an item too large, say): one caller's doing, found by trying them one by one.
      isolate: (error) => isRepositoryError(error, 'validation'),
      exhausted: (projectId) =>
        new RepositoryError('conflict', `change log of project '${projectId}': the sequence kept moving; gave up after ${retry.maxAttempts} attempts`, {
          id: projectId,
          entity: 'change',
        }),
    });
  }

  private checkProject(projectId: unknown): asserts projectId is string {
    if (typeof projectId !== 'string') throw RepositoryError.validation('change', [{ path: ['projectId'], message: 'expected a string' }]);
    this.table.contextOf('change').model.keys.check({ projectId }, ['projectId'], projectId);
  }

  async append(projectId: string, change: ChangeInput): Promise<ChangeItem> {
    const [stored] = await this.appendMany(projectId, [change]);
    return stored as ChangeItem;
  }

  /** Appends changes in order; larger inputs go in consecutive gapless transactions. */
  appendMany(projectId: string, inputs: readonly ChangeInput[]): Promise<ChangeItem[]> {
    if (!Array.isArray(inputs)) throw RepositoryError.validation('change', [{ path: [], message: 'expected an array of changes' }]);
    return this.appendWith(
      projectId,
      inputs.map((change) => ({ change })),
    );
  }

  /** Records entity writes with their changes (the outbox, see `withChangeLog`). */
  async record(projectId: string, writes: readonly RecordedWrite[], options: { atomic: boolean }): Promise<void> {
    await this.appendWith(
      projectId,
      writes.map(({ change, operations }) => ({ change: { ...change } as ChangeInput, companion: operations })),
      options,
    );
  }

  /**
   * Appends changes, each optionally with companion writes that commit in the SAME transaction
   * (the outbox: an entity write and its change, both or neither). A companion's failed
   * condition throws its own error (to this caller only); a moved sequence is re-read and retried.
   * `atomic`: every change in one transaction, or a validation error.
   */
  async appendWith(projectId: string, entries: readonly ChangeEntry[], options: { atomic?: boolean } = {}): Promise<ChangeItem[]> {
    this.checkProject(projectId);
    // Every change is validated before the first write: bad input never leaves a partial append.
    const now = new Date().toISOString();
    const candidates: Entry[] = entries.map(({ change, companion }, index) => {
      if (typeof change !== 'object' || change === null) throw RepositoryError.validation('change', [{ path: [index], message: 'expected a change object' }]);
      // Only the fields a caller sets; the schema checks them (their types are the caller's word until then).
      const { entityType, entityId, operation, data } = change;
      const draft = { projectId, entityType, entityId, operation, timestamp: now, data };
      try {
        Change.toStored({ ...draft, seq: 1 });
      } catch (error) {
        if (isRepositoryError(error, 'validation'))
          throw RepositoryError.validation(
            'change',
            error.issues.map((issue) => ({ ...issue, path: [index, ...issue.path] })),
          );
        throw error;
      }
      return { change: draft, companion: companion ?? [] };
    });
    if (candidates.length === 0) return [];
    return this.queue.submit(projectId, candidates, options.atomic ?? false);
  }

  /** Fills `outdatedBy` of changes superseded by a later transaction (kept in the links items), with consistent reads. */
  private async withLinks(projectId: string, items: ChangeItem[]): Promise<ChangeItem[]> {
    const open = items.filter((item) => item.outdatedBy === undefined);
    if (open.length === 0) return items;
    const buckets = [...new Set(open.map((item) => bucketOf(item.seq)))];
    const found = await this.table.entities.changeLinks.getMany(
      buckets.map((bucket) => ({ projectId, bucket })),
      { consistent: true },
    );
    const outdatedBy = new Map(found.items.flatMap((item) => item.links));
    return items.map((item) => {
      const later = item.outdatedBy ?? outdatedBy.get(item.seq);
      return later === undefined ? item : { ...item, outdatedBy: later };
    });
  }

  /** Changes with seq > afterSeq, in seq order, one page (strongly consistent, outdatedBy included). */
  async since(projectId: string, afterSeq: number, options: { limit?: number; cursor?: string } = {}): Promise<Page<ChangeItem>> {
    this.checkProject(projectId);
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0)
      throw RepositoryError.validation('change', [{ path: ['afterSeq'], message: `must be a non-negative integer (got ${afterSeq})` }]);
    const page = await this.table.entities.change.find.primary({ projectId, seq: { gt: afterSeq } }, { ...options, consistent: true });
    return { ...page, items: await this.withLinks(projectId, page.items) };
  }

  /** Every change after `afterSeq`, one page in memory at a time. */
  async *paginate(projectId: string, afterSeq = 0, options: { pageSize?: number } = {}): AsyncIterable<ChangeItem[]> {
    let cursor: string | undefined;
    do {
      const page = await this.since(projectId, afterSeq, { ...(options.pageSize ? { limit: options.pageSize } : {}), ...(cursor ? { cursor } : {}) });
      if (page.items.length > 0) yield page.items;
      cursor = page.cursor;
    } while (cursor);
  }

  /**
   * The sync primitive of a local-first client: every change after `fromSeq` (history first,
   * then live from the table's stream) in strict seq order, with no gap and no duplicate.
   */
  follow(projectId: string, options: { fromSeq?: number } = {}): LiveStream<ChangeItem> {
    this.checkProject(projectId);
    const fromSeq = options.fromSeq ?? 0;
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 0)
      throw RepositoryError.validation('change', [{ path: ['fromSeq'], message: `must be a non-negative integer (got ${fromSeq})` }]);
    const model = this.table.contextOf('change').model;
    return followChanges<ChangeItem>({
      projectId,
      fromSeq,
      subscribe: (listener) => this.table.storage.subscribe(listener),
      decode: (raw) => model.decode(raw) as ChangeItem,
      since: (afterSeq) => this.since(projectId, afterSeq, { limit: 1000 }),
    });
  }

  /** One entity's changes in seq order (GSI entityHistory: eventually consistent; their outdatedBy read consistently). */
  async history(
    projectId: string,
    entityType: string,
    entityId: string,
    options: { limit?: number; cursor?: string; order?: 'asc' | 'desc' } = {},
  ): Promise<Page<ChangeItem>> {
    const page = await this.table.entities.change.find.entityHistory({ projectId, entityType, entityId }, options);
    return { ...page, items: await this.withLinks(projectId, page.items) };
  }

  /** Current state: the latest change of every entity (`includeOutdated: true` = every change). */
  async latest(projectId: string, options: { includeOutdated?: boolean } = {}): Promise<ChangeItem[]> {
    this.checkProject(projectId);
    const result: ChangeItem[] = [];
    if (options.includeOutdated) {
      for await (const page of this.paginate(projectId)) result.push(...page);
      return result;
    }
    // The recent heads in the sequence item, then the head items; an entity's latest seq only grows, so the larger wins.
    const sequence = (await this.table.entities.sequence.getMany([projectId])).items[0];
    const heads = await this.table.entities.changeHead.query({ pattern: 'primary', key: { projectId } }, { consistent: true });
    const latest = new Map([...decodeHeads(sequence?.heads)].map(([key, head]) => [key, head.seq]));
    for (const head of heads) {
      const key = entityKey(head);
      latest.set(key, Math.max(latest.get(key) ?? 0, head.latestSeq));
    }
    const seqs = [...latest.values()].sort((a, b) => a - b);
    return (await this.table.entities.change.getMany(seqs.map((seq) => ({ projectId, seq })))).items;
  }

  /** Counts by entity type and operation, the latest seq and how many changes are outdated. */
  async stats(projectId: string): Promise<ChangeLogStats> {
    const stats: ChangeLogStats = { total: 0, latestSeq: 0, outdated: 0, byEntityType: {}, byOperation: {} };
    for await (const page of this.paginate(projectId, 0, { pageSize: 1000 })) {
      for (const change of page) {
        stats.total++;
        stats.byEntityType[change.entityType] = (stats.byEntityType[change.entityType] ?? 0) + 1;
        stats.byOperation[change.operation] = (stats.byOperation[change.operation] ?? 0) + 1;
        if (change.outdatedBy !== undefined) stats.outdated++;
      }
    }
    const sequence = (await this.table.entities.sequence.getMany([projectId])).items[0];
    stats.latestSeq = sequence?.value ?? 0;
    return stats;
  }
}
