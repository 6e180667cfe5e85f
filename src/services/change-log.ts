import { isRepositoryError, RepositoryError } from '../errors/index.ts';
import {
  planCreate,
  planPatchWrite,
  planSave,
  runAll,
  type BoundTable,
  type Operation,
  type Page,
  type PlannedWrite,
  type RecordedWrite,
} from '../entity/index.ts';
import { retryPolicy, withRetries, type RetryPolicy } from '../retry/index.ts';
import type { InferInput, InferItem } from '../schema/index.ts';
import type { LiveStream } from '../streams/index.ts';
import { assignSeqs, entityKey, planGroup, type Candidate } from './append-plan.ts';
import { Change } from './change-entity.ts';
import { ChangeHead } from './change-head-entity.ts';
import { followChanges } from './follow.ts';
import { Sequence } from './sequence-entity.ts';

type Item = Record<string, unknown>;

/** The entities a change log keeps in your table: spread them into `defineTable({ entities })`. */
export const changeLogEntities = { change: Change, changeHead: ChangeHead, sequence: Sequence } as const;
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
  /** Budget for re-reading and retrying when another writer moved the sequence first. */
  conflictRetry?: Partial<RetryPolicy>;
}

/** What the change log needs of a bound table that contains `changeLogEntities`. */
export type ChangeLogTable = Pick<BoundTable<ChangeLogEntities>, 'entities' | 'storage' | 'contextOf'>;

/** A transaction holds at most 100 items: the sequence, the changes, and per entity a head and the outdated change. */
const MAX_TRANSACTION_ITEMS = 100;
const logEntities = new Set(Object.keys(changeLogEntities));

/** Another writer moved the sequence (or a head) first: re-read and retry. */
class LogMoved extends RepositoryError {
  constructor(projectId: string, cause: unknown) {
    super('conflict', `change log of project '${projectId}' moved during the append`, { cause, id: projectId, entity: 'change' });
  }
}

/**
 * A per-project change log with gapless sequences. Each append is ONE TransactWriteItems that
 * moves the project's sequence from v to v+n under `value = v`, creates the n changes, marks the
 * previous latest change of each entity `outdatedBy`, and moves that entity's head. A reader
 * paging `since(k)` with consistent reads can never later discover a change ≤ k.
 */
export class ChangeLog {
  private readonly retry: RetryPolicy;
  /** Counters since construction: committed transactions and attempts lost to another writer. */
  readonly counters = { transactions: 0, conflicts: 0 };

  constructor(
    private readonly table: ChangeLogTable,
    options: ChangeLogOptions = {},
  ) {
    this.retry = retryPolicy(options.conflictRetry, { maxAttempts: 200, baseDelayMs: 5, maxDelayMs: 250 });
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
   * condition throws its own error; a moved sequence is re-read and retried.
   */
  async appendWith(projectId: string, entries: readonly ChangeEntry[], options: { atomic?: boolean } = {}): Promise<ChangeItem[]> {
    this.checkProject(projectId);
    // Every change is validated before the first write: bad input never leaves a partial append.
    const now = new Date().toISOString();
    let remaining: Candidate[] = entries.map(({ change, companion }, index) => {
      if (typeof change !== 'object' || change === null) throw RepositoryError.validation('change', [{ path: [index], message: 'expected a change object' }]);
      const candidate: Item = { ...(change as Item), projectId, seq: 1, timestamp: now };
      delete candidate.outdatedBy;
      try {
        Change.toStored(candidate);
      } catch (error) {
        if (isRepositoryError(error, 'validation'))
          throw RepositoryError.validation(
            'change',
            error.issues.map((issue) => ({ ...issue, path: [index, ...issue.path] })),
          );
        throw error;
      }
      return { change: candidate, companion: companion ?? [] };
    });
    const appended: ChangeItem[] = [];
    while (remaining.length > 0) {
      const batch = remaining;
      const written = await withRetries<ChangeItem[]>(
        this.retry,
        async () => {
          try {
            return { done: true, value: await this.appendOnce(projectId, batch, options.atomic ?? false) };
          } catch (error) {
            if (error instanceof LogMoved) {
              this.counters.conflicts++;
              return { done: false };
            }
            throw error;
          }
        },
        () =>
          new RepositoryError('conflict', `change log of project '${projectId}': the sequence kept moving; gave up after ${this.retry.maxAttempts} attempts`, {
            id: projectId,
            entity: 'change',
          }),
      );
      appended.push(...written);
      remaining = remaining.slice(written.length);
    }
    return appended;
  }

  /** One attempt: read the sequence and heads consistently, then write as many changes as fit in one transaction. */
  private async appendOnce(projectId: string, candidates: Candidate[], atomic: boolean): Promise<ChangeItem[]> {
    const { entities, contextOf, storage } = this.table;
    const sequence = (await entities.sequence.getMany([projectId])).items[0];
    const current = sequence?.value ?? 0;
    const window = candidates.slice(0, MAX_TRANSACTION_ITEMS - 1);
    const headIds = new Map(
      window.map(({ change }) => [entityKey(change), { projectId, entityType: String(change.entityType), entityId: String(change.entityId) }]),
    );
    const found = await entities.changeHead.getMany([...headIds.values()]);
    // Read apart from the sequence: a head past it means another append committed in between (its
    // changes would collide with ours in one transaction); re-read and retry.
    if (found.items.some((head) => head.latestSeq > current)) throw new LogMoved(projectId, undefined);
    const heads = new Map(found.items.map((head) => [entityKey(head), head as Item]));

    const group = planGroup(window, heads, MAX_TRANSACTION_ITEMS);
    if (atomic && group.length < candidates.length) {
      throw new RepositoryError(
        'validation',
        `${candidates.length} changes with their writes do not fit one transaction (${group.length} do); split the batch`,
      );
    }
    const { stored, firstSeqOf } = assignSeqs(group, current);
    const [sequenceContext, changeContext, headContext] = [contextOf('sequence'), contextOf('change'), contextOf('changeHead')];
    const plans: PlannedWrite[] = [];
    const sequenceItem = { projectId, value: current + stored.length };
    plans.push(sequence ? await planSave(sequenceContext, sequenceItem, { if: { value: current } }) : planCreate(sequenceContext, sequenceItem));
    const operations: Operation[] = [];
    stored.forEach((change, index) => operations.push(...planCreate(changeContext, change).operations, ...(group[index]?.companion ?? [])));
    for (const [key, firstSeq] of firstSeqOf) {
      const head = heads.get(key);
      const last = [...stored].reverse().find((change) => entityKey(change) === key) as Item;
      const headItem = { projectId, entityType: last.entityType, entityId: last.entityId, latestSeq: last.seq, operation: last.operation };
      if (head) {
        plans.push(await planSave(headContext, headItem, { if: { latestSeq: head.latestSeq } }));
        plans.push(await planPatchWrite(changeContext, { projectId, seq: head.latestSeq }, { set: { outdatedBy: firstSeq } }));
      } else plans.push(planCreate(headContext, headItem));
    }
    const all = [...(plans[0]?.operations ?? []), ...operations, ...plans.slice(1).flatMap((plan) => plan.operations)];
    try {
      await runAll(storage, all);
    } catch (error) {
      // The log's own items failed their conditions, or a concurrent transaction won: re-read and retry.
      if (isRepositoryError(error) && logEntities.has(error.entity ?? '') && ['conditionFailed', 'alreadyExists', 'notFound', 'conflict'].includes(error.code))
        throw new LogMoved(projectId, error);
      if (isRepositoryError(error, 'conflict') && error.entity === undefined) throw new LogMoved(projectId, error);
      throw error;
    }
    this.counters.transactions++;
    return stored.map((change) => Change.fromStored(Change.toStored(change)) as ChangeItem);
  }

  /** Changes with seq > afterSeq, in seq order, one page (strongly consistent). */
  since(projectId: string, afterSeq: number, options: { limit?: number; cursor?: string } = {}): Promise<Page<ChangeItem>> {
    this.checkProject(projectId);
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0)
      throw RepositoryError.validation('change', [{ path: ['afterSeq'], message: `must be a non-negative integer (got ${afterSeq})` }]);
    return this.table.entities.change.find.primary({ projectId, seq: { gt: afterSeq } }, { ...options, consistent: true });
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

  /** One entity's changes in seq order (GSI entityHistory; eventually consistent). */
  history(
    projectId: string,
    entityType: string,
    entityId: string,
    options: { limit?: number; cursor?: string; order?: 'asc' | 'desc' } = {},
  ): Promise<Page<ChangeItem>> {
    return this.table.entities.change.find.entityHistory({ projectId, entityType, entityId }, options);
  }

  /** Current state: the latest change of every entity (`includeOutdated: true` = every change). */
  async latest(projectId: string, options: { includeOutdated?: boolean } = {}): Promise<ChangeItem[]> {
    this.checkProject(projectId);
    const result: ChangeItem[] = [];
    if (options.includeOutdated) {
      for await (const page of this.paginate(projectId)) result.push(...page);
      return result;
    }
    const heads = await this.table.entities.changeHead.query({ pattern: 'primary', key: { projectId } }, { consistent: true });
    const seqs = heads.map((head) => head.latestSeq).sort((a, b) => a - b);
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
