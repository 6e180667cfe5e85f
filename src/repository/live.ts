import { conditionError } from '../errors/index.ts';
import type { EntityDefinition } from '../schema/index.ts';
import { LiveStream } from '../streams/index.ts';
import { idKey, keyOf } from './ids.ts';
import { matchesQuery, orderForQuery } from './query-match.ts';
import type { Item, Storage, StorageChange, StorageQuery } from './storage.ts';

export interface LiveContext<T> {
  entity: EntityDefinition;
  storage: Storage;
  decode(stored: Item): T;
  /** Registers a teardown so that dispose() can end the stream. */
  track(stop: () => void): () => void;
}

/**
 * True when `incoming` is not newer than what we already emitted: a record the initial read
 * already reflected (the subscription starts before the read). Uses version, else updatedAt.
 */
function alreadySeen(entity: EntityDefinition, incoming: Item, seen: Item): boolean {
  if (entity.versioned) return (incoming.version as number) <= (seen.version as number);
  if (entity.timestamps) return String(incoming.updatedAt) <= String(seen.updatedAt);
  return JSON.stringify(incoming) === JSON.stringify(seen);
}

/** A removal of an older incarnation of the item (deleted and re-created before our read). */
function staleRemoval(entity: EntityDefinition, removed: Item | undefined, seen: Item): boolean {
  if (!removed) return false;
  if (entity.timestamps && removed.createdAt !== seen.createdAt) return true;
  return entity.versioned && (removed.version as number) < (seen.version as number);
}

/** Runs changes one at a time, buffering those that arrive before the initial read finished. */
function sequencer(apply: (change: StorageChange) => void) {
  let ready = false;
  const buffered: StorageChange[] = [];
  return {
    next: (change: StorageChange) => (ready ? apply(change) : buffered.push(change)),
    start: () => {
      ready = true;
      for (const change of buffered.splice(0)) apply(change);
    },
  };
}

/** First the current item, then every change; completes when the item is deleted. */
export function streamItem<T>(context: LiveContext<T>, id: unknown): LiveStream<T> {
  const { entity, storage } = context;
  return new LiveStream<T>(async (observer) => {
    const key = keyOf(entity, id);
    const wanted = idKey(entity, key);
    let current: Item | undefined;
    const events = sequencer((change) => {
      const item = change.newItem ?? change.oldItem;
      if (!item || idKey(entity, item) !== wanted || !current) return;
      if (change.type === 'remove') {
        if (!staleRemoval(entity, change.oldItem, current)) observer.complete();
        return;
      }
      if (!change.newItem || alreadySeen(entity, change.newItem, current)) return;
      current = change.newItem;
      observer.next(context.decode(current));
    });
    const unsubscribe = await storage.subscribe({ next: events.next, error: observer.error, complete: observer.complete });
    const stop = context.track(() => {
      unsubscribe();
      observer.complete();
    });
    current = await storage.get(key, true);
    if (!current) {
      // Error first: the stream closes, and LiveStream then runs `stop` to unsubscribe.
      observer.error(conditionError('notFound', { entity: entity.name, id }));
      return stop;
    }
    observer.next(context.decode(current));
    events.start();
    return stop;
  });
}

/** First the current result (possibly []), then the full result after each change to the entity. */
export function streamQuery<T>(context: LiveContext<T>, query: StorageQuery): LiveStream<T[]> {
  const { entity, storage } = context;
  return new LiveStream<T[]>(async (observer) => {
    const results = new Map<string, Item>();
    const emit = () => observer.next(orderForQuery(entity, query, [...results.values()]).map((item) => context.decode(item)));
    const events = sequencer((change) => {
      const item = change.newItem ?? change.oldItem;
      if (!item) return;
      const key = idKey(entity, item);
      const known = results.get(key);
      if (change.type === 'remove') {
        if (known && !staleRemoval(entity, change.oldItem, known)) {
          results.delete(key);
          emit();
        }
        return;
      }
      const next = change.newItem as Item;
      if (known && alreadySeen(entity, next, known)) return;
      if (matchesQuery(entity, query, next)) results.set(key, next);
      else if (!results.delete(key)) return;
      emit();
    });
    const unsubscribe = await storage.subscribe({ next: events.next, error: observer.error, complete: observer.complete });
    const stop = context.track(() => {
      unsubscribe();
      observer.complete();
    });
    let cursor: string | undefined;
    do {
      const page = await storage.page({ ...query, limit: undefined, cursor });
      for (const item of page.items) results.set(idKey(entity, item), item);
      cursor = page.cursor;
    } while (cursor);
    emit();
    events.start();
    return stop;
  });
}
