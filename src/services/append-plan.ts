import { z } from 'zod';
import { RepositoryError } from '../errors/index.ts';
import type { Operation } from '../entity/index.ts';
import { LINK_BUCKET_SIZE } from './change-links-entity.ts';

export type ChangeOperation = 'create' | 'update' | 'delete';

/** A validated change before the log numbers it. */
export interface Draft {
  readonly projectId: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly operation: ChangeOperation;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

/** A change with its seq; `outdatedBy` when a later change of the same transaction supersedes it. */
export interface Numbered extends Draft {
  readonly seq: number;
  outdatedBy?: number;
}

/** An entity's latest change. */
export interface Head {
  readonly entityType: string;
  readonly entityId: string;
  readonly seq: number;
  readonly operation: ChangeOperation;
}

/** One change to append, with the writes that must commit in the same transaction (the outbox). */
export interface Candidate {
  readonly change: Draft;
  readonly companion: readonly Operation[];
  /** Whose append it is: the caller that gets this change's seq, or this companion's error. */
  readonly owner: number;
  /** The transaction may not end right after this change (it is inside an atomic append). */
  readonly glued: boolean;
}

/** What an append read, consistently, before planning. */
export interface LogState {
  /** The sequence value: the new changes are current+1, current+2, … */
  readonly current: number;
  /** The heads the sequence item carries (the recently changed entities), oldest first. */
  readonly recent: ReadonlyMap<string, Head>;
  /** Head items of the touched entities that are not in `recent`. */
  readonly cold: ReadonlyMap<string, Head>;
}

export const entityKey = (item: { readonly entityType: unknown; readonly entityId: unknown }) => JSON.stringify([item.entityType, item.entityId]);
export const bucketOf = (seq: number) => Math.floor(seq / LINK_BUCKET_SIZE);
const latestOf = (state: LogState, key: string) => state.recent.get(key) ?? state.cold.get(key);

const encodedHeads = z.array(z.tuple([z.string(), z.string(), z.int().positive(), z.enum(['create', 'update', 'delete'])]));

/** The sequence item's `heads` text as entity key → head, oldest first. */
export function decodeHeads(text: string | undefined): Map<string, Head> {
  if (text === undefined) return new Map();
  let entries: z.infer<typeof encodedHeads>;
  try {
    entries = encodedHeads.parse(JSON.parse(text));
  } catch (cause) {
    throw new RepositoryError('unknown', "the change log's sequence item holds unreadable heads", { cause, entity: 'sequence' });
  }
  return new Map(entries.map(([entityType, entityId, seq, operation]) => [entityKey({ entityType, entityId }), { entityType, entityId, seq, operation }]));
}

/** Heads in the order given (oldest first) as the sequence item's `heads` text: one string is cheap to rewrite. */
export function encodeHeads(heads: ReadonlyMap<string, Head>): string {
  return JSON.stringify([...heads.values()].map(({ entityType, entityId, seq, operation }) => [entityType, entityId, seq, operation]));
}

export interface Fit {
  /** How many candidates, from the first, go in this transaction. */
  readonly count: number;
  /** Why the first caller's append cannot go in any transaction (when count is 0: nothing before it can end one). */
  readonly blocked?: 'size' | 'duplicate';
}

/**
 * How many candidates fit one transaction of `maxItems`: the sequence item, each change with its
 * companion writes, one links item per 100-seq range holding a superseded change, and one head
 * item per entity pushed out of the sequence's recent heads (past `capacity`). It stops before a
 * companion that touches an item already in the transaction and never ends inside an atomic append.
 */
export function fitCount(candidates: readonly Candidate[], state: LogState, maxItems: number, capacity: number): Fit {
  let size = 1;
  let allowed = 0;
  let fresh = 0;
  const touched = new Set<string>();
  const buckets = new Set<number>();
  const written = new Set<string>();
  for (const [index, candidate] of candidates.entries()) {
    const key = entityKey(candidate.change);
    const itemKeys = candidate.companion.map((operation) => JSON.stringify(operation.write.key));
    if (itemKeys.some((itemKey) => written.has(itemKey)) || new Set(itemKeys).size < itemKeys.length) {
      return allowed > 0 ? { count: allowed } : { count: 0, blocked: 'duplicate' };
    }
    let extra = 1 + candidate.companion.length;
    let bucket: number | undefined;
    const isFresh = !touched.has(key) && !state.recent.has(key);
    if (!touched.has(key)) {
      const previous = latestOf(state, key);
      if (previous && !buckets.has(bucketOf(previous.seq))) {
        bucket = bucketOf(previous.seq);
        extra++;
      }
      if (isFresh && state.recent.size + fresh + 1 > capacity) extra++;
    }
    if (size + extra > maxItems) return allowed > 0 ? { count: allowed } : { count: 0, blocked: 'size' };
    size += extra;
    touched.add(key);
    if (bucket !== undefined) buckets.add(bucket);
    if (isFresh) fresh++;
    for (const itemKey of itemKeys) written.add(itemKey);
    if (!candidate.glued) allowed = index + 1;
  }
  return { count: allowed };
}

export interface AppendPlan {
  /** The group's candidates with their changes numbered; a change superseded within the group carries its outdatedBy. */
  readonly entries: readonly { readonly candidate: Candidate; readonly change: Numbered }[];
  /** Per links bucket, the [seq, outdatedBy] pairs of the changes this group supersedes. */
  readonly links: ReadonlyMap<number, [number, number][]>;
  /** The recent heads the sequence item carries after this group, oldest first. */
  readonly heads: ReadonlyMap<string, Head>;
  /** Heads pushed out of it (the oldest), written as head items. */
  readonly evicted: readonly Head[];
}

/** Numbers the group from current+1, links what it supersedes and moves the heads. */
export function buildPlan(group: readonly Candidate[], state: LogState, capacity: number): AppendPlan {
  const entries: { candidate: Candidate; change: Numbered }[] = group.map((candidate, index) => ({
    candidate,
    change: { ...candidate.change, seq: state.current + index + 1 },
  }));
  const firstSeq = new Map<string, number>();
  // Backwards: each change points at the next change of the same entity within the group.
  for (const { change } of [...entries].reverse()) {
    const key = entityKey(change);
    const later = firstSeq.get(key);
    if (later !== undefined) change.outdatedBy = later;
    firstSeq.set(key, change.seq);
  }
  const links = new Map<number, [number, number][]>();
  for (const [key, seq] of firstSeq) {
    const previous = latestOf(state, key);
    if (!previous) continue;
    const bucket = bucketOf(previous.seq);
    links.set(bucket, [...(links.get(bucket) ?? []), [previous.seq, seq]]);
  }
  const heads = new Map(state.recent);
  for (const { change } of entries) {
    const { entityType, entityId, seq, operation } = change;
    const key = entityKey(change);
    // Re-inserted at the end: the map stays ordered oldest first.
    heads.delete(key);
    heads.set(key, { entityType, entityId, seq, operation });
  }
  const evicted = [...heads].slice(0, Math.max(0, heads.size - capacity));
  for (const [key] of evicted) heads.delete(key);
  return { entries, links, heads, evicted: evicted.map(([, head]) => head) };
}
