import type { Page } from '../table/index.ts';
import { LiveStream, type StreamReader } from '../streams/index.ts';

type Item = Record<string, unknown>;

export interface FollowSource<C> {
  projectId: string;
  fromSeq: number;
  reader: StreamReader;
  /** Decodes a raw stream image of a change item. */
  decode(raw: Item): C;
  since(afterSeq: number, cursor: string | undefined): Promise<Page<C>>;
}

/**
 * History after `fromSeq`, then live changes, in strict seq order with no gap and no duplicate.
 * The stream subscription starts BEFORE the history is read; live records at or below the last
 * seq delivered are dropped, and a hole in the live records is filled from `since()`.
 */
export function followChanges<C>(source: FollowSource<C>): LiveStream<C> {
  const seqOf = (change: C) => (change as { seq: number }).seq;
  return new LiveStream<C>(async (observer) => {
    let lastSeq = source.fromSeq;
    let chain = Promise.resolve();
    let stopped = false;
    const pending = new Map<number, C>();
    const catchUp = async () => {
      let cursor: string | undefined;
      do {
        const page = await source.since(lastSeq, cursor);
        for (const change of page.items) {
          if (stopped) return;
          if (seqOf(change) === lastSeq + 1) {
            lastSeq = seqOf(change);
            observer.next(change);
          }
        }
        cursor = page.cursor;
      } while (cursor && !stopped);
    };
    const drain = async () => {
      for (;;) {
        if (stopped) return;
        const next = pending.get(lastSeq + 1);
        if (next) {
          pending.delete(seqOf(next));
          lastSeq = seqOf(next);
          observer.next(next);
          continue;
        }
        for (const seq of pending.keys()) if (seq <= lastSeq) pending.delete(seq);
        // A hole (a record we have not seen yet or lost): read it from the table.
        if (pending.size > 0) {
          await catchUp();
          continue;
        }
        return;
      }
    };
    const enqueue = (work: () => Promise<void>) => {
      chain = chain.then(work).catch((error: unknown) => observer.error(error));
    };
    const unsubscribe = await source.reader.subscribe({
      next: (change) => {
        if (change.entity !== 'change' || change.type !== 'insert' || !change.newItem || change.newItem.projectId !== source.projectId) return;
        const decoded = source.decode(change.newItem);
        if (seqOf(decoded) <= lastSeq) return;
        pending.set(seqOf(decoded), decoded);
        enqueue(drain);
      },
      error: (error) => observer.error(error),
      complete: () => observer.complete(),
    });
    enqueue(async () => {
      await catchUp();
      await drain();
    });
    return () => {
      stopped = true;
      pending.clear();
      unsubscribe();
    };
  });
}
