import { and, compareStrings, evaluate, matchesKey, valuesEqual } from '../expression/index.ts';
import type { RawItem } from '../storage/index.ts';
import { LiveStream, type RawChange } from '../streams/index.ts';
import { conditionOf } from './conditions.ts';
import type { EntityContext } from './context.ts';
import { mapped } from './operations.ts';
import type { QueryInput } from './reads.ts';
import { keyQuery } from './sort-key.ts';
import { notFound } from './support.ts';

/** Registers a teardown so that dispose() can end a stream. */
export type Track = (stop: () => void) => () => void;

/** True when `incoming` is not newer than what was already emitted (the subscription starts before the first read). */
function alreadySeen(context: EntityContext, incoming: RawItem, seen: RawItem): boolean {
  const { definition } = context.model;
  if (definition.versioned) return Number(incoming.version) <= Number(seen.version);
  if (definition.timestamps) return String(incoming.updatedAt) <= String(seen.updatedAt);
  return valuesEqual(incoming, seen);
}

/** A removal of an older incarnation of the item (deleted and re-created before our read). */
function staleRemoval(context: EntityContext, removed: RawItem | undefined, seen: RawItem): boolean {
  const { definition } = context.model;
  if (!removed) return false;
  if (definition.timestamps && removed.createdAt !== seen.createdAt) return true;
  return definition.versioned && Number(removed.version) < Number(seen.version);
}

/** Runs changes one at a time, buffering those that arrive before the initial read finished. */
function sequencer(apply: (change: RawChange) => void) {
  let ready = false;
  const buffered: RawChange[] = [];
  return {
    next: (change: RawChange) => (ready ? apply(change) : buffered.push(change)),
    start: () => {
      ready = true;
      for (const change of buffered.splice(0)) apply(change);
    },
  };
}

/** First the current item, then every change; completes when the item is deleted. */
export function streamItem(context: EntityContext, track: Track, id: unknown): LiveStream<Record<string, unknown>> {
  const { model, storage } = context;
  return new LiveStream(async (observer) => {
    const idValues = model.idValues(id);
    const key = model.keys.primaryKey(idValues);
    const wanted = model.idKey(idValues);
    let current: RawItem | undefined;
    const events = sequencer((change) => {
      const item = change.newItem ?? change.oldItem;
      if (!item || change.entity !== model.name || model.idKey(item) !== wanted || !current) return;
      if (change.type === 'remove') {
        if (!staleRemoval(context, change.oldItem, current)) observer.complete();
        return;
      }
      if (!change.newItem || alreadySeen(context, change.newItem, current)) return;
      current = change.newItem;
      observer.next(model.decode(current));
    });
    const unsubscribe = await storage.subscribe({ next: events.next, error: observer.error, complete: observer.complete });
    const stop = track(() => {
      unsubscribe();
      observer.complete();
    });
    try {
      current = await storage.get({ key, consistent: true });
    } catch (error) {
      observer.error(mapped(error, model.name, id));
      return stop;
    }
    if (!current) {
      observer.error(notFound(model.name, id));
      return stop;
    }
    observer.next(model.decode(current));
    events.start();
    return stop;
  });
}

/** First the current result (possibly []), then the full result after each change to the entity. */
export function streamQuery(context: EntityContext, track: Track, query: QueryInput | undefined, where: unknown): LiveStream<Record<string, unknown>[]> {
  const { model, storage } = context;
  const filter = conditionOf(model.definition, where, 'where');
  const keyed = query?.pattern === undefined ? undefined : keyQuery(model, query.pattern, query.key);
  const primary = [model.keys.primary.pk.field, model.keys.primary.sk?.field].filter((field): field is string => field !== undefined);
  const order = [...(keyed?.pattern.sk ? [keyed.pattern.sk.field] : []), ...primary];
  const matches = (raw: RawItem) =>
    raw.__edb_e__ === model.name &&
    (!keyed ||
      (!keyed.empty && matchesKey(keyed.condition, raw) && (keyed.excludeEqual === undefined || raw[keyed.pattern.sk?.field ?? ''] !== keyed.excludeEqual))) &&
    (!filter || evaluate(filter, raw));
  return new LiveStream(async (observer) => {
    const results = new Map<string, RawItem>();
    const emit = () => {
      const sorted = [...results.values()].sort((a, b) => {
        for (const field of order) {
          const difference = compareStrings(String(a[field] ?? ''), String(b[field] ?? ''));
          if (difference !== 0) return difference;
        }
        return 0;
      });
      observer.next(sorted.map((raw) => model.decode(raw)));
    };
    const events = sequencer((change) => {
      const item = change.newItem ?? change.oldItem;
      if (!item || change.entity !== model.name) return;
      const id = model.idKey(item);
      const known = results.get(id);
      if (change.type === 'remove') {
        if (known && !staleRemoval(context, change.oldItem, known)) {
          results.delete(id);
          emit();
        }
        return;
      }
      const next = change.newItem;
      if (!next) return;
      if (known && alreadySeen(context, next, known)) return;
      if (matches(next)) results.set(id, next);
      else if (!results.delete(id)) return;
      emit();
    });
    const unsubscribe = await storage.subscribe({ next: events.next, error: observer.error, complete: observer.complete });
    const stop = track(() => {
      unsubscribe();
      observer.complete();
    });
    try {
      let startKey: RawItem | undefined;
      do {
        const page = keyed
          ? keyed.empty
            ? { items: [], lastKey: undefined }
            : await storage.query({
                indexName: keyed.pattern.indexName,
                key: keyed.condition,
                forward: true,
                ...(filter ? { filter } : {}),
                ...(startKey ? { startKey } : {}),
              })
          : await storage.scan({
              filter: and({ kind: 'compare', name: '__edb_e__', op: '=', value: model.name }, filter),
              ...(startKey ? { startKey } : {}),
            });
        for (const raw of page.items) if (matches(raw)) results.set(model.idKey(raw), raw);
        startKey = page.lastKey;
      } while (startKey);
    } catch (error) {
      observer.error(mapped(error, model.name));
      return stop;
    }
    emit();
    events.start();
    return stop;
  });
}
