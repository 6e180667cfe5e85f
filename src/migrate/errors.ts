import type { ValidationIssue } from '../errors/index.ts';

export type MigrationErrorCode =
  /** The list of migrations is wrong (gap, cycle, duplicate step or name, unknown entity): nothing was read or written. */
  | 'invalidPlan'
  /** `up()` threw or returned an invalid item, or changed its id: the run stopped; that item was not written. */
  | 'invalidItem'
  /** Some items kept changing concurrently (or stayed throttled): the run stopped; rerun to finish. */
  | 'incomplete';

/** Why a migration run stopped. Items already moved stay moved; a rerun continues from the checkpoints. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  readonly code: MigrationErrorCode;
  readonly migration: string | undefined;
  /** The stored item's primary key (for `invalidItem`). */
  readonly key: Record<string, unknown> | undefined;
  readonly issues: readonly ValidationIssue[];

  constructor(
    code: MigrationErrorCode,
    message: string,
    details: { migration?: string | undefined; key?: Record<string, unknown>; issues?: readonly ValidationIssue[]; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.migration = details.migration;
    this.key = details.key;
    this.issues = details.issues ?? [];
  }
}

export const isMigrationError = (error: unknown): error is MigrationError => error instanceof MigrationError;
