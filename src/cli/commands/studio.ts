import type { Command } from 'commander';
import { connectionOptions, parsePort } from '../options.ts';
import { runStudio, type StudioFlags } from '../studio.ts';

export function addStudioCommand(program: Command): void {
  connectionOptions(program.command('studio'))
    .description('a local web app over your table: entities, access patterns as forms, item editor, live writes, facets')
    .option('--port <port>', 'port (default: 4321; 0 = any free port)', (value: string) => (value === '0' ? 0 : parsePort(value)), 4321)
    .option('--host <host>', 'interface to listen on (default: 127.0.0.1, this machine only; the studio has no login)')
    .option('--module <path>', 'module exporting your table definition, e.g. entities/table.ts (required)')
    .option('--export <name>', 'export name of the table definition in --module (default: its only table)')
    .option('--memory', 'use the in-memory twin instead of DynamoDB')
    .option('--seed', "write each entity's sample items on start")
    .action(async (flags: StudioFlags) => runStudio(flags));
}
