import { mapError, RepositoryError, TransactionCancelledError } from '../errors/index.ts';
import { explain, MAX_TRANSACTION_ITEMS, planCreate, planSave, toTransactItem, type EntityContext, type Operation } from '../entity/index.ts';
import type { RawItem } from '../storage/index.ts';
import { type AppendPlan, buildPlan, decodeHeads, encodeHeads, entityKey, fitCount, type Candidate, type Head, type LogState } from './append-plan.ts';
import type { ChangeItem, ChangeLogTable } from './change-log.ts';
import type { Outcome, Slice } from './commit-queue.ts';

type Item = Record<string, unknown>;

/** A candidate before it is given its owner (the caller's index in the window). */
export type Entry = Omit<Candidate, 'owner' | 'glued'>;

interface ReadState extends LogState {
  /** Whether the project has a sequence item yet (created, else moved under `value = v`). */
  readonly exists: boolean;
  /** Entities besides `recent` whose latest change this state knows (in `cold`, or known to have none). */
  readonly known: ReadonlySet<string>;
}

/** A head item as the plan needs it, checked rather than cast. */
function headOf(item: Item): Head {
  const { entityType, entityId, latestSeq, operation } = item;
  if (typeof entityType === 'string' && typeof entityId === 'string' && typeof latestSeq === 'number')
    if (operation === 'create' || operation === 'update' || operation === 'delete') return { entityType, entityId, seq: latestSeq, operation };
  throw new RepositoryError('unknown', `an unreadable changeHead item: ${JSON.stringify(item)}`, { entity: 'changeHead' });
}

/** A burst of transactions chains on the state it wrote; past this many known entities it reads again. */
const MAX_KNOWN = 10_000;

/**
 * What the change log remembers between transactions, per project. Within a burst (while its
 * queue has work) each transaction plans on the state the previous one wrote: the sequence's
 * `value = v` condition turns it down if anything moved since, and then the burst reads again,
 * every time, until the queue is empty. Across bursts only a hint survives: which entities were
 * among the recent heads, whose head items the first read can skip.
 */
export class LogCache {
  private readonly hints = new Map<string, ReadonlySet<string>>();
  private readonly bursts = new Map<string, { state?: ReadState; contended: boolean }>();
  constructor(private readonly maxProjects = 1024) {}

  likelyRecent(projectId: string): ReadonlySet<string> {
    return this.hints.get(projectId) ?? new Set();
  }

  /** The state the previous transaction of this burst wrote, if it knows every entity the candidates touch. */
  chained(projectId: string, candidates: readonly Candidate[]): ReadState | undefined {
    const state = this.bursts.get(projectId)?.state;
    return state && candidates.every(({ change }) => state.recent.has(entityKey(change)) || state.known.has(entityKey(change))) ? state : undefined;
  }

  committed(projectId: string, state: ReadState): void {
    const burst = this.bursts.get(projectId) ?? { contended: false };
    burst.state = burst.contended || state.known.size > MAX_KNOWN ? undefined : state;
    this.bursts.set(projectId, burst);
    this.hints.delete(projectId);
    this.hints.set(projectId, new Set(state.recent.keys()));
    // Forget the least recently appended-to project (Map keeps insertion order).
    const oldest = this.hints.keys().next();
    if (this.hints.size > this.maxProjects && !oldest.done) this.hints.delete(oldest.value);
  }

  /** Another writer moved the log: read before every transaction for the rest of this burst. */
  moved(projectId: string): void {
    this.bursts.set(projectId, { contended: true });
  }

  forget(projectId: string): void {
    this.bursts.delete(projectId);
  }
}

/**
 * The sequence (with its recent heads) and the head items of the touched entities, in ONE
 * consistent BatchGetItem; heads the hints wrongly took for recent are read in a second one.
 * Undefined when another append committed between the reads (a head past the sequence): retry.
 */
async function readState(table: ChangeLogTable, projectId: string, candidates: readonly Candidate[], cache: LogCache): Promise<ReadState | undefined> {
  const sequenceModel = table.contextOf('sequence').model;
  const headModel = table.contextOf('changeHead').model;
  const touched = new Map<string, RawItem>();
  for (const { change } of candidates) {
    const key = entityKey(change);
    if (!touched.has(key)) touched.set(key, headModel.rawKey({ projectId, entityType: change.entityType, entityId: change.entityId }));
  }
  const read = async (keys: RawItem[]) => {
    try {
      return await table.storage.batchGet(keys, true);
    } catch (error) {
      throw mapError(error, { entity: 'change', id: projectId });
    }
  };
  const likelyRecent = cache.likelyRecent(projectId);
  const first = [...touched].filter(([key]) => !likelyRecent.has(key));
  let sequence: Item | undefined;
  const cold = new Map<string, Head>();
  const addHeads = (raws: readonly RawItem[]) => {
    for (const raw of raws) {
      if (raw.__edb_e__ === sequenceModel.name) sequence = sequenceModel.decode(raw);
      else {
        const head = headOf(headModel.decode(raw));
        cold.set(entityKey(head), head);
      }
    }
  };
  addHeads(await read([sequenceModel.rawKey(projectId), ...first.map(([, key]) => key)]));
  const recent = decodeHeads(typeof sequence?.heads === 'string' ? sequence.heads : undefined);
  const unread = [...touched].filter(([key]) => likelyRecent.has(key) && !recent.has(key));
  if (unread.length > 0) addHeads(await read(unread.map(([, key]) => key)));
  const current = typeof sequence?.value === 'number' ? sequence.value : 0;
  if ([...cold.values()].some((head) => head.seq > current)) return undefined;
  return { current, recent, cold, exists: sequence !== undefined, known: new Set(touched.keys()) };
}

/** The state a committed plan leaves: what the next transaction of the burst plans on. */
function after(state: ReadState, plan: AppendPlan): ReadState {
  const cold = new Map(state.cold);
  for (const head of plan.evicted) cold.set(entityKey(head), head);
  const known = new Set(state.known);
  for (const { change } of plan.entries) known.add(entityKey(change));
  return { current: state.current + plan.entries.length, recent: plan.heads, cold, exists: true, known };
}

/** A write without a condition: every item of the append is guarded by the sequence's `value = v`. */
function upsert(context: EntityContext, object: Item): Operation {
  const { model } = context;
  const { stored, raw, id } = model.prepare(object, {}, new Date().toISOString());
  return { entity: model.name, id, write: { kind: 'put', key: model.keys.primaryKey(stored), item: raw }, guards: [] };
}

/** Appends [seq, outdatedBy] pairs to a links item, creating it if needed (list_append on if_not_exists). */
function appendLinks(context: EntityContext, projectId: string, bucket: number, pairs: [number, number][]): Operation {
  const { model } = context;
  const { stored, raw, id } = model.prepare({ projectId, bucket, links: pairs }, {}, new Date().toISOString());
  const key = model.keys.primaryKey(stored);
  const actions = Object.entries(raw)
    .filter(([name]) => !(name in key) && name !== 'links')
    .map(([name, value]) => ({ kind: 'set' as const, name, value }));
  return { entity: model.name, id, write: { kind: 'update', key, actions: [...actions, { kind: 'append', name: 'links', values: pairs }] }, guards: [] };
}

function unfit(items: number, blocked: 'size' | 'duplicate' | undefined): RepositoryError {
  return new RepositoryError(
    'validation',
    blocked === 'duplicate'
      ? 'the writes of this append touch one item twice: they cannot share one transaction'
      : `${items} change(s) with their writes do not fit one transaction of ${MAX_TRANSACTION_ITEMS} items; split the batch`,
    { entity: 'change' },
  );
}

/**
 * One attempt at one transaction for a window of queued appends: read the log, plan as many
 * changes as fit, write them with the sequence moved from v to v+n under `value = v`. A failed
 * condition of a caller's companion rejects only that caller; one of the log's own items means
 * another writer moved the log first.
 */
export async function commitWindow(
  table: ChangeLogTable,
  projectId: string,
  window: readonly Slice<Entry>[],
  capacity: number,
  cache: LogCache,
): Promise<Outcome<ChangeItem>> {
  const candidates: Candidate[] = window.flatMap((slice) =>
    slice.items.map((entry, index) => ({ ...entry, owner: slice.owner, glued: slice.atomic && index < slice.items.length - 1 })),
  );
  const state = cache.chained(projectId, candidates) ?? (await readState(table, projectId, candidates, cache));
  if (!state) {
    cache.moved(projectId);
    return { kind: 'moved' };
  }
  const fit = fitCount(candidates, state, MAX_TRANSACTION_ITEMS, capacity);
  const first = window[0];
  if (fit.count === 0) return { kind: 'rejected', owner: first?.owner ?? 0, error: unfit(first?.items.length ?? 0, fit.blocked) };
  const group = candidates.slice(0, fit.count);
  const plan = buildPlan(group, state, capacity);

  const { contextOf, storage } = table;
  const operations: Operation[] = [];
  const owners: (number | undefined)[] = [];
  const add = (added: readonly Operation[], owner?: number) => {
    for (const operation of added) {
      operations.push(operation);
      owners.push(owner);
    }
  };
  const sequenceItem = { projectId, value: state.current + group.length, heads: encodeHeads(plan.heads) };
  const sequenceContext = contextOf('sequence');
  add(
    state.exists
      ? (await planSave(sequenceContext, sequenceItem, { if: { value: state.current } })).operations
      : planCreate(sequenceContext, sequenceItem).operations,
  );
  const changeContext = contextOf('change');
  const results: ChangeItem[] = [];
  for (const { candidate, change } of plan.entries) {
    // A change or companion that cannot be written (too large, a check without a condition) is its caller's error alone.
    let planned: ReturnType<typeof planCreate>;
    try {
      planned = planCreate(changeContext, change);
      candidate.companion.forEach(toTransactItem);
    } catch (error) {
      return { kind: 'rejected', owner: candidate.owner, error };
    }
    add(planned.operations);
    add(candidate.companion, candidate.owner);
    results.push(changeContext.model.decode(planned.result ?? {}) as ChangeItem);
  }
  const linksContext = contextOf('changeLinks');
  for (const [bucket, pairs] of plan.links) add([appendLinks(linksContext, projectId, bucket, pairs)]);
  const headContext = contextOf('changeHead');
  for (const { entityType, entityId, seq, operation } of plan.evicted)
    add([upsert(headContext, { projectId, entityType, entityId, latestSeq: seq, operation })]);

  try {
    await storage.transactWrite(operations.map(toTransactItem));
  } catch (error) {
    if (error instanceof TransactionCancelledError) {
      const failed = error.reasons.flatMap((reason, index) => (reason.code === 'ConditionalCheckFailed' ? [index] : []));
      // The log's own items failed: another writer moved it first (a companion failing too may be a consequence).
      if (failed.some((index) => owners[index] === undefined)) {
        cache.moved(projectId);
        return { kind: 'moved' };
      }
      const index = failed[0];
      const operation = index === undefined ? undefined : operations[index];
      const owner = index === undefined ? undefined : owners[index];
      if (operation && owner !== undefined) return { kind: 'rejected', owner, error: explain(operation, error.reasons[index ?? 0]?.item, error) };
    }
    const mapped = mapError(error, { entity: 'change', id: projectId });
    // A concurrent transaction on one of the items (TransactionConflict): nothing was written; retry.
    if (mapped.code === 'conflict') {
      cache.moved(projectId);
      return { kind: 'moved' };
    }
    // Whether it was written is unknown (a network error): the next transaction reads first.
    cache.forget(projectId);
    throw mapped;
  }
  cache.committed(projectId, after(state, plan));
  return { kind: 'committed', results };
}
