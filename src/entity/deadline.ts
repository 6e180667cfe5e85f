import { RepositoryError } from '../errors/index.ts';
import { isMap } from '../expression/index.ts';
import { signalChecked, type Storage } from '../storage/index.ts';
import { watchDeadline } from './deadline-queue.ts';

/** What every operation accepts to bound its wait. */
export interface CallOptions {
  /** Ends the operation when it aborts: the call rejects with code `aborted`. */
  signal?: AbortSignal;
  /** The operation's deadline in ms, every request and retry included: past it, code `timeout`. */
  timeoutMs?: number;
}

/** The default deadline of an operation on one item or one page. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** setTimeout's largest delay. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export const callOptionNames = ['signal', 'timeoutMs'] as const;

/** The signal and deadline of a call, checked: bad ones are validation errors before anything is sent. */
export function callOptionsOf(entity: string, options: unknown): CallOptions {
  if (!isMap(options)) return {};
  const { signal, timeoutMs } = options;
  const issues: { path: string[]; message: string }[] = [];
  if (signal !== undefined && !(signal instanceof AbortSignal)) issues.push({ path: ['signal'], message: 'is an AbortSignal' });
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS))
    issues.push({ path: ['timeoutMs'], message: `is a number of milliseconds from 1 to ${MAX_TIMEOUT_MS}` });
  if (issues.length > 0) throw RepositoryError.validation(entity, issues);
  return {
    ...(signal instanceof AbortSignal ? { signal } : {}),
    ...(typeof timeoutMs === 'number' ? { timeoutMs } : {}),
  };
}

export interface Bounds {
  readonly entity: string;
  readonly operation: string;
  /** The table's default deadline; undefined for operations over many items, which have none unless given. */
  readonly defaultTimeoutMs: number | undefined;
  /**
   * Operations over many items stop through their storage (requests and waits abort) and report
   * what they wrote; the others also return at the deadline when something inside does not listen.
   */
  readonly many?: boolean;
}

/**
 * Runs one operation within its deadline and its caller's signal, and returns by the deadline
 * even if something inside does not listen. A caller's signal (and the deadline of an operation
 * over many items) reaches every request and every wait between retries; the deadline of an
 * operation on one item stops it from sending anything more. A write ended this way may or may
 * not have been applied, as with any request whose answer did not arrive.
 */
export function bounded<T>(storage: Storage, bounds: Bounds, call: CallOptions, run: (storage: Storage) => Promise<T>): Promise<T> {
  const timeoutMs = call.timeoutMs ?? bounds.defaultTimeoutMs;
  const { signal } = call;
  if (timeoutMs === undefined && !signal) {
    try {
      return run(storage);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  if (signal || bounds.many || timeoutMs === undefined) return boundedBySignal(storage, bounds, call, timeoutMs, run);
  return boundedByDeadline(storage, bounds, timeoutMs, run);
}

const timeoutError = (bounds: Bounds, timeoutMs: number) =>
  new RepositoryError('timeout', `${bounds.entity} ${bounds.operation}: did not finish within its deadline of ${timeoutMs} ms (timeoutMs)`, {
    entity: bounds.entity,
  });

/**
 * The common case, an operation on one item or one page with only a deadline: it ends exactly
 * at its deadline (watched with the other operations of the same timeoutMs, see
 * deadline-queue.ts), and from then on its storage sends nothing more. The deadline is not
 * handed to the SDK as an abortSignal (that costs every request microseconds of promise
 * racing): a request in flight when it passes ends by the client's request timeout, and a write
 * ended this way may or may not be applied, as with any unanswered request.
 */
function boundedByDeadline<T>(storage: Storage, bounds: Bounds, timeoutMs: number, run: (storage: Storage) => Promise<T>): Promise<T> {
  const gate: { aborted: boolean; reason?: unknown } = { aborted: false };
  // One promise settled by whichever comes first, the operation or its deadline (no race, no listener).
  return new Promise<T>((resolve, reject) => {
    const { queue, entry } = watchDeadline(timeoutMs, () => {
      gate.reason = timeoutError(bounds, timeoutMs);
      gate.aborted = true;
      reject(gate.reason);
    });
    const fail = (error: unknown) => {
      queue.settle(entry);
      reject(error);
    };
    let running: Promise<T>;
    try {
      running = run(signalChecked(storage, gate));
    } catch (error) {
      fail(error);
      return;
    }
    running.then((value) => {
      queue.settle(entry);
      resolve(value);
    }, fail);
  });
}

/** With the caller's signal, or over many items (which stop through their storage at the exact deadline): a signal of the operation's own. */
async function boundedBySignal<T>(
  storage: Storage,
  bounds: Bounds,
  call: CallOptions,
  timeoutMs: number | undefined,
  run: (storage: Storage) => Promise<T>,
): Promise<T> {
  const { signal } = call;
  const aborted = () =>
    new RepositoryError('aborted', `${bounds.entity} ${bounds.operation}: aborted by the caller's signal`, { entity: bounds.entity, cause: signal?.reason });
  if (signal?.aborted) throw aborted();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  // Nobody may be waiting on `ended` when the operation finishes first.
  ended.catch(() => undefined);
  if (timeoutMs !== undefined) {
    timer = setTimeout(() => controller.abort(timeoutError(bounds, timeoutMs)), timeoutMs);
  }
  const onAbort = () => controller.abort(aborted());
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const running = run(storage.withSignal(controller.signal));
    return await (bounds.many ? running : Promise.race([running, ended]));
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    const reason: unknown = controller.signal.reason;
    // A bulk write says which items it wrote before the deadline or the signal stopped it.
    if (reason instanceof RepositoryError && error instanceof RepositoryError && error.written) {
      throw new RepositoryError(reason.code, `${reason.message} (it stopped after writing ${error.written.length} items; error.written has their ids)`, {
        entity: bounds.entity,
        cause: error,
        written: error.written,
      });
    }
    throw reason;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
