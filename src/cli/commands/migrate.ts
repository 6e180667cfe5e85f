import { type Command, Option } from 'commander';
import { runMigrate, type MigrateFlags } from '../migrate.ts';
import { connectionOptions, parseCount, tableOptions } from '../options.ts';

export function addMigrateCommand(program: Command): void {
  tableOptions(connectionOptions(program.command('migrate')))
    .description('run the migrations the module exports (defineMigration): in order, each once, resumable; a progress bar on a terminal')
    .option('--dry-run', 'read and report what would change; write nothing')
    .option('--segments <n>', 'parallel Scan segments (default 4)', parseCount)
    .option('--page-size <n>', 'items per Scan request (default 500)', parseCount)
    .option('--batch-size <n>', 'items per transaction (default and at most 49)', parseCount)
    .option('--concurrency <n>', 'transactions in flight per segment (default 2)', parseCount)
    .option('--max-rate <n>', 'at most n items per second (default: unlimited)', parseCount)
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'bar', 'lines', 'none']).default('auto'))
    .action((flags: MigrateFlags) => runMigrate(flags));
}
