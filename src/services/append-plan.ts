import type { Operation } from '../entity/index.ts';

type Item = Record<string, unknown>;

/** One change to append, with the writes that must commit in the same transaction (the outbox). */
export type Candidate = { change: Item; companion: readonly Operation[] };

export const entityKey = (item: Item) => JSON.stringify([item.entityType, item.entityId]);

/**
 * The changes that fit one transaction of `maxItems`: the sequence item, then per change the
 * change and its companion writes, and per touched entity its head and (if it had one) the
 * previous change's outdatedBy update.
 */
export function planGroup(candidates: readonly Candidate[], heads: ReadonlyMap<string, Item>, maxItems: number): Candidate[] {
  const group: Candidate[] = [];
  const touched = new Set<string>();
  let size = 1;
  for (const candidate of candidates) {
    const key = entityKey(candidate.change);
    const extra = 1 + candidate.companion.length + (touched.has(key) ? 0 : 1 + (heads.has(key) ? 1 : 0));
    if (size + extra > maxItems) break;
    size += extra;
    touched.add(key);
    group.push(candidate);
  }
  return group;
}

/**
 * Numbers the group from current+1 and chains outdatedBy within it (each change points at the
 * next change of the same entity). Returns the changes and, per entity, its first new seq.
 */
export function assignSeqs(group: readonly Candidate[], current: number): { stored: Item[]; firstSeqOf: Map<string, number> } {
  const stored = group.map(({ change }, index) => ({ ...change, seq: current + index + 1 }));
  const firstSeqOf = new Map<string, number>();
  for (let index = stored.length - 1; index >= 0; index--) {
    const change = stored[index] as Item;
    const key = entityKey(change);
    const later = firstSeqOf.get(key);
    if (later !== undefined) change.outdatedBy = later;
    firstSeqOf.set(key, change.seq as number);
  }
  return { stored, firstSeqOf };
}
