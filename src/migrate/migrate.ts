import type { Migration } from './define.ts';
import {
  DEFAULT_BATCH,
  DEFAULT_CONCURRENCY,
  DEFAULT_PAGE_SIZE,
  DEFAULT_SEGMENTS,
  MAX_BATCH,
  positiveInteger,
  type MigrateOptions,
  type MigrationReport,
  type MigrationResult,
  type MigrationTarget,
} from './options.ts';
import { planMigrations } from './plan.ts';
import { progressDisplay } from './progress.ts';
import { about, MigrationRun } from './run.ts';
import { StateStore } from './state.ts';

export type { MigrateOptions, MigrationReport, MigrationResult, MigrationTarget } from './options.ts';

/**
 * Runs the migrations that have not run yet, in order, on a bound table: parallel Scan
 * segments filtered to the entity at the old version, every item moved in a transaction that
 * also counts it in its segment's checkpoint, so a killed run resumes where it stopped and ends
 * as one uninterrupted run would. The list is checked first (gap, cycle, duplicate step):
 * nothing is written when it is wrong.
 */
export async function migrate(table: MigrationTarget, migrations: readonly Migration[], options: MigrateOptions = {}): Promise<MigrationReport> {
  const plan = planMigrations(table.definition, migrations);
  const settings = {
    segments: positiveInteger('segments', options.segments, DEFAULT_SEGMENTS, 1_000_000),
    pageSize: positiveInteger('pageSize', options.pageSize, DEFAULT_PAGE_SIZE),
    batchSize: positiveInteger('batchSize', options.batchSize, DEFAULT_BATCH, MAX_BATCH),
    concurrency: positiveInteger('concurrency', options.concurrency, DEFAULT_CONCURRENCY, 16),
    maxRate: options.maxRate === undefined ? undefined : positiveInteger('maxRate', options.maxRate, 1),
  };
  const display = await progressDisplay(options.progress ?? 'none');
  const results: MigrationResult[] = [];
  try {
    for (const migration of plan) {
      const runner = new MigrationRun(table, migration, settings, Boolean(options.dryRun), (progress) => {
        display.update(progress);
        options.onProgress?.(progress);
      });
      results.push(await runner.run());
    }
  } finally {
    display.stop();
  }
  return { dryRun: Boolean(options.dryRun), migrations: results };
}

/** Which migrations of the list ran (recorded in the table), without running anything. */
export async function migrationStatus(
  table: MigrationTarget,
  migrations: readonly Migration[],
): Promise<{ name: string; status: 'done' | 'running' | 'pending' }[]> {
  const plan = planMigrations(table.definition, migrations);
  return Promise.all(
    plan.map(async (migration) => {
      const state = new StateStore(table.definition, table.storage, migration.name, about(migration));
      const record = await state.read('record');
      return { name: migration.name, status: record?.status === 'done' ? 'done' : record ? 'running' : 'pending' };
    }),
  );
}
