import type { EntityContext } from '../entity/index.ts';
import type { Storage } from '../storage/index.ts';
import type { TableLayout, TableSummary } from '../table/index.ts';
import { MigrationError } from './errors.ts';
import type { MigrationProgress, ProgressMode } from './progress.ts';

type Item = Record<string, unknown>;

/** What a migration needs of a bound table (any `Table.bind(connection)`). */
export interface MigrationTarget {
  readonly definition: TableLayout;
  readonly storage: Storage;
  contextOf(entity: string): EntityContext;
  describe(): Promise<TableSummary | undefined>;
}

export interface MigrateOptions {
  /** Read and report what would change; write nothing (no items, no checkpoints). */
  readonly dryRun?: boolean;
  /** Parallel Scan segments (default 4). A resumed run keeps the segments it started with. */
  readonly segments?: number;
  /** Items per Scan request (DynamoDB Limit; default 500, and at most 1 MB). */
  readonly pageSize?: number;
  /** Items per TransactWriteItems (default 49, at most 49: each item is a put and a delete, plus one checkpoint update). */
  readonly batchSize?: number;
  /** Transactions in flight per segment (default 2): each lane counts in its own checkpoint item. */
  readonly concurrency?: number;
  /** At most this many items per second over all segments (default: as fast as DynamoDB takes them). */
  readonly maxRate?: number;
  /** Called as the migration advances (after each transaction and page). */
  readonly onProgress?: (progress: MigrationProgress) => void;
  /** A progress display on stderr: a bar on a terminal, plain lines otherwise (`auto`); default `none`. */
  readonly progress?: ProgressMode;
}

/** What happened to one migration. */
export interface MigrationResult {
  readonly name: string;
  readonly entity: string;
  readonly type: 'version' | 'backfill';
  readonly fromVersion: number;
  readonly toVersion: number;
  /** `ran`: finished now; `already`: recorded as done by an earlier run; `dryRun`: nothing written. */
  readonly status: 'ran' | 'already' | 'dryRun';
  /** True when this run continued an interrupted one from its checkpoints. */
  readonly resumed: boolean;
  readonly segments: number;
  /** Totals over every run of this migration (a dry run: what would happen). */
  readonly scanned: number;
  readonly migrated: number;
  readonly skipped: number;
  readonly failed: number;
  readonly durationMs: number;
  /** Dry run: a few items as they are and as they would be stored. */
  readonly examples: readonly { readonly key: Item; readonly before: Item; readonly after: Item }[];
  /** Dry run: the first items `up()` rejects (key and issues). */
  readonly rejected: readonly { readonly key: Item; readonly message: string; readonly issues: readonly { path: (string | number)[]; message: string }[] }[];
}

export interface MigrationReport {
  readonly dryRun: boolean;
  readonly migrations: readonly MigrationResult[];
}

export const DEFAULT_SEGMENTS = 4;
export const DEFAULT_BATCH = 49;
/** Items per Scan request: a segment holds the page it writes and the next one. */
export const DEFAULT_PAGE_SIZE = 500;
export const DEFAULT_CONCURRENCY = 2;
export const MAX_BATCH = 49;

export const positiveInteger = (name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number => {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new MigrationError('invalidPlan', `${name} must be an integer from 1 to ${max} (got ${value})`);
  return value;
};
