import type { Page } from '../entity/index.ts';
import { LiveStream, type RawListener } from '../streams/index.ts';

type Item = Record<string, unknown>;

export interface FollowSource<C> {
  projectId: string;
  fromSeq: number;
  /** The table's change feed (its DynamoDB Stream, or the twin's). */
  subscribe(listener: RawListener): Promise<() => void>;
  /** Decodes a raw stream image of a change item. */
  decode(raw: Item): C;
  /** One page of changes with seq > afterSeq. */
  since(afterSeq: number): Promise<Page<C>>;
}

/**
 * History after `fromSeq`, then live changes, in strict seq order with no gap and no duplicate.
 * The subscription starts BEFORE the history is read; live records at or below the last seq
 * delivered are dropped, and a hole in the live records is filled from `since()`.
 */
export function followChanges<C>(source: FollowSource<C>): LiveStream<C> {
  const seqOf = (change: C) => (change as { seq: number }).seq;
  return new LiveStream<C>(async (observer) => {
    let lastSeq = source.fromSeq;
    let chain = Promise.resolve();
    let stopped = false;
    const pending = new Map<number, C>();
    // Each page starts after the last seq delivered: a page cursor would belong to the previous range.
    const catchUp = async () => {
      for (;;) {
        const page = await source.since(lastSeq);
        let advanced = false;
        for (const change of page.items) {
          if (stopped) return;
          if (seqOf(change) === lastSeq + 1) {
            lastSeq = seqOf(change);
            advanced = true;
            observer.next(change);
          }
        }
        if (!page.cursor || !advanced || stopped) return;
      }
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
          const before = lastSeq;
          await catchUp();
          if (lastSeq === before) return;
          continue;
        }
        return;
      }
    };
    const enqueue = (work: () => Promise<void>) => {
      chain = chain.then(work).catch((error: unknown) => {
        stopped = true;
        observer.error(error);
      });
    };
    const unsubscribe = await source.subscribe({
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
