import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connect } from '../connection/index.ts';
import { isMap } from '../expression/index.ts';
import { isMigration, migrate, planMigrations, type Migration, type MigrationResult, type ProgressMode } from '../migrate/index.ts';
import { importModule, loadTable } from './load-table.ts';
import { connectOptions, embeddedNote } from './options.ts';

export interface MigrateFlags {
  module?: string;
  export?: string;
  endpoint?: string;
  region?: string;
  tableName?: string;
  dryRun?: boolean;
  segments?: number;
  pageSize?: number;
  batchSize?: number;
  concurrency?: number;
  maxRate?: number;
  progress: ProgressMode;
}

/** Every migration the module exports (alone or in arrays), each once, in export order. */
export async function loadMigrations(modulePath: string): Promise<Migration[]> {
  const loaded = await importModule(pathToFileURL(resolve(modulePath)).href, modulePath);
  const found: Migration[] = [];
  for (const value of Object.values(isMap(loaded) ? loaded : {})) {
    for (const candidate of Array.isArray(value) ? value : [value]) if (isMigration(candidate) && !found.includes(candidate)) found.push(candidate);
  }
  return found;
}

const describe = (result: MigrationResult) => {
  const verb = result.status === 'dryRun' ? 'would migrate' : 'migrated';
  const state = result.status === 'already' ? 'already done' : result.status === 'dryRun' ? 'dry run' : result.resumed ? 'done (resumed)' : 'done';
  return `${result.name} (${result.entity} v${result.fromVersion} → v${result.toVersion}${result.type === 'backfill' ? ', index backfill' : ''}): ${state} — scanned ${result.scanned}, ${verb} ${result.migrated}, skipped ${result.skipped}, failed ${result.failed} in ${(result.durationMs / 1000).toFixed(1)} s`;
};

/**
 * `tablekit migrate --module m.ts`: the table and the migrations come from the module; the
 * list is checked before anything connects, so a wrong list never writes.
 */
export async function runMigrate(flags: MigrateFlags): Promise<void> {
  const definition = await loadTable(flags.module, flags.export);
  const migrations = await loadMigrations(flags.module ?? '');
  if (migrations.length === 0) throw new Error(`${flags.module} exports no migrations (defineMigration(...))`);
  planMigrations(definition, migrations);
  const connection = await connect(connectOptions(flags));
  if (connection.source === 'embedded') console.error(embeddedNote);
  try {
    const table = definition.bind(connection, flags.tableName ? { tableName: flags.tableName } : {});
    console.log(`${flags.dryRun ? 'Dry run: nothing is written. ' : ''}Migrating table '${table.tableName}' (${migrations.length} migration(s))`);
    const report = await migrate(table, migrations, {
      dryRun: Boolean(flags.dryRun),
      progress: flags.progress,
      ...(flags.segments ? { segments: flags.segments } : {}),
      ...(flags.pageSize ? { pageSize: flags.pageSize } : {}),
      ...(flags.batchSize ? { batchSize: flags.batchSize } : {}),
      ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
      ...(flags.maxRate ? { maxRate: flags.maxRate } : {}),
    });
    let rejected = 0;
    for (const result of report.migrations) {
      console.log(describe(result));
      for (const example of result.examples)
        console.log(`  ${JSON.stringify(example.key)}\n    before ${JSON.stringify(example.before)}\n    after  ${JSON.stringify(example.after)}`);
      for (const item of result.rejected) console.log(`  rejected ${JSON.stringify(item.key)}: ${item.message}`);
      rejected += result.failed;
    }
    if (report.dryRun && rejected > 0) throw new Error(`${rejected} item(s) would be rejected: fix up() before migrating`);
  } finally {
    await connection.close();
  }
}
