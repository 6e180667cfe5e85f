import { isRepositoryError, mapError, RepositoryError } from '../errors/index.ts';
import { createRepository, type DynamoRepository } from '../repository/index.ts';
import { streamReaderFor, type LiveStream } from '../streams/index.ts';
import { followChanges } from './follow.ts';
import { assignSeqs, entityKey, planGroup, type Candidate, type CompanionWrite } from './append-plan.ts';
import { retryPolicy, withRetries, type RetryPolicy } from '../retry/index.ts';
import type { EntityDefinition, InferInput, InferItem } from '../schema/index.ts';
import { sendPage, transactItem, transactWrite, type BoundTable, type EntityClient, type EntityMap, type Page, type PagingOptions } from '../table/index.ts';
import { assertFields, type Item, paramsOf, queryBuilder } from './electro-params.ts';

/** The entities a change log needs (see entities/change.ts, change-head.ts, sequence.ts). */
export type ChangeLogEntities = EntityMap & { change: EntityDefinition; changeHead: EntityDefinition; sequence: EntityDefinition };

export type ChangeOf<E extends ChangeLogEntities> = InferItem<E['change']>;
/** What a caller appends: a change without the fields the log assigns. */
export type ChangeInputOf<E extends ChangeLogEntities> = Omit<InferInput<E['change']>, 'projectId' | 'seq' | 'timestamp' | 'outdatedBy'>;

export interface ChangeEntry<E extends ChangeLogEntities> {
  change: ChangeInputOf<E>;
  companion?: CompanionWrite;
}


/** Another writer moved the sequence (or a head) first: re-read and retry. */
class LogMoved extends RepositoryError {
  constructor(projectId: string, cause: unknown) {
    super('conflict', `change log of project '${projectId}' moved during the append`, { cause, id: projectId });
  }
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

/** A transaction holds at most 100 items: the sequence, the changes, and per entity a head and the outdated change. */
const MAX_TRANSACTION_ITEMS = 100;

/**
 * A per-project change log with gapless sequences. Each append is ONE TransactWriteItems that
 * moves the project's sequence from v to v+n under `value = v`, puts the n changes with
 * `attribute_not_exists`, marks the previous latest change of each entity `outdatedBy`, and
 * moves that entity's head. Readers paging `since(k)` with consistent reads can never later
 * discover a change ≤ k: a change becomes visible only together with all lower seqs.
 */
export class ChangeLog<E extends ChangeLogEntities> {
  private readonly changes: EntityClient<E['change']>;
  private readonly heads: EntityClient<E['changeHead']>;
  private readonly sequences: EntityClient<E['sequence']>;
  private readonly retry: RetryPolicy;
  private readonly changeRepository: DynamoRepository<EntityDefinition>;
  private readonly headRepository: DynamoRepository<EntityDefinition>;
  private readonly sequenceRepository: DynamoRepository<EntityDefinition>;
  /** Counters since construction: committed transactions and attempts lost to another writer. */
  readonly counters = { transactions: 0, conflicts: 0 };

  constructor(
    private readonly table: BoundTable<E>,
    options: ChangeLogOptions = {},
  ) {
    this.changes = table.entities.change as EntityClient<E['change']>;
    this.heads = table.entities.changeHead as EntityClient<E['changeHead']>;
    this.sequences = table.entities.sequence as EntityClient<E['sequence']>;
    assertFields(this.changes.definition, ['projectId', 'seq', 'entityType', 'entityId', 'operation', 'timestamp', 'data', 'outdatedBy']);
    assertFields(this.heads.definition, ['projectId', 'entityType', 'entityId', 'latestSeq', 'operation']);
    assertFields(this.sequences.definition, ['projectId', 'value']);
    this.retry = retryPolicy(options.conflictRetry, { maxAttempts: 200, baseDelayMs: 5, maxDelayMs: 250 });
    // Repositories read with strong consistency and batch with retries of unprocessed keys.
    this.changeRepository = createRepository(this.changes.definition, { table });
    this.headRepository = createRepository(this.heads.definition, { table });
    this.sequenceRepository = createRepository(this.sequences.definition, { table });
  }

  private get doc() {
    return this.table.connection.doc;
  }

  private checkProject(projectId: string): void {
    this.changes.definition.checkKey({ projectId }, ['projectId'], projectId);
  }

  async append(projectId: string, change: ChangeInputOf<E>): Promise<ChangeOf<E>> {
    const [stored] = await this.appendMany(projectId, [change]);
    return stored as ChangeOf<E>;
  }

  /** Appends changes in order; ≤ 99 per transaction, larger inputs in consecutive gapless transactions. */
  appendMany(projectId: string, inputs: readonly ChangeInputOf<E>[]): Promise<ChangeOf<E>[]> {
    return this.appendWith(projectId, inputs.map((change) => ({ change })));
  }

  /**
   * Appends changes, each optionally with a companion write that must commit in the SAME
   * transaction (the outbox: an entity write and its change, both or neither). A failed
   * companion condition throws the companion's error; a moved sequence is re-read and retried.
   */
  async appendWith(projectId: string, entries: readonly ChangeEntry<E>[], options: { atomic?: boolean } = {}): Promise<ChangeOf<E>[]> {
    this.checkProject(projectId);
    // Validate every change before the first write: bad input never leaves a partial append.
    const now = new Date().toISOString();
    let remaining: Candidate[] = entries.map(({ change, companion }, index) => {
      const candidate: Item = { ...(change as Item), projectId, seq: 1, timestamp: now };
      delete candidate.outdatedBy;
      try {
        this.changes.definition.toStored(candidate);
      } catch (error) {
        if (isRepositoryError(error, 'validation')) throw RepositoryError.validation('change', error.issues.map((issue) => ({ ...issue, path: [index, ...issue.path] })));
        throw error;
      }
      return { change: candidate, companion };
    });
    const appended: ChangeOf<E>[] = [];
    while (remaining.length > 0) {
      const batch = remaining;
      const written = await withRetries<ChangeOf<E>[]>(
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
        () => new RepositoryError('conflict', `change log of project '${projectId}': the sequence kept moving; gave up after ${this.retry.maxAttempts} attempts`, { id: projectId }),
      );
      appended.push(...written);
      remaining = remaining.slice(written.length);
    }
    return appended;
  }

  /** One attempt: read the sequence and heads consistently, then write as many changes as fit in one transaction. */
  private async appendOnce(projectId: string, candidates: Candidate[], atomic: boolean): Promise<ChangeOf<E>[]> {
    const sequence = (await this.sequenceRepository.getMany([projectId as never])).items[0] as Item | undefined;
    const current = (sequence?.value as number | undefined) ?? 0;
    const window = candidates.slice(0, MAX_TRANSACTION_ITEMS - 1);
    const headKeys = new Map(window.map(({ change }) => [entityKey(change), { projectId, entityType: change.entityType, entityId: change.entityId }]));
    const found = await this.headRepository.getMany([...headKeys.values()] as never[]);
    const heads = new Map((found.items as Item[]).map((head) => [entityKey(head), head]));

    const group = planGroup(window, heads, MAX_TRANSACTION_ITEMS);
    if (atomic && group.length < candidates.length) {
      throw new RepositoryError('validation', `${candidates.length} changes with their writes do not fit one transaction (${group.length} do); split the batch`);
    }
    const { stored, firstSeqOf: nextOf } = assignSeqs(group, current);
    // Each transaction item with the error its failed condition means (undefined = the log moved: retry).
    const items: { item: Record<string, Item>; failure?: CompanionWrite['failure'] }[] = [];
    const sequenceItem = { projectId, value: current + stored.length };
    items.push({
      item: transactItem('Put', sequence ? paramsOf(this.sequences.electro.put(sequenceItem), (a, op) => op.eq(a.value, current)) : paramsOf(this.sequences.electro.create(sequenceItem))),
    });
    stored.forEach((change, index) => {
      items.push({ item: transactItem('Put', paramsOf(this.changes.electro.create(this.changes.definition.toStored(change)))) });
      const companion = group[index]?.companion;
      if (companion) items.push({ item: companion.item, failure: companion.failure });
    });
    for (const [key, firstSeq] of nextOf) {
      const head = heads.get(key);
      const last = [...stored].reverse().find((change) => entityKey(change) === key) as Item;
      const headItem = { projectId, entityType: last.entityType, entityId: last.entityId, latestSeq: last.seq, operation: last.operation };
      if (head) {
        items.push({ item: transactItem('Put', paramsOf(this.heads.electro.put(headItem), (a, op) => op.eq(a.latestSeq, head.latestSeq))) });
        items.push({ item: transactItem('Update', paramsOf(this.changes.electro.patch({ projectId, seq: head.latestSeq }).set({ outdatedBy: firstSeq }))) });
      } else {
        items.push({ item: transactItem('Put', paramsOf(this.heads.electro.create(headItem))) });
      }
    }
    await transactWrite(
      this.doc,
      items.map(({ item }) => item),
      {
        entity: 'change',
        id: projectId,
        explainCancellation: (reasons, cause) => {
          const failedIndex = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
          const failure = failedIndex >= 0 ? items[failedIndex]?.failure : undefined;
          if (failure) return failure(cause);
          if (failedIndex >= 0 || reasons.some((reason) => reason.Code === 'TransactionConflict')) return new LogMoved(projectId, cause);
          return undefined;
        },
      },
    );
    this.counters.transactions++;
    return stored.map((change) => this.changes.definition.fromStored(change) as ChangeOf<E>);
  }

  private async query(params: Record<string, unknown>, options: PagingOptions): Promise<Page<ChangeOf<E>>> {
    try {
      const page = await sendPage(this.doc, 'query', params, options);
      return { items: page.items.map((item) => this.changes.decode(item) as ChangeOf<E>), cursor: page.cursor };
    } catch (error) {
      throw mapError(error, { entity: 'change' });
    }
  }

  /** Changes with seq > afterSeq, in seq order, one page (strongly consistent). */
  async since(projectId: string, afterSeq: number, options: { limit?: number; cursor?: string } = {}): Promise<Page<ChangeOf<E>>> {
    this.checkProject(projectId);
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new RepositoryError('validation', `since: seq must be a non-negative integer (got ${afterSeq})`);
    // between, not gt: a bare `sk > x` would run past the change items into other entities of the partition.
    const builder = queryBuilder(this.changes.electro, 'primary', { projectId });
    return this.query(paramsOf(builder.between({ seq: afterSeq + 1 }, { seq: Number.MAX_SAFE_INTEGER })), { ...options, consistent: true });
  }

  /** Every change after `afterSeq`, one page in memory at a time. */
  async *paginate(projectId: string, afterSeq = 0, options: { pageSize?: number } = {}): AsyncIterable<ChangeOf<E>[]> {
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
  follow(projectId: string, options: { fromSeq?: number } = {}): LiveStream<ChangeOf<E>> {
    this.checkProject(projectId);
    const fromSeq = options.fromSeq ?? 0;
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 0) throw new RepositoryError('validation', `follow: fromSeq must be a non-negative integer (got ${fromSeq})`);
    return followChanges<ChangeOf<E>>({
      projectId,
      fromSeq,
      reader: streamReaderFor(this.table.connection.client, this.table.tableName),
      decode: (raw) => this.changes.decode(raw) as ChangeOf<E>,
      since: (afterSeq, cursor) => this.since(projectId, afterSeq, { limit: 1000, ...(cursor ? { cursor } : {}) }),
    });
  }

  /** One entity's changes in seq order (GSI entityHistory; eventually consistent). */
  async history(projectId: string, entityType: string, entityId: string, options: { limit?: number; cursor?: string; order?: 'asc' | 'desc' } = {}): Promise<Page<ChangeOf<E>>> {
    const key = { projectId, entityType, entityId };
    this.changes.definition.checkKey(key, ['projectId', 'entityType', 'entityId'], key);
    return this.query(paramsOf(queryBuilder(this.changes.electro, 'entityHistory', key)), options);
  }

  /** Current state: the latest change of every entity (`includeOutdated: true` = every change). */
  async latest(projectId: string, options: { includeOutdated?: boolean } = {}): Promise<ChangeOf<E>[]> {
    this.checkProject(projectId);
    const result: ChangeOf<E>[] = [];
    if (options.includeOutdated) {
      for await (const page of this.paginate(projectId)) result.push(...page);
      return result;
    }
    const seqs: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.heads.query('primary' as never, { projectId } as never, { consistent: true, ...(cursor ? { cursor } : {}) });
      seqs.push(...page.items.map((head) => (head as Item).latestSeq as number));
      cursor = page.cursor;
    } while (cursor);
    const changes = await this.changeRepository.getMany(seqs.sort((a, b) => a - b).map((seq) => ({ projectId, seq }) as never));
    return changes.items as ChangeOf<E>[];
  }

  /** Counts by entity type and operation, the latest seq and how many changes are outdated. */
  async stats(projectId: string): Promise<ChangeLogStats> {
    const stats: ChangeLogStats = { total: 0, latestSeq: 0, outdated: 0, byEntityType: {}, byOperation: {} };
    for await (const page of this.paginate(projectId, 0, { pageSize: 1000 })) {
      for (const change of page as Item[]) {
        stats.total++;
        stats.byEntityType[String(change.entityType)] = (stats.byEntityType[String(change.entityType)] ?? 0) + 1;
        stats.byOperation[String(change.operation)] = (stats.byOperation[String(change.operation)] ?? 0) + 1;
        if (change.outdatedBy !== undefined) stats.outdated++;
      }
    }
    const sequence = (await this.sequenceRepository.getMany([projectId as never])).items[0] as Item | undefined;
    stats.latestSeq = (sequence?.value as number | undefined) ?? 0;
    return stats;
  }
}
