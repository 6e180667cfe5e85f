export { defineMigration, isMigration, type BackfillOptions, type Migration, type VersionMigrationOptions } from './define.ts';
export { isMigrationError, MigrationError, type MigrationErrorCode } from './errors.ts';
export { planMigrations } from './plan.ts';
export { progressDisplay, progressLine, type MigrationProgress, type ProgressDisplay, type ProgressMode } from './progress.ts';
export { migrate, migrationStatus, type MigrateOptions, type MigrationTarget, type MigrationReport, type MigrationResult } from './migrate.ts';
export { MigrationState } from './state.ts';
