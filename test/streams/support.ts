/**
 * Helpers of the stream tests: a Recorder that subscribes to a live stream and lets a test wait
 * (with a generous timeout, never asserting durations) for an expected emission, completion or error.
 */
import type { Observer } from '../../src/streams/index.ts';

/** Anything with LiveStream's subscribe(). */
export interface Subscribable<T> {
  subscribe(observer: Observer<T>): () => void;
}

/**
 * How long a test waits for an expected emission (or for writers to make progress) before it fails
 * with a description of what arrived: generous for a busy machine whose DynamoDB Local answers
 * slowly, and well below ava's 3-minute timeout, so a failure says what was missing.
 */
export const WAIT_MS = 60_000;

/** Every recorder still subscribed, so a file's after.always hook can end them even when a test failed early. */
const open = new Set<Recorder<unknown>>();

/** Unsubscribes every recorder of this process that is still subscribed (call in test.after.always). */
export function unsubscribeAll(): void {
  for (const recorder of [...open]) recorder.unsubscribe();
}

export class Recorder<T> {
  readonly values: T[] = [];
  error: unknown = undefined;
  completed = false;
  /** The subscription is live: every write acknowledged from now on will be delivered. */
  started = false;
  /** Calls of next/error/complete after the stream ended or was unsubscribed (must stay 0). */
  lateCalls = 0;
  readonly unsubscribe: () => void;
  private unsubscribed = false;
  private readonly waiters = new Set<() => void>();

  constructor(stream: Subscribable<T>) {
    const stop = stream.subscribe({
      start: () => {
        this.started = true;
        this.notify();
      },
      next: (value) => {
        if (this.ended || this.unsubscribed) this.lateCalls++;
        this.values.push(value);
        this.notify();
      },
      error: (error) => {
        if (this.ended || this.unsubscribed) this.lateCalls++;
        this.error = error ?? new Error('stream failed without an error value');
        this.notify();
      },
      complete: () => {
        if (this.ended || this.unsubscribed) this.lateCalls++;
        this.completed = true;
        this.notify();
      },
    });
    this.unsubscribe = () => {
      this.unsubscribed = true;
      open.delete(this as Recorder<unknown>);
      stop();
    };
    open.add(this as Recorder<unknown>);
  }

  get ended(): boolean {
    return this.completed || this.error !== undefined;
  }

  get last(): T | undefined {
    return this.values.at(-1);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves once `predicate` holds; rejects after `timeoutMs` (or when the stream fails unexpectedly). */
  until(predicate: (recorder: this) => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const check = () => {
        if (predicate(this)) {
          done();
          resolve();
        } else if (this.error !== undefined) {
          done();
          reject(new Error(`waiting for ${what}: the stream failed: ${String((this.error as Error)?.message ?? this.error)}`));
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `waiting for ${what}: not within ${timeoutMs} ms (${this.values.length} emissions, completed: ${this.completed}, error: ${String(this.error)})`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** The subscription is live (LiveStream's `start`): writes from now on are delivered. */
  live(timeoutMs?: number): Promise<void> {
    return this.until((r) => r.started, 'the subscription to go live', timeoutMs);
  }

  /** At least `n` emissions. */
  count(n: number, timeoutMs?: number): Promise<void> {
    return this.until((r) => r.values.length >= n, `${n} emission(s)`, timeoutMs);
  }

  /** Completion or an error. */
  end(timeoutMs = WAIT_MS): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`the stream did not end within ${timeoutMs} ms (${this.values.length} emissions)`));
      }, timeoutMs);
      const check = () => {
        if (!this.ended) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
  }
}

export const record = <T>(stream: Subscribable<T>) => new Recorder(stream);

/** Rejects if `promise` does not settle within `timeoutMs` (a hang guard, not a timing assertion). */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not settled within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits (generously) until `condition` holds; a wait, not a timing assertion. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(5);
  }
}
