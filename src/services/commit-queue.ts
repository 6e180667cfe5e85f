import { backoffDelay, sleep, type RetryPolicy } from '../retry/index.ts';

/** One caller's append: its items in order, and the results of those already committed. */
interface Waiting<C, R> {
  readonly items: readonly C[];
  readonly atomic: boolean;
  readonly results: R[];
  resolve(results: R[]): void;
  reject(error: unknown): void;
}

/** The part of one caller's append offered to a transaction; `owner` is its index in the window. */
export interface Slice<C> {
  readonly owner: number;
  readonly items: readonly C[];
  readonly atomic: boolean;
}

/** What one transaction attempt did with the window it was offered. */
export type Outcome<R> =
  /** The first `results.length` items of the window committed, in window order. */
  | { readonly kind: 'committed'; readonly results: readonly R[] }
  /** Another writer moved the log first: nothing was written; try again after a backoff. */
  | { readonly kind: 'moved' }
  /** One caller's append failed on its own (its companion's condition): only that caller gets the error. */
  | { readonly kind: 'rejected'; readonly owner: number; readonly error: unknown };

export interface CommitQueueOptions<C, R> {
  /** At most this many items are offered to one transaction. */
  readonly windowSize: number;
  /** Backoff and budget when the log keeps moving under us (other processes). */
  readonly retry: RetryPolicy;
  /** One attempt: commit as many items of the window as fit one transaction. A throw fails the whole window. */
  commit(key: string, window: readonly Slice<C>[]): Promise<Outcome<R>>;
  onMoved(): void;
  /** The queue of this key ran empty: the burst is over. */
  idle(key: string): void;
  exhausted(key: string): Error;
  /** A window failed with this error: is it worth retrying its appends one by one to find whose it is? */
  isolate(error: unknown): boolean;
}

/**
 * Group commit: appends to one key (a project) wait in a queue with at most ONE transaction in
 * flight; each transaction takes as many queued appends as fit, in arrival order, and every caller
 * gets exactly its own results (or its own error). An atomic append is offered whole or not at all.
 */
export class CommitQueue<C, R> {
  private readonly queues = new Map<string, Waiting<C, R>[]>();

  constructor(private readonly options: CommitQueueOptions<C, R>) {}

  submit(key: string, items: readonly C[], atomic: boolean): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      const waiting: Waiting<C, R> = { items, atomic, results: [], resolve, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(waiting);
        return;
      }
      const fresh = [waiting];
      this.queues.set(key, fresh);
      // The first transaction starts on the next turn, so appends submitted in this one share it.
      setImmediate(() => void this.drain(key, fresh));
    });
  }

  private window(queue: readonly Waiting<C, R>[], alone: boolean): { slices: Slice<C>[]; waiting: Waiting<C, R>[] } {
    const slices: Slice<C>[] = [];
    const waiting: Waiting<C, R>[] = [];
    let size = 0;
    for (const entry of alone ? queue.slice(0, 1) : queue) {
      const left = entry.items.slice(entry.results.length);
      // An atomic append that does not fit what is left waits for the next transaction (where it comes first).
      if (entry.atomic && size > 0 && size + left.length > this.options.windowSize) break;
      const taken = entry.atomic ? left : left.slice(0, this.options.windowSize - size);
      slices.push({ owner: waiting.length, items: taken, atomic: entry.atomic });
      waiting.push(entry);
      size += taken.length;
      if (size >= this.options.windowSize) break;
    }
    return { slices, waiting };
  }

  private async drain(key: string, queue: Waiting<C, R>[]): Promise<void> {
    const settle = (entry: Waiting<C, R>, failure?: { error: unknown }) => {
      const index = queue.indexOf(entry);
      if (index >= 0) queue.splice(index, 1);
      if (failure) entry.reject(failure.error);
      else entry.resolve(entry.results);
    };
    let moved = 0;
    // After a failure no caller can be blamed for, the appends go one at a time until the one that fails alone is found.
    let alone = false;
    while (queue.length > 0) {
      const { slices, waiting } = this.window(queue, alone);
      let outcome: Outcome<R>;
      try {
        outcome = await this.options.commit(key, slices);
      } catch (error) {
        moved = 0;
        if (waiting.length > 1 && this.options.isolate(error)) {
          alone = true;
          continue;
        }
        for (const entry of waiting) settle(entry, { error });
        alone = false;
        continue;
      }
      if (outcome.kind === 'moved') {
        this.options.onMoved();
        if (++moved >= this.options.retry.maxAttempts) {
          for (const entry of waiting) settle(entry, { error: this.options.exhausted(key) });
          moved = 0;
        } else await sleep(backoffDelay(this.options.retry, moved));
        continue;
      }
      moved = 0;
      if (outcome.kind === 'rejected') {
        const entry = waiting[outcome.owner];
        if (entry) settle(entry, { error: outcome.error });
        continue;
      }
      if (outcome.results.length === 0) {
        // A commit that makes no progress would spin: fail the window instead.
        for (const entry of waiting) settle(entry, { error: new Error('the transaction committed none of the queued changes') });
        continue;
      }
      alone = false;
      let offset = 0;
      for (const slice of slices) {
        const entry = waiting[slice.owner];
        if (!entry) continue;
        const mine = outcome.results.slice(offset, offset + slice.items.length);
        offset += mine.length;
        entry.results.push(...mine);
        if (entry.results.length === entry.items.length) settle(entry);
      }
      // Callers just resolved may append again at once: let them queue before the next window is taken.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.queues.delete(key);
    this.options.idle(key);
  }
}
