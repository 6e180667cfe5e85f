#!/usr/bin/env node
import { Command } from 'commander';
import { addDemoCommand, addDocsCommand, addExportCommand, addLocalCommand, addMigrateCommand, addStudioCommand, addTableCommand } from './commands/index.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The `tablekit` program: one file per command under commands/. */
export function buildProgram(): Command {
  const program = new Command('tablekit')
    .description('Single-table DynamoDB modelling: zod entities, ElectroDB keys, table exports, embedded DynamoDB Local.')
    .showHelpAfterError('(run with --help for usage)');
  for (const add of [addDemoCommand, addLocalCommand, addStudioCommand, addTableCommand, addExportCommand, addMigrateCommand, addDocsCommand]) add(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    console.error(`tablekit: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
