/** One operation waiting for its deadline. */
export interface PendingDeadline {
  readonly deadline: number;
  done: boolean;
  expire: (() => void) | undefined;
}

/**
 * The deadlines of the operations that share a timeoutMs, in the order they started (which is
 * the order of their deadlines), watched by ONE timer armed for the earliest. A timer per
 * operation costs microseconds per call (Node creates and drops its timer list each time, once
 * operations run one after another); here an operation that finishes only marks its entry, and
 * the timer, when it fires, expires what is due and re-arms for the next one. Each operation
 * still expires at its own deadline.
 */
class DeadlineQueue {
  private entries: PendingDeadline[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onIdle: () => void,
  ) {}

  add(expire: () => void): PendingDeadline {
    const entry: PendingDeadline = { deadline: performance.now() + this.timeoutMs, done: false, expire };
    this.entries.push(entry);
    // An armed timer fires no later than this deadline (it is for an earlier one) and re-arms then.
    if (this.timer === undefined) this.arm(entry.deadline);
    return entry;
  }

  settle(entry: PendingDeadline): void {
    entry.done = true;
    entry.expire = undefined;
    this.dropSettled();
  }

  private dropSettled(): void {
    const { entries } = this;
    while (this.head < entries.length && entries[this.head]?.done) this.head++;
    if (this.head === entries.length) {
      entries.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > entries.length) {
      this.entries = entries.slice(this.head);
      this.head = 0;
    }
  }

  private arm(at: number): void {
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(at - performance.now())));
    // The operations' own requests (sockets, retry waits) keep the process alive; their deadline need not.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    const now = performance.now();
    for (let entry = this.entries[this.head]; entry && (entry.done || entry.deadline <= now); entry = this.entries[this.head]) {
      this.head++;
      const expire = entry.expire;
      entry.done = true;
      entry.expire = undefined;
      expire?.();
    }
    this.dropSettled();
    const next = this.entries[this.head];
    if (next) this.arm(next.deadline);
    else this.onIdle();
  }
}

const queues = new Map<number, DeadlineQueue>();

/** Calls `expire` at the deadline, timeoutMs from now, unless the returned entry is settled first. */
export function watchDeadline(timeoutMs: number, expire: () => void): { queue: { settle(entry: PendingDeadline): void }; entry: PendingDeadline } {
  let queue = queues.get(timeoutMs);
  if (!queue) {
    queue = new DeadlineQueue(timeoutMs, () => queues.delete(timeoutMs));
    queues.set(timeoutMs, queue);
  }
  return { queue, entry: queue.add(expire) };
}
