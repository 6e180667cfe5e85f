import { RepositoryError } from '../errors/index.ts';

export interface Observer<T> {
  next(value: T): void;
  /** Called once the subscription is live: every write acknowledged from now on will be delivered. */
  start?(): void;
  error?(error: unknown): void;
  complete?(): void;
}

/** Starts producing for one subscriber; returns the teardown. */
export type Producer<T> = (observer: Required<Omit<Observer<T>, 'start'>>) => Promise<() => void>;

/**
 * A cold live stream: every subscriber (or `for await` loop) starts its own producer.
 * Use `subscribe({ next, error, complete })` (returns an unsubscribe function) or iterate it.
 */
export class LiveStream<T> implements AsyncIterable<T> {
  constructor(private readonly producer: Producer<T>) {}

  subscribe(observer: Observer<T> | ((value: T) => void)): () => void {
    const target: Observer<T> = typeof observer === 'function' ? { next: observer } : observer;
    let closed = false;
    let teardown: (() => void) | undefined;
    const close = () => {
      if (closed) return false;
      closed = true;
      teardown?.();
      return true;
    };
    const guarded: Required<Omit<Observer<T>, 'start'>> = {
      next: (value) => {
        if (!closed) target.next(value);
      },
      error: (error) => {
        if (close()) target.error?.(error);
      },
      complete: () => {
        if (close()) target.complete?.();
      },
    };
    this.producer(guarded).then(
      (stop) => {
        if (closed) return stop();
        teardown = stop;
        target.start?.();
      },
      (error: unknown) => guarded.error(error),
    );
    return () => void close();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const values: T[] = [];
    let waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;
    let done = false;
    let failure: unknown;
    const wake = () => {
      if (!waiting) return;
      const { resolve, reject } = waiting;
      if (values.length > 0) {
        waiting = undefined;
        resolve({ value: values.shift() as T, done: false });
      } else if (failure !== undefined) {
        waiting = undefined;
        reject(failure);
      } else if (done) {
        waiting = undefined;
        resolve({ value: undefined, done: true });
      }
    };
    const unsubscribe = this.subscribe({
      next: (value) => {
        values.push(value);
        wake();
      },
      error: (error) => {
        failure = error ?? new RepositoryError('unknown', 'stream failed');
        wake();
      },
      complete: () => {
        done = true;
        wake();
      },
    });
    return {
      next: () =>
        new Promise<IteratorResult<T>>((resolve, reject) => {
          waiting = { resolve, reject };
          wake();
        }),
      return: async () => {
        done = true;
        unsubscribe();
        return { value: undefined, done: true };
      },
    };
  }
}
