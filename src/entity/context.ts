import type { OperationObserver } from '../metrics/index.ts';
import type { RetryPolicy } from '../retry/index.ts';
import type { Storage } from '../storage/index.ts';
import type { EntityModel } from './model.ts';
import type { Upgrade } from './previous.ts';
import type { Operation } from './operations.ts';

/** A change an entity write makes, as the change log records it. */
export interface RecordedChange {
  readonly entityType: string;
  readonly entityId: string;
  readonly operation: 'create' | 'update' | 'delete';
  /** The item after the write (its key for a delete), as the caller sees it. */
  readonly data: Record<string, unknown>;
}

/** One write of an entity with the change it makes: both commit or neither. */
export interface RecordedWrite {
  readonly operations: readonly Operation[];
  readonly change: RecordedChange;
}

/**
 * Where writes go instead of straight to storage: the change log's transaction (the outbox).
 * `atomic` asks for every write in one transaction.
 */
export interface WriteRecorder {
  record(writes: readonly RecordedWrite[], options: { atomic: boolean }): Promise<void>;
}

/** Everything an entity's API needs; one per entity of a bound table. */
export interface EntityContext {
  readonly model: EntityModel;
  readonly storage: Storage;
  /** The table's claim entity, when some entity declares unique fields. */
  readonly claims: EntityModel | undefined;
  /** Budget for re-reading and retrying a read-modify-write after a concurrent change. */
  readonly conflictRetry: RetryPolicy;
  readonly now: () => Date;
  /** Writes recorded in a change log (the outbox), when set. */
  readonly recorder?: WriteRecorder;
  /** The bound table's operation observer (metrics and tracing), when set. */
  readonly observer?: OperationObserver;
  /** The default deadline (ms) of an operation on one item or one page; see deadline.ts. */
  readonly timeoutMs: number | undefined;
  /** While a migration runs (`bind(..., { migrating })`): the previous version, read as a fallback and moved before single-item writes. */
  readonly previous?: Upgrade;
}
